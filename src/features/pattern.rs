//! The steered BRIEF descriptor: 256 intensity comparisons between point
//! pairs around a keypoint, the pairs turned by the keypoint's orientation.
//! The pairs are drawn once, from a fixed seed, with the isotropic Gaussian
//! spread of Calonder et al. (σ = patch / 5), inside a disc so that turning
//! them keeps them in the patch. Pair `i + 128` is pair `i` mirrored top to
//! bottom, which makes mirroring a picture swap the two halves of each
//! descriptor ([`super::Features::mirrored`]).

use std::sync::OnceLock;

use image::GrayImage;

/// Radius of the disc the pairs are drawn in.
pub const RADIUS: i32 = 14;
/// Seed of the pattern: changing it changes every descriptor, so it is part
/// of the stored format.
const SEED: u64 = 0x0b1e_f00d_5eed_0001;

type Pair = [(f32, f32); 2];

fn pairs() -> &'static [Pair; 256] {
    static PAIRS: OnceLock<[Pair; 256]> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let mut rng = fastrand::Rng::with_seed(SEED);
        let sigma = (2 * RADIUS + 1) as f32 / 5.0;
        let r2 = (RADIUS * RADIUS) as f32;
        let mut point = || loop {
            // Box–Muller: two normal deviates from two uniform ones.
            let (u, v) = (rng.f32().max(f32::MIN_POSITIVE), rng.f32());
            let m = (-2.0 * u.ln()).sqrt() * sigma;
            let (s, c) = (std::f32::consts::TAU * v).sin_cos();
            let (x, y) = (m * c, m * s);
            if x * x + y * y <= r2 {
                return (x, y);
            }
        };
        let mut out = [[(0.0, 0.0); 2]; 256];
        for i in 0..128 {
            let (a, b) = (point(), point());
            out[i] = [a, b];
            out[i + 128] = [(a.0, -a.1), (b.0, -b.1)];
        }
        out
    })
}

/// The pattern as four coordinate rows of 256 (x and y of each pair's
/// first point, then of its second), the layout [`describe`]'s loops
/// vectorise over.
fn columns() -> &'static [[f32; 256]; 4] {
    static COLUMNS: OnceLock<[[f32; 256]; 4]> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let mut out = [[0.0; 256]; 4];
        for (i, [a, b]) in pairs().iter().enumerate() {
            out[0][i] = a.0;
            out[1][i] = a.1;
            out[2][i] = b.0;
            out[3][i] = b.1;
        }
        out
    })
}

/// The descriptor of the keypoint at (x, y) with orientation `angle`, read
/// from the smoothed level: bit `i` is set when pair `i`'s first point is
/// darker than its second. The keypoint must be at least [`RADIUS`] + 1
/// pixels inside the picture (points beyond an edge read the edge).
pub fn describe(smooth: &GrayImage, x: u32, y: u32, angle: f32) -> [u64; 4] {
    let (s, c) = angle.sin_cos();
    let [ax, ay, bx, by] = columns();
    let first = sample(smooth, x, y, (s, c), ax, ay);
    let second = sample(smooth, x, y, (s, c), bx, by);
    let mut d = [0u64; 4];
    for (k, word) in d.iter_mut().enumerate() {
        let (a, b) = (&first[64 * k..64 * (k + 1)], &second[64 * k..64 * (k + 1)]);
        for (j, (a, b)) in a.iter().zip(b).enumerate() {
            *word |= u64::from(a < b) << j;
        }
    }
    d
}

/// The smoothed level's values at the pattern points (`px`, `py`) turned by
/// the angle of sine `s` and cosine `c` around (x, y), clamped to the picture.
/// Offsets first, then reads: the first loop is straight arithmetic.
#[inline]
fn sample(
    smooth: &GrayImage,
    x: u32,
    y: u32,
    (s, c): (f32, f32),
    px: &[f32; 256],
    py: &[f32; 256],
) -> [u8; 256] {
    let (w, h) = (smooth.width() as i32, smooth.height() as i32);
    let (x, y) = (x as i32, y as i32);
    let mut at = [0u32; 256];
    for ((a, &px), &py) in at.iter_mut().zip(px).zip(py) {
        let xx = (x + round(c * px - s * py)).clamp(0, w - 1);
        let yy = (y + round(s * px + c * py)).clamp(0, h - 1);
        *a = (yy * w + xx) as u32;
    }
    let raw = smooth.as_raw();
    let mut value = [0u8; 256];
    for (v, &a) in value.iter_mut().zip(&at) {
        *v = raw[a as usize];
    }
    value
}

/// `v.round() as i32` (halves away from zero) for |v| < 2²³, without the
/// call to libm's `roundf` that baseline x86-64 makes of `f32::round` (2.4%
/// of a build's time): `v` less its truncation is exact in this range.
#[inline]
fn round(v: f32) -> i32 {
    let t = v as i32;
    let frac = v - t as f32;
    t + i32::from(frac >= 0.5) - i32::from(frac <= -0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The descriptor by its definition, one pair at a time.
    fn by_definition(smooth: &GrayImage, x: u32, y: u32, angle: f32) -> [u64; 4] {
        let (s, c) = angle.sin_cos();
        let at = |(px, py): (f32, f32)| {
            let dx = (c * px - s * py).round() as i64;
            let dy = (s * px + c * py).round() as i64;
            let xx = (i64::from(x) + dx).clamp(0, i64::from(smooth.width()) - 1);
            let yy = (i64::from(y) + dy).clamp(0, i64::from(smooth.height()) - 1);
            smooth.get_pixel(xx as u32, yy as u32)[0]
        };
        let mut d = [0u64; 4];
        for (i, [a, b]) in pairs().iter().enumerate() {
            if at(*a) < at(*b) {
                d[i / 64] |= 1 << (i % 64);
            }
        }
        d
    }

    #[test]
    fn descriptors_are_the_pairs_compared_one_by_one() {
        let path = format!("{}/reference_images/dune.jpg", env!("CARGO_MANIFEST_DIR"));
        let photo = image::open(path).expect("bundled photo").to_luma8();
        let smooth = super::super::smooth::box_mean(&photo, 2);
        let (w, h) = smooth.dimensions();
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..2_000 {
            // Edges included: points beyond them read the edge.
            let (x, y) = (rng.u32(0..w), rng.u32(0..h));
            let angle = rng.f32() * std::f32::consts::TAU;
            assert_eq!(
                describe(&smooth, x, y, angle),
                by_definition(&smooth, x, y, angle),
                "({x}, {y}) at {angle}"
            );
        }
    }

    #[test]
    fn round_is_f32_round_near_halves_and_across_the_pattern() {
        let mut v = -40.0f32;
        while v <= 40.0 {
            for x in [v, v.next_up(), v.next_down()] {
                assert_eq!(super::round(x), x.round() as i32, "{x}");
            }
            v += 0.25;
        }
    }
}
