//! The reference corpus: every reference image's hashes, EXIF and known
//! contexts, behind one storage interface ([`Store`]) with an engine per
//! kind of location: a SQLite file (the zero-setup default) or, for a URL
//! `postgres://…` or `postgresql://…`, a PostgreSQL database a whole desk
//! shares. Each engine
//! owns its embedded, versioned schema migrations and refuses a database
//! newer than this build. The rest of the crate talks to [`Corpus`] only.

mod build;
mod copy;
mod import;
mod location;
#[cfg(feature = "postgres")]
mod postgres;
mod search;
mod sqlite;
mod types;

use std::path::{Path, PathBuf};

use crate::analyze::Analysis;
use crate::context::{Context, ContextRecord};
use crate::error::Result;
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::Pdq;

pub use build::{add_paths, corpus_key, relative_path, BuildOptions, BuildReport, FileFailure};
pub use copy::{copy, CopyReport};
pub use import::IMPORT_CHUNK;
pub use location::{is_postgres_url, mask as mask_password};
#[cfg(feature = "postgres")]
pub use postgres::PG_SCHEMA_VERSION;
pub use search::MAX_SEARCH;
pub use sqlite::SCHEMA_VERSION;
pub use types::{
    Cached, ChangedHashes, Changes, External, FileEntry, FrameOf, ImportRecord, ImportReport,
    OtherPath, Reference, SearchHashes, Stats, StoredFile, StoredFrame, StoredHash, StoredVideo,
};

/// One storage engine of the corpus. Files are keyed by their canonical
/// absolute path (or `external:…` for hash-only references); ids are the
/// store's own, stable while the file stays stored. Reads take `&self`,
/// writes `&mut self`; each write method is one transaction (all or
/// nothing).
pub trait Store: Send {
    /// Where the corpus lives, as shown to people (a file path; never a
    /// password).
    fn location(&self) -> &str;
    /// The schema version (the number of migrations applied).
    fn schema_version(&self) -> Result<i64>;
    /// What is stored of the file under `key`, for an incremental build.
    fn cached(&self, key: &str) -> Result<Option<Cached>>;
    fn file_id(&self, key: &str) -> Result<Option<i64>>;
    /// Every reference with its hashes, in file id order.
    fn references(&self) -> Result<Vec<Reference>>;
    fn reference(&self, file_id: i64) -> Result<Option<Reference>>;
    /// The local features of a reference, if it has current ones.
    fn features(&self, file_id: i64) -> Result<Option<Features>>;
    /// Ids of the files whose bytes have this (hex) SHA-256, ascending.
    fn files_with_sha256(&self, sha256: &str) -> Result<Vec<i64>>;
    /// Calls `f` with what the search index needs of every reference, in
    /// file id order, each file once.
    fn for_each_search_hash(&self, f: &mut dyn FnMut(SearchHashes<'_>)) -> Result<()>;
    /// At least as many as the references [`Store::for_each_search_hash`]
    /// delivers (the largest file id; read from an index, not counted), so
    /// that the index is allocated once rather than grown; 0 when unknown.
    fn references_upper_bound(&self) -> Result<usize> {
        Ok(0)
    }
    /// Known contexts of a file, earliest publication first (undated last).
    fn contexts(&self, file_id: i64) -> Result<Vec<Context>>;
    /// The stored EXIF of a file (empty when none).
    fn exif(&self, file_id: i64) -> Result<ExifSummary>;
    /// Every file with its PDQ, context count and earliest publication, by path.
    fn list(&self) -> Result<Vec<FileEntry>>;
    fn stats(&self) -> Result<Stats>;
    /// Every stored key.
    fn keys(&self) -> Result<Vec<String>>;
    /// Inserts or replaces analysed files, each under its key; true for
    /// each file that was new.
    fn write_analyses(&mut self, files: &[(String, Analysis)]) -> Result<Vec<bool>>;
    /// Attaches `context` to the stored files of `keys` (replacing one of
    /// the same appearance, [`Context::appearance`]); returns how many files it was attached to.
    fn attach_context(&mut self, keys: &[String], context: &Context) -> Result<usize>;
    /// The video a stored frame was kept from (`None` for any other file,
    /// and in an engine that stores no videos).
    fn frame_of(&self, _file_id: i64) -> Result<Option<FrameOf>> {
        Ok(None)
    }
    /// How many frames are stored of the video `video_id` (`None` when it
    /// is no stored video, and in an engine that stores no videos).
    fn frames_kept(&self, _video_id: i64) -> Result<Option<usize>> {
        Ok(None)
    }
    /// The times (seconds, ascending) of the stored frames of the video
    /// `video_id` (empty when it is no stored video, and in an engine that
    /// stores no videos).
    fn frame_times(&self, _video_id: i64) -> Result<Vec<f64>> {
        Ok(Vec::new())
    }
    /// Removes the files under `keys` (a video with its frames); returns
    /// how many were stored.
    fn remove(&mut self, keys: &[String]) -> Result<usize>;
    /// Attaches imported context records, in the given order: by path key,
    /// else by SHA-256 (every file with those bytes), else to a hash-only
    /// reference created from the record's hashes (or refreshed: a
    /// reference under the same key takes the record's hashes, and its
    /// SHA-256 when the record has one).
    fn import(&mut self, records: &[ImportRecord<'_>]) -> Result<ImportReport>;
    /// Up to `limit` files with everything stored of them, by ascending id
    /// above `after`, each with its id.
    fn stored_files(&self, after: i64, limit: usize) -> Result<Vec<(i64, StoredFile)>>;
    /// Writes whole files as [`Store::stored_files`] reads them (one
    /// transaction), replacing any under the same keys.
    fn write_stored(&mut self, files: &[StoredFile]) -> Result<()>;
    /// File ids of the references whose file name or any context field
    /// contains `text` (see [`Corpus::search_references`]). The default
    /// reads every reference; an engine may answer from an index instead.
    fn search(&self, text: &str, limit: usize, offset: usize) -> Result<Vec<i64>> {
        search::scan(self, text, limit, offset)
    }
    /// The current point of the corpus's change sequence (a number that
    /// every write raises), or `None` in an engine that keeps none (then an
    /// index follows changes by reloading). Read it before loading an index:
    /// [`Store::changes_since`] that point then brings the index up to date.
    fn change_seq(&self) -> Result<Option<i64>> {
        Ok(None)
    }
    /// What changed after the point `seq` (files written or removed by any
    /// process), up to the current point; `None` in an engine that keeps no
    /// change sequence, or when `seq` is older than the removals it keeps
    /// (PostgreSQL keeps them 7 days): the caller then reloads its index.
    /// Applying the same changes twice is harmless.
    fn changes_since(&self, _seq: i64) -> Result<Option<Changes>> {
        Ok(None)
    }
}

/// The corpus of one location, whatever engine stores it.
pub struct Corpus {
    store: Box<dyn Store>,
    /// What it was opened from (`None` in memory), to open it again on
    /// another thread ([`Corpus::reopen_location`]).
    opened_from: Option<PathBuf>,
}

impl Corpus {
    /// Opens (creating if needed) and migrates the corpus at `location`: a
    /// PostgreSQL URL (`postgres://user@host:port/db`, see
    /// [`is_postgres_url`]; credentials from the URL, `PGPASSWORD` or the
    /// password file) or else a SQLite file path.
    ///
    /// Errors: [`crate::error::Error::NotADatabase`] for a file that is not
    /// a provcheck database, [`crate::error::Error::DbTooNew`] for a schema
    /// newer than this build, [`crate::error::Error::Postgres`] for a server
    /// that cannot be reached or refuses the login, or the engine's own
    /// error; [`crate::error::Error::Invalid`] for a PostgreSQL URL in a
    /// build without the `postgres` feature.
    pub fn open(location: &Path) -> Result<Corpus> {
        let text = location.to_string_lossy();
        let store: Box<dyn Store> = if is_postgres_url(&text) {
            Self::postgres(&text)?
        } else {
            Box::new(sqlite::SqliteStore::open(location)?)
        };
        Ok(Corpus {
            store,
            opened_from: Some(location.to_path_buf()),
        })
    }

    /// The PostgreSQL engine on `url`.
    #[cfg(feature = "postgres")]
    fn postgres(url: &str) -> Result<Box<dyn Store>> {
        Ok(Box::new(postgres::PgStore::open(url)?))
    }

    /// A build without the PostgreSQL engine refuses its URLs by name.
    #[cfg(not(feature = "postgres"))]
    fn postgres(url: &str) -> Result<Box<dyn Store>> {
        Err(crate::error::Error::Invalid(format!(
            "{}: this provcheck was built without PostgreSQL (the `postgres` feature)",
            mask_password(url)
        )))
    }

    /// What to pass to [`Corpus::open`] for another connection to this
    /// corpus (a SQLite path or the PostgreSQL URL with its credentials:
    /// never show it); `None` for a corpus in memory, which has no other
    /// connection.
    pub fn reopen_location(&self) -> Option<PathBuf> {
        self.opened_from.clone()
    }

    /// An in-memory corpus (for evaluation and tests of the library).
    pub fn in_memory() -> Result<Corpus> {
        Ok(Corpus {
            store: Box::new(sqlite::SqliteStore::in_memory()?),
            opened_from: None,
        })
    }

    /// The storage engine itself.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Where the corpus lives, as shown to people.
    pub fn location(&self) -> &str {
        self.store.location()
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.store.schema_version()
    }

    pub(crate) fn cached(&self, key: &str) -> Result<Option<Cached>> {
        self.store.cached(key)
    }

    pub fn file_id(&self, path: &Path) -> Result<Option<i64>> {
        self.store.file_id(&path.to_string_lossy())
    }

    /// Every reference with its hashes, in file order.
    pub fn references(&self) -> Result<Vec<Reference>> {
        self.store.references()
    }

    /// One reference by file id.
    pub fn reference(&self, file_id: i64) -> Result<Option<Reference>> {
        self.store.reference(file_id)
    }

    /// The local features of a reference, if it has current ones.
    pub fn features(&self, file_id: i64) -> Result<Option<Features>> {
        self.store.features(file_id)
    }

    /// Files whose bytes have this SHA-256.
    pub fn files_with_sha256(&self, sha256: &str) -> Result<Vec<i64>> {
        self.store.files_with_sha256(sha256)
    }

    /// Streams what the search index needs of every reference, in file id
    /// order.
    pub fn for_each_search_hash(&self, mut f: impl FnMut(SearchHashes<'_>)) -> Result<()> {
        self.store.for_each_search_hash(&mut f)
    }

    /// See [`Store::references_upper_bound`].
    pub fn references_upper_bound(&self) -> Result<usize> {
        self.store.references_upper_bound()
    }

    /// The current point of the change sequence (see [`Store::change_seq`]).
    pub fn change_seq(&self) -> Result<Option<i64>> {
        self.store.change_seq()
    }

    /// What changed after `seq` (see [`Store::changes_since`]).
    pub fn changes_since(&self, seq: i64) -> Result<Option<Changes>> {
        self.store.changes_since(seq)
    }

    /// How many frames are stored of the video `video_id`, if it is one.
    pub fn frames_kept(&self, video_id: i64) -> Result<Option<usize>> {
        self.store.frames_kept(video_id)
    }

    /// The times of the stored frames of the video `video_id`, ascending.
    pub fn frame_times(&self, video_id: i64) -> Result<Vec<f64>> {
        self.store.frame_times(video_id)
    }

    /// The video a stored frame was kept from, if it is one.
    pub fn frame_of(&self, file_id: i64) -> Result<Option<FrameOf>> {
        self.store.frame_of(file_id)
    }

    pub fn contexts(&self, file_id: i64) -> Result<Vec<Context>> {
        self.store.contexts(file_id)
    }

    pub fn exif(&self, file_id: i64) -> Result<ExifSummary> {
        self.store.exif(file_id)
    }

    pub fn list(&self) -> Result<Vec<FileEntry>> {
        self.store.list()
    }

    pub fn stats(&self) -> Result<Stats> {
        self.store.stats()
    }

    /// Removes the given files (by stored path). Returns how many were removed.
    pub fn remove(&mut self, paths: &[PathBuf]) -> Result<usize> {
        let keys: Vec<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        self.store.remove(&keys)
    }

    /// Every stored key under the folder `dir` (whole path components):
    /// the files' own paths and, in a shared corpus, the paths other desks
    /// know the same pictures by; never a video's frames (they leave with
    /// their video).
    pub fn keys_under(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut keys: Vec<PathBuf> = self
            .store
            .keys()?
            .into_iter()
            .map(PathBuf::from)
            .filter(|p| p.starts_with(dir))
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Stored paths under `dir` whose files no longer exist.
    pub(crate) fn missing_under(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        Ok(self
            .store
            .keys()?
            .into_iter()
            .map(PathBuf::from)
            .filter(|p| p.starts_with(dir) && !p.exists())
            .collect())
    }

    /// Attaches context records: by `path` (resolved against `base`) or by
    /// `sha256` (every file with those bytes). Re-importing the same source
    /// URL for a file replaces that record.
    pub fn import_contexts(
        &mut self,
        records: &[ContextRecord],
        base: &Path,
    ) -> Result<ImportReport> {
        let mut order: Vec<&ContextRecord> = records.iter().collect();
        sort_for_import(&mut order);
        let resolved: Vec<ImportRecord<'_>> = order
            .into_iter()
            .map(|rec| resolve_import(rec, base))
            .collect();
        self.store.import(&resolved)
    }

    /// Stores the video whose frames the vPDQ `lines` give under `key` (the
    /// path its clip has or would have, see [`corpus_key`]), as a hash-only
    /// video reference: its frames carry PDQ only (see
    /// [`crate::video::vpdq::video_of`]); a context record naming that path
    /// attaches to it as to any file. Returns whether it is new.
    ///
    /// Errors: [`crate::error::Error::File`] for no lines, or the engine's
    /// (PostgreSQL refuses video references for now).
    pub fn import_vpdq(
        &mut self,
        key: &Path,
        lines: &[crate::video::vpdq::VpdqLine],
    ) -> Result<bool> {
        let a = crate::analyze::analyze_vpdq(key, lines).map_err(|source| {
            crate::error::Error::File {
                path: key.to_path_buf(),
                source,
            }
        })?;
        let new = self.write_analyses(&[(key.to_string_lossy().into_owned(), a)])?;
        Ok(new.first().copied().unwrap_or(false))
    }

    /// One exported record per known context of each file (one without
    /// context for files that have none): hashes plus context, in the
    /// import format. A video's kept frame (key `clip.mp4#t=…`) carries
    /// the contexts of its video, which has no hashes of its own.
    pub fn export(&self) -> Result<Vec<ContextRecord>> {
        let mut out = Vec::new();
        for r in self.references()? {
            // Only a frame's key has a media fragment: the other files need
            // no second query.
            let video = match r.path.to_string_lossy().contains("#t=") {
                true => self.frame_of(r.file_id)?.map(|f| f.video_id),
                false => None,
            };
            let contexts = self.contexts(video.unwrap_or(r.file_id))?;
            let contexts = if contexts.is_empty() {
                vec![Context::default()]
            } else {
                contexts
            };
            for context in contexts {
                out.push(ContextRecord {
                    path: Some(r.path.to_string_lossy().into_owned()),
                    sha256: (!r.sha256.is_empty()).then(|| r.sha256.clone()),
                    pdq: Some(r.pdq.to_hex()),
                    pdq_quality: Some(r.pdq_quality),
                    phash64: r.phash.map(crate::hash::phash_hex),
                    context,
                });
            }
        }
        Ok(out)
    }

    /// Inserts or replaces analysed files (one transaction); true for each
    /// new one. `corpus build` writes through this; it is public so the
    /// build benchmark (`examples/build_stages.rs`) can time the writes alone.
    pub fn write_analyses(&mut self, files: &[(String, Analysis)]) -> Result<Vec<bool>> {
        self.store.write_analyses(files)
    }

    pub(crate) fn attach_context(&mut self, keys: &[String], context: &Context) -> Result<usize> {
        self.store.attach_context(keys, context)
    }
}

/// A record of an import resolved for the store: the key a file at its
/// path is stored under, whether or not it exists here (a hash-only video
/// imported from its vPDQ lines is stored under the key of its absent
/// clip), and the hash-only reference its hashes make.
pub(crate) fn resolve_import<'a>(rec: &'a ContextRecord, base: &Path) -> ImportRecord<'a> {
    ImportRecord {
        path: rec
            .path
            .as_ref()
            .map(|p| corpus_key(&base.join(p)).to_string_lossy().into_owned()),
        sha256: rec.sha256.as_deref(),
        external: rec
            .pdq
            .as_deref()
            .and_then(Pdq::from_hex)
            .map(|pdq| external(rec, pdq)),
        label: rec.path.clone().or(rec.sha256.clone()).unwrap_or_default(),
        context: &rec.context,
    }
}

/// The order records are imported in (a stable sort): by SHA-256, else
/// by PDQ and path. Records that can meet (one SHA-256; one PDQ and path,
/// which make one hash-only key) keep their order in the file, so a record
/// attaches to the reference an earlier one made, as in the file. A chunk's
/// new rows then go into the index of keys (`external:` + SHA-256) and
/// SQLite's index of SHA-256s in key order: one pass over each index's
/// pages instead of jumps all over them.
fn import_key(rec: &ContextRecord) -> (&str, &str, &str) {
    match rec.sha256.as_deref() {
        Some(sha256) => (sha256, "", ""),
        None => (
            "",
            rec.pdq.as_deref().unwrap_or(""),
            rec.path.as_deref().unwrap_or(""),
        ),
    }
}

/// Puts records (owned or borrowed) in import order ([`import_key`]).
pub(crate) fn sort_for_import<R: std::borrow::Borrow<ContextRecord>>(records: &mut [R]) {
    records.sort_by(|a, b| import_key(a.borrow()).cmp(&import_key(b.borrow())));
}

/// Key of a hash-only reference: `external:` and its SHA-256 (else its PDQ
/// hex); for a record with a path, `external:` + the first 16 digits of
/// that + `/` + the file name (`external:3fa2…/storm.jpg`), so listings and
/// matches name the picture. A key read back from an export gives itself.
pub fn external_key(rec: &ContextRecord, pdq: &Pdq) -> String {
    let id = rec.sha256.clone().unwrap_or_else(|| pdq.to_hex());
    let name = rec
        .path
        .as_deref()
        // A bare `external:<id>` (exported without a name) has none.
        .filter(|p| !p.starts_with("external:") || p.contains('/'))
        .and_then(|p| Path::new(p).file_name())
        .map(|n| n.to_string_lossy());
    match name {
        Some(name) => format!("external:{}/{name}", id.get(..16).unwrap_or(&id)),
        None => format!("external:{id}"),
    }
}

/// The hash-only reference an imported record with a PDQ stands for.
fn external(rec: &ContextRecord, pdq: Pdq) -> External {
    let quality = rec.pdq_quality.unwrap_or(100);
    External {
        key: external_key(rec, &pdq),
        sha256: rec.sha256.clone().unwrap_or_default(),
        phash: rec.phash64.as_deref().and_then(crate::hash::phash_from_hex),
        low_information: quality < crate::hash::MIN_PDQ_QUALITY
            || !(32..=224).contains(&pdq.count_ones()),
        quality,
        pdq,
    }
}
