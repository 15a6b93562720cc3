//! Corpus builds started from the server (`POST /api/v1/build`): one at a
//! time, in the background, on their own connection, with progress that
//! `GET /api/v1/build` and the page read while queries go on.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::AppState;
use crate::analyze::Progress;
use crate::context::read_context_file;
use crate::corpus::{add_paths, BuildOptions, Corpus};
use crate::report::{BuildSummary, Report, Style};

/// Where the latest build stands.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildState {
    /// `idle` (none started), `running`, `finished` or `failed`.
    pub state: &'static str,
    /// Files hashed so far and files to hash (unchanged files are not counted).
    pub done: usize,
    pub total: usize,
    /// The summary `corpus build --format json` prints, once finished.
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// The build of this server.
#[derive(Default)]
pub struct Builds {
    state: Mutex<BuildState>,
}

impl Builds {
    pub fn get(&self) -> BuildState {
        let s = self.state.lock().map(|s| s.clone()).unwrap_or_default();
        BuildState {
            state: if s.state.is_empty() { "idle" } else { s.state },
            ..s
        }
    }

    fn set(&self, f: impl FnOnce(&mut BuildState)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
    }

    /// Marks a build as running; false if one already is.
    fn begin(&self) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        if s.state == "running" {
            return false;
        }
        *s = BuildState {
            state: "running",
            ..BuildState::default()
        };
        true
    }
}

/// Starts a build of the server's reference folder (with its context file,
/// pruning files that are gone). Errors: the reason no build started.
pub fn start(state: &Arc<AppState>) -> Result<(), StartError> {
    let Some(dir) = state.config.corpus_dir.clone() else {
        return Err(StartError::NoFolder);
    };
    if !state.build.begin() {
        return Err(StartError::Running);
    }
    let state = Arc::clone(state);
    tokio::spawn(async move {
        let _write = state.write_lock.lock().await;
        state.writing.fetch_add(1, Ordering::SeqCst);
        let worker = Arc::clone(&state);
        let outcome = tokio::task::spawn_blocking(move || {
            let limits = worker.config.limits;
            let mut corpus = Corpus::open(&worker.config.db)?;
            let opts = BuildOptions {
                limits,
                prune: true,
                context: None,
            };
            let mut report = add_paths(&mut corpus, std::slice::from_ref(&dir), &opts, &|p| {
                worker.build.set(|s| match p {
                    Progress::Started { total } => s.total = total,
                    Progress::FileDone { done, total } => {
                        s.done = done;
                        s.total = total;
                    }
                })
            })?;
            let context = ["context.csv", "context.jsonl"]
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file());
            if let Some(file) = context {
                let records = read_context_file(&file)?;
                report.contexts_attached += corpus.import_contexts(&records, &dir)?.attached;
            }
            let summary = BuildSummary {
                report: &report,
                paths: Style::relative_to(worker.config.base.clone()),
            };
            Ok::<_, crate::Error>(summary.items().into_iter().next())
        })
        .await;
        state.writing.fetch_sub(1, Ordering::SeqCst);
        state.pool.corpus_changed();
        state.build.set(|s| match outcome {
            Ok(Ok(summary)) => {
                s.state = "finished";
                s.summary = summary;
            }
            Ok(Err(e)) => {
                s.state = "failed";
                s.error = Some(e.to_string());
            }
            Err(e) => {
                s.state = "failed";
                s.error = Some(format!("the build stopped: {e}"));
            }
        });
    });
    Ok(())
}

/// Why a build did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("this server has no reference folder to build (start it with --corpus DIR)")]
    NoFolder,
    #[error("a build is already running")]
    Running,
}
