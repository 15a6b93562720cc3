//! `provcheck serve`: the real server on a free loopback port answers each
//! endpoint as the command line does (the same JSON bytes for query, check
//! and stats) and as the committed OpenAPI document says, refuses bad input
//! with a JSON 4xx, and keeps answering queries while a build writes.

use std::path::{Path, PathBuf};

use reqwest::blocking::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;

use super::server::{assert_conforms, client, picture, Server};
use super::util::{json, provcheck, reference_folder, references, repo};

/// A folder holding two references with their context lines, the example
/// statement and its pictures; the server runs in it.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let refs = tmp.path().join("refs");
    reference_folder(&refs, &["storm.jpg", "gps_dscn0025.jpg"]);
    for name in [
        "statement.toml",
        "flood_crop.jpg",
        "storm_banner.jpg",
        "new_photo.jpg",
        "coast_still.jpg",
    ] {
        std::fs::copy(
            references().join("examples").join(name),
            tmp.path().join(name),
        )
        .unwrap();
    }
    (tmp, refs)
}

fn body(res: reqwest::blocking::Response, expected: StatusCode) -> Value {
    let status = res.status();
    let text = res.text().unwrap();
    assert_eq!(status, expected, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The command line's JSON for the same request, run in the same folder.
fn cli_json(dir: &Path, args: &[&str]) -> Value {
    let out = provcheck(dir, &dir.join("corpus.db"))
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    json(&out.stdout)
}

#[test]
fn the_api_answers_as_the_command_line_and_the_openapi_document_say() {
    let (tmp, refs) = workspace();
    let dir = tmp.path();
    let db = dir.join("corpus.db");
    let server = Server::start(dir, &db, &["--corpus", "refs", "--max-upload-mib", "1"]);
    let http = client();

    // Query: the bytes of `query --format json`.
    let res = http
        .post(server.at("/api/v1/query"))
        .multipart(Form::new().part("picture", picture(&dir.join("storm_banner.jpg"))))
        .send()
        .unwrap();
    let queried = body(res, StatusCode::OK);
    assert_conforms("/api/v1/query", "post", 200, &queried);
    assert_eq!(queried, cli_json(dir, &["query", "storm_banner.jpg"]));
    assert!(queried[0]["matches"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("storm.jpg"));

    // Check: the bytes of `check --format json`, and the HTML report.
    let statement = || {
        Form::new()
            .part("statement", picture(&dir.join("statement.toml")))
            .part("picture", picture(&dir.join("flood_crop.jpg")))
            .part("picture", picture(&dir.join("storm_banner.jpg")))
            .part("picture", picture(&dir.join("new_photo.jpg")))
            .part("picture", picture(&dir.join("coast_still.jpg")))
    };
    let res = http
        .post(server.at("/api/v1/check"))
        .multipart(statement())
        .send()
        .unwrap();
    let checked = body(res, StatusCode::OK);
    assert_conforms("/api/v1/check", "post", 200, &checked);
    assert_eq!(checked, cli_json(dir, &["check", "statement.toml"]));
    let verdicts: Vec<&str> = checked
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    // This corpus holds the bundled pictures but not the clip, so the
    // still cut from it is new here.
    assert_eq!(
        verdicts,
        ["misattributed", "misattributed", "no-match", "no-match"]
    );
    let res = http
        .post(server.at("/api/v1/check?format=html"))
        .multipart(statement())
        .send()
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let html = res.text().unwrap();
    assert!(
        html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    assert!(html.contains("misattributed") && html.contains("data:image/jpeg;base64,"));

    // Stats: the bytes of `corpus stats --format json`.
    let stats = body(
        http.get(server.at("/api/v1/stats")).send().unwrap(),
        StatusCode::OK,
    );
    assert_conforms("/api/v1/stats", "get", 200, &stats);
    assert_eq!(stats, cli_json(dir, &["corpus", "stats"]));
    assert_eq!(stats[0]["files"], 2);

    references_are_found_added_and_served(&server, &http, dir);
    bad_requests_get_a_json_4xx(&server, &http, dir);
    queries_go_on_during_a_build(&server, &http, dir, &refs);

    let served = body(
        http.get(server.at("/api/v1/openapi.json")).send().unwrap(),
        StatusCode::OK,
    );
    assert_eq!(served, super::server::openapi());
}

fn references_are_found_added_and_served(
    server: &Server,
    http: &reqwest::blocking::Client,
    dir: &Path,
) {
    let found = body(
        http.get(server.at("/api/v1/references?q=STORM"))
            .send()
            .unwrap(),
        StatusCode::OK,
    );
    assert_conforms("/api/v1/references", "get", 200, &found);
    let refs = found["references"].as_array().unwrap();
    assert_eq!(refs.len(), 1, "{found}");
    let id = refs[0]["id"].as_i64().unwrap();
    let one = body(
        http.get(server.at(&format!("/api/v1/references/{id}")))
            .send()
            .unwrap(),
        StatusCode::OK,
    );
    assert_conforms("/api/v1/references/{id}", "get", 200, &one);
    assert_eq!(
        one["contexts"][0]["publisher"],
        "MATE Desktop (mate-backgrounds)"
    );
    assert_eq!(one["exif"]["make"], "Canon");
    let res = http
        .get(server.at(&format!("/api/v1/references/{id}/picture?side=64")))
        .send()
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let jpeg = res.bytes().unwrap();
    let thumb = image::load_from_memory(&jpeg).unwrap();
    assert_eq!(thumb.width().max(thumb.height()), 64);

    // Added with a context (markup in it stays text), then found by the
    // search and by a query at once.
    let chelsea = references().join("chelsea.jpg");
    let form = Form::new()
        .part("picture", picture(&chelsea))
        .text("caption", "Cat <script>alert(1)</script> on a desk")
        .text("publisher", "Test Desk")
        .text("published", "2021-05-04");
    let added = body(
        http.post(server.at("/api/v1/references"))
            .multipart(form)
            .send()
            .unwrap(),
        StatusCode::CREATED,
    );
    assert_conforms("/api/v1/references", "post", 201, &added);
    let new_id = added["references"][0]["id"].as_i64().unwrap();
    let found = body(
        http.get(server.at("/api/v1/references?q=test%20desk"))
            .send()
            .unwrap(),
        StatusCode::OK,
    );
    assert_eq!(
        found["references"][0]["id"].as_i64(),
        Some(new_id),
        "{found}"
    );
    let res = http
        .post(server.at("/api/v1/query"))
        .multipart(Form::new().part("picture", picture(&chelsea)))
        .send()
        .unwrap();
    let q = body(res, StatusCode::OK);
    assert_eq!(q[0]["matches"][0]["class"], "identical", "{q}");
    assert_eq!(q[0]["matches"][0]["context"]["publisher"], "Test Desk");
    let page = http.get(server.at("/corpus?q=test+desk")).send().unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let page = page.text().unwrap();
    assert!(page.contains("Cat &lt;script&gt;alert(1)&lt;"), "{page}");
    assert!(!page.contains("<script>alert(1)"));

    // A context file imported: a second appearance of storm.jpg.
    let csv = "path,publisher,published,caption\nstorm.jpg,Imported Weekly,2015-02-03,Storm over the fields\n";
    let form = Form::new().part("file", Part::text(csv).file_name("more.csv"));
    let imported = body(
        http.post(server.at("/api/v1/contexts"))
            .multipart(form)
            .send()
            .unwrap(),
        StatusCode::OK,
    );
    assert_conforms("/api/v1/contexts", "post", 200, &imported);
    let _ = dir;
    assert_eq!(imported["attached"], 1, "{imported}");
}

fn bad_requests_get_a_json_4xx(server: &Server, http: &reqwest::blocking::Client, dir: &Path) {
    // Each request with the status, the OpenAPI path and method its answer
    // must conform to, and words its message must contain.
    let expect = |req: reqwest::blocking::RequestBuilder,
                  status: StatusCode,
                  path: &str,
                  method: &str,
                  words: &str| {
        let v = body(req.send().unwrap(), status);
        assert_conforms(path, method, status.as_u16(), &v);
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(words), "{path}: {msg}");
    };
    let post = |path: &str, form: Form| http.post(server.at(path)).multipart(form);
    let big = Part::bytes(vec![0xFFu8; 2 * 1024 * 1024]).file_name("big.jpg");
    let text = Part::text("just some words, not a picture").file_name("holiday.jpg");
    let statement = picture(&dir.join("statement.toml"));
    let (query, check, refs) = ("/api/v1/query", "/api/v1/check", "/api/v1/references");
    let bad = StatusCode::BAD_REQUEST;
    let posts = [
        // Too large, not a picture, no picture.
        (
            query,
            Form::new().part("picture", big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
        (
            query,
            Form::new().part("picture", text),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "holiday.jpg",
        ),
        (query, Form::new().text("top", "3"), bad, "picture"),
        // A statement naming a picture that was not attached, and one that is not TOML.
        (
            check,
            Form::new().part("statement", statement),
            bad,
            "flood_crop.jpg",
        ),
        (
            check,
            Form::new().text("statement", "title = [unclosed"),
            bad,
            "statement",
        ),
        (
            refs,
            Form::new().text("caption", "no picture"),
            bad,
            "picture",
        ),
    ];
    for (path, form, status, words) in posts {
        expect(post(path, form), status, path, "post", words);
    }
    let not_multipart = http.post(server.at("/api/v1/query")).body("not multipart");
    expect(
        not_multipart,
        StatusCode::BAD_REQUEST,
        "/api/v1/query",
        "post",
        "multipart",
    );
    for id in ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "-1", "1e3"] {
        for (path, tail) in [
            ("/api/v1/references/{id}", ""),
            ("/api/v1/references/{id}/picture", "/picture"),
        ] {
            let req = http.get(server.at(&format!("/api/v1/references/{id}{tail}")));
            expect(
                req,
                StatusCode::BAD_REQUEST,
                path,
                "get",
                "positive integer",
            );
        }
    }
    let missing = http.get(server.at("/api/v1/references/999999"));
    expect(
        missing,
        StatusCode::NOT_FOUND,
        "/api/v1/references/{id}",
        "get",
        "999999",
    );
    // A post from another site's page.
    let foreign = http
        .post(server.at("/api/v1/build"))
        .header("Origin", "http://evil.example");
    expect(
        foreign,
        StatusCode::FORBIDDEN,
        "/api/v1/build",
        "post",
        "cross-origin",
    );
    let res = http.get(server.at("/api/v1/nothing-here")).send().unwrap();
    let v = body(res, StatusCode::NOT_FOUND);
    assert!(v["error"].as_str().unwrap().contains("no such address"));
}

fn queries_go_on_during_a_build(
    server: &Server,
    http: &reqwest::blocking::Client,
    dir: &Path,
    refs: &Path,
) {
    // New files for the build to hash.
    for entry in std::fs::read_dir(references()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "jpg") {
            std::fs::copy(
                &p,
                refs.join(format!("more_{}", p.file_name().unwrap().to_string_lossy())),
            )
            .unwrap();
        }
    }
    // The build's first step reads the folder's ignore file: as a named
    // pipe, it holds the build there (running, not finished) until this
    // test writes to it, whatever the speed of the machine.
    let gate = BuildGate::new(refs);
    let started = body(
        http.post(server.at("/api/v1/build")).send().unwrap(),
        StatusCode::ACCEPTED,
    );
    assert_conforms("/api/v1/build", "post", 202, &started);
    assert_eq!(started["state"], "running");
    let again = http.post(server.at("/api/v1/build")).send().unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let res = http
        .post(server.at("/api/v1/query"))
        .multipart(Form::new().part("picture", picture(&dir.join("storm_banner.jpg"))))
        .send()
        .unwrap();
    let during = body(res, StatusCode::OK);
    let status = body(
        http.get(server.at("/api/v1/build")).send().unwrap(),
        StatusCode::OK,
    );
    assert_conforms("/api/v1/build", "get", 200, &status);
    if gate.is_some() {
        assert_eq!(
            status["state"], "running",
            "the build ended before the query: {status}"
        );
    }
    assert!(
        during[0]["matches"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("storm.jpg"),
        "{during}"
    );
    drop(gate);
    let finished = loop {
        let s = body(
            http.get(server.at("/api/v1/build")).send().unwrap(),
            StatusCode::OK,
        );
        if s["state"] != "running" {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_conforms("/api/v1/build", "get", 200, &finished);
    assert_eq!(finished["state"], "finished", "{finished}");
    let added = finished["summary"]["added"].as_u64().unwrap();
    assert!(added >= 20, "{finished}");
    let stats = body(
        http.get(server.at("/api/v1/stats")).send().unwrap(),
        StatusCode::OK,
    );
    assert_eq!(stats[0]["files"].as_u64().unwrap(), 3 + added, "{stats}");
}

/// A named pipe in place of a folder's `.provcheckignore`: a build of the
/// folder waits on it until it is dropped (an empty ignore list is written
/// and the pipe removed). `None` where named pipes cannot be made.
struct BuildGate(PathBuf);

impl BuildGate {
    fn new(folder: &Path) -> Option<BuildGate> {
        let pipe = folder.join(".provcheckignore");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("no named pipe (mkfifo): not asserting that the build is still running");
        }
        made.then_some(BuildGate(pipe))
    }
}

impl Drop for BuildGate {
    fn drop(&mut self) {
        // Opening for writing waits for the build to open it for reading
        // (after a failed assertion nobody may: the server is stopped then).
        if !std::thread::panicking() {
            let _ = std::fs::write(&self.0, "");
        }
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_token_guards_every_request_and_other_addresses_need_one() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("corpus.db");
    let out = provcheck(tmp.path(), &db)
        .args(["serve", "--bind", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs an access token"));

    let token = "a-long-enough-test-token";
    let server = Server::start(tmp.path(), &db, &["--token", token]);
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (auth, status) in [
        (None, 401),
        (Some("wrong-token-of-the-same-len"), 401),
        (Some(token), 200),
    ] {
        let mut req = http.get(server.at("/api/v1/stats"));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let res = req.send().unwrap();
        assert_eq!(res.status().as_u16(), status);
        let v: Value = res.json().unwrap();
        if status == 401 {
            assert_conforms("/api/v1/stats", "get", 401, &v);
        } else {
            assert_eq!(v[0]["files"], 0);
        }
    }
    let page = http.get(server.at("/")).send().unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    // The page opened with ?token= moves it into a cookie.
    let res = http
        .get(server.at(&format!("/?token={token}")))
        .send()
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap();
    let page = http
        .get(server.at("/"))
        .header("Cookie", pair)
        .send()
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let _ = repo();
}
