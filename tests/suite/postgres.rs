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
