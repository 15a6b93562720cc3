#!/bin/sh
# Remakes the README's screenshots of the desk (docs/serve-*.png): runs the
# browser tests (headless Chromium and chromedriver, see tests/suite/browser.rs)
# with PROVCHECK_SCREENSHOTS set, then makes each PNG small (at most 800
# pixels wide, 128 colours) with Python's Pillow. Not part of the test run.
#
# Usage: scripts/screenshots.sh   (from anywhere; writes into docs/)
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT INT TERM
cd "$repo"
PROVCHECK_SCREENSHOTS=$shots cargo test --locked --test tests -- browser
ls "$shots"/*.png >/dev/null 2>&1 || { echo "screenshots: the browser tests saved nothing (Chromium absent?)" >&2; exit 1; }
python3 - "$shots" "$repo/docs" <<'PY'
import pathlib, sys
from PIL import Image

src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for shot in sorted(src.glob("*.png")):
    img = Image.open(shot).convert("RGB")
    # Trim the empty page below the content (rows equal to the bottom row).
    bottom = img.height
    last = img.crop((0, img.height - 1, img.width, img.height)).tobytes()
    while bottom > 200 and img.crop((0, bottom - 1, img.width, bottom)).tobytes() == last:
        bottom -= 1
    img = img.crop((0, 0, img.width, min(img.height, bottom + 16)))
    if img.width > 800:
        img = img.resize((800, round(img.height * 800 / img.width)), Image.LANCZOS)
    out = dest / shot.name
    img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print(f"{out.relative_to(dest.parent)}: {img.width}x{img.height}, {out.stat().st_size // 1024} KiB")
PY
