#!/bin/sh
# Makes the bundled example clip and the still cut from it (see
# reference_images/README.md, "coast.mp4"):
#
#   reference_images/coast.mp4            12 s, 640x360, 25 fps, H.264: three
#                                         shots (pans and a zoom) over bundled
#                                         photos, joined by hard cuts
#   reference_images/coast.mp4.vpdq       its frame hashes in ThreatExchange's
#                                         vPDQ format, as provcheck computes them
#                                         (used when FFmpeg is missing)
#   reference_images/examples/coast_still.jpg
#                                         the frame at 00:09.0, cropped, over a
#                                         caption banner, re-compressed
#
# Needs ffmpeg (Debian 12: 5.1), ImageMagick 6 (`convert`) with the DejaVu
# fonts, and provcheck (PROVCHECK, default: cargo run --release --).
# Run from the repository root: sh scripts/make_example_clip.sh
set -eu
cd "$(dirname "$0")/.."
R=reference_images
PROVCHECK=${PROVCHECK:-"cargo run --quiet --release --"}
# shellcheck disable=SC2086 # PROVCHECK is a command with arguments
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Shot 1 (0-4 s): a pan left to right across dune.jpg at the photo's own
# pixel scale (a 640x360 window of the 1600x1000 picture, 14% of it).
ffmpeg -v error -y -loop 1 -framerate 25 -t 4 -i $R/dune.jpg \
    -vf "crop=640:360:x='260+70*t':y=430,format=yuv420p" "$tmp/1.mp4"
# Shot 2 (4-8 s): a slow zoom into raindrops.jpg (a 16:9 crop of it, zoom
# 2.2x to 2.6x, centred left of the middle).
ffmpeg -v error -y -loop 1 -framerate 25 -t 4 -i $R/raindrops.jpg \
    -vf "crop=1600:900:0:50,zoompan=z='2.2+0.004*on':x='iw*0.3-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s=640x360:fps=25,format=yuv420p" \
    "$tmp/2.mp4"
# Shot 3 (8-12 s): a pan top to bottom over aqua.jpg.
ffmpeg -v error -y -loop 1 -framerate 25 -t 4 -i $R/aqua.jpg \
    -vf "crop=640:360:x=520:y='160+60*t',format=yuv420p" "$tmp/3.mp4"
printf "file '%s'\n" "$tmp/1.mp4" "$tmp/2.mp4" "$tmp/3.mp4" >"$tmp/list.txt"
# Joined with hard cuts, H.264 CRF 30, no audio, no encoder tag or dates in
# the container (a reproducible file for a given FFmpeg build).
ffmpeg -v error -y -f concat -safe 0 -i "$tmp/list.txt" \
    -c:v libx264 -preset slow -crf 30 -pix_fmt yuv420p -g 50 \
    -an -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
    -movflags +faststart $R/coast.mp4

# The still: the frame at 00:09.0 (the splash), 616x347 of its 640x360 kept
# (93%: 12 px cut from the left and the right, 6 from the top, 7 from the
# bottom), a dark red caption banner of 47 rows added under it, scaled to
# 720 px wide, JPEG quality 70, no metadata.
ffmpeg -v error -y -ss 9.0 -i $R/coast.mp4 -frames:v 1 "$tmp/frame.png"
convert "$tmp/frame.png" -crop 616x347+12+6 +repage \
    -background '#8B0000' -gravity South -splice 0x47 \
    -font DejaVu-Sans-Bold -pointsize 18 -fill white \
    -annotate +0+12 'LIVE: the storm reaches the coast' \
    -resize 720x -quality 70 -strip $R/examples/coast_still.jpg

# The clip's frame hashes, for a machine without FFmpeg.
$PROVCHECK -q hash --format vpdq $R/coast.mp4 >$R/coast.mp4.vpdq
ls -l $R/coast.mp4 $R/coast.mp4.vpdq $R/examples/coast_still.jpg
