//! The box mean the descriptors sample ([`super::pattern`]): each pixel the
//! mean of the (2r + 1)² square around it, edges repeated, rounded down
//! after each pass as imageproc's `box_filter` rounds, so the values are
//! its own. imageproc runs the second pass column by column over the whole
//! picture; here both passes run along rows (a measured 14% of a build of
//! web-size pictures went to imageproc's).

use image::GrayImage;

/// The box mean of radius `r` (pixels) of `level`: the same pixels as
/// `imageproc::filter::box_filter(level, r, r)`.
pub fn box_mean(level: &GrayImage, r: u32) -> GrayImage {
    let (w, h) = (level.width() as usize, level.height() as usize);
    if w == 0 || h == 0 {
        return level.clone();
    }
    let r = r as usize;
    let mean = Mean::of(2 * r as u32 + 1);
    let raw = level.as_raw();
    // Horizontal pass: each row's running sum over the row padded with its
    // first and last pixels.
    let mut across = vec![0u8; w * h];
    let mut padded = vec![0u32; w + 2 * r];
    for (row, out) in raw.chunks_exact(w).zip(across.chunks_exact_mut(w)) {
        for (i, p) in padded.iter_mut().enumerate() {
            *p = u32::from(row[i.saturating_sub(r).min(w - 1)]);
        }
        let mut sum: u32 = padded[..2 * r + 1].iter().sum();
        out[0] = mean.of_sum(sum);
        for x in 1..w {
            sum = sum + padded[x + 2 * r] - padded[x - 1];
            out[x] = mean.of_sum(sum);
        }
    }
    // Vertical pass, a row at a time: the sums of the 2r + 1 rows around
    // each row (edge rows repeated), kept as a running sum of rows.
    let row = |y: isize| {
        let y = y.clamp(0, h as isize - 1) as usize;
        &across[y * w..(y + 1) * w]
    };
    let mut sums = vec![0u32; w];
    for dy in -(r as isize)..=r as isize {
        for (s, &v) in sums.iter_mut().zip(row(dy)) {
            *s += u32::from(v);
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        if y > 0 {
            let (enter, leave) = (row((y + r) as isize), row(y as isize - 1 - r as isize));
            for ((s, &a), &b) in sums.iter_mut().zip(enter).zip(leave) {
                *s = *s + u32::from(a) - u32::from(b);
            }
        }
        for (o, &s) in out[y * w..(y + 1) * w].iter_mut().zip(&sums) {
            *o = mean.of_sum(s);
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("w × h pixels")
}

/// Division by the `k` pixels of a window as a multiplication: with
/// `m = ⌊2³²/k⌋ + 1`, `(sum · m) >> 32 = ⌊sum/k⌋` whenever `sum < 2³²/k`
/// (the error `sum · (m − 2³²/k)/2³²` stays under `1/k`), which holds for
/// sums of 8-bit pixels while `k < 4,100`. With a division per pixel the
/// box mean took 4.8% of the CPU samples of a video's indexing, 2.9%
/// without (`perf`, bikes.mp4).
#[derive(Clone, Copy)]
struct Mean {
    m: u64,
}

impl Mean {
    fn of(k: u32) -> Mean {
        debug_assert!(k < 4_100, "window of {k} pixels");
        Mean {
            m: (1u64 << 32) / u64::from(k) + 1,
        }
    }

    #[inline]
    fn of_sum(self, sum: u32) -> u8 {
        ((u64::from(sum) * self.m) >> 32) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_by_multiplication_is_the_quotient() {
        for k in [1, 3, 5, 11, 31, 4_099] {
            let mean = Mean::of(k);
            for sum in 0..=255 * k {
                assert_eq!(u32::from(mean.of_sum(sum)), sum / k, "{sum} / {k}");
            }
        }
    }

    #[test]
    fn the_box_mean_is_imageprocs() {
        let path = format!("{}/reference_images/dune.jpg", env!("CARGO_MANIFEST_DIR"));
        let photo = image::open(path).expect("bundled photo").to_luma8();
        let mut s = 7u32;
        let noise = GrayImage::from_fn(37, 23, |_, _| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            image::Luma([(s >> 24) as u8])
        });
        let thin = GrayImage::from_fn(1, 9, |_, y| image::Luma([y as u8 * 30]));
        for (name, img) in [("photo", &photo), ("noise", &noise), ("thin", &thin)] {
            for r in [0, 1, 2, 5] {
                let want = imageproc::filter::box_filter(img, r, r);
                assert!(box_mean(img, r) == want, "{name}, radius {r}");
            }
        }
    }
}
