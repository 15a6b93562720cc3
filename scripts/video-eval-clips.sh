#!/bin/sh
# Makes the clips `provcheck eval --videos` is measured on from still photos,
# the way news clips re-use stills: each clip is three shots of 3 s (a slow
# zoom, a pan left to right, a zoom out with a pan) over three photos, joined
# by hard cuts, 640x360, 25 fps, H.264 (libx264, CRF 28).
#
#   scripts/video-eval-clips.sh PHOTOS_DIR OUT_DIR
#
# writes OUT_DIR/clips/ (the references: 6 clips from 18 photos) and
# OUT_DIR/distractors/ (2 clips from 6 other photos, and 6 further photos,
# none of them in a clip). Photos are taken in name order among the JPEG and
# PNG files, skipping the ones that are copies or look-alikes of another
# (other resolutions of one picture, EXIF-orientation copies, HDR on/off
# pairs, a stereo pair), so no distractor is a copy of a reference.
# The clips are not committed; rerun the script to make them.
set -eu
photos=${1:?usage: $0 PHOTOS_DIR OUT_DIR}
out=${2:?usage: $0 PHOTOS_DIR OUT_DIR}
mkdir -p "$out/clips" "$out/distractors"

# One photo per picture, in name order.
list=$(ls "$photos" | grep -Ei '\.(jpe?g|png)$' \
  | grep -Ev '_[0-9]+x[0-9]+\.|orientation_(landscape|portrait)_[2-8]|hdr_.*YES|motorcycle_right' \
  | sort)
set -- $list
[ $# -ge 30 ] || { echo "need 30 distinct photos in $photos, found $#" >&2; exit 1; }

# shot INPUT KIND OUTPUT: 3 s (75 frames) of one kind of camera move.
shot() {
  case $2 in
    zoom) move="z='1+0.004*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'" ;;
    pan) move="z='1.35':x='(iw-iw/zoom)*on/75':y='ih/2-ih/zoom/2'" ;;
    out) move="z='1.4-0.004*on':x='(iw-iw/zoom)*(1-on/75)':y='(ih-ih/zoom)/3'" ;;
  esac
  ffmpeg -v error -y -i "$1" -vf \
    "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,zoompan=$move:d=75:s=640x360:fps=25,format=yuv420p" \
    -frames:v 75 -c:v libx264 -preset veryfast -crf 28 "$3"
}

# clip OUT PHOTO1 PHOTO2 PHOTO3
clip() {
  dest=$1
  shift
  tmp=$(mktemp -d)
  shot "$photos/$1" zoom "$tmp/a.mp4"
  shot "$photos/$2" pan "$tmp/b.mp4"
  shot "$photos/$3" out "$tmp/c.mp4"
  printf "file '%s'\n" "$tmp/a.mp4" "$tmp/b.mp4" "$tmp/c.mp4" >"$tmp/list.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$tmp/list.txt" -c:v libx264 -preset veryfast -crf 28 \
    -movflags +faststart "$dest"
  rm -r "$tmp"
}

n=1
while [ $n -le 6 ]; do
  clip "$out/clips/clip$n.mp4" "$1" "$2" "$3"
  shift 3
  n=$((n + 1))
done
clip "$out/distractors/other1.mp4" "$1" "$2" "$3"
shift 3
clip "$out/distractors/other2.mp4" "$1" "$2" "$3"
shift 3
for p in "$1" "$2" "$3" "$4" "$5" "$6"; do
  cp "$photos/$p" "$out/distractors/"
done
ls -l "$out/clips" "$out/distractors"
