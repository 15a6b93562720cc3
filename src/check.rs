//! Checking a statement: for each attached image, find its earliest known
//! appearance, compare that context with the statement's claims, detect the
//! edits (mirroring, rotation, cropping, overlays) and read the file's own
//! EXIF for contradictions. Gives one verdict per image.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analyze::{analyze_file_within, Depth};
use crate::clip::Segment;
use crate::context::Context;
use crate::date::PartialDate;
use crate::decode::Limits;
use crate::error::{FileError, Result};
use crate::exif::ExifSummary;
use crate::hash::LowInformation;
use crate::matching::MatchClass;
use crate::query::{Match, Matcher, Media, QueryOptions};
use crate::statement::Statement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Matches a known reference and nothing contradicts the claim.
    Reused,
    /// Matches, and the reference's context contradicts the claim (earlier
    /// date, other place, other source), whatever edits disguised it.
    Misattributed,
    /// A copy that was mirrored, rotated, overlaid or cropped, whose
    /// original's context does not contradict the claim.
    EditedCopy,
    /// Nothing in the corpus within the thresholds.
    NoMatch,
    /// A low-information picture (near-black, blank, two-tone) without an
    /// identical copy in the corpus: hash distance says nothing about it,
    /// so whether it was seen before cannot be assessed.
    NotAssessed,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Reused => "reused",
            Verdict::Misattributed => "misattributed",
            Verdict::EditedCopy => "edited-copy",
            Verdict::NoMatch => "no-match",
            Verdict::NotAssessed => "not-assessed",
        }
    }
}

/// A finding, with a machine-readable kind and a sentence for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub detail: String,
}

/// The likely original: the earliest-published matching reference.
#[derive(Debug, Clone, Serialize)]
pub struct Original {
    pub path: PathBuf,
    pub class: MatchClass,
    pub distance: u32,
    /// Estimated chance of an unrelated picture this close (see `matching`).
    pub chance: f64,
    /// A still, or a video (`path` is then the video's): for a video, the
    /// matching frame's time (seconds from the start) and number.
    pub media: Media,
    pub time: Option<f64>,
    pub frame: Option<u64>,
    /// For a video: the times of its stored frames (the HTML report's strip).
    #[serde(skip)]
    pub frame_times: Vec<f64>,
    #[serde(flatten)]
    pub context: Context,
}

impl Original {
    fn of(m: &Match) -> Original {
        Original {
            path: m.path.clone(),
            class: m.class,
            distance: m.distance,
            chance: m.chance,
            media: m.media,
            time: m.time,
            frame: m.frame,
            frame_times: Vec::new(),
            context: m.context.clone().unwrap_or_default(),
        }
    }

    /// ` @ 01:23.4` for a frame of a video, empty for a still.
    pub fn at(&self) -> String {
        self.time
            .map(|t| format!(" @ {}", crate::video::clock(t)))
            .unwrap_or_default()
    }
}

#[derive(Debug, Serialize)]
pub struct ImageCheck {
    pub image: PathBuf,
    pub caption: Option<String>,
    pub verdict: Verdict,
    pub original: Option<Original>,
    pub matches: Vec<Match>,
    /// Edits seen between the original and this copy.
    pub edits: Vec<Finding>,
    /// Where the original's context contradicts the statement's claim.
    pub contradictions: Vec<Finding>,
    pub exif: ExifSummary,
    pub exif_flags: Vec<Finding>,
    /// What the original is when it is a video: the still's place in it
    /// (`still-from-video`), the attached video's stretches it shares
    /// (`segment`), and what a frame known by its hash alone leaves out
    /// (`hash-only`). Neither edits nor contradictions.
    pub notes: Vec<Finding>,
    /// For an attached video: the stretches of it that match the original
    /// (seconds, on both sides when the original is a video).
    pub segments: Vec<Segment>,
    /// Why the picture could not be assessed (verdict `not-assessed`).
    #[serde(skip)]
    pub not_assessed: Option<LowInformation>,
    #[serde(skip)]
    pub error: Option<FileError>,
}

impl ImageCheck {
    /// Worth a fact-checker's attention: matched, not assessed or
    /// EXIF-flagged.
    pub fn is_flagged(&self) -> bool {
        self.verdict != Verdict::NoMatch || !self.exif_flags.is_empty()
    }
}

/// Distance that makes two places different (km).
pub const PLACE_KM: f64 = 100.0;

/// Checks every image of a statement (errors are per image), several at
/// once ([`Matcher::find_each`]).
pub fn check_statement(
    matcher: &Matcher<'_>,
    statement_file: &Path,
    statement: &Statement,
    limits: &Limits,
) -> Result<Vec<ImageCheck>> {
    let opts = QueryOptions {
        top: 5,
        ..QueryOptions::default()
    };
    // The attachments are decoded and looked up in parallel, each worker
    // with its own matcher.
    matcher.find_each(&statement.images, |matcher, img| {
        let path = Statement::image_path(statement_file, img);
        let mut check = ImageCheck {
            image: path.clone(),
            caption: img.caption.clone(),
            verdict: Verdict::NoMatch,
            original: None,
            matches: Vec::new(),
            edits: Vec::new(),
            contradictions: Vec::new(),
            exif: ExifSummary::default(),
            exif_flags: Vec::new(),
            notes: Vec::new(),
            segments: Vec::new(),
            not_assessed: None,
            error: None,
        };
        let analysis = match analyze_file_within(&path, limits, Depth::Query) {
            Ok(a) => a,
            Err(e) => {
                check.error = Some(e);
                return Ok(check);
            }
        };
        let clips = match analysis.is_video() {
            true => crate::clip::find_clip(matcher, &analysis, &opts)?,
            false => Vec::new(),
        };
        check.matches = match analysis.is_video() {
            true => clips
                .iter()
                .take(opts.top)
                .map(|c| c.best.clone())
                .collect(),
            false => matcher.find(&analysis, &opts)?,
        };
        check.exif_flags = exif_flags(&analysis.exif, statement);
        check.exif = analysis.exif.clone();
        if let Some(orig) = earliest(&check.matches) {
            if !analysis.is_video() {
                // A video's best frame says nothing of the whole's edits.
                check.edits = crate::edits::edits(orig, analysis.width, analysis.height);
            }
            check
                .exif_flags
                .extend(exif_changes(&analysis.exif, &orig.exif));
            check.contradictions =
                contradictions(&orig.context.clone().unwrap_or_default(), statement);
            let mut original = Original::of(orig);
            original.frame_times = matcher.frame_times(orig)?;
            if let Some(clip) = clips.iter().find(|c| c.best.path == orig.path) {
                check.segments = clip.segments.clone();
            }
            check.notes = crate::check_video::notes(&original, orig, &check.segments, limits);
            check.original = Some(original);
            check.verdict = verdict(&check.edits, &check.contradictions);
        } else if let Some(why) = analysis.hashes.low_information_reason() {
            check.verdict = Verdict::NotAssessed;
            check.not_assessed = Some(why);
        }
        Ok(check)
    })
}

/// The earliest-published match; undated ones count after dated ones, ties
/// go to the closest. Another shot or exposure of the same scene is no
/// original.
fn earliest(matches: &[Match]) -> Option<&Match> {
    let copy = |m: &&Match| {
        m.verification
            .as_ref()
            .is_none_or(|v| !v.verdict.is_other())
    };
    matches.iter().filter(copy).min_by_key(|m| {
        let date = m
            .context
            .as_ref()
            .and_then(Context::published_date)
            .map(|d| d.earliest());
        (date.is_none(), date, m.class, m.distance)
    })
}

/// A contradiction of the claim is the finding, whatever edits disguised
/// the copy (they stay listed); an edited copy is one whose context does
/// not contradict the claim.
fn verdict(edits: &[Finding], contradictions: &[Finding]) -> Verdict {
    if !contradictions.is_empty() {
        Verdict::Misattributed
    } else if !edits.is_empty() {
        Verdict::EditedCopy
    } else {
        Verdict::Reused
    }
}

fn contradictions(c: &Context, s: &Statement) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(first), Some(claim)) = (c.published_date(), s.claim_date()) {
        if first.is_before(&claim) {
            out.push(Finding {
                kind: "date",
                detail: format!("first published {first}, the statement places it on {claim}"),
            });
        }
    }
    let place = match (c.coordinates(), s.claimed_coordinates()) {
        (Some(a), Some(b)) => {
            let km = haversine_km(a, b);
            (km > PLACE_KM).then(|| {
                let here = match &c.location {
                    Some(l) => format!("{l} ({:.4}, {:.4})", a.0, a.1),
                    None => format!("{:.4}, {:.4}", a.0, a.1),
                };
                let claimed = s.claimed_location.as_deref().unwrap_or("place");
                format!("the original was taken at {here}, {km:.0} km from the claimed {claimed}")
            })
        }
        _ => match (&c.location, &s.claimed_location) {
            (Some(a), Some(b)) if !names_overlap(a, b) => {
                Some(format!("the original shows {a}, the statement claims {b}"))
            }
            _ => None,
        },
    };
    if let Some(detail) = place {
        out.push(Finding {
            kind: "place",
            detail,
        });
    }
    let owner = c.publisher.as_deref().or(c.credit.as_deref());
    if let (Some(owner), Some(src)) = (owner, s.source.as_deref()) {
        let credit_ok = c.credit.as_deref().is_some_and(|cr| names_overlap(cr, src));
        if !names_overlap(owner, src) && !credit_ok {
            out.push(Finding {
                kind: "source",
                detail: format!("first published by {owner}, presented by {src}"),
            });
        }
    }
    out
}

fn names_overlap(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    a.contains(&b) || b.contains(&a)
}

/// Editing programs whose name in EXIF `Software` says the file was edited.
const EDITORS: &[&str] = &[
    "photoshop",
    "lightroom",
    "gimp",
    "snapseed",
    "pixelmator",
    "affinity",
    "paint.net",
    "picsart",
    "facetune",
    "canva",
    "photoscape",
    "luminar",
    "capture one",
    "darktable",
    "rawtherapee",
    "acdsee",
    "corel",
    "picasa",
    "fotor",
    "meitu",
    "vsco",
    "photopea",
];

fn exif_flags(e: &ExifSummary, s: &Statement) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(taken), Some(claim)) = (
        e.capture_date().and_then(|d| PartialDate::parse(d).ok()),
        s.claim_date(),
    ) {
        let gap = (claim.earliest() - taken.latest()).num_days();
        if gap > 1 {
            out.push(Finding {
                kind: "captured-before-claim",
                detail: format!(
                    "EXIF capture date {taken} is {gap} days before the claimed {claim}"
                ),
            });
        }
    }
    if let Some(sw) = &e.software {
        let lower = sw.to_lowercase();
        if EDITORS.iter().any(|ed| lower.contains(ed)) {
            out.push(Finding {
                kind: "editing-software",
                detail: format!("EXIF Software names an editor: {sw}"),
            });
        }
    }
    if let (Some(lat), Some(lon), Some(claim)) =
        (e.gps_latitude, e.gps_longitude, s.claimed_coordinates())
    {
        let km = haversine_km((lat, lon), claim);
        if km > PLACE_KM {
            out.push(Finding {
                kind: "gps-far-from-claim",
                detail: format!("EXIF GPS {lat:.4}, {lon:.4} is {km:.0} km from the claimed place"),
            });
        }
    }
    out
}

/// Where a copy's EXIF disagrees with its original's on what a copy keeps:
/// the capture time and the camera. A changed capture time is how an old
/// picture is passed off as new.
fn exif_changes(copy: &ExifSummary, original: &ExifSummary) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(c), Some(o)) = (&copy.datetime_original, &original.datetime_original) {
        if c != o {
            out.push(Finding {
                kind: "capture-time-changed",
                detail: format!(
                    "EXIF capture time {c} where the original's is {o}: a copy keeps its original's"
                ),
            });
        }
    }
    if copy
        .camera()
        .zip(original.camera())
        .is_some_and(|(c, o)| c != o)
    {
        out.push(Finding {
            kind: "camera-changed",
            detail: format!(
                "EXIF names the camera {} where the original's is {}",
                copy.camera_name(),
                original.camera_name()
            ),
        });
    }
    out
}

/// Great-circle distance in kilometres.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_paris_london_is_about_344_km() {
        let km = haversine_km((48.8566, 2.3522), (51.5074, -0.1278));
        assert!((km - 344.0).abs() < 5.0, "{km}");
    }
}
