//! Files as a viewer shows them: transparency flattened before hashing, EXIF
//! read wherever PNG writers put it. Default tests use pictures made from
//! the bundled photos (and `tests/fixtures/png_exif`, made by
//! `scripts/png_exif_fixtures.py`); extended tests use
//! `../shared/data/field-cases`.

use std::path::{Path, PathBuf};

use image::{DynamicImage, Rgba, RgbaImage};

use super::util::{fixture, json, references, shared_data, Workspace};

fn hex_distance(a: &serde_json::Value, b: &serde_json::Value) -> u32 {
    let a = provcheck::hash::pdq::Pdq::from_hex(a.as_str().unwrap()).unwrap();
    let b = provcheck::hash::pdq::Pdq::from_hex(b.as_str().unwrap()).unwrap();
    a.distance(&b)
}

/// `hash --format json` of `files`, in order.
fn hashed(ws: &Workspace, files: &[PathBuf]) -> Vec<serde_json::Value> {
    let out = ws
        .cmd()
        .args(["--format", "json", "hash"])
        .args(files)
        .output()
        .unwrap();
    json(&out.stdout).as_array().unwrap().clone()
}

/// A bundled photo cut out along an ellipse: outside it fully transparent,
/// with `hidden` stored under the transparent pixels.
fn cut_out(hidden: impl Fn(u32, u32) -> [u8; 3]) -> RgbaImage {
    let photo = image::open(references().join("ladybird.jpg"))
        .unwrap()
        .thumbnail(320, 320)
        .to_rgba8();
    let (w, h) = photo.dimensions();
    RgbaImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (
            (x as f64 - w as f64 / 2.0) / (w as f64 * 0.4),
            (y as f64 - h as f64 / 2.0) / (h as f64 * 0.4),
        );
        if dx * dx + dy * dy <= 1.0 {
            *photo.get_pixel(x, y)
        } else {
            let [r, g, b] = hidden(x, y);
            Rgba([r, g, b, 0])
        }
    })
}

#[test]
fn transparent_pixels_hash_as_shown_over_white() {
    let ws = Workspace::new();
    let black = cut_out(|_, _| [0, 0, 0]);
    let noise = cut_out(|x, y| {
        [
            (x * 37 % 256) as u8,
            (y * 91 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ]
    });
    let mut white = DynamicImage::ImageRgba8(black.clone()).to_rgb8();
    for (x, y, p) in white.enumerate_pixels_mut() {
        if black.get_pixel(x, y).0[3] == 0 {
            p.0 = [255, 255, 255];
        }
    }
    let files = [
        ws.path().join("black.png"),
        ws.path().join("noise.png"),
        ws.path().join("white.png"),
    ];
    black.save(&files[0]).unwrap();
    noise.save(&files[1]).unwrap();
    white.save(&files[2]).unwrap();
    let items = hashed(&ws, &files);
    let pdq = |i: usize| &items[i]["hashes"]["pdq"];
    assert_eq!(
        hex_distance(pdq(0), pdq(1)),
        0,
        "two files that look alike hash alike"
    );
    assert_eq!(
        hex_distance(pdq(0), pdq(2)),
        0,
        "a cut-out hashes as it is shown over white"
    );
}

/// EXIF in a PNG's `eXIf` chunk (before or after the image data) and in
/// raw-profile text chunks (zTXt, iTXt, tEXt) is read, with the values
/// ExifTool reads; a truncated profile is read as far as it goes, with a
/// warning, never silence.
#[test]
fn png_exif_is_read_wherever_writers_put_it() {
    let ws = Workspace::new();
    let names = [
        "exif_before_idat",
        "exif_after_idat",
        "ztxt_raw_profile",
        "itxt_raw_profile",
        "text_raw_profile",
        "bad_raw_profile",
    ];
    let files: Vec<PathBuf> = names
        .iter()
        .map(|n| fixture(&format!("png_exif/{n}.png")))
        .collect();
    let items = hashed(&ws, &files);
    for (name, item) in names.iter().zip(&items) {
        let exif = &item["exif"];
        if *name == "bad_raw_profile" {
            // Half the profile: read as far as it goes, as ExifTool does.
            let warnings = exif["warnings"].to_string();
            assert!(warnings.contains("truncated"), "{name}: {item}");
        }
        assert_eq!(exif["make"], "NIKON", "{name}: {item}");
        assert_eq!(
            exif["datetime_original"], "2008-10-22T16:43:21",
            "{name}: {item}"
        );
        assert!(exif["gps_latitude"].as_f64().is_some(), "{name}: {item}");
    }
}

fn field_cases(test: &str) -> Option<PathBuf> {
    shared_data(test).map(|d| d.join("field-cases"))
}

fn pdq_of(ws: &Workspace, files: &[&Path]) -> Vec<serde_json::Value> {
    let files: Vec<PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
    hashed(ws, &files)
        .into_iter()
        .map(|i| i["hashes"]["pdq"].clone())
        .collect()
}

/// ../shared/data/field-cases/transparency: every transparent drawing
/// (palette PNG, grey+alpha PNG, GIF, lossless WebP) is a near-duplicate of
/// the drawing on white, and the two cut-outs hash alike.
#[test]
fn field_case_transparency() {
    let Some(root) = field_cases("field_case_transparency") else {
        return;
    };
    let ws = Workspace::new();
    let t = root.join("transparency");
    let drawings = [
        "drawing_palette_transparent.png",
        "drawing_greyalpha.png",
        "drawing_transparent.gif",
        "drawing_alpha_lossless.webp",
    ];
    for d in drawings {
        let h = pdq_of(
            &ws,
            &[&t.join("ref/drawing_on_white.png"), &t.join("q").join(d)],
        );
        let dist = hex_distance(&h[0], &h[1]);
        assert!(dist <= 8, "{d}: {dist} bits from the drawing on white");
    }
    let h = pdq_of(
        &ws,
        &[
            &t.join("q/cutout_transparent_black.png"),
            &t.join("q/cutout_transparent_white.png"),
            &t.join("ref/cutout_on_white.jpg"),
        ],
    );
    assert_eq!(hex_distance(&h[0], &h[1]), 0, "the two cut-outs");
    let dist = hex_distance(&h[0], &h[2]);
    assert!(dist <= 16, "cut-out {dist} bits from its copy on white");
}

/// ../shared/data/field-cases/png-exif: EXIF before and after IDAT and in a
/// zTXt raw profile is read; the file without EXIF has none.
#[test]
fn field_case_png_exif() {
    let Some(root) = field_cases("field_case_png_exif") else {
        return;
    };
    let ws = Workspace::new();
    let q = root.join("png-exif/q");
    let names = [
        "eXIf_before_IDAT.png",
        "eXIf_after_IDAT.png",
        "ztxt_raw_profile_exif.png",
        "no_exif.png",
    ];
    let files: Vec<PathBuf> = names.iter().map(|n| q.join(n)).collect();
    let items = hashed(&ws, &files);
    for (name, item) in names.iter().zip(&items) {
        let make = &item["exif"]["make"];
        if *name == "no_exif.png" {
            assert!(item["exif"].is_null() || make.is_null(), "{item}");
        } else {
            assert!(make.is_string(), "{name}: no EXIF read: {item}");
            assert!(
                item["exif"]["datetime_original"].is_string(),
                "{name}: {item}"
            );
        }
    }
}

/// ExifTool (`exiftool`, Debian's libimage-exiftool-perl), where installed,
/// is the reference for metadata: make, model, capture time and GPS read by
/// provcheck equal what it reads from EXIF (not XMP), on the bundled photos
/// and every PNG placement.
#[test]
fn exif_agrees_with_exiftool() {
    let probe = std::process::Command::new("exiftool").arg("-ver").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipping exif_agrees_with_exiftool: exiftool is not installed");
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(references())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.extend(
        std::fs::read_dir(fixture("png_exif"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    files.sort();
    let out = std::process::Command::new("exiftool")
        .args([
            "-j",
            "-n",
            "-EXIF:Make",
            "-EXIF:Model",
            "-EXIF:DateTimeOriginal",
        ])
        .args(["-GPS:GPSLatitude", "-GPS:GPSLongitude"])
        .args(&files)
        .output()
        .unwrap();
    let reference = json(&out.stdout);
    let ws = Workspace::new();
    let ours = hashed(&ws, &files);
    for (theirs, item) in reference.as_array().unwrap().iter().zip(&ours) {
        let exif = &item["exif"];
        let name = theirs["SourceFile"].as_str().unwrap();
        let text = |v: &serde_json::Value| v.as_str().map(|s| s.trim().to_string());
        assert_eq!(text(&exif["make"]), text(&theirs["Make"]), "{name}");
        assert_eq!(text(&exif["model"]), text(&theirs["Model"]), "{name}");
        let date = text(&theirs["DateTimeOriginal"]).map(|d| {
            let (day, time) = d.split_at(10);
            format!("{}T{}", day.replace(':', "-"), time.trim())
        });
        assert_eq!(text(&exif["datetime_original"]), date, "{name}");
        for (key, tag) in [
            ("gps_latitude", "GPSLatitude"),
            ("gps_longitude", "GPSLongitude"),
        ] {
            match (exif[key].as_f64(), theirs[tag].as_f64()) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{name}: {a} vs {b}"),
                (a, b) => assert_eq!(a, b, "{name}: {key}"),
            }
        }
    }
}

/// Arithmetic-coded JPEGs (made by libjpeg-turbo 2.1.5's `cjpeg
/// -arithmetic`, sequential SOF9 and progressive SOF10), once reported as an
/// unsupported coding process, open and hash within 2 bits of the reference:
/// `pdqhash` 0.2.8 over libjpeg-turbo's own decode (`djpeg`) of each file,
/// the hex as scripts/pdq_reference.py writes it (tests/fixtures/README.md).
/// An arithmetic-coded CMYK file (Adobe's inverted samples), which the
/// general decoder cannot read, hashes as its Huffman-coded twin does under
/// Pillow: the same hex.
#[test]
fn an_arithmetic_coded_jpeg_opens_and_hashes_like_the_reference_decode() {
    const REFERENCE: &str = "5feb5321f01da156898e2b7629a5d343c412cdbd23f48942464526315db33ffd";
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["--format", "json", "hash"])
        .arg(fixture("jpeg/arithmetic.jpg"))
        .arg(fixture("jpeg/arithmetic-progressive.jpg"))
        .arg(fixture("jpeg/arithmetic-cmyk.jpg"))
        .output()
        .unwrap();
    let items = super::util::json(&out.stdout);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    for item in items {
        assert!(item["error"].is_null(), "{item}");
        let pdq = item["hashes"]["pdq"].as_str().unwrap();
        let bits: u32 = (0..4)
            .map(|i| {
                let word = |h: &str| u64::from_str_radix(&h[16 * i..16 * (i + 1)], 16).unwrap();
                (word(pdq) ^ word(REFERENCE)).count_ones()
            })
            .sum();
        assert!(
            bits <= 2,
            "{}: {bits} bits from the reference",
            item["path"]
        );
    }
}
