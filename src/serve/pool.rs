//! The matchers shared by all requests: one worker thread per core, each
//! holding its own connection to the corpus and its own loaded index (a
//! SQLite connection is not shared between threads). A job runs on the
//! first free worker. When the corpus changes (a build from the server, or
//! another process writing the file) the generation goes up and each worker
//! reloads its index before its next job; a build writing meanwhile does
//! not block readers (WAL). On a corpus that keeps a change sequence
//! (PostgreSQL) a worker instead applies what any process wrote since its
//! last look before a job ([`Matcher::refresh`], at most every
//! [`REFRESH_EVERY`]), without reloading.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::corpus::Corpus;
use crate::matching::MatchRule;
use crate::query::Matcher;

/// Shortest time between two looks at the change sequence by one worker.
pub const REFRESH_EVERY: Duration = Duration::from_millis(200);

/// A worker's corpus connection and the index loaded from it.
pub struct Loaded<'a> {
    pub corpus: &'a Corpus,
    pub matcher: &'a Matcher<'a>,
}

/// Work given to a matcher: the loaded corpus, or why it could not be opened.
pub type Job = Box<dyn FnOnce(Result<Loaded<'_>, String>) + Send>;

/// The workers and the corpus generation they follow.
pub struct Pool {
    tx: Mutex<mpsc::Sender<Job>>,
    generation: Arc<AtomicU64>,
}

impl Pool {
    /// Starts `workers` threads (at least one) on the corpus at `db`.
    pub fn start(db: &Path, workers: usize) -> Pool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let generation = Arc::new(AtomicU64::new(1));
        for i in 0..workers.max(1) {
            let rx = Arc::clone(&rx);
            let generation = Arc::clone(&generation);
            let db = db.to_path_buf();
            std::thread::Builder::new()
                .name(format!("provcheck-matcher-{i}"))
                .spawn(move || worker(&db, &rx, &generation))
                .expect("cannot start a matcher thread");
        }
        Pool {
            tx: Mutex::new(tx),
            generation,
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

    /// Tells the workers the corpus changed: each reloads before its next job.
    pub fn corpus_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// A worker: (re)loads the corpus whenever the generation moves, runs jobs.
fn worker(db: &Path, rx: &Mutex<mpsc::Receiver<Job>>, generation: &AtomicU64) {
    let next = || rx.lock().ok().and_then(|rx| rx.recv().ok());
    let mut pending = match next() {
        Some(job) => job,
        None => return,
    };
    loop {
        let loaded_at = generation.load(Ordering::SeqCst);
        let corpus = Corpus::open(db).map_err(|e| format!("cannot open the corpus: {e}"));
        let mut matcher = corpus.as_ref().map_err(Clone::clone).and_then(|c| {
            Matcher::new(c, MatchRule::default())
                .map(|m| (c, m))
                .map_err(|e| format!("cannot load the corpus: {e}"))
        });
        let mut looked = Instant::now();
        loop {
            if let Ok((_, m)) = &mut matcher {
                if looked.elapsed() >= REFRESH_EVERY {
                    looked = Instant::now();
                    if m.refresh().is_err() {
                        // The server went away or the schema changed: reload.
                        break;
                    }
                }
            }
            let job = pending;
            // A panic in one job must not take the worker down.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                job(match &matcher {
                    Ok((corpus, matcher)) => Ok(Loaded { corpus, matcher }),
                    Err(e) => Err(e.clone()),
                })
            }));
            drop(outcome);
            pending = match next() {
                Some(job) => job,
                None => return,
            };
            if generation.load(Ordering::SeqCst) != loaded_at || matcher.is_err() {
                break;
            }
        }
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
