//! `provcheck check` on the bundled example statement.

use super::util::{json, references, Workspace};

#[test]
fn the_example_statement_gets_its_verdicts() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["--format", "json", "check", "--corpus"])
        .arg(references())
        .arg(references().join("examples/statement.toml"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let items = json(&out);
    let by_name = |name: &str| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["image"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing from {items}"))
            .clone()
    };
    let crop = by_name("flood_crop.jpg");
    assert_eq!(crop["verdict"], "misattributed", "{crop}");
    let found = kinds(&crop["contradictions"]);
    assert!(
        found.contains(&"date") && found.contains(&"place"),
        "{found:?}"
    );
    assert!(crop["original"]["published"].is_string());

    // Mirrored under a banner, and first published in 2008 by another: the
    // contradiction is the finding, the edits how it was disguised.
    let banner = by_name("storm_banner.jpg");
    assert_eq!(banner["verdict"], "misattributed", "{banner}");
    assert!(kinds(&banner["contradictions"]).contains(&"date"));
    assert!(banner["original"]["path"]
        .as_str()
        .unwrap()
        .ends_with("storm.jpg"));
    assert!(banner["edits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "mirrored"));

    let new = by_name("new_photo.jpg");
    assert_eq!(new["verdict"], "no-match");
    assert!(new["original"].is_null());
    assert!(
        new["exif_flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "captured-before-claim"),
        "{new}"
    );
    for item in items.as_array().unwrap() {
        assert!(item["matches"].is_array() && item["exif_flags"].is_array());
        // The statement travels with each result.
        let s = &item["statement"];
        assert_eq!(
            s["title"],
            "Severe storm and flooding along the Valencia coast"
        );
        assert_eq!(
            s["source"],
            "Ministry of Civil Protection (fictional example)"
        );
        assert_eq!(s["published"], "2026-11-20");
        assert_eq!(s["claimed_date"], "2026-11-19");
        assert_eq!(s["claimed_location"], "Valencia, Spain");
        assert!(s["claimed_latitude"].is_number(), "{s}");
    }
}

#[test]
fn a_statement_with_a_bad_date_is_a_clear_error() {
    let ws = Workspace::new();
    let st = ws.path().join("s.toml");
    std::fs::write(
        &st,
        "title = \"x\"\npublished = \"last week\"\n[[images]]\npath = \"a.jpg\"\n",
    )
    .unwrap();
    let out = ws.cmd().arg("check").arg(&st).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("published") && err.contains("last week"),
        "{err}"
    );
}

/// A copy of a bundled frame whose EXIF capture time was moved a year on
/// (the date edited in place, the pixels untouched): still the same picture,
/// and its EXIF is flagged against the original's.
#[test]
fn a_copy_whose_capture_time_was_moved_is_flagged_against_its_original() {
    let ws = Workspace::new();
    ws.build_from(&[super::util::fixture("hdr_canon_on.jpg")]);
    let bytes = std::fs::read(super::util::fixture("hdr_canon_on.jpg")).unwrap();
    let (old, new) = (b"2015:02:09 22:48:10", b"2016:02:09 22:48:10");
    let at = bytes
        .windows(old.len())
        .position(|w| w == old)
        .expect("DateTimeOriginal in the fixture");
    let mut moved = bytes.clone();
    moved[at..at + new.len()].copy_from_slice(new);
    std::fs::write(ws.path().join("moved.jpg"), &moved).unwrap();
    std::fs::write(
        ws.path().join("statement.toml"),
        "title = \"t\"\nsource = \"s\"\nclaimed_date = \"2016-02-09\"\n\n[[images]]\npath = \"moved.jpg\"\n",
    )
    .unwrap();
    let items = ws.run_json(&["check", "statement.toml"], 1);
    let item = &items[0];
    assert!(
        item["original"]["path"]
            .as_str()
            .unwrap()
            .ends_with("hdr_canon_on.jpg"),
        "{item}"
    );
    let flags = kinds(&item["exif_flags"]);
    assert!(flags.contains(&"capture-time-changed"), "{item}");
    assert!(!flags.contains(&"camera-changed"), "{item}");
}

/// The `kind` of each finding in a JSON list of findings.
fn kinds(findings: &serde_json::Value) -> Vec<&str> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect()
}

/// The bundled mirrored, bannered storm photo attached to a statement its
/// original's context agrees with (its publisher, its year): an edited copy,
/// not misattributed.
#[test]
fn an_edited_copy_whose_context_agrees_with_the_claim_is_an_edited_copy() {
    let ws = Workspace::new();
    ws.build_references();
    std::fs::copy(
        references().join("examples/storm_banner.jpg"),
        ws.path().join("banner.jpg"),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("statement.toml"),
        "title = \"t\"\nsource = \"MATE Desktop (mate-backgrounds)\"\nclaimed_date = \"2008\"\n\n[[images]]\npath = \"banner.jpg\"\n",
    )
    .unwrap();
    let items = ws.run_json(&["check", "statement.toml"], 1);
    let item = &items[0];
    assert_eq!(item["verdict"], "edited-copy", "{item}");
    assert!(
        item["contradictions"].as_array().unwrap().is_empty(),
        "{item}"
    );
    assert!(kinds(&item["edits"]).contains(&"mirrored"), "{item}");
}
