//! The HTML report: self-contained, complete, and escaping what files say.

use super::util::{references, Workspace};

/// Writes the HTML report of the bundled example statement; returns its path.
fn example_report(ws: &Workspace) -> std::path::PathBuf {
    ws.cmd()
        .args(["--format", "html", "-o", "report.html", "check", "--corpus"])
        .arg(references())
        .arg(references().join("examples/statement.toml"))
        .assert()
        .code(1);
    ws.path().join("report.html")
}

#[test]
fn the_check_report_is_one_self_contained_page() {
    let ws = Workspace::new();
    let html = std::fs::read_to_string(example_report(&ws)).unwrap();
    for verdict in ["misattributed", "no-match"] {
        assert!(
            html.contains(&format!("badge v-{verdict} ")),
            "{verdict} missing"
        );
    }
    // Three attached pictures and two likely originals, embedded.
    let uris: Vec<&str> = html
        .split("src=\"data:image/jpeg;base64,")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert!(uris.len() >= 5, "{} pictures", uris.len());
    for b64 in uris {
        let bytes =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
        image::load_from_memory(&bytes).expect("embedded picture decodes");
    }
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("src=\"http"), "no network fetches");
    assert!(html.contains("3 of 4 images were published before this statement"));
    assert!(html.contains("Known appearances, oldest first"));
}

/// The example's new photo matches nothing but its EXIF contradicts the
/// claim: its badge is amber and says so, never the green of a clean result;
/// each verdict's badge has the colour of its gravity.
#[test]
fn no_badge_is_green_when_the_picture_carries_a_flag() {
    let ws = Workspace::new();
    let html = std::fs::read_to_string(example_report(&ws)).unwrap();
    let badge = |image: &str| -> String {
        let section = html
            .split("<section>")
            .find(|s| s.contains(image))
            .unwrap_or_else(|| panic!("{image} missing"));
        let at = section.find("class=\"badge ").expect("a badge");
        section[at..].split('<').next().unwrap().to_string()
    };
    let new = badge("new_photo.jpg");
    assert!(
        new.contains("t-warn") && !new.contains("t-calm") && new.contains("1 EXIF flag"),
        "{new}"
    );
    assert!(badge("flood_crop.jpg").contains("t-alarm"));
    assert!(badge("storm_banner.jpg").contains("t-alarm"));
}

/// Words wrap at spaces: only long unbroken tokens (paths, hashes) may be
/// broken, and only where they would overflow.
#[test]
fn the_page_wraps_at_spaces_and_breaks_only_long_tokens() {
    let ws = Workspace::new();
    let html = std::fs::read_to_string(example_report(&ws)).unwrap();
    let style = html
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    assert!(
        !style.contains("break-all") && !style.contains("word-break"),
        "{style}"
    );
    // break-word, unlike anywhere, leaves table columns their whole words
    // when the browser sizes them.
    assert!(
        style.contains("overflow-wrap:break-word") && !style.contains("anywhere"),
        "{style}"
    );
}

#[test]
fn text_from_statements_and_context_files_is_escaped() {
    let ws = Workspace::new();
    let refs = ws.path().join("refs");
    std::fs::create_dir(&refs).unwrap();
    std::fs::copy(references().join("coffee.jpg"), refs.join("c.jpg")).unwrap();
    std::fs::write(
        refs.join("context.csv"),
        "path,publisher,caption\nc.jpg,\"Evil\"\" onload=\"\"alert(1)\",<img src=x onerror=alert(2)>\n",
    )
    .unwrap();
    std::fs::copy(
        references().join("coffee.jpg"),
        ws.path().join("attached.jpg"),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("s.toml"),
        "title = \"<script>alert(3)</script>\"\n[[images]]\npath = \"attached.jpg\"\ncaption = \"</figcaption><script>alert(4)</script>\"\n",
    )
    .unwrap();
    ws.cmd()
        .args([
            "--format", "html", "-o", "r.html", "check", "--corpus", "refs", "s.toml",
        ])
        .assert()
        .code(1);
    let html = std::fs::read_to_string(ws.path().join("r.html")).unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    // Every tag is our own markup: no injected event handler inside one.
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        assert!(
            !tag.contains("onload") && !tag.contains("onerror"),
            "injected: <{tag}>"
        );
    }
    assert!(html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"));
}

#[test]
fn html_is_refused_for_outputs_without_a_page() {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["--format", "html", "corpus", "stats"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("--format html is written by `query` and `check` only"),
        "{err}"
    );
}

/// Renders the bundled example's report in headless Chromium (skipped when
/// Chromium is not installed) and reads the verdicts off the rendered page.
#[test]
fn the_report_renders_in_a_real_browser() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        eprintln!("skipping the_report_renders_in_a_real_browser: chromium is not installed");
        return;
    };
    let ws = Workspace::new();
    let page = example_report(&ws);
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            ws.path().join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    for verdict in ["misattributed", "no-match"] {
        assert!(dom.contains(verdict), "{verdict} not rendered");
    }
    assert!(dom.matches("<img").count() >= 5);
}
