#!/usr/bin/env python3
"""FAISS baseline for benches/search.rs: exact Hamming search with IndexBinaryFlat.

Measures, for 256-bit (PDQ) and 64-bit (pHash) codes at each reference count:
  - time to add the codes to an IndexBinaryFlat, and its size (bytes per reference);
  - one query, k=5 (median of --reps runs after a warm-up);
  - the 8 queries as one batch, k=5. provcheck keeps, per reference, the minimum
    distance over its 8 query variants; FAISS returns a top-k per query. Both
    compute the same 8 x n distances, so the scan work is the same.
Codes come from the xorshift64 generator and seeds of benches/search.rs, so both
see identical codes; the top 5 (distance, id) of query 0 is printed to cross-check.

  pip install faiss-cpu numpy
  python3 benches/faiss_search.py [--sizes 10000,1000000,10000000] [--threads 1]
                                  [--reps 10] [--json]

With --json, stdout has one JSON object per measurement and the table goes to stderr.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np

REFERENCE_SEED = 0x9E3779B97F4A7C15
QUERY_SEED = 0x2545F4914F6CDD1D
MASK = (1 << 64) - 1


def step(s):
    """One xorshift64 step on a Python int (reference implementation)."""
    s ^= (s << 13) & MASK
    s ^= s >> 7
    s ^= (s << 17) & MASK
    return s


def xorshift_py(seed, count):
    out, s = [], seed
    for _ in range(count):
        s = step(s)
        out.append(s)
    return out


# xorshift64 is linear over GF(2): a 64x64 bit matrix, stored as its 64 columns
# (the image of each single bit). Jumping ahead L steps lets numpy advance many
# evenly spaced sub-streams at once instead of one long sequential loop.
def mat_apply(cols, v):
    r, b = 0, 0
    while v:
        if v & 1:
            r ^= cols[b]
        v >>= 1
        b += 1
    return r


def mat_pow(cols, e):
    result = [1 << b for b in range(64)]
    while e:
        if e & 1:
            result = [mat_apply(cols, c) for c in result]
        cols = [mat_apply(cols, c) for c in cols]
        e >>= 1
    return result


def xorshift_np(seed, count, streams=4096):
    """The first `count` values of xorshift64(seed), as a uint64 array."""
    streams = max(1, min(streams, count // 64))
    length = -(-count // streams)  # values per sub-stream
    jump = mat_pow([step(1 << b) for b in range(64)], length)
    starts, s = [], seed
    for _ in range(streams):
        starts.append(s)
        s = mat_apply(jump, s)
    state = np.array(starts, dtype=np.uint64)
    out = np.empty((length, streams), dtype=np.uint64)
    for j in range(length):
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        out[j] = state
    return np.ascontiguousarray(out.T).reshape(-1)[:count]


def as_bytes(words, width):
    """u64 words -> FAISS codes: each word little-endian, words in order."""
    return words.astype("<u8").view(np.uint8).reshape(-1, width // 8)


def timed(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000,10000000")
    ap.add_argument("--widths", default="256,64")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    try:
        import faiss
    except ImportError:
        print("faiss-cpu not installed; pip install faiss-cpu")
        return 0
    faiss.omp_set_num_threads(args.threads)
    sizes = [int(n) for n in args.sizes.split(",")]
    widths = [int(w) for w in args.widths.split(",")]
    table = sys.stderr if args.json else sys.stdout
    log = lambda *a: print(*a, file=sys.stderr, flush=True)

    # Every size and width uses a prefix of the same two streams, as in search.rs.
    t = time.perf_counter()
    refs = xorshift_np(REFERENCE_SEED, max(sizes) * max(widths) // 64)
    queries = xorshift_np(QUERY_SEED, 8 * max(widths) // 64)
    check = min(len(refs), 100_000)  # covers many sub-stream boundaries
    assert refs[:check].tolist() == xorshift_py(REFERENCE_SEED, check), "generator mismatch"
    assert queries.tolist() == xorshift_py(QUERY_SEED, len(queries)), "generator mismatch"
    log(f"generated {len(refs)} words in {time.perf_counter() - t:.1f} s "
        f"(first {check} checked); first reference words: "
        f"{refs[0]:#018x} {refs[1]:#018x}")

    print(f"faiss {faiss.__version__} IndexBinaryFlat, {args.threads} thread(s), "
          f"k={args.k}, median of {args.reps}", file=table)
    print(f"{'width':>5} {'n':>10} {'B/ref':>5} {'add ms':>8} {'1 query ms':>11} "
          f"{'8 queries ms':>13}  query 0 top {args.k} (distance, id)", file=table)
    for width in widths:
        q = as_bytes(queries[: 8 * width // 64], width)
        for n in sizes:
            xb = as_bytes(refs[: n * width // 64], width)
            index = faiss.IndexBinaryFlat(width)
            t = time.perf_counter()
            index.add(xb)
            add_ms = (time.perf_counter() - t) * 1e3
            bpr = index.code_size  # ntotal * code_size / ntotal
            row = {}
            for nq in (1, 8):
                ms = timed(lambda: index.search(q[:nq], args.k), args.reps)
                dist, ids = index.search(q[:nq], args.k)
                top = [[int(d), int(i)] for d, i in zip(dist[0], ids[0])]
                row[nq] = ms
                if args.json:
                    print(json.dumps({"width": width, "n": n, "queries": nq, "k": args.k,
                                      "ms": round(ms, 4), "top": top, "threads": args.threads,
                                      "add_ms": round(add_ms, 2), "bytes_per_ref": bpr}),
                          flush=True)
            print(f"{width:>5} {n:>10} {bpr:>5} {add_ms:>8.1f} {row[1]:>11.3f} "
                  f"{row[8]:>13.3f}  {[tuple(p) for p in top]}", file=table, flush=True)
            del index, xb
    return 0


if __name__ == "__main__":
    sys.exit(main())
