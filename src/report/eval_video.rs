//! The `eval --videos` report: per transform family, recall at rank 1 of
//! stills grabbed from the clips, how many were found within 1 s of their
//! time, the time error, and the false matches; then the distractors,
//! misses and failures.

use std::io::{self, Write};

use serde_json::json;

use super::{write_table, Report, Style};
use crate::eval::video::{VideoEvaluation, VideoMiss, VideoRow};

pub struct VideoEvalReport<'a> {
    pub eval: &'a VideoEvaluation,
    pub style: Style,
}

/// The `q` quantile (nearest rank) of `v`, `None` when empty.
fn quantile(v: &[f64], q: f64) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    let i = ((s.len().checked_sub(1)?) as f64 * q).round() as usize;
    s.get(i).copied()
}

fn seconds(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |s| format!("{s:.2}"))
}

/// The rows of one family added up (or of every transform).
fn total<'a>(family: &'static str, rows: impl Iterator<Item = &'a VideoRow>) -> VideoRow {
    let mut t = VideoRow {
        family,
        transform: String::new(),
        queries: 0,
        found: 0,
        within_second: 0,
        time_errors: Vec::new(),
        false_matches: 0,
    };
    for r in rows {
        t.queries += r.queries;
        t.found += r.found;
        t.within_second += r.within_second;
        t.time_errors.extend(&r.time_errors);
        t.false_matches += r.false_matches;
    }
    t
}

fn row_json(r: &VideoRow) -> serde_json::Value {
    json!({
        "family": r.family, "transform": r.transform, "copies": r.queries,
        "found_at_rank_1": r.found, "recall": r.found as f64 / r.queries.max(1) as f64,
        "within_1s": r.within_second,
        "time_error_seconds": {"median": quantile(&r.time_errors, 0.5),
                               "max": quantile(&r.time_errors, 1.0)},
        "false_matches": r.false_matches,
    })
}

fn miss_json(m: &VideoMiss) -> serde_json::Value {
    json!({
        "source": m.source.to_string_lossy(), "time": m.time, "transform": m.transform,
        "instead": m.instead.as_ref().map(|(p, t, d)| json!({
            "reference": p.to_string_lossy(), "time": t, "distance": d
        })),
    })
}

impl VideoEvalReport<'_> {
    /// The rows by family, in report order, then all of them together.
    fn families(&self) -> Vec<VideoRow> {
        let mut names: Vec<&'static str> = Vec::new();
        for r in &self.eval.rows {
            if !names.contains(&r.family) {
                names.push(r.family);
            }
        }
        let mut out: Vec<VideoRow> = names
            .iter()
            .map(|f| total(f, self.eval.rows.iter().filter(|r| r.family == *f)))
            .collect();
        out.push(total("all", self.eval.rows.iter()));
        out
    }

    fn describe(&self, m: &VideoMiss) -> String {
        let what = match (&m.transform, m.time) {
            (Some(t), Some(at)) => format!(
                "{t} of {} @ {}",
                self.style.show(&m.source),
                crate::video::clock(at)
            ),
            (None, Some(at)) => format!(
                "distractor {} @ {}",
                self.style.show(&m.source),
                crate::video::clock(at)
            ),
            (_, None) => format!("distractor {}", self.style.show(&m.source)),
        };
        let instead = match &m.instead {
            Some((p, t, d)) => format!(
                "{}{} came first at {d}",
                self.style.show(p),
                t.map(|t| format!(" @ {}", crate::video::clock(t)))
                    .unwrap_or_default()
            ),
            None => "no match".into(),
        };
        super::printable(&format!("{what}: {instead}"))
    }
}

impl Report for VideoEvalReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "family",
            "copies",
            "recall@1",
            "within 1 s",
            "time error median/max (s)",
            "false matches",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.families()
            .iter()
            .map(|r| {
                vec![
                    r.family.to_string(),
                    r.queries.to_string(),
                    format!("{:.1}%", 100.0 * r.found as f64 / r.queries.max(1) as f64),
                    r.within_second.to_string(),
                    format!(
                        "{}/{}",
                        seconds(quantile(&r.time_errors, 0.5)),
                        seconds(quantile(&r.time_errors, 1.0))
                    ),
                    r.false_matches.to_string(),
                ]
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        let e = self.eval;
        vec![json!({
            "clips": e.clips,
            "frames_stored": e.frames,
            "video_seconds": e.seconds,
            "frames_per_minute": e.frames_per_minute(),
            "fps": e.fps,
            "stills": e.stills.iter().map(|s| json!({
                "clip": s.clip.to_string_lossy(), "time": s.time
            })).collect::<Vec<_>>(),
            "families": self.families().iter().map(row_json).collect::<Vec<_>>(),
            "transforms": e.rows.iter().map(row_json).collect::<Vec<_>>(),
            "distractor_queries": e.distractor_queries,
            "distractor_false_matches": e.distractor_false_matches,
            "false_matches": e.false_matches.iter().map(miss_json).collect::<Vec<_>>(),
            "misses": e.misses.iter().map(miss_json).collect::<Vec<_>>(),
            "duplicates": e.duplicates.iter().map(|(p, of)| json!({
                "path": p.to_string_lossy(), "duplicate_of": of.to_string_lossy()
            })).collect::<Vec<_>>(),
            "failures": e.failures.iter().map(|(p, err)| json!({
                "path": p.to_string_lossy(), "error": err.to_string()
            })).collect::<Vec<_>>(),
            "index_seconds": e.index_seconds,
            "query_seconds": e.query_seconds,
        })]
    }

    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        let e = self.eval;
        writeln!(
            w,
            "stills grabbed at random times, found at rank 1 in their clip; {} clips ({:.1} min, {} frames stored at {} fps + cuts: {:.1} per minute), {} stills",
            e.clips,
            e.seconds / 60.0,
            e.frames,
            e.fps,
            e.frames_per_minute(),
            e.stills.len()
        )?;
        write_table(w, &self.style, &self.headers(), &self.rows())?;
        writeln!(
            w,
            "distractors: {} of {} queries matched a clip",
            e.distractor_false_matches, e.distractor_queries
        )?;
        for m in &e.false_matches {
            writeln!(w, "false match: {}", self.describe(m))?;
        }
        for m in &e.misses {
            writeln!(w, "missed {}", self.describe(m))?;
        }
        for (p, of) in &e.duplicates {
            writeln!(
                w,
                "left out {}: a copy of {}",
                super::printable(&self.style.show(p)),
                super::printable(&self.style.show(of))
            )?;
        }
        for (p, err) in &e.failures {
            writeln!(
                w,
                "skipped {}: {err}",
                super::printable(&self.style.show(p))
            )?;
        }
        Ok(())
    }
}
