//! Context import in the PostgreSQL engine, in bulk: the records go to the
//! server in one binary `COPY` into a temporary table, and a handful of
//! set-based statements then do what [`crate::corpus::Store::import`] says
//! record by record: attach each to the files its path names (or a desk's
//! path to one), else to every file with its SHA-256, else to a hash-only
//! reference made from its hashes (the first record of a SHA-256 makes it,
//! later ones attach to it), a later record replacing an earlier context of
//! the same appearance (source URL, or publisher and date without one).
//! Millions of hash-only references import at the server's insert speed
//! instead of a few round trips each.

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::Transaction;

use super::write::now;
use crate::corpus::{ImportRecord, ImportReport};
use crate::hash::SETTINGS_VERSION;

type PgResult<T> = std::result::Result<T, postgres::Error>;

/// The staging table, one row per record in import order (`ord`).
const STAGING: &str = "CREATE TEMP TABLE import_staging (
        ord bigint, path text COLLATE \"C\", sha256 text COLLATE \"C\", ext_key text COLLATE \"C\",
        pdq bytea, quality smallint, phash bytea, low boolean, label text,
        source_url text COLLATE \"C\", publisher text, published text COLLATE \"C\", caption text,
        location text, latitude double precision, longitude double precision, credit text,
        licence text, notes text, appearance text COLLATE \"C\"
    ) ON COMMIT DROP;
    CREATE TEMP TABLE import_targets (ord bigint, file_id bigint) ON COMMIT DROP;
    CREATE INDEX ON import_targets (ord);
    CREATE TEMP TABLE import_ids (id bigint, path text COLLATE \"C\", fresh boolean)
        ON COMMIT DROP;";

/// A refreshed reference's hash replaces the stored one.
const HASH_UPSERT: &str = "ON CONFLICT (file_id, algorithm) DO UPDATE SET
    settings = excluded.settings, hash = excluded.hash, quality = excluded.quality,
    low_information = excluded.low_information";

/// A context replaces the stored one of the same appearance.
const CONTEXT_UPSERT: &str = "ON CONFLICT (file_id, appearance) DO UPDATE SET
    publisher = excluded.publisher, published = excluded.published,
    caption = excluded.caption, location = excluded.location,
    latitude = excluded.latitude, longitude = excluded.longitude,
    credit = excluded.credit, licence = excluded.licence, notes = excluded.notes";

const COLUMNS: &[Type] = &[
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BYTEA,
    Type::INT2,
    Type::BYTEA,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::FLOAT8,
    Type::FLOAT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
];

/// Imports `records` inside `tx`, the write numbered `seq`.
pub(super) fn import(
    tx: &mut Transaction<'_>,
    seq: i64,
    records: &[ImportRecord<'_>],
) -> PgResult<ImportReport> {
    // The joins and DISTINCT ONs of a chunk sort and hash a few hundred
    // thousand rows: in memory, not in batches on disk.
    tx.batch_execute("SET LOCAL work_mem = '256MB'")?;
    tx.batch_execute(STAGING)?;
    copy_in(tx, records)?;
    tx.batch_execute("ANALYZE import_staging")?;
    // 1. By path: a stored file's own, or a desk's path to one; 2. by
    // SHA-256: files of their own bytes by the index of their SHA-256, and
    // hash-only references by their keys, which begin with `external:` and
    // the first 16 digits of it (migration 7): one probe of the path index
    // per record finds both those with its SHA-256 and whether the key its
    // own reference would have is taken (`import_prefixed`). No statement
    // inserts into import_targets while reading it (each insert's own new
    // rows would be rescanned for every record: a million records took
    // minutes per statement): the records still without a target are set
    // apart in import_pending, with what a hash-only reference is made of
    // (its contexts are read from import_staging).
    // The lookups in `files` probe its indexes record by record: left to
    // itself the planner hashes the whole table instead (two scans of 10M
    // rows per chunk at 10M references: 13.6 s, against 5.4 s probing).
    tx.batch_execute(&format!(
        "SET LOCAL enable_hashjoin = off;
         SET LOCAL enable_mergejoin = off;
         INSERT INTO import_targets
            SELECT s.ord, f.id FROM import_staging s JOIN files f ON f.path = s.path
            WHERE s.path IS NOT NULL;
         INSERT INTO import_targets
            SELECT s.ord, p.file_id FROM import_staging s JOIN file_paths p ON p.path = s.path
            WHERE s.path IS NOT NULL;
         ANALYZE import_targets;
         CREATE TEMP TABLE import_prefixed ON COMMIT DROP AS
            SELECT s.ord, f.id, f.format = 'external' AND f.sha256 = s.sha256 AS same_sha256,
                   f.path = s.ext_key AS same_key
            FROM import_staging s JOIN files f ON {}
            WHERE s.sha256 <> ''
              AND NOT EXISTS (SELECT 1 FROM import_targets t WHERE t.ord = s.ord);
         CREATE TEMP TABLE import_by_sha256 ON COMMIT DROP AS
            SELECT s.ord, f.id FROM import_staging s
            JOIN files f ON f.sha256 = s.sha256 AND f.format <> 'external'
            WHERE s.sha256 <> ''
              AND NOT EXISTS (SELECT 1 FROM import_targets t WHERE t.ord = s.ord)
            UNION ALL SELECT ord, id FROM import_prefixed WHERE same_sha256;
         RESET enable_hashjoin;
         RESET enable_mergejoin;
         INSERT INTO import_targets SELECT * FROM import_by_sha256;
         ANALYZE import_targets;
         CREATE TEMP TABLE import_pending ON COMMIT DROP AS
            SELECT s.ord, s.sha256, s.ext_key, s.pdq, s.quality, s.phash, s.low
            FROM import_staging s
            WHERE NOT EXISTS (SELECT 1 FROM import_targets t WHERE t.ord = s.ord);
         ANALYZE import_pending;",
        super::external_keys_of("f.path", "s.sha256")
    ))?;
    // 3. Hash-only references for the rest: the first record of each
    // SHA-256 makes one; a record without SHA-256 (re)writes the one of its
    // key, the last such record's hashes staying. Each is numbered in
    // import order (`nth`), so that the two inserts below (plain and ON
    // CONFLICT) give new files the ids one insert in that order would.
    tx.batch_execute(
        "CREATE TEMP TABLE import_new ON COMMIT DROP AS
         SELECT row_number() OVER (ORDER BY ord) AS nth, n.* FROM (
         SELECT DISTINCT ON (ext_key) * FROM (
            (SELECT DISTINCT ON (s.sha256) s.* FROM import_pending s
             WHERE s.pdq IS NOT NULL AND s.sha256 <> ''
             ORDER BY s.sha256, s.ord)
            UNION ALL
            (SELECT DISTINCT ON (s.ext_key) s.* FROM import_pending s
             WHERE s.pdq IS NOT NULL AND s.sha256 = ''
             ORDER BY s.ext_key, s.ord DESC)
         ) n ORDER BY ext_key, ord) n;
         ANALYZE import_new;",
    )?;
    // The report's count of hash-only references, and the rows to insert.
    let (external, new): (i64, i64) = tx
        .query_one(
            "SELECT (SELECT COUNT(*) FROM import_new WHERE sha256 <> '')
                  + (SELECT COUNT(*) FROM import_pending s
                     WHERE s.pdq IS NOT NULL AND s.sha256 = ''),
                    (SELECT COUNT(*) FROM import_new)",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))?;
    // The references' rows, their ids kept (RETURNING) so that the hash
    // rows and the records' targets need no lookup in `files`, with whether
    // each row is new (`xmax = 0`: inserted, not updated by ON CONFLICT).
    // A reference with a SHA-256 whose key no file has (the probe above
    // saw none) is a plain insert, the others go through ON CONFLICT
    // (250,000 rows at 10M references: 5.4-5.9 s with it, 3.4-4.3 s
    // without). A new file has no hash or context rows yet: those are plain
    // inserts too, and only a refreshed one's need ON CONFLICT (per chunk
    // of 250,000 new references, the hash rows took 3.3-4.0 s with it,
    // 2.3 s without; a 1M import 65 s against 53 s).
    let stamp = now();
    // Their ids, reserved at once (writers take turns, migration 3): a
    // `nextval` per row took 0.4 s a chunk.
    let first: i64 = match new {
        0 => 0,
        _ => tx
            .query_one(
                "SELECT setval('files_id_seq', nextval('files_id_seq') + $1 - 1) - $1 + 1",
                &[&new],
            )?
            .get(0),
    };
    // (Uncorrelated, so hashed once: a correlated EXISTS under OR would
    // scan import_prefixed once per row.)
    let known = "n.sha256 = '' OR n.ord IN (SELECT ord FROM import_prefixed WHERE same_key)";
    for (rows, upsert, fresh) in [
        (format!("NOT ({known})"), "", "true"),
        (
            known.to_string(),
            "ON CONFLICT (path) DO UPDATE SET
               sha256 = CASE WHEN excluded.sha256 <> '' THEN excluded.sha256
                             ELSE files.sha256 END,
               updated_at = excluded.updated_at, change_seq = excluded.change_seq",
            "xmax = 0",
        ),
    ] {
        tx.execute(
            &format!(
                "WITH made AS (
                    INSERT INTO files (id, path, size, mtime_ns, sha256, format, width, height,
                                       added_at, updated_at, change_seq)
                    SELECT $3 + nth - 1, ext_key, 0, 0, sha256, 'external', 0, 0, $1, $1, $2
                    FROM import_new n WHERE {rows} ORDER BY ord
                    {upsert}
                    RETURNING id, path, {fresh})
                 INSERT INTO import_ids SELECT * FROM made"
            ),
            &[&stamp, &seq, &first],
        )?;
    }
    tx.batch_execute("ANALYZE import_ids")?;
    for (fresh, upsert) in [(true, ""), (false, HASH_UPSERT)] {
        tx.execute(
            &format!(
                "INSERT INTO hashes (file_id, algorithm, settings, hash, quality, low_information)
                 SELECT i.id, h.algorithm, $1, h.hash, h.quality, n.low
                 FROM import_new n JOIN import_ids i ON i.path = n.ext_key
                 CROSS JOIN LATERAL (VALUES ('pdq', n.pdq, n.quality), ('phash64', n.phash, NULL))
                    AS h (algorithm, hash, quality)
                 WHERE h.hash IS NOT NULL AND i.fresh = {fresh} {upsert}"
            ),
            &[&SETTINGS_VERSION],
        )?;
    }
    tx.batch_execute(
        "INSERT INTO import_targets
            SELECT s.ord, i.id FROM import_pending s
            JOIN import_new n ON n.sha256 = s.sha256 AND n.ord <= s.ord
            JOIN import_ids i ON i.path = n.ext_key
            WHERE s.sha256 <> '';
         INSERT INTO import_targets
            SELECT s.ord, i.id FROM import_pending s JOIN import_ids i ON i.path = s.ext_key
            WHERE s.pdq IS NOT NULL AND s.sha256 = '';
         ANALYZE import_targets;",
    )?;
    // Contexts: per file and appearance the last record's, placed (for
    // the order of equal dates) where the first one came; the new files'
    // by plain inserts, the others' replacing a context of the same
    // appearance.
    for (files, upsert) in [("IN", ""), ("NOT IN", CONTEXT_UPSERT)] {
        tx.batch_execute(&format!(
            "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                                   latitude, longitude, credit, licence, notes, appearance)
             SELECT file_id, source_url, publisher, published, caption, location, latitude,
                    longitude, credit, licence, notes, appearance
             FROM (
                SELECT DISTINCT ON (t.file_id, s.appearance) t.file_id, s.*,
                       MIN(s.ord) OVER (PARTITION BY t.file_id, s.appearance) AS first
                FROM import_targets t JOIN import_staging s ON s.ord = t.ord
                WHERE t.file_id {files} (SELECT id FROM import_ids WHERE fresh)
                ORDER BY t.file_id, s.appearance, s.ord DESC
             ) c ORDER BY first {upsert}"
        ))?;
    }
    let attached: i64 = tx
        .query_one("SELECT COUNT(*) FROM import_targets", &[])?
        .get(0);
    let unmatched = tx.query(
        "SELECT label FROM import_staging s
         WHERE NOT EXISTS (SELECT 1 FROM import_targets t WHERE t.ord = s.ord) ORDER BY ord",
        &[],
    )?;
    Ok(ImportReport {
        attached: attached as usize,
        external: external as usize,
        unmatched: unmatched.iter().map(|r| r.get(0)).collect(),
    })
}

/// Sends every record to the staging table in one binary `COPY`.
fn copy_in(tx: &mut Transaction<'_>, records: &[ImportRecord<'_>]) -> PgResult<()> {
    let sink = tx.copy_in(
        "COPY import_staging (ord, path, sha256, ext_key, pdq, quality, phash, low, label,
            source_url, publisher, published, caption, location, latitude, longitude, credit,
            licence, notes, appearance) FROM STDIN (FORMAT binary)",
    )?;
    let mut w = BinaryCopyInWriter::new(sink, COLUMNS);
    for (ord, r) in records.iter().enumerate() {
        let e = r.external.as_ref();
        let c = r.context;
        w.write(&[
            &(ord as i64),
            &r.path,
            &r.sha256.unwrap_or(""),
            &e.map(|e| e.key.as_str()),
            &e.map(|e| e.pdq.to_bytes().to_vec()),
            &e.map(|e| i16::from(e.quality)),
            &e.and_then(|e| e.phash).map(|p| p.to_be_bytes().to_vec()),
            &e.is_some_and(|e| e.low_information),
            &r.label,
            &c.source_url.as_deref().unwrap_or(""),
            &c.publisher,
            &c.published,
            &c.caption,
            &c.location,
            &c.latitude,
            &c.longitude,
            &c.credit,
            &c.licence,
            &c.notes,
            &c.appearance(),
        ])?;
    }
    w.finish()?;
    Ok(())
}
