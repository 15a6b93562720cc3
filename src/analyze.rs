//! The per-file pipeline: read the bytes (bounded), fingerprint them (SHA-256),
//! read EXIF, decode and hash. A panic inside a decoder is caught and becomes
//! this file's error; the other files go on, in parallel on every core.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::decode::{self, Limits};
use crate::error::FileError;
use crate::exif::{read_exif, ExifSummary};
use crate::features::Features;
use crate::hash::{hash_image, Hashes};
use crate::video::{self, Video};

/// How much of a picture to analyse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Hashes and EXIF (`hash`).
    Hashes,
    /// And local features, to verify candidates (a query).
    Query,
    /// And the windows that nominate this picture as a candidate (a
    /// reference): 34 more DCTs, which only references need.
    Reference,
}

impl Depth {
    pub(crate) fn features(self) -> bool {
        self != Depth::Hashes
    }

    /// The hashes beyond the whole picture's this depth needs: none for
    /// `hash`, the sub-frames and content area for a query, the sub-frames
    /// and windows for a reference.
    pub fn parts(self) -> crate::hash::Parts {
        crate::hash::Parts {
            crops: self != Depth::Hashes,
            windows: self == Depth::Reference,
            content: self == Depth::Query,
        }
    }
}

/// Everything provcheck learns from one image file.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 if unknown).
    pub mtime_ns: i64,
    pub sha256: String,
    pub format: String,
    /// Displayed size (after the EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub hashes: Hashes,
    /// Local features, at [`Depth::Query`] and deeper (see
    /// [`crate::verify`]).
    pub features: Option<Features>,
    pub exif: ExifSummary,
    /// For a video or an animation: its kept frames, each hashed as a
    /// still (the fields above then describe its first frame, the poster,
    /// and `exif` its container's metadata).
    pub video: Option<Video>,
}

impl Analysis {
    /// Whether the file is a video or an animation.
    pub fn is_video(&self) -> bool {
        self.video.is_some()
    }
}

/// Size and modification time of a file, the key of the hash cache.
pub fn file_stamp(meta: &std::fs::Metadata) -> (u64, i64) {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    (meta.len(), mtime)
}

/// Analyses one file within `limits.max_duration`: the work runs on its own
/// thread, and a file that takes longer is reported as timed out (its thread
/// is left to finish or die with the process) so one file cannot stall a run.
pub fn analyze_file_within(
    path: &Path,
    limits: &Limits,
    depth: Depth,
) -> Result<Analysis, FileError> {
    let Some(limit) = limits.max_duration else {
        return analyze_file(path, limits, depth);
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let (owned, copy) = (path.to_path_buf(), *limits);
    std::thread::Builder::new()
        .name("provcheck-file".into())
        .spawn(move || {
            // The receiver may have given up: nothing to do then.
            let _ = tx.send(analyze_file(&owned, &copy, depth));
        })?;
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(FileError::TimedOut(limit)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(FileError::Panic("worker ended without a result".into()))
        }
    }
}

/// Reads and analyses one file to `depth`.
pub fn analyze_file(path: &Path, limits: &Limits, depth: Depth) -> Result<Analysis, FileError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(FileError::Io(std::io::Error::other("not a regular file")));
    }
    let (size, mtime_ns) = file_stamp(&meta);
    if size > limits.max_file_bytes {
        return Err(FileError::TooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    if is_video_file(path) {
        let mut a = match analyze_video_file(path, limits, depth) {
            // Without FFmpeg, the frame hashes kept beside the clip stand in.
            Err(FileError::NoFfmpeg(why)) => match video::vpdq::beside(path) {
                Some(list) => analyze_beside(path, &list, limits)?,
                None => return Err(FileError::NoFfmpeg(why)),
            },
            other => other?,
        };
        a.mtime_ns = mtime_ns;
        return Ok(a);
    }
    let bytes = read_bounded(path, limits.max_file_bytes)?;
    let mut a = analyze_bytes(&bytes, limits, depth)?;
    a.path = path.to_path_buf();
    a.size = bytes.len() as u64;
    a.mtime_ns = mtime_ns;
    Ok(a)
}

/// Whether a file is decoded by FFmpeg: its first bytes are a video
/// container's, or it has a video extension and no image signature.
fn is_video_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(512);
    let read = std::fs::File::open(path).and_then(|f| f.take(512).read_to_end(&mut head));
    read.is_ok()
        && (video::sniff(&head)
            || (video::has_video_extension(path) && decode::sniff(&head).is_err()))
}

/// Analyses a video: container metadata and sampled frames through FFmpeg,
/// its SHA-256 streamed from the file (a video is never read whole).
fn analyze_video_file(path: &Path, limits: &Limits, depth: Depth) -> Result<Analysis, FileError> {
    let (poster, v) = video::read_video(path, limits, depth)?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    let (width, height) = v.container.displayed();
    Ok(Analysis {
        path: path.to_path_buf(),
        size,
        mtime_ns: 0,
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        format: v.container.codec.clone(),
        width: if width > 0 { width } else { poster.width },
        height: if height > 0 { height } else { poster.height },
        hashes: poster.hashes,
        features: poster.features,
        exif: video::exif_of(&v.container),
        video: Some(v),
    })
}

/// A video known by the vPDQ file `list` kept beside it (`clip.mp4.vpdq`,
/// see [`video::vpdq::beside`]): its frames' PDQ from the list, its size
/// and SHA-256 from the file itself.
fn analyze_beside(path: &Path, list: &Path, limits: &Limits) -> Result<Analysis, FileError> {
    let lines = video::vpdq::read(list, limits.max_file_bytes)?;
    let mut a = analyze_vpdq(path, &lines)?;
    let mut hasher = Sha256::new();
    a.size = std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    a.sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(a)
}

/// The analysis of a video known only by its vPDQ lines, named `path`:
/// format `vpdq`, size 0×0, no SHA-256, the first line's hashes as the
/// video's own, and every line as a kept frame ([`video::vpdq::video_of`]).
///
/// Errors: [`FileError::Video`] for no lines.
pub fn analyze_vpdq(path: &Path, lines: &[video::vpdq::VpdqLine]) -> Result<Analysis, FileError> {
    let v = video::vpdq::video_of(lines);
    let Some(hashes) = v.frames.first().map(|f| f.hashes.clone()) else {
        return Err(FileError::Video("no vPDQ lines".into()));
    };
    Ok(Analysis {
        path: path.to_path_buf(),
        size: 0,
        mtime_ns: 0,
        sha256: String::new(),
        format: video::vpdq::EXTENSION.into(),
        width: 0,
        height: 0,
        hashes,
        features: None,
        exif: ExifSummary::default(),
        video: Some(v),
    })
}

/// Reads at most `limit` bytes; a file that grew past it is refused.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(FileError::TooLarge {
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// Analyses an image held in memory (`path` is left empty) to `depth`.
pub fn analyze_bytes(bytes: &[u8], limits: &Limits, depth: Depth) -> Result<Analysis, FileError> {
    let format = decode::sniff(bytes)?;
    let animated = catch_unwind(AssertUnwindSafe(|| {
        video::animation::analyze(bytes, format, limits, depth)
    }));
    match animated {
        Ok(Some(result)) => {
            let (poster, v) = result?;
            return Ok(Analysis {
                path: PathBuf::new(),
                size: bytes.len() as u64,
                mtime_ns: 0,
                sha256: sha256_hex(bytes),
                format: decode::format_name(format).to_string(),
                width: poster.width,
                height: poster.height,
                hashes: poster.hashes,
                features: poster.features,
                exif: read_exif(bytes),
                video: Some(v),
            });
        }
        Ok(None) => {}
        Err(panic) => return Err(FileError::Panic(panic_message(&panic))),
    }
    let guarded = catch_unwind(AssertUnwindSafe(|| {
        let exif = read_exif(bytes);
        let decoded = decode::decode_working(bytes, limits, exif.orientation)?;
        let (hashes, local) = hash_grey(&decoded.grey, depth);
        Ok::<_, FileError>((exif, decoded, hashes, local))
    }));
    let (exif, decoded, hashes, features) = match guarded {
        Ok(result) => result?,
        Err(panic) => return Err(FileError::Panic(panic_message(&panic))),
    };
    Ok(Analysis {
        path: PathBuf::new(),
        size: bytes.len() as u64,
        mtime_ns: 0,
        sha256: sha256_hex(bytes),
        format: decoded.format.to_string(),
        width: decoded.width,
        height: decoded.height,
        hashes,
        features,
        exif,
        video: None,
    })
}

/// The hashes of a working picture (a still's, or a video frame's) and, at
/// [`Depth::Query`] and deeper, its local features.
pub(crate) fn hash_grey(grey: &crate::decode::Grey, depth: Depth) -> (Hashes, Option<Features>) {
    let hashes = hash_image(grey, depth.parts());
    let local = depth.features().then(|| Features::of(grey));
    (hashes, local)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Progress of a batch, for a front end to draw.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Started { total: usize },
    FileDone { done: usize, total: usize },
}

/// Analyses `paths` in parallel (rayon's current pool), keeping their order.
///
/// The largest files start first, each taken by the next free thread (the
/// longest-processing-time-first rule): a batch whose few large files
/// would otherwise start late on one thread, while the others sit idle,
/// ends about when its largest file does. File size stands for the cost.
pub fn analyze_many(
    paths: &[PathBuf],
    limits: &Limits,
    depth: Depth,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<(PathBuf, Result<Analysis, FileError>)> {
    let total = paths.len();
    progress(Progress::Started { total });
    let done = std::sync::atomic::AtomicUsize::new(0);
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut order: Vec<(u64, usize)> = paths.iter().map(size).zip(0..).collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let mut results: Vec<(usize, PathBuf, Result<Analysis, FileError>)> = order
        .into_iter()
        .par_bridge()
        .map(|(_, i)| {
            let r = analyze_file_within(&paths[i], limits, depth);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(Progress::FileDone { done: n, total });
            (i, paths[i].clone(), r)
        })
        .collect();
    results.sort_unstable_by_key(|r| r.0);
    results.into_iter().map(|(_, p, r)| (p, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_time_limit_is_reported_as_timed_out() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference_images/elephants.jpg");
        let limits = Limits {
            max_duration: Some(std::time::Duration::from_nanos(1)),
            ..Limits::default()
        };
        assert!(matches!(
            analyze_file_within(&path, &limits, Depth::Hashes),
            Err(FileError::TimedOut(_))
        ));
        let relaxed = Limits::default();
        assert!(analyze_file_within(&path, &relaxed, Depth::Hashes).is_ok());
    }
}
