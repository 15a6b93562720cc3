//! Exact search speed: one query against 100k references (whole-picture PDQ
//! plus ten sub-frames each, eight rotations/flips of the query). The
//! references are random hashes: the scan does the same work whatever they hold.

use criterion::{criterion_group, criterion_main, Criterion};
use provcheck::corpus::Reference;
use provcheck::hash::{Hashes, Pdq, CROPS};
use provcheck::index::{Index, Query};
use provcheck::matching::MatchRule;

/// A small deterministic generator (xorshift), so runs compare like with like.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pdq(&mut self) -> Pdq {
        Pdq([self.next(), self.next(), self.next(), self.next()])
    }
}

fn references(n: usize, rng: &mut Rng) -> Vec<Reference> {
    (0..n)
        .map(|i| Reference {
            file_id: i as i64,
            path: format!("ref{i}.jpg").into(),
            sha256: format!("{i:064x}"),
            format: "jpeg".into(),
            width: 1600,
            height: 1067,
            pdq: rng.pdq(),
            pdq_quality: 100,
            phash: rng.next(),
            crops: (0..CROPS.len()).map(|_| rng.pdq()).collect(),
            low_information: false,
        })
        .collect()
}

fn search(c: &mut Criterion) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let index = Index::new(references(100_000, &mut rng));
    let variants = [(); 8].map(|_| rng.pdq());
    let hashes = Hashes {
        pdq: variants[0],
        pdq_variants: variants,
        pdq_quality: 100,
        phash: rng.next(),
        crops: (0..CROPS.len())
            .map(|_| [(); 8].map(|_| rng.pdq()))
            .collect(),
        low_information: false,
    };
    let query = Query {
        hashes: &hashes,
        sha256: "query",
    };
    c.bench_function("search 100k references, top 5", |b| {
        b.iter(|| index.search(&query, &MatchRule::default(), 5, 256))
    });
}

criterion_group!(benches, search);
criterion_main!(benches);
