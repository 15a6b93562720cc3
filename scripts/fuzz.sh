#!/usr/bin/env bash
# Runs one fuzz target, or every target one after the other, with cargo-fuzz
# (libFuzzer) on the stable toolchain.
#
# Usage: scripts/fuzz.sh TARGET|all [SECONDS] [LIBFUZZER_ARG...]
#   TARGET   a file name under fuzz/fuzz_targets/ without `.rs`
#            (`scripts/fuzz.sh list` lists them)
#   SECONDS  how long each target runs (default 60)
#
# The working corpus grows in fuzz/corpus/TARGET/ (not committed); every run
# also reads the committed seeds in fuzz/seeds/TARGET/ and, for the picture
# targets, small files of ../shared/data when it is present. Crashing,
# timed-out and out-of-memory inputs land in fuzz/artifacts/TARGET/
# (crash-*, timeout-*, oom-*), and the script exits non-zero. Replay one with
#   scripts/fuzz.sh TARGET 0 fuzz/artifacts/TARGET/crash-...
# Once fixed, copy it to tests/fixtures/fuzz/TARGET/: the default test suite
# replays every file there (tests/suite/fuzz_regressions.rs).
#
# Environment: FUZZ_SANITIZER=address (the default: also catches memory
# errors in unsafe code) or none (faster to build and run; what CI uses),
# FUZZ_PROFILE=release (the default) or dev (see below), FUZZ_JOBS
# (parallel fuzzing processes, default 1), FUZZ_RSS_MB (memory
# limit per process, default 2048), FUZZ_SHARED_DATA=0 (seeds only, no
# files of ../shared/data). cargo-fuzz is installed if absent; on
# the stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its nightly-only flags.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^provcheck-fuzz$')
what=${1:?usage: scripts/fuzz.sh TARGET|all|list [SECONDS] [LIBFUZZER_ARG...]}
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))
if [ "$what" = list ]; then
  echo "$targets"
  exit 0
fi
if [ "$what" = all ]; then
  run=$targets
elif echo "$targets" | grep -qx "$what"; then
  run=$what
else
  echo "unknown fuzz target '$what'; targets: $(echo $targets)" >&2
  exit 2
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-address}
# FUZZ_PROFILE=dev builds in the fuzz workspace's dev profile (CI's gate:
# a few minutes instead of cargo-fuzz's release build, one code-generation
# unit per crate; slower fuzzing).
if [ "${FUZZ_PROFILE:-release}" = dev ]; then
  profile=(--dev)
else
  profile=(--release --debug-assertions)
fi
cargo fuzz build --sanitizer "$sanitizer" "${profile[@]}"
jobs=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
  # Each worker logs to fuzz-N.log in the current folder.
  jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
fi
status=0
for target in $run; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  extra=()
  if [ "${FUZZ_SHARED_DATA:-1}" = 1 ] && [ -d ../shared/data ] &&
     { [ "$target" = decode_hash ] || [ "$target" = exif ]; }; then
    extra=(fuzz/corpus/shared-pictures)
    if [ ! -d "${extra[0]}" ]; then
      mkdir -p "${extra[0]}"
      find ../shared/data/photos ../shared/data/exif-edge ../shared/data/hostile \
           -type f -size -300k 2>/dev/null | sort | head -400 |
        while read -r f; do cp "$f" "${extra[0]}/"; done || true
    fi
  fi
  echo "== $target: ${seconds}s"
  if [ "$#" -gt 0 ] && [ -f "$1" ]; then
    # Replaying given inputs: no corpus, no time limit.
    inputs=("$@")
    set --
    cargo fuzz run --sanitizer "$sanitizer" "${profile[@]}" "$target" \
      "${inputs[@]}" || status=1
    continue
  fi
  cargo fuzz run --sanitizer "$sanitizer" "${profile[@]}" "$target" \
    "$corpus" "fuzz/seeds/$target" "${extra[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
    -timeout=30 -max_len=1048576 -print_final_stats=1 "${jobs[@]}" "$@" || status=1
done
exit $status
