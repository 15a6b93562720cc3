//! The reference corpus: a SQLite file (WAL, busy timeout) holding every
//! reference image's hashes, EXIF and known contexts. The schema comes from
//! embedded SQL migrations; a database newer than this build is refused.

mod build;
mod search;
mod store;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{Error, Result};

pub use build::{add_paths, corpus_key, BuildOptions, BuildReport, FileFailure};
pub use search::MAX_SEARCH;
pub use store::ImportReport;
pub use store::{FileEntry, Reference, SearchHashes, Stats};

/// Embedded migrations, applied in order; the schema version is their count.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_features.sql"),
    include_str!("../../migrations/0003_exif_subsec.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Corpus {
    conn: Connection,
    path: PathBuf,
}

impl Corpus {
    /// Opens (creating if needed) and migrates the corpus at `path`.
    pub fn open(path: &Path) -> Result<Corpus> {
        let conn = Connection::open(path)?;
        let mut corpus = Corpus {
            conn,
            path: path.to_path_buf(),
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
        corpus.configure().map_err(not_a_db)?;
        corpus.migrate().map_err(not_a_db)?;
        Ok(corpus)
    }

    /// An in-memory corpus (for evaluation and tests of the library).
    pub fn in_memory() -> Result<Corpus> {
        let mut corpus = Corpus {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
        };
        corpus.configure()?;
        corpus.migrate()?;
        Ok(corpus)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
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

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::DbTooNew {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}
