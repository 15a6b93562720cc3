//! Measures the distances the matching rule is chosen from, on real photos:
//! transformed copies against their originals (must match) and every pair
//! of unrelated photos (must not). Usage:
//! `cargo run --release --example calibrate -- ../shared/data/photos`

mod common;

use std::path::{Path, PathBuf};

use image::DynamicImage;
use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::corpus::Reference;
use provcheck::decode::Limits;
use provcheck::index::Index;
use provcheck::matching::MatchRule;

fn group(p: &Path) -> String {
    let n = p.file_stem().unwrap().to_string_lossy().to_string();
    for key in [
        "Elephants",
        "orientation_landscape",
        "orientation_portrait",
        "hdr_canon",
        "hdr_iphone",
    ] {
        if n.contains(key) {
            return key.to_string();
        }
    }
    n
}

fn encode(img: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.to_rgb8().write_with_encoder(enc).unwrap();
    out
}

fn crop(img: &DynamicImage, l: f64, t: f64, r: f64, b: f64) -> DynamicImage {
    let (w, h) = (img.width() as f64, img.height() as f64);
    img.crop_imm(
        (l * w) as u32,
        (t * h) as u32,
        ((1.0 - l - r) * w) as u32,
        ((1.0 - t - b) * h) as u32,
    )
}

fn banner(img: &DynamicImage, frac: f64) -> DynamicImage {
    let mut rgb = img.to_rgb8();
    let h = rgb.height();
    let from = (h as f64 * (1.0 - frac)) as u32;
    for y in from..h {
        for x in 0..rgb.width() {
            let stripe = ((x / 9 + y / 13) % 5 == 0) as u8;
            rgb.put_pixel(
                x,
                y,
                image::Rgb([139 + stripe * 100, stripe * 200, stripe * 200]),
            );
        }
    }
    DynamicImage::ImageRgb8(rgb)
}

fn transforms(img: &DynamicImage) -> Vec<(&'static str, Vec<u8>)> {
    let small = |i: &DynamicImage, s: f64| {
        i.resize(
            (i.width() as f64 * s) as u32,
            (i.height() as f64 * s) as u32,
            image::imageops::FilterType::Triangle,
        )
    };
    vec![
        ("jpeg50+resize50", encode(&small(img, 0.5), 50)),
        (
            "crop90-offcentre+resize60+q70",
            encode(&small(&crop(img, 0.015, 0.036, 0.036, 0.015), 0.6), 70),
        ),
        (
            "crop81-corner (12%L 8%T)",
            encode(&crop(img, 0.12, 0.08, 0.0, 0.0), 60),
        ),
        ("crop64-centre", encode(&crop(img, 0.1, 0.1, 0.1, 0.1), 75)),
        ("mirror", encode(&img.fliph(), 80)),
        ("rotate90", encode(&img.rotate90(), 80)),
        ("banner12", encode(&banner(img, 0.12), 75)),
        (
            "mirror+banner12+resize",
            encode(&small(&banner(&img.fliph(), 0.12), 0.6), 75),
        ),
    ]
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("folder of photos"));
    let limits = Limits::default();
    let paths = common::folder(&dir);
    let mut analyses = Vec::new();
    for p in paths {
        if let Ok(mut a) = analyze_bytes(&std::fs::read(&p).unwrap(), &limits, Depth::Hashes) {
            a.path = p;
            analyses.push(a);
        }
    }
    let low: Vec<String> = analyses
        .iter()
        .filter(|a| a.hashes.low_information)
        .map(|a| a.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    println!("low-information: {} {:?}", low.len(), low);
    let refs: Vec<Reference> = analyses
        .iter()
        .enumerate()
        .map(|(i, a)| Reference::from_analysis(i as i64, a))
        .collect();
    let index = Index::from_references(&refs);
    let everything = MatchRule {
        near_duplicate: 256,
        similar: 256,
    };
    // Negatives: each photo against every unrelated one.
    let mut negatives = Vec::new();
    let mut worst: Vec<(u32, String, String)> = Vec::new();
    for a in &analyses {
        let identical: Vec<i64> = refs
            .iter()
            .filter(|r| r.sha256 == a.sha256)
            .map(|r| r.file_id)
            .collect();
        let hits = index.search(&a.hashes, &identical, &everything, usize::MAX, 256);
        for h in hits {
            let r = &refs[h.index];
            if group(&r.path) != group(&a.path) {
                negatives.push(h.distance);
                worst.push((
                    h.distance,
                    a.path.file_name().unwrap().to_string_lossy().into(),
                    r.path.file_name().unwrap().to_string_lossy().into(),
                ));
            }
        }
    }
    negatives.sort();
    worst.sort();
    println!(
        "photos: {}, unrelated pairs (ordered): {}",
        analyses.len(),
        negatives.len()
    );
    println!(
        "unrelated distance: min {} p0.1% {} p1% {} median {}",
        negatives[0],
        negatives[negatives.len() / 1000],
        negatives[negatives.len() / 100],
        negatives[negatives.len() / 2]
    );
    let n = negatives.len() as f64;
    let mean = negatives.iter().map(|&d| f64::from(d)).sum::<f64>() / n;
    let sd = (negatives
        .iter()
        .map(|&d| (f64::from(d) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0))
        .sqrt();
    println!("unrelated distance: mean {mean:.2} sd {sd:.2}");
    for w in worst.iter().take(5) {
        println!("  closest unrelated: {} {} ~ {}", w.0, w.1, w.2);
    }
    // Positives: transformed copies against their original.
    let names: Vec<&str> = transforms(&DynamicImage::new_rgb8(8, 8))
        .iter()
        .map(|t| t.0)
        .collect();
    let mut per: Vec<Vec<u32>> = vec![Vec::new(); names.len()];
    for (i, a) in analyses.iter().enumerate() {
        if a.width * a.height > 4_000_000 {
            continue;
        }
        let img = image::open(&a.path).unwrap();
        for (k, (_, bytes)) in transforms(&img).into_iter().enumerate() {
            let q = analyze_bytes(&bytes, &limits, Depth::Hashes).unwrap();
            let hits = index.search(&q.hashes, &[], &everything, usize::MAX, 256);
            let d = hits
                .iter()
                .find(|h| h.index == i)
                .map(|h| h.distance)
                .unwrap_or(256);
            per[k].push(d);
        }
    }
    for (k, name) in names.iter().enumerate() {
        let mut v = per[k].clone();
        v.sort();
        let rule = MatchRule::default();
        let share = |t: u32| 100.0 * v.iter().filter(|d| **d <= t).count() as f64 / v.len() as f64;
        println!(
            "{name:34} n={} median {} p90 {} max {}  near-duplicate {:.0}%  any match {:.0}%",
            v.len(),
            v[v.len() / 2],
            v[v.len() * 9 / 10],
            v[v.len() - 1],
            share(rule.near_duplicate),
            share(rule.similar)
        );
    }
}
