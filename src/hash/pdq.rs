//! PDQ, the 256-bit perceptual hash of Meta's ThreatExchange, ported from the
//! published algorithm (luma, two-pass Jarosz box filter, 64×64 decimation,
//! 16×16 DCT, median threshold) with its 0–100 quality metric. Hashes and hex
//! strings are bit-compatible with the reference implementation, including the
//! eight dihedral variants (rotations and flips) computed from one DCT.

use std::sync::OnceLock;

use image::DynamicImage;

use crate::decode::working::{grey_of, Grey};

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

    /// Parses the hex form: exactly 64 hex digits, either case (`None`
    /// otherwise; `from_str_radix` alone would also take a `+` sign).
    pub fn from_hex(s: &str) -> Option<Pdq> {
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
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
/// into the variant. Serialised as [`Dihedral::name`] (`rotate-90`, as in
/// `schemas/query.schema.json`; serde's kebab-case alone would write
/// `rotate90`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dihedral {
    Original,
    MirrorHorizontal,
    MirrorVertical,
    #[serde(rename = "rotate-180")]
    Rotate180,
    Transpose,
    #[serde(rename = "rotate-90")]
    Rotate90,
    #[serde(rename = "rotate-270")]
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

/// Hashes an image at full resolution, exactly as the reference does (its
/// pixels as they are: apply orientation first).
pub fn pdq(image: &DynamicImage) -> PdqResult {
    let (dct, quality) = pdq_dct(&grey_of(image));
    PdqResult {
        hash: bits_from_dct(&dct),
        quality,
    }
}

/// The hash of each of the eight dihedral variants of a luma plane, from one DCT.
pub fn pdq_dihedral(grey: &Grey) -> ([Pdq; 8], u8) {
    let (dct, quality) = pdq_dct(grey);
    (dihedral_from_dct(&dct), quality)
}

pub fn dihedral_from_dct(dct: &Dct16) -> [Pdq; 8] {
    Dihedral::ALL.map(|d| bits_from_dct(&transform_dct(dct, d)))
}

/// The DCT of a luma plane and its quality. Exposed for dihedral variants.
pub fn pdq_dct(grey: &Grey) -> (Dct16, u8) {
    let (cols, rows) = grey.dimensions();
    Blurred::new(grey).dct(0, 0, cols, rows)
}

/// A luma plane after the reference's two passes of box filters, from which
/// the 64×64 samples of the whole picture, or of any region, are taken.
pub struct Blurred {
    rows: usize,
    cols: usize,
    luma: Vec<f32>,
}

impl Blurred {
    pub fn new(grey: &Grey) -> Blurred {
        let (cols, rows) = (grey.width() as usize, grey.height() as usize);
        let mut luma = grey.as_raw().clone();
        if rows >= 5 && cols >= 5 {
            let mut temp = vec![0f32; luma.len()];
            // Window sizes as the reference distributed today computes them
            // (`pdqhash` 0.2.8, ThreatExchange's `pdqhashing.cpp`): the pass
            // along each row spans a share of the row's length (the number
            // of columns), the pass down each column a share of the number
            // of rows. Square pictures are the same either way.
            let window_along_rows = jarosz_window(cols);
            let window_along_cols = jarosz_window(rows);
            // The reference filters one line at a time; here the lines run
            // side by side (see `box_rows`, `box_columns`), each line's
            // arithmetic the reference's own, in its order.
            for _ in 0..2 {
                box_rows(&luma, &mut temp, cols, window_along_rows);
                box_columns(&temp, &mut luma, rows, cols, window_along_cols);
            }
        }
        Blurred { rows, cols, luma }
    }

    /// The DCT and quality of the region `w`×`h` at (`x`, `y`): 64×64
    /// samples at the centres of a regular grid over it. For the whole
    /// plane this is the reference hash; for a region it is the hash of that
    /// crop up to the filter's edge effects along the cut. A region under
    /// 5 pixels on a side gives zeros and quality 0.
    pub fn dct(&self, x: u32, y: u32, w: u32, h: u32) -> (Dct16, u8) {
        match self.samples(x, y, w, h) {
            Some(small) => (dct_64_to_16(&small), quality_metric(&small)),
            None => ([[0.0; 16]; 16], 0),
        }
    }

    /// The DCT of a region as [`Blurred::dct`] gives it, without the
    /// quality (sub-frames and windows, whose quality is not kept: the
    /// metric costs about as much as the DCT).
    pub fn region_dct(&self, x: u32, y: u32, w: u32, h: u32) -> Dct16 {
        self.samples(x, y, w, h)
            .map_or([[0.0; 16]; 16], |small| dct_64_to_16(&small))
    }

    /// The 64×64 samples of a region; `None` under 5 pixels on a side.
    fn samples(&self, x: u32, y: u32, w: u32, h: u32) -> Option<[[f32; 64]; 64]> {
        let (x, y) = (x as usize, y as usize);
        let (w, h) = (
            (w as usize).min(self.cols.saturating_sub(x)),
            (h as usize).min(self.rows.saturating_sub(y)),
        );
        if h < 5 || w < 5 {
            return None;
        }
        // The sample grid's columns, computed once rather than per row.
        let mut columns = [0usize; 64];
        for (j, c) in columns.iter_mut().enumerate() {
            *c = x + (((j as f64 + 0.5) * w as f64) / 64.0) as usize;
        }
        let mut small = [[0f32; 64]; 64];
        for (i, row) in small.iter_mut().enumerate() {
            let ini = y + (((i as f64 + 0.5) * h as f64) / 64.0) as usize;
            let line = &self.luma[ini * self.cols..(ini + 1) * self.cols];
            for (v, &c) in row.iter_mut().zip(&columns) {
                *v = line[c];
            }
        }
        Some(small)
    }
}

/// The reference's `computeJaroszFilterWindowSize(old, 64)`: the box
/// window (in pixels) that, applied twice, smooths a line of `old` pixels for
/// decimation to 64 samples: ceil(old / 128).
fn jarosz_window(old: usize) -> usize {
    old.div_ceil(2 * 64)
}

/// Lengths of the reference's four phases of a box filter with shrinking
/// windows at the ends, along a line of `len` values.
struct Phases {
    /// Values added before the first output.
    lead: usize,
    /// Outputs while the window still grows.
    grow: usize,
    /// Outputs with the full window sliding.
    slide: usize,
    /// Outputs while the window shrinks at the end.
    shrink: usize,
}

impl Phases {
    fn new(len: usize, window: usize) -> Phases {
        // A window longer than the line (very elongated images) covers it.
        let window = window.clamp(1, len.max(1));
        let half = (window + 2) / 2;
        Phases {
            lead: half - 1,
            grow: window - half + 1,
            slide: len - window,
            shrink: half - 1,
        }
    }
}

/// Box filter down every column of a `rows` × `cols` row-major plane, all
/// columns at once: contiguous running sums that vectorise.
fn box_columns(input: &[f32], output: &mut [f32], rows: usize, cols: usize, window: usize) {
    let p = Phases::new(rows, window);
    let row = |i: usize| &input[i * cols..(i + 1) * cols];
    let mut sum = vec![0f32; cols];
    let (mut add, mut sub, mut size) = (0usize, 0usize, 0f32);
    let mut outs = output.chunks_exact_mut(cols);
    for _ in 0..p.lead {
        sum.iter_mut().zip(row(add)).for_each(|(s, v)| *s += v);
        size += 1.0;
        add += 1;
    }
    for _ in 0..p.grow {
        sum.iter_mut().zip(row(add)).for_each(|(s, v)| *s += v);
        size += 1.0;
        add += 1;
        mean(&sum, size, outs.next());
    }
    for _ in 0..p.slide {
        for ((s, a), b) in sum.iter_mut().zip(row(add)).zip(row(sub)) {
            *s += a;
            *s -= b;
        }
        add += 1;
        sub += 1;
        mean(&sum, size, outs.next());
    }
    for _ in 0..p.shrink {
        sum.iter_mut().zip(row(sub)).for_each(|(s, v)| *s -= v);
        size -= 1.0;
        sub += 1;
        mean(&sum, size, outs.next());
    }
}

fn mean(sum: &[f32], size: f32, out: Option<&mut [f32]>) {
    if let Some(out) = out {
        out.iter_mut().zip(sum).for_each(|(o, s)| *o = s / size);
    }
}

/// Box filter along every row of a row-major plane `cols` wide, four rows
/// at a time so that their running sums overlap instead of waiting on each
/// other (four, not more: more spill out of the registers).
fn box_rows(input: &[f32], output: &mut [f32], cols: usize, window: usize) {
    const N: usize = 4;
    let p = Phases::new(cols, window);
    let mut ins = input.chunks_exact(N * cols);
    let mut outs = output.chunks_exact_mut(N * cols);
    for (i, o) in (&mut ins).zip(&mut outs) {
        let r: [&[f32]; N] = std::array::from_fn(|l| &i[l * cols..(l + 1) * cols]);
        let (mut sum, mut size) = ([0f32; N], 0f32);
        let (mut add, mut sub, mut at) = (0usize, 0usize, 0usize);
        for _ in 0..p.lead {
            for l in 0..N {
                sum[l] += r[l][add];
            }
            size += 1.0;
            add += 1;
        }
        for _ in 0..p.grow {
            size += 1.0;
            for l in 0..N {
                sum[l] += r[l][add];
                o[l * cols + at] = sum[l] / size;
            }
            add += 1;
            at += 1;
        }
        for _ in 0..p.slide {
            for l in 0..N {
                sum[l] += r[l][add];
                sum[l] -= r[l][sub];
                o[l * cols + at] = sum[l] / size;
            }
            add += 1;
            sub += 1;
            at += 1;
        }
        for _ in 0..p.shrink {
            size -= 1.0;
            for l in 0..N {
                sum[l] -= r[l][sub];
                o[l * cols + at] = sum[l] / size;
            }
            sub += 1;
            at += 1;
        }
    }
    // The last rows, fewer than `N`, one at a time: a row is filtered as a
    // column of `cols` values.
    let rest = ins.remainder().chunks_exact(cols);
    for (i, o) in rest.zip(outs.into_remainder().chunks_exact_mut(cols)) {
        box_columns(i, o, cols, 1, window);
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
    // D · A · Dᵀ. Each sum runs over k in increasing order, as in the
    // reference; the loops are ordered so the innermost one runs along
    // contiguous rows and vectorises.
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for (ti, di) in t.iter_mut().zip(d.iter()) {
        for (dik, ak) in di.iter().zip(a.iter()) {
            for (tij, akj) in ti.iter_mut().zip(ak.iter()) {
                *tij += dik * akj;
            }
        }
    }
    let dt = dct_matrix_transposed();
    let mut b = [[0f32; 16]; 16];
    for (bi, ti) in b.iter_mut().zip(t.iter()) {
        for (tik, dtk) in ti.iter().zip(dt.iter()) {
            for (bij, dkj) in bi.iter_mut().zip(dtk.iter()) {
                *bij += tik * dkj;
            }
        }
    }
    b
}

fn dct_matrix_transposed() -> &'static [[f32; 16]; 64] {
    static M: OnceLock<[[f32; 16]; 64]> = OnceLock::new();
    M.get_or_init(|| {
        let d = dct_matrix();
        std::array::from_fn(|k| std::array::from_fn(|j| d[j][k]))
    })
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
pub fn bits_from_dct(b: &Dct16) -> Pdq {
    let mut values: Vec<f32> = b.iter().flatten().copied().collect();
    // The 128th smallest, as a full sort would put at index 127.
    let (_, median, _) = values.select_nth_unstable_by(127, f32::total_cmp);
    let median = *median;
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

    /// Each transform has one name: serde's, [`Dihedral::name`] and the
    /// query schema's `transform` enum, in the same order.
    #[test]
    fn dihedral_names_agree_with_serde_and_the_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/query.schema.json")).unwrap();
        let text = schema.to_string();
        let names: Vec<&str> = Dihedral::ALL.iter().map(|d| d.name()).collect();
        let listed = format!("{{\"enum\":{}}}", serde_json::to_string(&names).unwrap());
        assert!(text.contains(&listed), "schema enum differs from {names:?}");
        for d in Dihedral::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
        }
    }

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
        box_rows(&input, &mut out, 37, 5);
        assert!(out.iter().all(|v| (v - 3.0).abs() < 1e-6));
        box_columns(&input, &mut out, 37, 1, 5);
        assert!(out.iter().all(|v| (v - 3.0).abs() < 1e-6));
    }

    #[test]
    fn very_elongated_images_hash_without_panicking() {
        for (w, h) in [(5, 3000), (3000, 5), (6, 700)] {
            let img = DynamicImage::ImageLuma8(image::GrayImage::from_fn(w, h, |x, y| {
                image::Luma([((x * 7 + y * 13) % 256) as u8])
            }));
            let (variants, _) = pdq_dihedral(&grey_of(&img));
            assert_ne!(variants[0], Pdq::default(), "{w}x{h}");
        }
    }

    #[test]
    fn flat_image_has_zero_quality() {
        let img = DynamicImage::new_rgb8(64, 48);
        assert_eq!(pdq(&img).quality, 0);
    }
}
