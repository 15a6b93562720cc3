#!/usr/bin/env bash
# Large-corpus measurements (the "Incremental and large corpora" and corpus
# open rows of BENCHMARKS.md), timed by hyperfine:
#   1. `corpus import` of 1M hash-only records (JSONL: sha256, PDQ, pHash and
#      a context each; random codes from a fixed seed);
#   2. opening that corpus and answering one query (`provcheck query`:
#      SQLite to ready index, plus hashing the query image);
#   3. `corpus build` of 10k web-size JPEGs made from PHOTOS_DIR: the first
#      build, a re-run on the unchanged folder, and a re-run after adding 1%.
#
#   benches/scale.sh [PHOTOS_DIR]      (default ../shared/data/photos)
#
# Work files (about 1.5 GB) go to target/scale. RECORDS=100000 makes a
# smaller import; FILES=2000 a smaller folder.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
photos=${1:-$root/../shared/data/photos}
records=${RECORDS:-1000000}
files=${FILES:-10000}
if [ ! -d "$photos" ]; then
    echo "scale.sh: no photo folder at $photos; pass one as the first argument" >&2
    exit 2
fi
work=$root/target/scale
mkdir -p "$work"
command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null
python3 -c 'import PIL' 2>/dev/null || python3 -m pip install --quiet pillow
(cd "$root" && cargo build --release --quiet)
provcheck=$root/target/release/provcheck
query=$(find "$root/reference_images" -name '*.jpg' | sort | head -1)

# --- 1. import ------------------------------------------------------------
python3 - "$records" "$work/records.jsonl" <<'PY'
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
r = random.Random(7)
with open(out, "w") as f:
    for i in range(n):
        f.write(json.dumps({
            "sha256": "%064x" % r.getrandbits(256), "pdq": "%064x" % r.getrandbits(256),
            "pdq_quality": 100, "phash64": "%016x" % r.getrandbits(64),
            "source_url": f"https://archive.example.org/item/{i}",
            "publisher": "Example Archive",
            "published": "%04d-%02d-%02d" % (2000 + i % 25, 1 + i % 12, 1 + i % 28),
            "caption": f"Archived picture number {i}"}) + "\n")
PY
db=$work/imported.db
hyperfine --runs 3 --prepare "rm -f $db $db-wal $db-shm" --export-markdown "$work/import.md" \
    -n "corpus import, $records records" "$provcheck --quiet corpus import --db $db $work/records.jsonl"
# Leave one imported corpus behind for the open/query measurement.
rm -f "$db" "$db-wal" "$db-shm"
"$provcheck" --quiet corpus import --db "$db" "$work/records.jsonl"
ls -l "$db" | awk '{printf "corpus file: %.0f bytes per record\n", $5 / '"$records"'}'

# --- 2. open and query ----------------------------------------------------
hyperfine --warmup 1 --runs 10 -N -i --export-markdown "$work/open.md" \
    -n "query, empty corpus" "$provcheck query --db $work/empty.db $query" \
    -n "query, $records references" "$provcheck query --db $db $query"

# --- 3. incremental build -------------------------------------------------
python3 - "$photos" "$work/folder" "$files" <<'PY'
import os, shutil, sys
from PIL import Image
photos, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.rmtree(out, ignore_errors=True); os.makedirs(os.path.join(out, "later"))
jpegs = sorted(f for f in os.listdir(photos) if f.lower().endswith((".jpg", ".jpeg")))
small = []
for f in jpegs:
    im = Image.open(os.path.join(photos, f)).convert("RGB"); im.thumbnail((1200, 1200))
    small.append(im)
extra = n // 100
for i in range(n + extra):
    im = small[i % len(small)]
    side = 320 + (i * 37) % 880
    t = im.copy(); t.thumbnail((side, side))
    # Each file its own picture: a different crop of the thumbnail.
    w, h = t.size; dx, dy = (i * 7) % max(1, w // 8), (i * 11) % max(1, h // 8)
    t = t.crop((dx, dy, w - (w // 8 - dx), h - (h // 8 - dy)))
    sub = "later" if i >= n else ""
    t.save(os.path.join(out, sub, f"img_{i:05d}.jpg"), quality=85)
PY
mkdir -p "$work/stage"
mv "$work/folder/later" "$work/stage/later"
bdb=$work/built.db
hyperfine --runs 1 --prepare "rm -f $bdb $bdb-wal $bdb-shm" --export-markdown "$work/build-first.md" \
    -n "corpus build, $files files, first" "$provcheck --quiet corpus build --db $bdb $work/folder"
rm -f "$bdb" "$bdb-wal" "$bdb-shm"
"$provcheck" --quiet corpus build --db "$bdb" "$work/folder"
hyperfine --warmup 1 --runs 5 --export-markdown "$work/build-again.md" \
    -n "corpus build, unchanged" "$provcheck --quiet corpus build --db $bdb $work/folder"
hyperfine --runs 3 \
    --prepare "rm -rf $work/folder/later; $provcheck --quiet corpus build --db $bdb $work/folder; cp -r $work/stage/later $work/folder/later" \
    --export-markdown "$work/build-add.md" \
    -n "corpus build, 1% added" "$provcheck --quiet corpus build --db $bdb $work/folder"
cat "$work/import.md" "$work/open.md" "$work/build-first.md" "$work/build-again.md" "$work/build-add.md"
