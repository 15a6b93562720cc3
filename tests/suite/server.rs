//! Helpers of the server tests: the real `provcheck serve` on a free
//! loopback port (stopped when dropped), and the committed OpenAPI document
//! as a validator of real responses.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::util::{repo, LocalSchemas};

pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// Starts `provcheck --db DB serve --bind 127.0.0.1:0 ARGS` in `dir` and
    /// waits for the address it prints.
    pub fn start(dir: &Path, db: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_provcheck"))
            .current_dir(dir)
            .env_remove("PROVCHECK_CORPUS")
            .env_remove("PROVCHECK_TOKEN")
            .arg("--db")
            .arg(db)
            .arg("-q")
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("provcheck serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server prints its address");
        let url = line
            .trim()
            .strip_prefix("provcheck: serving on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, url }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .expect("client")
}

/// A picture part of a multipart form.
pub fn picture(path: &Path) -> reqwest::blocking::multipart::Part {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    reqwest::blocking::multipart::Part::bytes(std::fs::read(path).unwrap()).file_name(name)
}

/// The committed OpenAPI document.
pub fn openapi() -> Value {
    let text = std::fs::read_to_string(repo().join("schemas/openapi.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Asserts that `body` is what the OpenAPI document says `method path`
/// answers with `status` (as JSON).
pub fn assert_conforms(path: &str, method: &str, status: u16, body: &Value) {
    let doc = openapi();
    let op = &doc["paths"][path][method];
    assert!(
        op.is_object(),
        "{method} {path} is not in the OpenAPI document"
    );
    let mut response = op["responses"][status.to_string()].clone();
    assert!(
        response.is_object(),
        "{method} {path} has no response {status} in the OpenAPI document"
    );
    if let Some(r) = response["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        response = doc["components"]["responses"][name].clone();
    }
    let schema = response["content"]["application/json"]["schema"].clone();
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": doc["components"],
    });
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&root)
        .expect("the OpenAPI schemas compile");
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:?}\n{body}"
    );
}
