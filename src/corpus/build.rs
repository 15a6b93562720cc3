//! Incremental corpus building: walk the given paths, skip files whose path,
//! size, modification time and hash settings are unchanged, hash the rest in
//! parallel, and write them in chunked transactions so an interrupted build
//! leaves a consistent corpus that the next run resumes.

use std::path::{Path, PathBuf};

use super::Corpus;
use crate::analyze::{analyze_many, file_stamp, Depth, Progress};
use crate::context::Context;
use crate::decode::Limits;
use crate::error::{Error, FileError, Result};
use crate::scan::collect_images;

/// Files hashed and committed together.
const CHUNK: usize = 128;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub limits: Limits,
    /// Remove entries under the given folders whose files are gone.
    pub prune: bool,
    /// Context attached to every file added (the flags of `corpus add`).
    pub context: Option<Context>,
}

#[derive(Debug)]
pub struct FileFailure {
    pub path: PathBuf,
    pub error: FileError,
}

#[derive(Debug, Default)]
pub struct BuildReport {
    /// Image files found.
    pub scanned: usize,
    /// Unchanged files, not decoded again.
    pub unchanged: usize,
    /// Files decoded and hashed in this run.
    pub decoded: usize,
    pub added: usize,
    pub updated: usize,
    pub pruned: usize,
    pub contexts_attached: usize,
    /// Files that could not be hashed (the others were processed).
    pub failures: Vec<FileFailure>,
    /// Videos stored from the vPDQ file kept beside them, FFmpeg being
    /// missing (their frames carry PDQ only; see
    /// [`crate::video::vpdq::beside`]).
    pub from_vpdq: Vec<PathBuf>,
    /// Paths that could not be walked.
    pub walk_errors: Vec<Error>,
}

impl BuildReport {
    pub fn has_errors(&self) -> bool {
        !self.failures.is_empty() || !self.walk_errors.is_empty()
    }
}

/// The key a file is stored under: its canonical absolute path.
pub fn corpus_key(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// `path` (absolute, as stored) relative to the folder `base` (absolute),
/// with `..` steps where it lies outside; `path` itself when the two share
/// no root (another drive) or either is relative. What `corpus export`
/// writes, so that `import --base` on another machine finds the files.
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    use std::path::Component;
    if !path.is_absolute() || !base.is_absolute() {
        return path.to_path_buf();
    }
    let (mut p, mut b) = (path.components().peekable(), base.components().peekable());
    let root =
        |c: Option<&Component<'_>>| matches!(c, Some(Component::Prefix(_) | Component::RootDir));
    if p.peek() != b.peek() || !root(p.peek()) {
        return path.to_path_buf();
    }
    while p.peek().is_some() && p.peek() == b.peek() {
        p.next();
        b.next();
    }
    let mut out: PathBuf = b.map(|_| Component::ParentDir).collect();
    out.extend(p);
    out
}

/// Adds or updates every image under `paths`.
pub fn add_paths(
    corpus: &mut Corpus,
    paths: &[PathBuf],
    opts: &BuildOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<BuildReport> {
    let scan = collect_images(paths);
    let mut report = BuildReport {
        scanned: scan.files.len(),
        walk_errors: scan.errors,
        ..BuildReport::default()
    };
    let mut stale = Vec::new();
    let mut kept = Vec::new();
    for file in &scan.files {
        let key = corpus_key(file);
        let unchanged = match (
            std::fs::metadata(file),
            corpus.cached(&key.to_string_lossy())?,
        ) {
            (Ok(meta), Some(c)) => {
                let (size, mtime) = file_stamp(&meta);
                c.current && c.size == size && c.mtime_ns == mtime
            }
            _ => false,
        };
        if unchanged {
            report.unchanged += 1;
            kept.push(key);
        } else {
            stale.push((file.clone(), key));
        }
    }
    let total = stale.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    progress(Progress::Started { total });
    let chunk_progress = |p: Progress| {
        if let Progress::FileDone { .. } = p {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(Progress::FileDone { done: n, total });
        }
    };
    for chunk in stale.chunks(CHUNK) {
        let files: Vec<PathBuf> = chunk.iter().map(|(f, _)| f.clone()).collect();
        let results = analyze_many(&files, &opts.limits, Depth::Reference, &chunk_progress);
        let mut written = Vec::new();
        for ((path, result), (_, key)) in results.into_iter().zip(chunk) {
            match result {
                Ok(analysis) => {
                    report.decoded += 1;
                    if analysis.video.as_ref().is_some_and(|v| v.hashes_only) {
                        report.from_vpdq.push(path.clone());
                    }
                    written.push((key.to_string_lossy().into_owned(), analysis));
                    kept.push(key.clone());
                }
                Err(error) => report.failures.push(FileFailure { path, error }),
            }
        }
        for new in corpus.write_analyses(&written)? {
            if new {
                report.added += 1;
            } else {
                report.updated += 1;
            }
        }
    }
    if let Some(ctx) = &opts.context {
        let keys: Vec<String> = kept
            .iter()
            .map(|k| k.to_string_lossy().into_owned())
            .collect();
        report.contexts_attached += corpus.attach_context(&keys, ctx)?;
    }
    if opts.prune {
        let mut gone = Vec::new();
        for root in paths.iter().filter(|p| p.is_dir()) {
            gone.extend(corpus.missing_under(&corpus_key(root))?);
        }
        report.pruned = corpus.remove(&gone)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::relative_path;
    use std::path::Path;

    #[cfg(unix)]
    #[test]
    fn relative_paths_step_out_of_the_base_where_needed() {
        let rel = |p: &str, b: &str| relative_path(Path::new(p), Path::new(b));
        assert_eq!(rel("/data/refs/a.jpg", "/data/refs"), Path::new("a.jpg"));
        assert_eq!(
            rel("/data/refs/x/a.jpg", "/data"),
            Path::new("refs/x/a.jpg")
        );
        assert_eq!(rel("/data/b/a.jpg", "/data/refs"), Path::new("../b/a.jpg"));
        assert_eq!(rel("/a.jpg", "/data/refs"), Path::new("../../a.jpg"));
        assert_eq!(rel("external:abc", "/data"), Path::new("external:abc"));
    }
}
