//! The search index's read of a SQLite corpus: every reference's PDQ of
//! the whole picture, of its sub-frames and of its windows, from the
//! `hashes` table. A large table is cut into rowid ranges read at once by
//! read-only connections that all see one state of the corpus.

use std::path::Path;
use std::time::Duration;

use rayon::prelude::*;
use rusqlite::{Connection, OpenFlags};

use super::{SqliteStore, BUSY_TIMEOUT};
use crate::corpus::SearchHashes;
use crate::error::Result;
use crate::hash::Pdq;

/// Rows of the `hashes` table (by rowid span) from which the read is cut
/// into ranges, one per thread of the current rayon pool. Opening a
/// connection costs about a millisecond; SQLite reads these rows in about
/// 3 ms on one core (measured: 1M imported references, 2M rows, 0.45 s on
/// one connection, 0.16 s on two).
const PARALLEL_ROWS: i64 = 16_384;

/// How long the load waits for another process's write transaction before
/// it reads on its own connection alone (which needs no lock).
const SNAPSHOT_WAIT: Duration = Duration::from_millis(200);

/// A reference's whole-picture row: file id, PDQ, low information.
type Whole = (i64, Pdq, bool);
/// A row of codes: file id, 0 for sub-frames or 1 for windows, the codes.
type Part = (i64, u8, Vec<Pdq>);

impl SqliteStore {
    /// Calls `f` with each reference's search hashes, in ascending file id
    /// order, each file once (a damaged file's duplicate rows are skipped).
    pub(super) fn scan_search_hashes(&self, f: &mut dyn FnMut(SearchHashes<'_>)) -> Result<()> {
        let (whole, parts): (Vec<_>, Vec<_>) = self.read_rows()?.into_iter().unzip();
        let mut parts = in_order(parts, |c| (c.0, c.1))
            .into_iter()
            .flatten()
            .peekable();
        let mut last = None;
        for (file_id, pdq, low_information) in in_order(whole, |w| w.0).into_iter().flatten() {
            // A damaged file (a broken primary-key index) may hold two rows
            // of one file's hash: the index takes each file once.
            if last.replace(file_id) == Some(file_id) {
                continue;
            }
            while parts.next_if(|c| c.0 < file_id).is_some() {}
            let crops = parts.next_if(|c| c.0 == file_id && c.1 == 0);
            let windows = parts.next_if(|c| c.0 == file_id && c.1 == 1);
            f(SearchHashes {
                file_id,
                pdq,
                crops: crops.as_ref().map_or(&[], |c| &c.2),
                windows: windows.as_ref().map_or(&[], |c| &c.2),
                low_information,
            });
        }
        Ok(())
    }

    /// The PDQ rows, read in parallel where the table is large, the corpus
    /// is a file and no other process holds the write lock; on this
    /// connection alone otherwise.
    fn read_rows(&self) -> Result<Vec<(Vec<Whole>, Vec<Part>)>> {
        let threads = rayon::current_num_threads();
        let (lo, hi) = rowid_span(&self.conn)?;
        let readers = match self.path.as_deref() {
            Some(path) if threads > 1 && hi - lo >= PARALLEL_ROWS => {
                self.readers_of_one_state(path, threads).ok()
            }
            _ => None,
        };
        let Some(readers) = readers else {
            return Ok(vec![read_range(&self.conn, lo, hi)?]);
        };
        // The span as the readers see it (a commit may have fallen between
        // the span above and the readers' start).
        let (lo, hi) = rowid_span(&readers[0].0)?;
        let n = readers.len() as i64;
        let step = (hi - lo) / n + 1;
        readers
            .into_par_iter()
            .enumerate()
            .map(|(i, reader)| {
                let a = lo + step * i as i64;
                read_range(&reader.0, a, (a + step - 1).min(hi))
            })
            .collect()
    }

    /// `n` read-only connections in read transactions that see the same
    /// committed state. They begin while this connection holds the write
    /// lock, so no other process can commit between their starts; each
    /// then keeps the state of its first read (SQLite, "Isolation In
    /// SQLite": a WAL reader sees the database as of the start of its read
    /// transaction) and the lock is released at once. Fails (and the
    /// caller reads alone) when the lock is not free within
    /// [`SNAPSHOT_WAIT`] or the file cannot be locked (read-only).
    fn readers_of_one_state(&self, path: &Path, n: usize) -> Result<Vec<Reader>> {
        self.conn.busy_timeout(SNAPSHOT_WAIT)?;
        let locked = self.conn.execute_batch("BEGIN IMMEDIATE");
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        locked?;
        let readers = (0..n).map(|_| Reader::begin(path)).collect();
        self.conn.execute_batch("ROLLBACK")?;
        readers
    }
}

/// The rows of `ranges` (read in rowid order) in ascending `key` order:
/// as they are when that order holds across them already, as it usually
/// does (only a rebuilt file's rows come after the others), else sorted in
/// one run.
fn in_order<T, K: Ord>(ranges: Vec<Vec<T>>, key: impl Fn(&T) -> K) -> Vec<Vec<T>> {
    if ranges.iter().flatten().is_sorted_by_key(&key) {
        return ranges;
    }
    let mut all: Vec<T> = ranges.into_iter().flatten().collect();
    all.sort_unstable_by_key(key);
    vec![all]
}

/// A read-only connection in a read transaction (rolled back when
/// dropped, with the connection).
struct Reader(Connection);

impl Reader {
    fn begin(path: &Path) -> Result<Reader> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch("BEGIN")?;
        // The first read starts the read transaction.
        rowid_span(&conn)?;
        Ok(Reader(conn))
    }
}

/// The smallest and largest rowid of `hashes` (0 and 0 when empty), each
/// by its own sub-query: SQLite looks up a lone `MIN` or `MAX` of the rowid
/// at one end of the table, but scans the table for the two together.
fn rowid_span(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT COALESCE((SELECT MIN(rowid) FROM hashes), 0),
                COALESCE((SELECT MAX(rowid) FROM hashes), 0)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The PDQ rows of `hashes` with rowids in `lo..=hi`.
fn read_range(conn: &Connection, lo: i64, hi: i64) -> Result<(Vec<Whole>, Vec<Part>)> {
    // The PDQ algorithms ('pdq', 'pdq-crops', 'pdq-windows') as a range:
    // an IN list cost a lookup per row (3.6 s against 2.4 s of SQLite's
    // time over 20M hash rows); others in it are skipped below.
    let mut stmt = conn.prepare(
        "SELECT file_id, algorithm, hash, low_information FROM hashes
         WHERE rowid BETWEEN ?1 AND ?2 AND algorithm >= 'pdq' AND algorithm < 'pdr'",
    )?;
    let mut rows = stmt.query([lo, hi])?;
    // About half the rows of a hash-only corpus are its PDQ (the other
    // half its pHash).
    let mut whole: Vec<Whole> = Vec::with_capacity(((hi - lo).max(0) / 2 + 1) as usize);
    let mut parts: Vec<Part> = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let algorithm = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        let blob = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        let codes = || blob.chunks(32).filter_map(Pdq::from_bytes).collect();
        match algorithm {
            "pdq" => whole.push((id, Pdq::from_bytes(blob).unwrap_or_default(), r.get(3)?)),
            "pdq-crops" => parts.push((id, 0, codes())),
            "pdq-windows" => parts.push((id, 1, codes())),
            _ => {}
        }
    }
    Ok((whole, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One reference as the index gets it: file id, PDQ, sub-frames,
    /// windows, low information.
    type Row = (i64, Pdq, Vec<Pdq>, Vec<Pdq>, bool);

    fn code(id: i64, k: u8) -> Pdq {
        let mut bytes = [k; 32];
        bytes[..8].copy_from_slice(&id.to_le_bytes());
        Pdq::from_bytes(&bytes).unwrap()
    }

    fn blob(codes: &[Pdq]) -> Vec<u8> {
        codes.iter().flat_map(|c| c.to_bytes()).collect()
    }

    /// Writes `refs` as a corpus's files and hash rows (a pHash row beside
    /// each PDQ, as imports write), in the order given.
    fn write(store: &SqliteStore, refs: &[Row]) {
        let tx = store.conn.unchecked_transaction().unwrap();
        for (id, pdq, crops, windows, low) in refs {
            tx.execute(
                "INSERT OR IGNORE INTO files (id, path, size, mtime_ns, sha256, format, width,
                                              height, added_at, updated_at)
                 VALUES (?1, 'f' || ?1, 1, 1, '', 'jpeg', 1, 1, '', '')",
                [id],
            )
            .unwrap();
            let put = |algorithm: &str, hash: Vec<u8>| {
                tx.execute(
                    "INSERT INTO hashes (file_id, algorithm, settings, hash, low_information)
                     VALUES (?1, ?2, 1, ?3, ?4)",
                    rusqlite::params![id, algorithm, hash, low],
                )
                .unwrap();
            };
            put("pdq", pdq.to_bytes().to_vec());
            put("phash64", vec![0; 8]);
            if !crops.is_empty() {
                put("pdq-crops", blob(crops));
            }
            if !windows.is_empty() {
                put("pdq-windows", blob(windows));
            }
        }
        tx.commit().unwrap();
    }

    /// 12,000 references (24,000 rows and more: past [`PARALLEL_ROWS`]),
    /// every 100th with sub-frames and windows; file 7 is then rewritten, so
    /// its rows come last, out of file id order.
    fn corpus(dir: &Path) -> (SqliteStore, Vec<Row>) {
        let store = SqliteStore::open(&dir.join("corpus.db")).unwrap();
        let mut refs: Vec<Row> = (1..=12_000)
            .map(|id| {
                let built = id % 100 == 0;
                let parts = |k: u8, n: u8| match built {
                    true => (0..n).map(|i| code(id, k + i)).collect(),
                    false => Vec::new(),
                };
                (id, code(id, 0), parts(1, 12), parts(20, 34), id % 7 == 0)
            })
            .collect();
        write(&store, &refs);
        store
            .conn
            .execute("DELETE FROM hashes WHERE file_id = 7", [])
            .unwrap();
        refs[6] = (7, code(7, 99), vec![code(7, 98)], vec![code(7, 97)], false);
        write(&store, &refs[6..7]);
        (store, refs)
    }

    fn loaded(store: &SqliteStore) -> Vec<Row> {
        let mut out = Vec::new();
        store
            .scan_search_hashes(&mut |r| {
                let (crops, windows) = (r.crops.to_vec(), r.windows.to_vec());
                out.push((r.file_id, r.pdq, crops, windows, r.low_information));
            })
            .unwrap();
        out
    }

    /// `f(store)` run in a rayon pool of `threads` threads.
    fn on<T: Send>(
        threads: usize,
        store: SqliteStore,
        f: impl FnOnce(&SqliteStore) -> T + Send,
    ) -> (SqliteStore, T) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(move || {
            let out = f(&store);
            (store, out)
        })
    }

    #[test]
    fn ranges_read_in_parallel_give_every_reference_once_in_file_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let (store, refs) = corpus(dir.path());
        let (store, ranges) = on(3, store, |s| s.read_rows().unwrap().len());
        assert_eq!(ranges, 3);
        let (store, parallel) = on(3, store, loaded);
        assert_eq!(parallel, refs);
        let (_, alone) = on(1, store, loaded);
        assert_eq!(alone, refs);
    }

    #[test]
    fn a_writer_holding_the_lock_leaves_the_read_to_one_connection() {
        let dir = tempfile::tempdir().unwrap();
        let (store, refs) = corpus(dir.path());
        let writer = Connection::open(dir.path().join("corpus.db")).unwrap();
        writer.execute_batch("BEGIN IMMEDIATE").unwrap();
        let (store, ranges) = on(3, store, |s| s.read_rows().unwrap().len());
        assert_eq!(ranges, 1);
        assert_eq!(on(3, store, loaded).1, refs);
    }

    #[test]
    fn readers_begun_together_keep_the_state_of_their_start() {
        let dir = tempfile::tempdir().unwrap();
        let (store, refs) = corpus(dir.path());
        let path = dir.path().join("corpus.db");
        let readers = store.readers_of_one_state(&path, 2).unwrap();
        let before = rowid_span(&store.conn).unwrap();
        write(
            &store,
            &[(20_000, code(1, 5), Vec::new(), Vec::new(), false)],
        );
        let after = rowid_span(&store.conn).unwrap();
        assert!(after.1 > before.1);
        for r in &readers {
            assert_eq!(rowid_span(&r.0).unwrap(), before);
        }
        assert_eq!(loaded(&store).len(), refs.len() + 1);
    }
}
