//! The PostgreSQL engine of the corpus, shared by a whole desk: one
//! database with its embedded, versioned schema migrations (applied under
//! an advisory lock, so processes starting together migrate once; a schema
//! newer than this build is refused), and the reads of the [`Store`]
//! interface. Writes are in [`write`], the connection in [`connect`].

pub mod connect;
mod write;

use std::sync::{Mutex, MutexGuard};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls, Row};

use super::{
    Cached, FileEntry, ImportRecord, ImportReport, Reference, SearchHashes, Stats, Store,
    StoredFile, StoredHash,
};
use crate::analyze::Analysis;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::{Pdq, SETTINGS_VERSION};

/// Embedded migrations, applied in order; the schema version is their count.
const MIGRATIONS: &[&str] = &[include_str!(
    "../../../migrations/postgres/0001_initial.sql"
)];

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
        let location = connect::mask(url);
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
        phash: bytes(9)
            .try_into()
            .map(u64::from_be_bytes)
            .unwrap_or_default(),
        crops: bytes(10).chunks(32).filter_map(Pdq::from_bytes).collect(),
        windows: bytes(11).chunks(32).filter_map(Pdq::from_bytes).collect(),
    }
}

/// Hash rows a fully hashed file has (pdq, phash64, pdq-crops, pdq-windows).
const HASH_ROWS: i64 = 4;

impl Store for PgStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn schema_version(&self) -> Result<i64> {
        self.with(Self::version)
    }

    fn cached(&self, key: &str) -> Result<Option<Cached>> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT f.size, f.mtime_ns,
                        (SELECT COUNT(*) FROM hashes h WHERE h.file_id = f.id AND h.settings = $2)
                 FROM files f WHERE f.path = $1",
                &[&key, &SETTINGS_VERSION],
            )
        })?;
        Ok(row.map(|r| Cached {
            size: r.get::<_, i64>(0) as u64,
            mtime_ns: r.get(1),
            current: r.get::<_, i64>(2) == HASH_ROWS,
        }))
    }

    fn file_id(&self, key: &str) -> Result<Option<i64>> {
        let row = self.with(|c| c.query_opt("SELECT id FROM files WHERE path = $1", &[&key]))?;
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
                "SELECT id FROM files WHERE sha256 = $1 ORDER BY id",
                &[&sha256],
            )
        })?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn for_each_search_hash(&self, f: &mut dyn FnMut(SearchHashes<'_>)) -> Result<()> {
        // Streamed in file order, each file's search hashes gathered by the
        // server: one row per file.
        self.with(|c| {
            let mut rows = c.query_raw(
                "SELECT p.file_id, p.hash, p.low_information, c.hash, w.hash
                 FROM hashes p
                 LEFT JOIN hashes c ON c.file_id = p.file_id AND c.algorithm = 'pdq-crops'
                 LEFT JOIN hashes w ON w.file_id = p.file_id AND w.algorithm = 'pdq-windows'
                 WHERE p.algorithm = 'pdq' ORDER BY p.file_id",
                std::iter::empty::<i64>(),
            )?;
            while let Some(r) = rows.next()? {
                let codes = |i: usize| -> Vec<Pdq> {
                    r.get::<_, Option<&[u8]>>(i)
                        .unwrap_or_default()
                        .chunks(32)
                        .filter_map(Pdq::from_bytes)
                        .collect()
                };
                let (crops, windows) = (codes(3), codes(4));
                f(SearchHashes {
                    file_id: r.get(0),
                    pdq: Pdq::from_bytes(r.get(1)).unwrap_or_default(),
                    crops: &crops,
                    windows: &windows,
                    low_information: r.get(2),
                });
            }
            Ok(())
        })
    }

    fn contexts(&self, file_id: i64) -> Result<Vec<Context>> {
        let rows = self.with(|c| {
            c.query(
                "SELECT source_url, publisher, published, caption, location, latitude, longitude,
                        credit, licence, notes
                 FROM contexts WHERE file_id = $1 ORDER BY published IS NULL, published, id",
                &[&file_id],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| Context {
                source_url: Some(r.get::<_, String>(0)).filter(|s| !s.is_empty()),
                publisher: r.get(1),
                published: r.get(2),
                caption: r.get(3),
                location: r.get(4),
                latitude: r.get(5),
                longitude: r.get(6),
                credit: r.get(7),
                licence: r.get(8),
                notes: r.get(9),
            })
            .collect())
    }

    fn exif(&self, file_id: i64) -> Result<ExifSummary> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT datetime_original, offset_time, datetime_modified, make, model, software,
                        artist, copyright, image_description, gps_latitude, gps_longitude,
                        gps_altitude, orientation, pixel_width, pixel_height, warnings,
                        subsec_original
                 FROM exif WHERE file_id = $1",
                &[&file_id],
            )
        })?;
        let Some(r) = row else {
            return Ok(ExifSummary::default());
        };
        let int = |i: usize| r.get::<_, Option<i64>>(i);
        Ok(ExifSummary {
            datetime_original: r.get(0),
            subsec_original: r.get(16),
            offset_time: r.get(1),
            datetime_modified: r.get(2),
            make: r.get(3),
            model: r.get(4),
            software: r.get(5),
            artist: r.get(6),
            copyright: r.get(7),
            image_description: r.get(8),
            gps_latitude: r.get(9),
            gps_longitude: r.get(10),
            gps_altitude: r.get(11),
            orientation: int(12).map(|v| v as u16),
            pixel_width: int(13).map(|v| v as u32),
            pixel_height: int(14).map(|v| v as u32),
            warnings: r
                .get::<_, Option<String>>(15)
                .and_then(|w| serde_json::from_str(&w).ok())
                .unwrap_or_default(),
        })
    }

    fn list(&self) -> Result<Vec<FileEntry>> {
        let rows = self.with(|c| {
            c.query(
                "SELECT f.path, f.sha256, f.format, f.width, f.height, p.hash, p.quality,
                        p.low_information,
                        (SELECT COUNT(*) FROM contexts c WHERE c.file_id = f.id),
                        (SELECT MIN(published) FROM contexts c WHERE c.file_id = f.id)
                 FROM files f JOIN hashes p ON p.file_id = f.id AND p.algorithm = 'pdq'
                 ORDER BY f.path",
                &[],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| FileEntry {
                path: r.get::<_, String>(0).into(),
                sha256: r.get(1),
                format: r.get(2),
                width: r.get::<_, i64>(3) as u32,
                height: r.get::<_, i64>(4) as u32,
                pdq: Pdq::from_bytes(r.get(5)).unwrap_or_default().to_hex(),
                pdq_quality: r.get::<_, Option<i16>>(6).unwrap_or(0) as u8,
                low_information: r.get(7),
                contexts: r.get::<_, i64>(8) as usize,
                earliest_published: r.get(9),
            })
            .collect())
    }

    fn stats(&self) -> Result<Stats> {
        let (formats, counts) = self.with(|c| {
            let formats = c.query(
                "SELECT format, COUNT(*) FROM files GROUP BY format ORDER BY 2 DESC, 1",
                &[],
            )?;
            let counts = c.query_one(
                "SELECT (SELECT COUNT(*) FROM files),
                        (SELECT COUNT(DISTINCT file_id) FROM contexts),
                        (SELECT COUNT(*) FROM contexts),
                        (SELECT COUNT(*) FROM hashes WHERE algorithm = 'pdq' AND low_information),
                        (SELECT MIN(published) FROM contexts),
                        (SELECT MAX(published) FROM contexts)",
                &[],
            )?;
            Ok((formats, counts))
        })?;
        Ok(Stats {
            database: self.location.clone().into(),
            schema_version: self.schema_version()?,
            files: counts.get(0),
            files_with_context: counts.get(1),
            contexts: counts.get(2),
            low_information: counts.get(3),
            formats: formats.iter().map(|r| (r.get(0), r.get(1))).collect(),
            earliest_published: counts.get(4),
            latest_published: counts.get(5),
            // Video references are not stored by this engine yet
            // (write_analyses refuses them).
            videos: 0,
            video_frames: 0,
            video_hours: 0.0,
        })
    }

    fn keys(&self) -> Result<Vec<String>> {
        let rows = self.with(|c| c.query("SELECT path FROM files", &[]))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn write_analyses(&mut self, files: &[(String, Analysis)]) -> Result<Vec<bool>> {
        if let Some((key, _)) = files.iter().find(|(_, a)| a.video.is_some()) {
            return Err(Error::File {
                path: key.into(),
                source: crate::error::FileError::Unsupported(
                    "a video reference in a PostgreSQL corpus (SQLite only for now)".into(),
                ),
            });
        }
        self.with(|c| {
            let mut tx = c.transaction()?;
            let new = files
                .iter()
                .map(|(key, a)| write::upsert_analysis(&mut tx, key, a))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(new)
        })
    }

    fn attach_context(&mut self, keys: &[String], context: &Context) -> Result<usize> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let mut n = 0;
            for key in keys {
                if let Some(r) = tx.query_opt("SELECT id FROM files WHERE path = $1", &[key])? {
                    write::insert_context(&mut tx, r.get(0), context)?;
                    n += 1;
                }
            }
            tx.commit()?;
            Ok(n)
        })
    }

    fn remove(&mut self, keys: &[String]) -> Result<usize> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let n = tx.execute("DELETE FROM files WHERE path = ANY($1)", &[&keys])?;
            tx.commit()?;
            Ok(n as usize)
        })
    }

    fn import(&mut self, records: &[ImportRecord<'_>]) -> Result<ImportReport> {
        let mut client = self.client();
        let mut tx = client.transaction().map_err(|e| self.error(e))?;
        let report = write::import(&mut tx, records).map_err(|e| match e {
            Error::Postgres { error, .. } => self.error(error),
            other => other,
        })?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(report)
    }

    fn stored_files(&self, after: i64, limit: usize) -> Result<Vec<(i64, StoredFile)>> {
        let rows = self.with(|c| {
            c.query(
                "SELECT id, path, size, mtime_ns, sha256, format, width, height, added_at,
                        updated_at, (SELECT settings FROM features WHERE file_id = f.id),
                        (SELECT data FROM features WHERE file_id = f.id),
                        EXISTS (SELECT 1 FROM exif WHERE file_id = f.id)
                 FROM files f WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &(limit as i64)],
            )
        })?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                let hashes = self.with(|c| {
                    c.query(
                        "SELECT algorithm, settings, hash, quality, low_information FROM hashes
                         WHERE file_id = $1 ORDER BY algorithm COLLATE \"C\"",
                        &[&id],
                    )
                })?;
                let settings: Option<i64> = r.get(10);
                Ok((
                    id,
                    StoredFile {
                        key: r.get(1),
                        size: r.get(2),
                        mtime_ns: r.get(3),
                        sha256: r.get(4),
                        format: r.get(5),
                        width: r.get(6),
                        height: r.get(7),
                        added_at: r.get(8),
                        updated_at: r.get(9),
                        hashes: hashes
                            .iter()
                            .map(|h| StoredHash {
                                algorithm: h.get(0),
                                settings: h.get(1),
                                hash: h.get(2),
                                quality: h.get::<_, Option<i16>>(3).map(i64::from),
                                low_information: h.get(4),
                            })
                            .collect(),
                        exif: if r.get(12) {
                            Some(self.exif(id)?)
                        } else {
                            None
                        },
                        features: settings.map(|s| (s, r.get(11))),
                        contexts: self.contexts(id)?,
                    },
                ))
            })
            .collect()
    }

    fn write_stored(&mut self, files: &[StoredFile]) -> Result<()> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            for f in files {
                write::write_stored(&mut tx, f)?;
            }
            tx.commit()
        })
    }
}
