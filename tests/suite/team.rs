//! A corpus a whole desk shares (PostgreSQL): video references on both
//! engines, an index kept current from the change sequence (a reference
//! added by one process reaches another's index and a `serve` replica
//! within seconds, without a reload), one reference for one picture built
//! from two desks' folders, writers of several processes at once, and the
//! bulk import giving what the record-by-record one gives on SQLite.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::blocking::multipart::Form;

use super::engines::on_each_engine;
use super::server::{client, picture, Server};
use super::util::{fixture, json, provcheck, references, Workspace};

fn have_ffmpeg(test: &str) -> bool {
    let ok = Command::new("ffmpeg").arg("-version").output().is_ok();
    if !ok {
        eprintln!("skipping {test}: ffmpeg is not installed (Debian package ffmpeg)");
    }
    ok
}

on_each_engine! {
    fn a_video_reference_keeps_its_frames_is_found_at_its_time_and_leaves_with_them(ws) {
        if !have_ffmpeg("a_video_reference_keeps_its_frames") {
            return;
        }
        ws.build_from(&[fixture("video/pans.mp4"), references().join("ladybird.jpg")]);
        let stats = ws.run_json(&["corpus", "stats"], 0)[0].clone();
        assert_eq!(stats["videos"], 1, "{stats}");
        assert!(stats["video_frames"].as_i64().unwrap() >= 2, "{stats}");
        assert_eq!(stats["files"], 2, "{stats}");
        let listed = ws.list();
        assert_eq!(listed.len(), 2, "{listed:?}");

        let frame = ws.path().join("frame.png");
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-ss", "4.4", "-i"])
            .arg(fixture("video/pans.mp4"))
            .args(["-frames:v", "1"])
            .arg(&frame)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success());
        let m = ws.top_match("frame.png");
        assert!(m["path"].as_str().unwrap().ends_with("pans.mp4"), "{m}");
        assert_eq!(m["media"], "video", "{m}");
        let time = m["time"].as_f64().unwrap();
        assert!((time - 4.4).abs() <= 1.0, "found at {time} s");

        ws.cmd().args(["corpus", "remove", "refs/pans.mp4"]).assert().success();
        let stats = ws.run_json(&["corpus", "stats"], 0)[0].clone();
        assert_eq!((stats["videos"].as_i64(), stats["video_frames"].as_i64()), (Some(0), Some(0)));
        assert_eq!(stats["files"], 1, "{stats}");
    }
}

/// The matches of `picture` from a `serve` replica.
fn served_matches(server: &Server, picture_path: &Path) -> Vec<serde_json::Value> {
    let res = client()
        .post(server.at("/api/v1/query"))
        .multipart(Form::new().part("picture", picture(picture_path)))
        .send()
        .expect("the replica answers");
    let body: serde_json::Value = res.json().expect("JSON");
    body[0]["matches"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_reference_added_by_one_process_reaches_other_indexes_and_replicas_without_a_reload() {
    let Some(ws) = Workspace::postgres("a_reference_added_by_one_process_reaches_other_indexes")
    else {
        return;
    };
    ws.build_from(&[references().join("dune.jpg")]);
    let corpus = provcheck::corpus::Corpus::open(&ws.db()).unwrap();
    let mut matcher =
        provcheck::query::Matcher::new(&corpus, provcheck::matching::MatchRule::default()).unwrap();
    assert_eq!(matcher.references(), 1);
    let replicas = [
        Server::start(ws.path(), &ws.db(), &[]),
        Server::start(ws.path(), &ws.db(), &[]),
    ];
    let storm = references().join("storm.jpg");
    assert!(served_matches(&replicas[0], &storm).is_empty());

    ws.cmd()
        .args(["corpus", "add"])
        .arg(&storm)
        .assert()
        .success();
    let added = Instant::now();
    for replica in &replicas {
        loop {
            let found = served_matches(replica, &storm);
            if found.first().is_some_and(|m| m["class"] == "identical") {
                break;
            }
            assert!(
                added.elapsed() < Duration::from_secs(5),
                "not found after 5 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert_eq!(matcher.refresh().unwrap(), Some((0, 1)));
    assert_eq!(matcher.references(), 2);

    ws.cmd()
        .args(["corpus", "remove"])
        .arg(&storm)
        .assert()
        .success();
    assert_eq!(matcher.refresh().unwrap(), Some((1, 0)));
    assert_eq!(matcher.references(), 1);
    let removed = Instant::now();
    while !served_matches(&replicas[1], &storm).is_empty() {
        assert!(
            removed.elapsed() < Duration::from_secs(5),
            "still found after 5 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Nothing changed: nothing to apply.
    assert_eq!(matcher.refresh().unwrap(), Some((0, 0)));
}

/// A desk's folder `name` in the workspace with copies of `files` and a
/// context file naming `publisher` for each.
fn desk(ws: &Workspace, name: &str, files: &[&str], publisher: &str) -> PathBuf {
    let dir = ws.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("path,source_url,publisher,published\n");
    for f in files {
        std::fs::copy(references().join(f), dir.join(f)).unwrap();
        csv.push_str(&format!(
            "{f},https://{name}.example/{f},{publisher},2021-0{}-01\n",
            name.len() % 9 + 1
        ));
    }
    std::fs::write(dir.join("context.csv"), csv).unwrap();
    dir
}

/// Desk A's folder (dune.jpg, storm.jpg) and desk B's (dune.jpg), each
/// built with its context file.
fn two_desks(ws: &Workspace) -> (PathBuf, PathBuf) {
    let a = desk(ws, "bureau-a", &["dune.jpg", "storm.jpg"], "Bureau A");
    let b = desk(ws, "bureau-bb", &["dune.jpg"], "Bureau B");
    for dir in [&a, &b] {
        ws.cmd()
            .args(["corpus", "build"])
            .arg(dir)
            .arg("--context")
            .arg(dir.join("context.csv"))
            .assert()
            .success();
    }
    (a, b)
}

#[test]
fn two_desks_building_one_picture_from_their_own_folders_share_one_reference() {
    let Some(ws) = Workspace::postgres("two_desks_building_one_picture_share_one_reference") else {
        return;
    };
    let (a, _) = two_desks(&ws);
    let listed = ws.list();
    assert_eq!(listed.len(), 2, "one reference per picture: {listed:?}");
    let dune = listed
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("dune.jpg"))
        .unwrap();
    assert_eq!(dune["contexts"], 2, "{dune}");
    let found = ws.run_json(&["query", "bureau-bb/dune.jpg"], 1);
    let matches = found[0]["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{found}");
    let publishers: Vec<&str> = matches[0]["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["publisher"].as_str().unwrap())
        .collect();
    // Earliest publication first (desk B's context is dated January).
    assert_eq!(publishers, ["Bureau B", "Bureau A"]);
    // Desk B's next build has nothing to do: its path is known.
    let again = ws.run_json(&["corpus", "build", "bureau-bb"], 0);
    assert_eq!(again[0]["unchanged"], 1, "{again}");
    // Desk A removing its copy leaves the reference to desk B.
    ws.cmd()
        .args(["corpus", "remove"])
        .arg(a.join("dune.jpg"))
        .assert()
        .success();
    let listed = ws.list();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed
        .iter()
        .any(|e| e["path"].as_str().unwrap().ends_with("bureau-bb/dune.jpg")));
    // Desk A builds its folder again (its dune.jpg is now a second path to
    // desk B's reference), then removes the whole folder: both its paths
    // go, desk B's reference stays.
    ws.cmd()
        .args(["corpus", "build"])
        .arg(&a)
        .assert()
        .success();
    let removed = ws.run_json(&["corpus", "remove", "bureau-a"], 0);
    let removed = removed[0]["removed"].as_array().unwrap().clone();
    assert_eq!(removed.len(), 2, "{removed:?}");
    let listed = ws.list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("bureau-bb/dune.jpg"));
    // The removed files' hash and context rows went with them.
    let pg = ws.pg.as_ref().unwrap();
    let orphans: i64 = pg
        .client()
        .query_one(
            "SELECT (SELECT COUNT(*) FROM hashes h WHERE NOT EXISTS
                        (SELECT 1 FROM files f WHERE f.id = h.file_id))
                  + (SELECT COUNT(*) FROM contexts c WHERE NOT EXISTS
                        (SELECT 1 FROM files f WHERE f.id = c.file_id))",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0);
    let again = ws.run_json(&["corpus", "build", "bureau-a"], 0);
    assert_eq!(again[0]["unchanged"], 0, "desk A's paths are gone: {again}");
}

/// `corpus copy` moves other desks' paths to a reference: as such into
/// PostgreSQL, as references of their own into SQLite.
#[test]
fn a_copy_carries_other_desks_paths_to_a_reference() {
    let Some(ws) = Workspace::postgres("a_copy_carries_other_desks_paths") else {
        return;
    };
    let Some(target) = Workspace::postgres("a_copy_carries_other_desks_paths_target") else {
        return;
    };
    let (_, b) = two_desks(&ws);
    let copy = |to: &Path| {
        let out = ws
            .cmd()
            .args(["corpus", "copy", "--from"])
            .arg(ws.db())
            .arg("--to")
            .arg(to)
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    // PostgreSQL to PostgreSQL: desk B's path is still a name of the one
    // reference, so desk B's next build there has nothing to do.
    let report = copy(&target.db());
    assert!(report.starts_with("copied 3 files"), "{report}");
    assert_eq!(target.list().len(), 2);
    let build_b = [OsStr::new("corpus"), OsStr::new("build"), b.as_os_str()];
    let again = target.run_json(&build_b, 0);
    assert_eq!(again[0]["unchanged"], 1, "{again}");
    assert_eq!(again[0]["decoded"], 0, "{again}");
    // PostgreSQL to SQLite, which keeps a reference per path.
    let file = ws.path().join("copy.db");
    let report = copy(&file);
    assert!(report.starts_with("copied 3 files"), "{report}");
    let listed = provcheck(ws.path(), &file)
        .args(["--format", "json", "corpus", "list"])
        .output()
        .unwrap();
    let listed = json(&listed.stdout);
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(
        paths.iter().any(|p| p.ends_with("bureau-bb/dune.jpg")),
        "{paths:?}"
    );
}

/// The removals of the change sequence are pruned past their horizon (7
/// days; here a removal is dated back 8): the next write deletes them, and
/// an index that looked last before them can no longer follow changes and
/// says so (`None`), while a fresh load sees the corpus as it is.
#[test]
fn removals_past_their_horizon_are_pruned_and_an_index_behind_them_reloads() {
    let Some(ws) = Workspace::postgres("removals_past_their_horizon_are_pruned") else {
        return;
    };
    ws.build_from(&[
        references().join("dune.jpg"),
        references().join("storm.jpg"),
    ]);
    let corpus = provcheck::corpus::Corpus::open(&ws.db()).unwrap();
    let rule = provcheck::matching::MatchRule::default();
    let mut behind = provcheck::query::Matcher::new(&corpus, rule).unwrap();
    ws.cmd()
        .args(["corpus", "remove", "refs/storm.jpg"])
        .assert()
        .success();
    let pg = ws.pg.as_ref().unwrap();
    let removals = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT COUNT(*) FROM file_removals", &[])
            .unwrap()
            .get(0)
    };
    let mut client = pg.client();
    assert_eq!(removals(&mut client), 1);
    // A removal within the horizon stays through the next write.
    ws.cmd()
        .arg("corpus")
        .arg("add")
        .arg(references().join("wood.jpg"))
        .assert()
        .success();
    assert_eq!(removals(&mut client), 1);
    client
        .execute(
            "UPDATE file_removals SET removed_at = now() - interval '8 days'",
            &[],
        )
        .unwrap();
    ws.cmd()
        .arg("corpus")
        .arg("add")
        .arg(references().join("ladybird.jpg"))
        .assert()
        .success();
    assert_eq!(removals(&mut client), 0);
    assert_eq!(behind.refresh().unwrap(), None);
    let fresh = provcheck::query::Matcher::new(&corpus, rule).unwrap();
    assert_eq!(fresh.references(), 3);
}

#[test]
fn two_builds_of_overlapping_folders_and_an_import_during_queries_all_land() {
    let Some(ws) = Workspace::postgres("two_builds_of_overlapping_folders_and_an_import") else {
        return;
    };
    // Two folders sharing half their pictures: on one machine, so the
    // shared ones have the same paths (a shared mount).
    let all: Vec<PathBuf> = std::fs::read_dir(references())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    let shared = ws.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    for f in &all[..all.len() / 2] {
        std::fs::copy(f, shared.join(f.file_name().unwrap())).unwrap();
    }
    std::fs::copy(references().join("context.csv"), shared.join("context.csv")).unwrap();
    ws.build_from(&[references().join("dune.jpg")]);
    // An import during the builds: a context for a stored picture (by its
    // bytes) and a hash-only reference.
    let records = ws.path().join("records.jsonl");
    let line = |v: serde_json::Value| format!("{v}\n");
    std::fs::write(
        &records,
        line(serde_json::json!({"sha256": sha256_of(&references().join("dune.jpg")), "publisher": "Imported"}))
            + &line(serde_json::json!({"sha256": "b".repeat(64), "pdq": "5a".repeat(32), "publisher": "Hash only"})),
    )
    .unwrap();
    let db = ws.db();
    let spawn = |args: &[&Path]| {
        Command::new(env!("CARGO_BIN_EXE_provcheck"))
            .current_dir(ws.path())
            .arg("--db")
            .arg(&db)
            .arg("-q")
            .args(args)
            .spawn()
            .unwrap()
    };
    let shared_s = shared.clone();
    let builds = [
        spawn(&[Path::new("corpus"), Path::new("build"), &shared_s]),
        spawn(&[
            Path::new("corpus"),
            Path::new("add"),
            &shared_s,
            &references(),
        ]),
        spawn(&[Path::new("corpus"), Path::new("import"), &records]),
    ];
    let queries = std::thread::spawn({
        let dir = ws.path().to_path_buf();
        let db = db.clone();
        move || {
            for _ in 0..5 {
                let out = provcheck(&dir, &db)
                    .args(["--format", "json", "query"])
                    .arg(references().join("dune.jpg"))
                    .output()
                    .unwrap();
                let found = json(&out.stdout);
                assert_eq!(found[0]["matches"][0]["class"], "identical", "{found}");
            }
        }
    });
    for mut b in builds {
        let status = b.wait().unwrap();
        assert!(status.success(), "{status}");
    }
    queries.join().unwrap();
    // Every picture once: the shared folder's under their paths there,
    // the others under the bundled folder's.
    let listed = ws.list();
    let distinct: std::collections::BTreeSet<&str> = listed
        .iter()
        .map(|e| e["sha256"].as_str().unwrap())
        .collect();
    // The bundled folder's clip is one reference too.
    let clips = std::fs::read_dir(references())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "mp4")
        })
        .count();
    assert_eq!(distinct.len(), all.len() + clips + 1, "{listed:?}");
    let dune = listed
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("refs/dune.jpg"))
        .unwrap();
    assert_eq!(dune["contexts"], 1, "{dune}");
    assert_eq!(
        listed.len(),
        all.len() + clips + 1,
        "one reference per picture or clip"
    );
    let stats = ws.run_json(&["corpus", "stats"], 0)[0].clone();
    assert_eq!(stats["files"].as_u64().unwrap() as usize, listed.len());
    let again = ws.run_json(&["corpus", "build", "shared"], 0);
    assert_eq!(again[0]["decoded"], 0, "{again}");
}

/// The hex SHA-256 of a file's bytes.
fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records exercising every way an import resolves: a file's path, a
/// file's SHA-256, a hash-only reference made once per SHA-256 and reused,
/// one without SHA-256 written twice, a replaced source URL, and a record
/// naming nothing.
fn import_records(ws: &Workspace) -> PathBuf {
    let dune = references().join("dune.jpg");
    let sha = sha256_of(&dune);
    let pdq = |n: u8| format!("{:02x}", n).repeat(32);
    let lines = [
        serde_json::json!({"path": "refs/dune.jpg", "publisher": "By path", "source_url": "u1"}),
        serde_json::json!({"sha256": sha, "publisher": "By sha", "source_url": "u2"}),
        serde_json::json!({"sha256": "a".repeat(64), "pdq": pdq(0x5a), "path": "x/first.jpg", "publisher": "Hash only"}),
        serde_json::json!({"sha256": "a".repeat(64), "pdq": pdq(0x3c), "path": "x/second.jpg", "publisher": "Same bytes", "source_url": "u3"}),
        serde_json::json!({"pdq": pdq(0x66), "pdq_quality": 40, "publisher": "No sha"}),
        serde_json::json!({"pdq": pdq(0x66), "pdq_quality": 90, "publisher": "No sha again"}),
        serde_json::json!({"path": "refs/dune.jpg", "publisher": "By path, replaced", "source_url": "u1"}),
        serde_json::json!({"path": "refs/missing.jpg", "publisher": "Nothing"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let file = ws.path().join("records.jsonl");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn the_bulk_import_gives_what_the_record_by_record_import_gives() {
    let Some(pg) = Workspace::postgres("the_bulk_import_gives_what_the_record_by_record_import")
    else {
        return;
    };
    let sqlite = Workspace::new();
    let mut outcome = Vec::new();
    for ws in [&sqlite, &pg] {
        ws.build_from(&[references().join("dune.jpg")]);
        let records = import_records(ws);
        let out = ws
            .cmd()
            .args(["corpus", "import"])
            .arg(&records)
            .arg("--base")
            .arg(ws.path())
            .output()
            .unwrap();
        let export = ws.run_json(&["corpus", "export"], 0);
        let stats = ws.run_json(&["corpus", "stats"], 0)[0].clone();
        outcome.push((
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).replace(&*ws.path().to_string_lossy(), "WS"),
            export,
            (stats["files"].clone(), stats["contexts"].clone()),
        ));
    }
    assert_eq!(outcome[0], outcome[1]);
    assert_eq!(outcome[0].0, Some(2), "{:?}", outcome[0]);
    // dune.jpg (by path and by SHA-256: one file), the external hash, and
    // the two records of the same bytes (one file by SHA-256): 3 files.
    assert_eq!(outcome[0].3 .0, 3, "{:?}", outcome[0]);
}

on_each_engine! {
    /// A hash-only reference is found by its SHA-256 after the import that
    /// made it (on PostgreSQL through its key, not an index of SHA-256s): a
    /// later record of the same bytes attaches to it, a record whose
    /// reference would take the key of one with other bytes refreshes that
    /// one, and a query of a picture with those bytes finds it identical.
    fn a_hash_only_reference_is_found_by_its_sha256_in_later_imports_and_queries(ws) {
        let dune = references().join("dune.jpg");
        let sha = sha256_of(&dune);
        let pdq = ws.run_json(&[OsStr::new("hash"), dune.as_os_str()], 0)[0]["hashes"]["pdq"]
            .as_str()
            .unwrap()
            .to_string();
        let other = "5a".repeat(32);
        let import = |name: &str, lines: &[serde_json::Value]| {
            let file = ws.path().join(name);
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(&file, text).unwrap();
            ws.cmd().args(["corpus", "import"]).arg(&file).assert().success();
        };
        import("first.jsonl", &[
            serde_json::json!({"sha256": sha, "pdq": pdq, "path": "wire/dune.jpg", "publisher": "First"}),
            serde_json::json!({"pdq": other, "path": "x/a.jpg", "publisher": "No sha"}),
        ]);
        import("second.jsonl", &[
            // No PDQ: only an existing file can take it.
            serde_json::json!({"sha256": sha, "publisher": "Again", "source_url": "u2"}),
            // Its reference's key (external: + 16 digits + /a.jpg) is the
            // one the record without SHA-256 made.
            serde_json::json!({"sha256": other, "pdq": other, "path": "x/a.jpg", "publisher": "Same key"}),
        ]);
        let list = ws.list();
        assert_eq!(list.len(), 2, "{list:?}");
        let by_sha = |s: &str| list.iter().find(|e| e["sha256"] == s).cloned();
        let dune_ref = by_sha(&sha).expect("the reference of dune.jpg's bytes");
        assert_eq!(dune_ref["contexts"], 2, "{dune_ref}");
        assert!(dune_ref["path"].as_str().unwrap().starts_with("external:"), "{dune_ref}");
        let refreshed = by_sha(&other).expect("the refreshed reference");
        assert_eq!(refreshed["contexts"], 2, "{refreshed}");
        let top = ws.top_match(&dune);
        assert_eq!(top["class"], "identical", "{top}");
        assert_eq!(top["sha256"], sha.as_str(), "{top}");
    }
}
