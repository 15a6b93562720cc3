//! `provcheck hash`: orientation invariance and the JSON fields.

use super::util::{fixture, json, Workspace};

fn hamming_hex(a: &str, b: &str) -> u32 {
    a.as_bytes()
        .chunks(2)
        .zip(b.as_bytes().chunks(2))
        .map(|(x, y)| {
            let x = u8::from_str_radix(std::str::from_utf8(x).unwrap(), 16).unwrap();
            let y = u8::from_str_radix(std::str::from_utf8(y).unwrap(), 16).unwrap();
            (x ^ y).count_ones()
        })
        .sum()
}

#[test]
fn the_eight_exif_orientations_hash_alike_after_rotation() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["--format", "json", "hash"])
        .args((1..=8).map(|n| fixture(&format!("orientation_{n}.jpg"))))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let items = json(&out);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 8, "eight orientation fixtures");
    let first = &items[0];
    for item in items {
        // Stored rotated, displayed upright: the EXIF orientation was applied.
        assert_eq!(
            (item["width"].as_u64(), item["height"].as_u64()),
            (Some(400), Some(300)),
            "{item}"
        );
        let ph = hamming_hex(
            item["hashes"]["phash64"].as_str().unwrap(),
            first["hashes"]["phash64"].as_str().unwrap(),
        );
        assert!(
            ph <= 2,
            "pHash of {} is {ph} bits from orientation 1",
            item["path"]
        );
        let pdq = hamming_hex(
            item["hashes"]["pdq"].as_str().unwrap(),
            first["hashes"]["pdq"].as_str().unwrap(),
        );
        assert!(
            pdq <= 31,
            "PDQ of {} is {pdq} bits from orientation 1",
            item["path"]
        );
    }
}

#[test]
fn hash_json_carries_size_format_hashes_and_exif() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["--format", "json", "hash"])
        .arg(super::util::references().join("gps_dscn0010.jpg"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let item = &json(&out)[0];
    assert_eq!(item["format"], "jpeg");
    assert!(item["width"].as_u64().unwrap() > 0 && item["height"].as_u64().unwrap() > 0);
    assert_eq!(item["hashes"]["pdq"].as_str().unwrap().len(), 64);
    assert_eq!(item["hashes"]["phash64"].as_str().unwrap().len(), 16);
    assert!(item["hashes"]["pdq_quality"].as_u64().unwrap() >= 50);
    assert_eq!(item["exif"]["make"], "NIKON");
    assert!(item["exif"]["gps_latitude"].as_f64().is_some(), "{item}");
    assert!(item["error"].is_null());
}
