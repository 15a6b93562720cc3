//! Diagnostic: how well one transform explains the verified pairs of copies
//! and of look-alike pairs. Prints, for every transform of every picture in
//! a folder, the verification of the copy against its original, and for each
//! pair of pictures named on the command line, of each against the other:
//! pairs, inliers, second transform, median residual, spread, layered
//! pairs, the second and layered pairs that are degenerate matches (the
//! reference's repetition), and the fewer keypoints of the two pictures.
//!
//! `cargo run --release --example residuals -- DIR [A B]...`

use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::decode::Limits;
use provcheck::eval::transforms;
use provcheck::verify::{self, Probe};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: residuals DIR [A B]...");
        return;
    };
    let limits = Limits::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let line = |kind: &str, what: &str, v: Option<verify::Verification>| match v {
        Some(v) => println!(
            "{kind}\t{what}\t{}\t{}\t{}\t{:.2}\t{:.2}\t{}\t{}\t{}\t{}",
            v.pairs,
            v.inliers,
            v.second,
            v.residual,
            v.spread,
            v.layered,
            v.second_degenerate,
            v.layered_degenerate,
            v.keypoints
        ),
        None => println!("{kind}\t{what}\t0\t0\t0\tnan\t0\t0\t0\t0\t0"),
    };
    for pair in args[1..].chunks(2) {
        let [a, b] = pair else { continue };
        let fa = analyze_bytes(&std::fs::read(a).unwrap(), &limits, Depth::Reference).unwrap();
        let fb = analyze_bytes(&std::fs::read(b).unwrap(), &limits, Depth::Reference).unwrap();
        let (qa, qb) = (fa.features.unwrap(), fb.features.unwrap());
        line("look-alike", "as-is", best(&Probe::new(&qa), &qb));
        for (name, t) in transforms::all() {
            let img = provcheck::decode::decode(&std::fs::read(a).unwrap(), &limits)
                .unwrap()
                .image;
            let c = analyze_bytes(&t.apply(&img, 1), &limits, Depth::Reference).unwrap();
            let p = Probe::new(c.features.as_ref().unwrap());
            line("look-alike", &format!("{name}/{}", t.name()), best(&p, &qb));
        }
    }
    if args.len() > 1 {
        return;
    }
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let Ok(a) = analyze_bytes(&bytes, &limits, Depth::Reference) else {
            continue;
        };
        let Some(rf) = a.features else { continue };
        let img = provcheck::decode::decode(&bytes, &limits).unwrap().image;
        for (_, t) in transforms::all() {
            let c = analyze_bytes(&t.apply(&img, 1), &limits, Depth::Reference).unwrap();
            let p = Probe::new(c.features.as_ref().unwrap());
            line("copy", &t.name(), best(&p, &rf));
        }
    }
}

fn best(p: &Probe, r: &provcheck::features::Features) -> Option<verify::Verification> {
    p.verification(r).map(|v| v.0)
}
