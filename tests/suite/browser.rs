//! The desk in headless Chromium, driven over WebDriver (chromedriver):
//! the example statement's pictures get their verdicts from a statement
//! file and from the form, the report downloads as one self-contained HTML
//! file, the compare view opens and closes with the keyboard, and a
//! reference added through the corpus form is found by the search and
//! opened with its context. Skips with a message where Chromium or
//! chromedriver is absent. With `PROVCHECK_SCREENSHOTS=DIR` it saves the
//! README's screenshots there (scripts/screenshots.sh). Drops, pastes, the
//! aligned compare view and the phone layout are in [`super::browser_desk`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::server::Server;
use super::util::{reference_folder, references};
use super::webdriver::{browser, Driver, ARROW_RIGHT, ENTER, ESCAPE};

/// A folder of three references with their context lines; the server runs
/// in its parent with `--corpus refs`.
pub fn desk_server(tmp: &Path) -> Server {
    reference_folder(
        &tmp.join("refs"),
        &["storm.jpg", "gps_dscn0025.jpg", "coffee.jpg"],
    );
    Server::start(tmp, &tmp.join("corpus.db"), &["--corpus", "refs"])
}

/// The example statement's attached pictures, in its order.
fn attached() -> Vec<PathBuf> {
    [
        "flood_crop.jpg",
        "storm_banner.jpg",
        "new_photo.jpg",
        "coast_still.jpg",
    ]
    .iter()
    .map(|n| references().join("examples").join(n))
    .collect()
}

fn paths(files: &[PathBuf]) -> String {
    let shown: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    shown.join("\n")
}

/// The verdict words of each attached picture, in page order.
fn verdicts(driver: &Driver) -> Vec<String> {
    let v = driver.script(
        "return Array.from(document.querySelectorAll('#verdicts article .verdict strong')).map(e => e.textContent)",
    );
    serde_json::from_value(v).unwrap()
}

/// The file that appears in `dir` (a download finished), its bytes.
fn downloaded(dir: &Path, name: &str) -> Vec<u8> {
    let file = dir.join(name);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !file.is_file() {
        assert!(Instant::now() < deadline, "no download {name}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read(file).unwrap()
}

/// Every address an HTML file would load something from (`src`, `href`
/// of a `<link>`, CSS `url(` and `@import`), but `data:` ones.
fn loaded_addresses(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for key in [
        "src=", "<link", "url(", "@import", "srcset=", "<base", "<iframe", "<object",
    ] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(key) {
            let start = from + at;
            let mut end = (start + 120).min(lower.len());
            while !html.is_char_boundary(end) {
                end -= 1;
            }
            let piece = &lower[start..end];
            let value = piece[key.len()..].trim_start_matches(['"', '\'', ' ']);
            if !value.starts_with("data:") {
                found.push(html[start..end].to_string());
            }
            from = start + key.len();
        }
    }
    found
}

#[test]
fn the_desk_works_in_headless_chromium() {
    let Some(programs) = browser() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let server = desk_server(tmp.path());
    let driver = Driver::start(&programs, tmp.path());
    let examples = references().join("examples");

    // The example statement and its pictures: four verdicts (the clip the
    // still was cut from is not in this corpus: no match).
    driver.go(&server.at("/"));
    driver.type_into(
        "#statement-file",
        &examples.join("statement.toml").display().to_string(),
    );
    driver.type_into("#statement-pictures", &paths(&attached()));
    driver.click("#check-button");
    driver.wait(
        "return document.querySelectorAll('#verdicts article').length === 4",
        "the verdicts",
    );
    assert_eq!(
        verdicts(&driver),
        ["misattributed", "misattributed", "no match", "no match"]
    );
    let text = driver.script("return document.querySelector('#verdicts').innerText");
    let text = text.as_str().unwrap().to_lowercase();
    assert!(text.contains("contradictions"), "{text}");
    driver.screenshot("serve-desk.png");

    // The compare view of the cropped copy, opened and closed with the
    // keyboard (Enter on its button, an arrow between its views, Escape).
    driver.script("document.querySelector('#verdicts .compare-button').focus()");
    driver.keys(ENTER);
    driver.wait(
        "return document.querySelector('#compare').open",
        "the compare view",
    );
    driver.wait("return document.querySelector('#cmp-ref').complete && document.querySelector('#cmp-ref').naturalWidth > 0", "the reference picture");
    assert_eq!(
        driver.script("return document.activeElement.getAttribute('role')"),
        "tab"
    );
    // The arrow key moves to the next view, the slider.
    driver.keys(ARROW_RIGHT);
    assert_eq!(
        driver.script("return document.activeElement.dataset.mode"),
        "slider"
    );
    driver.wait(
        "return document.querySelector('#compare-stage canvas') !== null",
        "the aligned slider",
    );
    driver.screenshot("serve-compare.png");
    driver.keys(ESCAPE);
    driver.wait(
        "return !document.querySelector('#compare').open",
        "the compare view to close",
    );

    // The same statement typed into the form: the same verdicts, and the
    // report downloaded as one HTML file that loads nothing from anywhere.
    driver.go(&server.at("/"));
    for (field, value) in [
        (
            "title",
            "Severe storm and flooding along the Valencia coast",
        ),
        ("source", "Ministry of Civil Protection (fictional example)"),
        ("published", "2026-11-20"),
        ("claimed_date", "2026-11-19"),
        ("claimed_location", "Valencia, Spain"),
        ("claimed_latitude", "39.4699"),
        ("claimed_longitude", "-0.3763"),
    ] {
        driver.type_into(&format!("#statement-form [name={field}]"), value);
    }
    driver.type_into("#statement-pictures", &paths(&attached()));
    driver.click("#check-button");
    driver.wait(
        "return document.querySelectorAll('#verdicts article').length === 4",
        "the verdicts of the form",
    );
    assert_eq!(
        verdicts(&driver),
        ["misattributed", "misattributed", "no match", "no match"]
    );
    driver.click("#report-button");
    let report = downloaded(&tmp.path().join("downloads"), "provcheck-report.html");
    let report = String::from_utf8(report).expect("the report is UTF-8");
    assert!(report.to_ascii_lowercase().starts_with("<!doctype html>"));
    assert!(report.contains("Severe storm and flooding along the Valencia coast"));
    assert!(report.matches("misattributed").count() >= 2);
    assert!(
        report.contains("data:image/jpeg;base64,"),
        "no embedded preview"
    );
    let loads = loaded_addresses(&report);
    assert!(loads.is_empty(), "the report loads: {loads:?}");
    driver.wait(
        "return document.querySelector('#check-status').innerText === 'Report downloaded.'",
        "the report's status line",
    );

    // A reference added with its context, found by the search form (typed,
    // then Enter) and opened with its context.
    driver.go(&server.at("/corpus"));
    driver.type_into(
        "#add-form input[name=picture]",
        &references().join("chelsea.jpg").display().to_string(),
    );
    driver.type_into(
        "#add-form input[name=caption]",
        "Cat on a desk, added by the browser test",
    );
    driver.type_into("#add-form input[name=publisher]", "Browser Desk");
    driver.type_into("#add-form input[name=published]", "2024-03-02");
    driver.type_into("#add-form input[name=location]", "Lisbon");
    driver.click("#add-form button[type=submit]");
    driver.wait(
        "return document.querySelector('#add-status').innerText.startsWith('Added 1')",
        "the added reference",
    );
    driver.type_into("form.search input[name=q]", &format!("browser desk{ENTER}"));
    driver.wait(
        "return location.search.includes('q=browser')",
        "the search results",
    );
    let found = driver
        .script("return Array.from(document.querySelectorAll('#refs li')).map(li => li.innerText)");
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].as_str().unwrap().contains("Cat on a desk"),
        "{found:?}"
    );
    driver.click("#refs li a");
    driver.wait(
        "return location.pathname.startsWith('/corpus/')",
        "the reference page",
    );
    let page = driver.script("return document.querySelector('main').innerText");
    let page = page.as_str().unwrap();
    for expected in ["2024-03-02", "Browser Desk", "Lisbon", "Cat on a desk"] {
        assert!(page.contains(expected), "{expected:?} not in {page}");
    }
    driver.go(&server.at("/corpus"));
    driver.screenshot("serve-corpus.png");
}
