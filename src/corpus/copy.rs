//! `corpus copy`: moves every stored file of one corpus to another (any
//! engine to any engine) with all it holds (every hash row, EXIF, local
//! features, contexts, stamps), in batches of one transaction each, then
//! checks the target against the source: file and context counts and a
//! SHA-256 digest over every file's key, bytes' SHA-256 and hash rows.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Corpus, StoredFile};
use crate::error::{Error, Result};

/// Files read and written together.
const BATCH: usize = 2_000;

/// What a copy moved, and the check that nothing was lost.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub files: usize,
    pub contexts: usize,
    /// Hex SHA-256 over every file's key, SHA-256 and hash rows, in key
    /// order: equal on both sides.
    pub digest: String,
}

/// Copies every file of `from` into `to`, which must be empty, and checks
/// the result.
///
/// Errors: the engines' own, or [`Error::Invalid`] when the target is not
/// empty, the source holds videos (not carried yet), or the target's counts
/// or digest differ from the source's after the copy.
pub fn copy(from: &Corpus, to: &mut Corpus) -> Result<CopyReport> {
    if !to.store.stored_files(0, 1)?.is_empty() {
        return Err(Error::Invalid(format!(
            "the target corpus {} is not empty",
            to.location()
        )));
    }
    // Frames are stored linked to their video; carried file by file they
    // would arrive as loose pictures, so a corpus with videos is refused
    // rather than copied with less than it holds.
    let videos = from.stats()?.videos;
    if videos > 0 {
        return Err(Error::Invalid(format!(
            "the source corpus {} holds {videos} video(s): corpus copy does not carry video references yet (their frames would arrive as loose pictures); remove them from the source, copy, then add the clips to the target with corpus build or corpus add",
            from.location()
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
    if (target.files, target.contexts, &target.digest)
        != (source.files, source.contexts, &source.digest)
    {
        return Err(Error::Invalid(format!(
            "copy check failed: the source has {} files, {} contexts (digest {}), the target {} files, {} contexts (digest {})",
            source.files, source.contexts, source.digest, target.files, target.contexts, target.digest
        )));
    }
    Ok(source)
}

/// Counts and digest of a corpus.
fn summary(corpus: &Corpus) -> Result<CopyReport> {
    let mut rows: Vec<(String, Vec<u8>)> = Vec::new();
    let mut contexts = 0;
    let mut after = 0;
    loop {
        let batch = corpus.store.stored_files(after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        for (_, f) in batch {
            contexts += f.contexts.len();
            let mut h = Sha256::new();
            h.update(f.sha256.as_bytes());
            for row in &f.hashes {
                h.update(row.algorithm.as_bytes());
                h.update(row.settings.to_le_bytes());
                h.update(&row.hash);
            }
            rows.push((f.key, h.finalize().to_vec()));
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
        digest: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    })
}
