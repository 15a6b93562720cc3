//! Batch lookups on all cores: the queries of a folder, a statement or a
//! clip's frames looked up by several workers at once, each with its own
//! connection to the corpus over the one shared in-memory index (a
//! connection is not shared between threads), as `serve` runs its matchers.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use super::Matcher;
use crate::corpus::Corpus;
use crate::error::Result;

thread_local! {
    /// Set on the threads of a [`Matcher::find_each`] while they look up:
    /// a batch inside a batch (a clip's frames inside a folder of queries)
    /// runs on its worker alone rather than multiplying the threads.
    static IN_BATCH: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as a batch worker until dropped: a
/// [`Matcher::find_each`] on it runs on it alone.
pub(crate) struct BatchWorker;

impl BatchWorker {
    pub(crate) fn enter() -> BatchWorker {
        IN_BATCH.with(|b| b.set(true));
        BatchWorker
    }
}

impl Drop for BatchWorker {
    fn drop(&mut self) {
        IN_BATCH.with(|b| b.set(false));
    }
}

impl Matcher<'_> {
    /// `lookup` run on each of `items`, results in the order of `items`.
    ///
    /// Up to [`rayon::current_num_threads`] workers take items one at a
    /// time: this thread with this matcher, each other one with a matcher of
    /// its own on a new connection to the same corpus and this matcher's
    /// index (shared, not copied) at the same change-sequence point. Each
    /// lookup's hash scan is itself parallel; the verification and the reads
    /// of its matches are not, and those are what the workers spread.
    ///
    /// A corpus in memory (no second connection), a single item or a batch
    /// inside another one is looked up on this thread alone, as is
    /// everything when another connection cannot be opened. Errors: the first error of any lookup (the workers
    /// then stop taking items).
    pub fn find_each<T, R, F>(&self, items: &[T], lookup: F) -> Result<Vec<R>>
    where
        T: Sync,
        R: Send,
        F: Fn(&Matcher<'_>, &T) -> Result<R> + Sync,
    {
        let workers = match IN_BATCH.with(Cell::get) {
            true => 1,
            false => rayon::current_num_threads().min(items.len()),
        };
        let location = self.corpus.reopen_location();
        let Some(location) = location.filter(|_| workers > 1) else {
            return items.iter().map(|item| lookup(self, item)).collect();
        };
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        // Takes items until none is left or a lookup failed; (position,
        // result) of each lookup made.
        let work = |matcher: &Matcher<'_>| -> Vec<(usize, Result<R>)> {
            let _worker = BatchWorker::enter();
            let mut done = Vec::new();
            while !failed.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = lookup(matcher, item);
                if result.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                done.push((i, result));
            }
            done
        };
        let (index, seq, rule) = (Arc::clone(&self.index), self.seq, self.rule);
        let mut done: Vec<(usize, Result<R>)> = std::thread::scope(|s| {
            let others: Vec<_> = (1..workers)
                .map(|_| {
                    let (location, index, work) = (&location, Arc::clone(&index), &work);
                    s.spawn(move || match Corpus::open(location) {
                        Ok(corpus) => work(&Matcher::with_index(&corpus, index, seq, rule)),
                        // This thread takes the items the worker would have.
                        Err(_) => Vec::new(),
                    })
                })
                .collect();
            let mut done = work(self);
            for other in others {
                match other.join() {
                    Ok(theirs) => done.extend(theirs),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            done
        });
        // In the order of the items; the first error in that order, if any.
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, r)| r).collect()
    }
}
