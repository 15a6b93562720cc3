//! The outputs of `provcheck corpus`: build summaries, listings and statistics.

use serde_json::json;

use super::{opt, Report, Style};
use crate::corpus::{BuildReport, FileEntry, Stats};

pub struct BuildSummary<'a> {
    pub report: &'a BuildReport,
    pub paths: Style,
}

impl BuildSummary<'_> {
    /// The counts, in the order of the headers.
    fn counts(&self) -> [usize; 8] {
        let r = self.report;
        [
            r.scanned,
            r.unchanged,
            r.decoded,
            r.added,
            r.updated,
            r.pruned,
            r.contexts_attached,
            r.failures.len() + r.walk_errors.len(),
        ]
    }
}

impl Report for BuildSummary<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "scanned",
            "unchanged",
            "decoded",
            "added",
            "updated",
            "pruned",
            "contexts",
            "failed",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        vec![self.counts().iter().map(|n| n.to_string()).collect()]
    }

    fn items(&self) -> Vec<serde_json::Value> {
        let r = self.report;
        vec![json!({
            "scanned": r.scanned,
            "unchanged": r.unchanged,
            "decoded": r.decoded,
            "added": r.added,
            "updated": r.updated,
            "pruned": r.pruned,
            "contexts_attached": r.contexts_attached,
            "failed": r.failures.iter().map(|f| json!({
                "path": self.paths.show(&f.path),
                "error": f.error.to_string(),
            })).chain(r.walk_errors.iter().map(|e| json!({"path": null, "error": e.to_string()})))
            .collect::<Vec<_>>(),
        })]
    }

    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let [scanned, unchanged, decoded, added, updated, pruned, contexts, failed] = self.counts();
        writeln!(
            w,
            "{scanned} images: {unchanged} unchanged (not decoded), {decoded} decoded ({added} added, {updated} updated), {pruned} pruned, {contexts} contexts attached, {failed} failed"
        )
    }
}

pub struct ListReport<'a> {
    pub entries: &'a [FileEntry],
    pub paths: Style,
}

impl Report for ListReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "path",
            "format",
            "width",
            "height",
            "pdq",
            "pdq_quality",
            "low_information",
            "contexts",
            "earliest_published",
            "sha256",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.entries
            .iter()
            .map(|e| {
                vec![
                    self.paths.show(&e.path),
                    e.format.clone(),
                    e.width.to_string(),
                    e.height.to_string(),
                    e.pdq.clone(),
                    e.pdq_quality.to_string(),
                    e.low_information.to_string(),
                    e.contexts.to_string(),
                    opt(&e.earliest_published),
                    e.sha256.clone(),
                ]
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        self.entries
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["path"] = json!(self.paths.show(&e.path));
                v
            })
            .collect()
    }

    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .entries
            .iter()
            .map(|e| {
                vec![
                    self.paths.show(&e.path),
                    format!("{}x{} {}", e.width, e.height, e.format),
                    format!(
                        "{}{}",
                        e.pdq_quality,
                        if e.low_information { " low-info" } else { "" }
                    ),
                    e.contexts.to_string(),
                    opt(&e.earliest_published),
                ]
            })
            .collect();
        super::write_table(
            w,
            &self.paths,
            &["path", "size", "quality", "contexts", "first published"],
            &rows,
        )
    }
}

pub struct StatsReport<'a> {
    pub stats: &'a Stats,
    pub paths: Style,
}

impl Report for StatsReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec!["key", "value"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let s = self.stats;
        let formats = s
            .formats
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            vec!["database".into(), self.paths.show(&s.database)],
            vec!["schema_version".into(), s.schema_version.to_string()],
            vec!["files".into(), s.files.to_string()],
            vec![
                "files_with_context".into(),
                s.files_with_context.to_string(),
            ],
            vec!["contexts".into(), s.contexts.to_string()],
            vec!["low_information".into(), s.low_information.to_string()],
            vec!["videos".into(), s.videos.to_string()],
            vec!["video_frames".into(), s.video_frames.to_string()],
            vec!["video_hours".into(), format!("{:.3}", s.video_hours)],
            vec!["formats".into(), formats],
            vec!["earliest_published".into(), opt(&s.earliest_published)],
            vec!["latest_published".into(), opt(&s.latest_published)],
        ]
    }

    fn items(&self) -> Vec<serde_json::Value> {
        let mut v = serde_json::to_value(self.stats).unwrap_or_default();
        v["database"] = json!(self.paths.show(&self.stats.database));
        vec![v]
    }
}

/// `corpus export`: hashes and context, in the format `corpus import` reads.
pub struct ExportReport<'a> {
    pub records: &'a [crate::context::ContextRecord],
}

impl Report for ExportReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "path",
            "sha256",
            "pdq",
            "pdq_quality",
            "phash64",
            "source_url",
            "publisher",
            "published",
            "caption",
            "location",
            "latitude",
            "longitude",
            "credit",
            "licence",
            "notes",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        self.records
            .iter()
            .map(|r| {
                let c = &r.context;
                vec![
                    opt(&r.path),
                    opt(&r.sha256),
                    opt(&r.pdq),
                    r.pdq_quality.map(|q| q.to_string()).unwrap_or_default(),
                    opt(&r.phash64),
                    opt(&c.source_url),
                    opt(&c.publisher),
                    opt(&c.published),
                    opt(&c.caption),
                    opt(&c.location),
                    num(c.latitude),
                    num(c.longitude),
                    opt(&c.credit),
                    opt(&c.licence),
                    opt(&c.notes),
                ]
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        self.records
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or_default())
            .collect()
    }

    /// An export is data: its "table" is CSV.
    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        super::render(w, super::Format::Csv, self)
    }
}

/// What `corpus remove` did with one named path.
#[derive(Debug, Clone)]
pub struct Removal {
    /// The path as given.
    pub path: std::path::PathBuf,
    /// Whether it named a folder (every file of the corpus under it).
    pub folder: bool,
    /// The stored files removed; empty when nothing was.
    pub removed: Vec<std::path::PathBuf>,
}

impl Removal {
    /// Why nothing was removed (meaningful when `removed` is empty).
    pub fn reason(&self) -> &'static str {
        if self.folder {
            "no file of the corpus is under this folder"
        } else {
            "not in the corpus"
        }
    }
}

/// The output of `corpus remove`: each named path with the files removed
/// for it, or why none was.
pub struct RemovalReport<'a> {
    pub removals: &'a [Removal],
    pub paths: Style,
}

impl Report for RemovalReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec!["path", "removed", "reason"]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.removals
            .iter()
            .map(|r| {
                vec![
                    self.paths.show(&r.path),
                    r.removed.len().to_string(),
                    if r.removed.is_empty() { r.reason() } else { "" }.to_string(),
                ]
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        self.removals
            .iter()
            .map(|r| {
                json!({
                    "path": self.paths.show(&r.path),
                    "removed": r.removed.iter().map(|p| self.paths.show(p)).collect::<Vec<_>>(),
                    "error": r.removed.is_empty().then(|| r.reason()),
                })
            })
            .collect()
    }

    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let show = |p: &std::path::Path| super::printable(&self.paths.show(p));
        let mut files = 0;
        let mut missed = 0;
        for r in self.removals {
            for p in &r.removed {
                writeln!(w, "removed {}", show(p))?;
            }
            if r.removed.is_empty() {
                writeln!(w, "not removed {}: {}", show(&r.path), r.reason())?;
                missed += 1;
            }
            files += r.removed.len();
        }
        let s = |n: usize| if n == 1 { "" } else { "s" };
        writeln!(
            w,
            "{files} file{} removed, {missed} path{} not removed",
            s(files),
            s(missed)
        )
    }
}
