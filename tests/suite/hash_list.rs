//! A PDQ hash list made by the reference implementation (`pdqhash` 0.2.8,
//! the hashes of `tests/fixtures/pdq/reference.csv`), imported as hash-only
//! references, finds thumbnails of its pictures.

use super::util::{fixture, references, save_jpeg, Workspace};

/// The bundled photos' reference hashes as a hash list: PDQ hex and
/// quality with context, no file.
fn hash_list() -> String {
    let table = std::fs::read_to_string(fixture("pdq/reference.csv")).unwrap();
    let mut list = String::from("pdq,pdq_quality,source_url,caption\n");
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if let Some(name) = f[0].strip_prefix("reference_images/") {
            list += &format!("{},{},https://example.org/{name},{name}\n", f[3], f[4]);
        }
    }
    list
}

#[test]
fn a_reference_hash_list_finds_thumbnails_of_its_pictures() {
    let ws = Workspace::new();
    std::fs::write(ws.path().join("list.csv"), hash_list()).unwrap();
    ws.cmd()
        .args(["corpus", "import", "list.csv"])
        .assert()
        .success();
    let stats = &ws.run_json(&["corpus", "stats"], 0)[0];
    assert_eq!(stats["files"], 23, "{stats}");
    assert_eq!(stats["formats"][0][0], "external", "{stats}");

    // Thumbnails 160 pixels on the long side, as web pages show reused
    // pictures, re-encoded at JPEG quality 75; one of them mirrored.
    let names = ["chelsea.jpg", "dune.jpg", "storm.jpg", "gps_dscn0010.jpg"];
    let mut queries = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let img = image::open(references().join(name)).unwrap();
        let mut thumb = img.resize(160, 160, image::imageops::FilterType::Lanczos3);
        if k == 3 {
            thumb = thumb.fliph();
        }
        let out = format!("thumb-{name}");
        save_jpeg(&thumb, &ws.path().join(&out), 75);
        queries.push(out);
    }
    let mut args = vec!["query".to_string()];
    args.extend(queries.iter().cloned());
    let items = ws.run_json(&args, 1);
    for (item, name) in items.as_array().unwrap().iter().zip(names) {
        let top = &item["matches"][0];
        assert!(
            top["path"].as_str().unwrap().starts_with("external:"),
            "{item}"
        );
        assert_eq!(top["context"]["caption"], name, "{item}");
        assert_eq!(top["evidence"]["decided_by"], "hash", "{item}");
        // The list gives no pHash: none is compared.
        assert!(top["phash_distance"].is_null(), "{item}");
    }
}
