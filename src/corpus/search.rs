//! Finding references by their context: a text search over file names,
//! captions, publishers, places, dates, credits, source URLs and notes, for
//! the desk's corpus pages (`provcheck serve`). SQLite answers in SQL; any
//! other engine falls back on [`scan`].

use super::{Corpus, Store};
use crate::error::Result;

/// Largest number of references one search returns.
pub const MAX_SEARCH: usize = 500;

impl Corpus {
    /// File ids of the references whose file name or any context field
    /// (caption, publisher, location, published date, credit, source URL,
    /// notes) contains `text` (case-insensitive for ASCII; empty text
    /// matches all), earliest known publication first (undated last), then
    /// by id; at most `limit` (capped at [`MAX_SEARCH`]) after skipping
    /// `offset`. Errors: the engine's.
    pub fn search_references(&self, text: &str, limit: usize, offset: usize) -> Result<Vec<i64>> {
        self.store().search(text, limit.min(MAX_SEARCH), offset)
    }
}

/// The search by reading every reference and its contexts.
pub(crate) fn scan<S: Store + ?Sized>(
    store: &S,
    text: &str,
    limit: usize,
    offset: usize,
) -> Result<Vec<i64>> {
    let needle = text.trim().to_ascii_lowercase();
    let has = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().contains(&needle))
    };
    let mut found = Vec::new();
    for r in store.references()? {
        let contexts = store.contexts(r.file_id)?;
        let hit = needle.is_empty()
            || r.path
                .to_string_lossy()
                .to_ascii_lowercase()
                .contains(&needle)
            || contexts.iter().any(|c| {
                [
                    &c.caption,
                    &c.publisher,
                    &c.location,
                    &c.published,
                    &c.credit,
                    &c.source_url,
                    &c.notes,
                ]
                .into_iter()
                .any(has)
            });
        if hit {
            let earliest = contexts.iter().filter_map(|c| c.published.clone()).min();
            found.push((earliest.is_none(), earliest, r.file_id));
        }
    }
    found.sort();
    Ok(found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, _, id)| id)
        .collect())
}

/// The search in SQL (`LIKE`, the text's wildcards escaped).
pub(crate) fn sqlite(
    conn: &rusqlite::Connection,
    text: &str,
    limit: usize,
    offset: usize,
) -> Result<Vec<i64>> {
    let pattern = format!(
        "%{}%",
        text.trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT f.id FROM files f
         WHERE ?1 = '%%' OR f.path LIKE ?1 ESCAPE '\\' OR EXISTS (
            SELECT 1 FROM contexts c WHERE c.file_id = f.id AND (
                c.caption LIKE ?1 ESCAPE '\\' OR c.publisher LIKE ?1 ESCAPE '\\'
                OR c.location LIKE ?1 ESCAPE '\\' OR c.published LIKE ?1 ESCAPE '\\'
                OR c.credit LIKE ?1 ESCAPE '\\' OR c.source_url LIKE ?1 ESCAPE '\\'
                OR c.notes LIKE ?1 ESCAPE '\\'))
         ORDER BY (SELECT MIN(published) FROM contexts c WHERE c.file_id = f.id) IS NULL,
                  (SELECT MIN(published) FROM contexts c WHERE c.file_id = f.id), f.id
         LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![pattern, limit as i64, offset as i64],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
}
