//! Output formats, separate from the logic: every result kind implements
//! [`Report`] (rows for tables and CSV, JSON items for JSON and JSON Lines)
//! and [`render`] writes it to any writer in the chosen format.

mod check;
mod corpus;
mod hash;
mod html;
mod query;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use check::CheckReport;
pub use corpus::{BuildSummary, ExportReport, ListReport, StatsReport};
pub use hash::HashReport;
pub use html::Previews;
pub use query::QueryReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// A self-contained page (check and query only).
    Html,
}

/// A result that can be printed in every format.
pub trait Report {
    fn headers(&self) -> Vec<&'static str>;
    /// One row per item, as many cells as headers.
    fn rows(&self) -> Vec<Vec<String>>;
    /// One JSON value per item (an array in JSON, a line each in JSON Lines).
    fn items(&self) -> Vec<serde_json::Value>;
    /// The human-readable form; an aligned table unless overridden.
    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        write_table(w, &self.headers(), &self.rows())
    }
    /// The HTML page, for the reports that have one.
    fn html(&self, _w: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "HTML output exists for `check` and `query` only",
        ))
    }
}

pub fn render(w: &mut dyn Write, format: Format, report: &dyn Report) -> io::Result<()> {
    match format {
        Format::Table => report.table(w),
        Format::Html => report.html(w),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &report.items())?;
            writeln!(w)
        }
        Format::Jsonl => {
            for item in report.items() {
                serde_json::to_writer(&mut *w, &item)?;
                writeln!(w)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record(report.headers())?;
            for row in report.rows() {
                csv.write_record(row)?;
            }
            csv.flush()
        }
    }
}

/// Widest cell shown in a table (longer text is cut with an ellipsis).
const MAX_CELL: usize = 48;

pub fn write_table(w: &mut dyn Write, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| ellipsis(&printable(c), MAX_CELL))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &cut {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |w: &mut dyn Write, cells: Vec<&str>| -> io::Result<()> {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<width$}  ", width = widths[i]));
            }
        }
        writeln!(w, "{}", out.trim_end())
    };
    line(w, headers.to_vec())?;
    for row in &cut {
        line(w, row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

/// Text safe for a terminal: control characters (escape sequences, carriage
/// returns) and bidirectional overrides become `?`.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                '?'
            } else {
                c
            }
        })
        .collect()
}

pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// How paths are shown: relative to a base folder when inside it.
#[derive(Debug, Clone, Default)]
pub struct PathStyle {
    pub base: Option<PathBuf>,
}

impl PathStyle {
    pub fn relative_to(base: PathBuf) -> PathStyle {
        PathStyle { base: Some(base) }
    }

    pub fn show(&self, p: &Path) -> String {
        if let Some(base) = &self.base {
            if let Ok(rel) = p.strip_prefix(base) {
                return rel.display().to_string();
            }
        }
        p.display().to_string()
    }
}

pub(crate) fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_cut_long_cells() {
        let mut out = Vec::new();
        let long = "x".repeat(60);
        write_table(
            &mut out,
            &["a", "bb"],
            &[vec!["1".into(), "one".into()], vec![long, "two".into()]],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let col = lines[0].find("bb").unwrap();
        assert_eq!(lines[1].find("one"), Some(col));
        assert_eq!(
            lines[2].find("two").map(|i| lines[2][..i].chars().count()),
            Some(col)
        );
        assert!(lines[2].contains('…'));
    }

    #[test]
    fn terminal_text_has_no_escape_sequences() {
        assert_eq!(printable("a\u{1b}[2Jb\rc\u{202e}d"), "a?[2Jb?c?d");
    }
}
