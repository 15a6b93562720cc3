//! The desk in headless Chromium, driven over WebDriver (chromedriver):
//! the example statement's pictures get their verdicts, the compare view
//! opens, a reference added through the corpus form is found by the search.
//! Skips with a message where Chromium or chromedriver is absent. With
//! `PROVCHECK_SCREENSHOTS=DIR` it saves the README's screenshots there.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::server::Server;
use super::util::references;

/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

struct Driver {
    child: Child,
    http: reqwest::blocking::Client,
    session: String,
    base: String,
}

impl Driver {
    fn start(chromium: &Path, chromedriver: &Path, profile: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut driver = Driver {
            child,
            http,
            session: String::new(),
            base,
        };
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-dev-shm-usage", "--window-size=1280,1600",
                     format!("--user-data-dir={}", profile.display())]
        }}}});
        let v = driver.call("POST", "/session", caps);
        driver.session = v["sessionId"].as_str().expect("a session").to_string();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let v: Value = req.send().expect("webdriver answers").json().expect("JSON");
        assert!(v["value"]["error"].is_null(), "{method} {path}: {v}");
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", json!({"url": url}));
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            json!({"text": text}),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Waits until `script` returns true.
    fn wait(&self, script: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.script(script) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("PROVCHECK_SCREENSHOTS") else {
            return;
        };
        use base64::Engine as _;
        let png = self.call("GET", "/screenshot", json!({}));
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_desk_works_in_headless_chromium() {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        eprintln!("skipping the browser test: Chromium is not installed");
        return;
    };
    let Some(chromedriver) = find_program(&["chromedriver"]) else {
        eprintln!("skipping the browser test: chromedriver is not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let refs = tmp.path().join("refs");
    std::fs::create_dir(&refs).unwrap();
    let csv = std::fs::read_to_string(references().join("context.csv")).unwrap();
    let mut lines = vec![csv.lines().next().unwrap().to_string()];
    for name in ["storm.jpg", "gps_dscn0025.jpg", "coffee.jpg"] {
        std::fs::copy(references().join(name), refs.join(name)).unwrap();
        lines.extend(
            csv.lines()
                .filter(|l| l.starts_with(&format!("{name},")))
                .map(String::from),
        );
    }
    std::fs::write(refs.join("context.csv"), lines.join("\n") + "\n").unwrap();
    let server = Server::start(
        tmp.path(),
        &tmp.path().join("corpus.db"),
        &["--corpus", "refs"],
    );
    let profile = tmp.path().join("chromium-profile");
    let driver = Driver::start(&chromium, &chromedriver, &profile);
    let examples = references().join("examples");
    let attached: Vec<String> = ["flood_crop.jpg", "storm_banner.jpg", "new_photo.jpg"]
        .iter()
        .map(|n| examples.join(n).display().to_string())
        .collect();

    // The example statement and its pictures: three verdicts.
    driver.go(&server.at("/"));
    driver.type_into(
        "#statement-file",
        &examples.join("statement.toml").display().to_string(),
    );
    driver.type_into("#statement-pictures", &attached.join("\n"));
    driver.click("#check-button");
    driver.wait(
        "return document.querySelectorAll('#verdicts article').length === 3",
        "the verdicts",
    );
    let text = driver.script("return document.querySelector('#verdicts').innerText");
    let text = text.as_str().unwrap().to_lowercase();
    assert_eq!(text.matches("misattributed").count(), 2, "{text}");
    assert!(text.contains("no match"), "{text}");
    assert!(text.contains("contradictions"), "{text}");
    driver.screenshot("serve-desk.png");

    // The compare view of the cropped copy, in its overlay mode.
    driver.click("#verdicts .compare-button");
    driver.wait(
        "return document.querySelector('#compare').open",
        "the compare view",
    );
    driver.wait("return document.querySelector('#cmp-ref').complete && document.querySelector('#cmp-ref').naturalWidth > 0", "the reference picture");
    driver.click("#compare [data-mode=slider]");
    driver.wait(
        "return document.querySelector('#compare-stage canvas') !== null",
        "the aligned slider",
    );
    driver.screenshot("serve-compare.png");
    driver.click("#compare-close");

    // A reference added with its context, then found by the search.
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
    driver.click("#add-form button[type=submit]");
    driver.wait(
        "return document.querySelector('#add-status').innerText.startsWith('Added 1')",
        "the added reference",
    );
    driver.go(&server.at("/corpus?q=browser+desk"));
    let found = driver
        .script("return Array.from(document.querySelectorAll('#refs li')).map(li => li.innerText)");
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].as_str().unwrap().contains("Cat on a desk"),
        "{found:?}"
    );
    driver.go(&server.at("/corpus"));
    driver.screenshot("serve-corpus.png");
}
