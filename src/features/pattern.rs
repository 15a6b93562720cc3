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

/// The descriptor of the keypoint at (x, y) with orientation `angle`, read
/// from the smoothed level. The keypoint must be at least [`RADIUS`] + 1
/// pixels inside the picture.
pub fn describe(smooth: &GrayImage, x: u32, y: u32, angle: f32) -> [u64; 4] {
    let (s, c) = angle.sin_cos();
    let (w, h) = (smooth.width() as i64, smooth.height() as i64);
    let raw = smooth.as_raw();
    // Pair i's two points are points 2i and 2i + 1.
    let points = pairs().as_flattened();
    let mut value = [0u8; 512];
    for (v, &(px, py)) in value.iter_mut().zip(points) {
        let dx = round(c * px - s * py);
        let dy = round(s * px + c * py);
        let xx = (i64::from(x) + dx).clamp(0, w - 1);
        let yy = (i64::from(y) + dy).clamp(0, h - 1);
        *v = raw[(yy * w + xx) as usize];
    }
    let mut d = [0u64; 4];
    for (i, pair) in value.chunks_exact(2).enumerate() {
        if pair[0] < pair[1] {
            d[i / 64] |= 1 << (i % 64);
        }
    }
    d
}

/// `v.round() as i64` (halves away from zero) for |v| < 2²³, without the
/// call to libm's `roundf` that baseline x86-64 makes of `f32::round` (2.4%
/// of a build's time): `v` less its truncation is exact in this range.
#[inline]
fn round(v: f32) -> i64 {
    let t = v as i64;
    let frac = v - t as f32;
    t + i64::from(frac >= 0.5) - i64::from(frac <= -0.5)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_is_f32_round_near_halves_and_across_the_pattern() {
        let mut v = -40.0f32;
        while v <= 40.0 {
            for x in [v, v.next_up(), v.next_down()] {
                assert_eq!(super::round(x), x.round() as i64, "{x}");
            }
            v += 0.25;
        }
    }
}
