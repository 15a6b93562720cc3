//! Querying the corpus: the closest references of an analysed image, each
//! with its distance, class, known contexts (earliest first) and EXIF.

use std::path::PathBuf;

use serde::Serialize;

use crate::context::Context;
use crate::error::Result;
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::footprint::Footprint;
use crate::hash::{Dihedral, Frame};
use crate::matching::MatchClass;
use crate::verify::{self, Shortfall, Verdict};

mod batch;
mod matcher;

#[cfg(feature = "serve")]
pub(crate) use batch::BatchWorker;
pub use matcher::{Matcher, QueryOptions, QueryOutcome};

/// A reference matched by a query image.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub path: PathBuf,
    pub distance: u32,
    pub similarity: f64,
    /// Estimated chance that an unrelated picture comes this close to one
    /// reference: from the hash distance
    /// ([`crate::matching::chance_of_unrelated`]), and for a verified copy
    /// the smaller of that and the chance of as many agreeing features
    /// ([`verify::chance_of_inliers`]); 0 for the same bytes.
    pub chance: f64,
    pub class: MatchClass,
    /// The rotation/flip that turns the reference into the query.
    pub transform: Dihedral,
    /// Which part of the query met which part of the reference.
    pub query_frame: Frame,
    pub reference_frame: Frame,
    /// Hamming distance of the 64-bit pHashes (bits); `None` when either
    /// side has none (a hash-only reference imported without one).
    pub phash_distance: Option<u32>,
    /// What local-feature verification found, when both sides have features
    /// and the reference was among the closest candidates.
    pub verification: Option<VerificationSummary>,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// The earliest known appearance, if any context is recorded.
    pub context: Option<Context>,
    /// Every known appearance, earliest first.
    pub contexts: Vec<Context>,
    pub exif: ExifSummary,
    /// What the reference is: a still, or a frame of a video.
    pub media: Media,
    /// For a frame of a video: seconds from the video's start, and the
    /// frame's number (decoding order, 0 first); `None` for a still.
    pub time: Option<f64>,
    pub frame: Option<u64>,
}

/// What kind of reference a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Media {
    Image,
    Video,
}

impl Match {
    /// ` @ 01:23.4` for a frame of a video, empty for a still: what follows
    /// the reference's path when it is shown.
    pub fn at(&self) -> String {
        self.time
            .map(|t| format!(" @ {}", crate::video::clock(t)))
            .unwrap_or_default()
    }
}

/// What verification made of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verified {
    /// One transform maps the query onto the reference: a copy.
    Copy,
    /// The same scene from another viewpoint: a look-alike, not a copy.
    OtherShot,
    /// One transform maps the query onto the reference, but EXIF shows two
    /// frames of one camera taken moments apart (a bracket, a burst): the
    /// same scene, another exposure, not a copy.
    OtherExposure,
    /// One transform maps the query onto the reference, but the query is a
    /// closer copy of another match (`look_alike_of`) that is another shot
    /// or exposure of this reference's scene: a crop of one frame of a
    /// bracket or a stereo pair fits both frames, and is a copy of one.
    LookAlike,
    /// The features could not say (`reason`): the hash distance decides.
    NotEnoughEvidence,
}

impl Verified {
    /// Whether verification found the query to be a copy of the reference.
    pub fn is_copy(self) -> bool {
        self == Verified::Copy
    }

    /// Whether verification found the reference to be another picture of
    /// the query's scene (another shot or exposure, or a look-alike).
    pub fn is_other(self) -> bool {
        matches!(
            self,
            Verified::OtherShot | Verified::OtherExposure | Verified::LookAlike
        )
    }
}

/// The outcome of verifying a match with local features.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationSummary {
    pub verdict: Verified,
    /// Feature pairs found, and those agreeing with the transform.
    pub pairs: usize,
    pub inliers: usize,
    /// The query is the reference mirrored left to right.
    pub mirrored: bool,
    /// Scale and rotation (degrees) taking the query onto the reference;
    /// absent when no transform was found (not enough evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<f32>,
    /// Why the features could not say, for not enough evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Shortfall>,
    /// Seconds between the two capture times, for another exposure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_apart: Option<f64>,
    /// For a look-alike, the match the query is a copy of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub look_alike_of: Option<PathBuf>,
    /// Where the query sits on the reference, from the fitted transform.
    pub footprint: Option<Footprint>,
}

/// One camera's frames taken moments apart are two exposures, however well
/// one maps onto the other: a verified copy whose EXIF says so
/// ([`ExifSummary::other_exposure`]) becomes another shot, with the seconds
/// between the two. The reference's EXIF is read for verified copies only.
pub(crate) fn exposures(
    verdict: Verdict,
    query: &ExifSummary,
    reference: impl FnOnce() -> Result<ExifSummary>,
) -> Result<(Verdict, Option<f64>)> {
    if !verdict.is_copy() {
        return Ok((verdict, None));
    }
    Ok(match reference()?.other_exposure(query) {
        Some(apart) => (verdict.as_other_shot(), Some(apart)),
        None => (verdict, None),
    })
}

/// How reference `b` relates to reference `a`, as a match of a query
/// would: by their features, then their EXIF ([`exposures`]).
pub(crate) fn relate(
    a: (Option<&Features>, &ExifSummary),
    b: Option<&Features>,
    b_exif: impl FnOnce() -> Result<ExifSummary>,
) -> Result<(Verdict, Option<f64>)> {
    let verdict = match (a.0, b) {
        (Some(a), Some(b)) => verify::Probe::new(a).judge(b),
        _ => Verdict::Unknown,
    };
    exposures(verdict, a.1, b_exif)
}

/// A query is a copy of one picture, not of two pictures of one scene.
/// Of one query's candidates (`verdicts`, with their hash distances), the
/// verified copy most features agree with (then the closest) stays a copy;
/// each other copy that `relate(best, other)` finds to be another shot or
/// exposure of it is its look-alike. Returns each look-alike's position,
/// the best copy's, and the seconds between their capture times if EXIF
/// told them apart.
pub(crate) fn look_alikes(
    verdicts: &[(Verdict, u32)],
    mut relate: impl FnMut(usize, usize) -> Result<(Verdict, Option<f64>)>,
) -> Result<Vec<(usize, usize, Option<f64>)>> {
    let Some(best) = strongest_copy(verdicts) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (k, _) in verdicts
        .iter()
        .enumerate()
        .filter(|(k, (v, _))| *k != best && v.is_copy())
    {
        let (verdict, apart) = relate(best, k)?;
        if verdict.is_other_shot() {
            out.push((k, best, apart));
        }
    }
    Ok(out)
}

/// The verified copy most features agree with, then the closest by hash;
/// a copy whose hash distance is conclusive on its own
/// ([`verify::CONCLUSIVE_DISTANCE`]) before any other, so that features
/// never make a look-alike of it.
pub(crate) fn strongest_copy(verdicts: &[(Verdict, u32)]) -> Option<usize> {
    verdicts
        .iter()
        .enumerate()
        .filter_map(|(k, (v, d))| match v {
            Verdict::Copy { check, .. } => Some((
                *d > verify::CONCLUSIVE_DISTANCE,
                std::cmp::Reverse(check.inliers),
                *d,
                k,
            )),
            _ => None,
        })
        .min()
        .map(|(_, _, _, k)| k)
}
