//! The HTML exporter: one self-contained page (inline CSS, pictures as data
//! URIs, no scripts) for `check` and `query`, readable on a phone and
//! printable. Every string that comes from a file, EXIF or a context record
//! is escaped.

use std::io::{self, Write};
use std::path::Path;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{Style, Tone};
use crate::check::{Finding, ImageCheck, Verdict};
use crate::context::Context;
use crate::evidence::Evidence;
use crate::exif::ExifSummary;
use crate::matching::MatchRule;
use crate::query::{Match, QueryOutcome};
use crate::statement::Statement;

/// Gives the preview (`data:` URI) of an image, or `None` if unreadable.
pub type Previews<'a> = &'a dyn Fn(&Path) -> Option<String>;

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:.2rem 0}h3{font-size:1rem;margin:1rem 0 .3rem}
.claims{color:#444}.summary{font-weight:600;font-size:1.05rem}
section{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0;break-inside:avoid}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:4px;color:#fff;font-size:.9rem;vertical-align:middle}
.t-alarm{background:#b00020}.t-warn{background:#a64200}.t-note{background:#6a1b9a}.t-calm{background:#2e7d32}.t-error{background:#555}
.pair{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;flex:1 1 16rem;max-width:24rem}
figure img{max-width:100%;height:auto;border:1px solid #999}figcaption{font-size:.85rem;color:#444;overflow-wrap:break-word}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.3rem 0}td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
tr.diff td{background:#fff3cd}.timeline td:first-child{white-space:nowrap}ul.findings li{margin:.2rem 0}.k{font-weight:600}
.strip{display:flex;flex-wrap:wrap;gap:.3rem}.strip figure{flex:0 0 auto;max-width:8rem}.strip figure.hit img{outline:3px solid #b00020}
.missing{display:flex;align-items:center;justify-content:center;min-height:6rem;background:#eee;color:#555;font-size:.85rem}
@media print{section{border-color:#999}}
";

fn head(w: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(
        w,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>provcheck: {}</title><style>{STYLE}</style></head><body>",
        text(title)
    )
}

fn figure(w: &mut dyn Write, previews: Previews<'_>, path: &Path, caption: &str) -> io::Result<()> {
    match previews(path) {
        Some(uri) => writeln!(
            w,
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            attr(&uri),
            attr(caption),
            text(caption)
        ),
        None => writeln!(
            w,
            "<figure><div class=\"missing\">picture not available</div><figcaption>{}</figcaption></figure>",
            text(caption)
        ),
    }
}

fn findings(w: &mut dyn Write, items: &[&Finding]) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(w, "<ul class=\"findings\">")?;
    for f in items {
        writeln!(
            w,
            "<li><span class=\"k\">{}</span>: {}</li>",
            text(f.kind),
            text(&f.detail)
        )?;
    }
    writeln!(w, "</ul>")
}

fn context_table(w: &mut dyn Write, c: &Context) -> io::Result<()> {
    writeln!(w, "<table>")?;
    if let Some(url) = &c.source_url {
        let link = if url.starts_with("https://") || url.starts_with("http://") {
            format!(
                "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
                attr(url),
                text(url)
            )
        } else {
            text(url).into_owned()
        };
        writeln!(w, "<tr><th>source</th><td>{link}</td></tr>")?;
    }
    let coords = c.coordinates().map(|(a, b)| format!("{a:.4}, {b:.4}"));
    for (k, v) in [
        ("publisher", &c.publisher),
        ("first published", &c.published),
        ("caption", &c.caption),
        ("place", &c.location),
        ("coordinates", &coords),
        ("credit", &c.credit),
        ("licence", &c.licence),
    ] {
        if let Some(v) = v {
            writeln!(w, "<tr><th>{k}</th><td>{}</td></tr>", text(v))?;
        }
    }
    writeln!(w, "</table>")
}

/// Every known appearance of the matches, oldest first.
fn timeline(w: &mut dyn Write, matches: &[Match], paths: &Style) -> io::Result<()> {
    let mut rows: Vec<(String, &Context, &Match)> = matches
        .iter()
        .flat_map(|m| {
            m.contexts
                .iter()
                .map(move |c| (c.published.clone().unwrap_or_default(), c, m))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    rows.sort_by(|a, b| (a.0.is_empty(), &a.0).cmp(&(b.0.is_empty(), &b.0)));
    writeln!(w, "<h3>Known appearances, oldest first</h3><table class=\"timeline\"><tr><th>date</th><th>by</th><th>caption</th><th>file</th></tr>")?;
    for (date, c, m) in rows {
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td></tr>",
            text(if date.is_empty() { "unknown" } else { &date }),
            text(c.publisher.as_deref().or(c.credit.as_deref()).unwrap_or("")),
            text(c.caption.as_deref().unwrap_or("")),
            text(&paths.show(&m.path)),
            evidence(m).words()
        )?;
    }
    writeln!(w, "</table>")
}

fn exif_rows(e: &ExifSummary) -> Vec<(&'static str, String)> {
    let gps = match (e.gps_latitude, e.gps_longitude) {
        (Some(a), Some(b)) => format!("{a:.5}, {b:.5}"),
        _ => String::new(),
    };
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        ("taken", o(&e.datetime_original)),
        ("modified", o(&e.datetime_modified)),
        ("camera", e.camera_name()),
        ("software", o(&e.software)),
        ("artist", o(&e.artist)),
        ("copyright", o(&e.copyright)),
        ("description", o(&e.image_description)),
        ("GPS", gps),
    ]
}

fn exif_compare(
    w: &mut dyn Write,
    attached: &ExifSummary,
    original: Option<&ExifSummary>,
) -> io::Result<()> {
    let a = exif_rows(attached);
    let b = original.map(exif_rows);
    if a.iter().all(|(_, v)| v.is_empty())
        && b.as_ref()
            .is_none_or(|b| b.iter().all(|(_, v)| v.is_empty()))
    {
        return writeln!(
            w,
            "<h3>EXIF</h3><p>No EXIF in the attached file or the original.</p>"
        );
    }
    writeln!(
        w,
        "<h3>EXIF</h3><table><tr><th></th><th>attached</th>{}</tr>",
        if b.is_some() { "<th>original</th>" } else { "" }
    )?;
    for (i, (k, v)) in a.iter().enumerate() {
        let other = b.as_ref().map(|b| b[i].1.clone());
        if v.is_empty() && other.as_deref().unwrap_or("").is_empty() {
            continue;
        }
        let class = if other.as_ref().is_some_and(|o| o != v) {
            " class=\"diff\""
        } else {
            ""
        };
        write!(w, "<tr{class}><th>{k}</th><td>{}</td>", text(v))?;
        if let Some(o) = other {
            write!(w, "<td>{}</td>", text(&o))?;
        }
        writeln!(w, "</tr>")?;
    }
    writeln!(w, "</table>")
}

fn plain_words(c: &ImageCheck) -> String {
    let ctx = c.original.as_ref().map(|o| &o.context);
    let when = ctx
        .and_then(|c| c.published.clone())
        .unwrap_or_else(|| "an unknown date".into());
    let who = ctx
        .and_then(|c| c.publisher.clone().or(c.credit.clone()))
        .unwrap_or_else(|| "an unknown publisher".into());
    let edits: Vec<&str> = c.edits.iter().map(|e| e.kind).collect();
    match c.verdict {
        _ if c.error.is_some() => "This picture could not be read.".into(),
        Verdict::Misattributed if !edits.is_empty() => format!(
            "This picture is not what the statement says: it was first published {when} by {who}, and that record contradicts the claim. The copy was edited ({}).",
            edits.join(", ")
        ),
        Verdict::Misattributed => format!(
            "This picture is not what the statement says: it was first published {when} by {who}, and that record contradicts the claim."
        ),
        Verdict::EditedCopy => format!(
            "This is an edited copy ({}) of a picture first published {when} by {who}.",
            edits.join(", ")
        ),
        Verdict::Reused => format!("This picture was published before: {when}, by {who}."),
        Verdict::NotAssessed => match c.not_assessed {
            Some(n) => format!("This picture could not be assessed: {}.", n.why()),
            None => "This picture could not be assessed.".into(),
        },
        Verdict::NoMatch if !c.exif_flags.is_empty() => "No earlier appearance of this picture is known to the corpus, but its own EXIF contradicts the claim (see the flags below).".into(),
        Verdict::NoMatch => "No earlier appearance of this picture is known to the corpus.".into(),
    }
}

/// What decided a match's class.
fn evidence(m: &Match) -> Evidence {
    Evidence::of(m, &MatchRule::default())
}

/// `s` with its first letter in capitals.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The CSS class of a tone.
fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Alarm => "t-alarm",
        Tone::Warn => "t-warn",
        Tone::Note => "t-note",
        Tone::Calm => "t-calm",
    }
}

/// The check report page.
pub fn check_page(
    w: &mut dyn Write,
    s: &Statement,
    checks: &[ImageCheck],
    paths: &Style,
    previews: Previews<'_>,
    ffmpeg: Option<&Path>,
) -> io::Result<()> {
    let title = s.title.as_deref().unwrap_or("Statement");
    head(w, title)?;
    writeln!(w, "<header><h1>{}</h1>", text(title))?;
    let claims: Vec<String> = [
        ("Source", &s.source),
        ("Published", &s.published),
        ("Claimed date", &s.claimed_date),
        ("Claimed place", &s.claimed_location),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {}", text(v))))
    .collect();
    writeln!(w, "<p class=\"claims\">{}</p>", claims.join(" · "))?;
    let earlier = checks
        .iter()
        .filter(|c| {
            let first = c.original.as_ref().and_then(|o| o.context.published_date());
            matches!((first, s.published_date()), (Some(f), Some(p)) if f.is_before(&p))
        })
        .count();
    let flagged = checks.iter().filter(|c| c.is_flagged()).count();
    writeln!(
        w,
        "<p class=\"summary\">{earlier} of {} images were published before this statement; {flagged} flagged.</p></header>",
        checks.len()
    )?;
    for c in checks {
        let verdict = if c.error.is_some() {
            "error"
        } else {
            c.verdict.name()
        };
        let flagged = match (c.verdict, c.exif_flags.len()) {
            (Verdict::NoMatch, n) if n > 0 => {
                format!(" · {n} EXIF flag{}", if n > 1 { "s" } else { "" })
            }
            _ => String::new(),
        };
        writeln!(
            w,
            "<section><h2>{} <span class=\"badge v-{verdict} {}\">{verdict}{flagged}</span></h2><p>{}</p>",
            text(&paths.show(&c.image)),
            match c.error {
                Some(_) => "t-error",
                None => tone_class(super::check::tone(c)),
            },
            text(&plain_words(c))
        )?;
        writeln!(w, "<div class=\"pair\">")?;
        let cap = format!("Attached: {}", c.caption.as_deref().unwrap_or(""));
        figure(w, previews, &c.image, cap.trim_end_matches(": "))?;
        if let Some(o) = &c.original {
            let cap = format!(
                "Likely original: {}{} ({}, {}; chance match {})",
                paths.show(&o.path),
                o.at(),
                o.class.name(),
                super::check::original_evidence(c)
                    .map(Evidence::words)
                    .unwrap_or_else(|| format!("distance {}", o.distance)),
                crate::matching::odds(o.chance)
            );
            match o.media {
                crate::query::Media::Video => super::html_video::frame_figure(w, ffmpeg, o, &cap)?,
                crate::query::Media::Image => figure(w, previews, &o.path, &cap)?,
            }
        }
        for m in c
            .matches
            .iter()
            .filter(|m| c.original.as_ref().is_none_or(|o| o.path != m.path))
            .take(3)
        {
            let cap = format!(
                "Also matches: {} ({}, {})",
                paths.show(&m.path),
                super::query::class_note(m),
                evidence(m).words()
            );
            figure(w, previews, &m.path, &cap)?;
        }
        writeln!(w, "</div>")?;
        if let Some(o) = c.original.as_ref().filter(|o| !o.frame_times.is_empty()) {
            super::html_video::strip(w, ffmpeg, c, o, &paths.show(&o.path))?;
        }
        let all: Vec<&Finding> = c
            .notes
            .iter()
            .chain(&c.contradictions)
            .chain(&c.edits)
            .chain(&c.exif_flags)
            .collect();
        findings(w, &all)?;
        if let Some(e) = &c.error {
            writeln!(w, "<p>{}</p>", text(&e.to_string()))?;
        }
        if let Some(o) = &c.original {
            writeln!(w, "<h3>Likely original</h3>")?;
            context_table(w, &o.context)?;
        }
        timeline(w, &c.matches, paths)?;
        let original_exif = c
            .original
            .as_ref()
            .and_then(|o| c.matches.iter().find(|m| m.path == o.path))
            .map(|m| &m.exif);
        exif_compare(w, &c.exif, original_exif)?;
        writeln!(w, "</section>")?;
    }
    writeln!(
        w,
        "<footer><p>Made by provcheck {}.</p></footer></body></html>",
        env!("CARGO_PKG_VERSION")
    )
}

/// The query report page.
pub fn query_page(
    w: &mut dyn Write,
    outcomes: &[QueryOutcome],
    paths: &Style,
    previews: Previews<'_>,
) -> io::Result<()> {
    head(w, "query")?;
    writeln!(w, "<header><h1>Closest references</h1></header>")?;
    for o in outcomes {
        writeln!(w, "<section><h2>{}</h2>", text(&paths.show(&o.query)))?;
        match &o.result {
            Err(e) => writeln!(w, "<p>Could not be read: {}</p>", text(&e.to_string()))?,
            Ok(ms) if ms.is_empty() => {
                writeln!(w, "<div class=\"pair\">")?;
                figure(w, previews, &o.query, "Query")?;
                match o.not_assessed {
                    Some(n) => writeln!(
                        w,
                        "</div><p><span class=\"badge t-warn\">not assessed</span> {}.</p>",
                        text(&capitalised(&n.why()))
                    )?,
                    None => writeln!(w, "</div><p>No match in the corpus.</p>")?,
                }
            }
            Ok(ms) => {
                writeln!(w, "<div class=\"pair\">")?;
                figure(w, previews, &o.query, "Query")?;
                for m in ms {
                    let cap = format!(
                        "{} — {}, {}; chance match {}",
                        paths.show(&m.path),
                        super::query::class_note(m),
                        evidence(m).words(),
                        crate::matching::odds(m.chance)
                    );
                    figure(w, previews, &m.path, &cap)?;
                }
                writeln!(w, "</div>")?;
                if let Some(c) = &ms[0].context {
                    writeln!(w, "<h3>Best match</h3>")?;
                    context_table(w, c)?;
                }
                timeline(w, ms, paths)?;
            }
        }
        writeln!(w, "</section>")?;
    }
    writeln!(
        w,
        "<footer><p>Made by provcheck {}.</p></footer></body></html>",
        env!("CARGO_PKG_VERSION")
    )
}
