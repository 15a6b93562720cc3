//! Every valid file opens: each coding option of PNG, GIF, WebP, TIFF, BMP
//! and JPEG, made by the reference tools (`scripts/format_matrix.sh`),
//! either hashes within a few bits of the picture the reference decoders
//! show for it, or is reported as unsupported with the feature named, never
//! as a corrupt file.

use std::path::Path;
use std::process::Command;

use super::util::{fixture, repo, shared_data, Workspace};

/// PDQ bits a file may differ from its reference decode by: rounding of
/// 16-bit samples, palettes and YCbCr conversion moved at most 2 bits on
/// the 64- and 256-pixel pictures of the matrix.
const FEW_BITS: u32 = 4;

fn distance(a: &serde_json::Value, b: &serde_json::Value) -> u32 {
    let hex = |v: &serde_json::Value| v["hashes"]["pdq"].as_str().unwrap().to_string();
    let (a, b) = (hex(a), hex(b));
    (0..4)
        .map(|i| {
            let part = |h: &str| u64::from_str_radix(&h[16 * i..16 * (i + 1)], 16).unwrap();
            (part(&a) ^ part(&b)).count_ones()
        })
        .sum()
}

/// Hashes every file a `manifest.tsv` in `dir` names, with its
/// `.ref.png`, and checks each against what the manifest expects; returns
/// how many files were checked.
fn check_manifest(dir: &Path) -> usize {
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let rows: Vec<(String, String)> = manifest
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_string(), f.next()?.trim().to_string()))
        })
        .collect();
    let ws = Workspace::new();
    let mut args = vec!["hash".to_string()];
    for (file, _) in &rows {
        args.push(dir.join(file).to_string_lossy().into_owned());
        args.push(
            dir.join(format!("{file}.ref.png"))
                .to_string_lossy()
                .into_owned(),
        );
    }
    let out = ws
        .cmd()
        .args(["--format", "json"])
        .args(&args)
        .output()
        .unwrap();
    let items = super::util::json(&out.stdout);
    let items = items.as_array().unwrap();
    let mut failures = Vec::new();
    for (k, (file, expect)) in rows.iter().enumerate() {
        let (item, reference) = (&items[2 * k], &items[2 * k + 1]);
        assert!(reference["error"].is_null(), "{reference}");
        let error = item["error"].as_str();
        match (expect.as_str(), error) {
            ("hash", None) => {
                let d = distance(item, reference);
                if d > FEW_BITS {
                    failures.push(format!("{file}: {d} bits from its reference decode"));
                }
            }
            ("unsupported", Some(e)) if e.starts_with("unsupported format: ") => {}
            (_, e) => failures.push(format!("{file}: expected {expect}, got {e:?}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    rows.len()
}

/// The TIFF coding options that only committed files show: palette colour,
/// JPEG compression with YCbCr colour and BigTIFF hash like their reference
/// decode (each failed before: "color type Unknown(24)", "RGBPalette ... is
/// unsupported", "not a recognised image"); CCITT Group 3 and half-float
/// samples are named as unsupported.
#[test]
fn tiff_coding_options_open_or_are_named_unsupported() {
    assert_eq!(check_manifest(&fixture("formats")), 5);
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok()
}

/// Every coding option `scripts/format_matrix.sh` makes with the reference
/// tools, on a 128-pixel picture. Runs where ImageMagick, libwebp's tools,
/// libtiff's tiffcp, libjpeg-turbo's cjpeg and Pillow are installed.
#[test]
fn every_coding_option_made_by_the_reference_tools_opens() {
    let tools = [
        ("convert", "-version"),
        ("cwebp", "-version"),
        ("img2webp", "-version"),
        ("dwebp", "-version"),
        ("tiffcp", "-h"),
        ("cjpeg", "-version"),
    ];
    if let Some((tool, _)) = tools.iter().find(|(t, a)| !have(t, a)) {
        eprintln!("skipping every_coding_option_made_by_the_reference_tools_opens: {tool} is not installed");
        return;
    }
    let pil = Command::new("python3").args(["-c", "import PIL"]).status();
    if !pil.is_ok_and(|s| s.success()) {
        eprintln!("skipping every_coding_option_made_by_the_reference_tools_opens: Pillow is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("sh")
        .arg(repo().join("scripts/format_matrix.sh"))
        .arg(repo().join("reference_images/chelsea.jpg"))
        .arg(dir.path())
        .arg("128")
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(check_manifest(dir.path()) >= 70);
}

/// The valid files of PngSuite (every colour type, bit depth, interlacing,
/// transparency and ancillary chunk) and bmpsuite ("g", good) in the shared
/// collection all hash, but for PngSuite's pictures under PDQ's 5-pixel
/// minimum.
#[test]
fn valid_pngsuite_and_bmpsuite_files_hash() {
    let Some(data) = shared_data("valid_pngsuite_and_bmpsuite_files_hash") else {
        return;
    };
    let hostile = data.join("hostile");
    let mut files: Vec<String> = std::fs::read_dir(&hostile)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            let png = n.starts_with("png_PngSuite_") && n.ends_with(".png");
            let corrupt = n.starts_with("png_PngSuite_x");
            let tiny = ["s01", "s02", "s03", "s04"]
                .iter()
                .any(|s| n.starts_with(&format!("png_PngSuite_{s}")));
            (png && !corrupt && !tiny) || n.starts_with("bmp_bmpsuite_g_")
        })
        .collect();
    files.sort();
    assert!(files.len() > 150, "{}", files.len());
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .current_dir(&hostile)
        .args(["--format", "json", "hash"])
        .args(&files)
        .output()
        .unwrap();
    let items = super::util::json(&out.stdout);
    let failed: Vec<&serde_json::Value> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["error"].is_null())
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
