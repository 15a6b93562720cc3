//! A statement to check: who published it and when, what it claims (date,
//! place, coordinates) and the images attached to it. Read from TOML or JSON.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::clean_text;
use crate::date::PartialDate;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub title: Option<String>,
    pub source: Option<String>,
    /// When the statement was published (ISO date).
    pub published: Option<String>,
    pub claimed_date: Option<String>,
    pub claimed_location: Option<String>,
    pub claimed_latitude: Option<f64>,
    pub claimed_longitude: Option<f64>,
    pub text: Option<String>,
    #[serde(default)]
    pub images: Vec<StatementImage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementImage {
    /// Relative to the statement file.
    pub path: PathBuf,
    pub caption: Option<String>,
}

/// Largest statement file read.
const MAX_STATEMENT_BYTES: u64 = 4 * 1024 * 1024;

/// The text format of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementFormat {
    Toml,
    Json,
}

impl StatementFormat {
    /// JSON if the name ends in `.json` (any case), TOML otherwise.
    pub fn of_path(path: &Path) -> StatementFormat {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            StatementFormat::Json
        } else {
            StatementFormat::Toml
        }
    }
}

impl Statement {
    /// Loads a statement: JSON if the name ends in `.json`, TOML otherwise
    /// (see [`Statement::parse`]). Errors: [`Error::Io`] if the file cannot
    /// be read, [`Error::Statement`] if it is over 4 MiB or invalid.
    pub fn load(path: &Path) -> Result<Statement> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > MAX_STATEMENT_BYTES {
            return Err(Error::Statement {
                path: path.to_path_buf(),
                reason: format!("larger than {MAX_STATEMENT_BYTES} bytes"),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Statement::parse(&text, StatementFormat::of_path(path), path)
    }

    /// Parses statement text (untrusted): text fields cleaned (see
    /// [`clean_text`]), dates and coordinates checked, at least one image
    /// required. `origin` names the source in errors only. Errors:
    /// [`Error::Statement`] with the reason.
    pub fn parse(text: &str, format: StatementFormat, origin: &Path) -> Result<Statement> {
        let bad = |reason: String| Error::Statement {
            path: origin.to_path_buf(),
            reason,
        };
        let mut s: Statement = match format {
            StatementFormat::Json => serde_json::from_str(text).map_err(|e| bad(e.to_string()))?,
            StatementFormat::Toml => toml::from_str(text).map_err(|e| bad(e.to_string()))?,
        };
        for field in [
            &mut s.title,
            &mut s.source,
            &mut s.published,
            &mut s.claimed_date,
            &mut s.claimed_location,
            &mut s.text,
        ] {
            *field = field.take().and_then(|t| clean_text(&t));
        }
        for img in &mut s.images {
            img.caption = img.caption.take().and_then(|t| clean_text(&t));
        }
        for (name, value) in [
            ("published", &s.published),
            ("claimed_date", &s.claimed_date),
        ] {
            if let Some(v) = value {
                PartialDate::parse(v).map_err(|e| bad(format!("{name}: {e}")))?;
            }
        }
        match (s.claimed_latitude, s.claimed_longitude) {
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
            (None, None) => {}
            _ => {
                return Err(bad(
                    "claimed_latitude and claimed_longitude must both be given, in range".into(),
                ))
            }
        }
        if s.images.is_empty() {
            return Err(bad("no [[images]] to check".into()));
        }
        Ok(s)
    }

    /// The date the images are claimed to show: `claimed_date`, else the
    /// statement's own date.
    pub fn claim_date(&self) -> Option<PartialDate> {
        self.claimed_date
            .as_deref()
            .or(self.published.as_deref())
            .and_then(|d| PartialDate::parse(d).ok())
    }

    pub fn published_date(&self) -> Option<PartialDate> {
        self.published
            .as_deref()
            .and_then(|d| PartialDate::parse(d).ok())
    }

    pub fn claimed_coordinates(&self) -> Option<(f64, f64)> {
        Some((self.claimed_latitude?, self.claimed_longitude?))
    }

    /// Absolute (or cwd-relative) path of an attached image.
    pub fn image_path(statement_file: &Path, image: &StatementImage) -> PathBuf {
        statement_file
            .parent()
            .unwrap_or(Path::new("."))
            .join(&image.path)
    }
}
