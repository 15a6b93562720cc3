//! The import of context records, the same on every engine: each record
//! goes to the files its path names, else to every file with its SHA-256,
//! else to a hash-only reference made from its hashes. An engine supplies
//! the four steps inside its own transaction ([`ImportSteps`]).

use super::{External, ImportRecord, ImportReport};
use crate::context::Context;
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
    /// Attaches a context, replacing the one with the same source URL;
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
