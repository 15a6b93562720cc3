#!/usr/bin/env python3
"""Writes a context CSV of N synthetic hash-only references for the serve
benchmark (scripts/serve-bench.sh): each row has a random PDQ hash (64 hex
digits, quality 100) and a caption, no file, so `provcheck corpus import`
turns it into a hash-only reference. Seeded: the same N gives the same file.

Usage: serve-bench-corpus.py N OUT.csv
"""
import csv
import random
import sys


def main() -> None:
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20)
    places = ["Valencia", "Arezzo", "Lisbon", "Gdansk", "Tunis", "Quito", "Osaka", "Lagos"]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "pdq", "pdq_quality", "publisher", "published", "caption", "location"])
        for i in range(n):
            place = places[i % len(places)]
            w.writerow([
                f"synthetic/{i:07d}.jpg",
                f"{rng.getrandbits(256):064x}",
                100,
                f"Wire service {i % 97}",
                f"{2000 + i % 26}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                f"Synthetic reference {i} near {place}",
                place,
            ])


if __name__ == "__main__":
    main()
