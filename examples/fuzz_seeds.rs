//! Writes the committed fuzz seed corpora, `fuzz/seeds/<target>/`, from the
//! repository's own files: small re-encodings of bundled photos in every
//! decoded format (`decode_hash`), their EXIF blocks (`exif`), the example
//! statement as TOML and JSON, the bundled context file as CSV and JSON
//! Lines, hash lists exported from a corpus of those small photos
//! (`hash_list`) and that corpus's SQLite file (`corpus_open`). Paths in
//! the seeds are relative names, never this machine's.
//!
//! Usage: `cargo run --example fuzz_seeds` (replaces the seed folders).

use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageEncoder, ImageFormat};
use provcheck::context::{parse_context, ContextFormat};
use provcheck::corpus::{add_paths, BuildOptions, Corpus};
use provcheck::report::{render, ExportReport, Format};
use provcheck::statement::{Statement, StatementFormat};

/// Long side of the re-encoded photos, in pixels.
const SIDE: u32 = 64;

/// Long side of the corpus's photos: large enough for local features.
const CORPUS_SIDE: u32 = 192;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed folder of `target`, emptied.
fn seeds(target: &str) -> PathBuf {
    let dir = repo().join("fuzz/seeds").join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("seed folder");
    dir
}

fn small(path: &Path, side: u32) -> DynamicImage {
    image::open(path)
        .expect("bundled photo decodes")
        .resize(side, side, FilterType::Triangle)
}

/// The EXIF APP1 segment of a JPEG (marker, length and payload).
fn app1(jpeg: &[u8]) -> Option<&[u8]> {
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let segment = jpeg.get(i..i + 2 + len)?;
        if jpeg[i + 1] == 0xE1 && segment.get(4..10) == Some(b"Exif\0\0") {
            return Some(segment);
        }
        i += 2 + len;
    }
    None
}

/// A JPEG of `image` carrying `exif` (an APP1 segment) after its SOI.
fn jpeg_with(image: &DynamicImage, exif: Option<&[u8]>) -> Vec<u8> {
    let mut plain = Vec::new();
    JpegEncoder::new_with_quality(&mut plain, 80)
        .encode_image(&image.to_rgb8())
        .expect("JPEG encodes");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(exif.unwrap_or_default());
    out.extend_from_slice(&plain[2..]);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("seed written");
}

fn pictures(photo: &DynamicImage, oriented: &DynamicImage, exif: &[u8]) {
    let dir = seeds("decode_hash");
    let (w, h) = (photo.width(), photo.height());
    write(&dir, "photo.jpg", &jpeg_with(photo, None));
    write(&dir, "oriented-exif.jpg", &jpeg_with(oriented, Some(exif)));
    let mut png = Vec::new();
    let mut encoder = PngEncoder::new(&mut png);
    encoder
        .set_exif_metadata(exif[10..].to_vec())
        .expect("PNG eXIf");
    encoder
        .write_image(&photo.to_rgb8(), w, h, image::ExtendedColorType::Rgb8)
        .expect("PNG encodes");
    write(&dir, "photo-exif.png", &png);
    let grey16 = DynamicImage::ImageLuma16(photo.to_luma16());
    let mut png16 = Vec::new();
    grey16
        .write_with_encoder(PngEncoder::new(&mut png16))
        .expect("PNG encodes");
    write(&dir, "photo-grey16.png", &png16);
    let rgb = DynamicImage::ImageRgb8(photo.to_rgb8());
    for (name, format) in [
        ("photo.webp", ImageFormat::WebP),
        ("photo.gif", ImageFormat::Gif),
        ("photo.bmp", ImageFormat::Bmp),
        ("photo.tiff", ImageFormat::Tiff),
    ] {
        let mut out = std::io::Cursor::new(Vec::new());
        rgb.write_to(&mut out, format).expect("picture encodes");
        write(&dir, name, &out.into_inner());
    }
}

/// SOI, the EXIF segment, EOI: the EXIF block with no picture around it.
fn exif_blocks(sources: &[PathBuf]) {
    let dir = seeds("exif");
    for src in sources {
        let jpeg = std::fs::read(src).expect("bundled photo");
        let Some(segment) = app1(&jpeg) else { continue };
        let mut out = vec![0xFF, 0xD8];
        out.extend_from_slice(segment);
        out.extend_from_slice(&[0xFF, 0xD9]);
        let stem = src.file_stem().unwrap().to_string_lossy();
        write(&dir, &format!("{stem}.jpg"), &out);
        // The same block as a bare TIFF file.
        write(&dir, &format!("{stem}.tiff"), &segment[10..]);
    }
}

fn statements() {
    let path = repo().join("reference_images/examples/statement.toml");
    let text = std::fs::read_to_string(&path).expect("example statement");
    let toml_dir = seeds("statement_toml");
    write(&toml_dir, "statement.toml", text.as_bytes());
    let minimal = "title = \"t\"\npublished = \"2026-01\"\n[[images]]\npath = \"a.jpg\"\n";
    write(&toml_dir, "minimal.toml", minimal.as_bytes());
    let parsed = Statement::parse(&text, StatementFormat::Toml, &path).expect("valid");
    let json_dir = seeds("statement_json");
    let json = serde_json::to_string_pretty(&parsed).expect("JSON");
    write(&json_dir, "statement.json", json.as_bytes());
    let minimal = Statement::parse(minimal, StatementFormat::Toml, &path).expect("valid");
    let json = serde_json::to_string(&minimal).expect("JSON");
    write(&json_dir, "minimal.json", json.as_bytes());
}

fn contexts() {
    let path = repo().join("reference_images/context.csv");
    let text = std::fs::read_to_string(&path).expect("bundled context file");
    let csv_dir = seeds("context_csv");
    write(&csv_dir, "context.csv", text.as_bytes());
    let head: Vec<&str> = text.lines().take(3).collect();
    write(
        &csv_dir,
        "three-lines.csv",
        (head.join("\n") + "\n").as_bytes(),
    );
    let records = parse_context(&text, ContextFormat::Csv, &path).expect("valid");
    let mut jsonl = Vec::new();
    render(
        &mut jsonl,
        Format::Jsonl,
        &ExportReport { records: &records },
    )
    .expect("JSONL");
    write(&seeds("context_jsonl"), "context.jsonl", &jsonl);
}

/// A corpus of the small photos, its hash lists and its SQLite file.
fn corpus(photos: &[(String, DynamicImage)]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, image) in photos {
        let file = tmp.path().join(format!("{name}.jpg"));
        std::fs::write(&file, jpeg_with(image, None)).expect("photo written");
        files.push(file);
    }
    let db = tmp.path().join("corpus.db");
    let mut corpus = Corpus::open(&db).expect("corpus");
    add_paths(&mut corpus, &files, &BuildOptions::default(), &|_| {}).expect("build");
    let base = tmp.path().canonicalize().expect("canonical temp dir");
    let mut records = corpus.export().expect("export");
    for r in &mut records {
        r.path = r.path.as_deref().map(|p| {
            let p = Path::new(p);
            p.strip_prefix(&base)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        });
        r.context.source_url = Some(format!(
            "https://example.org/{}",
            r.sha256.clone().unwrap_or_default()
        ));
        r.context.published = Some("2016-05-12".into());
    }
    let list_dir = seeds("hash_list");
    for (name, format) in [("export.csv", Format::Csv), ("export.jsonl", Format::Jsonl)] {
        let mut out = Vec::new();
        render(&mut out, format, &ExportReport { records: &records }).expect("export");
        write(&list_dir, name, &out);
    }
    let bare: String = records
        .iter()
        .filter_map(|r| r.pdq.as_deref())
        .fold("pdq\n".to_string(), |s, h| s + h + "\n");
    write(&list_dir, "pdq-only.csv", bare.as_bytes());
    corpus.import_contexts(&records, &base).expect("import");
    drop(corpus);
    let conn = rusqlite::Connection::open(&db).expect("reopen");
    let paths: Vec<(i64, String)> = conn
        .prepare("SELECT id, path FROM files")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .expect("paths");
    for (id, path) in paths {
        let name = Path::new(&path).file_name().unwrap().to_string_lossy();
        conn.execute(
            "UPDATE files SET path = ?2 WHERE id = ?1",
            rusqlite::params![id, name],
        )
        .expect("path rewritten");
    }
    // One file, no WAL, small pages: a small seed whose every page matters.
    conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;")
        .expect("vacuum");
    drop(conn);
    let dir = seeds("corpus_open");
    std::fs::copy(&db, dir.join("corpus.db")).expect("corpus copied");
    let empty = tmp.path().join("empty.db");
    drop(Corpus::open(&empty).expect("empty corpus"));
    let conn = rusqlite::Connection::open(&empty).expect("reopen");
    conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;")
        .expect("vacuum");
    drop(conn);
    std::fs::copy(&empty, dir.join("empty.db")).expect("corpus copied");
}

fn main() {
    let refs = repo().join("reference_images");
    let fixtures = repo().join("tests/fixtures");
    let photo = small(&refs.join("chelsea.jpg"), SIDE);
    let oriented_src = fixtures.join("orientation_6.jpg");
    let oriented_jpeg = std::fs::read(&oriented_src).expect("fixture");
    let exif = app1(&oriented_jpeg)
        .expect("orientation fixture has EXIF")
        .to_vec();
    // The stored (unrotated) pixels, so the EXIF orientation still applies.
    let oriented = image::load_from_memory(&oriented_jpeg)
        .expect("fixture decodes")
        .resize(SIDE, SIDE, FilterType::Triangle);
    pictures(&photo, &oriented, &exif);
    exif_blocks(&[
        refs.join("gps_dscn0010.jpg"),
        oriented_src,
        fixtures.join("hdr_iphone_on.jpg"),
        fixtures.join("hdr_canon_on.jpg"),
    ]);
    statements();
    contexts();
    let photos: Vec<(String, DynamicImage)> = ["chelsea", "coffee", "rocket"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                small(&refs.join(format!("{n}.jpg")), CORPUS_SIDE),
            )
        })
        .collect();
    corpus(&photos);
}
