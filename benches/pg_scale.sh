#!/usr/bin/env bash
# The team corpus at scale (the PostgreSQL section of BENCHMARKS.md):
#   1. `corpus import` of N synthetic hash-only references (default 1M;
#      examples/team_scale.rs writes them) into a fresh PostgreSQL database;
#   2. a `serve` replica's cold start to a ready index (first query answered),
#      with its resident memory, and a CLI `query` (open, load, search);
#   3. the refresh delay: a picture added by another process (`corpus add`)
#      until a running replica finds it, less what one query takes;
#   4. the query rate of two replicas on the one database against one, each
#      replica one matcher thread (`--threads 1`), loaded by wrk (two
#      connections per replica, a multipart query of one picture), when wrk
#      is installed, else by the example's own client threads.
#
#   benches/pg_scale.sh                 (RECORDS=10000000 for 10M)
#
# The server: PROVCHECK_TEST_PG (an administrative URL) if set, else a
# throw-away one started by scripts/pg-test-server.sh on PG_PORT (55439),
# with fsync turned back on (the test server runs without it). Work files go
# to WORK (default target/pg_scale). Binaries from PROFILE (default
# release): build first (cargo build --release --bin provcheck --example
# team_scale) or let the script do it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
records=${RECORDS:-1000000}
seconds=${SECONDS_PER_RATE:-20}
work=${WORK:-$root/target/pg_scale}
mkdir -p "$work"
target=${CARGO_TARGET_DIR:-$root/target}
profile=${PROFILE:-release}
provcheck=$target/$profile/provcheck
example=$target/$profile/examples/team_scale
[ -x "$provcheck" ] && [ -x "$example" ] ||
    (cd "$root" && cargo build --release --quiet --bin provcheck --example team_scale)
if [ -z "${PROVCHECK_TEST_PG:-}" ]; then
    # The settings PostgreSQL's manual gives for populating a database and
    # a dedicated server (a quarter of the memory as shared buffers, and
    # checkpoints far enough apart that a bulk load is not written twice).
    export PG_OPTIONS="-c shared_buffers=${PG_SHARED_BUFFERS:-4GB} -c max_wal_size=16GB -c checkpoint_timeout=30min"
    eval "$("$root/scripts/pg-test-server.sh" start "${PG_PORT:-55439}")"
    trap 'kill $(cat "$work"/replica-*.pid 2> /dev/null) 2> /dev/null || true; "$root/scripts/pg-test-server.sh" stop "$PROVCHECK_TEST_PG_DIR"' EXIT
    psql -q -d "$PROVCHECK_TEST_PG" -c "ALTER SYSTEM SET fsync = on" -c "SELECT pg_reload_conf()" > /dev/null
fi
name=provcheck_scale
psql -q -d "$PROVCHECK_TEST_PG" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
db=$(printf '%s' "$PROVCHECK_TEST_PG" | sed -E "s#^(postgres(ql)?://[^/]*)(/[^?]*)?#\\1/$name#")
storm=$root/reference_images/storm.jpg
dune=$root/reference_images/dune.jpg
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

# --- 1. import ----------------------------------------------------------
[ -f "$work/records-$records.jsonl" ] || "$example" records "$records" "$work/records-$records.jsonl"
t=$(now)
/usr/bin/time -f "%M" -o "$work/import.rss" "$provcheck" -q --db "$db" corpus import "$work/records-$records.jsonl"
echo "import of $records hash-only references: $(since "$t") s, client peak RSS $(cat "$work/import.rss") KiB"
psql -qAt -d "$db" -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size('$name')) || ', ' || pg_database_size('$name') / $records || ' bytes per reference'"

# --- 2. cold start --------------------------------------------------------
# A replica: `serve` on a free port, one matcher thread, pinned to core $2
# when given (taskset, so that two replicas stand for two machines: each has
# a core of its own whatever else runs); prints its URL.
replica() {
    local out=$work/replica-$1.out pin=()
    [ -n "${2:-}" ] && command -v taskset > /dev/null && pin=(taskset -c "$2")
    "${pin[@]}" "$provcheck" -q --threads 1 --db "$db" serve --bind 127.0.0.1:0 > "$out" 2> "$work/replica-$1.err" &
    echo $! > "$work/replica-$1.pid"
    local url=
    until [ -n "$url" ]; do
        sleep 0.05
        url=$(sed -n 's#^provcheck: serving on \(http://[^/]*\)/.*#\1#p' "$out" 2> /dev/null)
    done
    echo "$url"
}
t=$(now)
a=$(replica a 0)
ready=$("$example" ready "$a" "$dune")
echo "replica cold start to a ready index (first query answered): $(since "$t") s (waiting for the answer: $ready s)"
echo "replica resident memory: $(awk '/VmRSS/ {print $2}' "/proc/$(cat "$work/replica-a.pid")/status") KiB"
t=$(now)
"$provcheck" -q --db "$db" query "$dune" > /dev/null || true
echo "CLI query (open, load the index, hash one picture, search): $(since "$t") s"

# --- 3. refresh delay -----------------------------------------------------
# A query of the picture before it is added: what one query costs, which
# the wait below includes (the first query started after the insert finds
# it, so the wait is one query plus the refresh).
query_s=$("$example" ready "$a" "$storm")
"$provcheck" -q --db "$db" corpus add "$storm"
found_s=$("$example" found "$a" "$storm")
echo "refresh delay after an insert: found after $found_s s by a query that alone takes $query_s s (refresh: $(echo "$found_s - $query_s" | bc) s)"

# --- 4. query rate --------------------------------------------------------
b=$(replica b 1)
"$example" ready "$b" "$dune" > /dev/null
# Queries per second of wrk against each URL at once, summed.
rate() {
    if command -v wrk > /dev/null; then
        for url in "$@"; do
            PICTURE=$dune wrk -t 1 -c 2 -d "${seconds}s" -s "$root/benches/pg_scale_query.lua" "$url/api/v1/query" > "$work/wrk-${url##*:}.out" &
        done
        wait
        for url in "$@"; do sed -n 's/^Requests\/sec: *//p' "$work/wrk-${url##*:}.out"; done | paste -sd+ | bc
    else
        "$example" load "$seconds" $((2 * $#)) "$dune" "$@"
    fi
}
one=$(rate "$a")
two=$(rate "$a" "$b")
echo "query rate: one replica $one/s, two replicas $two/s ($(echo "scale=2; $two / $one" | bc)x)"
kill "$(cat "$work/replica-a.pid")" "$(cat "$work/replica-b.pid")"
rm -f "$work"/replica-*.pid
