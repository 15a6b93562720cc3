//! FAST-9 corners (Rosten and Drummond, "Machine learning for high-speed
//! corner detection", ECCV 2006) with exactly the corners and scores of
//! imageproc's `corners_fast9`, in a fraction of its time. imageproc tests
//! every pixel one by one and scores each corner by a binary search over
//! thresholds (up to nine more corner tests); here one vectorised pass per
//! row marks the corners, and each corner's score is computed directly.
//! The equality with imageproc is a test (`tests` below, on real photos).

use image::GrayImage;
use multiversion::multiversion;

/// The Bresenham circle of radius 3 around a pixel, (dx, dy) clockwise from
/// the top, as imageproc lists it: consecutive entries are neighbours on
/// the circle, which is what makes 9 consecutive bits an arc.
const CIRCLE: [(i32, i32); 16] = [
    (0, -3),
    (1, -3),
    (2, -2),
    (3, -1),
    (3, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 3),
    (-1, 3),
    (-2, 2),
    (-3, 1),
    (-3, 0),
    (-3, -1),
    (-2, -2),
    (-1, -3),
];

/// Contiguous circle pixels that make a corner.
const ARC: usize = 9;

/// The FAST-9 corners of `level` at `threshold` (grey levels) at least
/// `margin` pixels (≥ 3) inside every edge, as (score, x, y) in row-major
/// order. A pixel of value `c` is a corner when 9 contiguous pixels of its
/// circle are all brighter than `c + threshold` or all darker than
/// `c - threshold`; its score is the largest threshold at which it still
/// is one (imageproc's `fast_corner_score`), at least `threshold`.
pub fn corners(level: &GrayImage, threshold: u8, margin: u32) -> Vec<(u8, u32, u32)> {
    let margin = margin.max(3) as usize;
    let (w, h) = (level.width() as usize, level.height() as usize);
    let mut out = Vec::new();
    if w <= 2 * margin || h <= 2 * margin {
        return out;
    }
    let raw = level.as_raw();
    let n = w - 2 * margin;
    let mut flags = vec![0u8; n];
    for y in margin..h - margin {
        let start = y * w + margin;
        let at = |(dx, dy): (i32, i32)| {
            let s = (start as isize + dy as isize * w as isize + dx as isize) as usize;
            &raw[s..s + n]
        };
        let circle: [&[u8]; 16] = std::array::from_fn(|k| at(CIRCLE[k]));
        mark_row(&circle, &raw[start..start + n], threshold, &mut flags);
        let mut j = 0;
        while j < n {
            // Most pixels are no corner: skip them eight at a time.
            if flags.get(j..j + 8).is_some_and(|f| f == [0; 8]) {
                j += 8;
                continue;
            }
            if flags[j] != 0 {
                let ring: [u8; 16] = std::array::from_fn(|k| circle[k][j]);
                let score = score(raw[start + j], &ring);
                out.push((score, (margin + j) as u32, y as u32));
            }
            j += 1;
        }
    }
    out
}

/// Sets `flags[j]` to 1 where pixel `centre[j]` is a corner at `t`, 0
/// elsewhere; `circle[k][j]` is its `k`-th circle pixel. Written so the
/// compiler vectorises it over `j` (masks of the 16 circle pixels, then
/// a run of 9 set bits found by shifts).
#[multiversion(targets("x86_64+avx2", "x86_64+sse4.1", "aarch64+neon"))]
fn mark_row(circle: &[&[u8]; 16], centre: &[u8], t: u8, flags: &mut [u8]) {
    let n = flags.len();
    let centre = &centre[..n];
    let circle: [&[u8]; 16] = std::array::from_fn(|k| &circle[k][..n]);
    for j in 0..n {
        let c = centre[j];
        // Saturated: a bound past 0 or 255 is one no pixel passes.
        let (hi, lo) = (c.saturating_add(t), c.saturating_sub(t));
        let (mut bright, mut dark) = (0u16, 0u16);
        for (k, row) in circle.iter().enumerate() {
            let p = row[j];
            bright |= u16::from(p > hi) << k;
            dark |= u16::from(p < lo) << k;
        }
        flags[j] = u8::from(has_arc(bright) | has_arc(dark));
    }
}

/// Whether the circle mask `m` (bit `k` for the `k`-th circle pixel) holds
/// 9 contiguous set bits, the run possibly wrapping from bit 15 to bit 0.
#[inline(always)]
fn has_arc(m: u16) -> bool {
    let two = m & m.rotate_right(1);
    let four = two & two.rotate_right(2);
    let eight = four & four.rotate_right(4);
    eight & m.rotate_right(8) != 0
}

/// The largest threshold at which a pixel of value `c` with this circle is
/// a corner: over every arc of 9, the smallest difference in the arc's
/// direction, less one (the test is strict), the best arc kept.
fn score(c: u8, ring: &[u8; 16]) -> u8 {
    // The ring's differences from the centre, the first 8 repeated after
    // the 16 so every arc is a slice; then the extremes of each arc of 9
    // by doubling (runs of 2, 4, 8, then 8 + 1).
    let d: [i16; 24] = std::array::from_fn(|k| i16::from(ring[k % 16]) - i16::from(c));
    let two: [(i16, i16); 23] = std::array::from_fn(|k| (d[k].min(d[k + 1]), d[k].max(d[k + 1])));
    let four: [(i16, i16); 21] =
        std::array::from_fn(|k| (two[k].0.min(two[k + 2].0), two[k].1.max(two[k + 2].1)));
    let (mut brighter, mut darker) = (i16::MIN, i16::MIN);
    for s in 0..16 {
        let low = four[s].0.min(four[s + 4].0).min(d[s + ARC - 1]);
        let high = four[s].1.max(four[s + 4].1).max(d[s + ARC - 1]);
        brighter = brighter.max(low);
        darker = darker.max(-high);
    }
    (brighter.max(darker) - 1).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use imageproc::corners::corners_fast9;

    /// imageproc's corners of `level` at `t`, `margin` pixels inside.
    fn imageproc_corners(level: &GrayImage, t: u8, margin: u32) -> Vec<(u8, u32, u32)> {
        let (w, h) = level.dimensions();
        corners_fast9(level, t)
            .into_iter()
            .filter(|c| c.x >= margin && c.y >= margin && c.x + margin < w && c.y + margin < h)
            .map(|c| (c.score as u8, c.x, c.y))
            .collect()
    }

    fn level_of(name: &str) -> GrayImage {
        let path = format!("{}/reference_images/{name}", env!("CARGO_MANIFEST_DIR"));
        let img = image::open(path).expect("bundled photo");
        super::super::first_level(&crate::decode::working::grey_of(&img))
    }

    #[test]
    fn corners_and_scores_are_imageprocs_on_real_photos() {
        for name in ["elephants.jpg", "dune.jpg"] {
            let level = level_of(name);
            for t in [2, 4, 8, 20] {
                for margin in [3, 16] {
                    let ours = corners(&level, t, margin);
                    assert!(ours.len() > 100, "{name} at {t}: {} corners", ours.len());
                    assert_eq!(ours, imageproc_corners(&level, t, margin), "{name} at {t}");
                }
            }
        }
    }

    #[test]
    fn corners_and_scores_are_imageprocs_at_the_ends_of_the_grey_scale() {
        // Noise squeezed against black and white, where c ± t leaves 0..255.
        let mut s = 0x2545_f491_u32;
        let noise = GrayImage::from_fn(97, 61, |x, _| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let v = (s % 24) as u8;
            image::Luma([if x < 48 { v } else { 255 - v }])
        });
        assert!(corners(&noise, 3, 3).len() > 100);
        for t in [0, 1, 3, 9, 250] {
            assert_eq!(
                corners(&noise, t, 3),
                imageproc_corners(&noise, t, 3),
                "t = {t}"
            );
        }
        assert!(corners(&GrayImage::new(6, 40), 1, 3).is_empty());
    }
}
