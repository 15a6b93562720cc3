//! `provcheck serve`: the verification desk in a browser and the HTTP API
//! (`/api/v1`), a thin edge over the library like the command line. The API
//! answers with the bytes the command line's JSON formats write (the same
//! [`crate::report`] serializers); the pages are templates and assets
//! embedded in the binary. Security: loopback unless a token is set, the
//! token on every request when set, a strict Content-Security-Policy,
//! same-origin posts, upload limits, references served by id only, and a
//! JSON error with a 4xx status for every bad request.

mod api;
mod build;
mod guard;
mod pages;
mod pool;
mod references;
mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use crate::decode::Limits;

pub use build::BuildState;

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; anything but loopback needs `token`.
    pub bind: SocketAddr,
    /// The corpus database (SQLite file).
    pub db: PathBuf,
    /// Reference folder that a build (`POST /api/v1/build`) indexes, with
    /// its `context.csv` or `context.jsonl`.
    pub corpus_dir: Option<PathBuf>,
    /// Folder where pictures added through the server are kept.
    pub uploads: PathBuf,
    /// Access token required on every request (bearer header or cookie).
    pub token: Option<String>,
    /// Decode limits per picture, as in the command line.
    pub limits: Limits,
    /// Largest request body, in bytes.
    pub max_upload_bytes: usize,
    /// Matcher threads (each with its own corpus connection; all share
    /// one index).
    pub workers: usize,
    /// Paths in responses are shown relative to this folder when inside it.
    pub base: PathBuf,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "binding to {0} (not loopback) needs an access token: pass --token or set PROVCHECK_TOKEN"
    )]
    TokenRequired(SocketAddr),
    #[error("the access token must be at least {min} characters")]
    TokenTooShort { min: usize },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the corpus: {0}")]
    Corpus(#[from] crate::Error),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Shortest access token accepted.
pub const MIN_TOKEN: usize = 16;

/// What every request handler shares.
pub(crate) struct AppState {
    pub config: Config,
    pub pool: Arc<pool::Pool>,
    pub build: build::Builds,
    /// Non-zero while this server writes the corpus (the watcher waits).
    pub writing: Arc<AtomicU64>,
    /// One write (add, import, build) at a time.
    pub write_lock: tokio::sync::Mutex<()>,
    pub pages: pages::Templates,
}

/// Checks the configuration, opens the corpus once (creating it if needed),
/// binds and serves until the process is stopped. `ready` is called with the
/// bound address (port 0 picks a free one) before the first request.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    if let Some(t) = &config.token {
        if t.chars().count() < MIN_TOKEN {
            return Err(ServeError::TokenTooShort { min: MIN_TOKEN });
        }
    } else if !config.bind.ip().is_loopback() {
        return Err(ServeError::TokenRequired(config.bind));
    }
    drop(crate::corpus::Corpus::open(&config.db)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.bind,
                source,
            })?;
        ready(listener.local_addr()?);
        let pool = Arc::new(pool::Pool::start(&config.db, config.workers));
        let writing = Arc::new(AtomicU64::new(0));
        tokio::spawn(pool::watch(
            Arc::clone(&pool),
            config.db.clone(),
            Duration::from_secs(1),
            Arc::clone(&writing),
        ));
        let state = Arc::new(AppState {
            config,
            pool,
            build: build::Builds::default(),
            writing,
            write_lock: tokio::sync::Mutex::new(()),
            pages: pages::Templates::new(),
        });
        axum::serve(listener, router(state)).await?;
        Ok(())
    })
}

fn router(state: Arc<AppState>) -> axum::Router {
    use axum::extract::DefaultBodyLimit;
    let limit = state.config.max_upload_bytes;
    axum::Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::guard,
        ))
        .with_state(state)
}
