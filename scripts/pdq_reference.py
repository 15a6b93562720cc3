#!/usr/bin/env python3
"""Makes the PDQ reference table the default suite checks provcheck against.

The reference is Meta's PDQ as the ecosystem runs it: the `pdqhash` Python
bindings (PyPI, 0.2.8) over pixels decoded by Pillow, with the EXIF
orientation applied first (as people see the picture). The table covers the
bundled photos at their own size, the orientation fixtures, and derived
pictures at many sizes and aspect ratios (tiny, thumbnail, odd, very wide and
very tall, portrait and landscape, grey and colour), written into
tests/fixtures/pdq/ (lossless PNG where small, JPEG quality 92 otherwise).

It also hashes the opaque pictures of the shared PDQ reference set
(../shared/data/pdq-reference: bridge-mods, dih, exif-rotn, misc-images)
into tests/fixtures/pdq/shared-reference.csv, paths relative to that set,
for the extended suite.

Usage (from the repository root, once; the outputs are committed):
    pip install pdqhash==0.2.8 pillow "numpy<2"
    python3 scripts/pdq_reference.py
Writes tests/fixtures/pdq/*.png|jpg and tests/fixtures/pdq/reference.csv
(file, width, height, pdq_hex, quality), file paths relative to the root.
"""

import csv
import glob
import os

import numpy as np
import pdqhash
from PIL import Image, ImageOps

OUT = "tests/fixtures/pdq"

# (source photo, width, height, grey?, format): the derived pictures.
DERIVED = [
    ("reference_images/chelsea.jpg", 90, 60, False, "png"),
    ("reference_images/chelsea.jpg", 160, 100, False, "png"),
    ("reference_images/chelsea.jpg", 100, 160, False, "png"),
    ("reference_images/astronaut.jpg", 200, 200, False, "png"),
    ("reference_images/astronaut.jpg", 64, 64, False, "png"),
    ("reference_images/rocket.jpg", 33, 47, False, "png"),
    ("reference_images/rocket.jpg", 17, 9, False, "png"),
    ("reference_images/coffee.jpg", 320, 200, False, "jpg"),
    ("reference_images/coffee.jpg", 150, 150, True, "png"),
    ("reference_images/dune.jpg", 640, 400, False, "jpg"),
    ("reference_images/dune.jpg", 1000, 300, False, "jpg"),
    ("reference_images/storm.jpg", 300, 1000, False, "jpg"),
    ("reference_images/storm.jpg", 1200, 150, True, "jpg"),
    ("reference_images/storm.jpg", 40, 400, True, "png"),
    ("reference_images/ladybird.jpg", 481, 311, False, "jpg"),
    ("reference_images/ladybird.jpg", 127, 255, True, "png"),
    ("reference_images/wood.jpg", 240, 180, False, "jpg"),
    ("reference_images/gps_dscn0025.jpg", 123, 77, False, "png"),
    ("reference_images/elephants.jpg", 1600, 200, False, "jpg"),
    ("reference_images/elephants.jpg", 5, 5, False, "png"),
]


def derive(src, w, h, grey, fmt):
    image = ImageOps.exif_transpose(Image.open(src)).convert("RGB")
    image = image.resize((w, h), Image.LANCZOS)
    if grey:
        image = image.convert("L")
    stem = os.path.splitext(os.path.basename(src))[0]
    name = f"{OUT}/{stem}_{w}x{h}{'_grey' if grey else ''}.{fmt}"
    if fmt == "png":
        image.save(name, optimize=True)
    else:
        image.save(name, quality=92)
    return name


def reference(path):
    """The reference hash of a file as a viewer shows it."""
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    bits, quality = pdqhash.compute(np.asarray(image))
    value = 0
    for k, bit in enumerate(bits):
        if bit:
            value |= 1 << (255 - k)
    return image.size, f"{value:064x}", quality


SHARED = "../shared/data/pdq-reference"


def write_table(name, files, root=""):
    with open(f"{OUT}/{name}", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "width", "height", "pdq_hex", "quality"])
        for path in files:
            (w, h), hex_, quality = reference(os.path.join(root, path))
            writer.writerow([path, w, h, hex_, quality])


def shared_files():
    files = []
    for folder in ["bridge-mods", "reg-test-input/dih", "reg-test-input/exif-rotn", "misc-images"]:
        for path in sorted(glob.glob(f"{SHARED}/{folder}/**/*", recursive=True)):
            if not os.path.isfile(path) or path.endswith(".md"):
                continue
            image = Image.open(path)
            if "A" in image.mode or "transparency" in image.info:
                continue  # the reference drops alpha; provcheck shows it over a background
            files.append(os.path.relpath(path, SHARED))
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    files = sorted(glob.glob("reference_images/*.jpg"))
    files += sorted(glob.glob("tests/fixtures/orientation_*.jpg"))
    files += [derive(*row) for row in DERIVED]
    write_table("reference.csv", files)
    if os.path.isdir(SHARED):
        write_table("shared-reference.csv", shared_files(), SHARED)


if __name__ == "__main__":
    main()
