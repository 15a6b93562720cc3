//! Writes of the PostgreSQL engine, each inside the caller's transaction:
//! an analysed file with all its rows, contexts, and the steps of a
//! context import. Concurrent writers of one file meet in `ON CONFLICT`
//! upserts, so two builds of overlapping folders merge instead of failing.

use postgres::Transaction;

use crate::analyze::Analysis;
use crate::context::Context;
use crate::corpus::import::{self, ImportSteps};
use crate::corpus::{External, ImportRecord, ImportReport, StoredFile};
use crate::error::{Error, Result};
use crate::exif::ExifSummary;
use crate::hash::SETTINGS_VERSION;

type PgResult<T> = std::result::Result<T, postgres::Error>;

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Runs an import inside `tx`. A statement's failure comes back as
/// [`Error::Postgres`] without a location (the store adds it).
pub(super) fn import(
    tx: &mut Transaction<'_>,
    records: &[ImportRecord<'_>],
) -> Result<ImportReport> {
    import::run(&mut Steps(tx), records)
}

struct Steps<'a, 'c>(&'a mut Transaction<'c>);

fn db(source: postgres::Error) -> Error {
    Error::Postgres {
        location: String::new(),
        error: source,
    }
}

impl ImportSteps for Steps<'_, '_> {
    fn ids_by_path(&mut self, key: &str) -> Result<Vec<i64>> {
        let rows = self
            .0
            .query("SELECT id FROM files WHERE path = $1", &[&key])
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn ids_by_sha256(&mut self, sha256: &str) -> Result<Vec<i64>> {
        let rows = self
            .0
            .query(
                "SELECT id FROM files WHERE sha256 = $1 ORDER BY id",
                &[&sha256],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn upsert_external(&mut self, external: &External) -> Result<(i64, bool)> {
        upsert_external(self.0, external).map_err(db)
    }

    fn insert_context(&mut self, file_id: i64, context: &Context, _fresh: bool) -> Result<()> {
        insert_context(self.0, file_id, context).map_err(db)
    }
}

/// Inserts (or refreshes) the file row under `key`; its id and whether it
/// is new.
#[allow(clippy::too_many_arguments)]
fn upsert_file(
    tx: &mut Transaction<'_>,
    key: &str,
    size: i64,
    mtime_ns: i64,
    sha256: &str,
    format: &str,
    width: i64,
    height: i64,
) -> PgResult<(i64, bool)> {
    // `xmax = 0` tells a row this statement inserted from one it updated.
    let row = tx.query_one(
        "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                            added_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (path) DO UPDATE SET
            size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
            format = excluded.format, width = excluded.width, height = excluded.height,
            updated_at = excluded.updated_at
         RETURNING id, (xmax = 0)",
        &[
            &key,
            &size,
            &mtime_ns,
            &sha256,
            &format,
            &width,
            &height,
            &now(),
        ],
    )?;
    Ok((row.get(0), row.get(1)))
}

/// Stores a reference known only by its hashes (no file here).
fn upsert_external(tx: &mut Transaction<'_>, e: &External) -> PgResult<(i64, bool)> {
    let (id, new) = upsert_file(tx, &e.key, 0, 0, &e.sha256, "external", 0, 0)?;
    let quality = Some(i16::from(e.quality));
    write_hash(tx, id, "pdq", &e.pdq.to_bytes(), quality, e.low_information)?;
    if let Some(ph) = e.phash {
        write_hash(
            tx,
            id,
            "phash64",
            &ph.to_be_bytes(),
            None,
            e.low_information,
        )?;
    }
    Ok((id, new))
}

/// Writes (inserts or replaces) one hash row.
fn write_hash(
    tx: &mut Transaction<'_>,
    file_id: i64,
    algorithm: &str,
    hash: &[u8],
    quality: Option<i16>,
    low_information: bool,
) -> PgResult<()> {
    tx.execute(
        "INSERT INTO hashes (file_id, algorithm, settings, hash, quality, low_information)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (file_id, algorithm) DO UPDATE SET
            settings = excluded.settings, hash = excluded.hash, quality = excluded.quality,
            low_information = excluded.low_information",
        &[
            &file_id,
            &algorithm,
            &SETTINGS_VERSION,
            &hash,
            &quality,
            &low_information,
        ],
    )?;
    Ok(())
}

/// Attaches a context to a file, replacing the one with the same source URL.
pub(super) fn insert_context(tx: &mut Transaction<'_>, file_id: i64, c: &Context) -> PgResult<()> {
    tx.execute(
        "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                               latitude, longitude, credit, licence, notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (file_id, source_url) DO UPDATE SET
            publisher = excluded.publisher, published = excluded.published,
            caption = excluded.caption, location = excluded.location,
            latitude = excluded.latitude, longitude = excluded.longitude,
            credit = excluded.credit, licence = excluded.licence, notes = excluded.notes",
        &[
            &file_id,
            &c.source_url.clone().unwrap_or_default(),
            &c.publisher,
            &c.published,
            &c.caption,
            &c.location,
            &c.latitude,
            &c.longitude,
            &c.credit,
            &c.licence,
            &c.notes,
        ],
    )?;
    Ok(())
}

/// Writes (inserts or replaces) one analysed file under `key`; true if new.
pub(super) fn upsert_analysis(tx: &mut Transaction<'_>, key: &str, a: &Analysis) -> PgResult<bool> {
    let (id, new) = upsert_file(
        tx,
        key,
        a.size as i64,
        a.mtime_ns,
        &a.sha256,
        &a.format,
        i64::from(a.width),
        i64::from(a.height),
    )?;
    let h = &a.hashes;
    let crops: Vec<u8> = h.crops.iter().flat_map(|c| c[0].to_bytes()).collect();
    let windows: Vec<u8> = h.windows.iter().flat_map(|c| c.to_bytes()).collect();
    let low = h.low_information;
    write_hash(
        tx,
        id,
        "pdq",
        &h.pdq.to_bytes(),
        Some(i16::from(h.pdq_quality)),
        low,
    )?;
    write_hash(tx, id, "phash64", &h.phash.to_be_bytes(), None, low)?;
    write_hash(tx, id, "pdq-crops", &crops, None, low)?;
    write_hash(tx, id, "pdq-windows", &windows, None, low)?;
    match &a.features {
        Some(f) => {
            tx.execute(
                "INSERT INTO features (file_id, settings, data) VALUES ($1, $2, $3)
                 ON CONFLICT (file_id) DO UPDATE SET settings = excluded.settings, data = excluded.data",
                &[&id, &SETTINGS_VERSION, &f.to_bytes()],
            )?;
        }
        None => {
            tx.execute("DELETE FROM features WHERE file_id = $1", &[&id])?;
        }
    }
    write_exif(tx, id, &a.exif)?;
    Ok(new)
}

/// Writes (inserts or replaces) the EXIF row of a file.
fn write_exif(tx: &mut Transaction<'_>, id: i64, e: &ExifSummary) -> PgResult<()> {
    let warnings =
        (!e.warnings.is_empty()).then(|| serde_json::to_string(&e.warnings).unwrap_or_default());
    tx.execute(
        "INSERT INTO exif (file_id, datetime_original, offset_time, datetime_modified,
                make, model, software, artist, copyright, image_description, gps_latitude,
                gps_longitude, gps_altitude, orientation, pixel_width, pixel_height, warnings,
                subsec_original)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (file_id) DO UPDATE SET
            datetime_original = excluded.datetime_original, offset_time = excluded.offset_time,
            datetime_modified = excluded.datetime_modified, make = excluded.make,
            model = excluded.model, software = excluded.software, artist = excluded.artist,
            copyright = excluded.copyright, image_description = excluded.image_description,
            gps_latitude = excluded.gps_latitude, gps_longitude = excluded.gps_longitude,
            gps_altitude = excluded.gps_altitude, orientation = excluded.orientation,
            pixel_width = excluded.pixel_width, pixel_height = excluded.pixel_height,
            warnings = excluded.warnings, subsec_original = excluded.subsec_original",
        &[
            &id,
            &e.datetime_original,
            &e.offset_time,
            &e.datetime_modified,
            &e.make,
            &e.model,
            &e.software,
            &e.artist,
            &e.copyright,
            &e.image_description,
            &e.gps_latitude,
            &e.gps_longitude,
            &e.gps_altitude,
            &e.orientation.map(i64::from),
            &e.pixel_width.map(i64::from),
            &e.pixel_height.map(i64::from),
            &warnings,
            &e.subsec_original,
        ],
    )?;
    Ok(())
}

/// Writes a whole file as `corpus copy` moves it, replacing any under its key.
pub(super) fn write_stored(tx: &mut Transaction<'_>, f: &StoredFile) -> PgResult<()> {
    let id: i64 = tx
        .query_one(
            "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                                added_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (path) DO UPDATE SET
                size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
                format = excluded.format, width = excluded.width, height = excluded.height,
                added_at = excluded.added_at, updated_at = excluded.updated_at
             RETURNING id",
            &[
                &f.key,
                &f.size,
                &f.mtime_ns,
                &f.sha256,
                &f.format,
                &f.width,
                &f.height,
                &f.added_at,
                &f.updated_at,
            ],
        )?
        .get(0);
    for table in ["hashes", "exif", "features", "contexts"] {
        tx.execute(&format!("DELETE FROM {table} WHERE file_id = $1"), &[&id])?;
    }
    for h in &f.hashes {
        tx.execute(
            "INSERT INTO hashes (file_id, algorithm, settings, hash, quality, low_information)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &id,
                &h.algorithm,
                &h.settings,
                &h.hash,
                &h.quality.map(|q| q as i16),
                &h.low_information,
            ],
        )?;
    }
    if let Some(e) = &f.exif {
        write_exif(tx, id, e)?;
    }
    if let Some((settings, data)) = &f.features {
        tx.execute(
            "INSERT INTO features (file_id, settings, data) VALUES ($1, $2, $3)",
            &[&id, settings, data],
        )?;
    }
    for c in &f.contexts {
        insert_context(tx, id, c)?;
    }
    Ok(())
}
