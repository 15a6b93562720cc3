//! Property tests (proptest): round trips and invariants over generated
//! input. Hex and byte forms of PDQ and pHash, the eight dihedral variants
//! of PDQ against the eight transforms of a bundled photo, a corpus's
//! export imported into a real SQLite file, and partial dates. Case counts
//! are kept small so the default suite stays fast; a failing case is
//! shrunk and printed by proptest.

use image::imageops::FilterType;
use image::DynamicImage;
use proptest::prelude::*;
use provcheck::context::{parse_context, Context, ContextFormat, ContextRecord};
use provcheck::corpus::Corpus;
use provcheck::date::PartialDate;
use provcheck::decode::working::grey_of;
use provcheck::hash::pdq::pdq_dihedral;
use provcheck::hash::{phash_from_hex, phash_hex, Dihedral, Pdq};
use provcheck::report::{render, ExportReport, Format};

use super::util::references;

/// `cases` per property, or `PROPTEST_CASES` when set (for a longer run).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Whether `s` is `len` hex digits, either case.
fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn near_miss() -> impl Strategy<Value = char> {
    prop::sample::select(vec!['+', '-', ' ', 'g', '_', '\u{e9}', '0', 'A'])
}

fn replace_at(s: &str, at: usize, with: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == at { with } else { c })
        .collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn pdq_hex_and_bytes_round_trip(words in any::<[u64; 4]>()) {
        let h = Pdq(words);
        let hex = h.to_hex();
        prop_assert!(is_hex(&hex, 64) && hex == hex.to_lowercase());
        prop_assert_eq!(Pdq::from_hex(&hex), Some(h));
        prop_assert_eq!(Pdq::from_hex(&hex.to_uppercase()), Some(h));
        prop_assert_eq!(Pdq::from_bytes(&h.to_bytes()), Some(h));
    }

    /// Only 64 hex digits parse, and what parses formats back to itself:
    /// a valid hash with one character replaced by a near miss (a sign,
    /// which integer parsing takes at the start of a number, a space, a
    /// letter past `f`, a non-ASCII letter) or by another digit.
    #[test]
    fn pdq_from_hex_takes_exactly_64_hex_digits(
        words in any::<[u64; 4]>(),
        at in prop_oneof![(0usize..16).prop_map(|k| 4 * k), 0usize..64],
        with in near_miss(),
    ) {
        let s = replace_at(&Pdq(words).to_hex(), at, with);
        prop_assert_eq!(Pdq::from_hex(&s).is_some(), is_hex(&s, 64), "{:?}", s);
        if let Some(h) = Pdq::from_hex(&s) {
            prop_assert_eq!(h.to_hex(), s.to_lowercase());
        }
    }

    #[test]
    fn phash_hex_round_trips(
        h in any::<u64>(),
        at in prop_oneof![Just(0usize), 0usize..16],
        with in near_miss(),
    ) {
        prop_assert_eq!(phash_from_hex(&phash_hex(h)), Some(h));
        let s = replace_at(&phash_hex(h), at, with);
        prop_assert_eq!(phash_from_hex(&s).is_some(), is_hex(&s, 16), "{:?}", s);
        if let Some(v) = phash_from_hex(&s) {
            prop_assert_eq!(phash_hex(v), s.to_lowercase());
        }
    }

    /// Valid dates format back to the text they were parsed from.
    #[test]
    fn partial_dates_round_trip(
        year in 1800i32..=9999,
        month in proptest::option::of(1u32..=12),
        day in 1u32..=31,
        time in proptest::option::of("[T ][0-9:]{0,8}"),
    ) {
        let day = month.and_then(|m| chrono::NaiveDate::from_ymd_opt(year, m, day).map(|_| day));
        let text = match (month, day) {
            (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{year:04}-{m:02}"),
            _ => format!("{year:04}"),
        };
        let parsed = PartialDate::parse(&format!("{text}{}", time.unwrap_or_default()))
            .expect("valid date parses");
        prop_assert_eq!(parsed, PartialDate { year, month, day });
        prop_assert_eq!(parsed.to_string(), text);
        prop_assert!(parsed.earliest() <= parsed.latest());
    }

    /// Whatever text parses as a date is a real interval whose own text
    /// parses to the same date.
    #[test]
    fn any_parsed_date_reparses_to_itself(s in "[0-9]{1,5}(-[0-9]{1,3}){0,3}[T ]?.{0,4}") {
        if let Ok(d) = PartialDate::parse(&s) {
            prop_assert_eq!(PartialDate::parse(&d.to_string()).ok(), Some(d));
            prop_assert!(d.earliest() <= d.latest());
            prop_assert!(!d.is_before(&d));
        }
    }
}

/// `image` applies to the picture what each dihedral variant is meant to
/// stand for.
fn transform(img: &DynamicImage, d: Dihedral) -> DynamicImage {
    match d {
        Dihedral::Original => img.clone(),
        Dihedral::MirrorHorizontal => img.fliph(),
        Dihedral::MirrorVertical => img.flipv(),
        Dihedral::Rotate180 => img.rotate180(),
        Dihedral::Transpose => img.rotate90().fliph(),
        Dihedral::Rotate90 => img.rotate90(),
        Dihedral::Rotate270 => img.rotate270(),
        Dihedral::Transverse => img.rotate90().flipv(),
    }
}

const PHOTOS: [&str; 4] = ["chelsea.jpg", "coffee.jpg", "rocket.jpg", "ladybird.jpg"];

proptest! {
    #![proptest_config(config(12))]

    /// The eight transforms of a picture give the eight variants of its
    /// hash, for a long side of 48 to 127 pixels, to within 2 bits: a DCT
    /// value that ties with the median up to float rounding may fall either
    /// side of it, and which ones do depends on the order of the sums, which
    /// the optimiser may change (one bit of coffee.jpg at 96 px differs when
    /// provcheck is compiled at opt-level 2). A wrong variant is ~128 bits
    /// off. From 128 on
    /// the reference's filter and sampling are not mirror-symmetric (a side
    /// that is a multiple of 128 samples one pixel off centre, an even
    /// box-filter window leans to one side), and the two differ by up to 54
    /// bits on these photos; widen `side` when that changes. Far below 48
    /// (a 16×11 picture) a few DCT values tie with the median up to
    /// rounding, and 2 or 3 bits differ.
    #[test]
    fn pdq_variants_are_the_hashes_of_the_transformed_picture(
        photo in 0..PHOTOS.len(),
        side in 48u32..128,
    ) {
        let img = image::open(references().join(PHOTOS[photo]))
            .expect("bundled photo")
            .resize(side, side, FilterType::Triangle);
        let (variants, _) = pdq_dihedral(&grey_of(&img));
        for (k, d) in Dihedral::ALL.into_iter().enumerate() {
            let (of_transformed, _) = pdq_dihedral(&grey_of(&transform(&img, d)));
            let bits = variants[k].distance(&of_transformed[0]);
            prop_assert!(
                bits <= 2,
                "{} of {} at {} px: {} bits", d.name(), PHOTOS[photo], side, bits
            );
        }
    }
}

fn record_strategy() -> impl Strategy<Value = ContextRecord> {
    (
        any::<[u64; 4]>(),
        0u8..=100,
        proptest::option::of(any::<[u8; 32]>()),
        proptest::option::of(1u64..1_000_000),
        proptest::option::of((1800i32..=2100, 1u32..=12)),
        proptest::option::of("[A-Za-z][A-Za-z ,.\"']{0,30}[a-z]"),
        // Whole ten-thousandths of a degree: exact through CSV, JSON and SQLite.
        proptest::option::of((-900_000i32..=900_000, -1_800_000i32..=1_800_000)),
    )
        .prop_map(
            |(pdq, quality, sha, url, date, caption, coords)| ContextRecord {
                path: None,
                sha256: sha.map(|b| b.iter().map(|x| format!("{x:02x}")).collect()),
                pdq: Some(Pdq(pdq).to_hex()),
                pdq_quality: Some(quality),
                phash64: None,
                context: Context {
                    source_url: url.map(|n| format!("https://example.org/{n}")),
                    published: date.map(|(y, m)| format!("{y:04}-{m:02}")),
                    caption,
                    latitude: coords.map(|c| f64::from(c.0) / 1e4),
                    longitude: coords.map(|c| f64::from(c.1) / 1e4),
                    ..Context::default()
                },
            },
        )
}

/// Records through a file of `format`, the way `export` writes them and
/// `import` reads them.
fn through_file(records: &[ContextRecord], format: Format) -> Vec<ContextRecord> {
    let mut text = Vec::new();
    render(&mut text, format, &ExportReport { records }).expect("export renders");
    let parse_as = match format {
        Format::Csv => ContextFormat::Csv,
        _ => ContextFormat::JsonLines,
    };
    let text = String::from_utf8(text).expect("UTF-8 export");
    parse_context(&text, parse_as, "export".as_ref()).expect("export reads back")
}

proptest! {
    #![proptest_config(config(16))]

    /// A corpus's export (CSV or JSON Lines), imported into an empty corpus
    /// file, exports the same records; every imported PDQ is in it.
    #[test]
    fn corpus_export_imports_into_the_same_corpus(
        records in proptest::collection::vec(record_strategy(), 1..8),
        csv in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let format = if csv { Format::Csv } else { Format::Jsonl };
        let mut first = Corpus::open(&dir.path().join("a.db")).expect("corpus");
        first.import_contexts(&records, dir.path()).expect("import");
        let exported = first.export().expect("export");
        for r in &records {
            prop_assert!(exported.iter().any(|e| e.pdq == r.pdq), "{:?} lost", r.pdq);
        }
        let mut second = Corpus::open(&dir.path().join("b.db")).expect("corpus");
        second
            .import_contexts(&through_file(&exported, format), dir.path())
            .expect("import of the export");
        prop_assert_eq!(second.export().expect("export"), exported);
    }
}
