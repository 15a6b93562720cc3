#!/usr/bin/env bash
# Video indexing speed, side by side in one run (the table in BENCHMARKS.md
# comes from here): for each clip,
#   ffmpeg-decode   FFmpeg decoding every frame, no filter, to `-f null`
#   ffmpeg-sampled  FFmpeg alone running the filter graph provcheck gives it
#                   (the sampling rule as a `select` filter, then the sampled
#                   frames scaled to a long side of at most 1536 in grey),
#                   writing the sampled frames raw to /dev/null: every frame
#                   decoded, the same frames out at the same size. provcheck
#                   adds two `showinfo` filters (frame numbers and times),
#                   which this baseline leaves out.
#   provcheck-hash  `provcheck hash CLIP` (sampling, PDQ and sub-frame hashes)
#   provcheck-index `provcheck corpus add` of the clip into a fresh SQLite
#                   corpus (+ local features and the writes)
#   vpdq            ThreatExchange's vpdq Python bindings (PyPI 0.2.5), one
#                   hash a second, frames at their own size (its default),
#                   the whole `python3` process
# timed by hyperfine (RUNS runs each, default 3): the mean wall time, the
# mean CPU time (user + system, all threads and child processes) and the
# ratios of wall times.
#
#   benches/video.sh [VIDEO_DIR]     (default ../shared/data/video)
#
# Clips: bigbuckbunny.mp4 and bikes.mp4 of VIDEO_DIR, and a 60-second
# 1280x720 25 fps clip made from ../shared/data/photos by
# scripts/video-eval-clips.sh's moves (pans, zooms, cuts), in target/video-bench.
# Needs ffmpeg, hyperfine and `pip install vpdq==0.2.5` (which builds against
# the libav*-dev packages; see scripts/vpdq_reference.py).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
videos=${1:-$root/../shared/data/video}
photos=$root/../shared/data/photos
runs=${RUNS:-3}
work=$root/target/video-bench
mkdir -p "$work"
python3 -c 'import vpdq' 2>/dev/null || { echo "video.sh: pip install vpdq==0.2.5 first" >&2; exit 2; }
# PROVCHECK names a built binary to time instead of a fresh release build.
if [ -z "${PROVCHECK:-}" ]; then
    (cd "$root" && cargo build --release --quiet --locked)
fi
provcheck=${PROVCHECK:-$root/target/release/provcheck}

# A minute of 720p footage from photos: 20 shots of 3 s, hard cuts.
long=$work/photos-60s-720p.mp4
if [ ! -f "$long" ]; then
    i=0
    : >"$work/list.txt"
    for p in $(ls "$photos" | grep -Ei '\.(jpe?g|png)$' | grep -Ev '_[0-9]+x[0-9]+\.|orientation_.*_[2-8]|hdr_.*YES' | head -20); do
        case $((i % 3)) in
            0) move="z='1+0.004*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'" ;;
            1) move="z='1.35':x='(iw-iw/zoom)*on/75':y='ih/2-ih/zoom/2'" ;;
            2) move="z='1.4-0.004*on':x='(iw-iw/zoom)*(1-on/75)':y='(ih-ih/zoom)/3'" ;;
        esac
        ffmpeg -v error -y -i "$photos/$p" -vf \
            "scale=2560:1440:force_original_aspect_ratio=increase,crop=2560:1440,zoompan=$move:d=75:s=1280x720:fps=25,format=yuv420p" \
            -frames:v 75 -c:v libx264 -preset veryfast -crf 26 "$work/shot$i.mp4"
        echo "file 'shot$i.mp4'" >>"$work/list.txt"
        i=$((i + 1))
    done
    ffmpeg -v error -y -f concat -safe 0 -i "$work/list.txt" -c copy "$long"
fi

side=1536
# src/video/sample.rs's select_expression at 1 frame a second.
select="st(2\,if(eq(n\,0)+gte(t+0.000001\,ld(0))\,st(0\,(floor(t*1)+1)/1)*0+1\,gte(scene\,0.15)*lt(ld(1)\,0.15)))\;st(1\,scene)\;ld(2)"
graph="select='$select',scale=w='min($side,iw)':h='min($side,ih)':force_original_aspect_ratio=decrease,format=gray"
cat >"$work/vpdq_hash.py" <<'EOF'
import sys, vpdq
vpdq.computeHash(sys.argv[1], seconds_per_hash=1.0)
EOF

echo "| clip | frames | sampled | ffmpeg-decode | ffmpeg-sampled | provcheck-hash | provcheck-index | vpdq | hash / ffmpeg-sampled | index / ffmpeg-sampled | vpdq / index |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for clip in "$videos/bigbuckbunny.mp4" "$videos/bikes.mp4" "$long"; do
    name=$(basename "$clip")
    frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip")
    sampled=$(ffmpeg -v error -nostdin -i "$clip" -map 0:v:0 -an -vf "$graph" -fps_mode passthrough -f framecrc - | grep -vc '^#')
    hyperfine --runs "$runs" --warmup 1 --export-json "$work/$name.json" -N \
        --prepare "rm -f $work/bench.db" \
        -n ffmpeg-decode "ffmpeg -v error -nostdin -i $clip -map 0:v:0 -an -f null -" \
        -n ffmpeg-sampled "ffmpeg -v error -nostdin -i $clip -map 0:v:0 -an -vf \"$graph\" -fps_mode passthrough -f rawvideo -y /dev/null" \
        -n provcheck-hash "$provcheck -q --format json -o /dev/null hash $clip" \
        -n provcheck-index "$provcheck -q --db $work/bench.db corpus add $clip" \
        -n vpdq "python3 $work/vpdq_hash.py $clip" >/dev/null
    python3 - "$work/$name.json" "$name" "$frames" "$sampled" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
r = {x["command"]: x["mean"] for x in res}
cpu = {x["command"]: x["user"] + x["system"] for x in res}
cell = lambda k: f"{r[k]:.2f} s ({cpu[k]:.2f} s CPU)"
d, h, i, v = r["ffmpeg-sampled"], r["provcheck-hash"], r["provcheck-index"], r["vpdq"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {cell('ffmpeg-decode')} | {cell('ffmpeg-sampled')} "
      f"| {cell('provcheck-hash')} | {cell('provcheck-index')} | {cell('vpdq')} "
      f"| {h/d:.2f}x | {i/d:.2f}x | {v/i:.2f}x |")
EOF
done
