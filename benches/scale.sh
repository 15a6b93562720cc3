#!/usr/bin/env bash
# Large-corpus measurements (the "Incremental builds and imports" and corpus
# open rows of BENCHMARKS.md), timed by hyperfine:
#   1. `corpus import` of RECORDS hash-only records (JSONL: sha256, PDQ,
#      pHash and a context each; random codes from a fixed seed);
#   2. opening that corpus and answering one query: `provcheck query` (SQLite
#      to ready index, plus hashing the query image), and the open, index
#      load and search times apart (examples/open_corpus.rs);
#   3. `corpus build` of FILES web-size JPEGs made from PHOTOS_DIR: the first
#      build, a re-run on the unchanged folder, and a re-run after adding 1%.
#
#   benches/scale.sh [PHOTOS_DIR]      (default ../shared/data/photos)
#
# Work files (about 1.5 GB at the defaults; 7 GB more per 10M records) go to
# target/scale. RECORDS=10000000 IMPORT_RUNS=1 makes the 10M corpus; FILES=2000 a smaller
# folder; PARTS="import" or PARTS="build" runs one half (default both).
# PROVCHECK_BIN: a release binary already built (otherwise built here).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
photos=${1:-$root/../shared/data/photos}
records=${RECORDS:-1000000}
files=${FILES:-10000}
parts=${PARTS:-import build}
if [ ! -d "$photos" ]; then
    echo "scale.sh: no photo folder at $photos; pass one as the first argument" >&2
    exit 2
fi
work=$root/target/scale
mkdir -p "$work"
command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null
python3 -c 'import PIL' 2>/dev/null || python3 -m pip install --quiet pillow
if [ -n "${PROVCHECK_BIN:-}" ]; then
    provcheck=$PROVCHECK_BIN
else
    (cd "$root" && cargo build --release --quiet)
    provcheck=${CARGO_TARGET_DIR:-$root/target}/release/provcheck
fi
query=$(find "$root/reference_images" -name '*.jpg' | sort | head -1)

# --- 1. import ------------------------------------------------------------
if [[ " $parts " == *" import "* ]]; then
# The records depend on RECORDS alone: a file of that many lines is reused.
if [ "$(wc -l <"$work/records.jsonl" 2>/dev/null || echo 0)" != "$records" ]; then
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
fi
db=$work/imported.db
# IMPORT_RUNS=1 for the 10M import (each run takes minutes); the last
# run's corpus stays for the open/query measurement.
hyperfine --runs "${IMPORT_RUNS:-3}" --prepare "rm -f $db $db-wal $db-shm" --export-markdown "$work/import.md" \
    -n "corpus import, $records records" "$provcheck --quiet corpus import --db $db $work/records.jsonl"
ls -l "$db" | awk '{printf "corpus file: %.0f bytes per record\n", $5 / '"$records"'}'

# --- 2. open and query ----------------------------------------------------
hyperfine --warmup 1 --runs 10 -N -i --export-markdown "$work/open.md" \
    -n "query, empty corpus" "$provcheck query --db $work/empty.db $query" \
    -n "query, $records references" "$provcheck query --db $db $query"
# CARGO_LOCK: a lock file every cargo command of a shared machine takes.
(cd "$root" && ${CARGO_LOCK:+flock "$CARGO_LOCK"} cargo run --release --quiet --example open_corpus -- "$db" "$query") |
    tee "$work/open-example.txt"
cat "$work/import.md" "$work/open.md"
fi

# --- 3. incremental build -------------------------------------------------
[[ " $parts " == *" build "* ]] || exit 0
python3 "$root/benches/web_jpegs.py" "$photos" "$work/folder" "$files" $((files / 100))
rm -rf "$work/stage" && mkdir -p "$work/stage"
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
cat "$work/build-first.md" "$work/build-again.md" "$work/build-add.md"
