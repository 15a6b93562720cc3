//! Finding references by their context: a text search over captions,
//! publishers, places, dates, credits and file names, for the desk's corpus
//! pages (`provcheck serve`).

use super::Corpus;
use crate::error::Result;

/// Largest number of references one search returns.
pub const MAX_SEARCH: usize = 500;

impl Corpus {
    /// File ids of the references whose file name or any context field
    /// (caption, publisher, location, published date, credit, source URL,
    /// notes) contains `text` (case-insensitive for ASCII; empty text
    /// matches all), oldest known publication first, then by id; at most
    /// `limit` (capped at [`MAX_SEARCH`]) after skipping `offset`.
    /// Errors: [`crate::Error::Db`].
    pub fn search_references(&self, text: &str, limit: usize, offset: usize) -> Result<Vec<i64>> {
        let pattern = format!(
            "%{}%",
            text.trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut stmt = self.conn.prepare_cached(
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
        let limit = limit.min(MAX_SEARCH) as i64;
        let rows = stmt.query_map(rusqlite::params![pattern, limit, offset as i64], |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
    }
}
