#!/usr/bin/env python3
"""Measures what a hash-only reference finds: a PDQ hash list made by the
reference implementation, imported with `provcheck corpus import`, queried
with thumbnails and other copies of its pictures.

For each picture of a folder (one per group of copies: the three Elephants
sizes, the eight EXIF orientations of each exif-samples photo and the two
frames of each HDR pair count once), `pdqhash` 0.2.8 hashes the picture as
Pillow decodes it (EXIF orientation applied) into a hash list, CSV with a
header as `corpus import` reads it (pdq, pdq_quality, source_url, caption).
Copies are made with Pillow (thumbnails at 320, 160, 100 and 64 pixels on the
long side, JPEG quality 75, and edits of the 160-pixel thumbnail), then:

- `pdqhash`: the copy's PDQ from `pdqhash` against the list, as a shared
  list is matched (no rotations or flips), at the usual 31 bits;
- `hash-only`: `provcheck query` against the imported list (rank 1 is the
  picture's own record, within provcheck's `similar` limit, 61 bits);
- `pictures`: `provcheck query` against a corpus built from the pictures
  themselves (sub-frames, windows and local features), for comparison.

A false match is a copy whose rank-1 match (within the threshold) is
another picture's record. Low-information copies are counted apart (never
matched on distance, by design).

Usage (from the repository root, after `cargo build --release`):
    pip install pdqhash==0.2.8 pillow "numpy<2"
    python3 scripts/hash_list_thumbnails.py ../shared/data/photos [WORKDIR]
PROVCHECK names the binary (default target/release/provcheck). Prints a
Markdown table; WORKDIR (default a temporary folder) keeps the list, the
copies and both databases.
"""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageOps

EXTS = (".jpg", ".jpeg", ".png", ".webp")
# Files that are copies of another file of the same group: the first kept.
GROUPS = [r"Elephants", r"orientation_landscape", r"orientation_portrait",
          r"hdr_canon", r"hdr_iphone"]


def group(name):
    for g in GROUPS:
        if re.search(g, name):
            return g
    return name


def pdq(img):
    h, q = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.packbits(np.asarray(h, dtype=np.uint8)).tobytes().hex(), int(q)


def dist(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def fit(img, long_side):
    w, h = img.size
    s = long_side / max(w, h)
    return img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS)


def crop(img, keep):
    w, h = img.size
    cw, ch = round(w * keep), round(h * keep)
    x, y = (w - cw) // 2, (h - ch) // 2
    return img.crop((x, y, x + cw, y + ch))


def banner(img, share):
    img = img.copy()
    w, h = img.size
    d = ImageDraw.Draw(img)
    top = round(h * (1 - share))
    d.rectangle((0, top, w, h), fill=(180, 0, 0))
    d.rectangle((w // 10, top + (h - top) // 3, w * 6 // 10, h - (h - top) // 3), fill=(255, 255, 255))
    return img


def square(img):
    w, h = img.size
    s = min(w, h)
    return img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))


# name -> (make the copy from the decoded picture, encoder)
COPIES = {
    "full-jpeg70": (lambda im: im, ("JPEG", 70)),
    "thumb-320": (lambda im: fit(im, 320), ("JPEG", 75)),
    "thumb-160": (lambda im: fit(im, 160), ("JPEG", 75)),
    "thumb-100": (lambda im: fit(im, 100), ("JPEG", 75)),
    "thumb-64": (lambda im: fit(im, 64), ("JPEG", 75)),
    "thumb-160-webp": (lambda im: fit(im, 160), ("WEBP", 60)),
    "thumb-160-grey": (lambda im: fit(im, 160).convert("L"), ("JPEG", 75)),
    "thumb-160-stretched-square": (lambda im: im.resize((160, 160), Image.LANCZOS), ("JPEG", 75)),
    "thumb-160-mirror": (lambda im: ImageOps.mirror(fit(im, 160)), ("JPEG", 75)),
    "thumb-160-rotate-90": (lambda im: fit(im, 160).transpose(Image.ROTATE_90), ("JPEG", 75)),
    "thumb-160-crop-90": (lambda im: fit(crop(im, 0.9), 160), ("JPEG", 75)),
    "thumb-160-crop-80": (lambda im: fit(crop(im, 0.8), 160), ("JPEG", 75)),
    "thumb-160-crop-60": (lambda im: fit(crop(im, 0.6), 160), ("JPEG", 75)),
    "thumb-160-square-crop": (lambda im: fit(square(im), 160), ("JPEG", 75)),
    "thumb-160-banner-12": (lambda im: banner(fit(im, 160), 0.12), ("JPEG", 75)),
    "thumb-160-banner-25": (lambda im: banner(fit(im, 160), 0.25), ("JPEG", 75)),
}


def run(binary, db, *args):
    out = subprocess.run([binary, "--db", db, "-q", *args], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"{' '.join(args[:2])} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def query(binary, db, files):
    found = {}
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        for item in json.loads(run(binary, db, "--format", "json", "query", "--top", "1", *batch)):
            found[item["query"]] = item
    return found


def main():
    src = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
    binary = os.environ.get("PROVCHECK", "target/release/provcheck")
    originals, seen = [], set()
    for name in sorted(os.listdir(src)):
        if not name.lower().endswith(EXTS) or group(name) in seen:
            continue
        seen.add(group(name))
        originals.append(name)
    pics = os.path.join(work, "pictures")
    copies = os.path.join(work, "copies")
    os.makedirs(pics, exist_ok=True)
    os.makedirs(copies, exist_ok=True)
    listed, made = {}, []
    for name in originals:
        img = ImageOps.exif_transpose(Image.open(os.path.join(src, name))).convert("RGB")
        listed[name] = pdq(img)
        img.save(os.path.join(pics, name + ".png"))
        for kind, (make, (fmt, quality)) in COPIES.items():
            path = os.path.join(copies, f"{name}.{kind}.{fmt.lower()}")
            copy = make(img)
            copy.save(path, fmt, quality=quality)
            made.append((name, kind, path, pdq(Image.open(path))))
    hash_list = os.path.join(work, "pdqhash-list.csv")
    with open(hash_list, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pdq", "pdq_quality", "source_url", "caption"])
        for name, (h, q) in listed.items():
            w.writerow([h, q, f"https://example.org/{name}", name])
    only, full = os.path.join(work, "hash-only.db"), os.path.join(work, "pictures.db")
    for db in (only, full):
        if os.path.exists(db):
            os.remove(db)
    run(binary, only, "corpus", "import", hash_list)
    run(binary, full, "corpus", "build", pics)
    files = [p for _, _, p, _ in made]
    by_list, by_pictures = query(binary, only, files), query(binary, full, files)

    def verdict(item, name, own):
        if item.get("not_assessed"):
            return "low-info", None
        m = item["matches"]
        if not m:
            return "miss", None
        return ("hit" if own(m[0], name) else "false"), m[0]["distance"]

    own_list = lambda m, name: (m.get("context") or {}).get("caption") == name
    own_pic = lambda m, name: os.path.basename(m["path"]) == name + ".png"
    rows = {}
    for name, kind, path, (h, _) in made:
        r = rows.setdefault(kind, {"n": 0, "pdq": 0, "pdq_false": 0, "list": 0, "list_false": 0,
                                   "pics": 0, "low": 0, "d": []})
        r["n"] += 1
        ds = sorted((dist(h, lh), n) for n, (lh, _) in listed.items())
        r["d"].append(dist(h, listed[name][0]))
        if ds[0][1] == name and ds[0][0] <= 31:
            r["pdq"] += 1
        elif ds[0][0] <= 31:
            r["pdq_false"] += 1
        v, _ = verdict(by_list[path], name, own_list)
        r["list"] += v == "hit"
        r["list_false"] += v == "false"
        r["low"] += v == "low-info"
        v, _ = verdict(by_pictures[path], name, own_pic)
        r["pics"] += v == "hit"
    pct = lambda a, n: f"{100 * a / n:.1f}%"
    print(f"{len(originals)} pictures, {len(made)} copies\n")
    print("| copy | PDQ distance to the listed hash, median / max | pdqhash at 31 | provcheck, hash-only list | provcheck, pictures | false matches (hash-only list) | low-information |")
    print("|---|---|---|---|---|---|---|")
    for kind, r in rows.items():
        d = sorted(r["d"])
        print(f"| {kind} | {d[len(d) // 2]} / {d[-1]} | {pct(r['pdq'], r['n'])} | {pct(r['list'], r['n'])} | "
              f"{pct(r['pics'], r['n'])} | {r['list_false']} | {r['low']} |")


if __name__ == "__main__":
    main()
