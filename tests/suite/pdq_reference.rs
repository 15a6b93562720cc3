//! PDQ against Meta's reference as the ecosystem runs it (`pdqhash` 0.2.8
//! over Pillow's decode, EXIF orientation applied), on bundled photos at
//! many sizes and aspect ratios: `tests/fixtures/pdq/reference.csv`, made by
//! `scripts/pdq_reference.py`.

use provcheck::analyze::{analyze_file, Depth};
use provcheck::decode::{decode, Limits};
use provcheck::hash::pdq::{pdq, Pdq};

use std::path::Path;

use super::util::{repo, shared_data};

/// Bits a hash may differ from the reference's: JPEG decoders (Pillow's
/// libjpeg-turbo, provcheck's) round a few pixels differently.
const TOLERANCE: u32 = 2;

/// Bits the working picture's hash may differ from the reference's: JPEGs
/// are decoded straight to their luma channel (Y) where the reference
/// weighs the decoded RGB, and pictures over 3,072 pixels are binned
/// (README, "Hashes and how thresholds were chosen", states the measured
/// drift at each size).
const WORKING_TOLERANCE: u32 = 4;

struct Row {
    file: String,
    width: u32,
    height: u32,
    hash: Pdq,
    quality: u8,
}

/// The bundled table: files relative to the repository.
fn table() -> Vec<Row> {
    read_table("reference.csv", &repo())
}

/// A table in `tests/fixtures/pdq`, its files relative to `root`.
fn read_table(name: &str, root: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/pdq").join(name))
        .expect("reference table");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Row {
                file: root.join(f[0]).display().to_string(),
                width: f[1].parse().unwrap(),
                height: f[2].parse().unwrap(),
                hash: Pdq::from_hex(f[3]).expect("hex"),
                quality: f[4].parse().unwrap(),
            }
        })
        .collect()
}

/// The table covers what it claims: tiny, very wide, very tall, grey,
/// EXIF-turned and full-size pictures.
#[test]
fn the_reference_table_spans_sizes_and_shapes() {
    let rows = table();
    assert!(rows.len() >= 40, "{} rows", rows.len());
    assert!(rows.iter().any(|r| r.width.max(r.height) < 64));
    assert!(rows.iter().any(|r| r.width >= 4 * r.height));
    assert!(rows.iter().any(|r| r.height >= 3 * r.width));
    assert!(rows.iter().any(|r| r.file.contains("_grey")));
    assert!(rows.iter().any(|r| r.file.contains("orientation_6")));
    assert!(rows.iter().any(|r| r.width >= 1600));
}

/// Distances of provcheck's PDQ (by `hash_of`) from the reference, one a
/// row; fails listing every row over the tolerance.
fn check_against_reference(
    what: &str,
    rows: Vec<Row>,
    tolerance: u32,
    hash_of: impl Fn(&Row) -> (Pdq, u8),
) {
    let mut over = Vec::new();
    let mut worst = 0;
    for row in rows {
        let (hash, quality) = hash_of(&row);
        let d = hash.distance(&row.hash);
        worst = worst.max(d);
        if d > tolerance || quality.abs_diff(row.quality) > 2 {
            over.push(format!(
                "{} ({}x{}): {d} bits, quality {quality} against {}",
                row.file, row.width, row.height, row.quality
            ));
        }
    }
    eprintln!("{what}: at most {worst} bits from the reference");
    assert!(over.is_empty(), "{what}:\n{}", over.join("\n"));
}

/// The PDQ of the full decode equals the reference's on every picture.
#[test]
fn pdq_of_the_full_decode_agrees_with_the_reference() {
    check_against_reference("full decode", table(), TOLERANCE, full_decode);
}

fn full_decode(row: &Row) -> (Pdq, u8) {
    {
        let bytes = std::fs::read(&row.file).unwrap();
        let decoded = decode(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            (decoded.width, decoded.height),
            (row.width, row.height),
            "{}: size as displayed",
            row.file
        );
        let got = pdq(&decoded.image);
        (got.hash, got.quality)
    }
}

/// The hash `provcheck hash` reports, taken from the working picture (JPEG
/// luma decoded directly, large pictures binned), agrees as well.
#[test]
fn pdq_of_the_working_picture_agrees_with_the_reference() {
    check_against_reference("working picture", table(), WORKING_TOLERANCE, working);
}

fn working(row: &Row) -> (Pdq, u8) {
    let a = analyze_file(Path::new(&row.file), &Limits::default(), Depth::Hashes).unwrap();
    (a.hashes.pdq, a.hashes.pdq_quality)
}

/// Extended: the opaque pictures of the PDQ reference set (bridge-mods,
/// dih, exif-rotn, picture modes), against `pdqhash` over the same files.
#[test]
fn pdq_agrees_with_the_reference_on_the_shared_set() {
    let Some(data) = shared_data("pdq_agrees_with_the_reference_on_the_shared_set") else {
        return;
    };
    let root = data.join("pdq-reference");
    let rows = || read_table("shared-reference.csv", &root);
    check_against_reference("shared set, full decode", rows(), TOLERANCE, full_decode);
    check_against_reference(
        "shared set, working picture",
        rows(),
        WORKING_TOLERANCE,
        working,
    );
}

/// ThreatExchange's published hashes of its small and square test images
/// (`tests/fixtures/pdq/published`, BSD; the whole list in the extended
/// test `pdq_matches_the_reference_hashes`): provcheck is within
/// [`TOLERANCE`] bits of each, as `pdqhash` is, in the default suite.
#[test]
fn pdq_matches_the_published_vectors() {
    let dir = repo().join("tests/fixtures/pdq/published");
    let csv = std::fs::read_to_string(dir.join("expected-pdq.csv")).unwrap();
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let expected = Pdq::from_hex(f[0]).unwrap();
        let bytes = std::fs::read(dir.join(f[2])).unwrap();
        let img = decode(&bytes, &Limits::default()).unwrap();
        let got = pdq(&img.image);
        let d = got.hash.distance(&expected);
        assert!(d <= TOLERANCE, "{}: {d} bits from the published hash", f[2]);
        assert_eq!(got.quality.to_string(), f[1], "quality of {}", f[2]);
        rows += 1;
    }
    assert_eq!(rows, 3);
}
