//! How far the hashes of the working picture (luma binned to ~512 px, see
//! `decode::working`) drift from hashes of the full-resolution decode, in
//! bits: pHash (of 64) and PDQ (of 256), median, p99 and maximum over the
//! files. Usage: `cargo run --release --example drift -- DIR... [--side N]`

use std::path::PathBuf;

use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::decode::working::{bin, grey_of};
use provcheck::decode::{decode, Limits};
use provcheck::hash::{grey_bytes, pdq, phash64};

fn percentile(v: &mut [u32], p: f64) -> u32 {
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let mut dirs = Vec::new();
    let mut side = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--side" {
            side = args.next().and_then(|s| s.parse::<u32>().ok());
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let limits = Limits::default();
    let (mut ph, mut pd) = (Vec::new(), Vec::new());
    for dir in dirs {
        for entry in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            let (Ok(full), Ok(fast)) = (
                decode(&bytes, &limits),
                analyze_bytes(&bytes, &limits, Depth::Hashes),
            ) else {
                continue;
            };
            let grey = grey_of(&full.image);
            let reference_ph = phash64(&grey_bytes(&grey));
            let reference_pdq = pdq::pdq(&full.image).hash;
            let (ph_bits, pdq_bits) = match side {
                // A decoded picture always has its pHash.
                None => (fast.hashes.phash.unwrap_or_default(), fast.hashes.pdq),
                Some(s) => {
                    let (w, h) = grey.dimensions();
                    let k = (w.max(h) / s).max(1);
                    let small = bin(grey.as_raw(), w, h, k);
                    (phash64(&grey_bytes(&small)), pdq::pdq_dihedral(&small).0[0])
                }
            };
            if std::env::var_os("DRIFT_VERBOSE").is_some() {
                let d = pdq_bits.distance(&reference_pdq);
                let q = fast.hashes.pdq_quality;
                println!("{d:3} q{q:3} {}", entry.path().display());
            }
            ph.push((ph_bits ^ reference_ph).count_ones());
            pd.push(pdq_bits.distance(&reference_pdq));
        }
    }
    let n = ph.len();
    for (name, v) in [("pHash (64 bits)", &mut ph), ("PDQ (256 bits)", &mut pd)] {
        let (med, p99, max) = (percentile(v, 0.5), percentile(v, 0.99), percentile(v, 1.0));
        println!("{name}: {n} files, median {med}, p99 {p99}, max {max}");
    }
}
