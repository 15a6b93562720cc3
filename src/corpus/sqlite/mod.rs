//! The SQLite engine of the corpus: one file (WAL, busy timeout) with its
//! embedded schema migrations (a database newer than this build is
//! refused), and the reads of the [`Store`] interface. Writes are in
//! [`write`].

mod scan;
mod video;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::{
    Cached, FileEntry, FrameOf, ImportReport, Reference, SearchHashes, Stats, Store, StoredFile,
    StoredHash,
};
use crate::analyze::Analysis;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::{Pdq, SETTINGS_VERSION};

/// Embedded migrations, applied in order; the schema version is their count.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_initial.sql"),
    include_str!("../../../migrations/sqlite/0002_features.sql"),
    include_str!("../../../migrations/sqlite/0003_exif_subsec.sql"),
    include_str!("../../../migrations/sqlite/0004_video.sql"),
    include_str!("../../../migrations/sqlite/0005_context_appearance.sql"),
    include_str!("../../../migrations/sqlite/0006_unknown_phash.sql"),
];

/// The SQLite schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process's write transaction (a
/// build's chunk, an import's chunk) before giving up with "database is
/// locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A corpus in one SQLite file (or in memory).
pub struct SqliteStore {
    conn: Connection,
    location: String,
    /// The file (`None` in memory).
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the corpus file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path)?;
        let mut store = SqliteStore {
            conn,
            location: path.to_string_lossy().into_owned(),
            path: Some(path.to_path_buf()),
        };
        let not_a_db = |e: Error| match e {
            Error::Db(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
                ) =>
            {
                Error::NotADatabase(path.to_path_buf())
            }
            other => other,
        };
        store.configure().map_err(not_a_db)?;
        store.migrate().map_err(not_a_db)?;
        Ok(store)
    }

    /// An in-memory corpus.
    pub fn in_memory() -> Result<SqliteStore> {
        let mut store = SqliteStore {
            conn: Connection::open_in_memory()?,
            location: ":memory:".into(),
            path: None,
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // 16 KiB pages for a new file (an existing one keeps its own): a
        // quarter of the writes of the default 4 KiB on large imports.
        self.conn.pragma_update(None, "page_size", 16_384)?;
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // Statement journals (kept by inserts that may need undoing) in
        // memory rather than a temporary file: a file costs a dozen writes
        // per imported record.
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Up to 256 MiB of page cache (allocated only as pages are used): a
        // large import or build then writes each page to the WAL once instead
        // of spilling and rewriting it.
        self.conn.pragma_update(None, "cache_size", -262_144)?;
        Ok(())
    }

    /// A write transaction that takes the write lock at `BEGIN`, waiting
    /// up to the busy timeout for another writer. A deferred transaction
    /// that reads first cannot wait: in WAL mode, its upgrade to a writer
    /// fails at once with `SQLITE_BUSY` when another process committed
    /// since its read began (SQLite, "Write-Ahead Logging", section 2.2).
    fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::DbTooNew {
                path: PathBuf::from(&self.location),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.write_transaction()?;
            // Another process may have run this migration while we waited
            // for the write lock.
            let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if now > i as i64 {
                continue;
            }
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }
}

/// The columns [`reference_row`] reads.
const REFERENCE_SELECT: &str = "SELECT f.id, f.path, f.sha256, f.format, f.width, f.height,
        p.hash, p.quality, p.low_information, h.hash, c.hash, w.hash
     FROM files f
     JOIN hashes p ON p.file_id = f.id AND p.algorithm = 'pdq'
     LEFT JOIN hashes h ON h.file_id = f.id AND h.algorithm = 'phash64'
     LEFT JOIN hashes c ON c.file_id = f.id AND c.algorithm = 'pdq-crops'
     LEFT JOIN hashes w ON w.file_id = f.id AND w.algorithm = 'pdq-windows'";

fn reference_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Reference> {
    let pdq: Vec<u8> = r.get(6)?;
    let ph: Option<Vec<u8>> = r.get(9)?;
    let crops: Vec<u8> = r.get::<_, Option<Vec<u8>>>(10)?.unwrap_or_default();
    let windows: Vec<u8> = r.get::<_, Option<Vec<u8>>>(11)?.unwrap_or_default();
    Ok(Reference {
        file_id: r.get(0)?,
        path: PathBuf::from(r.get::<_, String>(1)?),
        sha256: r.get(2)?,
        format: r.get(3)?,
        width: r.get(4)?,
        height: r.get(5)?,
        pdq: Pdq::from_bytes(&pdq).unwrap_or_default(),
        pdq_quality: r.get::<_, Option<u8>>(7)?.unwrap_or(0),
        low_information: r.get(8)?,
        phash: ph.and_then(|p| p.try_into().ok()).map(u64::from_be_bytes),
        crops: crops.chunks(32).filter_map(Pdq::from_bytes).collect(),
        windows: windows.chunks(32).filter_map(Pdq::from_bytes).collect(),
    })
}

/// Hash rows a fully hashed file has (pdq, phash64, pdq-crops, pdq-windows).
pub(crate) const HASH_ROWS: i64 = 4;

impl Store for SqliteStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn search(&self, text: &str, limit: usize, offset: usize) -> Result<Vec<i64>> {
        super::search::sqlite(&self.conn, text, limit, offset)
    }

    fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn cached(&self, path: &str) -> Result<Option<Cached>> {
        Ok(self
            .conn
            .query_row(
                "SELECT f.size, f.mtime_ns,
                        (SELECT COUNT(*) FROM hashes h WHERE h.file_id = f.id AND h.settings = ?2),
                        EXISTS (SELECT 1 FROM videos v WHERE v.file_id = f.id AND v.settings = ?2)
                 FROM files f WHERE f.path = ?1",
                params![path, SETTINGS_VERSION],
                |r| {
                    Ok(Cached {
                        size: r.get::<_, i64>(0)? as u64,
                        mtime_ns: r.get(1)?,
                        current: r.get::<_, i64>(2)? == HASH_ROWS || r.get::<_, bool>(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn file_id(&self, key: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM files WHERE path = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Every reference with its hashes, in file order.
    fn references(&self) -> Result<Vec<Reference>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{REFERENCE_SELECT} ORDER BY f.id"))?;
        let rows = stmt.query_map([], reference_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One reference by file id.
    fn reference(&self, file_id: i64) -> Result<Option<Reference>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{REFERENCE_SELECT} WHERE f.id = ?1"))?;
        Ok(stmt.query_row([file_id], reference_row).optional()?)
    }

    /// The local features of a reference, if it has current ones.
    fn features(&self, file_id: i64) -> Result<Option<Features>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM features WHERE file_id = ?1 AND settings = ?2")?;
        let blob: Option<Vec<u8>> = stmt
            .query_row(params![file_id, SETTINGS_VERSION], |r| r.get(0))
            .optional()?;
        Ok(blob.and_then(|b| Features::from_bytes(&b)))
    }

    /// Files whose bytes have this SHA-256.
    fn files_with_sha256(&self, sha256: &str) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM files WHERE sha256 = ?1 ORDER BY id")?;
        let ids = stmt.query_map([sha256], |r| r.get(0))?;
        Ok(ids.collect::<Result<Vec<_>, _>>()?)
    }

    /// Streams what the search index needs of every reference, in file id
    /// order. Reads the hash rows in storage order (no join, no index
    /// lookups) and sorts in memory, so a million references load in well
    /// under a second.
    fn references_upper_bound(&self) -> Result<usize> {
        let max: i64 = self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM files", [], |r| r.get(0))?;
        Ok(max.max(0) as usize)
    }

    fn for_each_search_hash(&self, f: &mut dyn FnMut(SearchHashes<'_>)) -> Result<()> {
        self.scan_search_hashes(f)
    }

    fn contexts(&self, file_id: i64) -> Result<Vec<Context>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source_url, publisher, published, caption, location, latitude, longitude,
                    credit, licence, notes
             FROM contexts WHERE file_id = ?1 ORDER BY published IS NULL, published, id",
        )?;
        let rows = stmt.query_map([file_id], |r| {
            Ok(Context {
                source_url: r
                    .get::<_, String>(0)
                    .map(|s| (!s.is_empty()).then_some(s))?,
                publisher: r.get(1)?,
                published: r.get(2)?,
                caption: r.get(3)?,
                location: r.get(4)?,
                latitude: r.get(5)?,
                longitude: r.get(6)?,
                credit: r.get(7)?,
                licence: r.get(8)?,
                notes: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn exif(&self, file_id: i64) -> Result<ExifSummary> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT datetime_original, offset_time, datetime_modified, make, model, software,
                    artist, copyright, image_description, gps_latitude, gps_longitude,
                    gps_altitude, orientation, pixel_width, pixel_height, warnings,
                    subsec_original
             FROM exif WHERE file_id = ?1",
        )?;
        let summary = stmt
            .query_row([file_id], |r| {
                let warnings: Option<String> = r.get(15)?;
                Ok(ExifSummary {
                    datetime_original: r.get(0)?,
                    subsec_original: r.get(16)?,
                    offset_time: r.get(1)?,
                    datetime_modified: r.get(2)?,
                    make: r.get(3)?,
                    model: r.get(4)?,
                    software: r.get(5)?,
                    artist: r.get(6)?,
                    copyright: r.get(7)?,
                    image_description: r.get(8)?,
                    gps_latitude: r.get(9)?,
                    gps_longitude: r.get(10)?,
                    gps_altitude: r.get(11)?,
                    orientation: r.get(12)?,
                    pixel_width: r.get(13)?,
                    pixel_height: r.get(14)?,
                    warnings: warnings
                        .and_then(|w| serde_json::from_str(&w).ok())
                        .unwrap_or_default(),
                })
            })
            .optional()?;
        Ok(summary.unwrap_or_default())
    }

    fn list(&self) -> Result<Vec<FileEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT f.path, f.sha256, f.format, f.width, f.height, p.hash, p.quality,
                    p.low_information,
                    (SELECT COUNT(*) FROM contexts c WHERE c.file_id = f.id),
                    (SELECT MIN(published) FROM contexts c WHERE c.file_id = f.id)
             FROM files f LEFT JOIN hashes p ON p.file_id = f.id AND p.algorithm = 'pdq'
             WHERE (p.hash IS NOT NULL OR f.id IN (SELECT file_id FROM videos))
               AND {}
             ORDER BY f.path",
            video::NOT_A_FRAME
        ))?;
        let rows = stmt.query_map([], |r| {
            let pdq: Vec<u8> = r.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default();
            Ok(FileEntry {
                path: PathBuf::from(r.get::<_, String>(0)?),
                sha256: r.get(1)?,
                format: r.get(2)?,
                width: r.get(3)?,
                height: r.get(4)?,
                pdq: Pdq::from_bytes(&pdq).unwrap_or_default().to_hex(),
                pdq_quality: r.get::<_, Option<u8>>(6)?.unwrap_or(0),
                low_information: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
                contexts: r.get::<_, i64>(8)? as usize,
                earliest_published: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn stats(&self) -> Result<Stats> {
        let one = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT format, COUNT(*) FROM files f WHERE {} GROUP BY format ORDER BY 2 DESC, 1",
            video::NOT_A_FRAME
        ))?;
        let formats = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let (earliest, latest) = self.conn.query_row(
            "SELECT MIN(published), MAX(published) FROM contexts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (videos, video_frames, video_hours) = video::counts(&self.conn)?;
        Ok(Stats {
            database: PathBuf::from(&self.location),
            schema_version: self.schema_version()?,
            files: one(&format!(
                "SELECT COUNT(*) FROM files f WHERE {}",
                video::NOT_A_FRAME
            ))?,
            files_with_context: one("SELECT COUNT(DISTINCT file_id) FROM contexts")?,
            contexts: one("SELECT COUNT(*) FROM contexts")?,
            low_information: one(
                "SELECT COUNT(*) FROM hashes WHERE algorithm = 'pdq' AND low_information",
            )?,
            formats,
            earliest_published: earliest,
            latest_published: latest,
            videos,
            video_frames,
            video_hours,
        })
    }

    fn keys(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT path FROM files f WHERE {}",
            video::NOT_A_FRAME
        ))?;
        let keys = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(keys.collect::<Result<Vec<_>, _>>()?)
    }

    fn write_analyses(&mut self, files: &[(String, Analysis)]) -> Result<Vec<bool>> {
        let tx = self.write_transaction()?;
        let new = files
            .iter()
            .map(|(key, a)| write::upsert_analysis(&tx, key, a))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(new)
    }

    fn attach_context(&mut self, keys: &[String], context: &Context) -> Result<usize> {
        let tx = self.write_transaction()?;
        let mut n = 0;
        for key in keys {
            let id: Option<i64> = tx
                .prepare_cached("SELECT id FROM files WHERE path = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?;
            if let Some(id) = id {
                write::insert_context(&tx, id, context, false)?;
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    fn remove(&mut self, keys: &[String]) -> Result<usize> {
        let tx = self.write_transaction()?;
        let mut n = 0;
        for key in keys {
            n += tx
                .prepare_cached("DELETE FROM files WHERE path = ?1")?
                .execute([key])?;
        }
        tx.commit()?;
        Ok(n)
    }

    fn frame_of(&self, file_id: i64) -> Result<Option<FrameOf>> {
        video::frame_of(&self.conn, file_id)
    }

    fn frames_kept(&self, video_id: i64) -> Result<Option<usize>> {
        video::frames_kept(&self.conn, video_id)
    }

    fn frame_times(&self, video_id: i64) -> Result<Vec<f64>> {
        video::frame_times(&self.conn, video_id)
    }

    fn import(&mut self, records: &[super::ImportRecord<'_>]) -> Result<ImportReport> {
        let tx = self.write_transaction()?;
        let report = write::import(&tx, records)?;
        tx.commit()?;
        Ok(report)
    }

    fn stored_files(&self, after: i64, limit: usize) -> Result<Vec<(i64, StoredFile)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, path, size, mtime_ns, sha256, format, width, height, added_at, updated_at
             FROM files WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let files = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok((
                    r.get(0)?,
                    StoredFile {
                        key: r.get(1)?,
                        size: r.get(2)?,
                        mtime_ns: r.get(3)?,
                        sha256: r.get(4)?,
                        format: r.get(5)?,
                        width: r.get(6)?,
                        height: r.get(7)?,
                        added_at: r.get(8)?,
                        updated_at: r.get(9)?,
                        hashes: Vec::new(),
                        exif: None,
                        features: None,
                        contexts: Vec::new(),
                        video: None,
                        frame: None,
                        other_paths: Vec::new(),
                    },
                ))
            })?
            .collect::<Result<Vec<(i64, StoredFile)>, _>>()?;
        files
            .into_iter()
            .map(|(id, mut f)| {
                let mut hashes = self.conn.prepare_cached(
                    "SELECT algorithm, settings, hash, quality, low_information FROM hashes
                     WHERE file_id = ?1 ORDER BY algorithm",
                )?;
                f.hashes = hashes
                    .query_map([id], |r| {
                        Ok(StoredHash {
                            algorithm: r.get(0)?,
                            settings: r.get(1)?,
                            hash: r.get(2)?,
                            quality: r.get(3)?,
                            low_information: r.get(4)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                let has_exif = self
                    .conn
                    .prepare_cached("SELECT 1 FROM exif WHERE file_id = ?1")?
                    .exists([id])?;
                f.exif = if has_exif { Some(self.exif(id)?) } else { None };
                f.features = self
                    .conn
                    .prepare_cached("SELECT settings, data FROM features WHERE file_id = ?1")?
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                f.contexts = self.contexts(id)?;
                (f.video, f.frame) = video::stored(&self.conn, id)?;
                Ok((id, f))
            })
            .collect()
    }

    fn write_stored(&mut self, files: &[StoredFile]) -> Result<()> {
        let tx = self.write_transaction()?;
        for f in files {
            write::write_stored(&tx, f)?;
            // Another desk's path to the same bytes (from PostgreSQL)
            // becomes a reference of its own, as a build here makes one.
            for other in &f.other_paths {
                let named = StoredFile {
                    key: other.path.clone(),
                    size: other.size,
                    mtime_ns: other.mtime_ns,
                    other_paths: Vec::new(),
                    ..f.clone()
                };
                write::write_stored(&tx, &named)?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
