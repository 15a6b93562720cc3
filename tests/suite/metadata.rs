//! EXIF wherever writers put it, beyond PNG (`field_cases.rs`): TIFF,
//! WebP's `EXIF` chunk (as the specification writes it and with the JPEG
//! APP1 header some writers keep), and a block that cannot be read, which
//! is a warning on that file in JSON, CSV and the table, never silence.

use std::path::{Path, PathBuf};

use exif::{Field, In, Tag, Value};
use image::{DynamicImage, ImageFormat};

use super::util::{json, references, Workspace};

/// An EXIF block (TIFF structure) with a camera, a capture time and an
/// offset; with `strips`, an RGB picture of `size` as its primary image.
fn tiff_block(strips: Option<(&[u8], u32, u32)>) -> Vec<u8> {
    let ascii = |tag, v: &str| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![v.as_bytes().to_vec()]),
    };
    let short = |tag, v: Vec<u16>| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Short(v),
    };
    let mut fields = vec![
        ascii(Tag::Make, "Provcheck"),
        ascii(Tag::Model, "Test Camera"),
        ascii(Tag::DateTimeOriginal, "2024:02:29 23:59:59"),
        ascii(Tag::OffsetTimeOriginal, "+25:00"),
    ];
    if let Some((_, w, h)) = strips {
        fields.extend([
            Field {
                tag: Tag::ImageWidth,
                ifd_num: In::PRIMARY,
                value: Value::Long(vec![w]),
            },
            Field {
                tag: Tag::ImageLength,
                ifd_num: In::PRIMARY,
                value: Value::Long(vec![h]),
            },
            short(Tag::BitsPerSample, vec![8, 8, 8]),
            short(Tag::Compression, vec![1]),
            short(Tag::PhotometricInterpretation, vec![2]),
            short(Tag::SamplesPerPixel, vec![3]),
            short(Tag::PlanarConfiguration, vec![1]),
            Field {
                tag: Tag::RowsPerStrip,
                ifd_num: In::PRIMARY,
                value: Value::Long(vec![h]),
            },
        ]);
    }
    let strip_list: Vec<&[u8]> = strips.iter().map(|s| s.0).collect();
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    if strips.is_some() {
        writer.set_strips(&strip_list, In::PRIMARY);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, false).unwrap();
    out.into_inner()
}

/// A bundled photo at 96 pixels wide.
fn small_photo() -> DynamicImage {
    image::open(references().join("dune.jpg"))
        .unwrap()
        .thumbnail(96, 96)
}

/// A WebP (extended format: VP8X, the picture, then an `EXIF` chunk
/// holding `exif`), as libwebp's `webpmux -set exif` writes it.
fn webp_with_exif(exif: &[u8]) -> Vec<u8> {
    let img = small_photo().to_rgb8();
    let mut simple = Vec::new();
    DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut simple), ImageFormat::WebP)
        .unwrap();
    let image_chunk = &simple[12..]; // after RIFF size WEBP
    let mut body = b"WEBP".to_vec();
    let (w, h) = (img.width() - 1, img.height() - 1);
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&[0x08, 0, 0, 0]); // flags: EXIF present
    body.extend_from_slice(&w.to_le_bytes()[..3]);
    body.extend_from_slice(&h.to_le_bytes()[..3]);
    body.extend_from_slice(image_chunk);
    body.extend_from_slice(b"EXIF");
    body.extend_from_slice(&(exif.len() as u32).to_le_bytes());
    body.extend_from_slice(exif);
    if exif.len() % 2 == 1 {
        body.push(0);
    }
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&(body.len() as u32).to_le_bytes());
    riff.extend_from_slice(&body);
    riff
}

/// A PNG with an `eXIf` chunk holding `exif` before the image data.
fn png_with_exif(exif: &[u8]) -> Vec<u8> {
    let mut png = Vec::new();
    small_photo()
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let ihdr_end = 8 + 12 + 13;
    let mut chunk = (exif.len() as u32).to_be_bytes().to_vec();
    let mut typed = b"eXIf".to_vec();
    typed.extend_from_slice(exif);
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
    let mut out = png[..ihdr_end].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

/// The small photo as a JPEG without metadata.
fn bare_jpeg() -> Vec<u8> {
    let mut jpeg = Vec::new();
    small_photo()
        .write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    jpeg
}

/// A JPEG whose APP1 segment holds `exif` after the `Exif\0\0` header.
fn jpeg_with_exif(exif: &[u8]) -> Vec<u8> {
    let jpeg = bare_jpeg();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// CRC-32 of PNG chunks (ISO 3309, as the PNG specification gives it).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn write(ws: &Workspace, name: &str, bytes: &[u8]) -> PathBuf {
    let p = ws.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `hash` of one file in `format`: stdout, with exit code 0.
fn hash(ws: &Workspace, format: &str, file: &Path) -> String {
    let out = ws
        .cmd()
        .args(["--format", format, "hash"])
        .arg(file)
        .assert()
        .code(0);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

fn exif_of(ws: &Workspace, file: &Path) -> serde_json::Value {
    json(hash(ws, "json", file).as_bytes())[0]["exif"].clone()
}

#[test]
fn exif_is_read_from_tiff_and_both_forms_of_webp_chunk() {
    let ws = Workspace::new();
    let rgb = small_photo().to_rgb8();
    let (w, h) = rgb.dimensions();
    let block = tiff_block(None);
    let mut prefixed = b"Exif\0\0".to_vec();
    prefixed.extend_from_slice(&block);
    let files = [
        write(&ws, "camera.tif", &tiff_block(Some((rgb.as_raw(), w, h)))),
        write(&ws, "spec.webp", &webp_with_exif(&block)),
        write(&ws, "app1-header.webp", &webp_with_exif(&prefixed)),
        write(&ws, "app1-header.png", &png_with_exif(&prefixed)),
        write(&ws, "camera.jpg", &jpeg_with_exif(&block)),
    ];
    for file in &files {
        let exif = exif_of(&ws, file);
        let name = file.display();
        assert_eq!(exif["make"], "Provcheck", "{name}: {exif}");
        assert_eq!(exif["model"], "Test Camera", "{name}: {exif}");
        assert_eq!(
            exif["datetime_original"], "2024-02-29T23:59:59",
            "{name}: {exif}"
        );
        // An offset of 25 hours is no offset: null, and said.
        assert!(exif["offset_time"].is_null(), "{name}: {exif}");
        let warnings = exif["warnings"].to_string();
        assert!(warnings.contains("OffsetTimeOriginal"), "{name}: {exif}");
    }
}

#[test]
fn an_unreadable_exif_block_is_a_warning_in_every_output() {
    let ws = Workspace::new();
    // A TIFF header whose first IFD lies far beyond the block.
    let broken = b"II*\0\xff\xff\xff\x7fgarbage".to_vec();
    let files = [
        write(&ws, "broken.jpg", &jpeg_with_exif(&broken)),
        write(&ws, "broken.png", &png_with_exif(&broken)),
        write(&ws, "broken.webp", &webp_with_exif(&broken)),
    ];
    for file in &files {
        let name = file.display();
        let exif = exif_of(&ws, file);
        let warnings = exif["warnings"].as_array().cloned().unwrap_or_default();
        assert!(
            warnings
                .iter()
                .any(|w| w.as_str().unwrap().contains("EXIF")),
            "{name}: {exif}"
        );
        let table = hash(&ws, "table", file);
        assert!(table.contains("warning: "), "{name}: {table}");
        let csv = hash(&ws, "csv", file);
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let at = header.iter().position(|h| *h == "exif_warnings").unwrap();
        let row = csv.lines().nth(1).unwrap();
        assert!(row.contains("EXIF"), "{name}: column {at} of {csv}");
    }
}

/// A picture whose capture metadata is only in XMP (no EXIF block): not
/// read, and a warning says so.
#[test]
fn exif_properties_only_in_xmp_are_said_not_read() {
    let ws = Workspace::new();
    let xmp = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\
        <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
        <rdf:Description xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" \
        exif:DateTimeOriginal=\"2020-01-01T10:00:00\"/></rdf:RDF></x:xmpmeta>";
    let jpeg = bare_jpeg();
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(xmp.as_bytes());
    bytes.extend_from_slice(&jpeg[2..]);
    let file = write(&ws, "xmp-only.jpg", &bytes);
    let exif = exif_of(&ws, &file);
    assert!(exif["datetime_original"].is_null(), "{exif}");
    assert!(
        exif["warnings"].to_string().contains("only in XMP"),
        "{exif}"
    );
}
