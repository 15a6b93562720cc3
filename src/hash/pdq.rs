//! PDQ, the 256-bit perceptual hash of Meta's ThreatExchange, ported from the
//! published algorithm (luma, two-pass Jarosz box filter, 64×64 decimation,
//! 16×16 DCT, median threshold) with its 0–100 quality metric. Hashes and hex
//! strings are bit-compatible with the reference implementation, including the
//! eight dihedral variants (rotations and flips) computed from one DCT.

use std::sync::OnceLock;

use image::{DynamicImage, GenericImageView};

/// A 256-bit PDQ hash, stored as the reference's sixteen 16-bit words packed
/// into four `u64` (word `k` in bits `16*(k%4)..` of `limbs[k/4]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pdq(pub [u64; 4]);

impl Pdq {
    pub const BITS: u32 = 256;

    fn set_bit(&mut self, k: usize) {
        self.0[k / 64] |= 1u64 << (k % 64);
    }

    /// Hamming distance.
    pub fn distance(&self, other: &Pdq) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    fn word(&self, k: usize) -> u16 {
        (self.0[k / 4] >> (16 * (k % 4))) as u16
    }

    /// The reference's hex form: words 15 down to 0, four hex digits each.
    pub fn to_hex(&self) -> String {
        (0..16)
            .rev()
            .map(|k| format!("{:04x}", self.word(k)))
            .collect()
    }

    pub fn from_hex(s: &str) -> Option<Pdq> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut h = Pdq::default();
        for (i, chunk) in s.as_bytes().chunks(4).enumerate() {
            let word = u16::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
            let k = 15 - i;
            h.0[k / 4] |= u64::from(word) << (16 * (k % 4));
        }
        Some(h)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(b: &[u8]) -> Option<Pdq> {
        if b.len() != 32 {
            return None;
        }
        let mut h = Pdq::default();
        for (i, limb) in h.0.iter_mut().enumerate() {
            *limb = u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().ok()?);
        }
        Some(h)
    }
}

/// The eight rotations/flips of a picture, named by what turns the original
/// into the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dihedral {
    Original,
    MirrorHorizontal,
    MirrorVertical,
    Rotate180,
    Transpose,
    Rotate90,
    Rotate270,
    Transverse,
}

impl Dihedral {
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::MirrorHorizontal,
        Dihedral::MirrorVertical,
        Dihedral::Rotate180,
        Dihedral::Transpose,
        Dihedral::Rotate90,
        Dihedral::Rotate270,
        Dihedral::Transverse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dihedral::Original => "original",
            Dihedral::MirrorHorizontal => "mirror-horizontal",
            Dihedral::MirrorVertical => "mirror-vertical",
            Dihedral::Rotate180 => "rotate-180",
            Dihedral::Transpose => "transpose",
            Dihedral::Rotate90 => "rotate-90",
            Dihedral::Rotate270 => "rotate-270",
            Dihedral::Transverse => "transverse",
        }
    }

    /// (transpose first, then negate odd-frequency columns, then rows).
    fn ops(self) -> (bool, bool, bool) {
        match self {
            Dihedral::Original => (false, false, false),
            Dihedral::MirrorHorizontal => (false, true, false),
            Dihedral::MirrorVertical => (false, false, true),
            Dihedral::Rotate180 => (false, true, true),
            Dihedral::Transpose => (true, false, false),
            Dihedral::Rotate90 => (true, true, false),
            Dihedral::Rotate270 => (true, false, true),
            Dihedral::Transverse => (true, true, true),
        }
    }
}

/// PDQ hash with its quality score (0–100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqResult {
    pub hash: Pdq,
    pub quality: u8,
}

/// The 16×16 DCT output the hash bits are drawn from.
pub type Dct16 = [[f32; 16]; 16];

const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;

/// The float luma buffer the reference hashes (row-major): RGB weighted, or
/// the grey value itself for one-channel images; alpha is ignored.
fn reference_luma(image: &DynamicImage) -> (usize, usize, Vec<f32>) {
    let (cols, rows) = (image.width() as usize, image.height() as usize);
    let grey = matches!(
        image,
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageLumaA8(_)
    );
    let mut luma = Vec::with_capacity(rows * cols);
    for (_, _, p) in image.pixels() {
        luma.push(if grey {
            f32::from(p[0])
        } else {
            LUMA_R * f32::from(p[0]) + LUMA_G * f32::from(p[1]) + LUMA_B * f32::from(p[2])
        });
    }
    (rows, cols, luma)
}

/// Hashes an image (its pixels as they are: apply orientation first).
pub fn pdq(image: &DynamicImage) -> PdqResult {
    let (dct, quality) = pdq_dct(image);
    PdqResult {
        hash: bits_from_dct(&dct),
        quality,
    }
}

/// The hash of each of the eight dihedral variants of the image, from one DCT.
pub fn pdq_dihedral(image: &DynamicImage) -> ([Pdq; 8], u8) {
    let (dct, quality) = pdq_dct(image);
    (dihedral_from_dct(&dct), quality)
}

pub fn dihedral_from_dct(dct: &Dct16) -> [Pdq; 8] {
    Dihedral::ALL.map(|d| bits_from_dct(&transform_dct(dct, d)))
}

/// The DCT of the image and its quality. Exposed for dihedral variants.
pub fn pdq_dct(image: &DynamicImage) -> (Dct16, u8) {
    let (rows, cols, mut luma) = reference_luma(image);
    if rows < 5 || cols < 5 {
        return ([[0.0; 16]; 16], 0);
    }
    let mut temp = vec![0f32; luma.len()];
    // Window sizes as the reference regression hashes have them: the pass
    // along each row uses the window derived from the number of rows, and the
    // pass down each column the one derived from the number of columns.
    let window_along_rows = jarosz_window(rows);
    let window_along_cols = jarosz_window(cols);
    for _ in 0..2 {
        for r in 0..rows {
            box_1d(
                &luma[r * cols..],
                &mut temp[r * cols..],
                cols,
                1,
                window_along_rows,
            );
        }
        for c in 0..cols {
            box_1d(&temp[c..], &mut luma[c..], rows, cols, window_along_cols);
        }
    }
    let mut small = [[0f32; 64]; 64];
    for (i, row) in small.iter_mut().enumerate() {
        let ini = (((i as f64 + 0.5) * rows as f64) / 64.0) as usize;
        for (j, v) in row.iter_mut().enumerate() {
            let inj = (((j as f64 + 0.5) * cols as f64) / 64.0) as usize;
            *v = luma[ini * cols + inj];
        }
    }
    let quality = quality_metric(&small);
    (dct_64_to_16(&small), quality)
}

fn jarosz_window(old: usize) -> usize {
    old.div_ceil(2 * 64)
}

/// One-dimensional box filter with shrinking windows at the ends, exactly as
/// the reference's four phases.
fn box_1d(input: &[f32], output: &mut [f32], len: usize, stride: usize, window: usize) {
    // A window longer than the line (very elongated images) covers the line.
    let window = window.clamp(1, len.max(1));
    let half = (window + 2) / 2;
    let phase1 = half - 1;
    let phase2 = window - half + 1;
    let phase3 = len - window;
    let phase4 = half - 1;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sum = 0f32;
    let mut size = 0f32;
    for _ in 0..phase1 {
        sum += input[ri];
        size += 1.0;
        ri += stride;
    }
    for _ in 0..phase2 {
        sum += input[ri];
        size += 1.0;
        output[oi] = sum / size;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase3 {
        sum += input[ri];
        sum -= input[li];
        output[oi] = sum / size;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase4 {
        sum -= input[li];
        size -= 1.0;
        output[oi] = sum / size;
        li += stride;
        oi += stride;
    }
}

// Index loops mirror the reference's formulation.
#[allow(clippy::needless_range_loop)]
fn quality_metric(b: &[[f32; 64]; 64]) -> u8 {
    let mut gradient_sum: i64 = 0;
    for i in 0..63 {
        for j in 0..64 {
            let d = ((b[i][j] - b[i + 1][j]) * 100.0 / 255.0) as i32;
            gradient_sum += i64::from(d.abs());
        }
    }
    for row in b.iter() {
        for j in 0..63 {
            let d = ((row[j] - row[j + 1]) * 100.0 / 255.0) as i32;
            gradient_sum += i64::from(d.abs());
        }
    }
    (gradient_sum / 90).min(100) as u8
}

fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static M: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    M.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt();
        let mut m = [[0f32; 64]; 16];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let arg =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i as f64 + 1.0) * (2.0 * j as f64 + 1.0);
                *v = (scale * arg.cos()) as f32;
            }
        }
        m
    })
}

// Index loops mirror the reference's formulation.
#[allow(clippy::needless_range_loop)]
fn dct_64_to_16(a: &[[f32; 64]; 64]) -> Dct16 {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut s = 0f32;
            for k in 0..64 {
                s += d[i][k] * a[k][j];
            }
            t[i][j] = s;
        }
    }
    let mut b = [[0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut s = 0f32;
            for k in 0..64 {
                s += t[i][k] * d[j][k];
            }
            b[i][j] = s;
        }
    }
    b
}

/// Coefficient index `i` is frequency `i + 1`: reversing an axis negates the
/// coefficients of odd frequency, i.e. even indices.
// Index loops mirror the reference's formulation.
#[allow(clippy::needless_range_loop)]
fn transform_dct(b: &Dct16, d: Dihedral) -> Dct16 {
    let (transpose, flip_cols, flip_rows) = d.ops();
    let mut out = [[0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut v = if transpose { b[j][i] } else { b[i][j] };
            if flip_cols && j % 2 == 0 {
                v = -v;
            }
            if flip_rows && i % 2 == 0 {
                v = -v;
            }
            out[i][j] = v;
        }
    }
    out
}

// Index loops mirror the reference's formulation.
#[allow(clippy::needless_range_loop)]
fn bits_from_dct(b: &Dct16) -> Pdq {
    let mut sorted: Vec<f32> = b.iter().flatten().copied().collect();
    sorted.sort_by(f32::total_cmp);
    let median = sorted[127];
    let mut h = Pdq::default();
    for i in 0..16 {
        for j in 0..16 {
            if b[i][j] > median {
                h.set_bit(i * 16 + j);
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_orders_words_high_first() {
        let mut h = Pdq::default();
        h.set_bit(0);
        h.set_bit(255);
        let hex = h.to_hex();
        assert_eq!(&hex[..4], "8000");
        assert_eq!(&hex[60..], "0001");
        assert_eq!(Pdq::from_hex(&hex), Some(h));
        assert_eq!(Pdq::from_bytes(&h.to_bytes()), Some(h));
    }

    #[test]
    fn box_filter_keeps_a_constant_signal() {
        let input = vec![3.0f32; 37];
        let mut out = vec![0f32; 37];
        box_1d(&input, &mut out, 37, 1, 5);
        assert!(out.iter().all(|v| (v - 3.0).abs() < 1e-6));
    }

    #[test]
    fn very_elongated_images_hash_without_panicking() {
        for (w, h) in [(5, 3000), (3000, 5), (6, 700)] {
            let img = DynamicImage::ImageLuma8(image::GrayImage::from_fn(w, h, |x, y| {
                image::Luma([((x * 7 + y * 13) % 256) as u8])
            }));
            let (variants, _) = pdq_dihedral(&img);
            assert_ne!(variants[0], Pdq::default(), "{w}x{h}");
        }
    }

    #[test]
    fn flat_image_has_zero_quality() {
        let img = DynamicImage::new_rgb8(64, 48);
        assert_eq!(pdq(&img).quality, 0);
    }
}
