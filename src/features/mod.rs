//! Local features of a picture, the input of the verification stage
//! ([`crate::verify`]): ORB-style keypoints (FAST-9 corners, as imageproc
//! finds and scores them but faster ([`fast`]), over a small image
//! pyramid, spread over a grid, oriented by their intensity centroid) with
//! 256-bit steered BRIEF descriptors, and their compact stored form.

mod fast;
mod pattern;
mod smooth;

use image::imageops;
use image::GrayImage;

use crate::decode::working::{bin, factor};
use crate::decode::Grey;
use crate::hash::grey_bytes;

/// Long side of the pyramid's first level (smaller pictures keep their size).
pub const SIDE: u32 = 640;
/// Pyramid levels and the scale step between them: together they cover a
/// scale change of 1.25^5 ≈ 3 between a copy and its original.
pub const LEVELS: usize = 6;
pub const SCALE_STEP: f32 = 1.25;
/// Most keypoints kept per picture.
pub const MAX_KEYPOINTS: usize = 400;
/// FAST thresholds (grey levels): low, so that flat regions still give
/// corners (each region's strongest are taken first), and lower again on a
/// level that gives fewer than half its quota: a dim, hazy or brightened
/// copy keeps its original's corners at a fraction of their contrast (a
/// copy brightened by 30% until 97% of it is white showed 52 keypoints at
/// 8 and verified with 13 inliers; with the lower thresholds, 21).
const FAST_THRESHOLDS: [u8; 3] = [8, 4, 2];
/// Grid cell (pixels of each level) keeping its strongest corner only.
const CELL: u32 = 12;
/// Keypoints stay this far from the edges so the rotated pattern fits.
const MARGIN: u32 = pattern::RADIUS as u32 + 2;
/// Radius of the intensity-centroid patch.
const CENTROID_RADIUS: i32 = 12;

/// One keypoint, in pixels of the first pyramid level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    /// Orientation, radians.
    pub angle: f32,
    pub level: u8,
}

/// The keypoints and descriptors of one picture.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Size of the first pyramid level the coordinates refer to.
    pub width: u32,
    pub height: u32,
    pub points: Vec<Keypoint>,
    pub descriptors: Vec<[u64; 4]>,
}

impl Features {
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The features the picture mirrored left to right would have: each
    /// keypoint mirrored, its orientation reflected, and its descriptor's
    /// halves swapped (the pattern's second half is its first mirrored; see
    /// `pattern`). Mirroring a picture turns its orientations θ into π − θ,
    /// and comparing at π − θ in the mirror is comparing at θ with the
    /// pattern flipped top to bottom in the original.
    pub fn mirrored(&self) -> Features {
        Features {
            width: self.width,
            height: self.height,
            points: self
                .points
                .iter()
                .map(|p| Keypoint {
                    x: self.width as f32 - 1.0 - p.x,
                    angle: std::f32::consts::PI - p.angle,
                    ..*p
                })
                .collect(),
            descriptors: self
                .descriptors
                .iter()
                .map(|d| [d[2], d[3], d[0], d[1]])
                .collect(),
        }
    }

    /// Features of a working picture.
    pub fn of(grey: &Grey) -> Features {
        Features::of_level0(&first_level(grey))
    }

    /// Features of a picture already at the first level's size.
    pub fn of_level0(level0: &GrayImage) -> Features {
        let (width, height) = level0.dimensions();
        let mut f = Features {
            width,
            height,
            ..Features::default()
        };
        let mut found: Vec<(f32, Keypoint, [u64; 4])> = Vec::new();
        let mut level = level0.clone();
        let mut scale = 1.0f32;
        let mut share = 1.0f32;
        let total: f32 = (0..LEVELS).map(|l| SCALE_STEP.powi(-2 * l as i32)).sum();
        for l in 0..LEVELS {
            if level.width() <= 2 * MARGIN + CELL || level.height() <= 2 * MARGIN + CELL {
                break;
            }
            let quota = ((MAX_KEYPOINTS as f32) * share / total).ceil() as usize;
            let smooth = smooth::box_mean(&level, 2);
            let mut corners = Vec::new();
            for threshold in FAST_THRESHOLDS {
                corners = strongest_corners(&level, quota, threshold);
                if corners.len() * 2 >= quota {
                    break;
                }
            }
            for (score, x, y) in corners {
                let angle = centroid_angle(&level, x, y);
                let d = pattern::describe(&smooth, x, y, angle);
                let kp = Keypoint {
                    x: (x as f32 + 0.5) * scale - 0.5,
                    y: (y as f32 + 0.5) * scale - 0.5,
                    angle,
                    level: l as u8,
                };
                found.push((score, kp, d));
            }
            scale *= SCALE_STEP;
            share /= SCALE_STEP * SCALE_STEP;
            let (w, h) = level0.dimensions();
            let (nw, nh) = (
                ((w as f32 / scale).round() as u32).max(1),
                ((h as f32 / scale).round() as u32).max(1),
            );
            level = shrink(level0, nw, nh);
        }
        found.truncate(MAX_KEYPOINTS);
        for (_, kp, d) in found {
            f.points.push(kp);
            f.descriptors.push(d);
        }
        f
    }

    /// Bytes of the stored form: a version, the size, then per keypoint
    /// x, y (1/4 pixel, u16), angle (1/256 turn), level and the descriptor.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + self.len() * RECORD);
        out.push(FORMAT);
        out.extend_from_slice(&(self.width as u16).to_le_bytes());
        out.extend_from_slice(&(self.height as u16).to_le_bytes());
        for (p, d) in self.points.iter().zip(&self.descriptors) {
            out.extend_from_slice(&quarter(p.x).to_le_bytes());
            out.extend_from_slice(&quarter(p.y).to_le_bytes());
            let turn = p.angle.rem_euclid(std::f32::consts::TAU) / std::f32::consts::TAU;
            out.push(((turn * 256.0).round() as u32 % 256) as u8);
            out.push(p.level);
            for w in d {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Reads the stored form; `None` for bytes of another format.
    pub fn from_bytes(b: &[u8]) -> Option<Features> {
        if b.len() < 5 || b[0] != FORMAT || !(b.len() - 5).is_multiple_of(RECORD) {
            return None;
        }
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let mut f = Features {
            width: u32::from(u16_at(1)),
            height: u32::from(u16_at(3)),
            ..Features::default()
        };
        for r in b[5..].chunks_exact(RECORD) {
            let at = |i: usize| u16::from_le_bytes([r[i], r[i + 1]]);
            f.points.push(Keypoint {
                x: f32::from(at(0)) / 4.0,
                y: f32::from(at(2)) / 4.0,
                angle: f32::from(r[4]) / 256.0 * std::f32::consts::TAU,
                level: r[5],
            });
            let mut d = [0u64; 4];
            for (k, w) in d.iter_mut().enumerate() {
                let s = 6 + 8 * k;
                *w = u64::from_le_bytes(r[s..s + 8].try_into().ok()?);
            }
            f.descriptors.push(d);
        }
        Some(f)
    }
}

/// Version of the stored form.
const FORMAT: u8 = 1;
/// Stored bytes per keypoint.
const RECORD: usize = 2 + 2 + 1 + 1 + 32;

fn quarter(v: f32) -> u16 {
    (v * 4.0).round().clamp(0.0, f32::from(u16::MAX)) as u16
}

/// The working picture binned and resized to the first level, 8-bit.
pub fn first_level(grey: &Grey) -> GrayImage {
    let (w, h) = grey.dimensions();
    let binned = grey_bytes(&bin(grey.as_raw(), w, h, factor(w, h, SIDE)));
    let (bw, bh) = binned.dimensions();
    if bw.max(bh) <= SIDE {
        return binned;
    }
    let k = SIDE as f32 / bw.max(bh) as f32;
    let (nw, nh) = (
        ((bw as f32 * k).round() as u32).max(1),
        ((bh as f32 * k).round() as u32).max(1),
    );
    shrink(&binned, nw, nh)
}

/// The picture scaled down to `w`×`h` (bilinear, widened to the scale so
/// every source pixel counts), through `fast_image_resize`: five times as
/// fast here as `image`'s resize.
fn shrink(src: &GrayImage, w: u32, h: u32) -> GrayImage {
    use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
    let mut dst = GrayImage::new(w, h);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    if Resizer::new().resize(src, &mut dst, &opts).is_err() {
        // Only a pixel-type mismatch fails, and both sides are 8-bit grey.
        return imageops::resize(src, w, h, imageops::FilterType::Triangle);
    }
    dst
}

/// Regions along each side of a level that share its keypoints out.
const REGIONS: u32 = 4;

/// The strongest FAST corners of a level, at most one per grid cell, shared
/// out over [`REGIONS`]² regions: each region's best, then each one's
/// second best, and so on (strongest first within a round), so that marks
/// laid over one band (text, a logo) cannot take every keypoint: (score,
/// x, y).
fn strongest_corners(level: &GrayImage, quota: usize, threshold: u8) -> Vec<(f32, u32, u32)> {
    let (w, h) = level.dimensions();
    let cols = w.div_ceil(CELL) as usize;
    let rows = h.div_ceil(CELL) as usize;
    let mut best = vec![None::<(f32, u32, u32)>; cols * rows];
    for (score, x, y) in fast::corners(level, threshold, MARGIN) {
        let score = f32::from(score);
        let cell = &mut best[(y / CELL) as usize * cols + (x / CELL) as usize];
        if cell.is_none_or(|(s, _, _)| score > s) {
            *cell = Some((score, x, y));
        }
    }
    let strongest = |a: &(f32, u32, u32), b: &(f32, u32, u32)| {
        b.0.total_cmp(&a.0).then((a.2, a.1).cmp(&(b.2, b.1)))
    };
    let mut regions = vec![Vec::new(); (REGIONS * REGIONS) as usize];
    for c in best.into_iter().flatten() {
        let r = (c.2 * REGIONS / h) * REGIONS + c.1 * REGIONS / w;
        regions[r as usize].push(c);
    }
    for r in &mut regions {
        r.sort_by(strongest);
    }
    let mut kept = Vec::with_capacity(quota);
    for round in 0.. {
        let mut this: Vec<(f32, u32, u32)> = regions
            .iter()
            .filter_map(|r| r.get(round).copied())
            .collect();
        if this.is_empty() || kept.len() >= quota {
            break;
        }
        this.sort_by(strongest);
        kept.extend(this.into_iter().take(quota - kept.len()));
    }
    kept
}

/// Orientation of the patch around (x, y): the direction from the centre to
/// its intensity centroid.
fn centroid_angle(level: &GrayImage, x: u32, y: u32) -> f32 {
    let (w, raw) = (level.width() as usize, level.as_raw());
    let (x, y) = (x as usize, y as usize);
    let (mut mx, mut my) = (0i64, 0i64);
    let r2 = CENTROID_RADIUS * CENTROID_RADIUS;
    for dy in -CENTROID_RADIUS..=CENTROID_RADIUS {
        // The disc's row: |dx| ≤ half, the largest with dx² + dy² ≤ r².
        let half = (0..=CENTROID_RADIUS)
            .rev()
            .find(|h| h * h + dy * dy <= r2)
            .unwrap_or(0);
        let at = (y as isize + dy as isize) as usize * w + x;
        let row = &raw[at - half as usize..=at + half as usize];
        let (mut sum, mut moment) = (0i32, 0i32);
        for (dx, &v) in (-half..=half).zip(row) {
            sum += i32::from(v);
            moment += dx * i32::from(v);
        }
        mx += i64::from(moment);
        my += i64::from(dy) * i64::from(sum);
    }
    (my as f32).atan2(mx as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> Grey {
        photo_named("elephants.jpg")
    }

    fn photo_named(name: &str) -> Grey {
        let path = format!("{}/reference_images/{name}", env!("CARGO_MANIFEST_DIR"));
        let img = image::open(path).expect("bundled photo");
        crate::decode::working::grey_of(&img)
    }

    #[test]
    fn a_photo_gives_keypoints_over_levels_and_they_survive_storage() {
        let f = Features::of(&photo());
        assert!(f.len() > MAX_KEYPOINTS / 2, "{} keypoints", f.len());
        assert!(f.points.iter().any(|p| p.level > 0));
        assert_eq!(f.width.max(f.height), SIDE);
        let back = Features::from_bytes(&f.to_bytes()).expect("round trip");
        assert_eq!(back.descriptors, f.descriptors);
        for (a, b) in back.points.iter().zip(&f.points) {
            assert!((a.x - b.x).abs() <= 0.125 && (a.y - b.y).abs() <= 0.125);
            let turn = (a.angle - b.angle).rem_euclid(std::f32::consts::TAU);
            assert!(turn.min(std::f32::consts::TAU - turn) < 0.02);
        }
        assert!(Features::from_bytes(&[9, 0, 0, 0, 0]).is_none());
    }

    #[test]
    fn mirrored_features_match_those_of_the_mirrored_picture() {
        let level0 = first_level(&photo());
        let flipped = Features::of_level0(&imageops::flip_horizontal(&level0));
        let derived = Features::of_level0(&level0).mirrored();
        // Keypoints found on both sides at the same place should carry
        // nearly the same descriptor (rounding of the turned pattern aside).
        let mut close = 0;
        let mut shared = 0;
        for (p, d) in derived.points.iter().zip(&derived.descriptors) {
            let twin = flipped.points.iter().position(|q| {
                q.level == p.level && (q.x - p.x).abs() < 0.6 && (q.y - p.y).abs() < 0.6
            });
            if let Some(k) = twin {
                shared += 1;
                let e = flipped.descriptors[k];
                let dist: u32 = (0..4).map(|i| (d[i] ^ e[i]).count_ones()).sum();
                close += usize::from(dist <= 24);
            }
        }
        assert!(shared > 100, "{shared} keypoints in both");
        assert!(close * 10 >= shared * 9, "{close} of {shared} close");
    }

    #[test]
    fn marks_over_one_band_leave_keypoints_to_the_rest_of_the_picture() {
        // Rows of white blocks across the middle fifth, as a caption laid
        // over a photo: their corners are the strongest of the picture.
        let mut level0 = first_level(&photo_named("dune.jpg"));
        let (w, h) = level0.dimensions();
        let band = (h * 2 / 5, h * 3 / 5);
        for y in band.0..band.1 {
            for x in w / 10..w * 9 / 10 {
                if (x / 9) % 2 == 0 && (y / 9) % 2 == 0 {
                    level0.put_pixel(x, y, image::Luma([255]));
                }
            }
        }
        let f = Features::of_level0(&level0);
        let outside = |p: &&Keypoint| {
            let y = p.y as u32;
            y < band.0 || y >= band.1
        };
        let kept = f.points.iter().filter(outside).count();
        // Taken by strength alone, every keypoint sat on the marks; shared
        // out by region, the photo above and below the band (three fifths
        // of it) keeps at least a third.
        assert!(
            kept * 3 >= f.len(),
            "{kept} of {} outside the marks",
            f.len()
        );
        assert!(f.len() > MAX_KEYPOINTS / 2);
    }

    #[test]
    fn a_copy_squeezed_into_eight_grey_levels_keeps_enough_corners_to_verify() {
        // What brightening does to a light picture: everything but a faint
        // trace goes white. No corner passes the first threshold there.
        let original = photo();
        let mut faint = original.clone();
        for p in faint.pixels_mut() {
            p[0] = 247.0 + p[0] * 8.0 / 255.0;
        }
        let f = Features::of(&faint);
        let probe = crate::verify::Probe::new(&f);
        let verdict = probe.judge(&Features::of(&original));
        assert!(verdict.is_copy(), "{} keypoints: {verdict:?}", f.len());
    }

    #[test]
    fn a_flat_picture_gives_no_keypoints() {
        let flat = Grey::from_pixel(800, 600, image::Luma([128.0]));
        assert!(Features::of(&flat).is_empty());
    }
}
