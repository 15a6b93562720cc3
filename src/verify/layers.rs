//! Evidence of another viewpoint among the pairs a transform leaves out:
//! pairs that agree with their neighbours on another displacement (a layer
//! of depth), and which of them are degenerate matches that show no
//! parallax at all: the reference's own repetition (a tiled, striped or
//! grained picture matches itself under a shift, so its copies show
//! "layers" one period apart).

use super::{Affine, PointPair, MAX_DESCRIPTOR_DISTANCE, TOLERANCE};
use crate::features::Features;

/// Query pixels within which pairs count as neighbours.
pub(super) const LAYER_RADIUS: f32 = 48.0;
/// Neighbours that must share a pair's displacement.
pub(super) const LAYER_NEIGHBOURS: usize = 2;

/// A keypoint of the reference and the shift to a twin of it.
pub(super) type Repeat = ((f32, f32), (f32, f32));

/// A pair off the transform: its index, query point and misfit.
type Offset = (usize, (f32, f32), (f32, f32));

/// Where the transform puts a pair's query point, as a displacement from
/// its reference point (pixels of the reference's first level).
fn misfit(t: &Affine, (p, q): PointPair) -> (f32, f32) {
    let (x, y) = t.apply(p);
    (q.0 - x, q.1 - y)
}

/// Pairs outside the transform (not in `inliers`; indices into `pts`)
/// whose misfit at least [`LAYER_NEIGHBOURS`] nearby such pairs share
/// within [`TOLERANCE`]: true matches on another layer of depth.
/// Mismatches scatter; they seldom agree with their neighbours.
pub(super) fn layered(pts: &[PointPair], inliers: &[usize], t: &Affine) -> Vec<usize> {
    let rest: Vec<Offset> = (0..pts.len())
        .filter(|k| !inliers.contains(k))
        .map(|k| (k, pts[k].0, misfit(t, pts[k])))
        .collect();
    let r2 = LAYER_RADIUS * LAYER_RADIUS;
    let tol2 = TOLERANCE * TOLERANCE;
    rest.iter()
        .filter(|&&(i, p, d)| {
            rest.iter()
                .filter(|&&(j, o, e)| {
                    j != i
                        && (o.0 - p.0).powi(2) + (o.1 - p.1).powi(2) <= r2
                        && (e.0 - d.0).powi(2) + (e.1 - d.1).powi(2) <= tol2
                })
                .count()
                >= LAYER_NEIGHBOURS
        })
        .map(|&(k, _, _)| k)
        .collect()
}

/// How far a repeat's shift may differ from a pair's misfit, in pixels:
/// twice the inlier tolerance, as both ends of a repeat carry their own
/// keypoint error.
const REPEAT_TOLERANCE: f32 = 2.0 * TOLERANCE;

/// The shifts under which a picture repeats itself: for each keypoint,
/// every other keypoint at least [`REPEAT_TOLERANCE`] away whose descriptor
/// would pair with it ([`MAX_DESCRIPTOR_DISTANCE`]), as (keypoint, shift).
pub(super) fn repeats(r: &Features) -> Vec<Repeat> {
    let mut out = Vec::new();
    for (i, (a, da)) in r.points.iter().zip(&r.descriptors).enumerate() {
        for (b, db) in r.points.iter().zip(&r.descriptors).skip(i + 1) {
            let d: u32 = (0..4).map(|w| (da[w] ^ db[w]).count_ones()).sum();
            let shift = (b.x - a.x, b.y - a.y);
            if d <= MAX_DESCRIPTOR_DISTANCE && shift.0.hypot(shift.1) >= REPEAT_TOLERANCE {
                out.push(((a.x, a.y), shift));
                out.push(((b.x, b.y), (-shift.0, -shift.1)));
            }
        }
    }
    out
}

/// Of the pairs `evidence` (indices into `pts`), the degenerate matches:
/// those off the transform by a shift the reference repeats itself under
/// near the pair's reference point (within [`LAYER_RADIUS`]). On a repeated
/// pattern, a pair that went to the next instance of it shows no other
/// viewpoint.
pub(super) fn degenerate(
    repeats: &[Repeat],
    pts: &[PointPair],
    t: &Affine,
    evidence: &[usize],
) -> usize {
    let r2 = LAYER_RADIUS * LAYER_RADIUS;
    let tol2 = REPEAT_TOLERANCE * REPEAT_TOLERANCE;
    evidence
        .iter()
        .filter(|&&k| {
            let at = pts[k].1;
            let d = misfit(t, pts[k]);
            repeats.iter().any(|&(o, s)| {
                (o.0 - at.0).powi(2) + (o.1 - at.1).powi(2) <= r2
                    && (s.0 - d.0).powi(2) + (s.1 - d.1).powi(2) <= tol2
            })
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_moved_together_off_the_transform_count_as_a_layer_and_scattered_ones_do_not() {
        let identity = Affine {
            m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        };
        let mut rng = fastrand::Rng::with_seed(7);
        let mut pts: Vec<PointPair> = Vec::new();
        // 40 pairs on the transform.
        for _ in 0..40 {
            let p = (rng.f32() * 600.0, rng.f32() * 400.0);
            pts.push((p, p));
        }
        let inliers: Vec<usize> = (0..40).collect();
        // 20 mismatches: partners anywhere.
        for _ in 0..20 {
            let p = (rng.f32() * 600.0, rng.f32() * 400.0);
            pts.push((p, (rng.f32() * 600.0, rng.f32() * 400.0)));
        }
        assert!(layered(&pts, &inliers, &identity).len() <= 2);
        // 15 pairs in one corner, all moved 20 pixels right: a nearer part
        // of the scene seen from a little to the side.
        for _ in 0..15 {
            let p = (rng.f32() * 80.0, rng.f32() * 80.0);
            pts.push((p, (p.0 + 20.0 + rng.f32(), p.1 + rng.f32())));
        }
        let layer = layered(&pts, &inliers, &identity);
        assert!(
            (15..=17).contains(&layer.len()),
            "{} pairs in a layer",
            layer.len()
        );
        // A reference that repeats every 20 pixels across explains that
        // layer; one that repeats every 20 pixels down does not.
        let grid = |shift: (f32, f32)| -> Vec<Repeat> {
            (0..7)
                .flat_map(|i| (0..5).map(move |j| ((i as f32 * 20.0, j as f32 * 20.0), shift)))
                .collect()
        };
        let (across, down) = (grid((20.0, 0.0)), grid((0.0, 20.0)));
        assert!(degenerate(&across, &pts, &identity, &layer) >= 15);
        assert_eq!(degenerate(&down, &pts, &identity, &layer), 0);
    }
}
