//! Output formats, separate from the logic: every result kind implements
//! [`Report`] (rows for tables and CSV, JSON items for JSON and JSON Lines)
//! and [`render`] writes it to any writer in the chosen format.

mod check;
mod corpus;
mod eval;
mod eval_video;
mod hash;
mod html;
mod html_video;
mod query;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::hash::LowInformation;

pub use check::CheckReport;
pub use corpus::{BuildSummary, ExportReport, ListReport, Removal, RemovalReport, StatsReport};
pub use eval::EvalReport;
pub use eval_video::VideoEvalReport;
pub use hash::HashReport;
pub use html::Previews;
pub use query::QueryReport;

/// Version of the JSON outputs of `hash`, `query` and `check` (the schemas
/// in `schemas/`). Bumped on any incompatible change; fields are only added
/// within a version.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// A self-contained page (check and query only).
    Html,
    /// ThreatExchange's vPDQ text format (hash only).
    Vpdq,
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
        write_table(w, &Style::default(), &self.headers(), &self.rows())
    }
    /// ThreatExchange's vPDQ lines, for the reports that have them.
    fn vpdq(&self, _w: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "the vPDQ format exists for `hash` only",
        ))
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
        Format::Vpdq => report.vpdq(w),
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

/// Widest cell shown in a table fitted to a width (longer text is cut
/// with an ellipsis); without a width cells are whole.
const MAX_CELL: usize = 48;
/// Narrowest a column is squeezed to when fitting a width.
const MIN_CELL: usize = 8;

/// Prints an aligned table. With a width (a terminal, or `COLUMNS`), cells
/// over 48 characters are shortened and columns squeezed (widest first)
/// until the table fits; without one (a file, a pipe) every cell is whole.
pub fn write_table(
    w: &mut dyn Write,
    style: &Style,
    headers: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            let cap = if style.width.is_some() {
                MAX_CELL
            } else {
                usize::MAX
            };
            widths[i] = widths[i].max(c.chars().count().min(cap));
        }
    }
    if let Some(max) = style.width {
        let gaps = 2 * widths.len().saturating_sub(1);
        while widths.iter().sum::<usize>() + gaps > max {
            // Squeeze the widest column that is still wider than its header.
            let floor = |i: usize| headers[i].chars().count().max(MIN_CELL);
            let Some((i, widest)) = widths
                .iter()
                .copied()
                .enumerate()
                .filter(|(i, w)| *w > floor(*i))
                .max_by_key(|(_, w)| *w)
            else {
                break;
            };
            widths[i] = widest - 1;
        }
    }
    let line = |w: &mut dyn Write, cells: Vec<String>| -> io::Result<()> {
        let mut out = String::new();
        let n = cells.len();
        for (i, c) in cells.into_iter().enumerate() {
            let c = if PATH_COLUMNS.contains(&headers[i]) {
                shorten_path(&c, widths[i])
            } else {
                ellipsis(&c, widths[i])
            };
            if i + 1 == n {
                out.push_str(&c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                out.push_str(&c);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(w, "{}", out.trim_end())
    };
    line(w, headers.iter().map(|h| h.to_string()).collect())?;
    for row in cells {
        line(w, row)?;
    }
    Ok(())
}

/// Columns that hold paths: cut at the front, so the file name stays.
const PATH_COLUMNS: &[&str] = &["path", "image", "query", "match", "original"];

/// Fits a path in `max` characters, keeping its end (the file name).
pub fn shorten_path(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 2 {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
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
    if s.chars().count() <= max || max < 2 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// How human-readable output looks: paths relative to a base folder when
/// inside it, an optional width to fit (tables shrink, long paths are cut in
/// the middle, free text wraps), and colour or not.
#[derive(Debug, Clone, Default)]
pub struct Style {
    pub base: Option<PathBuf>,
    pub width: Option<usize>,
    pub color: bool,
}

/// Colours used for verdicts and classes.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Alarm,
    Warn,
    Note,
    Calm,
}

impl Style {
    pub fn relative_to(base: PathBuf) -> Style {
        Style {
            base: Some(base),
            ..Style::default()
        }
    }

    pub fn show(&self, p: &Path) -> String {
        if let Some(base) = &self.base {
            if let Ok(rel) = p.strip_prefix(base) {
                return rel.display().to_string();
            }
        }
        p.display().to_string()
    }

    /// `text` in the tone's colour when colour is on.
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match tone {
            Tone::Alarm => "1;31",
            Tone::Warn => "1;33",
            Tone::Note => "1;35",
            Tone::Calm => "32",
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }

    /// Free text wrapped to the width (if any), continuation lines indented.
    pub fn wrap(&self, text: &str, indent: &str) -> String {
        match self.width {
            Some(w) if w > indent.len() + 20 => {
                textwrap::fill(text, textwrap::Options::new(w).subsequent_indent(indent))
            }
            _ => text.to_string(),
        }
    }
}

/// A picture that could not be assessed, in JSON: `{"reason", "detail"}`
/// (see [`LowInformation`]), or null.
pub(crate) fn not_assessed_json(why: Option<LowInformation>) -> serde_json::Value {
    match why {
        Some(w) => serde_json::json!({"reason": w.kind(), "detail": w.detail()}),
        None => serde_json::Value::Null,
    }
}

pub(crate) fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_cut_long_cells_to_a_width() {
        let mut out = Vec::new();
        let long = "x".repeat(60);
        write_table(
            &mut out,
            &Style {
                width: Some(200),
                ..Style::default()
            },
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
    fn tables_without_a_width_keep_every_cell_whole() {
        let mut out = Vec::new();
        let long = format!("{}/photo.jpg", "folder".repeat(12));
        write_table(
            &mut out,
            &Style::default(),
            &["path", "verdict"],
            &[vec![long.clone(), "misattributed".into()]],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&long) && !text.contains('…'), "{text}");
    }

    #[test]
    fn tables_fit_a_width_and_keep_file_names() {
        let mut out = Vec::new();
        let style = Style {
            width: Some(40),
            ..Style::default()
        };
        let path = "reference_images/examples/storm_banner.jpg".to_string();
        write_table(
            &mut out,
            &style,
            &["path", "verdict"],
            &[vec![path, "edited-copy".into()]],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
        assert!(
            text.contains("…") && text.contains("storm_banner.jpg"),
            "{text}"
        );
    }

    #[test]
    fn terminal_text_has_no_escape_sequences() {
        assert_eq!(printable("a\u{1b}[2Jb\rc\u{202e}d"), "a?[2Jb?c?d");
    }
}
