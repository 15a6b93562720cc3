//! Videos in the PostgreSQL engine, as in the SQLite one: a video's row,
//! its container metadata and its kept frames (each a file row hashed like
//! a still, linked to its video with its number and time); which video a
//! frame belongs to; how many frames a video keeps.

use postgres::{Client, Transaction};

use super::write::{upsert_file, write_hashes};
use crate::analyze::Analysis;
use crate::corpus::{FrameOf, StoredFile, StoredFrame, StoredVideo};
use crate::hash::SETTINGS_VERSION;
use crate::video::Video;

type PgResult<T> = std::result::Result<T, postgres::Error>;

/// SQL condition true for the rows of `files` (aliased `f`) that are not
/// frames of a video.
pub(super) const NOT_A_FRAME: &str =
    "NOT EXISTS (SELECT 1 FROM video_frames vf WHERE vf.file_id = f.id)";

/// The key of a video's frame: the video's key and its time as a media
/// fragment (`…/clip.mp4#t=83.400`), with its number (as in SQLite).
fn frame_key(video_key: &str, time: f64, frame: u64) -> String {
    format!("{video_key}#t={time:.3}&frame={frame}")
}

/// Writes a video's own row (`id`, already upserted) and replaces its
/// frames: each kept frame becomes a file row with its hashes and
/// features, linked to the video.
pub(super) fn write_video(
    tx: &mut Transaction<'_>,
    id: i64,
    key: &str,
    a: &Analysis,
    v: &Video,
) -> PgResult<()> {
    drop_frames(tx, id)?;
    tx.execute("DELETE FROM hashes WHERE file_id = $1", &[&id])?;
    tx.execute("DELETE FROM features WHERE file_id = $1", &[&id])?;
    tx.execute(
        "INSERT INTO videos (file_id, settings, duration, container) VALUES ($1, $2, $3, $4)
         ON CONFLICT (file_id) DO UPDATE SET settings = excluded.settings,
            duration = excluded.duration, container = excluded.container",
        &[
            &id,
            // Frames known by their vPDQ hashes only are never current (as
            // in SQLite): the next build with FFmpeg decodes the clip.
            &if v.hashes_only { 0 } else { SETTINGS_VERSION },
            &v.container.duration.or(Some(v.last_time)),
            &serde_json::to_string(&v.container).unwrap_or_default(),
        ],
    )?;
    for f in &v.frames {
        let fkey = frame_key(key, f.time, f.frame);
        let size = (i64::from(f.width), i64::from(f.height));
        let (fid, _) = upsert_file(tx, &fkey, (0, a.mtime_ns, "", "video-frame"), size)?;
        write_hashes(tx, fid, &f.hashes, f.features.as_ref())?;
        tx.execute(
            "INSERT INTO video_frames (file_id, video_id, frame, time) VALUES ($1, $2, $3, $4)
             ON CONFLICT (file_id) DO UPDATE SET video_id = excluded.video_id,
                frame = excluded.frame, time = excluded.time",
            &[&fid, &id, &(f.frame as i64), &f.time],
        )?;
    }
    Ok(())
}

/// Removes the frames of the video `id` and its video row (a file that is
/// a still now).
pub(super) fn drop_frames(tx: &mut Transaction<'_>, id: i64) -> PgResult<()> {
    tx.execute(
        "DELETE FROM files WHERE id IN (SELECT file_id FROM video_frames WHERE video_id = $1)",
        &[&id],
    )?;
    tx.execute("DELETE FROM videos WHERE file_id = $1", &[&id])?;
    Ok(())
}

/// The video a stored frame belongs to, its number and time.
pub(super) fn frame_of(c: &mut Client, file_id: i64) -> PgResult<Option<FrameOf>> {
    let row = c.query_opt(
        "SELECT vf.video_id, f.path, vf.frame, vf.time FROM video_frames vf
         JOIN files f ON f.id = vf.video_id WHERE vf.file_id = $1",
        &[&file_id],
    )?;
    Ok(row.map(|r| FrameOf {
        video_id: r.get(0),
        video: r.get::<_, String>(1).into(),
        frame: r.get::<_, i64>(2).max(0) as u64,
        time: r.get(3),
    }))
}

/// How many frames are stored of `video_id` (`None`: it is no video).
pub(super) fn frames_kept(c: &mut Client, video_id: i64) -> PgResult<Option<usize>> {
    let row = c.query_opt(
        "SELECT (SELECT COUNT(*) FROM video_frames WHERE video_id = $1)
         FROM videos WHERE file_id = $1",
        &[&video_id],
    )?;
    Ok(row.map(|r| r.get::<_, i64>(0).max(0) as usize))
}

/// The times (seconds, ascending) of the stored frames of `video_id`.
pub(super) fn frame_times(c: &mut Client, video_id: i64) -> PgResult<Vec<f64>> {
    let rows = c.query(
        "SELECT time FROM video_frames WHERE video_id = $1 ORDER BY time",
        &[&video_id],
    )?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The video row of `file_id` and the link of it to its video, as
/// `corpus copy` moves them.
pub(super) fn stored(
    c: &mut Client,
    file_id: i64,
) -> PgResult<(Option<StoredVideo>, Option<StoredFrame>)> {
    let video = c
        .query_opt(
            "SELECT settings, duration, container FROM videos WHERE file_id = $1",
            &[&file_id],
        )?
        .map(|r| StoredVideo {
            settings: r.get(0),
            duration: r.get(1),
            container: r.get(2),
        });
    let frame = c
        .query_opt(
            "SELECT f.path, vf.frame, vf.time FROM video_frames vf
             JOIN files f ON f.id = vf.video_id WHERE vf.file_id = $1",
            &[&file_id],
        )?
        .map(|r| StoredFrame {
            video_key: r.get(0),
            frame: r.get(1),
            time: r.get(2),
        });
    Ok((video, frame))
}

/// Writes the video row of the stored file `id` and its link to its video
/// (which must be stored already: `corpus copy` writes files in id order,
/// a video before its frames; a frame whose video is absent stays
/// unlinked, and the copy's check then fails).
pub(super) fn write_stored(tx: &mut Transaction<'_>, id: i64, f: &StoredFile) -> PgResult<()> {
    if let Some(v) = &f.video {
        tx.execute(
            "INSERT INTO videos (file_id, settings, duration, container) VALUES ($1, $2, $3, $4)
             ON CONFLICT (file_id) DO UPDATE SET settings = excluded.settings,
                duration = excluded.duration, container = excluded.container",
            &[&id, &v.settings, &v.duration, &v.container],
        )?;
    }
    if let Some(fr) = &f.frame {
        tx.execute(
            "INSERT INTO video_frames (file_id, video_id, frame, time)
             SELECT $1, id, $2, $3 FROM files WHERE path = $4
             ON CONFLICT (file_id) DO UPDATE SET video_id = excluded.video_id,
                frame = excluded.frame, time = excluded.time",
            &[&id, &fr.frame, &fr.time, &fr.video_key],
        )?;
    }
    Ok(())
}
