"""Web-size JPEGs for the build benchmarks (benches/scale.sh, benches/build.sh).

    python3 benches/web_jpegs.py PHOTOS_DIR OUT_DIR N [EXTRA]

Writes N JPEGs (quality 85, long side 320-1199 px) to OUT_DIR and EXTRA more
to OUT_DIR/later, each a different crop of a thumbnail of one of the JPEGs of
PHOTOS_DIR, so every file is its own picture. The files depend only on N and
the photos; JOBS=k spreads the writing over k processes (default: all cores).
"""

import os
import shutil
import sys
from multiprocessing import Pool

from PIL import Image

SMALL = []


def load(photos):
    jpegs = sorted(f for f in os.listdir(photos) if f.lower().endswith((".jpg", ".jpeg")))
    out = []
    for f in jpegs:
        im = Image.open(os.path.join(photos, f)).convert("RGB")
        im.thumbnail((1200, 1200))
        out.append(im)
    return out


def init(photos):
    SMALL.extend(load(photos))


def write(job):
    i, path = job
    im = SMALL[i % len(SMALL)]
    side = 320 + (i * 37) % 880
    t = im.copy()
    t.thumbnail((side, side))
    w, h = t.size
    dx, dy = (i * 7) % max(1, w // 8), (i * 11) % max(1, h // 8)
    t = t.crop((dx, dy, w - (w // 8 - dx), h - (h // 8 - dy)))
    t.save(path, quality=85)


def main():
    photos, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extra = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "later"))
    jobs = []
    for i in range(n + extra):
        sub = "later" if i >= n else ""
        jobs.append((i, os.path.join(out, sub, f"img_{i:06d}.jpg")))
    with Pool(int(os.environ.get("JOBS", os.cpu_count() or 1)), init, (photos,)) as pool:
        for _ in pool.imap_unordered(write, jobs, chunksize=64):
            pass
    print(f"web_jpegs: {n} files in {out}, {extra} in {out}/later", file=sys.stderr)


if __name__ == "__main__":
    main()
