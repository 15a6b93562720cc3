//! Hostile input on committed or generated files: markup in EXIF, odd paths,
//! special files, concurrent writers, all-or-nothing context imports.

use std::path::Path;

use exif::{Field, In, Tag, Value};

use super::util::{fixture, json, references, Workspace};

/// A JPEG carrying an EXIF block with the given ASCII fields.
fn jpeg_with_exif(src: &Path, out: &Path, fields: &[(Tag, &str)]) {
    let owned: Vec<Field> = fields
        .iter()
        .map(|(tag, v)| Field {
            tag: *tag,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![v.as_bytes().to_vec()]),
        })
        .collect();
    let mut writer = exif::experimental::Writer::new();
    for f in &owned {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let jpeg = std::fs::read(src).unwrap();
    let mut bytes = jpeg[..2].to_vec(); // SOI
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    bytes.extend_from_slice(b"Exif\0\0");
    bytes.extend_from_slice(&tiff);
    bytes.extend_from_slice(&jpeg[2..]);
    std::fs::write(out, bytes).unwrap();
}

#[test]
fn markup_in_exif_is_escaped_in_html_and_stripped_in_the_terminal() {
    let ws = Workspace::new();
    let evil = "<script>alert(1)</script>\" onmouseover=\"alert(2)\u{1b}[31m";
    jpeg_with_exif(
        &references().join("chelsea.jpg"),
        &ws.path().join("evil.jpg"),
        &[
            (Tag::ImageDescription, evil),
            (Tag::Artist, evil),
            (Tag::Software, "Adobe Photoshop 25.0"),
        ],
    );
    std::fs::write(
        ws.path().join("s.toml"),
        "title = \"t\"\npublished = \"2026-01-01\"\n[[images]]\npath = \"evil.jpg\"\n",
    )
    .unwrap();
    // A corpus to check against (an empty one is refused).
    ws.build_from(&[references().join("coffee.jpg")]);
    let out = ws
        .cmd()
        .args(["--format", "html", "check", "s.toml"])
        .assert()
        .code(1);
    let html = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "EXIF text shown, escaped"
    );
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        assert!(
            !tag.starts_with("script") && !tag.contains("onmouseover"),
            "injected: <{tag}>"
        );
    }
    assert!(html.contains("editing-software"));
    let table = ws.cmd().args(["hash", "evil.jpg"]).assert().success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(
        !text.contains('\u{1b}'),
        "escape sequence reached the terminal"
    );
}

#[cfg(unix)]
#[test]
fn odd_paths_and_special_files_get_clear_messages() {
    use std::os::unix::ffi::OsStrExt;
    let ws = Workspace::new();
    let dir = ws.path().join("odd");
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(dir.join("empty")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.jpg");
    std::fs::copy(fixture("orientation_1.jpg"), dir.join(name)).unwrap();
    let mut deep = dir.clone();
    for i in 0..12 {
        deep = deep.join(format!("{i}-{}", "d".repeat(200)));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(fixture("orientation_2.jpg"), deep.join("deep.jpg")).unwrap();
    let fifo = ws.path().join("pipe.jpg");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = ws
        .cmd()
        .args(["--format", "jsonl", "hash", "odd", "pipe.jpg"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| json(l.as_bytes()))
        .collect();
    let hashed = lines.iter().filter(|l| l["error"].is_null()).count();
    assert_eq!(hashed, 2, "the non-UTF-8 name and the deep file: {lines:?}");
    let pipe = lines
        .iter()
        .find(|l| l["path"].as_str().unwrap().ends_with("pipe.jpg"))
        .unwrap();
    assert!(
        pipe["error"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{pipe}"
    );
    // An empty folder is not an error.
    ws.cmd().args(["hash", "odd/empty"]).assert().code(0);
}

#[test]
fn a_context_file_with_a_bad_row_changes_nothing_and_names_the_row() {
    let ws = Workspace::new();
    ws.build_references();
    let before = ws.run_json(&["corpus", "stats"], 0)[0]["contexts"].clone();
    let bad = ws.path().join("bad.csv");
    std::fs::write(
        &bad,
        "path,publisher,published\ndune.jpg,A,2001\nstorm.jpg,B,2002\nwood.jpg,C,not-a-date\n",
    )
    .unwrap();
    let out = ws
        .cmd()
        .args(["corpus", "import", "--base"])
        .arg(references())
        .arg(&bad)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("record 3"), "{err}");
    assert_eq!(ws.run_json(&["corpus", "stats"], 0)[0]["contexts"], before);
}

#[test]
fn two_builds_at_once_and_a_query_during_a_build_leave_a_sound_corpus() {
    let ws = Workspace::new();
    let spawn = |args: &[&str], target: std::path::PathBuf| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("provcheck"))
            .current_dir(ws.path())
            .arg("--db")
            .arg(ws.db())
            .arg("-q")
            .args(args)
            .arg(target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Make sure the schema exists before the race.
    ws.cmd().args(["corpus", "stats"]).assert().success();
    let a = spawn(&["corpus", "build"], references());
    let b = spawn(&["corpus", "build"], references());
    let q = spawn(&["query"], references().join("storm.jpg"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = q.wait_with_output().unwrap();
    // A query that reads the corpus before the first commit finds it empty,
    // which is an error of its own; any other failure (a lock) is not.
    let empty =
        out.status.code() == Some(2) && String::from_utf8_lossy(&out.stderr).contains("is empty");
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)) || empty,
        "query during a build: {out:?}"
    );
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // Both builds stored each file once: a third finds everything unchanged.
    let again = &ws.run_json(
        &[
            std::ffi::OsStr::new("corpus"),
            "build".as_ref(),
            references().as_os_str(),
        ],
        0,
    )[0];
    assert_eq!(again["decoded"], 0, "{again}");
    assert_eq!(ws.list().len() as u64, again["scanned"].as_u64().unwrap());
}
