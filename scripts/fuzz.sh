#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 60), seeded from
# ../shared/data when present. Crashing inputs land in fuzz/artifacts/TARGET/;
# copy them to tests/fixtures/fuzz/ as regression inputs once fixed.
#
# Needs: cargo install cargo-fuzz. On a stable toolchain RUSTC_BOOTSTRAP=1
# lets cargo-fuzz use the sanitizer flags it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
export RUSTC_BOOTSTRAP=1
for target in decode_hash exif; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  if [ -d ../shared/data ] && [ -z "$(ls -A "$corpus")" ]; then
    find ../shared/data/photos ../shared/data/exif-edge ../shared/data/hostile \
         ../shared/data/pdq-reference/misc-images -type f -size -300k 2>/dev/null |
      head -400 | while read -r f; do cp "$f" "$corpus/"; done || true
  fi
  cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576
done
