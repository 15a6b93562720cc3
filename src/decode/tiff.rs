//! The TIFF colour models `image`'s TIFF adapter turns away although its
//! `tiff` decoder reads them: palette colour (Photometric RGBPalette, GIS
//! maps and scans) and YCbCr (what libtiff writes for JPEG compression by
//! default, and Photoshop and scanners too). Both are decoded here with the
//! same `tiff` crate and expanded to RGB as libtiff's RGBA interface does.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;
use tiff::ColorType;

use super::Limits;
use crate::error::FileError;

/// Photometric interpretations (TIFF tag 262) this module reads.
const PALETTE: u16 = 3;
const YCBCR: u16 = 6;

/// Whether `image` turns this TIFF away and this module reads it: palette
/// colour or 8-bit YCbCr on its first page.
pub fn handles(bytes: &[u8]) -> bool {
    let Ok(mut d) = Decoder::new(Cursor::new(bytes)) else {
        return false;
    };
    match d.find_tag_unsigned::<u16>(Tag::PhotometricInterpretation) {
        Ok(Some(PALETTE)) => true,
        Ok(Some(YCBCR)) => matches!(d.colortype(), Ok(ColorType::YCbCr(8))),
        _ => false,
    }
}

/// Decodes the first page of a palette-colour or 8-bit YCbCr TIFF to RGB,
/// with its Orientation tag applied, within `limits` (pixels are counted
/// before any is decoded). Errors: [`FileError::TooManyPixels`], or
/// [`FileError::Decode`] / [`FileError::Unsupported`] with the `tiff`
/// crate's reason.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, FileError> {
    let mut lim = tiff::decoder::Limits::default();
    lim.decoding_buffer_size = usize::try_from(limits.max_alloc).unwrap_or(usize::MAX);
    lim.intermediate_buffer_size = lim.decoding_buffer_size;
    let mut d = Decoder::new(Cursor::new(bytes))
        .map_err(error)?
        .with_limits(lim.clone());
    // The `tiff` decoder reads palette indices as grey samples only: the
    // picture is decoded from a copy whose first page says BlackIsZero,
    // and the indices go through this file's ColorMap.
    let map = match d.find_tag_unsigned::<u16>(Tag::PhotometricInterpretation) {
        Ok(Some(PALETTE)) => Some(d.get_tag_u16_vec(Tag::ColorMap).map_err(error)?),
        _ => None,
    };
    let grey;
    if map.is_some() {
        grey = as_black_is_zero(bytes).ok_or_else(|| corrupt("unreadable first directory"))?;
        d = Decoder::new(Cursor::new(&grey[..]))
            .map_err(error)?
            .with_limits(lim);
    }
    let (w, h) = d.dimensions().map_err(error)?;
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(FileError::TooManyPixels {
            width: w,
            height: h,
            limit: limits.max_pixels,
        });
    }
    let colour = d.colortype().map_err(error)?;
    let planar = d.find_tag_unsigned::<u16>(Tag::PlanarConfiguration);
    if matches!(colour, ColorType::YCbCr(_)) && planar.ok().flatten() == Some(2) {
        return Err(FileError::Unsupported(
            "tiff: YCbCr colour in separate planes (PlanarConfiguration 2)".into(),
        ));
    }
    let orientation = d.find_tag_unsigned::<u8>(Tag::Orientation).ok().flatten();
    let DecodingResult::U8(data) = d.read_image().map_err(error)? else {
        return Err(unsupported(colour));
    };
    let rgb = match (colour, map) {
        (ColorType::Gray(bits @ (1 | 2 | 4 | 8)), Some(map)) => palette(&data, w, h, bits, &map)?,
        (ColorType::YCbCr(8), None) => ycbcr(&data, w, h)?,
        _ => return Err(unsupported(colour)),
    };
    let mut image = DynamicImage::ImageRgb8(rgb);
    if let Some(o) = orientation.and_then(Orientation::from_exif) {
        image.apply_orientation(o);
    }
    Ok(image)
}

/// A copy of a TIFF whose first directory's PhotometricInterpretation is
/// BlackIsZero (1), or `None` when the directory cannot be walked. Classic
/// TIFF (12-byte entries, 2-byte count) and BigTIFF (20-byte entries, 8-byte
/// count), either byte order; the tag is a SHORT stored in its entry.
fn as_black_is_zero(bytes: &[u8]) -> Option<Vec<u8>> {
    let little = bytes.get(..2)? == b"II";
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u64_at = |at: usize, len: usize| -> Option<u64> {
        let b = bytes.get(at..at + len)?;
        let mut v = 0u64;
        for i in 0..len {
            let byte = if little { b[len - 1 - i] } else { b[i] };
            v = v << 8 | u64::from(byte);
        }
        Some(v)
    };
    let big = u16_at(2)? == 43;
    let (ifd, count_len, entry_len, value_at) = if big {
        (u64_at(8, 8)?, 8, 20, 12)
    } else {
        (u64_at(4, 4)?, 2, 12, 8)
    };
    let ifd = usize::try_from(ifd).ok()?;
    let count = usize::try_from(u64_at(ifd, count_len)?).ok()?;
    for k in 0..count.min(4096) {
        let entry = ifd + count_len + k * entry_len;
        if u16_at(entry)? == 262 {
            let mut copy = bytes.to_vec();
            let one = if little { [1, 0] } else { [0, 1] };
            copy.get_mut(entry + value_at..entry + value_at + 2)?
                .copy_from_slice(&one);
            return Some(copy);
        }
    }
    None
}

/// Palette indices (`bits` per pixel, each row padded to a byte) through
/// the ColorMap (all reds, then greens, then blues, 16 bits each).
fn palette(data: &[u8], w: u32, h: u32, bits: u8, map: &[u16]) -> Result<RgbImage, FileError> {
    let entries = 1usize << bits;
    if map.len() < 3 * entries {
        return Err(corrupt("ColorMap shorter than the palette"));
    }
    let stride = (w as usize * usize::from(bits)).div_ceil(8);
    if data.len() < stride * h as usize {
        return Err(corrupt("fewer pixels than the image size"));
    }
    let per_byte = 8 / usize::from(bits);
    let mask = ((1u16 << bits) - 1) as u8;
    Ok(RgbImage::from_fn(w, h, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let byte = data[y * stride + x / per_byte];
        let shift = 8 - usize::from(bits) * (x % per_byte + 1);
        let i = usize::from((byte >> shift) & mask);
        let c = |plane: usize| (map[plane * entries + i] >> 8) as u8;
        image::Rgb([c(0), c(1), c(2)])
    }))
}

/// Interleaved Y, Cb, Cr samples (full range, the TIFF default reference
/// black and white) to RGB with the BT.601 coefficients TIFF defaults to.
fn ycbcr(data: &[u8], w: u32, h: u32) -> Result<RgbImage, FileError> {
    if data.len() < 3 * w as usize * h as usize {
        return Err(corrupt("fewer pixels than the image size"));
    }
    let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    Ok(RgbImage::from_fn(w, h, |x, y| {
        let at = 3 * (y as usize * w as usize + x as usize);
        let (luma, cb, cr) = (
            f32::from(data[at]),
            f32::from(data[at + 1]) - 128.0,
            f32::from(data[at + 2]) - 128.0,
        );
        image::Rgb([
            clamp(luma + 1.402 * cr),
            clamp(luma - 0.344_136 * cb - 0.714_136 * cr),
            clamp(luma + 1.772 * cb),
        ])
    }))
}

fn error(e: tiff::TiffError) -> FileError {
    match e {
        tiff::TiffError::UnsupportedError(u) => FileError::Unsupported(format!("tiff: {u}")),
        tiff::TiffError::LimitsExceeded => FileError::Decode {
            format: "tiff".into(),
            reason: "decoder limit exceeded".into(),
        },
        other => corrupt(&other.to_string()),
    }
}

fn corrupt(reason: &str) -> FileError {
    FileError::Decode {
        format: "tiff".into(),
        reason: reason.into(),
    }
}

fn unsupported(colour: ColorType) -> FileError {
    FileError::Unsupported(format!("tiff: colour type {colour:?}"))
}
