//! The output of `provcheck query`: per query image, its closest references.

use serde_json::json;

use super::{opt, Report, Style};
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
        "transform": m.transform,
        "frames": {"query": m.query_frame, "reference": m.reference_frame},
        "phash_distance": m.phash_distance,
        "verification": m.verification,
        "sha256": m.sha256,
        "width": m.width,
        "height": m.height,
        "context": m.context,
        "contexts": m.contexts,
        "exif": m.exif,
    })
}

impl Report for QueryReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "query",
            "rank",
            "match",
            "distance",
            "similarity",
            "class",
            "transform",
            "published",
            "publisher",
            "caption",
            "error",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for o in self.outcomes {
            let q = self.paths.show(&o.query);
            match &o.result {
                Err(e) => rows.push(vec![
                    q,
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e.to_string(),
                ]),
                Ok(ms) if ms.is_empty() => {
                    let mut row = vec![String::new(); 11];
                    row[0] = q;
                    row[5] = "no-match".into();
                    rows.push(row);
                }
                Ok(ms) => {
                    for (i, m) in ms.iter().enumerate() {
                        let c = m.context.clone().unwrap_or_default();
                        rows.push(vec![
                            q.clone(),
                            (i + 1).to_string(),
                            self.paths.show(&m.path),
                            m.distance.to_string(),
                            format!("{:.3}", m.similarity),
                            m.class.name().to_string(),
                            m.transform.name().to_string(),
                            opt(&c.published),
                            opt(&c.publisher),
                            opt(&c.caption),
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
                    "error": null,
                }),
                Err(e) => json!({
                    "schema_version": super::SCHEMA_VERSION,
                    "query": self.paths.show(&o.query),
                    "matches": [],
                    "error": e.to_string(),
                }),
            })
            .collect()
    }

    fn html(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        super::html::query_page(w, self.outcomes, &self.paths, self.previews)
    }

    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let headers = [
            "query",
            "match",
            "dist",
            "sim",
            "class",
            "published",
            "source",
        ];
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
                    "".into(),
                ]),
                Ok(ms) if ms.is_empty() => rows.push(vec![
                    q,
                    "(no match)".into(),
                    "".into(),
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
                            self.paths.show(&m.path),
                            m.distance.to_string(),
                            format!("{:.2}", m.similarity),
                            class_note(m),
                            opt(&c.published),
                            c.publisher.or(c.source_url).unwrap_or_default(),
                        ]);
                    }
                }
            }
        }
        super::write_table(w, &self.paths, &headers, &rows)
    }
}

/// A match's class with what qualifies it: for another picture of the
/// scene why (the hash's rotation/flip means nothing there), for a copy its
/// rotation/flip.
pub(crate) fn class_note(m: &Match) -> String {
    let note = match m.verification.as_ref().and_then(why) {
        Some(why) => Some(why),
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
