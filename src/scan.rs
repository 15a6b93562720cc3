//! Finding the image and video files under the paths a user names (recursive, sorted,
//! by extension for folders, symbolic links to files included and links to
//! folders not walked; an explicitly named file is always tried). A
//! folder may hold a `.provcheckignore` listing sub-paths (one per line,
//! relative to that folder, `#` for comments) that are not walked.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::Error;

/// Extensions picked up when walking a folder. HEIF/AVIF are included so
/// they are reported as unsupported rather than silently skipped.
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "tif", "tiff", "bmp", "heic", "heif",
    "avif",
];

pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// The files to process and the paths that could not be walked.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<PathBuf>,
    pub errors: Vec<Error>,
}

pub fn collect_images(paths: &[PathBuf]) -> Scan {
    let mut scan = Scan::default();
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => scan.errors.push(Error::io(root, e)),
            // A named file, even a special one, is tried and gets its own error.
            Ok(m) if !m.is_dir() => scan.files.push(root.clone()),
            Ok(_) => {
                let ignored = read_ignore(root);
                let walker = WalkDir::new(root)
                    .follow_links(false)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                        !ignored.iter().any(|i| rel.starts_with(i))
                    });
                for entry in walker {
                    match entry {
                        // A link is taken as the file it names (read through
                        // it; a dangling one fails with its path); links to
                        // folders are not walked, so no loop or escape.
                        Ok(e)
                            if (e.file_type().is_file() || e.path_is_symlink())
                                && (has_image_extension(e.path())
                                    || crate::video::has_video_extension(e.path())) =>
                        {
                            scan.files.push(e.into_path())
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let path = e.path().unwrap_or(root).to_path_buf();
                            let io = e
                                .into_io_error()
                                .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
                            scan.errors.push(Error::io(path, io));
                        }
                    }
                }
            }
        }
    }
    scan.files.dedup();
    scan
}

/// Name of the per-folder list of sub-paths not to walk.
pub const IGNORE_FILE: &str = ".provcheckignore";

fn read_ignore(root: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(root.join(IGNORE_FILE))
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| PathBuf::from(l.trim_end_matches('/')))
                .collect()
        })
        .unwrap_or_default()
}
