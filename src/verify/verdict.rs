//! What a verification says of a candidate: a copy, another shot of the
//! scene, or not enough evidence to say (few keypoints, few agreeing pairs,
//! degenerate matches), and how that weighs against the hash evidence:
//! features add evidence, and never take away a match the hash distance
//! alone makes conclusive ([`weighed`]).

use serde::Serialize;

use super::{verify, Verification, MIN_INLIERS, MIN_SPREAD};
use crate::features::Features;

/// A second transform this strong (in inliers, and against the first), or
/// as many pairs outside the first that agree with their neighbours on
/// another displacement, shows another viewpoint: near and far parts of the
/// scene moved differently. Over the 2,464 `eval` copies of the photo set
/// (`examples/residuals.rs`), copies reached at most 10 pairs in a second
/// transform and 9 in a layer (0.27 of the inliers of a σ 3 blur); the
/// stereo pair mostly 0.3 to 1. Degenerate matches are not counted
/// ([`Verification::second_degenerate`]).
pub const OTHER_SHOT_INLIERS: usize = 12;
pub const OTHER_SHOT_SHARE: f32 = 0.25;

/// Keypoints both pictures need before their pairs can show another
/// viewpoint: a picture with fewer (a flat graphic, a gradient) gives too
/// few pairs off the transform to tell parallax from mismatches. Below the
/// copies measured with `examples/residuals.rs` (of the stereo pair, the
/// fewest: 237, a 25% resize; of three wallpapers, 280 to 399).
pub const MIN_KEYPOINTS: usize = 150;

/// Hash distance (bits of 256, as the search measures it) at or under
/// which the hash evidence alone is conclusive, and features may not take
/// the match away ([`weighed`]). Unrelated photos come no closer than 74
/// (`provcheck eval` on the photo set with hash settings version 11, the
/// 1,707 non-matching queries of plain PDQ; 84 with version 10); the
/// stereo pair sits at 66, the Canon HDR pair at 76, and copies of one
/// frame meet the other from 34 (a crop of a Canon HDR frame; the stereo
/// pair from 58): 24 is 10 bits below. The iPhone HDR
/// pair sits at 14, but its features see one transform, as a copy's do,
/// and EXIF or the corpus tell it apart. Copies of graphic art that the
/// features took for another shot sat at 0 to 22. See the README, "How
/// copies are verified".
pub const CONCLUSIVE_DISTANCE: u32 = 24;

/// Why the features could not settle a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shortfall {
    /// One picture gave fewer than [`MIN_KEYPOINTS`] keypoints.
    FewKeypoints,
    /// Fewer than [`MIN_INLIERS`] pairs agree with one transform, or they
    /// span less than [`MIN_SPREAD`] of the reference.
    FewInliers,
    /// The pairs off the transform are degenerate matches, not another
    /// viewpoint: the picture's own repetition (tiles, stripes, grain) met
    /// at another instance.
    DegenerateMatches,
}

/// What the features say of a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// One transform maps the query onto the reference: the same picture.
    Copy { check: Verification, mirrored: bool },
    /// The same scene from another viewpoint: a look-alike, not a copy.
    OtherShot { check: Verification, mirrored: bool },
    /// The features were compared but cannot say either way: the hash
    /// evidence stands. `check` is the best fit found, if any.
    NotEnoughEvidence {
        check: Option<Verification>,
        mirrored: bool,
        shortfall: Shortfall,
    },
    /// Not verified: one side has no features.
    Unknown,
}

impl Verdict {
    pub fn is_copy(&self) -> bool {
        matches!(self, Verdict::Copy { .. })
    }

    pub fn is_other_shot(&self) -> bool {
        matches!(self, Verdict::OtherShot { .. })
    }

    /// Neither a copy nor another shot: the hash distance decides.
    pub fn is_silent(&self) -> bool {
        !self.is_copy() && !self.is_other_shot()
    }

    /// A copy taken for another shot of its scene, on other evidence than
    /// the features (EXIF, the corpus); any other verdict as it is.
    pub fn as_other_shot(self) -> Verdict {
        match self {
            Verdict::Copy { check, mirrored } => Verdict::OtherShot { check, mirrored },
            v => v,
        }
    }
}

/// Evidence only adds: the features' verdict on a candidate at hash
/// distance `distance`, where another shot found by the features alone
/// does not take away a match whose hash distance is conclusive
/// ([`CONCLUSIVE_DISTANCE`]): one transform maps it onto the reference, as
/// a copy's does, and it stays a copy (EXIF and the corpus, applied after
/// this, may still find another exposure or a look-alike).
pub fn weighed(verdict: Verdict, distance: u32) -> Verdict {
    match verdict {
        Verdict::OtherShot { check, mirrored } if distance <= CONCLUSIVE_DISTANCE => {
            Verdict::Copy { check, mirrored }
        }
        v => v,
    }
}

/// A query's features as shown and mirrored, made once per query and
/// judged against each candidate.
#[derive(Debug, Clone)]
pub struct Probe {
    shown: Features,
    mirrored: Features,
}

impl Probe {
    pub fn new(q: &Features) -> Probe {
        Probe {
            shown: q.clone(),
            mirrored: q.mirrored(),
        }
    }

    /// Verifies a candidate against the query as shown and mirrored.
    pub fn judge(&self, r: &Features) -> Verdict {
        match self.verification(r) {
            Some((check, mirrored)) => judged(check, mirrored),
            None => Verdict::NotEnoughEvidence {
                check: None,
                mirrored: false,
                shortfall: match self.shown.len().min(r.len()) < MIN_KEYPOINTS {
                    true => Shortfall::FewKeypoints,
                    false => Shortfall::FewInliers,
                },
            },
        }
    }

    /// The better fit (more inliers) of the query as shown and mirrored,
    /// and whether it was the mirrored one.
    pub fn verification(&self, r: &Features) -> Option<(Verification, bool)> {
        let shown = verify(&self.shown, r).map(|v| (v, false));
        let mirrored = verify(&self.mirrored, r).map(|v| (v, true));
        [shown, mirrored]
            .into_iter()
            .flatten()
            .max_by_key(|(v, _)| v.inliers)
    }
}

/// The verdict on one fit: too few inliers or keypoints, or pairs off the
/// transform that only the picture's own repetition shows, say nothing;
/// otherwise one transform is a copy, and strong pairs off it another shot.
fn judged(check: Verification, mirrored: bool) -> Verdict {
    let unsure = |shortfall| Verdict::NotEnoughEvidence {
        check: Some(check),
        mirrored,
        shortfall,
    };
    if check.inliers < MIN_INLIERS || check.spread < MIN_SPREAD {
        return unsure(match check.keypoints < MIN_KEYPOINTS {
            true => Shortfall::FewKeypoints,
            false => Shortfall::FewInliers,
        });
    }
    let strong =
        |n: usize| n >= OTHER_SHOT_INLIERS && n as f32 >= OTHER_SHOT_SHARE * check.inliers as f32;
    if !strong(check.second) && !strong(check.layered) {
        return Verdict::Copy { check, mirrored };
    }
    let unexplained = strong(check.second - check.second_degenerate)
        || strong(check.layered - check.layered_degenerate);
    if !unexplained {
        unsure(Shortfall::DegenerateMatches)
    } else if check.keypoints < MIN_KEYPOINTS {
        unsure(Shortfall::FewKeypoints)
    } else {
        Verdict::OtherShot { check, mirrored }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Affine;

    /// A fit of 40 inliers over half the reference, with `second` pairs in
    /// a second transform (`degenerate` of them the picture's own
    /// repetition) and `keypoints` on the poorer side.
    fn fit(second: usize, degenerate: usize, keypoints: usize) -> Verification {
        Verification {
            pairs: 80,
            inliers: 40,
            second,
            transform: Affine {
                m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            },
            spread: 0.5,
            mean_distance: 20.0,
            residual: 0.5,
            layered: 0,
            second_degenerate: degenerate,
            layered_degenerate: 0,
            keypoints,
        }
    }

    /// Fewer keypoints, same answer: with too few keypoints or pairs off the
    /// transform that only the picture's repetition shows, the verifier
    /// says "not enough evidence" (the hash decides), never "other shot".
    #[test]
    fn few_keypoints_or_degenerate_matches_are_not_enough_evidence() {
        let shortfall = |v: Verdict| match v {
            Verdict::NotEnoughEvidence { shortfall, .. } => Some(shortfall),
            _ => None,
        };
        let strong = OTHER_SHOT_INLIERS.max(20);
        assert!(judged(fit(0, 0, 400), false).is_copy());
        assert!(judged(fit(strong, 0, 400), false).is_other_shot());
        assert_eq!(
            shortfall(judged(fit(strong, 0, MIN_KEYPOINTS - 1), false)),
            Some(Shortfall::FewKeypoints)
        );
        assert_eq!(
            shortfall(judged(fit(strong, strong, 400), false)),
            Some(Shortfall::DegenerateMatches)
        );
        let mut few = fit(0, 0, 400);
        few.inliers = MIN_INLIERS - 1;
        assert_eq!(shortfall(judged(few, false)), Some(Shortfall::FewInliers));
    }

    /// Evidence only adds: another shot by the features alone does not take
    /// away a match within the conclusive distance; beyond it, it does.
    #[test]
    fn features_never_demote_a_conclusive_hash_match() {
        let other = judged(fit(OTHER_SHOT_INLIERS.max(20), 0, 400), false);
        assert!(other.is_other_shot());
        assert!(weighed(other, CONCLUSIVE_DISTANCE).is_copy());
        assert!(weighed(other, CONCLUSIVE_DISTANCE + 1).is_other_shot());
        let mut weak = fit(0, 0, 400);
        weak.inliers = 5;
        let unsure = judged(weak, false);
        assert!(!unsure.is_copy() && !unsure.is_other_shot());
        assert_eq!(weighed(unsure, 0), unsure);
    }
}
