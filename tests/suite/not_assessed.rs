//! A near-black, blank or two-tone picture is never matched on distance, so
//! a query or check of one says it could not be assessed, and why, in every
//! output format, and its exit code is not the all-clear.

use std::path::Path;

use super::util::{fixture, references, shared_data, Workspace};

/// A workspace whose corpus holds a bundled photo and the near-black banner
/// fixture's pure-black sibling, and a statement attaching the banner.
fn desk() -> Workspace {
    let ws = Workspace::new();
    ws.build_from(&[references().join("storm.jpg"), fixture("pure_black.png")]);
    std::fs::copy(
        fixture("near_black_banner.png"),
        ws.path().join("banner.png"),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("statement.toml"),
        "title = \"t\"\nsource = \"s\"\npublished = \"2026-11-20\"\n\n[[images]]\npath = \"banner.png\"\n",
    )
    .unwrap();
    ws
}

fn run(ws: &Workspace, format: &str, args: &[&str], code: i32) -> String {
    let out = ws
        .cmd()
        .args(["--format", format])
        .args(args)
        .assert()
        .code(code);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn a_near_black_query_is_not_assessed_in_every_output_of_query() {
    let ws = desk();
    let items = ws.run_json(&["query", "banner.png"], 1);
    let item = &items[0];
    assert_eq!(item["matches"].as_array().unwrap().len(), 0, "{item}");
    assert_eq!(item["not_assessed"]["reason"], "low-quality", "{item}");
    let detail = item["not_assessed"]["detail"].as_str().unwrap();
    assert!(detail.starts_with("not assessed: PDQ quality"), "{detail}");

    let table = run(&ws, "table", &["query", "banner.png"], 1);
    assert!(
        table.contains("(not assessed") && table.contains("not assessed: PDQ quality"),
        "{table}"
    );
    assert!(!table.contains("(no match)"), "{table}");
    let csv = run(&ws, "csv", &["query", "banner.png"], 1);
    assert!(
        csv.lines().next().unwrap().contains("not_assessed")
            && csv.contains("not-assessed")
            && csv.contains("low-quality"),
        "{csv}"
    );
    let html = run(&ws, "html", &["query", "banner.png"], 1);
    assert!(
        html.contains("not assessed") && !html.contains("No match in the corpus"),
        "{html}"
    );
}

#[test]
fn a_near_black_attachment_gets_the_verdict_not_assessed() {
    let ws = desk();
    let items = ws.run_json(&["check", "statement.toml"], 1);
    let item = &items[0];
    assert_eq!(item["verdict"], "not-assessed", "{item}");
    assert_eq!(item["not_assessed"]["reason"], "low-quality", "{item}");

    let table = run(&ws, "table", &["check", "statement.toml"], 1);
    assert!(
        table.contains("not-assessed") && table.contains("not assessed: PDQ quality"),
        "{table}"
    );
    let csv = run(&ws, "csv", &["check", "statement.toml"], 1);
    assert!(
        csv.contains("not-assessed") && csv.contains("low-quality"),
        "{csv}"
    );
    let html = run(&ws, "html", &["check", "statement.toml"], 1);
    assert!(
        html.contains("could not be assessed") && html.contains("t-warn\">not-assessed<"),
        "{html}"
    );
}

/// `hash` says why a picture cannot be assessed, in JSON, CSV and the
/// table, and says nothing for one that can.
#[test]
fn hash_gives_the_reason_a_picture_cannot_be_assessed() {
    let ws = desk();
    let photo = references().join("storm.jpg");
    let photo = photo.to_string_lossy();
    let items = ws.run_json(&["hash", "banner.png", &photo], 0);
    let (banner, storm) = (&items[0], &items[1]);
    assert_eq!(banner["low_information"], true, "{banner}");
    assert_eq!(banner["not_assessed"]["reason"], "low-quality", "{banner}");
    let detail = banner["not_assessed"]["detail"].as_str().unwrap();
    assert!(detail.starts_with("not assessed: PDQ quality"), "{detail}");
    assert!(storm["not_assessed"].is_null(), "{storm}");

    let csv = run(&ws, "csv", &["hash", "banner.png"], 0);
    assert!(
        csv.lines().next().unwrap().ends_with("not_assessed") && csv.contains("low-quality"),
        "{csv}"
    );
    let table = run(&ws, "table", &["hash", "banner.png"], 0);
    assert!(table.contains("low-info: low-quality"), "{table}");
}

/// A byte-identical copy of a low-information picture is still found: it
/// is assessed, on its bytes.
#[test]
fn an_identical_low_information_picture_is_assessed_on_its_bytes() {
    let ws = desk();
    let items = ws.run_json(&["query", "refs/pure_black.png"], 1);
    assert_eq!(items[0]["matches"][0]["class"], "identical", "{items}");
    assert!(items[0]["not_assessed"].is_null(), "{items}");
}

/// The field case of `../shared/data/field-cases/low-information`: its
/// statement's near-black banner, and every picture of `q/`, against `ref/`.
#[test]
fn the_low_information_field_case_is_not_assessed() {
    let Some(data) = shared_data("the_low_information_field_case_is_not_assessed") else {
        return;
    };
    let case = data.join("field-cases/low-information");
    let ws = Workspace::new();
    let db_arg = |p: &Path| p.to_string_lossy().into_owned();
    let checked = ws.run_json(
        &[
            "check",
            "--corpus",
            &db_arg(&case.join("ref")),
            &db_arg(&case.join("statement.toml")),
        ],
        1,
    );
    assert_eq!(checked[0]["verdict"], "not-assessed", "{checked}");
    let queried = ws.run_json(
        &[
            "query",
            &db_arg(&case.join("q/black_banner_b.png")),
            &db_arg(&case.join("q/pure_black.png")),
        ],
        1,
    );
    for item in queried.as_array().unwrap() {
        assert!(item["matches"].as_array().unwrap().is_empty(), "{item}");
        assert!(item["not_assessed"]["reason"].is_string(), "{item}");
    }
}
