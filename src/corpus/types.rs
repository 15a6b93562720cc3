//! The data the corpus stores and returns, shared by every storage engine:
//! references as the index needs them, listing and statistics rows, and the
//! records an import resolves to.

use std::path::PathBuf;

use serde::Serialize;

use crate::context::Context;
use crate::hash::Pdq;

/// A reference as the index needs it.
#[derive(Debug, Clone)]
pub struct Reference {
    pub file_id: i64,
    pub path: PathBuf,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub pdq: Pdq,
    pub pdq_quality: u8,
    /// `None` for a hash-only reference imported without one.
    pub phash: Option<u64>,
    /// PDQ of the standard sub-frames (see [`crate::hash::CROPS`]).
    pub crops: Vec<Pdq>,
    /// PDQ of the deep crops that nominate candidates (see
    /// [`crate::hash::window`]).
    pub windows: Vec<Pdq>,
    pub low_information: bool,
}

/// What the search index needs of one reference.
#[derive(Debug, Clone, Copy)]
pub struct SearchHashes<'a> {
    pub file_id: i64,
    pub pdq: Pdq,
    pub crops: &'a [Pdq],
    pub windows: &'a [Pdq],
    pub low_information: bool,
}

impl Reference {
    /// The reference a freshly analysed file would be once stored.
    pub fn from_analysis(file_id: i64, a: &crate::analyze::Analysis) -> Reference {
        Reference {
            file_id,
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            format: a.format.clone(),
            width: a.width,
            height: a.height,
            pdq: a.hashes.pdq,
            pdq_quality: a.hashes.pdq_quality,
            phash: a.hashes.phash,
            crops: a.hashes.crops.iter().map(|c| c[0]).collect(),
            windows: a.hashes.windows.clone(),
            low_information: a.hashes.low_information,
        }
    }
}

/// One line of `corpus list`.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: PathBuf,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub pdq: String,
    pub pdq_quality: u8,
    pub low_information: bool,
    pub contexts: usize,
    pub earliest_published: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub database: PathBuf,
    pub schema_version: i64,
    pub files: i64,
    pub files_with_context: i64,
    pub contexts: i64,
    pub low_information: i64,
    pub formats: Vec<(String, i64)>,
    pub earliest_published: Option<String>,
    pub latest_published: Option<String>,
    /// Videos and animations stored, their kept frames, and their length
    /// in hours.
    pub videos: i64,
    pub video_frames: i64,
    pub video_hours: f64,
}

/// The video a stored frame was kept from: the video's id and key, the
/// frame's number (decoding order, 0 first) and time (seconds from the
/// start).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameOf {
    pub video_id: i64,
    pub video: PathBuf,
    pub frame: u64,
    pub time: f64,
}

/// What `import` did with a batch of context records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub attached: usize,
    /// Hash-only references created from records with a `pdq` and no file.
    pub external: usize,
    /// Records whose path or sha256 names no file of the corpus.
    pub unmatched: Vec<String>,
}

/// What the store knows of a file for an incremental build: its size and
/// modification time (ns since the epoch) when hashed, and whether it has
/// every hash row of the current settings.
pub struct Cached {
    pub size: u64,
    pub mtime_ns: i64,
    pub current: bool,
}

/// One context record of an import, resolved for a store: the keys it may
/// name a stored file by, and the hash-only reference to create when it
/// names none.
pub struct ImportRecord<'a> {
    /// The canonical path key the record's `path` resolves to.
    pub path: Option<String>,
    pub sha256: Option<&'a str>,
    pub external: Option<External>,
    /// How the record is named when it matches nothing (its path or sha256).
    pub label: String,
    pub context: &'a Context,
}

/// A reference known only by its hashes (an imported record with a `pdq`
/// and no file here), stored under `key` (see [`super::external_key`]).
pub struct External {
    pub key: String,
    /// Hex SHA-256 of the original's bytes, or empty.
    pub sha256: String,
    pub pdq: Pdq,
    /// PDQ quality 0-100.
    pub quality: u8,
    pub phash: Option<u64>,
    pub low_information: bool,
}

/// Everything stored of one file, as `corpus copy` moves it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    /// Bytes.
    pub size: i64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    pub sha256: String,
    pub format: String,
    pub width: i64,
    pub height: i64,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub added_at: String,
    pub updated_at: String,
    pub hashes: Vec<StoredHash>,
    /// None when the file has no EXIF row (hash-only references).
    pub exif: Option<crate::exif::ExifSummary>,
    /// Settings version and stored bytes of its local features.
    pub features: Option<(i64, Vec<u8>)>,
    pub contexts: Vec<Context>,
    /// The video's own row, when the file is a video (its frames are files
    /// of their own, each with a [`StoredFile::frame`]).
    pub video: Option<StoredVideo>,
    /// The video this file is a kept frame of, when it is one.
    pub frame: Option<StoredFrame>,
    /// Other desks' paths to the same bytes (PostgreSQL's `file_paths`;
    /// always empty from SQLite, which keeps a reference per path).
    pub other_paths: Vec<OtherPath>,
}

/// Another desk's path to a stored file, with the size (bytes) and
/// modification time (ns since the epoch) its incremental builds compare.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherPath {
    pub path: String,
    pub size: i64,
    pub mtime_ns: i64,
}

/// A video's own row, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVideo {
    /// Hash settings version of its frames (0: known by vPDQ hashes only).
    pub settings: i64,
    /// Seconds.
    pub duration: Option<f64>,
    /// JSON of the container metadata (codec, size, frame rate, rotation).
    pub container: String,
}

/// The link of a kept frame to its video, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFrame {
    /// The key of the video's own file.
    pub video_key: String,
    /// Number in decoding order, 0 first.
    pub frame: i64,
    /// Seconds from the start.
    pub time: f64,
}

/// One hash row of a file.
#[derive(Debug, Clone)]
pub struct StoredHash {
    /// `pdq`, `phash64`, `pdq-crops` or `pdq-windows`.
    pub algorithm: String,
    /// Hash settings version it was made with.
    pub settings: i64,
    pub hash: Vec<u8>,
    /// PDQ quality 0-100.
    pub quality: Option<i64>,
    pub low_information: bool,
}

/// What the search index needs of one changed reference (an owned
/// [`SearchHashes`]).
#[derive(Debug, Clone)]
pub struct ChangedHashes {
    pub file_id: i64,
    pub pdq: Pdq,
    pub crops: Vec<Pdq>,
    pub windows: Vec<Pdq>,
    pub low_information: bool,
}

impl ChangedHashes {
    /// The borrowed form [`crate::index::Index::push`] takes.
    pub fn as_search(&self) -> SearchHashes<'_> {
        SearchHashes {
            file_id: self.file_id,
            pdq: self.pdq,
            crops: &self.crops,
            windows: &self.windows,
            low_information: self.low_information,
        }
    }
}

/// The changes of a corpus between two points of its change sequence (see
/// [`super::Store::changes_since`]): every file id written or removed since
/// the first point (`gone`), and the search hashes of those that are
/// references now (`current`, ascending ids; a file that stopped being one,
/// a removed file or a video's own row has none). An index applies them by
/// dropping every id of `gone` and adding `current`.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The point these changes reach: the next call starts from it.
    pub seq: i64,
    /// Ids written or removed since the previous point, ascending.
    pub gone: Vec<i64>,
    pub current: Vec<ChangedHashes>,
}
