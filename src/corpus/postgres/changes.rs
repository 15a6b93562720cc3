//! The change sequence of the PostgreSQL engine (migration 0003): where a
//! corpus is in it, and what changed after a point: the files stamped with
//! a later number and the removals recorded under one, read in one
//! snapshot. Writers take turns on the sequence's row, so a snapshot that
//! sees number N sees every write numbered N or less and none above.
//! Removals are kept for [`REMOVALS_KEPT`] (migration 0004): a process
//! that looked last before the oldest kept one reloads its index.

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel, Transaction};

use crate::corpus::{ChangedHashes, Changes};
use crate::hash::Pdq;

type PgResult<T> = std::result::Result<T, postgres::Error>;

/// How long the removals of the change sequence are kept, as a PostgreSQL
/// interval. Replicas register nowhere, so what all of them have seen is
/// unknown; a horizon bounds the table instead: a `serve` replica looks
/// every few seconds, and a process that looked last longer ago than this
/// reloads its whole index (as at its start) instead of following changes.
pub(super) const REMOVALS_KEPT: &str = "7 days";

/// Deletes the removals older than [`REMOVALS_KEPT`] and raises the point
/// below which changes can no longer be followed (in the running write).
pub(super) fn prune(tx: &mut Transaction<'_>) -> PgResult<()> {
    tx.execute(
        "WITH old AS (DELETE FROM file_removals WHERE removed_at < now() - $1::text::interval
                      RETURNING change_seq)
         UPDATE provcheck_changes SET removals_from = GREATEST(removals_from,
             (SELECT MAX(change_seq) FROM old))
         WHERE EXISTS (SELECT 1 FROM old)",
        &[&REMOVALS_KEPT],
    )?;
    Ok(())
}

/// The number of the last write.
pub(super) fn current(c: &mut Client) -> PgResult<i64> {
    Ok(c.query_one("SELECT seq FROM provcheck_changes", &[])?
        .get(0))
}

/// Everything written or removed after `since`, up to the current number;
/// `None` when removals after `since` have been pruned (the caller reloads).
pub(super) fn since(c: &mut Client, since: i64) -> PgResult<Option<Changes>> {
    let mut tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let row = tx.query_one("SELECT seq, removals_from FROM provcheck_changes", &[])?;
    let (seq, removals_from): (i64, i64) = (row.get(0), row.get(1));
    if since < removals_from {
        return Ok(None);
    }
    if seq <= since {
        return Ok(Some(Changes {
            seq: since,
            ..Changes::default()
        }));
    }
    let gone = tx.query(
        "SELECT id FROM files WHERE change_seq > $1 AND change_seq <= $2
         UNION SELECT file_id FROM file_removals WHERE change_seq > $1 AND change_seq <= $2
         ORDER BY 1",
        &[&since, &seq],
    )?;
    let mut current = Vec::new();
    let mut rows = tx.query_raw(
        "SELECT f.id, p.hash, p.low_information, c.hash, w.hash
         FROM files f
         JOIN hashes p ON p.file_id = f.id AND p.algorithm = 'pdq'
         LEFT JOIN hashes c ON c.file_id = f.id AND c.algorithm = 'pdq-crops'
         LEFT JOIN hashes w ON w.file_id = f.id AND w.algorithm = 'pdq-windows'
         WHERE f.change_seq > $1 AND f.change_seq <= $2 ORDER BY f.id",
        [&since, &seq],
    )?;
    while let Some(r) = rows.next()? {
        current.push(ChangedHashes {
            file_id: r.get(0),
            pdq: Pdq::from_bytes(r.get(1)).unwrap_or_default(),
            low_information: r.get(2),
            crops: codes(r.get(3)),
            windows: codes(r.get(4)),
        });
    }
    drop(rows);
    tx.commit()?;
    Ok(Some(Changes {
        seq,
        gone: gone.iter().map(|r| r.get(0)).collect(),
        current,
    }))
}

/// The PDQ codes of a stored run (32 bytes each; none for NULL).
pub(super) fn codes(bytes: Option<&[u8]>) -> Vec<Pdq> {
    bytes
        .unwrap_or_default()
        .chunks(32)
        .filter_map(Pdq::from_bytes)
        .collect()
}
