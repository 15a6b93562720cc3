//! Measures how many feature pairs agree with one transform between
//! unrelated pictures, the distribution `verify::chance_of_inliers` is fitted
//! to. Every picture of a folder, and each of its `eval` transforms, is
//! verified (as shown and mirrored) against every picture of another group
//! (files whose names share an orientation/size/HDR series are one group).
//!
//! `cargo run --release --example inliers -- ../shared/data/photos`

mod common;

use std::path::{Path, PathBuf};

use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::decode::Limits;
use provcheck::eval::transforms;
use provcheck::verify::Probe;
use rayon::prelude::*;

fn group(p: &Path) -> String {
    let n = p.file_stem().unwrap().to_string_lossy().to_string();
    let keys = ["Elephants", "orientation_landscape", "orientation_portrait"];
    let keys = keys
        .iter()
        .chain(&["hdr_canon", "hdr_iphone", "motorcycle"]);
    for key in keys {
        if n.contains(key) {
            return key.to_string();
        }
    }
    n
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("folder of photos"));
    let limits = Limits::default();
    let paths = common::folder(&dir);
    let loaded: Vec<_> = paths
        .par_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let a = analyze_bytes(&bytes, &limits, Depth::Reference).ok()?;
            let img = provcheck::decode::decode(&bytes, &limits).ok()?.image;
            Some((p.clone(), a.features?, img))
        })
        .collect();
    let counts: Vec<usize> = loaded
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, (p, f, img))| {
            let mut probes = vec![Probe::new(f)];
            for (_, t) in transforms::all() {
                let bytes = t.apply(img, i as u64);
                if let Some(c) = analyze_bytes(&bytes, &limits, Depth::Reference)
                    .ok()
                    .and_then(|a| a.features)
                {
                    probes.push(Probe::new(&c));
                }
            }
            let mut out = Vec::new();
            for (q, rf, _) in loaded.iter().map(|(q, rf, _)| (q, rf, ())) {
                if group(q) == group(p) {
                    continue;
                }
                for probe in &probes {
                    out.push(probe.verification(rf).map_or(0, |v| v.0.inliers));
                }
            }
            out
        })
        .collect();
    let n = counts.len();
    let top = counts.iter().copied().max().unwrap_or(0);
    println!("unrelated verifications: {n}, most inliers: {top}");
    println!("inliers\tpairs with at least as many\tshare");
    for k in 0..=top {
        let at_least = counts.iter().filter(|&&c| c >= k).count();
        println!("{k}\t{at_least}\t{:.3e}", at_least as f64 / n as f64);
    }
}
