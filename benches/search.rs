//! Exact search speed. Plain codes at 10k, 1M and 10M references: one
//! 256-bit (PDQ) query, its eight rotations/flips together, and one 64-bit
//! query, each on one thread, plus a batch of queries on every core. Then
//! the full provcheck query at 100k and 1M references shaped like built
//! ones (`PROVCHECK_BENCH_QUERY_SIZES`): the hash search (eight
//! rotations/flips of the whole picture and of its twelve sub-frames,
//! against references that carry twelve each) and the nomination of
//! candidates (the whole picture's eight against each reference's whole and
//! windows); and, with `PROVCHECK_BENCH_CORPUS` set to a built corpus, the
//! same query with a real picture over its real codes, as they are and
//! repeated to 1M. Plain codes are random, from the same generator and seeds
//! as `benches/faiss_search.py`, so both see identical codes: the scan does
//! the same work whatever they hold. `PROVCHECK_BENCH_SIZES=10000,1000000`
//! limits the plain sizes.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use provcheck::analyze::{analyze_file, Depth};
use provcheck::corpus::{Corpus, Reference, SearchHashes};
use provcheck::decode::Limits;
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

fn query_sizes() -> Vec<usize> {
    std::env::var("PROVCHECK_BENCH_QUERY_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000])
}

/// Random references shaped like built ones: a whole picture and
/// [`CROPS`] sub-frames (13 frame codes), the whole and [`WINDOWS`]
/// windows (35 window codes).
fn synthetic_index(n: usize, rng: &mut Rng) -> Index {
    let mut index = Index::default();
    for i in 0..n {
        let crops: Vec<Pdq> = (0..CROPS.len()).map(|_| Pdq(rng.code())).collect();
        let windows: Vec<Pdq> = (0..WINDOWS).map(|_| Pdq(rng.code())).collect();
        index.push(SearchHashes {
            file_id: i as i64,
            pdq: Pdq(rng.code()),
            crops: &crops,
            windows: &windows,
            low_information: false,
        });
    }
    index.shrink_to_fit();
    index
}

/// The references of a built corpus, repeated (under new file ids) until
/// there are at least `n`: real codes at any scale.
fn tiled_index(refs: &[Reference], n: usize) -> Index {
    let mut index = Index::default();
    let mut id = 0i64;
    while (id as usize) < n.max(refs.len()) {
        for r in refs {
            id += 1;
            index.push(SearchHashes {
                file_id: id,
                pdq: r.pdq,
                crops: &r.crops,
                windows: &r.windows,
                low_information: r.low_information,
            });
        }
    }
    index.shrink_to_fit();
    index
}

/// The full provcheck query: the hash search (eight rotations/flips of the
/// whole picture, its twelve sub-frames and its content area against every
/// reference's 13 frame codes) and the nomination of candidates (the whole
/// picture and content area against every reference's 35 window codes).
fn full_query(c: &mut Criterion, name: &str, index: &Index, hashes: &Hashes) {
    eprintln!(
        "{name}: {} references, {} index bytes per reference",
        index.len(),
        index.bytes() / index.len().max(1)
    );
    let rule = MatchRule::default();
    let query = || {
        let hits = index.search(hashes, &[], &rule, 17, 256);
        let skip: Vec<usize> = hits.iter().map(|h| h.index).collect();
        (hits, index.nominate(hashes, 12, 112, &skip))
    };
    let pool = one_thread();
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.bench_function("full query, 1 thread", |b| {
        b.iter(|| pool.install(|| black_box(query())))
    });
    group.bench_function("full query, all cores", |b| b.iter(|| black_box(query())));
    // What a query with a verified copy adds: that reference's whole
    // picture against every reference's codes.
    group.bench_function("siblings of a copy, 1 thread", |b| {
        b.iter(|| pool.install(|| black_box(index.siblings(hashes, 0, 12, 112, &[]))))
    });
    group.finish();
}

fn provcheck_query(c: &mut Criterion) {
    let mut rng = Rng(REFERENCE_SEED);
    let variants = [(); 8].map(|_| Pdq(rng.code()));
    let hashes = Hashes {
        pdq: variants[0],
        pdq_variants: variants,
        pdq_quality: 100,
        phash: Some(rng.next()),
        crops: (0..CROPS.len())
            .map(|_| [(); 8].map(|_| Pdq(rng.code())))
            .collect(),
        windows: Vec::new(),
        content: None,
        low_information: false,
    };
    for n in query_sizes() {
        let index = synthetic_index(n, &mut Rng(REFERENCE_SEED ^ n as u64));
        let name = format!("provcheck query, {n} synthetic references");
        full_query(c, &name, &index, &hashes);
    }
}

/// The same query over a built corpus (`PROVCHECK_BENCH_CORPUS`, a SQLite
/// file made by `corpus build`), as it is and repeated to 1M references,
/// with a real picture's hashes (`PROVCHECK_BENCH_PICTURE`, default the
/// bundled `elephants.jpg`). Skipped without a corpus.
fn provcheck_query_real(c: &mut Criterion) {
    let Ok(db) = std::env::var("PROVCHECK_BENCH_CORPUS") else {
        eprintln!("search bench: PROVCHECK_BENCH_CORPUS not set, real-corpus query skipped");
        return;
    };
    let corpus = Corpus::open(Path::new(&db)).expect("a corpus");
    let refs = corpus.references().expect("references");
    let picture = std::env::var("PROVCHECK_BENCH_PICTURE").unwrap_or_else(|_| {
        format!(
            "{}/reference_images/elephants.jpg",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let analysis = analyze_file(Path::new(&picture), &Limits::default(), Depth::Query)
        .expect("the query picture");
    let index = tiled_index(&refs, refs.len());
    let name = format!("provcheck query, {} built references", refs.len());
    full_query(c, &name, &index, &analysis.hashes);
    drop(index);
    let index = tiled_index(&refs, 1_000_000);
    let name = format!(
        "provcheck query, {} built references repeated to {}",
        refs.len(),
        index.len()
    );
    full_query(c, &name, &index, &analysis.hashes);
}

criterion_group!(benches, pdq, phash, provcheck_query, provcheck_query_real);
criterion_main!(benches);
