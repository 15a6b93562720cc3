//! `corpus copy`: moves every stored file of one corpus to another (any
//! engine to any engine) with all it holds (every hash row, EXIF, local
//! features, contexts, stamps, videos with their kept frames, numbers and
//! times, other desks' paths to a file), in batches of one transaction
//! each, in file id order (a video before its frames), then checks the
//! target against the source: path, context, video and frame counts and a
//! SHA-256 digest over every path, its bytes' SHA-256, hash rows, video row
//! and frame link.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Corpus, StoredFile};
use crate::error::{Error, Result};

/// Files read and written together.
const BATCH: usize = 2_000;

/// What a copy moved, and the check that nothing was lost.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    /// Stored paths: a PostgreSQL reference that other desks' paths also
    /// name (`file_paths`) counts once per path (SQLite keeps a reference
    /// per path, so a copy there writes one for each).
    pub files: usize,
    pub contexts: usize,
    /// Videos (counted in `files` too).
    pub videos: usize,
    /// Kept video frames (each a file of its own, counted in `files`).
    pub frames: usize,
    /// Hex SHA-256 over every file's key, SHA-256 and hash rows, in key
    /// order: equal on both sides.
    pub digest: String,
}

/// Copies every file of `from` into `to`, which must be empty, and checks
/// the result.
///
/// Errors: the engines' own, or [`Error::Invalid`] when the target is not
/// empty, or the target's counts or digest differ from the source's after
/// the copy.
pub fn copy(from: &Corpus, to: &mut Corpus) -> Result<CopyReport> {
    if !to.store.stored_files(0, 1)?.is_empty() {
        return Err(Error::Invalid(format!(
            "the target corpus {} is not empty",
            to.location()
        )));
    }
    let mut after = 0;
    loop {
        let batch = from.store.stored_files(after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        let files: Vec<StoredFile> = batch.into_iter().map(|(_, f)| f).collect();
        to.store.write_stored(&files)?;
    }
    let source = summary(from)?;
    let target = summary(to)?;
    let counts = |r: &CopyReport| (r.files, r.contexts, r.videos, r.frames, r.digest.clone());
    if counts(&target) != counts(&source) {
        return Err(Error::Invalid(format!(
            "copy check failed: the source has {} files, {} contexts, {} videos, {} frames (digest {}), the target {} files, {} contexts, {} videos, {} frames (digest {})",
            source.files, source.contexts, source.videos, source.frames, source.digest,
            target.files, target.contexts, target.videos, target.frames, target.digest
        )));
    }
    Ok(source)
}

/// Counts and digest of a corpus.
fn summary(corpus: &Corpus) -> Result<CopyReport> {
    let mut rows: Vec<(String, Vec<u8>)> = Vec::new();
    let (mut contexts, mut videos, mut frames) = (0, 0, 0);
    let mut after = 0;
    loop {
        let batch = corpus.store.stored_files(after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        for (_, f) in batch {
            // A reference stored under several desks' paths (PostgreSQL)
            // counts once per path, as SQLite's reference per path does.
            let names = 1 + f.other_paths.len();
            contexts += names * f.contexts.len();
            let mut h = Sha256::new();
            h.update(f.sha256.as_bytes());
            for row in &f.hashes {
                h.update(row.algorithm.as_bytes());
                h.update(row.settings.to_le_bytes());
                h.update(&row.hash);
            }
            if let Some(v) = &f.video {
                videos += names;
                h.update(b"video");
                h.update(v.settings.to_le_bytes());
                h.update(v.duration.unwrap_or(f64::NAN).to_le_bytes());
                h.update(v.container.as_bytes());
            }
            if let Some(fr) = &f.frame {
                frames += names;
                h.update(b"frame");
                h.update(fr.video_key.as_bytes());
                h.update(fr.frame.to_le_bytes());
                h.update(fr.time.to_le_bytes());
            }
            let digest = h.finalize().to_vec();
            for other in &f.other_paths {
                rows.push((other.path.clone(), digest.clone()));
            }
            rows.push((f.key, digest));
        }
    }
    rows.sort();
    let mut h = Sha256::new();
    for (key, d) in &rows {
        h.update(key.as_bytes());
        h.update(d);
    }
    Ok(CopyReport {
        files: rows.len(),
        contexts,
        videos,
        frames,
        digest: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    })
}
