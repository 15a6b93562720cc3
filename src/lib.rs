//! provcheck: offline image provenance checks.
//!
//! The library hashes images ([`analyze`], [`hash`]), keeps a reference corpus
//! in SQLite ([`corpus`]), finds the closest references ([`index`], [`matching`])
//! and checks the images attached to a statement ([`check`]). It never prints:
//! the `provcheck` binary draws its results through [`report`].

pub mod analyze;
pub mod decode;
pub mod edits;
pub mod error;
pub mod evidence;
pub mod exif;
pub mod features;
pub mod footprint;
pub mod hash;
pub mod scan;

pub use error::{Error, FileError, Result};
pub mod check;
pub mod check_video;
pub mod clip;
pub mod context;
pub mod corpus;
pub mod date;
pub mod eval;
pub mod index;
pub mod matching;
pub mod query;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod statement;
pub mod thumbnail;
pub mod verify;
pub mod video;
