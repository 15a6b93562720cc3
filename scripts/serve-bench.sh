#!/bin/sh
# Load test of `provcheck serve` (BENCHMARKS.md): a corpus of the bundled
# references plus N synthetic hash-only references (default 100000, from
# scripts/serve-bench-corpus.py via `corpus import`), one server on
# loopback, and wrk (Debian package `wrk`) in a second process POSTing real
# pictures to /api/v1/query over C connections for D seconds. Prints the
# corpus size, the server's memory (resident, and peak) after the load, and
# one JSON line from scripts/serve-bench.lua: requests per second and
# p50/p90/p99 latency.
#
# Usage: scripts/serve-bench.sh [N]
# Environment: PROVCHECK (the binary; default target/release/provcheck, so
# build it first with `cargo build --release`), CONNECTIONS (8), DURATION
# (seconds, 30), WORKERS (the server's --threads; default one per core),
# KEEP=1 keeps the work folder.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${PROVCHECK:-$repo/target/release/provcheck}
n=${1:-100000}
connections=${CONNECTIONS:-8}
duration=${DURATION:-30}
command -v wrk >/dev/null || { echo "serve-bench: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[ -x "$bin" ] || { echo "serve-bench: no binary at $bin (cargo build --release, or set PROVCHECK)" >&2; exit 2; }

work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ "${KEEP:-0}" = 1 ] && echo "work folder kept: $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM

db=$work/corpus.db
"$bin" -q --db "$db" corpus build "$repo/reference_images" >/dev/null
if [ "$n" -gt 0 ]; then
    python3 "$repo/scripts/serve-bench-corpus.py" "$n" "$work/synthetic.csv"
    start=$(date +%s)
    "$bin" -q --db "$db" corpus import "$work/synthetic.csv" --base "$work" >/dev/null
    echo "imported $n synthetic references in $(( $(date +%s) - start )) s"
fi
"$bin" --db "$db" corpus stats | grep -E '^(files|references|hash-only)' || "$bin" --db "$db" corpus stats

threads=
[ -n "${WORKERS:-}" ] && threads="--threads $WORKERS"
# shellcheck disable=SC2086 # $threads is empty or two words
"$bin" -q --db "$db" $threads serve --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
url=
for _ in $(seq 1 600); do
    url=$(sed -n 's|^provcheck: serving on \(http://[^/]*\)/$|\1|p' "$work/serve.out")
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.err" >&2; echo "serve-bench: the server did not start" >&2; exit 1; }

queries="$repo/reference_images/examples/storm_banner.jpg $repo/reference_images/examples/flood_crop.jpg $repo/reference_images/examples/new_photo.jpg $repo/reference_images/chelsea.jpg"
# Warm-up: the index is loaded by the first query.
for q in $queries; do
    curl -sf -o /dev/null -F "picture=@$q" "$url/api/v1/query"
done
rss() { awk -v k="$1:" '$1 == k {print $2 / 1024 " MiB"}' "/proc/$pid/status"; }
echo "server memory after warm-up: resident $(rss VmRSS)"
echo "load: wrk, $connections connections, ${duration} s, pictures: $(for q in $queries; do basename "$q"; done | tr '\n' ' ')"
QUERIES=$queries wrk -t1 -c"$connections" -d"${duration}s" --timeout 60s \
    -s "$repo/scripts/serve-bench.lua" "$url/api/v1/query" | grep '^{'
echo "server memory after the load: resident $(rss VmRSS), peak $(rss VmHWM)"
