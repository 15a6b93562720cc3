#!/usr/bin/env python3
"""Makes the small PNG fixtures that keep EXIF where PNG writers put it.

From reference_images/gps_dscn0025.jpg (a Nikon photo with GPS), downscaled
to 80x60, with its EXIF block (TIFF structure) stored:
  exif_before_idat.png  an eXIf chunk before the image data (PNG 1.5 extension)
  exif_after_idat.png   an eXIf chunk after the image data
  ztxt_raw_profile.png  zTXt "Raw profile type exif" (ImageMagick, exiv2, darktable)
  itxt_raw_profile.png  compressed iTXt "Raw profile type exif"
  text_raw_profile.png  uncompressed tEXt "Raw profile type APP1" (exiv2's APP1 name)
  bad_raw_profile.png   a zTXt raw profile whose hex stops short (a warning)
Usage, from the repository root: python3 scripts/png_exif_fixtures.py
"""

import io
import struct
import zlib

from PIL import Image

SRC = "reference_images/gps_dscn0025.jpg"
OUT = "tests/fixtures/png_exif"


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def chunks(png):
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        yield png[pos + 4 : pos + 8], png[pos : pos + 12 + length]
        pos += 12 + length


def raw_profile(tiff, name=b"exif"):
    data = b"Exif\0\0" + tiff
    digits = data.hex()
    lines = "\n".join(digits[i : i + 72] for i in range(0, len(digits), 72))
    return b"\n" + name + b"\n" + f"{len(data):8d}\n".encode() + lines.encode() + b"\n"


def write(name, png, extra, before_idat):
    out = png[:8]
    placed = False
    for kind, raw in chunks(png):
        if kind == b"IDAT" and before_idat and not placed:
            out += extra
            placed = True
        if kind == b"IEND" and not placed:
            out += extra
            placed = True
        out += raw
    with open(f"{OUT}/{name}", "wb") as f:
        f.write(out)


def main():
    image = Image.open(SRC)
    exif = image.info["exif"]  # APP1 payload: b"Exif\0\0" + TIFF
    tiff = exif[6:]
    small = image.convert("RGB").resize((80, 60), Image.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, format="PNG", optimize=True)
    png = buf.getvalue()
    write("exif_before_idat.png", png, chunk(b"eXIf", tiff), True)
    write("exif_after_idat.png", png, chunk(b"eXIf", tiff), False)
    profile = raw_profile(tiff)
    ztxt = b"Raw profile type exif\0\0" + zlib.compress(profile)
    write("ztxt_raw_profile.png", png, chunk(b"zTXt", ztxt), False)
    itxt = b"Raw profile type exif\0\x01\x00\0\0" + zlib.compress(profile)
    write("itxt_raw_profile.png", png, chunk(b"iTXt", itxt), True)
    text = b"Raw profile type APP1\0" + raw_profile(tiff, b"APP1")
    write("text_raw_profile.png", png, chunk(b"tEXt", text), False)
    cut = profile[: len(profile) // 2]
    bad = b"Raw profile type exif\0\0" + zlib.compress(cut)
    write("bad_raw_profile.png", png, chunk(b"zTXt", bad), False)


if __name__ == "__main__":
    main()
