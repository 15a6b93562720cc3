//! Perceptual hashes of a decoded image: PDQ (256 bits, quality score, the
//! eight rotation/flip variants) and a 64-bit DCT hash (pHash-style, through
//! `image_hasher`), plus the low-information mark that keeps blank and
//! two-tone images from matching on hash distance alone. Besides the whole
//! picture, PDQ is taken of twelve standard sub-frames (centred crops, one edge
//! cut, a corner cut), so a copy that was cropped or had a banner laid over
//! one edge still meets its original on the part they share. References
//! also get [`windows`]: deep crops that only nominate candidates for
//! local-feature verification, never a match by themselves.

pub mod content;
pub mod pdq;

use image::GrayImage;
use image_hasher::{HashAlg, HasherConfig};

pub use pdq::{Dihedral, Pdq};

use crate::decode::working::{bin, factor};
use crate::decode::Grey;

/// Version of the hash settings. Stored with every hash; a cached hash made
/// with other settings is recomputed. Bump it whenever any output changes
/// (12: JPEGs decoded by libjpeg-turbo at an M/8 DCT scale).
pub const SETTINGS_VERSION: i64 = 12;

/// The standard sub-frames, as (left, top, right, bottom) margins cut off.
/// Centred crops, one edge cut (banners, captions), corners cut (the
/// off-centre crops of social feeds), and a quarter off the top or bottom
/// (the deep caption banners of news graphics).
pub const CROPS: [(&str, [f32; 4]); 12] = [
    ("centre-5", [0.05, 0.05, 0.05, 0.05]),
    ("centre-10", [0.1, 0.1, 0.1, 0.1]),
    ("top-12", [0.0, 0.12, 0.0, 0.0]),
    ("bottom-12", [0.0, 0.0, 0.0, 0.12]),
    ("left-12", [0.12, 0.0, 0.0, 0.0]),
    ("right-12", [0.0, 0.0, 0.12, 0.0]),
    ("top-left-10", [0.1, 0.1, 0.0, 0.0]),
    ("top-right-10", [0.0, 0.1, 0.1, 0.0]),
    ("bottom-left-10", [0.1, 0.0, 0.0, 0.1]),
    ("bottom-right-10", [0.0, 0.0, 0.1, 0.1]),
    ("top-25", [0.0, 0.25, 0.0, 0.0]),
    ("bottom-25", [0.0, 0.0, 0.0, 0.25]),
];

/// The [`windows`](window): (side as a share of the reference's width and
/// height, placements per axis). Crops keeping 40% of the area on a 5×5 grid
/// and 60% on a 3×3 grid, so a crop that deep is never more than about 7%
/// of its own side from a window.
pub const WINDOW_GRIDS: [(f32, usize); 2] = [(0.632, 5), (0.775, 3)];

/// Number of [`window`]s a reference has.
pub const WINDOWS: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < WINDOW_GRIDS.len() {
        n += WINDOW_GRIDS[i].1 * WINDOW_GRIDS[i].1;
        i += 1;
    }
    n
};

/// Margins (left, top, right, bottom) of window `i`: for each of
/// [`WINDOW_GRIDS`], its placements row by row, corners included. A copy
/// cropped this deep is far from its original's whole picture but close to
/// the window it mostly overlaps, which is enough to make the original a
/// candidate for verification.
pub fn window(mut i: usize) -> Option<[f32; 4]> {
    for (side, n) in WINDOW_GRIDS {
        if i < n * n {
            let step = (1.0 - side) / (n - 1) as f32;
            let (x, y) = (step * (i % n) as f32, step * (i / n) as f32);
            return Some([x, y, 1.0 - side - x, 1.0 - side - y]);
        }
        i -= n * n;
    }
    None
}

/// A part of a picture: the whole, one of the [`CROPS`] sub-frames, one of
/// the reference-side [`window`]s, or the content area found inside borders
/// and bars (margins in thousandths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    Whole,
    Crop(usize),
    Window(usize),
    Content([u16; 4]),
}

impl Frame {
    pub fn name(self) -> &'static str {
        match self {
            Frame::Whole => "whole",
            Frame::Crop(i) => CROPS.get(i).map(|c| c.0).unwrap_or("unknown"),
            Frame::Window(_) => "window",
            Frame::Content(_) => "content",
        }
    }

    /// Margins cut off (left, top, right, bottom) as fractions.
    pub fn margins(self) -> [f32; 4] {
        match self {
            Frame::Whole => [0.0; 4],
            Frame::Crop(i) => CROPS.get(i).map(|c| c.1).unwrap_or([0.0; 4]),
            Frame::Window(i) => window(i).unwrap_or([0.0; 4]),
            Frame::Content(m) => m.map(|v| f32::from(v) / 1000.0),
        }
    }

    /// Share of the picture's area the frame keeps.
    pub fn area(self) -> f32 {
        let [l, t, r, b] = self.margins();
        (1.0 - l - r) * (1.0 - t - b)
    }

    /// What the frame cuts, in words: "its bottom edge", "its left and top
    /// edges", "a margin all round".
    pub fn edges(self) -> String {
        let m = self.margins();
        let names: Vec<&str> = ["left", "top", "right", "bottom"]
            .iter()
            .zip(m)
            .filter(|(_, v)| *v > 0.0)
            .map(|(n, _)| *n)
            .collect();
        match names.len() {
            0 => "nothing".into(),
            1 => format!("its {} edge", names[0]),
            4 => "a margin all round".into(),
            _ => format!("its {} edges", names.join(" and ")),
        }
    }
}

impl serde::Serialize for Frame {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// PDQ quality below which an image is low-information (the PDQ authors'
/// recommended cut-off for trusting a match).
pub const MIN_PDQ_QUALITY: u8 = 50;

/// The hashes of one image.
#[derive(Debug, Clone)]
pub struct Hashes {
    /// PDQ of the image as displayed (EXIF orientation applied).
    pub pdq: Pdq,
    /// PDQ of the eight dihedral variants, in [`Dihedral::ALL`] order
    /// (`pdq_variants[0] == pdq`).
    pub pdq_variants: [Pdq; 8],
    pub pdq_quality: u8,
    /// 64-bit DCT hash, most significant bit first; `None` for a picture
    /// known only from a hash list that gives none (a vPDQ frame).
    pub phash: Option<u64>,
    /// PDQ of the [`CROPS`] sub-frames, each in its eight dihedral variants.
    pub crops: Vec<[Pdq; 8]>,
    /// PDQ of the [`window`]s, as they are (a query's rotations/flips are
    /// compared with them). Reference side only (empty otherwise): they
    /// nominate candidates for verification.
    pub windows: Vec<Pdq>,
    /// The content area inside flat borders and bars, when there is one
    /// (see [`content::content_area`]), with its eight variants. Searched
    /// with on the query side only.
    pub content: Option<(Frame, [Pdq; 8])>,
    /// Too little structure for a hash match to mean anything: PDQ quality
    /// under 50, (nearly) all-zero/all-one hashes, or two grey levels only.
    pub low_information: bool,
}

/// Long side of the plane pHash and the two-tone share are taken from
/// (binned from the working picture; pHash shrinks it to 16×16 anyway).
pub const SMALL_SIDE: u32 = 128;

/// The hashes beyond the whole picture's that a command needs: `hash`
/// prints the whole picture's only; a reference stores its sub-frames and
/// windows; a query searches with the sub-frames and the content area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    /// PDQ of the [`CROPS`] sub-frames.
    pub crops: bool,
    /// PDQ of the [`window`]s.
    pub windows: bool,
    /// The content area inside borders ([`content::content_area`]).
    pub content: bool,
}

/// Hashes a working picture (see [`crate::decode::working`]): PDQ of the
/// whole and, as `parts` asks, of its sub-frames and windows from the one
/// filtered plane and of its content area; pHash and the two-tone share
/// from a plane binned to [`SMALL_SIDE`]. Parts not asked for are left
/// empty.
pub fn hash_image(grey: &Grey, parts: Parts) -> Hashes {
    let blurred = pdq::Blurred::new(grey);
    let (w, h) = grey.dimensions();
    let (dct, quality) = blurred.dct(0, 0, w, h);
    let variants = pdq::dihedral_from_dct(&dct);
    let small = bin(grey.as_raw(), w, h, factor(w, h, SMALL_SIDE));
    let bytes = grey_bytes(&small);
    let phash = phash64(&bytes);
    Hashes {
        pdq: variants[0],
        pdq_variants: variants,
        pdq_quality: quality,
        phash: Some(phash),
        crops: match parts.crops {
            true => crop_hashes(&blurred, w, h),
            false => Vec::new(),
        },
        windows: match parts.windows {
            true => window_hashes(&blurred, w, h),
            false => Vec::new(),
        },
        content: parts.content.then(|| content_hashes(grey)).flatten(),
        low_information: is_low_information(&variants[0], quality, Some(phash))
            || two_tone_share(&bytes) >= TWO_TONE_SHARE,
    }
}

/// The content area of a plane, when there is one, with the PDQ of its
/// eight variants (its own filter pass: the area's box windows differ from
/// the whole's).
fn content_hashes(grey: &Grey) -> Option<(Frame, [Pdq; 8])> {
    content::content_area(grey).map(|((x, y, cw, ch), frame)| {
        let part = image::imageops::crop_imm(grey, x, y, cw, ch).to_image();
        (frame, pdq::pdq_dihedral(&part).0)
    })
}

/// PDQ of each standard sub-frame of a `w`×`h` plane, sampled from the
/// plane as filtered for the whole (the sub-frames are large enough that the
/// filter windows a crop of that size would get are nearly the whole's).
pub fn crop_hashes(blurred: &pdq::Blurred, w: u32, h: u32) -> Vec<[Pdq; 8]> {
    CROPS
        .iter()
        .map(|(_, m)| pdq::dihedral_from_dct(&region_dct(blurred, w, h, *m)))
        .collect()
}

/// PDQ of each [`window`] of a `w`×`h` plane, sampled like [`crop_hashes`].
pub fn window_hashes(blurred: &pdq::Blurred, w: u32, h: u32) -> Vec<Pdq> {
    (0..WINDOWS)
        .filter_map(window)
        .map(|m| pdq::bits_from_dct(&region_dct(blurred, w, h, m)))
        .collect()
}

/// The DCT of the region left after cutting `[l, t, r, b]` margins.
fn region_dct(blurred: &pdq::Blurred, w: u32, h: u32, [l, t, r, b]: [f32; 4]) -> pdq::Dct16 {
    let (w, h) = (w as f32, h as f32);
    let (x, y) = ((l * w) as u32, (t * h) as u32);
    let cw = (((1.0 - l - r) * w) as u32).max(1);
    let ch = (((1.0 - t - b) * h) as u32).max(1);
    blurred.region_dct(x, y, cw, ch)
}

/// The plane rounded to 8-bit grey.
pub fn grey_bytes(grey: &Grey) -> GrayImage {
    let px = grey
        .as_raw()
        .iter()
        .map(|v| v.round().clamp(0.0, 255.0) as u8)
        .collect();
    GrayImage::from_raw(grey.width(), grey.height(), px).unwrap_or_default()
}

/// 64-bit pHash: resized to 16×16, DCT, the 8×8 lowest frequencies against
/// their median (`image_hasher`: Median + DCT preprocessing).
pub fn phash64(grey: &GrayImage) -> u64 {
    let hasher = HasherConfig::new()
        .hash_alg(HashAlg::Median)
        .preproc_dct()
        .hash_size(8, 8)
        .to_hasher();
    let hash = hasher.hash_image(grey);
    hash.as_bytes()
        .iter()
        .take(8)
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

/// Share of pixels in the two most common of 32 grey levels at or above
/// which a picture counts as blank or two-tone (flags, graphics, text cards).
pub const TWO_TONE_SHARE: f32 = 0.9;

/// Share of a 64-pixel thumbnail's pixels that fall in its two most common
/// of 32 grey levels.
pub fn two_tone_share(grey: &GrayImage) -> f32 {
    let thumb = image::imageops::thumbnail(grey, 64, 64);
    let mut bins = [0u32; 32];
    for p in thumb.pixels() {
        bins[usize::from(p[0] / 8)] += 1;
    }
    bins.sort_unstable_by(|a, b| b.cmp(a));
    let total = thumb.pixels().len().max(1) as f32;
    (bins[0] + bins[1]) as f32 / total
}

/// Why a picture is low-information (see [`Hashes::low_information`]):
/// such pictures collide on hash distance, so they are matched on identical
/// bytes only and cannot be assessed otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowInformation {
    /// PDQ quality (0–100) under [`MIN_PDQ_QUALITY`]: too little contrast
    /// or detail (near-black, blank, faint).
    LowQuality { quality: u8 },
    /// The PDQ or pHash bits are (nearly) all zeros or all ones: too
    /// little structure for the hash to describe.
    DegenerateHash,
    /// [`TWO_TONE_SHARE`] or more of the thumbnail in two grey levels:
    /// blank, two-tone or flag-like.
    TwoTone,
}

impl LowInformation {
    /// Machine-readable name: `low-quality`, `degenerate-hash`, `two-tone`.
    pub fn kind(self) -> &'static str {
        match self {
            LowInformation::LowQuality { .. } => "low-quality",
            LowInformation::DegenerateHash => "degenerate-hash",
            LowInformation::TwoTone => "two-tone",
        }
    }

    /// Why the picture cannot be assessed, in a sentence starting "not
    /// assessed:".
    pub fn detail(self) -> String {
        format!("not assessed: {}", self.why())
    }

    /// What makes the picture low-information and what that means.
    pub fn why(self) -> String {
        let what = match self {
            LowInformation::LowQuality { quality } => format!(
                "PDQ quality {quality} of 100 (under {MIN_PDQ_QUALITY}): too little contrast or detail, as in a near-black, blank or faint picture"
            ),
            LowInformation::DegenerateHash => {
                "its hash bits are (nearly) all zeros or all ones: too little structure, as in a blank, flat or two-tone picture".into()
            }
            LowInformation::TwoTone => format!(
                "{:.0}% or more of it is in two grey levels: a blank, two-tone or flag-like picture",
                TWO_TONE_SHARE * 100.0
            ),
        };
        format!("{what}; such pictures collide, so only a byte-identical copy is matched and no match says nothing about whether it was seen before")
    }
}

impl Hashes {
    /// Why the picture is low-information, or `None` when it is not.
    pub fn low_information_reason(&self) -> Option<LowInformation> {
        if !self.low_information {
            None
        } else if self.pdq_quality < MIN_PDQ_QUALITY {
            Some(LowInformation::LowQuality {
                quality: self.pdq_quality,
            })
        } else if is_low_information(&self.pdq, self.pdq_quality, self.phash) {
            Some(LowInformation::DegenerateHash)
        } else {
            Some(LowInformation::TwoTone)
        }
    }
}

/// Blank, flat or two-tone pictures: low PDQ quality, or hashes that are
/// (nearly) all zeros or all ones (the pHash where there is one).
pub fn is_low_information(pdq: &Pdq, quality: u8, phash: Option<u64>) -> bool {
    let pdq_ones = pdq.count_ones();
    let phash_degenerate = phash.is_some_and(|p| !(6..=58).contains(&p.count_ones()));
    quality < MIN_PDQ_QUALITY || !(32..=224).contains(&pdq_ones) || phash_degenerate
}

pub fn phash_hex(h: u64) -> String {
    format!("{h:016x}")
}

/// Parses [`phash_hex`]'s form: exactly 16 hex digits, either case.
pub fn phash_from_hex(s: &str) -> Option<u64> {
    if s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        u64::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_tile_each_grid_corner_to_corner_at_their_area() {
        let all: Vec<[f32; 4]> = (0..WINDOWS).filter_map(window).collect();
        assert_eq!(all.len(), WINDOWS);
        assert_eq!(window(WINDOWS), None);
        for m in &all {
            assert!(m.iter().all(|v| (-1e-6..1.0).contains(v)), "{m:?}");
        }
        let mut first = 0;
        for (side, n) in WINDOW_GRIDS {
            let grid = &all[first..first + n * n];
            for (k, m) in grid.iter().enumerate() {
                let area = Frame::Window(first + k).area();
                assert!((area - side * side).abs() < 1e-4, "{m:?}");
            }
            // The first window sits in the top left corner, the last in the
            // bottom right one.
            assert!(grid[0][0].abs() < 1e-6 && grid[0][1].abs() < 1e-6);
            let last = grid[n * n - 1];
            assert!(last[2].abs() < 1e-5 && last[3].abs() < 1e-5, "{last:?}");
            first += n * n;
        }
    }
}
