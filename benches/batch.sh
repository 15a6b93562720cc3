#!/usr/bin/env bash
# Batch queries on 1 and 2 threads (the "batch queries use all cores" rows of
# BENCHMARKS.md), timed by hyperfine in one run: a folder of pictures, a
# clip's frames and a statement's attachments, against one corpus built from
# the bundled references, PHOTOS_DIR and VIDEO_DIR. Each query analyses its
# files in parallel, then looks them up (search, verification, reads) on
# every worker, each with its own corpus connection.
#
#   benches/batch.sh [PHOTOS_DIR] [VIDEO_DIR]
#                     (default ../shared/data/photos, ../shared/data/video)
#
# PROVCHECK_BIN: a release binary already built (otherwise built here);
# RUNS: hyperfine runs per command (default 5). Needs ffmpeg for the clips.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
photos=${1:-$root/../shared/data/photos}
videos=${2:-$root/../shared/data/video}
runs=${RUNS:-5}
for d in "$photos" "$videos"; do
    [ -d "$d" ] || { echo "batch.sh: no folder at $d" >&2; exit 2; }
done
command -v ffmpeg >/dev/null || { echo "batch.sh: needs ffmpeg for the clips" >&2; exit 2; }
work=$root/target/batch
rm -rf "$work" && mkdir -p "$work/refs" "$work/queries"
if [ -n "${PROVCHECK_BIN:-}" ]; then
    provcheck=$PROVCHECK_BIN
else
    (cd "$root" && cargo build --release --quiet --locked)
    provcheck=${CARGO_TARGET_DIR:-$root/target}/release/provcheck
fi
db=$work/corpus.db
# References: the bundled corpus with its context, the photos, the clips
# except the one queried.
"$provcheck" -q --db "$db" corpus build "$root/reference_images" --context "$root/reference_images/context.csv"
cp "$photos"/*.jpg "$photos"/*.JPG "$work/refs/" 2>/dev/null || true
cp "$videos/carphone_pristine.mp4" "$videos/bikes.mp4" "$videos/bigbuckbunny.mp4" "$work/refs/"
"$provcheck" -q --db "$db" corpus build "$work/refs"
"$provcheck" -q --db "$db" corpus stats
# Queries: 20 of the photos re-encoded smaller (near-duplicates to verify).
find "$work/refs" -maxdepth 1 -iname '*.jpg' | sort | head -20 | while read -r p; do
    ffmpeg -v error -nostdin -y -i "$p" -vf "scale='min(1024,iw)':-2" -q:v 5 "$work/queries/$(basename "${p%.*}").jpg"
done
# A clip: bikes.mp4 re-encoded smaller (its frames to find in the reference).
clip=$work/bikes_480p.mp4
ffmpeg -v error -nostdin -y -i "$videos/bikes.mp4" -vf scale=480:-2 -crf 30 "$clip"
statement=$root/reference_images/examples/statement.toml
n=$(ls "$work/queries" | wc -l)
hyperfine -i --warmup 1 --runs "$runs" --style basic --export-markdown "$work/batch.md" \
    -n "query, $n pictures, 1 thread" "$provcheck -q -j1 --db $db query $work/queries" \
    -n "query, $n pictures, 2 threads" "$provcheck -q -j2 --db $db query $work/queries" \
    -n "query, a 10 s clip, 1 thread" "$provcheck -q -j1 --db $db query $clip" \
    -n "query, a 10 s clip, 2 threads" "$provcheck -q -j2 --db $db query $clip" \
    -n "check, the bundled statement, 1 thread" "$provcheck -q -j1 --db $db check $statement" \
    -n "check, the bundled statement, 2 threads" "$provcheck -q -j2 --db $db check $statement" >&2
cat "$work/batch.md"
