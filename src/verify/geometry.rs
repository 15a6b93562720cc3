//! The geometry of a verified match: the similarity a RANSAC round draws
//! from two point pairs, and the affine map it is refined to (which also
//! takes the stretch of a copy resized to another aspect ratio).

use super::{PointPair, SCALES};

/// x' = a·x − b·y + tx, y' = b·x + a·y + ty (scale √(a²+b²)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        )
    }

    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }

    /// Rotation, degrees.
    pub fn degrees(&self) -> f32 {
        self.b.atan2(self.a).to_degrees()
    }

    /// The transform mapping two points onto two others.
    pub(super) fn through(p: [(f32, f32); 2], q: [(f32, f32); 2]) -> Option<Similarity> {
        let (dx, dy) = (p[1].0 - p[0].0, p[1].1 - p[0].1);
        let (ex, ey) = (q[1].0 - q[0].0, q[1].1 - q[0].1);
        let n = dx * dx + dy * dy;
        if n < 1.0 {
            return None;
        }
        let a = (ex * dx + ey * dy) / n;
        let b = (ey * dx - ex * dy) / n;
        Some(Similarity {
            a,
            b,
            tx: q[0].0 - (a * p[0].0 - b * p[0].1),
            ty: q[0].1 - (b * p[0].0 + a * p[0].1),
        })
    }
}

/// x' = m[0]·(x, y, 1), y' = m[1]·(x, y, 1): what a copy's geometry is,
/// once the first guess (a [`Similarity`]) is refined on its inliers; it
/// also takes the stretch of a copy resized to another aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub m: [[f32; 3]; 2],
}

/// Most a copy may be stretched one way more than the other.
const MAX_STRETCH: f32 = 1.4;

impl Affine {
    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let [r, s] = self.m;
        (r[0] * x + r[1] * y + r[2], s[0] * x + s[1] * y + s[2])
    }

    /// The two scales (singular values) of the linear part, larger first.
    pub fn scales(&self) -> (f32, f32) {
        let [[a, b, _], [c, d, _]] = self.m;
        let t = a * a + b * b + c * c + d * d;
        let det = a * d - b * c;
        let root = (t * t - 4.0 * det * det).max(0.0).sqrt();
        (
            ((t + root) / 2.0).sqrt(),
            ((t - root) / 2.0).max(0.0).sqrt(),
        )
    }

    /// Rotation, degrees (of the closest similarity).
    pub fn degrees(&self) -> f32 {
        let [[a, b, _], [c, d, _]] = self.m;
        (c - b).atan2(a + d).to_degrees()
    }

    /// Orientation kept (no mirror), scales in range, stretch bounded.
    pub(super) fn plausible(&self) -> bool {
        let [[a, b, _], [c, d, _]] = self.m;
        let (hi, lo) = self.scales();
        a * d - b * c > 0.0 && lo >= SCALES.0 && hi <= SCALES.1 && hi <= MAX_STRETCH * lo
    }

    pub(super) fn from_similarity(t: &Similarity) -> Affine {
        Affine {
            m: [[t.a, -t.b, t.tx], [t.b, t.a, t.ty]],
        }
    }

    /// Least-squares fit to point pairs (normal equations, Cramer's rule).
    pub(super) fn fit(pairs: &[PointPair]) -> Option<Affine> {
        if pairs.len() < 3 {
            return None;
        }
        let mut n = [[0f64; 3]; 3];
        let (mut bu, mut bv) = ([0f64; 3], [0f64; 3]);
        for ((x, y), (u, v)) in pairs {
            let row = [f64::from(*x), f64::from(*y), 1.0];
            for i in 0..3 {
                for j in 0..3 {
                    n[i][j] += row[i] * row[j];
                }
                bu[i] += row[i] * f64::from(*u);
                bv[i] += row[i] * f64::from(*v);
            }
        }
        let det3 = |m: &[[f64; 3]; 3]| {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        };
        let d = det3(&n);
        if d.abs() < 1e-9 {
            return None;
        }
        let solve = |b: &[f64; 3]| {
            let mut out = [0f32; 3];
            for (k, o) in out.iter_mut().enumerate() {
                let mut m = n;
                for i in 0..3 {
                    m[i][k] = b[i];
                }
                *o = (det3(&m) / d) as f32;
            }
            out
        };
        Some(Affine {
            m: [solve(&bu), solve(&bv)],
        })
    }
}
