//! Videos in the SQLite engine: a video's row, its container metadata and
//! its kept frames (each a file row hashed like a still, linked to its
//! video with its number and time); which video a frame belongs to; and the
//! video counts of the statistics.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::write::{upsert_file, write_hashes};
use crate::analyze::Analysis;
use crate::corpus::{FrameOf, StoredFile, StoredFrame, StoredVideo};
use crate::error::Result;
use crate::hash::SETTINGS_VERSION;
use crate::video::Video;

/// The key of a video's frame: the video's key and its time as a media
/// fragment (`…/clip.mp4#t=83.400`), with its number when two frames share
/// a millisecond.
pub(super) fn frame_key(video_key: &str, time: f64, frame: u64) -> String {
    format!("{video_key}#t={time:.3}&frame={frame}")
}

/// Writes a video's own row (`id`, already upserted) and replaces its
/// frames: each kept frame becomes a file row with its hashes and
/// features, linked to the video. A video known by its vPDQ hashes only
/// is stored with hash settings 0 (never current).
pub(super) fn write_video(
    tx: &Transaction<'_>,
    id: i64,
    key: &str,
    a: &Analysis,
    v: &Video,
) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM files WHERE id IN (SELECT file_id FROM video_frames WHERE video_id = ?1)",
    )?
    .execute([id])?;
    tx.prepare_cached("DELETE FROM hashes WHERE file_id = ?1")?
        .execute([id])?;
    tx.prepare_cached("DELETE FROM features WHERE file_id = ?1")?
        .execute([id])?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO videos (file_id, settings, duration, container)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        // Frames known by their vPDQ hashes only are never current: the
        // next build with FFmpeg decodes the clip.
        if v.hashes_only { 0 } else { SETTINGS_VERSION },
        v.container.duration.or(Some(v.last_time)),
        serde_json::to_string(&v.container).unwrap_or_default()
    ])?;
    for f in &v.frames {
        let fkey = frame_key(key, f.time, f.frame);
        let (fid, existed) = upsert_file(
            tx,
            &fkey,
            (0, a.mtime_ns, "", "video-frame"),
            (f.width, f.height),
        )?;
        write_hashes(tx, existed, fid, &f.hashes, f.features.as_ref())?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO video_frames (file_id, video_id, frame, time)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![fid, id, f.frame as i64, f.time])?;
    }
    Ok(())
}

/// The video a stored frame belongs to, its number and time.
pub(super) fn frame_of(conn: &Connection, file_id: i64) -> Result<Option<FrameOf>> {
    let mut stmt = conn.prepare_cached(
        "SELECT vf.video_id, f.path, vf.frame, vf.time FROM video_frames vf
         JOIN files f ON f.id = vf.video_id WHERE vf.file_id = ?1",
    )?;
    Ok(stmt
        .query_row([file_id], |r| {
            Ok(FrameOf {
                video_id: r.get(0)?,
                video: r.get::<_, String>(1)?.into(),
                frame: r.get::<_, i64>(2)?.max(0) as u64,
                time: r.get(3)?,
            })
        })
        .optional()?)
}

/// How many frames are stored of `video_id` (`None`: it is no video).
pub(super) fn frames_kept(conn: &Connection, video_id: i64) -> Result<Option<usize>> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT COUNT(*) FROM video_frames WHERE video_id = ?1)
             FROM videos WHERE file_id = ?1",
        )?
        .query_row([video_id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|n| n.max(0) as usize))
}

/// The times of the stored frames of `video_id`, ascending.
pub(super) fn frame_times(conn: &Connection, video_id: i64) -> Result<Vec<f64>> {
    let mut stmt =
        conn.prepare_cached("SELECT time FROM video_frames WHERE video_id = ?1 ORDER BY time")?;
    let times = stmt.query_map([video_id], |r| r.get(0))?;
    Ok(times.collect::<Result<Vec<f64>, _>>()?)
}

/// Videos stored, their kept frames, and their hours.
pub(super) fn counts(conn: &Connection) -> Result<(i64, i64, f64)> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM videos), (SELECT COUNT(*) FROM video_frames),
                (SELECT COALESCE(SUM(duration), 0) FROM videos) / 3600.0",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// SQL condition true for the rows of `files` (aliased `f`) that are not
/// frames of a video.
pub(super) const NOT_A_FRAME: &str = "f.id NOT IN (SELECT file_id FROM video_frames)";

/// The video row of `file_id` and the link of it to its video, as
/// `corpus copy` moves them.
pub(super) fn stored(
    conn: &Connection,
    file_id: i64,
) -> Result<(Option<StoredVideo>, Option<StoredFrame>)> {
    let video = conn
        .prepare_cached("SELECT settings, duration, container FROM videos WHERE file_id = ?1")?
        .query_row([file_id], |r| {
            Ok(StoredVideo {
                settings: r.get(0)?,
                duration: r.get(1)?,
                container: r.get(2)?,
            })
        })
        .optional()?;
    let frame = conn
        .prepare_cached(
            "SELECT f.path, vf.frame, vf.time FROM video_frames vf
             JOIN files f ON f.id = vf.video_id WHERE vf.file_id = ?1",
        )?
        .query_row([file_id], |r| {
            Ok(StoredFrame {
                video_key: r.get(0)?,
                frame: r.get(1)?,
                time: r.get(2)?,
            })
        })
        .optional()?;
    Ok((video, frame))
}

/// Writes the video row of the stored file `id` and its link to its video
/// (which must be stored already: `corpus copy` writes files in id order,
/// a video before its frames; a frame whose video is absent stays
/// unlinked, and the copy's check then fails).
pub(super) fn write_stored(tx: &Transaction<'_>, id: i64, f: &StoredFile) -> Result<()> {
    if let Some(v) = &f.video {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO videos (file_id, settings, duration, container)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![id, v.settings, v.duration, v.container])?;
    }
    if let Some(fr) = &f.frame {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO video_frames (file_id, video_id, frame, time)
             SELECT ?1, id, ?2, ?3 FROM files WHERE path = ?4",
        )?
        .execute(params![id, fr.frame, fr.time, fr.video_key])?;
    }
    Ok(())
}
