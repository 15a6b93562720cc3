//! Snapshot tests (insta) of the human-readable outputs of the bundled
//! example, run from the repository root so paths are relative.

use super::util::{provcheck, repo, Workspace};

fn check_output(format: &str) -> String {
    let ws = Workspace::new();
    let out = provcheck(&repo(), &ws.db())
        .args(["--format", format, "check", "--corpus", "reference_images"])
        .arg("reference_images/examples/statement.toml")
        .assert()
        .code(1);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn check_table_of_the_example() {
    insta::assert_snapshot!(check_output("table"));
}

#[test]
fn check_html_of_the_example() {
    // Embedded pictures are checked elsewhere; keep the snapshot readable.
    let html = check_output("html");
    let redacted: String = html
        .split("data:image/jpeg;base64,")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                let end = part.find('"').unwrap_or(0);
                format!("data:image/jpeg;base64,[picture]{}", &part[end..])
            }
        })
        .collect();
    insta::assert_snapshot!(redacted.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

#[test]
fn the_check_table_fits_80_columns_and_colours_only_on_request() {
    let ws = Workspace::new();
    let run = |extra: &[&str]| {
        let out = provcheck(&repo(), &ws.db())
            .env("COLUMNS", "80")
            .args(extra)
            .args(["check", "--corpus", "reference_images"])
            .arg("reference_images/examples/statement.toml")
            .assert()
            .code(1);
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let plain = run(&[]);
    for line in plain.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(plain.contains("flood_crop.jpg") && !plain.contains('\u{1b}'));
    let coloured = run(&["--color", "always"]);
    assert!(
        coloured.contains("\u{1b}[1;31mmisattributed\u{1b}[0m"),
        "{coloured}"
    );
}
