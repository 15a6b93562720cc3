//! The PostgreSQL engine of the corpus, shared by a whole desk: one
//! database with its embedded, versioned schema migrations (applied under
//! an advisory lock, so processes starting together migrate once; a schema
//! newer than this build is refused), and the [`Store`] interface over it.
//! Every write is one transaction that first raises the change sequence
//! ([`changes`]): writers take turns, and every process's index follows
//! what they wrote. Record reads are in [`read`], writes in [`write`],
//! videos in [`video`], bulk imports in [`bulk`], the connection in
//! [`connect`].

mod bulk;
mod changes;
pub mod connect;
mod read;
mod video;
mod write;

use std::sync::{Mutex, MutexGuard};

use postgres::{Client, NoTls, Row, Transaction};

use super::{
    Cached, Changes, FileEntry, FrameOf, ImportRecord, ImportReport, Reference, SearchHashes,
    Stats, Store, StoredFile,
};
use crate::analyze::Analysis;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::{Pdq, SETTINGS_VERSION};

/// Embedded migrations, applied in order; the schema version is their count.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_initial.sql"),
    include_str!("../../../migrations/postgres/0002_video.sql"),
    include_str!("../../../migrations/postgres/0003_changes.sql"),
    include_str!("../../../migrations/postgres/0004_prune_removals.sql"),
    include_str!("../../../migrations/postgres/0005_import_speed.sql"),
    include_str!("../../../migrations/postgres/0006_context_appearance.sql"),
    include_str!("../../../migrations/postgres/0007_external_by_key.sql"),
    include_str!("../../../migrations/postgres/0008_unknown_phash.sql"),
];

/// The SQL condition that `path` lies in the range of keys a hash-only
/// reference with the SHA-256 `sha256` (SQL expressions both) can have:
/// `external:` and the digest's first 16 digits, then more digits or `/`
/// and a name ([`crate::corpus::external_key`]; migration 7 checks it). The
/// unique index of paths finds such references by their SHA-256 this way.
pub(super) fn external_keys_of(path: &str, sha256: &str) -> String {
    format!(
        "{path} >= 'external:' || left({sha256}, 16) \
         AND {path} < 'external:' || left({sha256}, 16) || '~'"
    )
}

/// The PostgreSQL schema version this build writes.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Key of the advisory lock held while migrating ("provchck" in ASCII).
const MIGRATION_LOCK: i64 = 0x7072_6f76_6368_636b;

/// A corpus in one PostgreSQL database.
pub struct PgStore {
    client: Mutex<Client>,
    /// The URL with its password masked.
    location: String,
}

impl PgStore {
    /// Connects to `url` (`postgres://` or `postgresql://`) and migrates
    /// the database.
    ///
    /// Errors: [`Error::Invalid`] for a bad URL, [`Error::Postgres`] when
    /// the server cannot be reached or refuses the login, [`Error::DbTooNew`]
    /// for a newer schema, [`Error::ReadOnly`] when the schema must be
    /// created or migrated by a role that may not.
    pub fn open(url: &str) -> Result<PgStore> {
        let location = crate::corpus::location::mask(url);
        let client = connect::config(url)?
            .connect(NoTls)
            .map_err(|e| Error::Postgres {
                location: location.clone(),
                error: e,
            })?;
        let store = PgStore {
            client: Mutex::new(client),
            location,
        };
        store.migrate()?;
        Ok(store)
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The error of a failed statement, naming the database; a write
    /// refused for lack of rights is [`Error::ReadOnly`].
    fn error(&self, e: postgres::Error) -> Error {
        use postgres::error::SqlState;
        match e.code() {
            Some(c)
                if *c == SqlState::INSUFFICIENT_PRIVILEGE
                    || *c == SqlState::READ_ONLY_SQL_TRANSACTION =>
            {
                Error::ReadOnly {
                    location: self.location.clone(),
                    reason: e
                        .as_db_error()
                        .map(|d| d.message().to_string())
                        .unwrap_or_default(),
                }
            }
            _ => Error::Postgres {
                location: self.location.clone(),
                error: e,
            },
        }
    }

    fn version(
        client: &mut impl postgres::GenericClient,
    ) -> std::result::Result<i64, postgres::Error> {
        let exists: bool = client
            .query_one("SELECT to_regclass('provcheck_schema') IS NOT NULL", &[])?
            .get(0);
        if !exists {
            return Ok(0);
        }
        Ok(client
            .query_opt("SELECT version FROM provcheck_schema", &[])?
            .map_or(0, |r| r.get(0)))
    }

    /// Applies the migrations this database lacks, in one transaction under
    /// an advisory lock. An up-to-date database is only read (a read-only
    /// role may open it).
    fn migrate(&self) -> Result<()> {
        let mut client = self.client();
        let too_new = |found| Error::DbTooNew {
            path: self.location.clone().into(),
            found,
            supported: PG_SCHEMA_VERSION,
        };
        let version = Self::version(&mut *client).map_err(|e| self.error(e))?;
        if version > PG_SCHEMA_VERSION {
            return Err(too_new(version));
        }
        if version == PG_SCHEMA_VERSION {
            return Ok(());
        }
        let mut run = || -> std::result::Result<Option<i64>, postgres::Error> {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS provcheck_schema (version bigint NOT NULL)",
            )?;
            let version = Self::version(&mut tx)?;
            if version > PG_SCHEMA_VERSION {
                return Ok(Some(version));
            }
            for sql in MIGRATIONS.iter().skip(version.max(0) as usize) {
                tx.batch_execute(sql)?;
            }
            tx.execute("DELETE FROM provcheck_schema", &[])?;
            tx.execute(
                "INSERT INTO provcheck_schema (version) VALUES ($1)",
                &[&PG_SCHEMA_VERSION],
            )?;
            tx.commit()?;
            Ok(None)
        };
        match run().map_err(|e| self.error(e))? {
            Some(found) => Err(too_new(found)),
            None => Ok(()),
        }
    }

    /// Runs `f` on the client, mapping its error.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Client) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        f(&mut self.client()).map_err(|e| self.error(e))
    }

    /// Runs `f` in one write transaction, all or nothing. The transaction
    /// first raises the change sequence and so holds its row until it ends:
    /// writers of every process take turns (two builds of overlapping
    /// folders, an import during a build), readers never wait; then it
    /// prunes the removals older than [`changes::REMOVALS_KEPT`]. `f` gets
    /// the write's number.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>, i64) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let mut client = self.client();
        let run = |client: &mut Client| {
            let mut tx = client.transaction()?;
            let seq: i64 = tx
                .query_one(
                    "UPDATE provcheck_changes SET seq = seq + 1 RETURNING seq",
                    &[],
                )?
                .get(0);
            changes::prune(&mut tx)?;
            let out = f(&mut tx, seq)?;
            tx.commit()?;
            Ok(out)
        };
        run(&mut client).map_err(|e| self.error(e))
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

fn reference_row(r: &Row) -> Reference {
    let bytes = |i: usize| r.get::<_, Option<Vec<u8>>>(i).unwrap_or_default();
    Reference {
        file_id: r.get(0),
        path: r.get::<_, String>(1).into(),
        sha256: r.get(2),
        format: r.get(3),
        width: r.get::<_, i64>(4) as u32,
        height: r.get::<_, i64>(5) as u32,
        pdq: Pdq::from_bytes(&bytes(6)).unwrap_or_default(),
        pdq_quality: r.get::<_, Option<i16>>(7).unwrap_or(0) as u8,
        low_information: r.get(8),
        phash: r
            .get::<_, Option<Vec<u8>>>(9)
            .and_then(|p| p.try_into().ok())
            .map(u64::from_be_bytes),
        crops: bytes(10).chunks(32).filter_map(Pdq::from_bytes).collect(),
        windows: bytes(11).chunks(32).filter_map(Pdq::from_bytes).collect(),
    }
}

/// Hash rows a fully hashed file has (pdq, phash64, pdq-crops, pdq-windows).
pub(super) const HASH_ROWS: i64 = 4;

impl Store for PgStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn schema_version(&self) -> Result<i64> {
        self.with(Self::version)
    }

    fn cached(&self, key: &str) -> Result<Option<Cached>> {
        // The file's own path, else a desk's path to it.
        let row = self.with(|c| {
            c.query_opt(
                "SELECT k.size, k.mtime_ns,
                        (SELECT COUNT(*) FROM hashes h WHERE h.file_id = k.id AND h.settings = $2),
                        EXISTS (SELECT 1 FROM videos v WHERE v.file_id = k.id AND v.settings = $2)
                 FROM (SELECT id, size, mtime_ns FROM files WHERE path = $1
                       UNION ALL
                       SELECT file_id, size, mtime_ns FROM file_paths WHERE path = $1) k
                 LIMIT 1",
                &[&key, &SETTINGS_VERSION],
            )
        })?;
        Ok(row.map(|r| Cached {
            size: r.get::<_, i64>(0) as u64,
            mtime_ns: r.get(1),
            current: r.get::<_, i64>(2) == HASH_ROWS || r.get::<_, bool>(3),
        }))
    }

    fn file_id(&self, key: &str) -> Result<Option<i64>> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT id FROM files WHERE path = $1
                 UNION ALL SELECT file_id FROM file_paths WHERE path = $1 LIMIT 1",
                &[&key],
            )
        })?;
        Ok(row.map(|r| r.get(0)))
    }

    fn references(&self) -> Result<Vec<Reference>> {
        let rows = self.with(|c| c.query(&format!("{REFERENCE_SELECT} ORDER BY f.id"), &[]))?;
        Ok(rows.iter().map(reference_row).collect())
    }

    fn reference(&self, file_id: i64) -> Result<Option<Reference>> {
        let row = self
            .with(|c| c.query_opt(&format!("{REFERENCE_SELECT} WHERE f.id = $1"), &[&file_id]))?;
        Ok(row.as_ref().map(reference_row))
    }

    fn features(&self, file_id: i64) -> Result<Option<Features>> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT data FROM features WHERE file_id = $1 AND settings = $2",
                &[&file_id, &SETTINGS_VERSION],
            )
        })?;
        Ok(row.and_then(|r| Features::from_bytes(r.get(0))))
    }

    fn files_with_sha256(&self, sha256: &str) -> Result<Vec<i64>> {
        let rows = self.with(|c| {
            c.query(
                // Files of their own bytes by the index of their SHA-256,
                // hash-only references by their keys (migration 7).
                &format!(
                    "SELECT id FROM files WHERE sha256 = $1 AND format <> 'external'
                     UNION ALL
                     SELECT id FROM files
                     WHERE {} AND format = 'external' AND sha256 = $1
                     ORDER BY id",
                    external_keys_of("path", "$1")
                ),
                &[&sha256],
            )
        })?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn for_each_search_hash(&self, f: &mut dyn FnMut(SearchHashes<'_>)) -> Result<()> {
        self.with(|c| read::search_hashes(c, f))
    }

    fn references_upper_bound(&self) -> Result<usize> {
        let max: i64 = self.with(|c| {
            Ok(c.query_one("SELECT COALESCE(max(id), 0) FROM files", &[])?
                .get(0))
        })?;
        Ok(max.max(0) as usize)
    }

    fn contexts(&self, file_id: i64) -> Result<Vec<Context>> {
        self.with(|c| read::contexts(c, file_id))
    }

    fn exif(&self, file_id: i64) -> Result<ExifSummary> {
        Ok(self.with(|c| read::exif(c, file_id))?.unwrap_or_default())
    }

    fn list(&self) -> Result<Vec<FileEntry>> {
        self.with(read::list)
    }

    fn stats(&self) -> Result<Stats> {
        Ok(Stats {
            database: self.location.clone().into(),
            schema_version: self.schema_version()?,
            ..self.with(read::stats)?
        })
    }

    fn frame_of(&self, file_id: i64) -> Result<Option<FrameOf>> {
        self.with(|c| video::frame_of(c, file_id))
    }

    fn frames_kept(&self, video_id: i64) -> Result<Option<usize>> {
        self.with(|c| video::frames_kept(c, video_id))
    }

    fn frame_times(&self, video_id: i64) -> Result<Vec<f64>> {
        self.with(|c| video::frame_times(c, video_id))
    }

    fn change_seq(&self) -> Result<Option<i64>> {
        self.with(changes::current).map(Some)
    }

    fn changes_since(&self, seq: i64) -> Result<Option<Changes>> {
        self.with(|c| changes::since(c, seq))
    }

    /// Every stored key: the files' own paths (not video frames) and the
    /// paths desks know them by.
    fn keys(&self) -> Result<Vec<String>> {
        let rows = self.with(|c| {
            c.query(
                &format!(
                    "SELECT path FROM files f WHERE {}
                     UNION ALL SELECT path FROM file_paths",
                    video::NOT_A_FRAME
                ),
                &[],
            )
        })?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn write_analyses(&mut self, files: &[(String, Analysis)]) -> Result<Vec<bool>> {
        self.write(|tx, _| {
            files
                .iter()
                .map(|(key, a)| write::upsert_analysis(tx, key, a))
                .collect()
        })
    }

    fn attach_context(&mut self, keys: &[String], context: &Context) -> Result<usize> {
        self.write(|tx, _| {
            let mut n = 0;
            for key in keys {
                let row = tx.query_opt(
                    "SELECT id FROM files WHERE path = $1
                     UNION ALL SELECT file_id FROM file_paths WHERE path = $1 LIMIT 1",
                    &[key],
                )?;
                if let Some(r) = row {
                    write::insert_context(tx, r.get(0), context)?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    fn remove(&mut self, keys: &[String]) -> Result<usize> {
        self.write(|tx, _| write::remove(tx, keys))
    }

    fn import(&mut self, records: &[ImportRecord<'_>]) -> Result<ImportReport> {
        self.write(|tx, seq| bulk::import(tx, seq, records))
    }

    fn stored_files(&self, after: i64, limit: usize) -> Result<Vec<(i64, StoredFile)>> {
        self.with(|c| read::stored_files(c, after, limit))
    }

    fn write_stored(&mut self, files: &[StoredFile]) -> Result<()> {
        self.write(|tx, _| {
            for f in files {
                write::write_stored(tx, f)?;
            }
            Ok(())
        })
    }
}
