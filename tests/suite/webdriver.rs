//! A small WebDriver client (over reqwest) for the browser tests: starts
//! chromedriver on a free loopback port with headless Chromium, and offers
//! the few commands the tests use (go, find, type, click, keys, scripts,
//! waits, window size, screenshots). `browser()` says where Chromium and
//! chromedriver are, or why the test must skip.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The WebDriver key codes used here (W3C WebDriver, "Keyboard actions").
pub const ENTER: &str = "\u{E007}";
pub const ESCAPE: &str = "\u{E00C}";
pub const ARROW_RIGHT: &str = "\u{E014}";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` after saying which is missing.
pub fn browser() -> Option<(PathBuf, PathBuf)> {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        eprintln!("skipping the browser test: Chromium is not installed");
        return None;
    };
    let Some(chromedriver) = find_program(&["chromedriver"]) else {
        eprintln!("skipping the browser test: chromedriver is not installed");
        return None;
    };
    Some((chromium, chromedriver))
}

pub struct Driver {
    child: Child,
    http: reqwest::blocking::Client,
    session: String,
    base: String,
}

impl Driver {
    /// Starts chromedriver and a headless Chromium session with its own
    /// profile under `dir`; files it downloads go to `dir/downloads`.
    pub fn start((chromium, chromedriver): &(PathBuf, PathBuf), dir: &Path) -> Driver {
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
        let downloads = dir.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-dev-shm-usage", "--window-size=1280,1600",
                     format!("--user-data-dir={}", dir.join("chromium-profile").display())],
            "prefs": {"download.default_directory": downloads, "download.prompt_for_download": false}
        }}}});
        let v = driver.call("POST", "/session", caps);
        driver.session = v["sessionId"].as_str().expect("a session").to_string();
        // Headless Chromium saves downloads only when told where (DevTools).
        driver.call(
            "POST",
            "/chromium/send_command",
            json!({"cmd": "Browser.setDownloadBehavior",
                   "params": {"behavior": "allow", "downloadPath": downloads}}),
        );
        driver
    }

    pub fn call(&self, method: &str, path: &str, body: Value) -> Value {
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

    pub fn go(&self, url: &str) {
        self.call("POST", "/url", json!({"url": url}));
    }

    pub fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// Types into an element (for a file input: the files' paths, one a line).
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            json!({"text": text}),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), json!({}));
    }

    /// Presses keys on whatever has the focus (WebDriver key actions).
    pub fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.call(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
        self.call("DELETE", "/actions", json!({}));
    }

    pub fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Waits until `script` returns true.
    pub fn wait(&self, script: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.script(script) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn window_size(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            json!({"width": width, "height": height}),
        );
    }

    /// With `PROVCHECK_SCREENSHOTS=DIR`, saves a PNG of the window there.
    pub fn screenshot(&self, name: &str) {
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
