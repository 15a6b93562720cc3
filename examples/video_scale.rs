//! A query of a long clip against a large corpus of video frames: the clip
//! is sampled and hashed as `query CLIP` does (one frame a second plus the
//! first after each cut, near-duplicates dropped; local features), and each
//! kept frame is searched in an in-memory index of N synthetic frame
//! references (random PDQ codes for the whole frame, its 12 sub-frames and
//! 35 windows, as a stored video frame has) the way `Matcher::find` does:
//! the hash search, then the nomination of candidates by windows. Prints the
//! time of each stage; the numbers in BENCHMARKS.md come from here.
//!
//!   cargo run --release --example video_scale -- CLIP [N]   (N: 1000000)
//!
//! Verification and SQLite reads are left out: they run only on the few
//! hits, and random references give none.

use std::path::PathBuf;
use std::time::Instant;

use provcheck::analyze::{analyze_file, Depth};
use provcheck::corpus::SearchHashes;
use provcheck::decode::Limits;
use provcheck::hash::{Pdq, CROPS, WINDOWS};
use provcheck::index::Index;
use provcheck::matching::MatchRule;

/// xorshift64*: reproducible synthetic codes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pdq(&mut self) -> Pdq {
        Pdq([self.next(), self.next(), self.next(), self.next()])
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let clip = PathBuf::from(args.next().expect("usage: video_scale CLIP [N]"));
    let n: usize = args.next().map_or(1_000_000, |s| s.parse().expect("N"));

    let started = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut index = Index::default();
    for i in 0..n {
        let crops: Vec<Pdq> = (0..CROPS.len()).map(|_| rng.pdq()).collect();
        let windows: Vec<Pdq> = (0..WINDOWS).map(|_| rng.pdq()).collect();
        index.push(SearchHashes {
            file_id: i as i64 + 1,
            pdq: rng.pdq(),
            crops: &crops,
            windows: &windows,
            low_information: false,
        });
    }
    index.shrink_to_fit();
    println!(
        "index: {n} synthetic frame references, {:.0} MB, built in {:.1} s",
        index.bytes() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let limits = Limits {
        max_duration: None,
        ..Limits::default()
    };
    let started = Instant::now();
    let a = analyze_file(&clip, &limits, Depth::Query).expect("the clip decodes");
    let video = a.video.as_ref().expect("a video");
    let hashed = started.elapsed().as_secs_f64();
    println!(
        "clip: {:.1} s of video, {} frames looked at, {} kept; sampled and hashed in {hashed:.1} s",
        video.container.duration.unwrap_or(video.last_time),
        video.looked_at,
        video.frames.len()
    );

    let rule = MatchRule::default();
    // As Matcher::find asks: the top 5 plus the 12 verification candidates,
    // then 12 nominees within the verification radius.
    let (top, candidates, radius) = (5 + 12, 12, 112);
    let started = Instant::now();
    let mut hits = 0;
    let mut per_frame = Vec::with_capacity(video.frames.len());
    for f in &video.frames {
        let t = Instant::now();
        let found = index.search(&f.hashes, &[], &rule, top, 256);
        let skip: Vec<usize> = found.iter().map(|h| h.index).collect();
        let nominated = index.nominate(&f.hashes, candidates, radius, &skip);
        hits += found.len() + nominated.len();
        per_frame.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let searched = started.elapsed().as_secs_f64();
    per_frame.sort_by(f64::total_cmp);
    let median = per_frame.get(per_frame.len() / 2).copied().unwrap_or(0.0);
    println!(
        "search: {} frames in {searched:.1} s ({median:.0} ms per frame, median; {hits} hits, {} threads)",
        video.frames.len(),
        rayon::current_num_threads()
    );
    println!("total: {:.1} s", hashed + searched);
}
