#!/bin/sh
# Makes one file for each coding option of PNG, GIF, WebP, TIFF, BMP and
# JPEG with the reference tools (ImageMagick, libwebp's cwebp/img2webp/dwebp,
# libtiff's tiffcp, libjpeg-turbo's cjpeg), each with the picture the
# reference decoders show for it: `NAME.EXT` beside `NAME.EXT.ref.png`, an
# 8-bit RGB PNG decoded by ImageMagick (dwebp for WebP), flattened over
# white, first frame or page only. `manifest.tsv` lists `file<TAB>expect`:
# `hash` (provcheck must hash it within a few bits of its .ref.png) or
# `unsupported` (provcheck must say "unsupported: <the feature>", never
# report it as corrupt).
#
# Usage: scripts/format_matrix.sh SOURCE_PICTURE DEST [SIZE]
#   SIZE: side of the square picture made from SOURCE (default 256).
# Needs: apt-get install --no-install-recommends imagemagick webp
#        libtiff-tools libjpeg-turbo-progs python3-pil (palette bit depths)
set -eu

src=$(realpath "$1")
dest=$2
size=${3:-256}
mkdir -p "$dest"
cd "$dest"
: >manifest.tsv

# The picture, opaque and with a soft-edged alpha channel (opaque centre,
# transparent corners, a band of partial transparency between).
convert "$src" -auto-orient -resize "${size}x${size}^" -gravity center \
    -extent "${size}x${size}" -strip PNG24:base.png
convert -size "${size}x${size}" radial-gradient:white-black \
    -level 30%,70% mask.png
convert base.png mask.png -alpha off -compose copy_opacity -composite \
    PNG32:alpha.png
convert base.png -negate -strip PNG24:second.png

ref() { # file [frame]: the reference decode, flattened over white
    convert "$1[${2:-0}]" -background white -alpha remove -alpha off \
        -depth 8 -strip PNG24:"$1.ref.png"
}
add() { # file expect
    printf '%s\t%s\n' "$1" "$2" >>manifest.tsv
}
im() { # name input options...: write with ImageMagick, reference by it
    name=$1
    input=$2
    shift 2
    convert "$input" "$@" "$name"
    ref "$name"
    add "$name" hash
}
# `im` names its output with a format prefix (PNG8:x.png); strip it.
im_as() { # prefix name input options...
    prefix=$1
    name=$2
    input=$3
    shift 3
    convert "$input" "$@" "$prefix:$name"
    ref "$name"
    add "$name" hash
}

# PNG: every colour type at every bit depth it allows, interlaced (Adam7)
# and not, palette and grey/RGB transparency (tRNS).
im_as PNG24 png-rgb8.png base.png
im_as PNG48 png-rgb16.png base.png -depth 16
im_as PNG32 png-rgba8.png alpha.png
im_as PNG64 png-rgba16.png alpha.png -depth 16
for d in 1 2 4 8 16; do
    im png-grey$d.png base.png -colorspace gray -depth $d \
        -define png:color-type=0 -define png:bit-depth=$d
done
im png-greyalpha8.png alpha.png -colorspace gray \
    -define png:color-type=4 -define png:bit-depth=8
im png-greyalpha16.png alpha.png -colorspace gray -depth 16 \
    -define png:color-type=4 -define png:bit-depth=16
# ImageMagick cannot be told a palette's bit depth; Pillow writes it.
for d in 1 2 4; do
    python3 -c "from PIL import Image; Image.open('base.png').quantize($((1 << d))).save('png-palette$d.png', bits=$d)"
    ref png-palette$d.png
    add png-palette$d.png hash
done
im_as PNG8 png-palette8.png base.png
im_as PNG8 png-palette8-trns.png alpha.png
im png-grey8-trns.png base.png -colorspace gray -transparent white \
    -fuzz 0 -define png:color-type=0 -define png:bit-depth=8
im png-rgb8-trns.png base.png -fill white -opaque white -transparent white \
    -define png:color-type=2 -define png:bit-depth=8
im_as PNG24 png-rgb8-interlaced.png base.png -interlace PNG
im_as PNG64 png-rgba16-interlaced.png alpha.png -depth 16 -interlace PNG
im png-grey1-interlaced.png base.png -colorspace gray -depth 1 \
    -define png:color-type=0 -define png:bit-depth=1 -interlace PNG
python3 -c "from PIL import Image; Image.open('base.png').quantize(16).save('png-palette4-interlaced.png', bits=4, interlace=1)"
ref png-palette4-interlaced.png
add png-palette4-interlaced.png hash

# GIF: global palette, interlaced, transparency, animated frames each
# with a local palette (the first frame is the picture).
im gif-global.gif base.png
im gif-interlaced.gif base.png -interlace GIF
im gif-transparent.gif alpha.png
convert base.png second.png -delay 50 -loop 0 gif-animated-local.gif
ref gif-animated-local.gif
add gif-animated-local.gif hash
convert base.png \( second.png -crop 50%x50%+10+10 \) -delay 50 \
    gif-animated-subframe.gif
ref gif-animated-subframe.gif
add gif-animated-subframe.gif hash

# WebP: lossy (VP8), lossless (VP8L), each with alpha (VP8X + ALPH), and
# animated (ANIM/ANMF); references decoded by dwebp (first frame: the
# picture the animation was made from).
webp() { # name reference options...
    name=$1
    reference=$2
    shift 2
    "$@" -o "$name" 2>/dev/null
    case "$reference" in
    dwebp) dwebp -quiet "$name" -o "$name.dec.png" && ref "$name.dec.png" &&
        mv "$name.dec.png.ref.png" "$name.ref.png" && rm "$name.dec.png" ;;
    *) ref "$reference" && mv "$reference.ref.png" "$name.ref.png" ;;
    esac
    add "$name" hash
}
webp webp-lossy.webp dwebp cwebp -q 80 base.png
webp webp-lossless.webp dwebp cwebp -lossless base.png
webp webp-lossy-alpha.webp dwebp cwebp -q 80 -alpha_q 100 alpha.png
webp webp-lossless-alpha.webp dwebp cwebp -lossless -exact alpha.png
webp webp-animated-lossless.webp base.png img2webp -lossless base.png second.png
webp webp-animated-lossy.webp base.png img2webp -lossy -q 95 base.png second.png

# TIFF: every compression libtiff writes for a picture, strips and tiles,
# planar configurations, 16-bit, float, grey, bilevel, palette, CMYK,
# alpha, big-endian, BigTIFF, several pages.
convert base.png -compress none -strip tiff-base.tif
tiffcp_as() { # name options...
    name=$1
    shift
    tiffcp "$@" tiff-base.tif "$name"
    ref "$name"
    add "$name" hash
}
tiffcp_as tiff-none.tif -c none
tiffcp_as tiff-lzw.tif -c lzw
tiffcp_as tiff-lzw-predictor.tif -c lzw:2
tiffcp_as tiff-deflate.tif -c zip
tiffcp_as tiff-deflate-predictor.tif -c zip:2
tiffcp_as tiff-packbits.tif -c packbits
tiffcp_as tiff-jpeg.tif -c jpeg:90 -r 16
tiffcp_as tiff-jpeg-rgb.tif -c jpeg:r:90 -r 16
tiffcp_as tiff-tiled.tif -t -w 64 -l 64
tiffcp_as tiff-strips.tif -r 8
tiffcp_as tiff-planar.tif -p separate
im tiff-imagemagick-jpeg.tif base.png -compress jpeg
im tiff-16bit.tif base.png -depth 16 -compress lzw
im tiff-float32.tif base.png -depth 32 -define quantum:format=floating-point
im tiff-grey8.tif base.png -colorspace gray -compress zip
im tiff-grey16.tif base.png -colorspace gray -depth 16
im tiff-bilevel.tif base.png -monochrome -depth 1 -compress none
im tiff-palette.tif base.png -type palette -compress lzw
im tiff-cmyk.tif base.png -colorspace cmyk -compress lzw
im tiff-rgba.tif alpha.png -compress lzw
im tiff-big-endian.tif base.png -endian MSB -compress lzw
im_as TIFF64 tiff-bigtiff.tif base.png -compress lzw
convert base.png second.png -compress lzw tiff-multipage.tif
ref tiff-multipage.tif
add tiff-multipage.tif hash
# CCITT fax coding (bilevel only) and half floats.
convert base.png -monochrome -depth 1 -compress none tiff-bilevel-base.tif
tiffcp -c g3 tiff-bilevel-base.tif tiff-ccitt-g3.tif
tiffcp -c g4 tiff-bilevel-base.tif tiff-ccitt-g4.tif
ref tiff-ccitt-g4.tif
add tiff-ccitt-g4.tif hash
ref tiff-ccitt-g3.tif
add tiff-ccitt-g3.tif unsupported # the tiff crate has no Group 3 decoder
convert base.png -depth 16 -define quantum:format=floating-point tiff-float16.tif
ref tiff-float16.tif
add tiff-float16.tif unsupported # nor 16-bit (half) floating-point samples
rm tiff-base.tif tiff-bilevel-base.tif

# BMP: 24-bit (v3 and OS/2), 32-bit with alpha (v5 bitfields), 16-bit
# (RGB565 and RGB555 bitfields), palettes of 1, 4 and 8 bits, and RLE8.
im_as BMP3 bmp-rgb24.bmp base.png
im_as BMP2 bmp-os2-rgb24.bmp base.png
im_as BMP bmp-rgba32.bmp alpha.png
im_as BMP bmp-rgb565.bmp base.png -define bmp:subtype=RGB565
im_as BMP bmp-rgb555.bmp base.png -define bmp:subtype=RGB555
im_as BMP3 bmp-palette8.bmp base.png -colors 256 -type palette
im_as BMP3 bmp-palette4.bmp base.png -colors 16 -type palette
im_as BMP3 bmp-palette1.bmp base.png -monochrome
im_as BMP3 bmp-palette8-rle.bmp base.png -colors 256 -type palette -compress rle

# JPEG: baseline, progressive, grey, CMYK (Adobe), 4:4:4, restart markers,
# arithmetic coding (sequential and progressive); where cjpeg is
# libjpeg-turbo 3 or later (it has -lossless), also 12-bit samples and
# lossless coding, coding processes provcheck's decoder lacks (named as
# unsupported).
convert base.png -strip ppm:base.ppm
cj() { # name expect options...
    name=$1
    expect=$2
    shift 2
    cjpeg "$@" -outfile "$name" base.ppm
    ref "$name"
    add "$name" "$expect"
}
cj jpeg-baseline.jpg hash -quality 85
cj jpeg-progressive.jpg hash -quality 85 -progressive
cj jpeg-444.jpg hash -quality 85 -sample 1x1
cj jpeg-restart.jpg hash -quality 85 -restart 1
cj jpeg-grey.jpg hash -quality 85 -grayscale
cj jpeg-arithmetic.jpg hash -quality 85 -arithmetic
cj jpeg-arithmetic-progressive.jpg hash -quality 85 -arithmetic -progressive
if cjpeg -help 2>&1 | grep -q -- -lossless; then
    cjpeg -precision 12 -quality 85 -outfile jpeg-12bit.jpg base.ppm
    cjpeg -lossless 1 -outfile jpeg-lossless.jpg base.ppm
    for f in jpeg-12bit.jpg jpeg-lossless.jpg; do
        # The source stands in for the reference decode (not compared).
        convert base.ppm -strip PNG24:"$f.ref.png"
        add "$f" unsupported
    done
fi
im jpeg-cmyk.jpg base.png -colorspace cmyk -quality 90
rm base.ppm

rm base.png alpha.png second.png mask.png
wc -l <manifest.tsv
