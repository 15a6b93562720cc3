//! Where a verified copy sits on its original: the query's frame carried
//! through the transform that verification fitted ([`crate::verify`]),
//! clipped to the reference's frame. It gives the share of the original the
//! copy shows and the edges it lacks, the share of the copy the original
//! fills (borders, bars, a screenshot's interface), and the turn between
//! them, from the evidence that made the match rather than from which hash
//! sub-frames came closest.

use serde::Serialize;

use crate::verify::Affine;

/// Share of a side within which an edge counts as kept.
const EDGE_TOLERANCE: f32 = 0.03;

/// The framing of a copy against its original.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footprint {
    /// Share (0–1) of the original's area the copy shows.
    pub shown: f32,
    /// The original's edges the copy lacks, of `left`, `top`, `right`,
    /// `bottom` (as the original is displayed).
    pub missing: Vec<&'static str>,
    /// Share (0–1) of the copy's area the original fills; under 1 when the
    /// copy adds borders, bars or interface around it.
    pub fills: f32,
    /// The copy's edges where it holds more than the original.
    pub added: Vec<&'static str>,
}

impl Footprint {
    /// The footprint of a query of `query` size (width, height) mapped by
    /// `t` (query coordinates to reference coordinates, as verification
    /// fits them) onto a reference of `reference` size; `None` when the
    /// transform cannot be inverted or the frames do not overlap.
    pub fn of(t: &Affine, query: (u32, u32), reference: (u32, u32)) -> Option<Footprint> {
        let inverse = invert(t)?;
        let (shown, missing) = coverage(t, query, reference)?;
        let (fills, added) = coverage(&inverse, reference, query)?;
        Some(Footprint {
            shown,
            missing,
            fills,
            added,
        })
    }

    /// The footprint as the copy is displayed, when verification fitted
    /// the copy mirrored left to right: its added edges swap sides.
    pub fn unmirrored(mut self) -> Footprint {
        for e in &mut self.added {
            *e = match *e {
                "left" => "right",
                "right" => "left",
                other => other,
            };
        }
        self
    }

    /// The missing edges in words: "its left and top edges".
    pub fn missing_words(&self) -> String {
        edges_words(&self.missing)
    }

    /// The added edges in words.
    pub fn added_words(&self) -> String {
        edges_words(&self.added)
    }
}

fn edges_words(edges: &[&str]) -> String {
    match edges.len() {
        0 => "nothing".into(),
        1 => format!("its {} edge", edges[0]),
        4 => "a margin all round".into(),
        _ => format!("its {} edges", edges.join(" and ")),
    }
}

/// The share of the `to` frame covered by the `from` frame mapped by `t`,
/// and the edges of `to` it does not reach.
fn coverage(t: &Affine, from: (u32, u32), to: (u32, u32)) -> Option<(f32, Vec<&'static str>)> {
    let (fw, fh) = (from.0 as f32, from.1 as f32);
    let (tw, th) = (to.0.max(1) as f32, to.1.max(1) as f32);
    let corners = [(0.0, 0.0), (fw, 0.0), (fw, fh), (0.0, fh)].map(|p| t.apply(p));
    let clipped = clip(&corners, tw, th);
    let area = polygon_area(&clipped);
    if clipped.len() < 3 || area <= 0.0 {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in &clipped {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    let missing = [
        ("left", x0 > EDGE_TOLERANCE * tw),
        ("top", y0 > EDGE_TOLERANCE * th),
        ("right", x1 < (1.0 - EDGE_TOLERANCE) * tw),
        ("bottom", y1 < (1.0 - EDGE_TOLERANCE) * th),
    ]
    .into_iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| n)
    .collect();
    Some(((area / (tw * th)).min(1.0), missing))
}

/// The inverse of an affine map, if it has one.
fn invert(t: &Affine) -> Option<Affine> {
    let [[a, b, c], [d, e, f]] = t.m;
    let det = a * e - b * d;
    if det.abs() < 1e-9 {
        return None;
    }
    let (ia, ib, id, ie) = (e / det, -b / det, -d / det, a / det);
    Some(Affine {
        m: [[ia, ib, -(ia * c + ib * f)], [id, ie, -(id * c + ie * f)]],
    })
}

/// A convex polygon clipped to the rectangle [0, w] × [0, h]
/// (Sutherland–Hodgman).
fn clip(polygon: &[(f32, f32)], w: f32, h: f32) -> Vec<(f32, f32)> {
    type Inside = fn((f32, f32), f32) -> bool;
    type Cross = fn((f32, f32), (f32, f32), f32) -> (f32, f32);
    let at_x = |p: (f32, f32), q: (f32, f32), x: f32| {
        let s = (x - p.0) / (q.0 - p.0);
        (x, p.1 + s * (q.1 - p.1))
    };
    let at_y = |p: (f32, f32), q: (f32, f32), y: f32| {
        let s = (y - p.1) / (q.1 - p.1);
        (p.0 + s * (q.0 - p.0), y)
    };
    let planes: [(Inside, Cross, f32); 4] = [
        (|p, v| p.0 >= v, at_x, 0.0),
        (|p, v| p.0 <= v, at_x, w),
        (|p, v| p.1 >= v, at_y, 0.0),
        (|p, v| p.1 <= v, at_y, h),
    ];
    let mut out = polygon.to_vec();
    for (inside, cross, v) in planes {
        let input = std::mem::take(&mut out);
        for (i, &cur) in input.iter().enumerate() {
            let prev = input[(i + input.len() - 1) % input.len()];
            match (inside(cur, v), inside(prev, v)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(prev, cur, v));
                    out.push(cur);
                }
                (false, true) => out.push(cross(prev, cur, v)),
                (false, false) => {}
            }
        }
        if out.is_empty() {
            break;
        }
    }
    out
}

/// Area of a simple polygon (shoelace formula).
fn polygon_area(p: &[(f32, f32)]) -> f32 {
    let n = p.len();
    let twice: f32 = (0..n)
        .map(|i| {
            let (a, b) = (p[i], p[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    twice.abs() / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled_shift(s: f32, tx: f32, ty: f32) -> Affine {
        Affine {
            m: [[s, 0.0, tx], [0.0, s, ty]],
        }
    }

    #[test]
    fn a_corner_crop_shows_its_share_and_lacks_the_two_far_edges() {
        // A 300×200 copy of the bottom-right 75% × 75% of a 400×266 original.
        let t = scaled_shift(1.0, 100.0, 66.0);
        let f = Footprint::of(&t, (300, 200), (400, 266)).unwrap();
        assert!((f.shown - 0.5639).abs() < 0.01, "{f:?}");
        assert_eq!(f.missing, ["left", "top"]);
        assert!(f.fills > 0.99 && f.added.is_empty(), "{f:?}");
    }

    #[test]
    fn a_copy_inside_a_frame_adds_edges_and_shows_the_whole() {
        // The original at half size in the middle of a copy twice as tall.
        let t = scaled_shift(2.0, 0.0, -100.0);
        let f = Footprint::of(&t, (200, 200), (400, 200)).unwrap();
        assert!(f.shown > 0.99 && f.missing.is_empty(), "{f:?}");
        assert!((f.fills - 0.5).abs() < 0.01, "{f:?}");
        assert_eq!(f.added, ["top", "bottom"]);
    }
}
