//! Where the picture is within what was received: finds the rectangle left
//! once flat borders, bars and interface lines (a screenshot of a post, a
//! letterboxed frame) are trimmed from the outside in. A query's content
//! area is hashed as one more frame, so a screenshot still meets the photo
//! it shows.

use super::Frame;
use crate::decode::working::{bin, factor};
use crate::decode::Grey;

/// Long side of the plane the borders are looked for on.
const SIDE: u32 = 256;
/// A line is border when this share of it sits within [`FLAT`] grey levels
/// of its commonest level (flat fill, or flat fill with a line of text).
const BORDER_SHARE: f32 = 0.7;
const FLAT: f32 = 3.0;
/// Share of the lines a flat band inside the picture may take.
const MAX_GAP: f32 = 0.02;
/// The content area is used when it drops at least this share of the area,
/// and kept only when it holds at least [`MIN_KEPT`] of it.
const MIN_TRIM: f32 = 0.08;
const MIN_KEPT: f32 = 0.1;

/// The content area of a working picture as (x, y, width, height) in its
/// pixels and as a [`Frame::Content`], or `None` when there is nothing to
/// trim (or too much: a nearly flat picture).
pub fn content_area(grey: &Grey) -> Option<((u32, u32, u32, u32), Frame)> {
    let (w, h) = grey.dimensions();
    if w < 16 || h < 16 {
        return None;
    }
    // Most pictures reach their edges: with no outer line that is border,
    // there is nothing to trim (and nothing more to compute).
    let at = |x: u32, y: u32| grey.get_pixel(x, y).0[0];
    let outer = [
        is_border((0..w).map(|x| at(x, 0))),
        is_border((0..w).map(|x| at(x, h - 1))),
        is_border((0..h).map(|y| at(0, y))),
        is_border((0..h).map(|y| at(w - 1, y))),
    ];
    if !outer.contains(&true) {
        return None;
    }
    let k = factor(w, h, SIDE);
    let small = bin(grey.as_raw(), w, h, k);
    let (sw, sh) = small.dimensions();
    if sw < 16 || sh < 16 {
        return None;
    }
    let px = |x: u32, y: u32| small.get_pixel(x, y).0[0];
    let (mut x0, mut y0, mut x1, mut y1) = (0, 0, sw, sh);
    // Rows, then columns within the rows kept, then rows again: each time
    // the longest run of lines that are not border (a line of text above
    // the picture is not border either, but flat lines part it from it).
    for _ in 0..2 {
        let rows: Vec<bool> = (y0..y1)
            .map(|y| is_border((x0..x1).map(|x| px(x, y))))
            .collect();
        let (a, b) = longest_run(&rows);
        (y0, y1) = (y0 + a, y0 + b);
        let cols: Vec<bool> = (x0..x1)
            .map(|x| is_border((y0..y1).map(|y| px(x, y))))
            .collect();
        let (a, b) = longest_run(&cols);
        (x0, x1) = (x0 + a, x0 + b);
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
    }
    let kept = ((x1 - x0) * (y1 - y0)) as f32 / (sw * sh) as f32;
    if !(MIN_KEPT..=1.0 - MIN_TRIM).contains(&kept) || x1 - x0 < 8 || y1 - y0 < 8 {
        return None;
    }
    // Back to the working picture's pixels (the last bins may be partial).
    let (px0, py0) = ((x0 * k).min(w - 1), (y0 * k).min(h - 1));
    let (px1, py1) = ((x1 * k).min(w), (y1 * k).min(h));
    let permille = |cut: u32, of: u32| (cut as f32 * 1000.0 / of as f32).round() as u16;
    let frame = Frame::Content([
        permille(px0, w),
        permille(py0, h),
        permille(w - px1, w),
        permille(h - py1, h),
    ]);
    Some(((px0, py0, px1 - px0, py1 - py0), frame))
}

/// The longest run of lines that are not border, as (start, end), with
/// gaps of up to [`MAX_GAP`] of the lines bridged (a flat band inside a
/// photo does not split it).
fn longest_run(border: &[bool]) -> (u32, u32) {
    let max_gap = ((border.len() as f32 * MAX_GAP) as usize).max(1);
    let (mut best, mut start, mut gap) = ((0, 0), None, 0);
    for (i, &b) in border.iter().enumerate() {
        if b {
            gap += 1;
            if gap > max_gap {
                start = None;
            }
            continue;
        }
        gap = 0;
        let s = *start.get_or_insert(i);
        if i + 1 - s > best.1 - best.0 {
            best = (s, i + 1);
        }
    }
    (best.0 as u32, best.1 as u32)
}

/// Whether a line of grey levels is border: mostly one flat level.
fn is_border(values: impl Iterator<Item = f32>) -> bool {
    let mut hist = [0u32; 256];
    let mut n = 0u32;
    for v in values {
        hist[v.clamp(0.0, 255.0) as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return true;
    }
    // Counts within FLAT levels either side of each level, by a running window.
    let flat = FLAT as usize;
    let mut window: u32 = hist[..=flat].iter().sum();
    let mut best = window;
    for centre in 1..256 {
        if centre + flat < 256 {
            window += hist[centre + flat];
        }
        if centre > flat {
            window -= hist[centre - flat - 1];
        }
        best = best.max(window);
    }
    best as f32 >= BORDER_SHARE * n as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Luma};

    /// A textured "photo" pasted into a white canvas with a dark top bar, a
    /// grey line of "text" and a light bottom bar, like a social post.
    fn screenshot() -> (Grey, (u32, u32, u32, u32)) {
        let (cw, ch) = (900u32, 1000u32);
        let (x, y, w, h) = (150u32, 220u32, 600u32, 560u32);
        let img = ImageBuffer::from_fn(cw, ch, |px, py| {
            let v = if (x..x + w).contains(&px) && (y..y + h).contains(&py) {
                60.0 + ((px * 7 + py * 13) % 150) as f32
            } else if py < 40 {
                20.0
            } else if (120..150).contains(&py) && (150..450).contains(&px) {
                90.0
            } else if py >= ch - 60 {
                230.0
            } else {
                255.0
            };
            Luma([v])
        });
        (img, (x, y, w, h))
    }

    #[test]
    fn finds_the_photo_inside_a_screenshot() {
        let (img, (x, y, w, h)) = screenshot();
        let ((fx, fy, fw, fh), frame) = content_area(&img).expect("a content area");
        let near = |a: u32, b: u32| a.abs_diff(b) <= 8;
        assert!(
            near(fx, x) && near(fy, y) && near(fw, w) && near(fh, h),
            "{fx},{fy} {fw}x{fh} for {x},{y} {w}x{h}"
        );
        assert!((frame.area() - (w * h) as f32 / (900.0 * 1000.0)).abs() < 0.03);
    }

    #[test]
    fn a_photo_without_borders_has_no_content_area() {
        let img: Grey = ImageBuffer::from_fn(800, 600, |x, y| {
            Luma([40.0 + ((x * 5 + y * 3) % 170) as f32])
        });
        assert!(content_area(&img).is_none());
    }
}
