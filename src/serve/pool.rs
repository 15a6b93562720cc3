//! The matchers shared by all requests: one worker thread per core, each
//! with its own connection to the corpus (a SQLite connection is not shared
//! between threads), and ONE index of the corpus's hashes shared by all of
//! them (an [`Arc`]; loaded once per corpus generation by the first worker
//! that needs it, while the others wait for it rather than load a copy). A
//! job runs on the first free worker. When the corpus changes (a build from
//! the server, or another process writing the file) the generation goes up:
//! the shared index is dropped and loaded again before the next job, and
//! each worker reopens its connection; a build writing meanwhile does not
//! block readers (WAL). Between jobs no worker holds the index, so an old
//! one is freed as soon as the jobs using it end. On a corpus that keeps a
//! change sequence (PostgreSQL) the shared index instead takes what any
//! process wrote since its last look, before a job and at most every
//! [`REFRESH_EVERY`], without reloading ([`Index::apply`]; in place when no
//! job holds the index, on a copy otherwise).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::corpus::Corpus;
use crate::index::Index;
use crate::matching::MatchRule;
use crate::query::Matcher;

/// Shortest time between two looks at the change sequence.
pub const REFRESH_EVERY: Duration = Duration::from_millis(200);

/// A worker's corpus connection and the matcher over the shared index.
pub struct Loaded<'a> {
    pub corpus: &'a Corpus,
    pub matcher: &'a Matcher<'a>,
}

/// Work given to a matcher: the loaded corpus, or why it could not be opened.
pub type Job = Box<dyn FnOnce(Result<Loaded<'_>, String>) + Send>;

/// The workers, the corpus generation they follow and the index they share.
pub struct Pool {
    tx: Mutex<mpsc::Sender<Job>>,
    generation: Arc<AtomicU64>,
    shared: Arc<SharedIndex>,
}

/// The index of one corpus generation, shared by every worker.
#[derive(Default)]
struct SharedIndex {
    slot: Mutex<Option<Slot>>,
    /// How many times an index was loaded (once per generation queried).
    loads: AtomicU64,
}

/// A loaded index, the generation it belongs to, and the point of the
/// corpus's change sequence it has reached (`None`: the engine keeps none).
struct Slot {
    generation: u64,
    index: Arc<Index>,
    seq: Option<i64>,
    looked: Instant,
}

impl SharedIndex {
    /// The index of generation `generation`, loaded through `corpus` if no
    /// worker has loaded it yet, and brought up to date from the change
    /// sequence where the engine keeps one. Errors: the corpus cannot be
    /// read.
    fn get(&self, generation: u64, corpus: &Corpus) -> Result<(Arc<Index>, Option<i64>), String> {
        let mut slot = self
            .slot
            .lock()
            .map_err(|_| "the shared index is broken".to_string())?;
        if let Some(s) = slot.as_mut().filter(|s| s.generation == generation) {
            if refresh(s, corpus) {
                return Ok((Arc::clone(&s.index), s.seq));
            }
        }
        // The old index goes before the new one is read: one in memory.
        *slot = None;
        // The point first: changes made during the load come again with the
        // next refresh (applying them twice is harmless).
        let seq = corpus
            .change_seq()
            .map_err(|e| format!("cannot read the corpus: {e}"))?;
        let index =
            Arc::new(Index::load(corpus).map_err(|e| format!("cannot load the corpus: {e}"))?);
        self.loads.fetch_add(1, Ordering::SeqCst);
        *slot = Some(Slot {
            generation,
            index: Arc::clone(&index),
            seq,
            looked: Instant::now(),
        });
        Ok((index, seq))
    }
}

/// Applies to `slot` what changed since its last look, at most every
/// [`REFRESH_EVERY`]. False when the change sequence cannot be read (the
/// server went away or the schema changed) or no longer reaches back to the
/// slot's point (removals pruned): the caller reloads.
fn refresh(slot: &mut Slot, corpus: &Corpus) -> bool {
    let Some(seq) = slot.seq else {
        return true;
    };
    if slot.looked.elapsed() < REFRESH_EVERY {
        return true;
    }
    slot.looked = Instant::now();
    match corpus.changes_since(seq) {
        Ok(Some(changes)) => {
            if !changes.gone.is_empty() || !changes.current.is_empty() {
                Arc::make_mut(&mut slot.index).apply(&changes);
            }
            slot.seq = Some(changes.seq);
            true
        }
        Ok(None) | Err(_) => false,
    }
}

impl Pool {
    /// Starts `workers` threads (at least one) on the corpus at `db`.
    pub fn start(db: &Path, workers: usize) -> Pool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let generation = Arc::new(AtomicU64::new(1));
        let shared = Arc::new(SharedIndex::default());
        for i in 0..workers.max(1) {
            let rx = Arc::clone(&rx);
            let generation = Arc::clone(&generation);
            let shared = Arc::clone(&shared);
            let db = db.to_path_buf();
            std::thread::Builder::new()
                .name(format!("provcheck-matcher-{i}"))
                .spawn(move || worker(&db, &rx, &generation, &shared))
                .expect("cannot start a matcher thread");
        }
        Pool {
            tx: Mutex::new(tx),
            generation,
            shared,
        }
    }

    /// Runs `job` on a worker and returns its result.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(Result<Loaded<'_>, String>) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |m| {
            let _ = done.send(job(m));
        });
        self.tx
            .lock()
            .map_err(|_| "the matcher pool is broken".to_string())?
            .send(job)
            .map_err(|_| "the matcher pool has stopped".to_string())?;
        result
            .await
            .map_err(|_| "a matcher failed on this request".to_string())
    }

    /// Tells the workers the corpus changed: the index is loaded again and
    /// each worker reopens its connection before its next job.
    /// The old index is let go at once (jobs running keep it until they end).
    pub fn corpus_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut slot) = self.shared.slot.lock() {
            *slot = None;
        }
    }

    /// How many times the index was loaded since the start.
    #[cfg(test)]
    fn index_loads(&self) -> u64 {
        self.shared.loads.load(Ordering::SeqCst)
    }
}

/// A worker: (re)opens its connection whenever the generation moves and
/// runs each job with a matcher over the shared index of that generation.
fn worker(
    db: &Path,
    rx: &Mutex<mpsc::Receiver<Job>>,
    generation: &AtomicU64,
    shared: &SharedIndex,
) {
    // The pool's workers already answer requests side by side: a
    // request's batch (a statement's attachments, a clip's frames) stays on
    // its worker rather than opening more connections.
    let _worker = crate::query::BatchWorker::enter();
    let next = || rx.lock().ok().and_then(|rx| rx.recv().ok());
    let mut connection: Option<(u64, Result<Corpus, String>)> = None;
    while let Some(job) = next() {
        let now = generation.load(Ordering::SeqCst);
        let fresh = matches!(&connection, Some((g, Ok(_))) if *g == now);
        if !fresh {
            connection = Some((
                now,
                Corpus::open(db).map_err(|e| format!("cannot open the corpus: {e}")),
            ));
        }
        let Some((_, opened)) = &connection else {
            continue;
        };
        let loaded = opened
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|c| shared.get(now, c).map(|loaded| (c, loaded)));
        // A panic in one job must not take the worker down.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match loaded {
            Ok((corpus, (index, seq))) => {
                let matcher = Matcher::with_index(corpus, index, seq, MatchRule::default());
                job(Ok(Loaded {
                    corpus,
                    matcher: &matcher,
                }))
            }
            Err(e) => job(Err(e)),
        }));
        drop(outcome);
    }
}

/// The modification times of a SQLite file and its write-ahead log: they
/// change when another process writes the corpus.
pub fn stamp(db: &Path) -> (Option<SystemTime>, Option<SystemTime>) {
    let mtime = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut wal = db.as_os_str().to_os_string();
    wal.push("-wal");
    (mtime(db.to_path_buf()), mtime(PathBuf::from(wal)))
}

/// Watches the corpus file and bumps the pool's generation when another
/// process changed it (checked every `every`), unless `paused` says a build
/// of this server is writing (it bumps the generation itself when done).
pub async fn watch(pool: Arc<Pool>, db: PathBuf, every: Duration, paused: Arc<AtomicU64>) {
    let mut last = stamp(&db);
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = stamp(&db);
        if now != last && paused.load(Ordering::SeqCst) == 0 {
            pool.corpus_changed();
        }
        if paused.load(Ordering::SeqCst) == 0 {
            last = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four workers run four jobs at once (a barrier only opens when all
    /// four are inside a job) over one index, loaded once; a change of the
    /// corpus loads it once more.
    #[test]
    fn workers_share_one_index_per_generation() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("corpus.db");
        drop(Corpus::open(&db).unwrap());
        let pool = Arc::new(Pool::start(&db, 4));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let round = |pool: &Arc<Pool>| {
            let barrier = Arc::new(std::sync::Barrier::new(4));
            let jobs: Vec<_> = (0..4)
                .map(|_| {
                    let barrier = Arc::clone(&barrier);
                    let pool = Arc::clone(pool);
                    // Spawned: every job is sent before any is awaited.
                    runtime.spawn(async move {
                        pool.run(move |loaded| {
                            let refs = loaded.map(|l| l.matcher.references());
                            barrier.wait();
                            (std::thread::current().name().map(String::from), refs)
                        })
                        .await
                    })
                })
                .collect();
            let out: Vec<_> = jobs
                .into_iter()
                .map(|j| runtime.block_on(j).unwrap())
                .collect();
            let mut threads: Vec<_> = out.iter().map(|r| r.as_ref().unwrap().0.clone()).collect();
            threads.sort();
            threads.dedup();
            assert_eq!(threads.len(), 4, "{threads:?}");
            for r in &out {
                assert_eq!(r.as_ref().unwrap().1, Ok(0));
            }
        };
        round(&pool);
        assert_eq!(pool.index_loads(), 1);
        round(&pool);
        assert_eq!(pool.index_loads(), 1);
        pool.corpus_changed();
        round(&pool);
        assert_eq!(pool.index_loads(), 2);
    }
}
