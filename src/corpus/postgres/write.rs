//! Writes of the PostgreSQL engine, each inside the caller's write
//! transaction (which has raised the change sequence, so writers take
//! turns, see [`super::PgStore`]): an analysed file with all its rows (a
//! still, a video with its frames, or another desk's path to a picture
//! already stored), contexts, removals, and whole files for `corpus copy`.
//! Every insert or change of a `files` row stamps it with the running
//! change number (`change_seq`, its default).

use postgres::Transaction;

use super::video;
use crate::analyze::Analysis;
use crate::context::Context;
use crate::corpus::StoredFile;
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::{Hashes, SETTINGS_VERSION};

type PgResult<T> = std::result::Result<T, postgres::Error>;

pub(super) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Inserts (or refreshes) the file row under `key`; (size, mtime_ns,
/// sha256, format) and (width, height) as stored. Returns its id and
/// whether it is new.
pub(super) fn upsert_file(
    tx: &mut Transaction<'_>,
    key: &str,
    (size, mtime_ns, sha256, format): (i64, i64, &str, &str),
    (width, height): (i64, i64),
) -> PgResult<(i64, bool)> {
    // `xmax = 0` tells a row this statement inserted from one it updated.
    let row = tx.query_one(
        "INSERT INTO files (path, size, mtime_ns, sha256, format, width, height,
                            added_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (path) DO UPDATE SET
            size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
            format = excluded.format, width = excluded.width, height = excluded.height,
            updated_at = excluded.updated_at, change_seq = DEFAULT
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

/// Writes the hash rows and local features of one picture (a still or a
/// video frame) stored under `id`.
pub(super) fn write_hashes(
    tx: &mut Transaction<'_>,
    id: i64,
    h: &Hashes,
    features: Option<&Features>,
) -> PgResult<()> {
    let crops: Vec<u8> = h.crops.iter().flat_map(|c| c[0].to_bytes()).collect();
    let windows: Vec<u8> = h.windows.iter().flat_map(|c| c.to_bytes()).collect();
    let low = h.low_information;
    let quality = Some(i16::from(h.pdq_quality));
    write_hash(tx, id, "pdq", &h.pdq.to_bytes(), quality, low)?;
    match h.phash {
        Some(p) => write_hash(tx, id, "phash64", &p.to_be_bytes(), None, low)?,
        None => {
            tx.execute(
                "DELETE FROM hashes WHERE file_id = $1 AND algorithm = 'phash64'",
                &[&id],
            )?;
        }
    }
    write_hash(tx, id, "pdq-crops", &crops, None, low)?;
    write_hash(tx, id, "pdq-windows", &windows, None, low)?;
    match features {
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
    Ok(())
}

/// Attaches a context to a file, replacing the one of the same appearance
/// ([`Context::appearance`]).
pub(super) fn insert_context(tx: &mut Transaction<'_>, file_id: i64, c: &Context) -> PgResult<()> {
    tx.execute(
        "INSERT INTO contexts (file_id, source_url, publisher, published, caption, location,
                               latitude, longitude, credit, licence, notes, appearance)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (file_id, appearance) DO UPDATE SET
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
            &c.appearance(),
        ],
    )?;
    Ok(())
}

/// Writes (inserts or replaces) one analysed file under `key`: a picture
/// with its hashes, a video with its frames ([`video::write_video`]), or,
/// for a picture whose bytes another desk stored under a path of its own,
/// this desk's path to that reference ([`alias`]). True if a new reference
/// was stored.
pub(super) fn upsert_analysis(tx: &mut Transaction<'_>, key: &str, a: &Analysis) -> PgResult<bool> {
    if a.video.is_none() && alias(tx, key, a)? {
        return Ok(false);
    }
    let (id, new) = upsert_file(
        tx,
        key,
        (a.size as i64, a.mtime_ns, &a.sha256, &a.format),
        (i64::from(a.width), i64::from(a.height)),
    )?;
    match &a.video {
        Some(v) => video::write_video(tx, id, key, a, v)?,
        None => {
            if !new {
                // A file that was a video before loses its frames.
                video::drop_frames(tx, id)?;
            }
            write_hashes(tx, id, &a.hashes, a.features.as_ref())?;
        }
    }
    write_exif(tx, id, &a.exif)?;
    Ok(new)
}

/// Stores `key` as another desk's path to the reference with the same
/// bytes, when `key` names no stored file of its own and a still with the
/// analysis's SHA-256 is stored: the path (with the size and modification
/// time incremental builds compare) goes to `file_paths`, and the reference
/// gets the analysis's hashes if its own were made with older settings.
/// True when it did; a path whose file now has other bytes stops being an
/// alias (false).
fn alias(tx: &mut Transaction<'_>, key: &str, a: &Analysis) -> PgResult<bool> {
    if a.sha256.is_empty() {
        return Ok(false);
    }
    if tx
        .query_opt("SELECT 1 FROM files WHERE path = $1", &[&key])?
        .is_some()
    {
        return Ok(false);
    }
    let target = tx.query_opt(
        &format!(
            "SELECT f.id, (SELECT COUNT(*) FROM hashes h WHERE h.file_id = f.id AND h.settings = $2)
             FROM files f
             WHERE f.sha256 = $1 AND f.format <> 'external'
               AND NOT EXISTS (SELECT 1 FROM videos v WHERE v.file_id = f.id)
               AND {}
             ORDER BY f.id LIMIT 1",
            video::NOT_A_FRAME
        ),
        &[&a.sha256, &SETTINGS_VERSION],
    )?;
    let Some(target) = target else {
        tx.execute("DELETE FROM file_paths WHERE path = $1", &[&key])?;
        return Ok(false);
    };
    let (id, current): (i64, i64) = (target.get(0), target.get(1));
    tx.execute(
        "INSERT INTO file_paths (path, file_id, size, mtime_ns) VALUES ($1, $2, $3, $4)
         ON CONFLICT (path) DO UPDATE SET file_id = excluded.file_id, size = excluded.size,
            mtime_ns = excluded.mtime_ns",
        &[&key, &id, &(a.size as i64), &a.mtime_ns],
    )?;
    if current != super::HASH_ROWS {
        tx.execute(
            "UPDATE files SET updated_at = $2, change_seq = DEFAULT WHERE id = $1",
            &[&id, &now()],
        )?;
        write_hashes(tx, id, &a.hashes, a.features.as_ref())?;
        write_exif(tx, id, &a.exif)?;
    }
    Ok(true)
}

/// Removes the stored files (or desks' paths) under `keys`; how many were
/// stored. A path that is another desk's way to a reference goes alone;
/// a reference's own path that other desks also know it by hands the
/// reference to one of those paths instead of removing it.
pub(super) fn remove(tx: &mut Transaction<'_>, keys: &[String]) -> PgResult<usize> {
    let mut n = 0;
    for key in keys {
        if tx.execute("DELETE FROM file_paths WHERE path = $1", &[key])? > 0 {
            n += 1;
            continue;
        }
        let heir = tx.query_opt(
            "SELECT p.path, p.size, p.mtime_ns FROM file_paths p JOIN files f ON f.id = p.file_id
             WHERE f.path = $1 ORDER BY p.path LIMIT 1",
            &[key],
        )?;
        match heir {
            Some(h) => {
                let path: String = h.get(0);
                tx.execute("DELETE FROM file_paths WHERE path = $1", &[&path])?;
                tx.execute(
                    "UPDATE files SET path = $2, size = $3, mtime_ns = $4, updated_at = $5,
                        change_seq = DEFAULT
                     WHERE path = $1",
                    &[key, &path, &h.get::<_, i64>(1), &h.get::<_, i64>(2), &now()],
                )?;
                n += 1;
            }
            None => n += tx.execute("DELETE FROM files WHERE path = $1", &[key])? as usize,
        }
    }
    Ok(n)
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
                added_at = excluded.added_at, updated_at = excluded.updated_at,
                change_seq = DEFAULT
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
    for other in &f.other_paths {
        tx.execute(
            "INSERT INTO file_paths (path, file_id, size, mtime_ns) VALUES ($1, $2, $3, $4)
             ON CONFLICT (path) DO UPDATE SET file_id = excluded.file_id,
                size = excluded.size, mtime_ns = excluded.mtime_ns",
            &[&other.path, &id, &other.size, &other.mtime_ns],
        )?;
    }
    super::video::write_stored(tx, id, f)
}
