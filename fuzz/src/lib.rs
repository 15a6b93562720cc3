//! The bodies of the fuzz targets, one function per target taking the
//! input bytes. The `fuzz_targets/` binaries call them under libFuzzer;
//! the default test suite includes this file and replays the committed
//! seeds (`fuzz/seeds/<target>/`) and every crash found so far
//! (`tests/fixtures/fuzz/<target>/`) through the same functions, so a
//! crash stays fixed and a changed signature breaks `cargo test` too.
//!
//! Each function takes untrusted bytes the way provcheck gets them; an
//! error result is expected, a panic or an assertion failing is a finding.
//! Only provcheck and std are used here (no libFuzzer).
//!
//! Hooks for surfaces that do not exist yet: video (FFmpeg/ffprobe output,
//! the frame stream, vPDQ hash lists), `serve` (request bodies, multipart
//! uploads, query strings) and the PostgreSQL store each get a function
//! and a target here when they land.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use provcheck::analyze::{analyze_bytes, Depth};
use provcheck::context::{parse_context, ContextFormat, ContextRecord};
use provcheck::corpus::{external_key, Corpus};
use provcheck::decode::Limits;
use provcheck::hash::Pdq;
use provcheck::index::Index;
use provcheck::statement::{Statement, StatementFormat};

/// A target's body: the input bytes in, nothing out (a panic is a finding).
pub type Body = fn(&[u8]);

/// Every target: its name (the binary, and its seed and regression
/// folders) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("decode_hash", decode_hash),
    ("exif", exif),
    ("statement_toml", statement_toml),
    ("statement_json", statement_json),
    ("context_csv", context_csv),
    ("context_jsonl", context_jsonl),
    ("hash_list", hash_list),
    ("corpus_open", corpus_open),
];

/// Arbitrary bytes through the whole per-file pipeline (sniff, EXIF,
/// decode within limits, hash) at every [`Depth`]: the input's length
/// modulo 3 picks hashes only, query (with local features) or reference
/// (with windows), so a seed keeps its bytes and each depth is reached by
/// inputs of every kind.
pub fn decode_hash(data: &[u8]) {
    let limits = Limits {
        max_pixels: 4_000_000,
        max_alloc: 256 * 1024 * 1024,
        ..Limits::default()
    };
    let depth = [Depth::Hashes, Depth::Query, Depth::Reference][data.len() % 3];
    if let Ok(a) = analyze_bytes(data, &limits, depth) {
        assert_eq!(a.features.is_some(), depth != Depth::Hashes);
        assert_eq!(a.hashes.windows.is_empty(), depth != Depth::Reference);
    }
}

/// Arbitrary bytes (an image container: JPEG, PNG, TIFF, WebP, HEIF)
/// through EXIF extraction and what is derived from it.
pub fn exif(data: &[u8]) {
    let summary = provcheck::exif::read_exif(data);
    let _ = summary.camera_name();
    let _ = summary.capture_date();
    let _ = summary.other_exposure(&summary);
}

/// The text a loader reads: UTF-8 only (others are refused before parsing).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn statement(data: &[u8], format: StatementFormat) {
    let Some(text) = text(data) else { return };
    if let Ok(s) = Statement::parse(text, format, Path::new("fuzz-statement")) {
        let _ = (s.claim_date(), s.published_date(), s.claimed_coordinates());
    }
}

/// Arbitrary text as a TOML statement: parsed, cleaned, checked, dated.
pub fn statement_toml(data: &[u8]) {
    statement(data, StatementFormat::Toml);
}

/// Arbitrary text as a JSON statement: parsed, cleaned, checked, dated.
pub fn statement_json(data: &[u8]) {
    statement(data, StatementFormat::Json);
}

fn context(data: &[u8], format: ContextFormat) {
    let Some(text) = text(data) else { return };
    if let Ok(records) = parse_context(text, format, Path::new("fuzz-context")) {
        for r in &records {
            let _ = (r.context.published_date(), r.context.coordinates());
        }
    }
}

/// Arbitrary text as a CSV context file: every record parsed and checked.
pub fn context_csv(data: &[u8]) {
    context(data, ContextFormat::Csv);
}

/// Arbitrary text as a JSON Lines context file: every record parsed and
/// checked.
pub fn context_jsonl(data: &[u8]) {
    context(data, ContextFormat::JsonLines);
}

/// Arbitrary text as a hash list (PDQ hex hashes with their contexts, as
/// `corpus import` reads and `corpus export` writes: JSON Lines when the
/// text starts with `{`, CSV otherwise), imported into an in-memory corpus
/// and exported. Records are imported in the order of their SHA-256, PDQ
/// and path; a record whose SHA-256 a reference already has attaches its
/// context there (identity by SHA-256), any other record with a PDQ
/// becomes one hash-only reference (one per key: see `external_key`).
/// `export` must give each reference back with one of its records' PDQs,
/// and the search index must load every one.
pub fn hash_list(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let format = if text.trim_start().starts_with('{') {
        ContextFormat::JsonLines
    } else {
        ContextFormat::Csv
    };
    let Ok(records) = parse_context(text, format, Path::new("fuzz-list")) else {
        return;
    };
    let mut corpus = Corpus::in_memory().expect("in-memory corpus");
    // No file of an in-memory corpus has a path to match.
    corpus
        .import_contexts(&records, Path::new("/nonexistent"))
        .expect("import into an in-memory corpus");
    let mut order: Vec<&ContextRecord> = records.iter().collect();
    order.sort_by_key(|r| {
        (
            r.sha256.as_deref().unwrap_or(""),
            r.pdq.as_deref().unwrap_or(""),
            r.path.as_deref().unwrap_or(""),
        )
    });
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut shas: BTreeSet<&str> = BTreeSet::new();
    for r in order {
        if r.sha256.as_deref().is_some_and(|sha| shas.contains(sha)) {
            continue;
        }
        if let Some(pdq) = r.pdq.as_deref().and_then(Pdq::from_hex) {
            let key = external_key(r, &pdq);
            // A reference keeps the SHA-256 it was made with: a later record
            // under the same key replaces its PDQ only.
            if !expected.contains_key(&key) {
                shas.insert(r.sha256.as_deref().unwrap_or(""));
            }
            expected.entry(key).or_default().push(pdq.to_hex());
        }
    }
    let exported = corpus.export().expect("export");
    let mut keys: Vec<&str> = exported.iter().filter_map(|e| e.path.as_deref()).collect();
    keys.dedup();
    assert_eq!(keys.len(), expected.len(), "one reference per key");
    for e in &exported {
        let key = e.path.as_deref().unwrap_or_default();
        let pdqs = expected.get(key).expect("exported key was imported");
        assert!(pdqs.iter().any(|p| Some(p.as_str()) == e.pdq.as_deref()));
    }
    let index = Index::load(&corpus).expect("index");
    assert_eq!(index.len(), expected.len());
}

/// The database file this thread rewrites for every input (in /dev/shm
/// when there is one: no disk writes per run).
fn db_path() -> PathBuf {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    dir.join(format!("provcheck-fuzz-{}-{thread}.db", std::process::id()))
}

fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Arbitrary bytes as a corpus file (a damaged or hostile SQLite
/// database): opened (configured, migrated), then read as the commands
/// read it (statistics, list, references, search index, EXIF, contexts,
/// local features, export).
pub fn corpus_open(data: &[u8]) {
    let db = db_path();
    remove_database(&db);
    std::fs::write(&db, data).expect("write the input database");
    if let Ok(corpus) = Corpus::open(&db) {
        let _ = corpus.stats();
        let _ = corpus.list();
        let _ = Index::load(&corpus);
        if let Ok(refs) = corpus.references() {
            for r in refs.iter().take(16) {
                let _ = corpus.exif(r.file_id);
                let _ = corpus.contexts(r.file_id);
                let _ = corpus.features(r.file_id);
                let _ = corpus.files_with_sha256(&r.sha256);
            }
            let _ = Index::from_references(&refs);
        }
        let _ = corpus.export();
    }
    remove_database(&db);
}
