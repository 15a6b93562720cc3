//! The output of `provcheck check`: a verdict per attached image with the
//! likely original, the contradictions and the EXIF flags.

use std::io::Write;

use serde_json::json;

use super::query::match_json;
use super::{opt, printable, Report, Style, Tone};
use crate::check::{ImageCheck, Verdict};
use crate::evidence::Evidence;
use crate::matching::MatchRule;
use crate::statement::Statement;

pub struct CheckReport<'a> {
    pub statement: &'a Statement,
    pub checks: &'a [ImageCheck],
    pub paths: Style,
    /// Picture previews for the HTML page.
    pub previews: super::Previews<'a>,
    /// The `ffmpeg` binary that extracts a video original's frames for the
    /// HTML page (`None`: [`crate::video::tool::FFMPEG_ENV`], else PATH).
    pub ffmpeg: Option<&'a std::path::Path>,
}

impl CheckReport<'_> {
    fn verdict(c: &ImageCheck) -> String {
        if c.error.is_some() {
            "error".into()
        } else {
            c.verdict.name().into()
        }
    }
}

/// What decided the likely original's class (see [`Evidence`]).
pub(crate) fn original_evidence(c: &ImageCheck) -> Option<Evidence> {
    let o = c.original.as_ref()?;
    let m = c.matches.iter().find(|m| m.path == o.path)?;
    Some(Evidence::of(m, &MatchRule::default()))
}

/// The colour of a verdict: red for a contradiction or an error, amber for
/// an edit, for what could not be assessed and for an unmatched picture
/// with flags, purple for a reuse; green only for no match and no flag.
pub(crate) fn tone(c: &ImageCheck) -> Tone {
    match c.verdict {
        _ if c.error.is_some() => Tone::Alarm,
        Verdict::Misattributed => Tone::Alarm,
        Verdict::EditedCopy | Verdict::NotAssessed => Tone::Warn,
        Verdict::NoMatch if !c.exif_flags.is_empty() => Tone::Warn,
        Verdict::Reused => Tone::Note,
        Verdict::NoMatch => Tone::Calm,
    }
}

impl Report for CheckReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "image",
            "verdict",
            "original",
            "original_published",
            "original_publisher",
            "original_location",
            "distance",
            "edits",
            "contradictions",
            "exif_flags",
            "not_assessed",
            "error",
            "original_time",
            "notes",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.checks
            .iter()
            .map(|c| {
                let o = c.original.as_ref();
                let ctx = o.map(|o| o.context.clone()).unwrap_or_default();
                let kinds = |f: &[crate::check::Finding]| {
                    f.iter().map(|x| x.kind).collect::<Vec<_>>().join(";")
                };
                vec![
                    self.paths.show(&c.image),
                    Self::verdict(c),
                    o.map(|o| self.paths.show(&o.path)).unwrap_or_default(),
                    opt(&ctx.published),
                    opt(&ctx.publisher),
                    opt(&ctx.location),
                    o.map(|o| o.distance.to_string()).unwrap_or_default(),
                    kinds(&c.edits),
                    kinds(&c.contradictions),
                    kinds(&c.exif_flags),
                    c.not_assessed.map(|n| n.kind()).unwrap_or_default().into(),
                    c.error.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                    o.and_then(|o| o.time)
                        .map(|t| format!("{t:.3}"))
                        .unwrap_or_default(),
                    kinds(&c.notes),
                ]
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        let s = self.statement;
        // Every item carries the statement, so each JSON Lines line stands
        // on its own.
        let statement = json!({
            "title": s.title,
            "source": s.source,
            "published": s.published,
            "claimed_date": s.claimed_date,
            "claimed_location": s.claimed_location,
            "claimed_latitude": s.claimed_latitude,
            "claimed_longitude": s.claimed_longitude,
            "text": s.text,
        });
        self.checks
            .iter()
            .map(|c| {
                json!({
                    "schema_version": super::SCHEMA_VERSION,
                    "statement": statement,
                    "image": self.paths.show(&c.image),
                    "caption": c.caption,
                    "verdict": Self::verdict(c),
                    "original": c.original.as_ref().map(|o| {
                        let mut v = serde_json::to_value(o).unwrap_or_default();
                        v["path"] = json!(self.paths.show(&o.path));
                        v
                    }),
                    "matches": c.matches.iter().map(|m| match_json(m, &self.paths)).collect::<Vec<_>>(),
                    "edits": c.edits,
                    "contradictions": c.contradictions,
                    "exif": c.exif,
                    "exif_flags": c.exif_flags,
                    "notes": c.notes,
                    "segments": c.segments,
                    "not_assessed": super::not_assessed_json(c.not_assessed),
                    "error": c.error.as_ref().map(|e| e.to_string()),
                })
            })
            .collect()
    }

    fn html(&self, w: &mut dyn Write) -> std::io::Result<()> {
        super::html::check_page(
            w,
            self.statement,
            self.checks,
            &self.paths,
            self.previews,
            self.ffmpeg,
        )
    }

    fn table(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let s = self.statement;
        let title = format!("Statement: {}", s.title.as_deref().unwrap_or("(untitled)"));
        writeln!(w, "{}", self.paths.wrap(&printable(&title), "  "))?;
        let claim = [
            s.source.clone().map(|x| format!("source {x}")),
            s.published.clone().map(|x| format!("published {x}")),
            s.claimed_date.clone().map(|x| format!("claims date {x}")),
            s.claimed_location.clone().map(|x| format!("place {x}")),
        ];
        let claim: Vec<String> = claim.into_iter().flatten().collect();
        if !claim.is_empty() {
            writeln!(
                w,
                "{}",
                self.paths
                    .wrap(&printable(&format!("  {}", claim.join(", "))), "  ")
            )?;
        }
        writeln!(w)?;
        let headers = [
            "image",
            "verdict",
            "original",
            "evidence",
            "published",
            "by",
        ];
        let rows: Vec<Vec<String>> = self
            .checks
            .iter()
            .map(|c| {
                let o = c.original.as_ref();
                let ctx = o.map(|o| o.context.clone()).unwrap_or_default();
                vec![
                    self.paths.show(&c.image),
                    Self::verdict(c),
                    o.map(|o| self.paths.show(&o.path) + &o.at())
                        .unwrap_or_else(|| "-".into()),
                    original_evidence(c)
                        .map(Evidence::short)
                        .unwrap_or_default(),
                    opt(&ctx.published),
                    ctx.publisher.or(ctx.credit).unwrap_or_default(),
                ]
            })
            .collect();
        super::write_table(w, &self.paths, &headers, &rows)?;
        for c in self.checks {
            // The contradictions are the finding; the edits say how the
            // copy was disguised.
            let notes: Vec<String> = c
                .notes
                .iter()
                .chain(&c.contradictions)
                .chain(&c.edits)
                .chain(&c.exif_flags)
                .map(|f| format!("{}: {}", f.kind, f.detail))
                .chain(
                    c.not_assessed
                        .map(|n| format!("{}: {}", n.kind(), n.detail())),
                )
                .chain(c.error.as_ref().map(|e| format!("error: {e}")))
                .collect();
            if notes.is_empty() && c.original.is_none() {
                continue;
            }
            writeln!(w)?;
            let tone = tone(c);
            writeln!(
                w,
                "{} — {}",
                printable(&self.paths.show(&c.image)),
                self.paths.paint(&Self::verdict(c), tone)
            )?;
            if let Some(o) = &c.original {
                let line = format!(
                    "  likely original: {}{}, {}, {}, chance match {}",
                    self.paths.show(&o.path),
                    o.at(),
                    o.class.name(),
                    original_evidence(c)
                        .map(Evidence::words)
                        .unwrap_or_else(|| format!("distance {}", o.distance)),
                    crate::matching::odds(o.chance)
                );
                writeln!(w, "{}", self.paths.wrap(&printable(&line), "    "))?;
                let ctx = &o.context;
                if let Some(cap) = &ctx.caption {
                    let line = printable(&format!("  original caption: {cap}"));
                    writeln!(w, "{}", self.paths.wrap(&line, "    "))?;
                }
                let place = [
                    ctx.location.clone(),
                    ctx.source_url.clone(),
                    ctx.credit.clone().map(|c| format!("credit {c}")),
                ];
                let place: Vec<String> = place.into_iter().flatten().collect();
                if !place.is_empty() {
                    let line = printable(&format!("  {}", place.join(" · ")));
                    writeln!(w, "{}", self.paths.wrap(&line, "    "))?;
                }
            }
            for n in notes {
                writeln!(
                    w,
                    "{}",
                    self.paths.wrap(&printable(&format!("  - {n}")), "    ")
                )?;
            }
        }
        Ok(())
    }
}
