#!/bin/sh
# Gathers a graphic-art evaluation set (smooth, low-texture desktop
# backgrounds: gradients, flat shapes, line art) from installed Debian
# packages into DEST (default ./graphic-art), for
# `provcheck eval --originals DEST`. SVGs are rendered to 1920-pixel PNGs.
#
# Needs: apt-get install --no-install-recommends gnome-backgrounds
#        mate-backgrounds xfdesktop4-data desktop-base librsvg2-bin
#
# Licences: gnome-backgrounds (CC BY-SA 3.0 and GPL-2+ per file, see
# /usr/share/doc/gnome-backgrounds/copyright), mate-backgrounds (GPL-2+ and
# CC BY-SA), xfdesktop4-data (GPL-2+), desktop-base (GPL-2+ and CC BY-SA).
# The set is kept outside the repository; nothing here is committed.
set -eu

dest=${1:-graphic-art}
mkdir -p "$dest"

copy() { # package-prefix file
    [ -f "$2" ] || { echo "missing $2 (is the package installed?)" >&2; return 0; }
    name="$1-$(basename "$2")"
    case "$2" in
    *.svg) rsvg-convert -w 1920 -b white -o "$dest/${name%.svg}.png" "$2" ;;
    *) cp "$2" "$dest/$name" ;;
    esac
}

g=/usr/share/backgrounds/gnome
for f in blobs-d.svg blobs-l.svg drool-d.svg drool-l.svg dune-d.svg \
    field-d.svg grid-d.webp licorice-d.webp oceans.svg pixels-d.webp \
    symbolic-d.webp truchet-d.webp; do
    copy gnome "$g/$f"
done

m=/usr/share/backgrounds/mate
for f in abstract/Arc-Colors-Transparent-Wallpaper.png abstract/Flow.png \
    abstract/Gulp.png abstract/Silk.png abstract/Spring.png abstract/Waves.png \
    desktop/Float-into-MATE.png desktop/MATE-Stripes-Dark.png \
    desktop/Ubuntu-Mate-Cold-no-logo.png desktop/Stripes.png; do
    copy mate "$m/$f"
done

x=/usr/share/backgrounds/xfce
for f in xfce-blue.jpg xfce-flower.svg xfce-leaves.svg xfce-shapes.svg \
    xfce-stripes.png xfce-teal.jpg xfce-verticals.png; do
    copy xfce "$x/$f"
done

d=/usr/share/desktop-base
for t in emerald futureprototype homeworld joy lines moonlight softwaves spacefun; do
    copy "debian-$t" "$d/$t-theme/wallpaper/contents/images/1920x1080.svg"
done

ls "$dest" | wc -l
