//! The working picture every hash is taken from: the luma plane of an image,
//! about 1536–3071 pixels on the long side, with the EXIF orientation
//! applied. JPEGs are decoded by libjpeg-turbo straight to luma (no chroma
//! IDCT or colour conversion) at the smallest DCT scale (M/8) that keeps the
//! long side at least [`WORK_SIDE`]; other pictures (and what is still
//! larger than twice that) are binned, each bin the mean of the pixels it
//! covers.

use image::imageops;
use image::{DynamicImage, ImageBuffer, Luma};

use super::{decode, jpeg, sniff, Limits, MIN_DIMENSION};
use crate::error::FileError;

/// A luma plane, one `f32` (0–255) per pixel.
pub type Grey = ImageBuffer<Luma<f32>, Vec<f32>>;

/// Long side the working picture is binned down towards (it stays at least
/// this long, so it is between this and twice this unless smaller already).
/// Binned to this size, PDQ lands within 4 bits of the full-resolution hash
/// on the test photos (at 1024, within 12); with the JPEG luma path's
/// rounding added, within 8 on every picture of quality >= 80
/// (`examples/drift.rs`).
pub const WORK_SIDE: u32 = 1536;

/// The working picture of one file.
pub struct Working {
    pub grey: Grey,
    /// Lower-case format name (`jpeg`, `png`, ...).
    pub format: &'static str,
    /// Full width and height as displayed, i.e. after the EXIF orientation.
    pub width: u32,
    pub height: u32,
}

/// Weights of the luma the PDQ reference hashes (the JPEG Y weights too).
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// Decodes `bytes` into its working picture. `orientation` is the EXIF
/// orientation tag (1–8) read from the file; JPEGs need it passed in, the
/// other formats read their own.
pub fn decode_working(
    bytes: &[u8],
    limits: &Limits,
    orientation: Option<u16>,
) -> Result<Working, FileError> {
    if let Some(working) = jpeg_luma(bytes, limits, orientation)? {
        return Ok(working);
    }
    let decoded = decode(bytes, limits)?;
    let full = grey_of(&decoded.image);
    let (w, h) = full.dimensions();
    Ok(Working {
        grey: bin(full.as_raw(), w, h, factor(w, h, WORK_SIDE)),
        format: decoded.format,
        width: decoded.width,
        height: decoded.height,
    })
}

/// The luma plane of a decoded image as the PDQ reference computes it: RGB
/// weighted, or the grey value itself for one-channel images; alpha ignored.
pub fn grey_of(image: &DynamicImage) -> Grey {
    let (w, h) = (image.width(), image.height());
    let luma = match image {
        DynamicImage::ImageLuma8(g) => g.as_raw().iter().map(|&v| f32::from(v)).collect(),
        DynamicImage::ImageLumaA8(g) => g
            .as_raw()
            .iter()
            .step_by(2)
            .map(|&v| f32::from(v))
            .collect(),
        _ => image
            .to_rgb8()
            .as_raw()
            .chunks_exact(3)
            .map(|p| {
                LUMA[0] * f32::from(p[0]) + LUMA[1] * f32::from(p[1]) + LUMA[2] * f32::from(p[2])
            })
            .collect(),
    };
    Grey::from_raw(w, h, luma).unwrap_or_default()
}

/// JPEGs of grey, RGB or YCbCr samples, decoded by libjpeg-turbo to grey at
/// the smallest M/8 DCT scale whose long side is at least [`WORK_SIDE`]
/// (see [`super::libjpeg`]), then binned like any other picture. `None` for
/// other formats and for CMYK/YCCK JPEGs (the general decoder takes those).
fn jpeg_luma(
    bytes: &[u8],
    limits: &Limits,
    orientation: Option<u16>,
) -> Result<Option<Working>, FileError> {
    if sniff(bytes)? != image::ImageFormat::Jpeg {
        return Ok(None);
    }
    let jpeg = jpeg::open(bytes, limits)?;
    let header = jpeg.header;
    if !header.is_grey_or_colour() {
        return Ok(None);
    }
    let (w, h) = (header.width, header.height);
    if w < MIN_DIMENSION || h < MIN_DIMENSION {
        return Err(FileError::TooSmall {
            width: w,
            height: h,
        });
    }
    let (m, _, _) = header.scale_for(WORK_SIDE);
    let px = jpeg.decode(m, true)?;
    let (sw, sh) = (px.width, px.height);
    let grey = orient(
        bin(&px.data, sw, sh, factor(sw, sh, WORK_SIDE)),
        orientation.unwrap_or(1),
    );
    let turned = matches!(orientation, Some(5..=8));
    Ok(Some(Working {
        grey,
        format: "jpeg",
        width: if turned { h } else { w },
        height: if turned { w } else { h },
    }))
}

/// The whole binning factor that brings the long side nearest above `side`
/// (1 for pictures already that small).
pub fn factor(w: u32, h: u32, side: u32) -> u32 {
    (w.max(h) / side.max(1)).max(1)
}

/// Means of `k`×`k` bins (the last row and column of bins may be partial).
pub fn bin<T: Copy + Into<f32>>(src: &[T], w: u32, h: u32, k: u32) -> Grey {
    let (w, h, k) = (w as usize, h as usize, k.max(1) as usize);
    let (bw, bh) = (w.div_ceil(k), h.div_ceil(k));
    if k == 1 {
        let px = src.iter().map(|&v| v.into()).collect();
        return Grey::from_raw(bw as u32, bh as u32, px).unwrap_or_default();
    }
    let mut sums = vec![0f32; bw * bh];
    for (y, row) in src.chunks_exact(w).take(h).enumerate() {
        let out = &mut sums[(y / k) * bw..][..bw];
        for (o, chunk) in out.iter_mut().zip(row.chunks(k)) {
            *o += chunk.iter().map(|&v| v.into()).sum::<f32>();
        }
    }
    for (i, s) in sums.iter_mut().enumerate() {
        let (bx, by) = (i % bw, i / bw);
        let cw = (w - bx * k).min(k);
        let ch = (h - by * k).min(k);
        *s /= (cw * ch) as f32;
    }
    Grey::from_raw(bw as u32, bh as u32, sums).unwrap_or_default()
}

/// Applies an EXIF orientation (1–8) to the plane.
pub fn orient(grey: Grey, orientation: u16) -> Grey {
    match orientation {
        2 => imageops::flip_horizontal(&grey),
        3 => imageops::rotate180(&grey),
        4 => imageops::flip_vertical(&grey),
        5 => imageops::flip_horizontal(&imageops::rotate90(&grey)),
        6 => imageops::rotate90(&grey),
        7 => imageops::flip_horizontal(&imageops::rotate270(&grey)),
        8 => imageops::rotate270(&grey),
        _ => grey,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_the_means_of_the_pixels_they_cover() {
        // 5×3 plane, factor 2: bins of 2×2, 1×2, 2×1 and 1×1 pixels.
        let src: Vec<u8> = (0..15).collect();
        let g = bin(&src, 5, 3, 2);
        assert_eq!(g.dimensions(), (3, 2));
        assert_eq!(g.get_pixel(0, 0)[0], (1 + 5 + 6) as f32 / 4.0);
        assert_eq!(g.get_pixel(2, 0)[0], (4 + 9) as f32 / 2.0);
        assert_eq!(g.get_pixel(0, 1)[0], (10 + 11) as f32 / 2.0);
        assert_eq!(g.get_pixel(2, 1)[0], 14.0);
    }

    #[test]
    fn the_factor_keeps_the_long_side_at_least_the_working_side() {
        assert_eq!(factor(400, 300, 512), 1);
        assert_eq!(factor(1023, 700, 512), 1);
        assert_eq!(factor(6000, 4000, 512), 11);
        assert_eq!(factor(4000, 6000, 1536), 3);
        assert!(6000u32.div_ceil(factor(6000, 4000, 512)) >= 512);
    }
}
