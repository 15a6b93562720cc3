//! The verification stage: whether a query shows the same picture as a
//! candidate reference, decided from local features ([`crate::features`]).
//! Descriptors are paired by nearest neighbour with a ratio test, then a
//! similarity transform (scale, rotation, shift) is fitted to the pairs by
//! RANSAC; a copy, however cropped, framed or tilted, is one such transform
//! of its original, so most pairs agree with it and spread over the area the
//! two share.

mod geometry;
mod layers;
mod verdict;

use crate::features::Features;
pub use geometry::{Affine, Similarity};
pub use verdict::{
    weighed, Probe, Shortfall, Verdict, CONCLUSIVE_DISTANCE, MIN_KEYPOINTS, OTHER_SHOT_INLIERS,
    OTHER_SHOT_SHARE,
};

/// Largest descriptor distance of a pair (of 256 bits).
const MAX_DESCRIPTOR_DISTANCE: u32 = 64;
/// Nearest neighbour must be this much closer than the second nearest.
const RATIO: f32 = 0.8;
/// Inlier tolerance, in pixels of the reference's first level. Copies'
/// inliers miss the fitted transform by 0.2 pixel (median) and rarely by
/// more than 2; 3 rather than 6 leaves every `eval` recall of the photo set
/// unchanged and keeps other shots of a scene from a moved camera (whose
/// pairs drift by a few pixels across the picture) from agreeing with one
/// transform: on the PDQ reference set's four shots of one desk, false
/// matches fell from 84 to 25 of 522 queries.
const TOLERANCE: f32 = 3.0;
/// RANSAC rounds (deterministic sampling).
const ROUNDS: usize = 400;
/// Scales a copy may have relative to its original.
const SCALES: (f32, f32) = (0.2, 5.0);

/// The outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verification {
    /// Descriptor pairs that passed the ratio test.
    pub pairs: usize,
    /// Pairs that agree with the fitted transform.
    pub inliers: usize,
    /// Pairs that agree with a second, other transform among the rest (a
    /// scene seen from elsewhere moves near and far parts differently).
    pub second: usize,
    /// The transform taking query coordinates to reference coordinates.
    pub transform: Affine,
    /// Share of the reference's area spanned by the inliers (bounding box).
    pub spread: f32,
    /// Mean descriptor distance of the inlier pairs.
    pub mean_distance: f32,
    /// Median distance, in pixels of the reference's first level, between
    /// where the transform puts an inlier and where it is.
    pub residual: f32,
    /// Pairs outside the transform that agree with their neighbours on
    /// another displacement: parts of the scene that moved differently.
    pub layered: usize,
    /// Of the `second` and `layered` pairs, the degenerate matches that
    /// show no other viewpoint: off the transform by a shift the reference
    /// repeats itself under (a tiled, striped or grained picture matching
    /// itself). Counted only when the pairs would otherwise show one
    /// ([`OTHER_SHOT_INLIERS`]), else 0.
    pub second_degenerate: usize,
    pub layered_degenerate: usize,
    /// Keypoints of the picture that has fewer (query or reference).
    pub keypoints: usize,
}

/// Pairs query descriptors with reference ones: (query index, reference
/// index, distance), nearest neighbours passing the ratio test.
fn pair_descriptors(q: &Features, r: &Features) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    for (i, dq) in q.descriptors.iter().enumerate() {
        let (mut best, mut second, mut at) = (u32::MAX, u32::MAX, 0);
        for (j, dr) in r.descriptors.iter().enumerate() {
            let d = (dq[0] ^ dr[0]).count_ones()
                + (dq[1] ^ dr[1]).count_ones()
                + (dq[2] ^ dr[2]).count_ones()
                + (dq[3] ^ dr[3]).count_ones();
            if d < best {
                (second, best, at) = (best, d, j);
            } else if d < second {
                second = d;
            }
        }
        if best <= MAX_DESCRIPTOR_DISTANCE && (best as f32) < RATIO * second as f32 {
            out.push((i, at, best));
        }
    }
    out
}

type PointPair = ((f32, f32), (f32, f32));

/// The transform most pairs agree with and those pairs (indices into
/// `pts`), from the pairs listed in `among`.
fn consensus(pts: &[PointPair], among: &[usize], seed: u64) -> Option<(Affine, Vec<usize>)> {
    if among.len() < 3 {
        return None;
    }
    let inliers_of = |t: &Affine| -> Vec<usize> {
        let tol2 = TOLERANCE * TOLERANCE;
        among
            .iter()
            .copied()
            .filter(|&k| {
                let (p, q) = pts[k];
                let (x, y) = t.apply(p);
                (x - q.0).powi(2) + (y - q.1).powi(2) <= tol2
            })
            .collect()
    };
    let plausible = |t: &Similarity| (SCALES.0..=SCALES.1).contains(&t.scale());
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut best: Vec<usize> = Vec::new();
    for _ in 0..ROUNDS {
        let i = among[rng.usize(..among.len())];
        let j = among[rng.usize(..among.len())];
        if i == j {
            continue;
        }
        let Some(t) = Similarity::through([pts[i].0, pts[j].0], [pts[i].1, pts[j].1]) else {
            continue;
        };
        if !plausible(&t) {
            continue;
        }
        let inl = inliers_of(&Affine::from_similarity(&t));
        if inl.len() > best.len() {
            best = inl;
        }
    }
    if best.len() < 3 {
        return None;
    }
    // Refit on the inliers (an affine map), count again against the refined
    // fit, and repeat while that gains pairs.
    let mut transform = None;
    for _ in 0..4 {
        let chosen: Vec<_> = best.iter().map(|&k| pts[k]).collect();
        let Some(t) = Affine::fit(&chosen).filter(Affine::plausible) else {
            break;
        };
        let again = inliers_of(&t);
        if again.len() < best.len() && transform.is_some() {
            break;
        }
        let grew = again.len() > best.len();
        transform = Some(t);
        best = again;
        if !grew {
            break;
        }
    }
    Some((transform?, best))
}

/// Fits the transform between a query and a reference; `None` when no
/// transform agrees with three pairs or more.
pub fn verify(q: &Features, r: &Features) -> Option<Verification> {
    let pairs = pair_descriptors(q, r);
    let pts: Vec<PointPair> = pairs
        .iter()
        .map(|&(i, j, _)| {
            let (a, b) = (q.points[i], r.points[j]);
            ((a.x, a.y), (b.x, b.y))
        })
        .collect();
    let all: Vec<usize> = (0..pts.len()).collect();
    let (transform, best) = consensus(&pts, &all, 0x5eed)?;
    let rest: Vec<usize> = all.into_iter().filter(|k| !best.contains(k)).collect();
    let second = consensus(&pts, &rest, 0x5eed + 1).map_or_else(Vec::new, |(_, s)| s);
    let layer = layers::layered(&pts, &best, &transform);
    // The reference's repeats cost a pass over its keypoint pairs: only
    // when the pairs would otherwise show another viewpoint.
    let (mut second_degenerate, mut layered_degenerate) = (0, 0);
    if second.len().max(layer.len()) >= OTHER_SHOT_INLIERS {
        let repeats = layers::repeats(r);
        let degenerate = |set: &[usize]| layers::degenerate(&repeats, &pts, &transform, set);
        second_degenerate = degenerate(&second);
        layered_degenerate = degenerate(&layer);
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &k in &best {
        let (x, y) = pts[k].1;
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let area = (r.width.max(1) * r.height.max(1)) as f32;
    let mean_distance =
        best.iter().map(|&k| pairs[k].2 as f32).sum::<f32>() / best.len().max(1) as f32;
    let mut misfit: Vec<f32> = best
        .iter()
        .map(|&k| {
            let (x, y) = transform.apply(pts[k].0);
            (x - pts[k].1 .0).hypot(y - pts[k].1 .1)
        })
        .collect();
    misfit.sort_unstable_by(f32::total_cmp);
    Some(Verification {
        pairs: pairs.len(),
        inliers: best.len(),
        second: second.len(),
        transform,
        spread: ((x1 - x0).max(0.0) * (y1 - y0).max(0.0) / area).min(1.0),
        mean_distance,
        residual: misfit.get(misfit.len() / 2).copied().unwrap_or(0.0),
        layered: layer.len(),
        second_degenerate,
        layered_degenerate,
        keypoints: q.len().min(r.len()),
    })
}

/// Inliers a copy needs: unrelated photos reached 15 on the photo set (in 3
/// of 133,020 verifications, mirrored queries included; 19 at a 6-pixel
/// tolerance). With up to 24 candidates verified per query, 20 keeps the
/// chance that an unrelated picture passes near 3e-4 a query (see
/// [`chance_of_inliers`]).
pub const MIN_INLIERS: usize = 20;
/// Share of the reference the inliers of a copy must span: pairs on one
/// small patch (a shared logo, a line of text) prove nothing of the rest.
pub const MIN_SPREAD: f32 = 0.03;
/// The tail of the inlier counts of unrelated pictures, measured by
/// `examples/inliers.rs` on the photo set: 133,020 verifications (every
/// picture and its 44 `eval` transforms, as shown and mirrored, against
/// every unrelated picture). At least [`TAIL_FROM`] inliers in a share
/// [`TAIL_SHARE`] of them, falling by a factor e^[`TAIL_DECAY`] per inlier
/// more. Measured at the current tolerance and FAST thresholds: 9.40e-4 at
/// 10, 5.94e-4 at 11, 3.68e-4 at 12, 2.63e-4 at 13, 1.13e-4 at 14, 2.3e-5 at 15 (3
/// verifications, the most seen; the same counts with hash settings
/// version 11); the fit stays above each.
pub const TAIL_FROM: usize = 10;
pub const TAIL_SHARE: f64 = 9.4e-4;
pub const TAIL_DECAY: f64 = 0.42;

/// How likely an unrelated picture is to verify with at least `inliers`
/// inliers against one reference: the exponential tail fitted above,
/// extrapolated beyond the measured counts (an estimate, like
/// [`crate::matching::chance_of_unrelated`]).
pub fn chance_of_inliers(inliers: usize) -> f64 {
    let beyond = inliers as f64 - TAIL_FROM as f64;
    (TAIL_SHARE * (-TAIL_DECAY * beyond).exp()).min(1.0)
}

/// Candidates verified per query: the closest by hash distance.
pub const CANDIDATES: usize = 12;
/// Hash distance within which candidates are verified. Unrelated photos sit
/// at about 101 ± 5 (see [`crate::matching::UNRELATED_MEAN`]); copies cut to
/// 40% or tilted by 8° mostly stay under this.
pub const RADIUS: u32 = 112;

/// Which references to verify, given each one's distance (`None`: not
/// comparable): the [`CANDIDATES`] closest within [`RADIUS`], leaving out
/// `skip`.
pub fn candidates(distances: &[Option<u32>], skip: &[usize]) -> Vec<usize> {
    let mut c: Vec<(u32, usize)> = distances
        .iter()
        .enumerate()
        .filter(|(j, _)| !skip.contains(j))
        .filter_map(|(j, d)| d.filter(|&d| d <= RADIUS).map(|d| (d, j)))
        .collect();
    c.sort_unstable();
    c.truncate(CANDIDATES);
    c.into_iter().map(|(_, j)| j).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlier_chance_falls_with_inliers_and_stays_above_what_was_measured() {
        assert!((chance_of_inliers(TAIL_FROM) - TAIL_SHARE).abs() < 1e-12);
        assert!(chance_of_inliers(MIN_INLIERS) < chance_of_inliers(MIN_INLIERS - 1));
        assert!(chance_of_inliers(0) <= 1.0);
        // What examples/inliers.rs measured (of 133,020 unrelated
        // verifications): the fit must not promise less at any count.
        for (inliers, seen) in [(10, 125), (11, 79), (12, 49), (13, 35), (14, 15), (15, 3)] {
            assert!(
                chance_of_inliers(inliers) >= seen as f64 / 133_020.0,
                "{inliers}"
            );
        }
        assert!(chance_of_inliers(120) < 1e-15);
    }
}
