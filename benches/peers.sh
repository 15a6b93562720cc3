#!/usr/bin/env bash
# Side-by-side hashing benchmark: provcheck against its peers on the same
# files in the same run, timed by hyperfine, printed as a Markdown table of
# ratios (the table in BENCHMARKS.md comes from here).
#
#   [PROVCHECK_BIN=...] [BASELINE_BIN=...] benches/peers.sh [PHOTOS_DIR]
#                                        (default ../shared/data/photos)
#
# BASELINE_BIN: another provcheck binary (e.g. built from main) timed in the
# same run as the row `provcheck-baseline`, for before/after figures.
#
# Peers, installed from their registries when missing: Python imagehash
# (pHash) and pdqhash (PyPI), Pillow's libjpeg-turbo full and 1/8-scaled
# ("draft") decodes as the floor, hyperfine (Debian), czkawka_cli
# (crates.io; skipped if it cannot be installed). Sets: the camera JPEGs of
# PHOTOS_DIR, 300 web-size JPEGs (320-1200 px) made from them, and eight
# 24-megapixel JPEGs for peak memory. Work files go to target/peers.
# czkawka_cli runs with its cache disabled (-H) and all its threads.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
photos=${1:-$root/../shared/data/photos}
runs=${RUNS:-5}
if [ ! -d "$photos" ]; then
    echo "peers.sh: no photo folder at $photos; pass one as the first argument" >&2
    exit 2
fi
work=$root/target/peers
mkdir -p "$work"

# --- peers ----------------------------------------------------------------
command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null
python3 -c 'import imagehash, pdqhash, PIL' 2>/dev/null ||
    python3 -m pip install --quiet imagehash pdqhash pillow
# NO_INSTALL=1: no cargo install (czkawka_cli's row is skipped if absent).
if ! command -v czkawka_cli >/dev/null && [ "${NO_INSTALL:-0}" != 1 ]; then
    # CARGO_LOCK: a lock file every cargo command of a shared machine
    # takes (the build of czkawka_cli takes minutes of both cores).
    ${CARGO_LOCK:+flock "$CARGO_LOCK"} cargo install --locked czkawka_cli >/dev/null 2>&1 ||
        echo "peers.sh: czkawka_cli could not be installed; its row is skipped" >&2
fi
# PROVCHECK_BIN: a release binary already built (on a shared machine, built
# under its cargo lock); otherwise it is built here.
if [ -n "${PROVCHECK_BIN:-}" ]; then
    provcheck=$PROVCHECK_BIN
else
    (cd "$root" && cargo build --release --quiet)
    provcheck=${CARGO_TARGET_DIR:-$root/target}/release/provcheck
fi

# --- file sets ------------------------------------------------------------
python3 - "$photos" "$work" <<'EOF'
import os, shutil, sys
from PIL import Image
photos, work = sys.argv[1], sys.argv[2]
cam = os.path.join(work, "camera"); web = os.path.join(work, "web"); big = os.path.join(work, "24mp")
for d in (cam, web, big):
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
jpegs = sorted(f for f in os.listdir(photos) if f.lower().endswith((".jpg", ".jpeg")))
for f in jpegs:
    shutil.copy(os.path.join(photos, f), cam)
sides = [320, 480, 640, 800, 1000, 1200]
for i, f in enumerate(jpegs):
    im = Image.open(os.path.join(photos, f)).convert("RGB")
    for s in sides:
        t = im.copy(); t.thumbnail((s, s), Image.LANCZOS)
        t.save(os.path.join(web, f"{os.path.splitext(f)[0]}_{s}.jpg"), quality=85)
src = max(jpegs, key=lambda f: os.path.getsize(os.path.join(photos, f)))
im = Image.open(os.path.join(photos, src)).convert("RGB").resize((6000, 4000), Image.BICUBIC)
for i in range(8):
    im.rotate(i * 45, expand=False).save(os.path.join(big, f"big_{i}.jpg"), quality=90)
print(f"sets: camera {len(jpegs)} files, web {len(jpegs) * len(sides)} files, 24mp 8 files", file=sys.stderr)
EOF

cat > "$work/peer.py" <<'EOF'
"""One peer over every JPEG of a folder, in one process."""
import os, sys
from PIL import Image
mode, folder = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
if mode == "decode":
    for f in files:
        Image.open(f).load()
elif mode == "draft":
    for f in files:
        im = Image.open(f)
        im.draft("RGB", (im.width // 8, im.height // 8))
        im.load()
elif mode == "imagehash":
    import imagehash
    for f in files:
        imagehash.phash(Image.open(f))
elif mode == "pdqhash":
    import numpy, pdqhash
    for f in files:
        pdqhash.compute(numpy.asarray(Image.open(f).convert("RGB")))
EOF

# --- timing ---------------------------------------------------------------
for set in camera web; do
    dir=$work/$set
    cmds=(
        -n provcheck "$provcheck -q --format jsonl hash $dir"
        -n provcheck-j1 "$provcheck -q -j1 --format jsonl hash $dir"
        -n libjpeg-turbo-decode "python3 $work/peer.py decode $dir"
        -n libjpeg-turbo-draft "python3 $work/peer.py draft $dir"
        -n imagehash-phash "python3 $work/peer.py imagehash $dir"
        -n pdqhash "python3 $work/peer.py pdqhash $dir"
    )
    if [ -n "${BASELINE_BIN:-}" ]; then
        cmds+=(-n provcheck-baseline "$BASELINE_BIN -q --format jsonl hash $dir")
    fi
    if command -v czkawka_cli >/dev/null; then
        # -H: no hash cache, so every run hashes every file.
        cmds+=(-n czkawka_cli "czkawka_cli image -d $dir -H -W -N -M")
    fi
    hyperfine --style basic --warmup 1 --runs "$runs" --output null \
        --export-json "$work/$set.json" "${cmds[@]}" >&2
done

peak=$( { /usr/bin/time -f %M "$provcheck" -q --format jsonl hash "$work/24mp" >/dev/null; } 2>&1 | tail -n 1)
base_peak=0
if [ -n "${BASELINE_BIN:-}" ]; then
    base_peak=$( { /usr/bin/time -f %M "$BASELINE_BIN" -q --format jsonl hash "$work/24mp" >/dev/null; } 2>&1 | tail -n 1)
fi

python3 - "$work" "$peak" "$base_peak" <<'EOF'
import json, os, sys
work, peak_kb, base_peak_kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(s):
    return {r["command"]: r for r in json.load(open(os.path.join(work, s + ".json")))["results"]}
print("| set | tool | wall s | CPU s | provcheck faster by |")
print("|---|---|---|---|---|")
for s in ("camera", "web"):
    r = load(s)
    p = r["provcheck"]
    for name, x in r.items():
        cpu = x["user"] + x["system"]
        ratio = x["mean"] / p["mean"]
        print(f"| {s} | {name} | {x['mean']:.2f} ± {x['stddev']:.2f} | {cpu:.2f} | {ratio:.2f}× |")
print()
for s in ("camera", "web"):
    r = load(s)
    p, one, draft = r["provcheck"], r["provcheck-j1"], r["libjpeg-turbo-draft"]
    cpu = p["user"] + p["system"]
    dcpu = draft["user"] + draft["system"]
    print(f"- {s}: CPU time {cpu:.2f} s = {cpu / dcpu:.2f}× libjpeg-turbo scaled decode ({dcpu:.2f} s); "
          f"1 → 2 threads {one['mean'] / p['mean']:.2f}× faster")
    if "provcheck-baseline" in r:
        b = r["provcheck-baseline"]
        bcpu = b["user"] + b["system"]
        print(f"  - baseline: CPU time {bcpu:.2f} s = {bcpu / dcpu:.2f}× the scaled decode")
print(f"- peak memory hashing 8 × 24-megapixel JPEGs on every core: {peak_kb / 1024:.0f} MB")
if base_peak_kb:
    print(f"  - baseline: {base_peak_kb / 1024:.0f} MB")
EOF
