#!/bin/sh
# The memory of `provcheck serve` on a corpus once every matcher thread has
# answered (BENCHMARKS.md): starts the server on DB with W matcher threads
# (--threads), sends 4 × W queries at once (so that every thread takes at
# least one), and prints the resident and peak memory of the process.
#
# Usage: scripts/serve-memory.sh DB W   (PROVCHECK: the binary, default
# target/release/provcheck). Build DB with scripts/serve-bench.sh (KEEP=1)
# or `corpus import` of scripts/serve-bench-corpus.py's CSV.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${PROVCHECK:-$repo/target/release/provcheck}
db=$1
workers=$2
out=$(mktemp)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -f "$out"' EXIT INT TERM
"$bin" -q --db "$db" --threads "$workers" serve --bind 127.0.0.1:0 >"$out" &
pid=$!
url=
for _ in $(seq 1 600); do
    url=$(sed -n 's|^provcheck: serving on \(http://[^/]*\)/$|\1|p' "$out")
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "serve-memory: the server did not start" >&2; exit 1; }
rss() { awk -v k="$1:" '$1 == k {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status"; }
echo "started: resident $(rss VmRSS)"
picture=$repo/reference_images/examples/storm_banner.jpg
clients=
for _ in $(seq 1 $((4 * workers))); do
    curl -sf -o /dev/null -F "picture=@$picture" "$url/api/v1/query" &
    clients="$clients $!"
done
for c in $clients; do wait "$c"; done
echo "after $((4 * workers)) concurrent queries on $workers threads: resident $(rss VmRSS), peak $(rss VmHWM)"
