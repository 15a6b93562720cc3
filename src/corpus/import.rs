//! The import of context records, the same on every engine: each record
//! goes to the files its path names, else to every file with its SHA-256,
//! else to a hash-only reference made from its hashes. An engine supplies
//! the four steps inside its own transaction ([`ImportSteps`]). A context
//! file of any length is imported in chunks of bounded memory.

use super::{External, ImportRecord, ImportReport};
use crate::context::{Context, ContextRecord};
use crate::error::Result;

/// What an engine does for [`run`], all inside one transaction.
pub(crate) trait ImportSteps {
    /// Ids of the files stored under this path key.
    fn ids_by_path(&mut self, key: &str) -> Result<Vec<i64>>;
    /// Ids of the files whose bytes have this SHA-256.
    fn ids_by_sha256(&mut self, sha256: &str) -> Result<Vec<i64>>;
    /// Stores (or refreshes) a hash-only reference; its id and whether it
    /// is new.
    fn upsert_external(&mut self, external: &External) -> Result<(i64, bool)>;
    /// Attaches a context, replacing the one of the same appearance;
    /// `fresh` says the file has no contexts yet (a plain insert).
    fn insert_context(&mut self, file_id: i64, context: &Context, fresh: bool) -> Result<()>;
}

/// Attaches every record in order; see [`super::Store::import`].
pub(crate) fn run(
    steps: &mut impl ImportSteps,
    records: &[ImportRecord<'_>],
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    for rec in records {
        let mut ids = match &rec.path {
            Some(key) => steps.ids_by_path(key)?,
            None => Vec::new(),
        };
        if ids.is_empty() {
            if let Some(sha) = rec.sha256 {
                ids = steps.ids_by_sha256(sha)?;
            }
        }
        let mut fresh = false;
        if ids.is_empty() {
            if let Some(external) = &rec.external {
                let (id, new) = steps.upsert_external(external)?;
                ids.push(id);
                fresh = new;
                report.external += 1;
            }
        }
        if ids.is_empty() {
            report.unmatched.push(rec.label.clone());
        }
        for id in ids {
            steps.insert_context(id, rec.context, fresh)?;
            report.attached += 1;
        }
    }
    Ok(report)
}

/// Records a context file is imported in at once by
/// [`super::Corpus::import_context_file`]: each chunk is one transaction,
/// and a client holds two chunks of parsed records (about 1 KB each): the
/// one being imported and the next, read meanwhile.
pub const IMPORT_CHUNK: usize = 250_000;

impl super::Corpus {
    /// Imports a context file of any length (CSV or JSON Lines, see
    /// [`crate::context::open_context_file`]) with paths resolved against
    /// `base`, as [`super::Corpus::import_contexts`] does, in memory bounded
    /// by two chunks of `chunk` records (`0`: [`IMPORT_CHUNK`]).
    ///
    /// A first pass checks every record, so a file with a bad record
    /// imports nothing; then each chunk of records, in file order, is
    /// imported in a transaction of its own. Re-importing a file gives the
    /// same corpus, so an import that was killed completes by running it
    /// again. Errors: [`crate::error::Error::Io`] or
    /// [`crate::error::Error::Context`] from the file (nothing imported),
    /// the engine's for a failed chunk (earlier chunks stay imported).
    pub fn import_context_file(
        &mut self,
        path: &std::path::Path,
        base: &std::path::Path,
        chunk: usize,
    ) -> Result<ImportReport> {
        let chunk = if chunk == 0 { IMPORT_CHUNK } else { chunk };
        crate::context::check_context_file(path)?;
        let mut records = crate::context::open_context_file(path)?;
        // The next chunk is read, put in order and resolved while the engine
        // imports this one (the engine's server waited 0.6 s a chunk of
        // 250,000 for the client's share when it was done in turn).
        let (send, chunks) = std::sync::mpsc::sync_channel::<Result<Prepared>>(1);
        std::thread::scope(|scope| {
            scope.spawn(move || loop {
                let part = records.by_ref().take(chunk).collect::<Result<Vec<_>>>();
                let part = part.map(|p| Prepared::new(p, base));
                let last = part.as_ref().map_or(true, |p| p.records.is_empty());
                if send.send(part).is_err() || last {
                    return;
                }
            });
            let mut report = ImportReport::default();
            for part in chunks {
                let mut part = part?;
                if part.records.is_empty() {
                    break;
                }
                let done = self.store.import(&part.import_records())?;
                report.attached += done.attached;
                report.external += done.external;
                report.unmatched.extend(done.unmatched);
                // Freeing a chunk's strings need not hold up the next one.
                scope.spawn(move || drop(part));
            }
            Ok(report)
        })
    }
}

/// A chunk of a context file made ready for [`super::Store::import`]: its
/// records in import order ([`super::sort_for_import`]), each with the parts
/// [`super::resolve_import`] makes of it.
struct Prepared {
    records: Vec<ContextRecord>,
    resolved: Vec<(Option<String>, Option<External>, String)>,
}

impl Prepared {
    fn new(mut records: Vec<ContextRecord>, base: &std::path::Path) -> Prepared {
        super::sort_for_import(&mut records);
        let resolved = records
            .iter()
            .map(|rec| {
                let r = super::resolve_import(rec, base);
                (r.path, r.external, r.label)
            })
            .collect();
        Prepared { records, resolved }
    }

    /// The records as the store takes them (the resolved parts moved out).
    fn import_records(&mut self) -> Vec<ImportRecord<'_>> {
        let Prepared { records, resolved } = self;
        records
            .iter()
            .zip(resolved.drain(..))
            .map(|(rec, (path, external, label))| ImportRecord {
                path,
                sha256: rec.sha256.as_deref(),
                external,
                label,
                context: &rec.context,
            })
            .collect()
    }
}
