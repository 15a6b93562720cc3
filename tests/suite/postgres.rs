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

/// `corpus copy` SQLite -> PostgreSQL -> SQLite loses nothing, videos
/// included (the bundled clip when FFmpeg is installed, and always a
/// hash-only video from the committed vPDQ file, with a context): the
/// copies count the same videos and frames, list, export, give the same
/// frame times and answer a query exactly as the original does.
#[test]
fn a_corpus_copied_to_postgres_and_back_is_the_same_corpus() {
    let Some(pg) = Workspace::postgres("a_corpus_copied_to_postgres_and_back") else {
        return;
    };
    let original = Workspace::new();
    original.build_references();
    let clips = original.path().join("clips");
    std::fs::create_dir_all(&clips).unwrap();
    std::fs::write(
        clips.join("context.csv"),
        "path,source_url,publisher,published\ncoast.mp4,https://clips.example/coast,Clip Desk,2024-11-02\n",
    )
    .unwrap();
    original
        .cmd()
        .args(["corpus", "import", "--base"])
        .arg(&clips)
        .arg(references().join("coast.mp4.vpdq"))
        .arg(clips.join("context.csv"))
        .assert()
        .success();
    let copy = |from: &Path, to: &Path| {
        original
            .cmd()
            .args(["corpus", "copy", "--from"])
            .arg(from)
            .arg("--to")
            .arg(to)
            .assert()
    };
    let stats = |db: &Path| {
        let s = super::util::json(
            &provcheck(original.path(), db)
                .args(["--format", "json", "corpus", "stats"])
                .output()
                .unwrap()
                .stdout,
        )[0]
        .clone();
        ["files", "contexts", "videos", "video_frames", "video_hours"].map(|k| s[k].clone())
    };
    let expected_stats = stats(&original.db());
    assert!(
        expected_stats[2].as_i64().unwrap() >= 1,
        "{expected_stats:?}"
    );
    let back = original.path().join("back.db");
    for (from, to) in [(original.db(), pg.db()), (pg.db(), back.clone())] {
        let out = copy(&from, &to).success();
        let line = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        let videos = expected_stats[2].as_i64().unwrap();
        let frames = expected_stats[3].as_i64().unwrap();
        assert!(
            line.starts_with("copied ")
                && line.contains(&format!("({videos} videos with {frames} frames)")),
            "{line}"
        );
        assert_eq!(stats(&to), expected_stats);
    }
    // The hash-only video keeps its frames' times.
    let clip = provcheck::corpus::corpus_key(&clips.join("coast.mp4"));
    let times = |db: &Path| {
        let corpus = provcheck::corpus::Corpus::open(db).unwrap();
        let id = corpus.file_id(&clip).unwrap().expect("the clip");
        corpus.frame_times(id).unwrap()
    };
    let expected_times = times(&original.db());
    assert!(expected_times.len() >= 2, "{expected_times:?}");
    assert_eq!(times(&pg.db()), expected_times);
    assert_eq!(times(&back), expected_times);
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
    assert!(expected[1].contains("Clip Desk"), "{}", expected[1]);
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
