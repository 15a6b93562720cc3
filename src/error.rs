//! Typed errors of the library. The binary turns them into messages and exit codes.

use std::path::PathBuf;

/// Why one input file could not be hashed. Reported per file; the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    #[error("empty file (0 bytes)")]
    Empty,
    #[error("file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("unsupported format: {0}")]
    Unsupported(String),
    #[error("not a recognised image (no known image signature)")]
    NotAnImage,
    #[error("image is {width}x{height}, over the {limit}-pixel limit")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("image is {width}x{height}, too small to hash")]
    TooSmall { width: u32, height: u32 },
    #[error("cannot decode {format} image: {reason}")]
    Decode { format: String, reason: String },
    #[error("decoder crashed on this file: {0}")]
    Panic(String),
    #[error("cannot read video: FFmpeg was not found ({0}); {hint}", hint = crate::video::tool::INSTALL_HINT)]
    NoFfmpeg(String),
    #[error("cannot read video: {0}")]
    Video(String),
    #[error("gave up after {0:?} (time limit per file)")]
    TimedOut(std::time::Duration),
}

/// Errors of the corpus store, statements and context files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error")]
    Db(#[from] rusqlite::Error),
    /// A PostgreSQL statement or connection failed (its message includes
    /// the server's reason).
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL: {}", pg_message(error))]
    Postgres {
        /// The URL with its password masked.
        location: String,
        error: postgres::Error,
    },
    #[error("the corpus {location} is read-only for this database role: {reason}")]
    ReadOnly {
        /// The URL with its password masked.
        location: String,
        reason: String,
    },
    #[error("{0} is not a provcheck database (not SQLite, or damaged)")]
    NotADatabase(PathBuf),
    #[error(
        "database {path} has schema version {found}, newer than this provcheck understands ({supported}); upgrade provcheck"
    )]
    DbTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: FileError,
    },
    #[error("{path}, record {record}: {reason}")]
    Context {
        path: PathBuf,
        record: usize,
        reason: String,
    },
    #[error("statement {path}: {reason}")]
    Statement { path: PathBuf, reason: String },
    /// Every invalid field of a statement, in line order (TOML) or by name.
    #[error("statement {path}: {}", field_list(problems))]
    StatementFields {
        path: PathBuf,
        problems: Vec<crate::statement::FieldProblem>,
    },
    #[error("invalid date {0:?} (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
    Date(String),
    #[error("not in the corpus: {0}")]
    NotInCorpus(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

/// A PostgreSQL error with its cause: the server's message (and hint), or
/// the client's error and what caused it.
#[cfg(feature = "postgres")]
fn pg_message(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return match db.hint() {
            Some(hint) => format!("{} ({hint})", db.message()),
            None => db.message().to_string(),
        };
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// "N invalid fields:" and one indented line per problem (or the one problem).
fn field_list(problems: &[crate::statement::FieldProblem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} invalid fields:", many.len());
            for p in many {
                s.push_str("\n  ");
                s.push_str(&p.to_string());
            }
            s
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
