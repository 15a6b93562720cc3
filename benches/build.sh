#!/usr/bin/env bash
# `corpus build` of a large folder of web-size JPEGs against hashing the same
# folder alone (the "Builds" rows of BENCHMARKS.md): wall time, CPU time and
# peak memory of each (/usr/bin/time), their ratio; a batch of queries
# (QUERIES camera JPEGs of PHOTOS_DIR, one `provcheck query` of the folder)
# against the built corpus on 1 and 2 threads (hyperfine); then the cost per
# picture of each build stage on one thread (examples/build_stages.rs, on
# the first SAMPLE files).
#
#   [FILES=100000] [SAMPLE=2000] [QUERIES=20] [PROVCHECK_BIN=...] benches/build.sh [PHOTOS_DIR]
#                                        (default ../shared/data/photos)
#
# The JPEGs (benches/web_jpegs.py: 320-1199 px, quality 85, each a different
# crop; about 58 KB each, so 5.8 GB at 100k) go to target/build/folder and
# are reused when the folder already holds FILES of them. CARGO_LOCK: a
# lock file every cargo command of a shared machine takes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
photos=${1:-$root/../shared/data/photos}
files=${FILES:-100000}
sample=${SAMPLE:-2000}
if [ ! -d "$photos" ]; then
    echo "build.sh: no photo folder at $photos; pass one as the first argument" >&2
    exit 2
fi
work=$root/target/build
mkdir -p "$work"
python3 -c 'import PIL' 2>/dev/null || python3 -m pip install --quiet pillow
if [ -n "${PROVCHECK_BIN:-}" ]; then
    provcheck=$PROVCHECK_BIN
else
    (cd "$root" && ${CARGO_LOCK:+flock "$CARGO_LOCK"} cargo build --release --quiet)
    provcheck=${CARGO_TARGET_DIR:-$root/target}/release/provcheck
fi

folder=$work/folder
if [ "$(find "$folder" -maxdepth 1 -name '*.jpg' 2>/dev/null | wc -l)" != "$files" ]; then
    python3 "$root/benches/web_jpegs.py" "$photos" "$folder" "$files"
fi
rmdir "$folder/later" 2>/dev/null || true
du -sh "$folder"

# timed NAME COMMAND...: one run, "wall s, CPU s, peak KB" to $work/NAME.time
timed() {
    local name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@"
    echo "$name: $(cat "$work/$name.time") (wall s, user s, sys s, peak KB)" >&2
}

db=$work/built.db
rm -f "$db" "$db-wal" "$db-shm"
# Page cache warm for both: read every file once first.
find "$folder" -name '*.jpg' -exec cat {} + >/dev/null
timed hash "$provcheck" -q --format jsonl -o "$work/hash.jsonl" hash "$folder"
timed build "$provcheck" -q corpus build --db "$db" "$folder"
ls -l "$db" | awk '{printf "corpus file: %.0f bytes per picture\n", $5 / '"$files"'}'

python3 - "$work" "$files" <<'PY'
import os, sys
work, n = sys.argv[1], int(sys.argv[2])
def read(name):
    wall, user, sys_, peak = open(os.path.join(work, name + ".time")).read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(peak)
h, b = read("hash"), read("build")
print("| command | wall s | CPU s | ms CPU per picture | peak MB |")
print("|---|---|---|---|---|")
for name, (wall, cpu, peak) in (("hash", h), ("corpus build", b)):
    print(f"| {name}, {n} files | {wall:.1f} | {cpu:.1f} | {cpu * 1e3 / n:.2f} | {peak / 1024:.0f} |")
print(f"\nbuild / hash: {b[0] / h[0]:.2f}x wall, {b[1] / h[1]:.2f}x CPU")
PY

queries=$work/queries
rm -rf "$queries" && mkdir -p "$queries"
find "$photos" -maxdepth 1 -iname '*.jpg' | sort | head -n "${QUERIES:-20}" | xargs cp -t "$queries"
hyperfine -i --warmup 1 --runs 3 --style basic --export-markdown "$work/batch.md" \
    -n "query $(ls "$queries" | wc -l) pictures, 1 thread" "$provcheck -q -j1 query --db $db $queries" \
    -n "query $(ls "$queries" | wc -l) pictures, 2 threads" "$provcheck -q -j2 query --db $db $queries" >&2
cat "$work/batch.md"

(cd "$root" && ${CARGO_LOCK:+flock "$CARGO_LOCK"} cargo run --release --quiet --example build_stages -- \
    "$folder" "$work/stages.db" "$sample")
