#!/usr/bin/env python3
"""Makes the vPDQ reference hashes the interoperability tests compare
provcheck's frame hashes with.

The reference is ThreatExchange's vPDQ as the ecosystem runs it: the `vpdq`
Python bindings (PyPI, 0.2.5; they build against the system FFmpeg, so on
Debian the packages libavcodec-dev libavformat-dev libavfilter-dev
libavdevice-dev libswscale-dev libswresample-dev libavutil-dev must be
installed first), one hash a second (`seconds_per_hash=1`), frames hashed at
their own size (no downsampling), written in vPDQ's text format
(`frame_number,quality,pdq_hex,timestamp`, the timestamp in seconds to three
decimals, as its vpdqio writes it).

Usage (from the repository root, once; the outputs are committed):
    pip install vpdq==0.2.5
    python3 scripts/vpdq_reference.py
Writes tests/fixtures/video/pans.vpdq (the bundled clip, default suite) and,
when ../shared/data/video exists, tests/fixtures/video/<clip>.vpdq for its
clips (extended suite).
"""

import os

import vpdq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "video")
SHARED = os.path.join(ROOT, "..", "shared", "data", "video")


def write(clip, name):
    features = vpdq.computeHash(clip, seconds_per_hash=1.0)
    with open(os.path.join(OUT, name), "w") as f:
        for x in features:
            f.write(f"{x.frame_number},{x.quality},{x.hex},{x.timestamp:.3f}\n")
    print(f"{name}: {len(features)} frames")


def main():
    write(os.path.join(OUT, "pans.mp4"), "pans.vpdq")
    if os.path.isdir(SHARED):
        for clip in sorted(os.listdir(SHARED)):
            # carphone runs at 29.97 fps: vPDQ hashes every 29th frame
            # (int(rate)), so its times drift from one a second.
            if clip.endswith(".mp4") and not clip.startswith("carphone"):
                write(os.path.join(SHARED, clip), clip[:-4] + ".vpdq")


if __name__ == "__main__":
    main()
