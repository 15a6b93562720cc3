//! What the diagnostic examples share: the files of a folder, in order.

use std::path::{Path, PathBuf};

/// The entries of `dir` (not its subfolders' contents), sorted by path.
pub fn folder(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("folder entry").path())
        .collect();
    paths.sort();
    paths
}
