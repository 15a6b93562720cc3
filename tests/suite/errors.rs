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
