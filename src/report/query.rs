//! The output of `provcheck query`: per query image, its closest references.

use serde_json::json;

use super::{opt, Report, Style};
use crate::evidence::Evidence;
use crate::matching::MatchRule;
use crate::query::{Match, QueryOutcome, VerificationSummary, Verified};

pub struct QueryReport<'a> {
    pub outcomes: &'a [QueryOutcome],
    pub paths: Style,
    /// Picture previews for the HTML page.
    pub previews: super::Previews<'a>,
}

pub(crate) fn match_json(m: &Match, paths: &Style) -> serde_json::Value {
    json!({
        "path": paths.show(&m.path),
        "distance": m.distance,
        "similarity": (m.similarity * 1000.0).round() / 1000.0,
        "chance": m.chance,
        "chance_odds": crate::matching::odds(m.chance),
        "class": m.class,
        "evidence": Evidence::of(m, &MatchRule::default()),
        "transform": m.transform.name(),
        "frames": {"query": m.query_frame, "reference": m.reference_frame},
        "phash_distance": m.phash_distance,
        "verification": m.verification,
        "sha256": m.sha256,
        "width": m.width,
        "height": m.height,
        "context": m.context,
        "contexts": m.contexts,
        "exif": m.exif,
        "media": m.media,
        "time": m.time,
        "frame": m.frame,
    })
}

/// What a video query found of one reference: its path, the two shares
/// and the matched time ranges.
fn clip_json(c: &crate::clip::ClipMatch, paths: &Style) -> serde_json::Value {
    json!({
        "path": paths.show(&c.best.path),
        "media": c.best.media,
        "query_share": c.query_share,
        "reference_share": c.reference_share,
        "segments": c.segments,
        "summary": c.segments.iter().map(|s| s.describe()).collect::<Vec<_>>(),
    })
}

/// A line per reference a video query found: shares and segments.
fn clip_line(c: &crate::clip::ClipMatch, paths: &Style) -> String {
    let shares = match c.reference_share {
        Some(r) => format!(
            "{:.0}% of the query's frames match, {:.0}% of its frames are matched",
            c.query_share * 100.0,
            r * 100.0
        ),
        None => format!("in {:.0}% of the query's frames", c.query_share * 100.0),
    };
    let segments: Vec<String> = c.segments.iter().map(|s| s.describe()).collect();
    format!(
        "{}: {shares}; {}",
        paths.show(&c.best.path),
        segments.join("; ")
    )
}

impl Report for QueryReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "query",
            "rank",
            "match",
            "distance",
            "similarity",
            "evidence",
            "class",
            "transform",
            "published",
            "publisher",
            "caption",
            "not_assessed",
            "error",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for o in self.outcomes {
            let q = self.paths.show(&o.query);
            match &o.result {
                Err(e) => {
                    let mut row = vec![String::new(); 13];
                    row[0] = q;
                    row[12] = e.to_string();
                    rows.push(row);
                }
                Ok(ms) if ms.is_empty() => {
                    let mut row = vec![String::new(); 13];
                    row[0] = q;
                    row[6] = match o.not_assessed {
                        Some(_) => "not-assessed",
                        None => "no-match",
                    }
                    .into();
                    row[11] = o.not_assessed.map(|n| n.kind()).unwrap_or("").into();
                    rows.push(row);
                }
                Ok(ms) => {
                    for (i, m) in ms.iter().enumerate() {
                        let c = m.context.clone().unwrap_or_default();
                        rows.push(vec![
                            q.clone(),
                            (i + 1).to_string(),
                            self.paths.show(&m.path) + &m.at(),
                            m.distance.to_string(),
                            format!("{:.3}", m.similarity),
                            Evidence::of(m, &MatchRule::default()).short(),
                            m.class.name().to_string(),
                            m.transform.name().to_string(),
                            opt(&c.published),
                            opt(&c.publisher),
                            opt(&c.caption),
                            String::new(),
                            String::new(),
                        ]);
                    }
                }
            }
        }
        rows
    }

    fn items(&self) -> Vec<serde_json::Value> {
        self.outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(ms) => json!({
                    "schema_version": super::SCHEMA_VERSION,
                    "query": self.paths.show(&o.query),
                    "matches": ms.iter().map(|m| match_json(m, &self.paths)).collect::<Vec<_>>(),
                    "clips": o.clips.iter().map(|c| clip_json(c, &self.paths)).collect::<Vec<_>>(),
                    "not_assessed": super::not_assessed_json(o.not_assessed),
                    "error": null,
                }),
                Err(e) => json!({
                    "schema_version": super::SCHEMA_VERSION,
                    "query": self.paths.show(&o.query),
                    "matches": [],
                    "not_assessed": null,
                    "error": e.to_string(),
                }),
            })
            .collect()
    }

    fn html(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        super::html::query_page(w, self.outcomes, &self.paths, self.previews)
    }

    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let headers = ["query", "match", "evidence", "class", "published", "source"];
        let mut rows = Vec::new();
        for o in self.outcomes {
            let q = self.paths.show(&o.query);
            match &o.result {
                Err(e) => rows.push(vec![
                    q,
                    format!("error: {e}"),
                    "".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                ]),
                Ok(ms) if ms.is_empty() => rows.push(vec![
                    q,
                    match o.not_assessed {
                        Some(_) => "(not assessed: see below)".into(),
                        None => "(no match)".into(),
                    },
                    "".into(),
                    "".into(),
                    "".into(),
                    "".into(),
                ]),
                Ok(ms) => {
                    for (i, m) in ms.iter().enumerate() {
                        let c = m.context.clone().unwrap_or_default();
                        rows.push(vec![
                            if i == 0 { q.clone() } else { String::new() },
                            self.paths.show(&m.path) + &m.at(),
                            Evidence::of(m, &MatchRule::default()).short(),
                            class_note(m),
                            opt(&c.published),
                            c.publisher.or(c.source_url).unwrap_or_default(),
                        ]);
                    }
                }
            }
        }
        super::write_table(w, &self.paths, &headers, &rows)?;
        for o in self.outcomes {
            for c in &o.clips {
                let line = format!(
                    "{}: {}",
                    self.paths.show(&o.query),
                    clip_line(c, &self.paths)
                );
                writeln!(w, "\n{}", self.paths.wrap(&super::printable(&line), "  "))?;
            }
            if let Some(n) = o.not_assessed {
                let line = format!("{}: {}", self.paths.show(&o.query), n.detail());
                writeln!(w, "\n{}", self.paths.wrap(&super::printable(&line), "  "))?;
            }
        }
        Ok(())
    }
}

/// A match's class with what qualifies it: for another picture of the
/// scene why (the hash's rotation/flip means nothing there), for a copy
/// verified by local features the edits its transform shows, for another
/// copy the hash's rotation/flip.
pub(crate) fn class_note(m: &Match) -> String {
    let verified = m.verification.as_ref();
    let geometry = verified
        .filter(|v| v.verdict.is_copy())
        .and_then(|v| Some(crate::edits::geometric_edits(v, v.footprint.as_ref()?)));
    let note = match verified.and_then(why) {
        Some(why) => Some(why),
        // A verified copy's turn and flip are the fitted transform's; the
        // hash's closest rotation/flip may be noise far from the original.
        None if geometry.is_some() => {
            let mut kinds: Vec<&str> = geometry.iter().flatten().map(|e| e.kind).collect();
            kinds.dedup();
            (!kinds.is_empty()).then(|| kinds.join(", "))
        }
        None if m.transform != crate::hash::Dihedral::Original => {
            Some(m.transform.name().to_string())
        }
        None => None,
    };
    match note {
        Some(note) => format!("{} ({note})", m.class.name()),
        None => m.class.name().to_string(),
    }
}

/// Why verification made a match merely similar, in words.
fn why(v: &VerificationSummary) -> Option<String> {
    let apart = v
        .seconds_apart
        .map(|s| match s < 10.0 {
            true => format!(", {s:.2} s apart"),
            false => format!(", {s:.0} s apart"),
        })
        .unwrap_or_default();
    match v.verdict {
        Verified::Copy | Verified::NotEnoughEvidence => None,
        Verified::OtherShot => Some("another shot".into()),
        Verified::OtherExposure => Some(format!("another exposure{apart}")),
        // The copy it is a look-alike of is ranked above it.
        Verified::LookAlike => Some(format!("look-alike of the copy{apart}")),
    }
}
