//! Writes of the SQLite engine: an analysed file with all its rows, hash
//! rows, contexts, and the steps of a context import.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::analyze::Analysis;
use crate::context::Context;
use crate::corpus::import::{self, ImportSteps};
use crate::corpus::{External, ImportRecord, ImportReport, StoredFile};
use crate::error::Result;
use crate::exif::ExifSummary;
use crate::hash::SETTINGS_VERSION;

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Runs an import inside `tx`.
pub(super) fn import(tx: &Transaction<'_>, records: &[ImportRecord<'_>]) -> Result<ImportReport> {
    import::run(&mut Steps(tx), records)
}

struct Steps<'a, 'c>(&'a Transaction<'c>);

impl ImportSteps for Steps<'_, '_> {
    fn ids_by_path(&mut self, key: &str) -> Result<Vec<i64>> {
        let mut s = self
            .0
            .prepare_cached("SELECT id FROM files WHERE path = ?1")?;
        let ids = s.query_map([key], |r| r.get(0))?;
        Ok(ids.collect::<Result<Vec<_>, _>>()?)
    }

    fn ids_by_sha256(&mut self, sha256: &str) -> Result<Vec<i64>> {
        let mut s = self
            .0
            .prepare_cached("SELECT id FROM files WHERE sha256 = ?1")?;
        let ids = s.query_map([sha256], |r| r.get(0))?;
        Ok(ids.collect::<Result<Vec<_>, _>>()?)
    }

    fn upsert_external(&mut self, external: &External) -> Result<(i64, bool)> {
        upsert_external(self.0, external)
    }

    fn insert_context(&mut self, file_id: i64, context: &Context, fresh: bool) -> Result<()> {
        insert_context(self.0, file_id, context, fresh)
    }
}

/// Stores a reference known only by its hashes (no file here); returns
/// its id and whether it is new.
fn upsert_external(tx: &Transaction<'_>, e: &External) -> Result<(i64, bool)> {
    let (key, quality, phash, low) = (&e.key, e.quality, e.phash, e.low_information);
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM files WHERE path = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?;
    let id = match existing {
        Some(id) => {
            // A record with a SHA-256 names the bytes of the reference it
            // refreshes.
            tx.prepare_cached(
                "UPDATE files SET updated_at = ?2,
                    sha256 = CASE WHEN ?3 <> '' THEN ?3 ELSE sha256 END
                 WHERE id = ?1",
            )?
            .execute(params![id, now(), e.sha256])?;
            id
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                                    added_at, updated_at)
                 VALUES (?1, 0, 0, ?2, 'external', 0, 0, ?3, ?3)",
            )?
            .execute(params![key, e.sha256, now()])?;
            tx.last_insert_rowid()
        }
    };
    let replace = existing.is_some();
    let pdq_bytes = e.pdq.to_bytes();
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

/// Attaches a context to a file, replacing the one of the same appearance
/// ([`Context::appearance`]); `fresh` says the file has no contexts yet (a plain insert).
pub(super) fn insert_context(
    tx: &Transaction<'_>,
    file_id: i64,
    c: &Context,
    fresh: bool,
) -> Result<()> {
    let sql = if fresh {
        "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                               latitude, longitude, credit, licence, notes, appearance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    } else {
        "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                               latitude, longitude, credit, licence, notes, appearance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (file_id, appearance) DO UPDATE SET
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
        c.notes,
        c.appearance()
    ])?;
    Ok(())
}

/// Inserts or updates the row of `files` under `key`; (size, mtime_ns,
/// sha256, format) and (width, height) as stored. Returns its id and
/// whether it existed.
pub(super) fn upsert_file(
    tx: &Transaction<'_>,
    key: &str,
    (size, mtime_ns, sha256, format): (u64, i64, &str, &str),
    (width, height): (u32, u32),
) -> Result<(i64, bool)> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM files WHERE path = ?1")?
        .query_row([key], |r| r.get(0))
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
                size as i64,
                mtime_ns,
                sha256,
                format,
                width,
                height,
                now()
            ],
            |r| r.get(0),
        )?;
    Ok((id, existing.is_some()))
}

/// Writes the hash rows and local features of one picture (a still or a
/// video frame) stored under `id`; `replace` when it had rows before.
pub(super) fn write_hashes(
    tx: &Transaction<'_>,
    replace: bool,
    id: i64,
    h: &crate::hash::Hashes,
    features: Option<&crate::features::Features>,
) -> Result<()> {
    for (alg, bytes, quality) in [
        ("pdq", h.pdq.to_bytes().to_vec(), Some(h.pdq_quality)),
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
        write_hash(tx, replace, id, alg, &bytes, quality, h.low_information)?;
    }
    match h.phash {
        Some(p) => write_hash(
            tx,
            replace,
            id,
            "phash64",
            &p.to_be_bytes(),
            None,
            h.low_information,
        )?,
        None if replace => {
            tx.prepare_cached("DELETE FROM hashes WHERE file_id = ?1 AND algorithm = 'phash64'")?
                .execute([id])?;
        }
        None => {}
    }
    match features {
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
    Ok(())
}

/// Writes (inserts or replaces) one analysed file under the key `path`: a
/// picture with its hashes, or a video with its frames
/// ([`super::video::write_video`]).
pub(super) fn upsert_analysis(tx: &Transaction<'_>, key: &str, a: &Analysis) -> Result<bool> {
    let (id, existed) = upsert_file(
        tx,
        key,
        (a.size, a.mtime_ns, &a.sha256, &a.format),
        (a.width, a.height),
    )?;
    match &a.video {
        Some(v) => super::video::write_video(tx, id, key, a, v)?,
        None => {
            if existed {
                // A file that was a video before loses its frames.
                tx.prepare_cached(
                    "DELETE FROM files WHERE id IN
                        (SELECT file_id FROM video_frames WHERE video_id = ?1)",
                )?
                .execute([id])?;
                tx.prepare_cached("DELETE FROM videos WHERE file_id = ?1")?
                    .execute([id])?;
            }
            write_hashes(tx, existed, id, &a.hashes, a.features.as_ref())?;
        }
    }
    write_exif(tx, id, &a.exif)?;
    Ok(!existed)
}

/// Writes (inserts or replaces) the EXIF row of a file.
pub(super) fn write_exif(tx: &Transaction<'_>, id: i64, e: &ExifSummary) -> Result<()> {
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
    Ok(())
}

/// Writes a whole file as `corpus copy` moves it, replacing any under its key.
pub(super) fn write_stored(tx: &Transaction<'_>, f: &StoredFile) -> Result<()> {
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                                added_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (path) DO UPDATE SET
                size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
                format = excluded.format, width = excluded.width, height = excluded.height,
                added_at = excluded.added_at, updated_at = excluded.updated_at
             RETURNING id",
        )?
        .query_row(
            params![
                f.key,
                f.size,
                f.mtime_ns,
                f.sha256,
                f.format,
                f.width,
                f.height,
                f.added_at,
                f.updated_at
            ],
            |r| r.get(0),
        )?;
    for table in ["hashes", "exif", "features", "contexts"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE file_id = ?1"))?
            .execute([id])?;
    }
    for h in &f.hashes {
        tx.prepare_cached(
            "INSERT INTO hashes (file_id, algorithm, settings, hash, quality, low_information)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            id,
            h.algorithm,
            h.settings,
            h.hash,
            h.quality,
            h.low_information
        ])?;
    }
    if let Some(e) = &f.exif {
        write_exif(tx, id, e)?;
    }
    if let Some((settings, data)) = &f.features {
        tx.prepare_cached("INSERT INTO features (file_id, settings, data) VALUES (?1, ?2, ?3)")?
            .execute(params![id, settings, data])?;
    }
    for c in &f.contexts {
        insert_context(tx, id, c, true)?;
    }
    super::video::write_stored(tx, id, f)
}
