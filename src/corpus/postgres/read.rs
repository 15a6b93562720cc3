//! Reads of the PostgreSQL engine that build whole records: a file's EXIF
//! and contexts, the listing, the statistics, everything stored of a file
//! for `corpus copy`, and the search hashes an index loads. Each takes the
//! client and gives back the driver's error (the store names the database).

use postgres::binary_copy::BinaryCopyOutIter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::Client;

use super::changes;
use super::video::NOT_A_FRAME;
use crate::context::Context;
use crate::corpus::{FileEntry, OtherPath, SearchHashes, Stats, StoredFile, StoredHash};
use crate::exif::ExifSummary;
use crate::hash::Pdq;

type PgResult<T> = std::result::Result<T, postgres::Error>;

/// Known contexts of a file, earliest publication first (undated last).
pub(super) fn contexts(c: &mut Client, file_id: i64) -> PgResult<Vec<Context>> {
    let rows = c.query(
        "SELECT source_url, publisher, published, caption, location, latitude, longitude,
                credit, licence, notes
         FROM contexts WHERE file_id = $1 ORDER BY published IS NULL, published, id",
        &[&file_id],
    )?;
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

/// The stored EXIF of a file (`None` when it has no EXIF row).
pub(super) fn exif(c: &mut Client, file_id: i64) -> PgResult<Option<ExifSummary>> {
    let row = c.query_opt(
        "SELECT datetime_original, offset_time, datetime_modified, make, model, software,
                artist, copyright, image_description, gps_latitude, gps_longitude,
                gps_altitude, orientation, pixel_width, pixel_height, warnings,
                subsec_original
         FROM exif WHERE file_id = $1",
        &[&file_id],
    )?;
    Ok(row.map(|r| {
        let int = |i: usize| r.get::<_, Option<i64>>(i);
        ExifSummary {
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
        }
    }))
}

/// Every reference (a still, or a video by its own row; not its frames)
/// with its PDQ, context count and earliest publication, by path.
pub(super) fn list(c: &mut Client) -> PgResult<Vec<FileEntry>> {
    let rows = c.query(
        &format!(
            "SELECT f.path, f.sha256, f.format, f.width, f.height, p.hash, p.quality,
                    p.low_information,
                    (SELECT COUNT(*) FROM contexts c WHERE c.file_id = f.id),
                    (SELECT MIN(published) FROM contexts c WHERE c.file_id = f.id)
             FROM files f LEFT JOIN hashes p ON p.file_id = f.id AND p.algorithm = 'pdq'
             WHERE (p.hash IS NOT NULL OR EXISTS (SELECT 1 FROM videos v WHERE v.file_id = f.id))
               AND {NOT_A_FRAME}
             ORDER BY f.path"
        ),
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| FileEntry {
            path: r.get::<_, String>(0).into(),
            sha256: r.get(1),
            format: r.get(2),
            width: r.get::<_, i64>(3) as u32,
            height: r.get::<_, i64>(4) as u32,
            pdq: r
                .get::<_, Option<&[u8]>>(5)
                .and_then(Pdq::from_bytes)
                .unwrap_or_default()
                .to_hex(),
            pdq_quality: r.get::<_, Option<i16>>(6).unwrap_or(0) as u8,
            low_information: r.get::<_, Option<bool>>(7).unwrap_or(false),
            contexts: r.get::<_, i64>(8) as usize,
            earliest_published: r.get(9),
        })
        .collect())
}

/// The corpus statistics (schema version and location filled by the store).
pub(super) fn stats(c: &mut Client) -> PgResult<Stats> {
    let formats = c.query(
        &format!(
            "SELECT format, COUNT(*) FROM files f WHERE {NOT_A_FRAME}
             GROUP BY format ORDER BY 2 DESC, 1"
        ),
        &[],
    )?;
    let counts = c.query_one(
        &format!(
            "SELECT (SELECT COUNT(*) FROM files f WHERE {NOT_A_FRAME}),
                    (SELECT COUNT(DISTINCT file_id) FROM contexts),
                    (SELECT COUNT(*) FROM contexts),
                    (SELECT COUNT(*) FROM hashes WHERE algorithm = 'pdq' AND low_information),
                    (SELECT MIN(published) FROM contexts),
                    (SELECT MAX(published) FROM contexts),
                    (SELECT COUNT(*) FROM videos),
                    (SELECT COUNT(*) FROM video_frames),
                    (SELECT COALESCE(SUM(duration), 0) FROM videos) / 3600.0"
        ),
        &[],
    )?;
    Ok(Stats {
        database: Default::default(),
        schema_version: 0,
        files: counts.get(0),
        files_with_context: counts.get(1),
        contexts: counts.get(2),
        low_information: counts.get(3),
        formats: formats.iter().map(|r| (r.get(0), r.get(1))).collect(),
        earliest_published: counts.get(4),
        latest_published: counts.get(5),
        videos: counts.get(6),
        video_frames: counts.get(7),
        video_hours: counts.get(8),
    })
}

/// Up to `limit` files with everything stored of them, by ascending id
/// above `after`.
pub(super) fn stored_files(
    c: &mut Client,
    after: i64,
    limit: usize,
) -> PgResult<Vec<(i64, StoredFile)>> {
    let rows = c.query(
        "SELECT id, path, size, mtime_ns, sha256, format, width, height, added_at,
                updated_at, (SELECT settings FROM features WHERE file_id = f.id),
                (SELECT data FROM features WHERE file_id = f.id)
         FROM files f WHERE id > $1 ORDER BY id LIMIT $2",
        &[&after, &(limit as i64)],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let hashes = c.query(
            "SELECT algorithm, settings, hash, quality, low_information FROM hashes
             WHERE file_id = $1 ORDER BY algorithm COLLATE \"C\"",
            &[&id],
        )?;
        let settings: Option<i64> = r.get(10);
        let (video, frame) = super::video::stored(c, id)?;
        out.push((
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
                exif: exif(c, id)?,
                features: settings.map(|s| (s, r.get(11))),
                contexts: contexts(c, id)?,
                video,
                frame,
                other_paths: c
                    .query(
                        "SELECT path, size, mtime_ns FROM file_paths WHERE file_id = $1
                         ORDER BY path",
                        &[&id],
                    )?
                    .iter()
                    .map(|p| OtherPath {
                        path: p.get(0),
                        size: p.get(1),
                        mtime_ns: p.get(2),
                    })
                    .collect(),
            },
        ));
    }
    Ok(out)
}

/// Gives `f` every reference's search hashes (PDQ, sub-frames, windows) in
/// file id order: one binary `COPY` of the hash rows in file order (a scan
/// of one index), a file's rows gathered here. Files without a PDQ row are
/// skipped.
pub(super) fn search_hashes(c: &mut Client, f: &mut dyn FnMut(SearchHashes<'_>)) -> PgResult<()> {
    let reader = c.copy_out(
        "COPY (SELECT file_id, algorithm, hash, low_information FROM hashes
               WHERE algorithm IN ('pdq', 'pdq-crops', 'pdq-windows')
               ORDER BY file_id) TO STDOUT (FORMAT binary)",
    )?;
    let mut rows =
        BinaryCopyOutIter::new(reader, &[Type::INT8, Type::TEXT, Type::BYTEA, Type::BOOL]);
    let mut file = Gathered::default();
    while let Some(row) = rows.next()? {
        let id: i64 = row.try_get(0)?;
        if file.id != Some(id) {
            file.give(f);
            file = Gathered {
                id: Some(id),
                ..Gathered::default()
            };
        }
        let hash: &[u8] = row.try_get(2)?;
        match row.try_get::<&str>(1)? {
            "pdq" => file.pdq = Some((Pdq::from_bytes(hash).unwrap_or_default(), row.try_get(3)?)),
            "pdq-crops" => file.crops = changes::codes(Some(hash)),
            _ => file.windows = changes::codes(Some(hash)),
        }
    }
    file.give(f);
    Ok(())
}

/// One file's search hash rows, as they arrive.
#[derive(Default)]
struct Gathered {
    id: Option<i64>,
    /// PDQ and its low-information flag.
    pdq: Option<(Pdq, bool)>,
    crops: Vec<Pdq>,
    windows: Vec<Pdq>,
}

impl Gathered {
    fn give(&self, f: &mut dyn FnMut(SearchHashes<'_>)) {
        if let (Some(file_id), Some((pdq, low_information))) = (self.id, self.pdq) {
            f(SearchHashes {
                file_id,
                pdq,
                crops: &self.crops,
                windows: &self.windows,
                low_information,
            });
        }
    }
}
