//! Cost of verifying one candidate with local features (`Probe::judge`: the
//! query as shown and mirrored, descriptor pairing, RANSAC, the second
//! transform and the layer count), for a copy of a bundled photo against its
//! original and against an unrelated bundled photo. A query verifies up to
//! 24 candidates (12 by hash, 12 nominated by windows).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::decode::Limits;
use provcheck::features::Features;
use provcheck::verify::Probe;

fn features(bytes: &[u8]) -> Features {
    analyze_bytes(bytes, &Limits::default(), Depth::Reference)
        .expect("analyses")
        .features
        .expect("features")
}

fn verification(c: &mut Criterion) {
    let refs = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference_images");
    let read = |name: &str| std::fs::read(refs.join(name)).expect("bundled photo");
    let original = read("dune.jpg");
    let img = image::load_from_memory(&original).expect("decodes");
    let (w, h) = (img.width(), img.height());
    let crop = img.crop_imm(w / 10, h / 10, w * 8 / 10, h * 8 / 10);
    let mut copy = std::io::Cursor::new(Vec::new());
    crop.to_rgb8()
        .write_to(&mut copy, image::ImageFormat::Jpeg)
        .expect("encodes");
    let query = features(copy.get_ref());
    let own = features(&original);
    let unrelated = features(&read("storm.jpg"));
    let probe = Probe::new(&query);
    assert!(probe.judge(&own).is_copy(), "the copy verifies");
    let mut group = c.benchmark_group("verify");
    group.bench_function("probe (query mirrored once)", |b| {
        b.iter(|| Probe::new(std::hint::black_box(&query)))
    });
    group.bench_function("copy against its original", |b| {
        b.iter(|| probe.judge(std::hint::black_box(&own)))
    });
    group.bench_function("copy against an unrelated photo", |b| {
        b.iter(|| probe.judge(std::hint::black_box(&unrelated)))
    });
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
