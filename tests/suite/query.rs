//! `provcheck query`: copies are found, unrelated photos are not.

use super::util::{degrade, json, references, Workspace};

#[test]
fn a_resized_recompressed_cropped_copy_is_the_top_near_duplicate() {
    let ws = Workspace::new();
    ws.build_references();
    let copy = ws.path().join("copy.jpg");
    degrade(&references().join("dune.jpg"), &copy, 0.9, 0.6, 70);
    let out = ws
        .cmd()
        .args(["--format", "json", "query", "copy.jpg"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let result = &json(&out)[0];
    assert_eq!(result["query"], "copy.jpg");
    assert!(result["error"].is_null());
    let top = &result["matches"][0];
    assert!(
        top["path"].as_str().unwrap().ends_with("dune.jpg"),
        "{result}"
    );
    assert_eq!(top["class"], "near-duplicate");
    let sim = top["similarity"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&sim));
    assert!(top["distance"].as_u64().is_some());
    assert!(top["context"]["publisher"].is_string(), "{top}");
    assert!(top["exif"].is_object());
}

#[test]
fn an_unrelated_photo_returns_no_match_and_exit_code_0() {
    let ws = Workspace::new();
    ws.build_references();
    let out = ws
        .cmd()
        .args(["--format", "json", "query"])
        .arg(references().join("examples/new_photo.jpg"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&out)[0]["matches"].as_array().unwrap().len(), 0);
}

#[test]
fn the_same_bytes_are_identical() {
    let ws = Workspace::new();
    ws.build_references();
    let out = ws
        .cmd()
        .args(["--format", "json", "query"])
        .arg(references().join("storm.jpg"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let top = &json(&out)[0]["matches"][0];
    assert_eq!(top["class"], "identical");
    assert_eq!(top["distance"], 0);
}

#[test]
fn a_mirrored_copy_matches_with_its_transform() {
    let ws = Workspace::new();
    ws.build_references();
    let img = image::open(references().join("chelsea.jpg"))
        .unwrap()
        .fliph();
    super::util::save_jpeg(&img, &ws.path().join("m.jpg"), 80);
    let out = ws
        .cmd()
        .args(["--format", "json", "query", "m.jpg"])
        .assert()
        .code(1);
    let top = &json(&out.get_output().stdout)[0]["matches"][0];
    assert!(
        top["path"].as_str().unwrap().ends_with("chelsea.jpg"),
        "{top}"
    );
    assert_eq!(top["transform"], "mirror-horizontal");
}
