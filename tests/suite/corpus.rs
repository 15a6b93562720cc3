//! `provcheck corpus`: incremental builds, pruning, contexts, the schema guard.

use super::engines::on_each_engine;
use super::util::{json, references, Workspace};

on_each_engine! {
    fn rebuilding_an_unchanged_corpus_decodes_nothing(ws) {
        let first = ws.build_references();
        let scanned = first["scanned"].as_u64().unwrap();
        assert!(scanned >= 10, "{first}");
        assert_eq!(first["decoded"].as_u64(), Some(scanned));
        assert!(
            first["contexts_attached"].as_u64().unwrap() >= scanned,
            "{first}"
        );
        let second = ws.build_references();
        assert_eq!(second["decoded"].as_u64(), Some(0), "{second}");
        assert_eq!(second["unchanged"].as_u64(), Some(scanned));
    }
}

on_each_engine! {
    fn changed_files_are_rehashed_and_pruned_files_removed(ws) {
        let dir = ws.path().join("refs");
        std::fs::create_dir(&dir).unwrap();
        std::fs::copy(references().join("dune.jpg"), dir.join("a.jpg")).unwrap();
        std::fs::copy(references().join("storm.jpg"), dir.join("b.jpg")).unwrap();
        let build = |extra: &[&str]| {
            let out = ws
                .cmd()
                .args(["--format", "json", "corpus", "build", "refs"])
                .args(extra)
                .assert()
                .success()
                .get_output()
                .stdout
                .clone();
            json(&out)[0].clone()
        };
        assert_eq!(build(&[])["added"], 2);
        // Replace a.jpg with other content: it must be decoded again.
        std::fs::copy(references().join("wood.jpg"), dir.join("a.jpg")).unwrap();
        let again = build(&[]);
        assert_eq!(
            (again["decoded"].as_u64(), again["updated"].as_u64()),
            (Some(1), Some(1)),
            "{again}"
        );
        std::fs::remove_file(dir.join("b.jpg")).unwrap();
        assert_eq!(build(&["--prune"])["pruned"], 1);
        let list = ws.list();
        assert_eq!(list.len(), 1);
        assert!(list[0]["path"].as_str().unwrap().ends_with("a.jpg"));
    }
}

on_each_engine! {
    fn context_records_are_stored_and_counted(ws) {
        ws.build_references();
        let stats = ws
            .cmd()
            .args(["--format", "json", "corpus", "stats"])
            .assert()
            .success();
        let stats = &json(&stats.get_output().stdout)[0];
        assert_eq!(stats["files"], stats["files_with_context"], "{stats}");
        assert_eq!(stats["schema_version"], ws.schema_version());
    }
}

on_each_engine! {
    fn corpus_add_attaches_the_given_context_and_remove_deletes(ws) {
        let img = ws.path().join("x.jpg");
        std::fs::copy(references().join("coffee.jpg"), &img).unwrap();
        ws.cmd()
            .args([
                "corpus",
                "add",
                "x.jpg",
                "--publisher",
                "Example Daily",
                "--published",
                "2019-03-04",
            ])
            .assert()
            .success();
        let list = ws.list();
        assert_eq!(list[0]["earliest_published"], "2019-03-04");
        ws.cmd()
            .args(["corpus", "remove", "x.jpg"])
            .assert()
            .success();
        assert_eq!(ws.list().len(), 0);
    }
}

/// A corpus whose hashes were made with older hash settings (before version
/// 11, PDQ's box filter disagreed with the reference on non-square pictures)
/// is hashed again on the next build, though no file changed.
#[test]
fn hashes_of_older_settings_are_remade_on_the_next_build() {
    let ws = Workspace::new();
    let dir = ws.path().join("refs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(references().join("dune.jpg"), dir.join("a.jpg")).unwrap();
    let build = || ws.run_json(&["corpus", "build", "refs"], 0)[0].clone();
    assert_eq!(build()["added"], 1);
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let settings = |conn: &rusqlite::Connection| -> Vec<i64> {
        let mut st = conn
            .prepare("SELECT DISTINCT settings FROM hashes")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let current = provcheck::hash::SETTINGS_VERSION;
    assert_eq!(settings(&conn), vec![current]);
    conn.execute("UPDATE hashes SET settings = ?1", [current - 1])
        .unwrap();
    let again = build();
    assert_eq!(
        (again["decoded"].as_u64(), again["unchanged"].as_u64()),
        (Some(1), Some(0)),
        "{again}"
    );
    assert_eq!(settings(&conn), vec![current]);
}

#[test]
fn a_database_from_a_newer_provcheck_is_refused() {
    let ws = Workspace::new();
    ws.cmd().args(["corpus", "stats"]).assert().success();
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let out = ws.cmd().args(["corpus", "stats"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("newer"), "{err}");
}

on_each_engine! {
    fn import_attaches_context_to_files_already_in_the_corpus(ws) {
        ws.run_json(
            &[
                std::ffi::OsStr::new("corpus"),
                "build".as_ref(),
                references().as_os_str(),
            ],
            0,
        );
        let before = &ws.run_json(&["corpus", "stats"], 0)[0];
        assert_eq!(before["contexts"], 0);
        let csv = references().join("context.csv");
        ws.cmd()
            .args(["corpus", "import"])
            .arg(&csv)
            .assert()
            .success();
        let after = &ws.run_json(&["corpus", "stats"], 0)[0];
        assert_eq!(after["files_with_context"], after["files"], "{after}");
        // Importing again replaces records with the same source URL: no duplicates.
        ws.cmd()
            .args(["corpus", "import"])
            .arg(&csv)
            .assert()
            .success();
        assert_eq!(
            ws.run_json(&["corpus", "stats"], 0)[0]["contexts"],
            after["contexts"]
        );
    }
}

#[test]
fn jsonl_and_csv_outputs_have_one_record_per_file() {
    let ws = Workspace::new();
    ws.build_references();
    let files = ws.list().len();
    let out = ws
        .cmd()
        .args(["--format", "jsonl", "corpus", "list"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), files);
    for line in text.lines() {
        json(line.as_bytes());
    }
    let out = ws
        .cmd()
        .args(["--format", "csv", "corpus", "list"])
        .assert()
        .success();
    let mut reader = csv::Reader::from_reader(out.get_output().stdout.as_slice());
    assert!(reader.headers().unwrap().iter().any(|h| h == "pdq"));
    assert_eq!(reader.records().count(), files);
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let ws = Workspace::new();
    std::fs::write(ws.db(), b"these are not the pages of a SQLite database").unwrap();
    let out = ws.cmd().args(["corpus", "stats"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("not a provcheck database"), "{err}");
}

#[test]
fn an_empty_database_of_schema_version_0_is_migrated() {
    let ws = Workspace::new();
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute_batch("CREATE TABLE unrelated (x); DROP TABLE unrelated;")
        .unwrap();
    drop(conn);
    let stats = &ws.run_json(&["corpus", "stats"], 0)[0];
    assert_eq!(stats["schema_version"], provcheck::corpus::SCHEMA_VERSION);
    assert_eq!(stats["files"], 0);
}

on_each_engine! {
    /// A corpus exported to CSV and imported elsewhere (`target`, on each
    /// engine) as hash-only references still finds copies, with their context.
    fn an_exported_corpus_imports_as_hash_only_references_that_match(target) {
        let source = Workspace::new();
        source.build_references();
        let out = source.cmd().args(["corpus", "export"]).assert().success();
        let csv_text = out.get_output().stdout.clone();
        let rows = csv::Reader::from_reader(csv_text.as_slice())
            .records()
            .count();
        // One row per picture (one context each) and one per stored frame
        // of a clip (with the clip's one context).
        let before = &source.run_json(&["corpus", "stats"], 0)[0];
        let expected = source.list().len() as u64 - before["videos"].as_u64().unwrap()
            + before["video_frames"].as_u64().unwrap();
        assert_eq!(rows as u64, expected, "{before}");

        std::fs::write(target.path().join("export.csv"), &csv_text).unwrap();
        target
            .cmd()
            .args(["corpus", "import", "export.csv"])
            .assert()
            .success();
        let stats = &target.run_json(&["corpus", "stats"], 0)[0];
        assert_eq!(stats["files"].as_u64(), Some(rows as u64));
        assert_eq!(stats["formats"][0][0], "external");
        // Every frame of the clip arrives with the clip's context.
        let frames: Vec<serde_json::Value> = target
            .list()
            .into_iter()
            .filter(|e| e["path"].as_str().unwrap().contains("coast.mp4#t="))
            .collect();
        assert_eq!(
            frames.len() as u64,
            before["video_frames"].as_u64().unwrap(),
            "{frames:?}"
        );
        assert!(frames.iter().all(|e| e["contexts"] == 1), "{frames:?}");

        let copy = target.path().join("copy.jpg");
        crate::suite::util::degrade(&references().join("wood.jpg"), &copy, 0.9, 0.5, 60);
        let top = &target.top_match("copy.jpg");
        // A hash-only reference keeps the picture's file name.
        let path = top["path"].as_str().unwrap();
        assert!(
            path.starts_with("external:") && path.ends_with("/wood.jpg"),
            "{top}"
        );
        assert_eq!(
            top["context"]["credit"], "Jean-François Fortin Tam",
            "{top}"
        );
    }
}

/// Records exercising every rule of an import: several records of one
/// SHA-256 (a later one replacing an earlier context of the same source
/// URL), records without SHA-256 keyed by their PDQ, one naming no file.
const IMPORT_RECORDS: &str = r#"{"sha256":"aa00000000000000000000000000000000000000000000000000000000000001","pdq":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","source_url":"https://a.example/1","published":"2019-03-01"}
{"sha256":"aa00000000000000000000000000000000000000000000000000000000000001","pdq":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","source_url":"https://a.example/2","published":"2018-01-02"}
{"pdq":"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210","source_url":"https://b.example/1"}
{"sha256":"bb00000000000000000000000000000000000000000000000000000000000002","pdq":"f0f0f0f0f0f0f0f00f0f0f0f0f0f0f0fa5a5a5a5a5a5a5a55a5a5a5a5a5a5a5a","source_url":"https://a.example/1"}

{"sha256":"aa00000000000000000000000000000000000000000000000000000000000001","source_url":"https://a.example/1","caption":"the later record"}
{"pdq":"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210","source_url":"https://b.example/2","published":"2020"}
{"path":"absent.jpg","source_url":"https://c.example/1"}
"#;

on_each_engine! {
    /// A context file imported in chunks of two records (each chunk its own
    /// transaction) gives the corpus that one import of the whole file
    /// gives; a file with a bad record imports nothing.
    fn a_context_file_imported_in_chunks_gives_the_corpus_of_one_import(ws) {
        let file = ws.path().join("records.jsonl");
        std::fs::write(&file, IMPORT_RECORDS).unwrap();
        let whole = match &ws.pg {
            Some(_) => Workspace::postgres(module_path!()).expect("a second database"),
            None => Workspace::new(),
        };
        let import = |target: &Workspace, chunk: usize| {
            let mut corpus = provcheck::corpus::Corpus::open(&target.db()).unwrap();
            corpus
                .import_context_file(&file, target.path(), chunk)
                .unwrap()
        };
        let (chunked, at_once) = (import(&ws, 2), import(&whole, 0));
        assert_eq!(chunked.attached, 6);
        assert_eq!(chunked.external, 4);
        assert_eq!(chunked.unmatched, ["absent.jpg"]);
        assert_eq!(
            (chunked.attached, chunked.external, &chunked.unmatched),
            (at_once.attached, at_once.external, &at_once.unmatched)
        );
        // The rows, in order (file ids differ with the order files were
        // made in).
        let export = |target: &Workspace| {
            let out = target.cmd().args(["corpus", "export"]).assert().success();
            let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
            let mut rows: Vec<String> = text.lines().map(String::from).collect();
            rows.sort();
            rows.join("\n")
        };
        let text = export(&ws);
        assert_eq!(text, export(&whole));
        assert!(text.contains("the later record"), "{text}");
        assert_eq!(text.lines().count(), 1 + 5, "{text}");

        // A bad record at the end: nothing of the file is imported.
        let bad = ws.path().join("bad.jsonl");
        let other = IMPORT_RECORDS.replace("https://b.example/", "https://d.example/");
        std::fs::write(&bad, format!("{other}{{\"path\":\"x.jpg\",\"published\":\"not a date\"}}\n")).unwrap();
        let mut corpus = provcheck::corpus::Corpus::open(&ws.db()).unwrap();
        let e = corpus.import_context_file(&bad, ws.path(), 2).unwrap_err();
        assert!(
            matches!(e, provcheck::error::Error::Context { record: 9, .. }),
            "{e}"
        );
        drop(corpus);
        assert_eq!(export(&ws), text);
    }
}

/// Writes `rows` (after a header) as `ctx.csv` in `dir` and imports it.
fn import_contexts(ws: &Workspace, dir: &std::path::Path, rows: &str) {
    let csv = dir.join("ctx.csv");
    std::fs::write(&csv, format!("path,publisher,published,caption\n{rows}")).unwrap();
    ws.cmd()
        .args(["corpus", "import"])
        .arg(&csv)
        .assert()
        .success();
}

/// The captions of the contexts of `picture`'s identical match.
fn captions(ws: &Workspace, picture: &std::path::Path) -> Vec<String> {
    let top = ws.top_match(picture);
    let mut out: Vec<String> = top["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["caption"].as_str().unwrap_or_default().to_string())
        .collect();
    out.sort();
    out
}

on_each_engine! {
    /// Contexts without a source URL are told apart by publisher and date:
    /// two publications are both kept, and a record imported again
    /// replaces its own.
    fn contexts_without_a_url_are_kept_per_publisher_and_date(ws) {
        let refs = ws.path().join("refs");
        std::fs::create_dir(&refs).unwrap();
        std::fs::copy(references().join("storm.jpg"), refs.join("storm.jpg")).unwrap();
        ws.run_json(&[std::ffi::OsStr::new("corpus"), "build".as_ref(), refs.as_os_str()], 0);
        import_contexts(
            &ws,
            &refs,
            "storm.jpg,Daily Ledger,2019-04-02,A storm\nstorm.jpg,Evening Post,2021-06-01,Storm over the bay\n",
        );
        import_contexts(&ws, &refs, "storm.jpg,Daily Ledger,2019-04-02,A storm over the harbour\n");
        assert_eq!(
            captions(&ws, &refs.join("storm.jpg")),
            ["A storm over the harbour", "Storm over the bay"]
        );
    }
}

/// A corpus of schema 4 (contexts keyed by source URL) is migrated with its
/// contexts, and then keeps two publications without a URL apart.
#[test]
fn a_schema_4_corpus_keeps_its_contexts_and_then_tells_urlless_ones_apart() {
    let ws = Workspace::new();
    let refs = ws.path().join("refs");
    std::fs::create_dir(&refs).unwrap();
    std::fs::copy(references().join("storm.jpg"), refs.join("storm.jpg")).unwrap();
    ws.run_json(
        &[
            std::ffi::OsStr::new("corpus"),
            "build".as_ref(),
            refs.as_os_str(),
        ],
        0,
    );
    import_contexts(&ws, &refs, "storm.jpg,Daily Ledger,2019-04-02,A storm\n");
    // Back to schema 4's table: unique per file and source URL.
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute_batch(
        "CREATE TABLE contexts_old (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
            source_url TEXT NOT NULL DEFAULT '', publisher TEXT, published TEXT, caption TEXT,
            location TEXT, latitude REAL, longitude REAL, credit TEXT, licence TEXT, notes TEXT,
            UNIQUE (file_id, source_url));
         INSERT INTO contexts_old SELECT id, file_id, source_url, publisher, published, caption,
            location, latitude, longitude, credit, licence, notes FROM contexts;
         DROP TABLE contexts;
         ALTER TABLE contexts_old RENAME TO contexts;
         CREATE INDEX contexts_file ON contexts (file_id);
         PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(conn);
    import_contexts(
        &ws,
        &refs,
        "storm.jpg,Evening Post,2021-06-01,Storm over the bay\n",
    );
    assert_eq!(
        captions(&ws, &refs.join("storm.jpg")),
        ["A storm", "Storm over the bay"]
    );
    assert_eq!(
        ws.run_json(&["corpus", "stats"], 0)[0]["schema_version"],
        provcheck::corpus::SCHEMA_VERSION
    );
}

on_each_engine! {
    /// A corpus written before SQLite schema 6 / PostgreSQL schema 8 held
    /// pHash 0 for each frame of an imported vPDQ list and each hash-list
    /// record without a pHash. Opening it removes those rows, and only
    /// those: the hash-only reference then reports no pHash distance, and a
    /// built picture's pHash stays, even one of 0.
    fn opening_an_older_corpus_forgets_the_phash_0_of_its_hash_only_references(ws) {
        let dune = references().join("dune.jpg");
        ws.build_from(&[references().join("storm.jpg")]);
        let pdq = ws.run_json(&[std::ffi::OsStr::new("hash"), dune.as_os_str()], 0)[0]["hashes"]
            ["pdq"]
            .as_str()
            .unwrap()
            .to_string();
        let records = ws.path().join("wire.jsonl");
        let record = serde_json::json!({"pdq": pdq, "path": "wire/dune.jpg", "publisher": "Wire"});
        std::fs::write(&records, format!("{record}\n")).unwrap();
        let list = ws.path().join("coast.mp4.vpdq");
        std::fs::copy(references().join("coast.mp4.vpdq"), &list).unwrap();
        for file in [&records, &list] {
            ws.cmd().args(["corpus", "import"]).arg(file).assert().success();
        }
        // What the older import wrote, the built picture's pHash made 0,
        // and the schema version of then.
        let count = || {
            count_sql(
                &ws,
                "SELECT COUNT(*) FROM hashes WHERE algorithm = 'phash64' AND hash = ZERO",
            )
        };
        run_sql(
            &ws,
            "INSERT INTO hashes (file_id, algorithm, settings, hash, low_information)
                 SELECT id, 'phash64', 0, ZERO, FALSE FROM files
                  WHERE format = 'external' OR id IN (SELECT file_id FROM video_frames);
             UPDATE hashes SET hash = ZERO WHERE algorithm = 'phash64';",
        );
        let frames = String::from_utf8_lossy(&std::fs::read(&list).unwrap()).lines().count();
        // storm.jpg, the hash-only dune.jpg and the clip's frames.
        assert_eq!(count(), 2 + frames as i64);
        match &ws.pg {
            None => run_sql(&ws, "PRAGMA user_version = 5"),
            Some(_) => run_sql(&ws, "UPDATE provcheck_schema SET version = 7"),
        }
        let top = ws.top_match(&dune);
        assert!(top["path"].as_str().unwrap().starts_with("external:"), "{top}");
        assert!(top["phash_distance"].is_null(), "{top}");
        assert_eq!(count(), 1, "storm.jpg's pHash stays");
        assert_eq!(
            ws.run_json(&["corpus", "stats"], 0)[0]["schema_version"],
            ws.schema_version()
        );
    }
}

/// Runs `sql` on the workspace's corpus, `ZERO` standing for a pHash of 0
/// (eight zero bytes) in the engine's syntax.
fn run_sql(ws: &Workspace, sql: &str) {
    let sql = with_zero(ws, sql);
    match &ws.pg {
        None => rusqlite::Connection::open(ws.db())
            .unwrap()
            .execute_batch(&sql)
            .unwrap(),
        Some(pg) => pg.client().batch_execute(&sql).unwrap(),
    }
}

/// The count a `SELECT COUNT(*)` (see [`run_sql`]) gives.
fn count_sql(ws: &Workspace, sql: &str) -> i64 {
    let sql = with_zero(ws, sql);
    match &ws.pg {
        None => rusqlite::Connection::open(ws.db())
            .unwrap()
            .query_row(&sql, [], |r| r.get(0))
            .unwrap(),
        Some(pg) => pg.client().query_one(&sql, &[]).unwrap().get(0),
    }
}

/// `sql` with `ZERO` written as eight zero bytes in the engine's syntax.
fn with_zero(ws: &Workspace, sql: &str) -> String {
    let zero = match ws.pg {
        None => "zeroblob(8)",
        Some(_) => "'\\x0000000000000000'::bytea",
    };
    sql.replace("ZERO", zero)
}
