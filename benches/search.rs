//! Exact search speed. Plain codes at 10k, 1M and 10M references: one
//! 256-bit (PDQ) query, its eight rotations/flips together, and one 64-bit
//! query, each on one thread, plus a batch of queries on every core. Then
//! the full provcheck query at 100k references: the hash search (eight
//! rotations/flips of the whole picture and of its twelve sub-frames, against
//! references that carry twelve each) and the nomination of candidates (the
//! whole picture's eight against each reference's whole and windows). Codes are random, from the same generator and seeds as
//! `benches/faiss_search.py`, so both see identical codes: the scan does the
//! same work whatever they hold. `PROVCHECK_BENCH_SIZES=10000,1000000` limits
//! the sizes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use provcheck::corpus::SearchHashes;
use provcheck::hash::{Hashes, Pdq, CROPS, WINDOWS};
use provcheck::index::{Codes, Index};
use provcheck::matching::MatchRule;
use rayon::prelude::*;

const REFERENCE_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const QUERY_SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// xorshift64, so runs (and the FAISS script) compare like with like.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn code<const W: usize>(&mut self) -> [u64; W] {
        std::array::from_fn(|_| self.next())
    }
}

fn sizes() -> Vec<usize> {
    std::env::var("PROVCHECK_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 1_000_000, 10_000_000])
}

fn codes<const W: usize>(n: usize) -> Codes<W> {
    let mut rng = Rng(REFERENCE_SEED);
    let mut codes = Codes::with_capacity(n);
    for _ in 0..n {
        codes.push(rng.code());
    }
    codes
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool")
}

fn plain<const W: usize>(c: &mut Criterion, name: &str, variants: &[usize]) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    let mut rng = Rng(QUERY_SEED);
    let queries: Vec<[u64; W]> = (0..64).map(|_| rng.code()).collect();
    for n in sizes() {
        let codes = codes::<W>(n);
        eprintln!(
            "{name} n={n}: {} bytes per code; query 0 top 5 (distance, position): {:?}",
            codes.bytes() / n.max(1),
            codes.nearest(&queries[..1], 5)
        );
        group.throughput(Throughput::Elements(n as u64));
        for &v in variants {
            group.bench_with_input(
                BenchmarkId::new(format!("{v} variants, 1 thread"), n),
                &n,
                |b, _| b.iter(|| black_box(codes.nearest(&queries[..v], 5))),
            );
        }
        group.bench_with_input(BenchmarkId::new("64 queries, all cores", n), &n, |b, _| {
            b.iter(|| {
                let all: Vec<_> = queries
                    .par_iter()
                    .map(|q| codes.nearest(std::slice::from_ref(q), 5))
                    .collect();
                black_box(all)
            })
        });
    }
    group.finish();
}

fn pdq(c: &mut Criterion) {
    plain::<4>(c, "search pdq256", &[1, 8]);
}

fn phash(c: &mut Criterion) {
    plain::<1>(c, "search phash64", &[1]);
}

fn provcheck_query(c: &mut Criterion) {
    let mut rng = Rng(REFERENCE_SEED);
    let mut index = Index::default();
    for i in 0..100_000 {
        let crops: Vec<Pdq> = (0..CROPS.len()).map(|_| Pdq(rng.code())).collect();
        let windows: Vec<Pdq> = (0..WINDOWS).map(|_| Pdq(rng.code())).collect();
        index.push(SearchHashes {
            file_id: i,
            pdq: Pdq(rng.code()),
            crops: &crops,
            windows: &windows,
            low_information: false,
        });
    }
    index.shrink_to_fit();
    let variants = [(); 8].map(|_| Pdq(rng.code()));
    let hashes = Hashes {
        pdq: variants[0],
        pdq_variants: variants,
        pdq_quality: 100,
        phash: rng.next(),
        crops: (0..CROPS.len())
            .map(|_| [(); 8].map(|_| Pdq(rng.code())))
            .collect(),
        windows: Vec::new(),
        content: None,
        low_information: false,
    };
    eprintln!(
        "provcheck index of 100k references with sub-frames and windows: {} bytes per reference",
        index.bytes() / index.len()
    );
    let rule = MatchRule::default();
    let query = || {
        let hits = index.search(&hashes, &[], &rule, 17, 256);
        let skip: Vec<usize> = hits.iter().map(|h| h.index).collect();
        (hits, index.nominate(&hashes, 12, 112, &skip))
    };
    let pool = one_thread();
    c.bench_function(
        "provcheck query, 100k references with sub-frames and windows, 1 thread",
        |b| b.iter(|| pool.install(|| black_box(query()))),
    );
    c.bench_function(
        "provcheck query, 100k references with sub-frames and windows, all cores",
        |b| b.iter(|| black_box(query())),
    );
    // What a query with a verified copy adds: that reference's whole
    // picture against every reference's codes.
    c.bench_function(
        "provcheck siblings of a copy, 100k references, 1 thread",
        |b| b.iter(|| pool.install(|| black_box(index.siblings(&hashes, 0, 12, 112, &[])))),
    );
}

criterion_group!(benches, pdq, phash, provcheck_query);
criterion_main!(benches);
