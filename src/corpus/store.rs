//! Rows of the corpus: writing an analysed file, reading references for the
//! index, their EXIF and contexts, listing, statistics, removal and context
//! import. Paths are stored absolute and canonical.

use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::Corpus;
use crate::analyze::Analysis;
use crate::context::{Context, ContextRecord};
use crate::error::Result;
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::{Pdq, SETTINGS_VERSION};

/// A reference as the index needs it.
#[derive(Debug, Clone)]
pub struct Reference {
    pub file_id: i64,
    pub path: PathBuf,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub pdq: Pdq,
    pub pdq_quality: u8,
    pub phash: u64,
    /// PDQ of the standard sub-frames (see [`crate::hash::CROPS`]).
    pub crops: Vec<Pdq>,
    /// PDQ of the deep crops that nominate candidates (see
    /// [`crate::hash::window`]).
    pub windows: Vec<Pdq>,
    pub low_information: bool,
}

/// What the search index needs of one reference.
#[derive(Debug, Clone, Copy)]
pub struct SearchHashes<'a> {
    pub file_id: i64,
    pub pdq: Pdq,
    pub crops: &'a [Pdq],
    pub windows: &'a [Pdq],
    pub low_information: bool,
}

impl Reference {
    /// The reference a freshly analysed file would be once stored.
    pub fn from_analysis(file_id: i64, a: &crate::analyze::Analysis) -> Reference {
        Reference {
            file_id,
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            format: a.format.clone(),
            width: a.width,
            height: a.height,
            pdq: a.hashes.pdq,
            pdq_quality: a.hashes.pdq_quality,
            phash: a.hashes.phash,
            crops: a.hashes.crops.iter().map(|c| c[0]).collect(),
            windows: a.hashes.windows.clone(),
            low_information: a.hashes.low_information,
        }
    }
}

/// One line of `corpus list`.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: PathBuf,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub pdq: String,
    pub pdq_quality: u8,
    pub low_information: bool,
    pub contexts: usize,
    pub earliest_published: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub database: PathBuf,
    pub schema_version: i64,
    pub files: i64,
    pub files_with_context: i64,
    pub contexts: i64,
    pub low_information: i64,
    pub formats: Vec<(String, i64)>,
    pub earliest_published: Option<String>,
    pub latest_published: Option<String>,
}

/// What `import` did with a batch of context records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub attached: usize,
    /// Hash-only references created from records with a `pdq` and no file.
    pub external: usize,
    /// Records whose path or sha256 names no file of the corpus.
    pub unmatched: Vec<String>,
}

pub(crate) struct Cached {
    pub size: u64,
    pub mtime_ns: i64,
    pub current: bool,
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
    let ph: Vec<u8> = r.get::<_, Option<Vec<u8>>>(9)?.unwrap_or_default();
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
        phash: ph.try_into().map(u64::from_be_bytes).unwrap_or_default(),
        crops: crops.chunks(32).filter_map(Pdq::from_bytes).collect(),
        windows: windows.chunks(32).filter_map(Pdq::from_bytes).collect(),
    })
}

/// Hash rows a fully hashed file has (pdq, phash64, pdq-crops, pdq-windows).
const HASH_ROWS: i64 = 4;

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Corpus {
    pub(crate) fn cached(&self, path: &str) -> Result<Option<Cached>> {
        Ok(self
            .conn
            .query_row(
                "SELECT f.size, f.mtime_ns,
                        (SELECT COUNT(*) FROM hashes h WHERE h.file_id = f.id AND h.settings = ?2)
                 FROM files f WHERE f.path = ?1",
                params![path, SETTINGS_VERSION],
                |r| {
                    Ok(Cached {
                        size: r.get::<_, i64>(0)? as u64,
                        mtime_ns: r.get(1)?,
                        current: r.get::<_, i64>(2)? == HASH_ROWS,
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn transaction(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction()?)
    }

    pub fn file_id(&self, path: &Path) -> Result<Option<i64>> {
        let key = path.to_string_lossy();
        Ok(self
            .conn
            .query_row("SELECT id FROM files WHERE path = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Every reference with its hashes, in file order.
    pub fn references(&self) -> Result<Vec<Reference>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{REFERENCE_SELECT} ORDER BY f.id"))?;
        let rows = stmt.query_map([], reference_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One reference by file id.
    pub fn reference(&self, file_id: i64) -> Result<Option<Reference>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{REFERENCE_SELECT} WHERE f.id = ?1"))?;
        Ok(stmt.query_row([file_id], reference_row).optional()?)
    }

    /// The local features of a reference, if it has current ones.
    pub fn features(&self, file_id: i64) -> Result<Option<Features>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM features WHERE file_id = ?1 AND settings = ?2")?;
        let blob: Option<Vec<u8>> = stmt
            .query_row(params![file_id, SETTINGS_VERSION], |r| r.get(0))
            .optional()?;
        Ok(blob.and_then(|b| Features::from_bytes(&b)))
    }

    /// Files whose bytes have this SHA-256.
    pub fn files_with_sha256(&self, sha256: &str) -> Result<Vec<i64>> {
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
    pub fn for_each_search_hash(&self, mut f: impl FnMut(SearchHashes<'_>)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT file_id, algorithm, hash, low_information FROM hashes
             WHERE algorithm IN ('pdq', 'pdq-crops', 'pdq-windows')",
        )?;
        let mut rows = stmt.query([])?;
        let mut whole: Vec<(i64, Pdq, bool)> = Vec::new();
        // (file id, 0 for sub-frames or 1 for windows, codes)
        let mut parts: Vec<(i64, u8, Vec<Pdq>)> = Vec::new();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let algorithm = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let blob = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            let codes = || blob.chunks(32).filter_map(Pdq::from_bytes).collect();
            match algorithm {
                "pdq" => whole.push((id, Pdq::from_bytes(blob).unwrap_or_default(), r.get(3)?)),
                "pdq-crops" => parts.push((id, 0, codes())),
                _ => parts.push((id, 1, codes())),
            }
        }
        // A damaged file (a broken primary-key index) may hold two rows of
        // one file's hash: the index takes each file once.
        whole.sort_unstable_by_key(|w| w.0);
        whole.dedup_by_key(|w| w.0);
        parts.sort_unstable_by_key(|c| (c.0, c.1));
        let mut parts = parts.into_iter().peekable();
        for (file_id, pdq, low_information) in whole {
            while parts.next_if(|c| c.0 < file_id).is_some() {}
            let crops = parts.next_if(|c| c.0 == file_id && c.1 == 0);
            let windows = parts.next_if(|c| c.0 == file_id && c.1 == 1);
            f(SearchHashes {
                file_id,
                pdq,
                crops: crops.as_ref().map_or(&[], |c| &c.2),
                windows: windows.as_ref().map_or(&[], |c| &c.2),
                low_information,
            });
        }
        Ok(())
    }

    pub fn contexts(&self, file_id: i64) -> Result<Vec<Context>> {
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

    pub fn exif(&self, file_id: i64) -> Result<ExifSummary> {
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

    pub fn list(&self) -> Result<Vec<FileEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT f.path, f.sha256, f.format, f.width, f.height, p.hash, p.quality,
                    p.low_information,
                    (SELECT COUNT(*) FROM contexts c WHERE c.file_id = f.id),
                    (SELECT MIN(published) FROM contexts c WHERE c.file_id = f.id)
             FROM files f JOIN hashes p ON p.file_id = f.id AND p.algorithm = 'pdq'
             ORDER BY f.path",
        )?;
        let rows = stmt.query_map([], |r| {
            let pdq: Vec<u8> = r.get(5)?;
            Ok(FileEntry {
                path: PathBuf::from(r.get::<_, String>(0)?),
                sha256: r.get(1)?,
                format: r.get(2)?,
                width: r.get(3)?,
                height: r.get(4)?,
                pdq: Pdq::from_bytes(&pdq).unwrap_or_default().to_hex(),
                pdq_quality: r.get::<_, Option<u8>>(6)?.unwrap_or(0),
                low_information: r.get(7)?,
                contexts: r.get::<_, i64>(8)? as usize,
                earliest_published: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn stats(&self) -> Result<Stats> {
        let one = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let mut stmt = self
            .conn
            .prepare("SELECT format, COUNT(*) FROM files GROUP BY format ORDER BY 2 DESC, 1")?;
        let formats = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let (earliest, latest) = self.conn.query_row(
            "SELECT MIN(published), MAX(published) FROM contexts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Stats {
            database: self.path.clone(),
            schema_version: self.schema_version()?,
            files: one("SELECT COUNT(*) FROM files")?,
            files_with_context: one("SELECT COUNT(DISTINCT file_id) FROM contexts")?,
            contexts: one("SELECT COUNT(*) FROM contexts")?,
            low_information: one(
                "SELECT COUNT(*) FROM hashes WHERE algorithm = 'pdq' AND low_information",
            )?,
            formats,
            earliest_published: earliest,
            latest_published: latest,
        })
    }

    /// Removes the given files (by stored path). Returns how many were removed.
    pub fn remove(&mut self, paths: &[PathBuf]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for p in paths {
            n += tx
                .prepare_cached("DELETE FROM files WHERE path = ?1")?
                .execute([p.to_string_lossy()])?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Stored paths under `dir` whose files no longer exist.
    pub(crate) fn missing_under(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut stmt = self.conn.prepare("SELECT path FROM files")?;
        let paths = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paths
            .into_iter()
            .map(PathBuf::from)
            .filter(|p| p.starts_with(dir) && !p.exists())
            .collect())
    }

    /// Attaches context records: by `path` (resolved against `base`) or by
    /// `sha256` (every file with those bytes). Re-importing the same source
    /// URL for a file replaces that record.
    pub fn import_contexts(
        &mut self,
        records: &[ContextRecord],
        base: &Path,
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        // In key order (stable, so records of one picture keep theirs): new
        // rows then land at the end of the path and sha256 indexes instead
        // of all over them, which keeps a million-record import in cache.
        let mut order: Vec<&ContextRecord> = records.iter().collect();
        order.sort_by(|a, b| import_key(a).cmp(&import_key(b)));
        let tx = self.conn.transaction()?;
        for rec in order {
            let mut ids: Vec<i64> = Vec::new();
            if let Some(p) = &rec.path {
                let full = base.join(p);
                let key = full.canonicalize().unwrap_or(full);
                let mut s = tx.prepare_cached("SELECT id FROM files WHERE path = ?1")?;
                ids = s
                    .query_map([key.to_string_lossy()], |r| r.get(0))?
                    .collect::<Result<Vec<_>, _>>()?;
            }
            if ids.is_empty() {
                if let Some(sha) = &rec.sha256 {
                    let mut s = tx.prepare_cached("SELECT id FROM files WHERE sha256 = ?1")?;
                    ids = s
                        .query_map([sha], |r| r.get(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                }
            }
            let mut fresh = false;
            if ids.is_empty() {
                if let Some(pdq) = rec.pdq.as_deref().and_then(Pdq::from_hex) {
                    let (id, new) = upsert_external(&tx, rec, &pdq)?;
                    ids.push(id);
                    fresh = new;
                    report.external += 1;
                }
            }
            if ids.is_empty() {
                report
                    .unmatched
                    .push(rec.path.clone().or(rec.sha256.clone()).unwrap_or_default());
            }
            for id in ids {
                insert_context(&tx, id, &rec.context, fresh)?;
                report.attached += 1;
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

/// The order records are imported in: by SHA-256, else PDQ, else path.
fn import_key(rec: &ContextRecord) -> (&str, &str, &str) {
    (
        rec.sha256.as_deref().unwrap_or(""),
        rec.pdq.as_deref().unwrap_or(""),
        rec.path.as_deref().unwrap_or(""),
    )
}

/// Key of a hash-only reference: `external:` and its SHA-256 (else its PDQ
/// hex); for a record with a path, `external:` + the first 16 digits of
/// that + `/` + the file name (`external:3fa2…/storm.jpg`), so listings and
/// matches name the picture. A key read back from an export gives itself.
pub fn external_key(rec: &ContextRecord, pdq: &Pdq) -> String {
    let id = rec.sha256.clone().unwrap_or_else(|| pdq.to_hex());
    let name = rec
        .path
        .as_deref()
        .filter(|p| !(p.starts_with("external:") && !p.contains('/')))
        .and_then(|p| Path::new(p).file_name())
        .map(|n| n.to_string_lossy());
    match name {
        Some(name) => format!("external:{}/{name}", id.get(..16).unwrap_or(&id)),
        None => format!("external:{id}"),
    }
}

/// Stores a reference known only by its hashes (no file here); returns
/// its id and whether it is new.
fn upsert_external(tx: &Transaction<'_>, rec: &ContextRecord, pdq: &Pdq) -> Result<(i64, bool)> {
    let quality = rec.pdq_quality.unwrap_or(100);
    let phash = rec.phash64.as_deref().and_then(crate::hash::phash_from_hex);
    let low = quality < crate::hash::MIN_PDQ_QUALITY || !(32..=224).contains(&pdq.count_ones());
    let key = external_key(rec, pdq);
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM files WHERE path = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    let id = match existing {
        Some(id) => {
            tx.prepare_cached("UPDATE files SET updated_at = ?2 WHERE id = ?1")?
                .execute(params![id, now()])?;
            id
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                                    added_at, updated_at)
                 VALUES (?1, 0, 0, ?2, 'external', 0, 0, ?3, ?3)",
            )?
            .execute(params![
                key,
                rec.sha256.as_deref().unwrap_or_default(),
                now()
            ])?;
            tx.last_insert_rowid()
        }
    };
    let replace = existing.is_some();
    let pdq_bytes = pdq.to_bytes();
    write_hash(tx, replace, id, "pdq", &pdq_bytes, Some(quality), low)?;
    if let Some(ph) = phash {
        write_hash(tx, replace, id, "phash64", &ph.to_be_bytes(), None, low)?;
    }
    Ok((id, !replace))
}

/// Writes one hash row. A file's first rows are plain inserts: SQLite keeps
/// a statement journal for every `INSERT OR REPLACE` (it may delete rows),
/// which costs more than the insert itself on large imports.
fn write_hash(
    tx: &Transaction<'_>,
    replace: bool,
    file_id: i64,
    algorithm: &str,
    hash: &[u8],
    quality: Option<u8>,
    low_information: bool,
) -> Result<()> {
    let sql = if replace {
        "INSERT OR REPLACE INTO hashes (file_id, algorithm, settings, hash, quality, low_information)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    } else {
        "INSERT INTO hashes (file_id, algorithm, settings, hash, quality, low_information)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    };
    tx.prepare_cached(sql)?.execute(params![
        file_id,
        algorithm,
        SETTINGS_VERSION,
        hash,
        quality,
        low_information
    ])?;
    Ok(())
}

/// One exported record per known context of each file (one without context
/// for files that have none): hashes plus context, in the import format.
impl Corpus {
    pub fn export(&self) -> Result<Vec<ContextRecord>> {
        let mut out = Vec::new();
        for r in self.references()? {
            let contexts = self.contexts(r.file_id)?;
            let contexts = if contexts.is_empty() {
                vec![Context::default()]
            } else {
                contexts
            };
            for context in contexts {
                out.push(ContextRecord {
                    path: Some(r.path.to_string_lossy().into_owned()),
                    sha256: (!r.sha256.is_empty()).then(|| r.sha256.clone()),
                    pdq: Some(r.pdq.to_hex()),
                    pdq_quality: Some(r.pdq_quality),
                    phash64: (r.phash != 0).then(|| crate::hash::phash_hex(r.phash)),
                    context,
                });
            }
        }
        Ok(out)
    }
}

/// Attaches a context to a file, replacing the one with the same source
/// URL; `fresh` says the file has no contexts yet (a plain insert).
pub(crate) fn insert_context(
    tx: &Transaction<'_>,
    file_id: i64,
    c: &Context,
    fresh: bool,
) -> Result<()> {
    let sql = if fresh {
        "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                               latitude, longitude, credit, licence, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    } else {
        "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                               latitude, longitude, credit, licence, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (file_id, source_url) DO UPDATE SET
            publisher = excluded.publisher, published = excluded.published,
            caption = excluded.caption, location = excluded.location,
            latitude = excluded.latitude, longitude = excluded.longitude,
            credit = excluded.credit, licence = excluded.licence, notes = excluded.notes"
    };
    tx.prepare_cached(sql)?.execute(params![
        file_id,
        c.source_url.clone().unwrap_or_default(),
        c.publisher,
        c.published,
        c.caption,
        c.location,
        c.latitude,
        c.longitude,
        c.credit,
        c.licence,
        c.notes
    ])?;
    Ok(())
}

/// Writes (inserts or replaces) one analysed file under the key `path`.
pub(crate) fn upsert_analysis(tx: &Transaction<'_>, key: &str, a: &Analysis) -> Result<bool> {
    let existing: Option<i64> = tx
        .query_row("SELECT id FROM files WHERE path = ?1", [key], |r| r.get(0))
        .optional()?;
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                            added_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (path) DO UPDATE SET
            size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
            format = excluded.format, width = excluded.width, height = excluded.height,
            updated_at = excluded.updated_at
         RETURNING id",
        )?
        .query_row(
            params![
                key,
                a.size as i64,
                a.mtime_ns,
                a.sha256,
                a.format,
                a.width,
                a.height,
                now()
            ],
            |r| r.get(0),
        )?;
    let h = &a.hashes;
    for (alg, bytes, quality) in [
        ("pdq", h.pdq.to_bytes().to_vec(), Some(h.pdq_quality)),
        ("phash64", h.phash.to_be_bytes().to_vec(), None),
        (
            "pdq-crops",
            h.crops.iter().flat_map(|c| c[0].to_bytes()).collect(),
            None,
        ),
        (
            "pdq-windows",
            h.windows.iter().flat_map(|c| c.to_bytes()).collect(),
            None,
        ),
    ] {
        write_hash(
            tx,
            existing.is_some(),
            id,
            alg,
            &bytes,
            quality,
            h.low_information,
        )?;
    }
    match &a.features {
        Some(f) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO features (file_id, settings, data) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id, SETTINGS_VERSION, f.to_bytes()])?;
        }
        None => {
            tx.prepare_cached("DELETE FROM features WHERE file_id = ?1")?
                .execute([id])?;
        }
    }
    let e = &a.exif;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO exif (file_id, datetime_original, offset_time, datetime_modified,
                make, model, software, artist, copyright, image_description, gps_latitude,
                gps_longitude, gps_altitude, orientation, pixel_width, pixel_height, warnings,
                subsec_original)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        id,
        e.datetime_original,
        e.offset_time,
        e.datetime_modified,
        e.make,
        e.model,
        e.software,
        e.artist,
        e.copyright,
        e.image_description,
        e.gps_latitude,
        e.gps_longitude,
        e.gps_altitude,
        e.orientation,
        e.pixel_width,
        e.pixel_height,
        (!e.warnings.is_empty()).then(|| serde_json::to_string(&e.warnings).unwrap_or_default()),
        e.subsec_original,
    ])?;
    Ok(existing.is_none())
}
