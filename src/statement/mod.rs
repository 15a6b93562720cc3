//! A statement to check: who published it and when, what it claims (date,
//! place, coordinates) and the images attached to it. Read from TOML or JSON.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::clean_text;
use crate::date::PartialDate;
use crate::error::{Error, Result};

mod fields;

pub use fields::FieldProblem;

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

/// Largest statement read (file or text).
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

    /// Parses statement text (untrusted, at most 4 MiB): every field is
    /// checked (types, dates, coordinates, unknown names, at least one image
    /// with a path) and every problem reported at once, each with its line
    /// in TOML and its field name in both formats; text fields are then
    /// cleaned (see [`clean_text`]). `origin` names the source in errors
    /// only. Errors: [`Error::Statement`] for text over the size limit or
    /// not valid TOML/JSON (the parser's message gives the line),
    /// [`Error::StatementFields`] listing each invalid field.
    pub fn parse(text: &str, format: StatementFormat, origin: &Path) -> Result<Statement> {
        let bad = |reason: String| Error::Statement {
            path: origin.to_path_buf(),
            reason,
        };
        if text.len() as u64 > MAX_STATEMENT_BYTES {
            return Err(bad(format!(
                "{} bytes, larger than the {MAX_STATEMENT_BYTES}-byte limit",
                text.len()
            )));
        }
        let tree: serde_json::Value = match format {
            StatementFormat::Json => serde_json::from_str(text).map_err(|e| bad(e.to_string()))?,
            StatementFormat::Toml => toml::from_str(text).map_err(|e| bad(e.to_string()))?,
        };
        let mut problems = fields::check(&tree, |at| match format {
            StatementFormat::Toml => fields::toml_line(text, at),
            StatementFormat::Json => None,
        });
        // In the order of the text where lines are known (a stable sort:
        // by field name otherwise).
        problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        if !problems.is_empty() {
            return Err(Error::StatementFields {
                path: origin.to_path_buf(),
                problems,
            });
        }
        let mut s: Statement = serde_json::from_value(tree).map_err(|e| bad(e.to_string()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str, format: StatementFormat) -> Vec<FieldProblem> {
        match Statement::parse(text, format, Path::new("s")) {
            Err(Error::StatementFields { problems, .. }) => problems,
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn every_invalid_toml_field_is_reported_with_its_line() {
        let text = "title = \"Storm\"\n\
                    published = \"2026-13-01\"\n\
                    claimed_date = 2026\n\
                    claimed_latitude = 95.0\n\
                    claimed_longitude = 10.0\n\
                    colour = \"red\"\n\
                    \n\
                    [[images]]\n\
                    path = \"a.jpg\"\n\
                    \n\
                    [[images]]\n\
                    caption = 3\n";
        let found: Vec<(String, Option<usize>)> = problems(text, StatementFormat::Toml)
            .into_iter()
            .map(|p| (p.field, p.line))
            .collect();
        let lines: Vec<Option<usize>> = found.iter().map(|f| f.1).collect();
        assert!(lines.is_sorted(), "not in line order: {found:?}");
        let expected = [
            ("claimed_date", 3),
            ("claimed_latitude", 4),
            ("colour", 6),
            ("images[2].caption", 12),
            ("images[2]", 11),
            ("published", 2),
        ];
        for (field, line) in expected {
            assert!(
                found.contains(&(field.to_string(), Some(line))),
                "{field} at line {line} missing from {found:?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }

    #[test]
    fn every_invalid_json_field_is_named() {
        let text =
            r#"{"published": "yesterday", "claimed_longitude": 10, "images": [{"path": ""}]}"#;
        let mut fields: Vec<String> = problems(text, StatementFormat::Json)
            .into_iter()
            .map(|p| p.field)
            .collect();
        fields.sort();
        assert_eq!(fields, ["claimed_longitude", "images[1].path", "published"]);
        let err = Statement::parse(text, StatementFormat::Json, Path::new("s")).unwrap_err();
        assert!(err.to_string().contains("3 invalid fields"), "{err}");
    }

    #[test]
    fn malformed_toml_points_at_its_line() {
        let err = Statement::parse(
            "title = \"a\"\npublished = \"2026\n[[images]]\n",
            StatementFormat::Toml,
            Path::new("s"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn statement_text_over_the_size_limit_is_refused_before_parsing() {
        let text = format!(
            "title = \"{}\"\n[[images]]\npath = \"a.jpg\"\n",
            "x".repeat(MAX_STATEMENT_BYTES as usize)
        );
        let err = Statement::parse(&text, StatementFormat::Toml, Path::new("s")).unwrap_err();
        assert!(
            matches!(&err, Error::Statement { reason, .. } if reason.contains("limit")),
            "{err}"
        );
    }

    #[test]
    fn a_valid_statement_parses_and_is_cleaned() {
        let s = Statement::parse(
            "title = \"  Storm\\u0007 \"\npublished = \"2026-01-02\"\n[[images]]\npath = \"a.jpg\"\n",
            StatementFormat::Toml,
            Path::new("s"),
        )
        .unwrap();
        assert_eq!(s.title.as_deref(), Some("Storm"));
        assert_eq!(s.images.len(), 1);
    }
}
