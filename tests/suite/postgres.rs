//! The PostgreSQL store: the same answers as SQLite, its schema guard, a
//! read-only role, and passwords kept out of every message. Each test skips
//! with a message when no server is configured (see `engines`).

use std::path::Path;

use super::util::{provcheck, references, Workspace};

/// `provcheck check` of the bundled example with the corpus in `db`,
/// chosen by `PROVCHECK_DB` (not `--db`): its JSON output.
fn example_check(dir: &Path, db: &Path) -> Vec<u8> {
    let mut cmd = assert_cmd::Command::cargo_bin("provcheck").expect("binary built");
    let out = cmd
        .current_dir(dir)
        .env("PROVCHECK_DB", db)
        .args(["-q", "--format", "json", "check", "--corpus"])
        .arg(references())
        .arg(references().join("examples/statement.toml"))
        .assert()
        .code(1);
    out.get_output().stdout.clone()
}

#[test]
fn the_bundled_example_check_gives_identical_json_on_both_stores() {
    let Some(pg) =
        Workspace::postgres("the_bundled_example_check_gives_identical_json_on_both_stores")
    else {
        return;
    };
    let sqlite = Workspace::new();
    let on_sqlite = example_check(sqlite.path(), &sqlite.db());
    let on_postgres = example_check(pg.path(), &pg.db());
    assert!(!on_sqlite.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&on_postgres),
        String::from_utf8_lossy(&on_sqlite)
    );
}

#[test]
fn a_schema_newer_than_this_build_is_refused() {
    let Some(ws) = Workspace::postgres("a_schema_newer_than_this_build_is_refused") else {
        return;
    };
    ws.cmd().args(["corpus", "stats"]).assert().success();
    let pg = ws.pg.as_ref().unwrap();
    pg.client()
        .batch_execute("UPDATE provcheck_schema SET version = version + 1")
        .unwrap();
    let out = ws.cmd().args(["corpus", "stats"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("newer"), "{err}");
}

#[test]
fn a_read_only_role_can_query_but_not_write_and_its_password_is_never_printed() {
    let Some(ws) = Workspace::postgres("a_read_only_role_can_query_but_not_write") else {
        return;
    };
    ws.build_from(&[references().join("dune.jpg")]);
    let password = "never-shown-7f3a";
    let reader = ws.pg.as_ref().unwrap().reader(password);
    let as_reader = || provcheck(ws.path(), Path::new(&reader));
    let found = as_reader()
        .args(["--format", "json", "query"])
        .arg(references().join("dune.jpg"))
        .assert()
        .code(1);
    let found = super::util::json(&found.get_output().stdout);
    assert_eq!(found[0]["matches"][0]["class"], "identical", "{found}");

    let refused = as_reader()
        .args(["corpus", "add"])
        .arg(references().join("storm.jpg"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(err.contains("read-only"), "{err}");
    assert!(!err.contains(password), "{err}");
    assert_eq!(ws.list().len(), 1, "nothing was written");

    // A server that cannot be reached: the message names it, masked.
    let unreachable = format!("postgres://someone:{password}@127.0.0.1:1/none");
    let out = provcheck(ws.path(), Path::new(&unreachable))
        .args(["corpus", "stats"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("someone:***@127.0.0.1:1"), "{err}");
    assert!(!err.contains(password), "{err}");
}

/// `corpus copy` SQLite -> PostgreSQL -> SQLite loses nothing: the copies
/// list, export and answer a query exactly as the original does.
#[test]
fn a_corpus_copied_to_postgres_and_back_is_the_same_corpus() {
    let Some(pg) = Workspace::postgres("a_corpus_copied_to_postgres_and_back") else {
        return;
    };
    let original = Workspace::new();
    original.build_references();
    // A corpus holding a clip is refused (its frames would arrive as loose
    // pictures), and nothing is written; without the clip it copies.
    let copy = |from: &Path, to: &Path| {
        original
            .cmd()
            .args(["corpus", "copy", "--from"])
            .arg(from)
            .arg("--to")
            .arg(to)
            .assert()
    };
    let out = copy(&original.db(), &pg.db()).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("1 video(s)"), "{err}");
    assert_eq!(pg.run_json(&["corpus", "stats"], 0)[0]["files"], 0);
    original
        .cmd()
        .args(["corpus", "remove"])
        .arg(references().join("coast.mp4"))
        .assert()
        .success();
    let back = original.path().join("back.db");
    for (from, to) in [(original.db(), pg.db()), (pg.db(), back.clone())] {
        let out = copy(&from, &to).success();
        let line = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(line.starts_with("copied "), "{line}");
    }
    let copy = original.path().join("copy.jpg");
    super::util::degrade(&references().join("dune.jpg"), &copy, 0.9, 0.6, 70);
    let answers = |db: &Path| {
        ["list", "export"]
            .iter()
            .map(|c| ["corpus", c])
            .chain([["query", "copy.jpg"]])
            .map(|args| {
                let out = provcheck(original.path(), db)
                    .args(["--format", "json"])
                    .args(args)
                    .output()
                    .unwrap();
                String::from_utf8(out.stdout).unwrap()
            })
            .collect::<Vec<_>>()
    };
    let expected = answers(&original.db());
    assert!(expected[2].contains("dune.jpg"), "{}", expected[2]);
    assert_eq!(answers(&pg.db()), expected);
    assert_eq!(answers(&back), expected);

    // A target that already holds files is refused.
    original
        .cmd()
        .args(["corpus", "copy", "--from"])
        .arg(original.db())
        .arg("--to")
        .arg(pg.db())
        .assert()
        .code(2);
}
