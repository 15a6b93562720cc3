//! Bad input: each broken file gets its own clear error, exit code 2, and
//! the good files are still processed.

use std::path::Path;

use super::util::{fixture, json, Workspace};

fn broken_folder(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let good = std::fs::read(fixture("orientation_1.jpg")).unwrap();
    std::fs::write(dir.join("good.jpg"), &good).unwrap();
    std::fs::write(dir.join("truncated.jpg"), &good[..good.len() / 3]).unwrap();
    std::fs::write(dir.join("empty.jpg"), b"").unwrap();
    std::fs::write(
        dir.join("notes.jpg"),
        b"these are meeting notes, not a picture\n",
    )
    .unwrap();
}

#[test]
fn hash_reports_each_bad_file_and_exits_2() {
    let ws = Workspace::new();
    broken_folder(&ws.path().join("in"));
    let out = ws
        .cmd()
        .args(["--format", "json", "hash", "in"])
        .assert()
        .code(2);
    let items = json(&out.get_output().stdout);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 4);
    let err_of = |name: &str| {
        items
            .iter()
            .find(|i| i["path"].as_str().unwrap().ends_with(name))
            .unwrap()["error"]
            .clone()
    };
    assert!(err_of("good.jpg").is_null());
    assert!(err_of("empty.jpg").as_str().unwrap().contains("empty"));
    assert!(err_of("notes.jpg")
        .as_str()
        .unwrap()
        .contains("not a recognised image"));
    assert!(
        err_of("truncated.jpg").as_str().unwrap().contains("decode"),
        "{:?}",
        err_of("truncated.jpg")
    );
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for name in ["truncated.jpg", "empty.jpg", "notes.jpg"] {
        assert!(
            stderr.contains(name),
            "stderr does not name {name}: {stderr}"
        );
    }
}

#[test]
fn corpus_build_keeps_the_good_files_and_exits_2() {
    let ws = Workspace::new();
    broken_folder(&ws.path().join("in"));
    let out = ws
        .cmd()
        .args(["--format", "json", "corpus", "build", "in"])
        .assert()
        .code(2);
    let report = &json(&out.get_output().stdout)[0];
    assert_eq!(report["added"], 1);
    assert_eq!(report["failed"].as_array().unwrap().len(), 3);
    assert_eq!(ws.list().len(), 1);
}

#[test]
fn query_with_one_unreadable_image_exits_2_and_answers_the_rest() {
    let ws = Workspace::new();
    ws.build_references();
    broken_folder(&ws.path().join("in"));
    let out = ws
        .cmd()
        .args(["--format", "json", "query", "in/empty.jpg"])
        .arg(super::util::references().join("storm.jpg"))
        .assert()
        .code(2);
    let items = json(&out.get_output().stdout);
    assert!(items[0]["error"].as_str().unwrap().contains("empty"));
    assert_eq!(items[1]["matches"][0]["class"], "identical");
}

/// A PNG whose header claims `w` × `h` pixels, with a valid CRC and a tiny
/// (empty) image stream: a decompression bomb's header.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A BMP whose header claims `w` × `h` 24-bit pixels and carries none.
fn bmp_claiming(w: i32, h: i32) -> Vec<u8> {
    let mut out = b"BM".to_vec();
    out.extend_from_slice(&54u32.to_le_bytes()); // file size (a lie)
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&54u32.to_le_bytes()); // pixel data offset
    out.extend_from_slice(&40u32.to_le_bytes()); // BITMAPINFOHEADER
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    out
}

#[test]
fn decompression_bombs_are_refused_before_allocation() {
    let ws = Workspace::new();
    let dir = ws.path().join("bombs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("huge.png"), png_claiming(100_000, 100_000)).unwrap();
    std::fs::write(dir.join("huge.bmp"), bmp_claiming(100_000, 100_000)).unwrap();
    std::fs::copy(fixture("orientation_1.jpg"), dir.join("good.jpg")).unwrap();
    let items = ws.run_json(&["hash", "bombs"], 2);
    for item in items.as_array().unwrap() {
        let name = item["path"].as_str().unwrap();
        if name.ends_with("good.jpg") {
            assert!(item["error"].is_null());
        } else {
            let err = item["error"].as_str().unwrap();
            assert!(err.contains("limit"), "{name}: {err}");
        }
    }
}

#[test]
fn very_elongated_images_are_hashed() {
    let ws = Workspace::new();
    let img = image::GrayImage::from_fn(6, 2400, |x, y| image::Luma([((x * 40 + y) % 256) as u8]));
    img.save(ws.path().join("strip.png")).unwrap();
    let items = ws.run_json(&["hash", "strip.png"], 0);
    assert!(items[0]["error"].is_null(), "{items}");
}

#[test]
fn the_pixel_limit_is_configurable() {
    let ws = Workspace::new();
    let photo = super::util::references().join("green_traditional.jpg");
    std::fs::copy(photo, ws.path().join("a.jpg")).unwrap();
    // 1600x1011 = 1.6 megapixels: refused under a limit of 1 (the smallest
    // accepted), accepted by default.
    let items = ws.run_json(&["--max-megapixels", "1", "hash", "a.jpg"], 2);
    assert!(
        items[0]["error"].as_str().unwrap().contains("limit"),
        "{items}"
    );
    ws.run_json(&["hash", "a.jpg"], 0);
}

#[test]
fn a_missing_file_is_named_and_the_others_are_hashed() {
    let ws = Workspace::new();
    std::fs::copy(fixture("orientation_1.jpg"), ws.path().join("a.jpg")).unwrap();
    let out = ws
        .cmd()
        .args(["--format", "json", "hash", "gone.jpg", "a.jpg"])
        .assert()
        .code(2);
    let items = json(&out.get_output().stdout);
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert!(items[0]["error"].is_null());
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("gone.jpg"), "{err}");
}
