//! Context records: where and when an image was published, by whom, with
//! which caption, place, credit and licence. Read from CSV or JSONL files
//! (untrusted text: trimmed, control characters removed, length-capped).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::date::PartialDate;
use crate::error::{Error, Result};

/// One known appearance of an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub source_url: Option<String>,
    pub publisher: Option<String>,
    /// ISO date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub published: Option<String>,
    pub caption: Option<String>,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub notes: Option<String>,
}

impl Context {
    pub fn published_date(&self) -> Option<PartialDate> {
        self.published
            .as_deref()
            .and_then(|p| PartialDate::parse(p).ok())
    }

    pub fn coordinates(&self) -> Option<(f64, f64)> {
        Some((self.latitude?, self.longitude?))
    }

    /// What identifies this appearance among its file's contexts (a record
    /// imported again replaces the one it matches): its source URL, or
    /// without one its publisher and publication date, joined by the unit
    /// separator (U+001F, which validated text never holds), so that two
    /// publications known without a URL are both kept. The migrations
    /// (`0005_context_appearance.sql`, `0006_context_appearance.sql`)
    /// compute the same for the rows stored before it.
    pub fn appearance(&self) -> String {
        match self.source_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => url.to_string(),
            None => format!(
                "\u{1f}{}\u{1f}{}",
                self.publisher.as_deref().unwrap_or(""),
                self.published.as_deref().unwrap_or("")
            ),
        }
    }

    /// Cleans text fields and checks the date and coordinates.
    pub fn validated(mut self) -> std::result::Result<Context, String> {
        for field in [
            &mut self.source_url,
            &mut self.publisher,
            &mut self.caption,
            &mut self.location,
            &mut self.credit,
            &mut self.licence,
            &mut self.notes,
        ] {
            *field = field.take().and_then(|s| clean_text(&s));
        }
        self.published = self.published.take().and_then(|s| clean_text(&s));
        if let Some(p) = &self.published {
            PartialDate::parse(p).map_err(|e| e.to_string())?;
        }
        if let Some(lat) = self.latitude {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(format!("latitude {lat} out of range"));
            }
        }
        if let Some(lon) = self.longitude {
            if !(-180.0..=180.0).contains(&lon) {
                return Err(format!("longitude {lon} out of range"));
            }
        }
        Ok(self)
    }
}

/// Longest text kept from an untrusted field.
pub const MAX_TEXT: usize = 2000;

/// Trims, drops control characters (keeping none: terminals and HTML get
/// only printable text), caps the length; empty becomes `None`.
pub fn clean_text(s: &str) -> Option<String> {
    let t: String = s
        .trim()
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(MAX_TEXT)
        .collect();
    (!t.is_empty()).then_some(t)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// A context record naming the file it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextRecord {
    /// Path relative to the corpus folder (or as given to `import`).
    pub path: Option<String>,
    pub sha256: Option<String>,
    /// PDQ hash (64 hex digits, ThreatExchange form): lets a record stand for
    /// a picture that is not a file here (hash lists, exported corpora).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq_quality: Option<u8>,
    /// 64-bit pHash, 16 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phash64: Option<String>,
    #[serde(flatten)]
    pub context: Context,
}

/// The flat row of a CSV context file.
#[derive(Debug, Deserialize)]
struct CsvRow {
    path: Option<String>,
    sha256: Option<String>,
    pdq: Option<String>,
    pdq_quality: Option<u8>,
    phash64: Option<String>,
    source_url: Option<String>,
    publisher: Option<String>,
    published: Option<String>,
    caption: Option<String>,
    location: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    credit: Option<String>,
    licence: Option<String>,
    notes: Option<String>,
}

impl From<CsvRow> for ContextRecord {
    fn from(r: CsvRow) -> Self {
        ContextRecord {
            path: r.path,
            sha256: r.sha256,
            pdq: r.pdq,
            pdq_quality: r.pdq_quality,
            phash64: r.phash64,
            context: Context {
                source_url: r.source_url,
                publisher: r.publisher,
                published: r.published,
                caption: r.caption,
                location: r.location,
                latitude: r.latitude,
                longitude: r.longitude,
                credit: r.credit,
                licence: r.licence,
                notes: r.notes,
            },
        }
    }
}

/// The text format of a context file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextFormat {
    /// CSV with a header row naming the columns.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl ContextFormat {
    /// JSON Lines if the name ends in `.jsonl`/`.ndjson`/`.json` (any
    /// case), CSV otherwise.
    pub fn of_path(path: &Path) -> ContextFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") {
            ContextFormat::JsonLines
        } else {
            ContextFormat::Csv
        }
    }
}

/// Reads a context file in the format its name gives (see
/// [`ContextFormat::of_path`] and [`parse_context`]). Errors: [`Error::Io`]
/// if it cannot be read, [`Error::Context`] for the first bad record.
pub fn read_context_file(path: &Path) -> Result<Vec<ContextRecord>> {
    open_context_file(path)?.collect()
}

/// Opens a context file for reading record by record (see
/// [`ContextRecords`]): memory stays bounded however long the file is.
/// Errors: [`Error::Io`] if it cannot be opened.
pub fn open_context_file(path: &Path) -> Result<ContextRecords<BufReader<File>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(ContextRecords::new(
        BufReader::with_capacity(1 << 16, file),
        ContextFormat::of_path(path),
        path,
    ))
}

/// Checks every record of a context file as [`read_context_file`] reads
/// it, keeping none: JSON Lines in batches of lines parsed on all cores
/// (rayon), CSV in order. Errors: as [`read_context_file`]'s, the first bad
/// record by its number.
pub fn check_context_file(path: &Path) -> Result<()> {
    use rayon::prelude::*;
    if ContextFormat::of_path(path) == ContextFormat::Csv {
        return open_context_file(path)?.try_for_each(|r| r.map(drop));
    }
    let err = |record: usize, reason: String| Error::Context {
        path: path.to_path_buf(),
        record,
        reason,
    };
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = BufReader::with_capacity(1 << 16, file).lines();
    let mut number = 0;
    loop {
        let mut batch = Vec::with_capacity(CHECK_BATCH);
        for line in lines.by_ref().take(CHECK_BATCH) {
            number += 1;
            batch.push((number, line.map_err(|e| err(number, e.to_string()))?));
        }
        if batch.is_empty() {
            return Ok(());
        }
        let bad = batch
            .par_iter()
            .filter(|(_, line)| !line.trim().is_empty())
            .find_map_first(|(n, line)| parse_json_line(line).err().map(|e| (*n, e)));
        if let Some((n, reason)) = bad {
            return Err(err(n, reason));
        }
    }
}

/// Lines of JSON parsed together by [`check_context_file`].
const CHECK_BATCH: usize = 16_384;

/// One JSON Lines record, cleaned and checked.
fn parse_json_line(line: &str) -> std::result::Result<ContextRecord, String> {
    serde_json::from_str::<ContextRecord>(line)
        .map_err(|e| e.to_string())
        .and_then(finish)
}

/// Parses context records (untrusted text): each cleaned and checked (hex
/// hashes, date, coordinates, PDQ quality). All or nothing: the first bad
/// record gives [`Error::Context`] with its 1-based number (line for JSON
/// Lines, data row for CSV); `origin` names the source in errors only.
pub fn parse_context(
    text: &str,
    format: ContextFormat,
    origin: &Path,
) -> Result<Vec<ContextRecord>> {
    ContextRecords::new(text.as_bytes(), format, origin).collect()
}

/// Context records read one at a time from any reader, each cleaned and
/// checked as [`parse_context`] says; a bad record is an
/// [`Error::Context`] naming its 1-based number, and ends the iteration.
pub struct ContextRecords<R: BufRead> {
    rows: Rows<R>,
    origin: PathBuf,
    /// Records (JSON lines or CSV data rows) read so far.
    number: usize,
    failed: bool,
}

enum Rows<R: BufRead> {
    Json(std::io::Lines<R>),
    Csv(csv::DeserializeRecordsIntoIter<R, CsvRow>),
}

impl<R: BufRead> ContextRecords<R> {
    /// Records of `reader` in `format`; `origin` names the source in errors.
    pub fn new(reader: R, format: ContextFormat, origin: &Path) -> Self {
        let rows = match format {
            ContextFormat::JsonLines => Rows::Json(reader.lines()),
            ContextFormat::Csv => Rows::Csv(
                csv::ReaderBuilder::new()
                    .trim(csv::Trim::All)
                    .from_reader(reader)
                    .into_deserialize(),
            ),
        };
        ContextRecords {
            rows,
            origin: origin.to_path_buf(),
            number: 0,
            failed: false,
        }
    }

    fn next_record(&mut self) -> Option<std::result::Result<ContextRecord, String>> {
        match &mut self.rows {
            Rows::Json(lines) => loop {
                self.number += 1;
                let line = match lines.next()? {
                    Ok(line) => line,
                    Err(e) => return Some(Err(e.to_string())),
                };
                if !line.trim().is_empty() {
                    return Some(parse_json_line(&line));
                }
            },
            Rows::Csv(rows) => {
                self.number += 1;
                let row = rows.next()?;
                Some(
                    row.map_err(|e| e.to_string())
                        .and_then(|r| finish(r.into())),
                )
            }
        }
    }
}

impl<R: BufRead> Iterator for ContextRecords<R> {
    type Item = Result<ContextRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.next_record()?;
        self.failed = item.is_err();
        Some(item.map_err(|reason| Error::Context {
            path: self.origin.clone(),
            record: self.number,
            reason,
        }))
    }
}

fn finish(mut rec: ContextRecord) -> std::result::Result<ContextRecord, String> {
    rec.path = rec.path.and_then(|p| clean_text(&p));
    rec.sha256 = rec
        .sha256
        .and_then(|s| clean_text(&s))
        .map(|s| s.to_ascii_lowercase());
    if let Some(s) = &rec.sha256 {
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("sha256 {s:?} is not 64 hex digits"));
        }
    }
    rec.pdq = rec
        .pdq
        .and_then(|s| clean_text(&s))
        .map(|s| s.to_ascii_lowercase());
    if let Some(h) = &rec.pdq {
        if crate::hash::Pdq::from_hex(h).is_none() {
            return Err(format!("pdq {h:?} is not 64 hex digits"));
        }
    }
    rec.phash64 = rec
        .phash64
        .and_then(|s| clean_text(&s))
        .map(|s| s.to_ascii_lowercase());
    if let Some(h) = &rec.phash64 {
        if crate::hash::phash_from_hex(h).is_none() {
            return Err(format!("phash64 {h:?} is not 16 hex digits"));
        }
    }
    if rec.pdq_quality.is_some_and(|q| q > 100) {
        return Err("pdq_quality is over 100".into());
    }
    if rec.path.is_none() && rec.sha256.is_none() && rec.pdq.is_none() {
        return Err("record names no path, sha256 or pdq".into());
    }
    rec.context = rec.context.validated()?;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_strips_controls_and_bidi_overrides() {
        assert_eq!(
            clean_text("  a\u{1b}[31mb\u{202e}c\n").as_deref(),
            Some("a[31mbc")
        );
        assert_eq!(clean_text(" \t "), None);
    }

    #[test]
    fn the_parallel_check_finds_the_bad_record_the_reader_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.jsonl");
        let mut text = String::new();
        for i in 1..=20_000 {
            match i {
                7 => text.push_str("   \n"),
                17_001 => text.push_str("{\"path\":\"x.jpg\",\"latitude\":123}\n"),
                19_000 => text.push_str("{\"sha256\":\"00\"}\n"),
                _ => text.push_str(&format!("{{\"path\":\"{i}.jpg\"}}\n")),
            }
        }
        std::fs::write(&path, &text).unwrap();
        let number = |e: Error| match e {
            Error::Context { record, .. } => record,
            other => panic!("{other}"),
        };
        assert_eq!(number(read_context_file(&path).unwrap_err()), 17_001);
        assert_eq!(number(check_context_file(&path).unwrap_err()), 17_001);
        let good: String = text
            .lines()
            .take(17_000)
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, good).unwrap();
        check_context_file(&path).unwrap();
        assert_eq!(read_context_file(&path).unwrap().len(), 16_999);
    }

    #[test]
    fn csv_and_jsonl_records_are_read_and_validated() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("c.csv");
        std::fs::write(
            &csv,
            "path,sha256,source_url,publisher,published,caption,location,latitude,longitude,credit,licence,notes\n\
             a.jpg,,https://x.org/a,X,2016-05,\"A, caption\",Paris,48.85,2.35,Ann,CC0-1.0,\n",
        )
        .unwrap();
        let recs = read_context_file(&csv).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].context.caption.as_deref(), Some("A, caption"));
        assert_eq!(recs[0].context.latitude, Some(48.85));

        let jsonl = dir.path().join("c.jsonl");
        std::fs::write(
            &jsonl,
            "{\"path\":\"a.jpg\",\"published\":\"not a date\"}\n",
        )
        .unwrap();
        let e = read_context_file(&jsonl).unwrap_err();
        assert!(matches!(e, Error::Context { record: 1, .. }), "{e}");
    }
}
