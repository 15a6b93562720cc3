//! Command-line edges a new user meets: a missing or empty corpus, numbers
//! out of range, a folder to query, removals, a `--db` in a missing folder,
//! a format a command does not write, sharing a corpus, tables in a pipe.

use std::path::{Path, PathBuf};

use super::util::{json, references, Workspace};

const PICTURES: [&str; 3] = ["chelsea.jpg", "coffee.jpg", "rocket.jpg"];

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

/// A workspace whose corpus holds the three small pictures of `refs`.
fn small_corpus() -> Workspace {
    let ws = Workspace::new();
    let files: Vec<PathBuf> = PICTURES.iter().map(|p| references().join(p)).collect();
    ws.build_from(&files);
    ws
}

#[test]
fn query_and_check_without_a_corpus_exit_2_and_create_no_database() {
    let ws = Workspace::new();
    let photo = references().join("coffee.jpg");
    let statement = references().join("examples/statement.toml");
    let out = ws.cmd().arg("query").arg(&photo).assert().code(2);
    assert!(stderr(&out).contains("no corpus at"), "{}", stderr(&out));
    let out = ws.cmd().arg("check").arg(&statement).assert().code(2);
    assert!(stderr(&out).contains("no corpus at"), "{}", stderr(&out));
    std::fs::create_dir(ws.path().join("empty")).unwrap();
    let out = ws
        .cmd()
        .args(["query", "--corpus", "empty"])
        .arg(&photo)
        .assert()
        .code(2);
    assert!(stderr(&out).contains("no pictures"), "{}", stderr(&out));
    assert!(!ws.db().exists(), "a database file was created");

    // An existing but empty corpus is no all-clear either.
    ws.cmd().args(["corpus", "stats"]).assert().success();
    let out = ws.cmd().arg("query").arg(&photo).assert().code(2);
    assert!(stderr(&out).contains("is empty"), "{}", stderr(&out));
}

#[test]
fn numeric_options_out_of_range_are_usage_errors() {
    let ws = Workspace::new();
    for args in [
        &["query", "--top", "0", "x.jpg"][..],
        &["query", "--top", "100000000", "x.jpg"],
        &["query", "--max-distance", "257", "x.jpg"],
        &["-j", "0", "hash", "x.jpg"],
        &["--max-megapixels", "0", "hash", "x.jpg"],
        &["--max-seconds", "18446744073709551615", "hash", "x.jpg"],
        &["--max-file-mib", "0", "hash", "x.jpg"],
        &["eval", "--originals", ".", "--threshold", "300"],
    ] {
        let out = ws.cmd().args(args).assert().code(2);
        let err = stderr(&out);
        assert!(
            err.contains("invalid value") && err.contains("not in"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn query_walks_a_folder_and_reports_each_bad_file() {
    let ws = small_corpus();
    let q = ws.path().join("q");
    std::fs::create_dir_all(q.join("sub")).unwrap();
    std::fs::copy(references().join("coffee.jpg"), q.join("a.jpg")).unwrap();
    std::fs::copy(references().join("rocket.jpg"), q.join("sub/b.jpg")).unwrap();
    std::fs::write(q.join("broken.jpg"), b"").unwrap();
    std::fs::write(q.join("notes.txt"), b"not a picture").unwrap();
    let items = ws.run_json(&["query", "q"], 2);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    let by_name = |n: &str| {
        items
            .iter()
            .find(|i| i["query"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert_eq!(by_name("a.jpg")["matches"][0]["class"], "identical");
    assert_eq!(by_name("b.jpg")["matches"][0]["class"], "identical");
    assert!(by_name("broken.jpg")["error"].is_string());
}

/// A folder of links (a case folder pointing at an archive) is a folder of
/// pictures: a link to a picture is queried as the picture, a dangling one
/// is a per-file error with its path, and a link to a folder is not walked
/// (no loops, no escape from the tree named).
#[cfg(unix)]
#[test]
fn links_to_pictures_in_a_walked_folder_are_queried_and_links_to_folders_are_not_walked() {
    use std::os::unix::fs::symlink;
    let ws = small_corpus();
    let q = ws.path().join("q");
    let elsewhere = ws.path().join("elsewhere");
    std::fs::create_dir_all(&q).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(references().join("rocket.jpg"), elsewhere.join("b.jpg")).unwrap();
    symlink(references().join("coffee.jpg"), q.join("a.jpg")).unwrap();
    symlink(&elsewhere, q.join("folder")).unwrap();
    symlink(ws.path().join("absent.jpg"), q.join("dangling.jpg")).unwrap();
    let items = ws.run_json(&["query", "q"], 2);
    let names: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["query"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].ends_with("a.jpg"), "{names:?}");
    assert_eq!(items[0]["matches"][0]["class"], "identical");
    assert!(names[1].ends_with("dangling.jpg"), "{names:?}");
    assert!(items[1]["error"].is_string());
}

#[test]
fn corpus_remove_names_what_it_removed_and_what_it_did_not() {
    let ws = small_corpus();
    let out = ws
        .cmd()
        .args([
            "--format",
            "json",
            "corpus",
            "remove",
            "refs/coffee.jpg",
            "refs/absent.jpg",
        ])
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(err.contains("absent.jpg: not in the corpus"), "{err}");
    let items = json(&out.get_output().stdout);
    assert_eq!(items[0]["removed"][0], "refs/coffee.jpg", "{items}");
    assert!(items[0]["error"].is_null());
    assert_eq!(items[1]["error"], "not in the corpus");
    // A folder removes every file under it, and the summary says how many.
    let out = ws
        .cmd()
        .args(["corpus", "remove", "refs"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("removed refs/rocket.jpg") && text.contains("2 files removed"),
        "{text}"
    );
    assert!(ws.list().is_empty());
}

#[test]
fn a_db_in_a_missing_folder_is_named() {
    let ws = Workspace::new();
    let out = super::util::provcheck(ws.path(), &ws.path().join("nope/corpus.db"))
        .args(["corpus", "stats"])
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("nope") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn html_for_a_command_that_has_none_is_refused_before_any_work() {
    let ws = Workspace::new();
    std::fs::create_dir(ws.path().join("refs")).unwrap();
    std::fs::copy(
        references().join("coffee.jpg"),
        ws.path().join("refs/a.jpg"),
    )
    .unwrap();
    let out = ws
        .cmd()
        .args(["--format", "html", "corpus", "build", "refs"])
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("--format html") && err.contains("corpus build"),
        "{err}"
    );
    assert!(out.get_output().stdout.is_empty());
    assert!(!ws.db().exists(), "the build ran");
}

/// Export writes paths relative to where the export goes; imported into a
/// new corpus of the same folder, every record finds its picture again and
/// a cropped copy gets the same answer as from the original corpus.
#[test]
fn an_export_imports_into_a_new_corpus_of_the_same_folder() {
    let ws = small_corpus();
    std::fs::write(
        ws.path().join("refs/context.csv"),
        "path,publisher,published,location\n\
         coffee.jpg,Example Daily,2019-03-04,Lyon\n\
         rocket.jpg,Space Weekly,2021-06-01,Kourou\n",
    )
    .unwrap();
    ws.cmd()
        .args(["corpus", "import", "refs/context.csv"])
        .assert()
        .success();
    ws.cmd()
        .args(["corpus", "export", "-o", "refs/export.csv"])
        .assert()
        .success();
    let text = std::fs::read_to_string(ws.path().join("refs/export.csv")).unwrap();
    let mut paths: Vec<String> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, PICTURES, "{text}");

    let copy = ws.path().join("copy.jpg");
    super::util::degrade(&references().join("rocket.jpg"), &copy, 0.6, 0.7, 70);
    let before = ws.top_match(&copy);

    let other = ws.path().join("other.db");
    let cmd = || super::util::provcheck(ws.path(), &other);
    cmd().args(["corpus", "build", "refs"]).assert().success();
    cmd()
        .args(["corpus", "import", "refs/export.csv"])
        .assert()
        .success();
    let after = json(
        &cmd()
            .args(["--format", "json", "query"])
            .arg(&copy)
            .assert()
            .code(1)
            .get_output()
            .stdout,
    )[0]["matches"][0]
        .clone();
    for key in ["path", "class", "distance", "context"] {
        assert_eq!(before[key], after[key], "{key}: {before} vs {after}");
    }
    assert_eq!(after["context"]["location"], "Kourou", "{after}");
    let listed = json(
        &cmd()
            .args(["--format", "json", "corpus", "list"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(listed.as_array().unwrap().len(), PICTURES.len(), "{listed}");
}

#[test]
fn tables_written_to_a_pipe_keep_long_paths_whole() {
    let ws = Workspace::new();
    let deep: PathBuf = [
        "a-rather-long-folder-name-for-the-archive",
        "of-the-regional-newsroom",
    ]
    .iter()
    .collect();
    let dir = ws.path().join("refs").join(&deep);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(references().join("coffee.jpg"), dir.join("coffee.jpg")).unwrap();
    ws.cmd()
        .args(["corpus", "build", "refs"])
        .assert()
        .success();
    let out = ws.cmd().args(["corpus", "list"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let full = Path::new("refs").join(&deep).join("coffee.jpg");
    assert!(text.contains(&full.display().to_string()), "{text}");
    assert!(!text.contains('…'), "{text}");
}

/// A picture refused for its format is reported for that reason first; its
/// context record then says its file was not added.
#[test]
fn a_refused_file_is_named_before_its_context_record() {
    let ws = Workspace::new();
    let refs = ws.path().join("refs");
    std::fs::create_dir(&refs).unwrap();
    std::fs::copy(references().join("coffee.jpg"), refs.join("good.jpg")).unwrap();
    std::fs::write(
        refs.join("phone.heic"),
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
    )
    .unwrap();
    std::fs::write(
        refs.join("context.csv"),
        "path,publisher,published\ngood.jpg,Example Daily,2019\nphone.heic,Example Daily,2020\n",
    )
    .unwrap();
    let out = ws
        .cmd()
        .args(["corpus", "build", "refs", "--context", "refs/context.csv"])
        .assert()
        .code(2);
    let err = stderr(&out);
    let format = err.find("phone.heic: unsupported format").expect(&err);
    let record = err.find("context record for \"phone.heic\"").expect(&err);
    assert!(format < record, "{err}");
    assert!(err[record..].contains("its file was not added"), "{err}");
}
