//! Time to open a corpus and load its search index, the index's bytes per
//! reference, and the time of one query over it on one thread: the whole
//! picture's PDQ (its eight rotations/flips, as a hash-only lookup asks)
//! and the full hash search of a picture (whole, twelve sub-frames and the
//! content area, eight variants each). Medians of 11 runs.
//!
//! Usage: `cargo run --release --example open_corpus -- DB [PICTURE]`
//! (PICTURE default: the bundled `elephants.jpg`). benches/scale.sh runs it.

use std::path::Path;
use std::time::Instant;

use provcheck::analyze::{analyze_file, Depth};
use provcheck::corpus::Corpus;
use provcheck::decode::Limits;
use provcheck::hash::Hashes;
use provcheck::index::Index;
use provcheck::matching::MatchRule;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(db) = args.first() else {
        eprintln!("usage: open_corpus DB [PICTURE]");
        std::process::exit(2);
    };
    let picture = args.get(1).cloned().unwrap_or_else(|| {
        format!(
            "{}/reference_images/elephants.jpg",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let clock = Instant::now();
    let corpus = Corpus::open(Path::new(db)).expect("a corpus");
    let opened = clock.elapsed().as_secs_f64();
    let index = Index::load(&corpus).expect("the index");
    let loaded = clock.elapsed().as_secs_f64();
    println!(
        "{} references: open {opened:.3} s, open + index load {loaded:.3} s, {} index bytes per reference",
        index.len(),
        index.bytes() / index.len().max(1)
    );
    let full = analyze_file(Path::new(&picture), &Limits::default(), Depth::Query)
        .expect("the query picture")
        .hashes;
    let whole = Hashes {
        crops: Vec::new(),
        content: None,
        ..full.clone()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let rule = MatchRule::default();
    for (name, q) in [
        ("whole picture's PDQ (8 variants)", &whole),
        ("full hash search (whole, sub-frames, content area)", &full),
    ] {
        let mut times: Vec<f64> = (0..11)
            .map(|_| {
                let clock = Instant::now();
                let hits = pool.install(|| index.search(q, &[], &rule, 17, 256));
                std::hint::black_box(hits);
                clock.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{name}, 1 thread: {:.1} ms (median of 11)", times[5]);
    }
}
