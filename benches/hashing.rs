//! Decode + hash cost of one file (the whole per-file pipeline: SHA-256,
//! EXIF, decode to the working picture, PDQ with its variants and
//! sub-frames, pHash) per format and size. Web size uses a bundled photo;
//! camera size uses ../shared/data when present and is skipped otherwise.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use image::ImageFormat;
use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::decode::Limits;

fn encode(img: &image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.to_rgb8().write_to(&mut out, format).expect("encode");
    out.into_inner()
}

fn hashing(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let jpeg = std::fs::read(root.join("reference_images/elephants.jpg")).expect("bundled photo");
    let img = image::load_from_memory(&jpeg).expect("decodes");
    let label = format!("{}x{}", img.width(), img.height());
    let mut files = vec![
        (format!("jpeg {label}"), jpeg),
        (format!("png {label}"), encode(&img, ImageFormat::Png)),
        (format!("webp {label}"), encode(&img, ImageFormat::WebP)),
    ];
    let camera = root.join("../shared/data/photos/Elephants_5640x3172.jpg");
    match std::fs::read(&camera) {
        Ok(bytes) => files.push(("jpeg 5640x3172".into(), bytes)),
        Err(_) => eprintln!(
            "hashing bench: camera-size file absent ({}), skipped",
            camera.display()
        ),
    }
    let limits = Limits::default();
    let mut group = c.benchmark_group("decode+hash");
    group.sample_size(20);
    for (name, bytes) in &files {
        group.bench_function(name.as_str(), |b| {
            b.iter(|| {
                analyze_bytes(std::hint::black_box(bytes), &limits, Depth::Hashes).expect("hashes")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, hashing);
criterion_main!(benches);
