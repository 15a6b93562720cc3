//! Decoding untrusted image files: format sniffing from content, size and pixel
//! limits that bound memory, transparency flattened as a viewer shows it, and
//! the EXIF orientation applied to the pixels.
//! [`decode`] gives the full picture (thumbnails, the reference PDQ);
//! [`working`] the reduced luma plane the hashes are taken from.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};

use crate::error::FileError;

pub mod alpha;
pub mod jpeg;
pub mod libjpeg;
pub mod tiff;
pub mod working;
pub use working::{decode_working, Grey, Working};

/// Bounds on what a single file may cost. Every decoder allocation is capped.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read into memory.
    pub max_file_bytes: u64,
    /// Largest width × height accepted (before any allocation of pixels).
    pub max_pixels: u64,
    /// Largest single allocation a decoder may make.
    pub max_alloc: u64,
    /// Longest time one file may take; past it the file is reported as
    /// timed out and the run goes on (`None`: no limit).
    pub max_duration: Option<std::time::Duration>,
    /// How videos and animations are sampled, and where FFmpeg is.
    pub video: crate::video::VideoOptions,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_pixels: 64_000_000,
            max_alloc: 1024 * 1024 * 1024,
            max_duration: Some(std::time::Duration::from_secs(60)),
            video: crate::video::VideoOptions::default(),
        }
    }
}

/// Smallest side PDQ can hash (the reference implementation's minimum).
pub const MIN_DIMENSION: u32 = 5;

/// A decoded image with its orientation already applied.
pub struct Decoded {
    pub image: DynamicImage,
    /// Lower-case format name (`jpeg`, `png`, ...).
    pub format: &'static str,
    /// Width and height as displayed, i.e. after the EXIF orientation.
    pub width: u32,
    pub height: u32,
}

/// Lower-case name of a format.
pub fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        ImageFormat::Tiff => "tiff",
        ImageFormat::Bmp => "bmp",
        ImageFormat::Avif => "avif",
        ImageFormat::Ico => "ico",
        ImageFormat::Pnm => "pnm",
        ImageFormat::Tga => "tga",
        ImageFormat::Dds => "dds",
        ImageFormat::Hdr => "hdr",
        ImageFormat::OpenExr => "openexr",
        ImageFormat::Farbfeld => "farbfeld",
        ImageFormat::Qoi => "qoi",
        _ => "other",
    }
}

const SUPPORTED: [ImageFormat; 6] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Gif,
    ImageFormat::Tiff,
    ImageFormat::Bmp,
];

/// Identifies the format from the file's first bytes, never from its name.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if let Some(brand) = isobmff_brand(bytes) {
        return Err(FileError::Unsupported(format!(
            "HEIF/HEIC/AVIF container (brand {brand:?}); convert it to JPEG or PNG first"
        )));
    }
    // BigTIFF (64-bit offsets, "II+" / "MM+"), which `guess_format` does
    // not know; the TIFF decoder reads it.
    if bytes.starts_with(b"II\x2b\x00") || bytes.starts_with(b"MM\x00\x2b") {
        return Ok(ImageFormat::Tiff);
    }
    match image::guess_format(bytes) {
        Ok(f) if SUPPORTED.contains(&f) => Ok(f),
        Ok(f) => Err(FileError::Unsupported(format_name(f).to_string())),
        Err(_) => Err(FileError::NotAnImage),
    }
}

/// The major brand of an ISO base media file (`ftyp` box), as HEIC/AVIF use.
fn isobmff_brand(bytes: &[u8]) -> Option<String> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = String::from_utf8_lossy(&bytes[8..12]).into_owned();
        Some(brand)
    } else {
        None
    }
}

/// Decodes `bytes` within `limits`, flattening any alpha channel over its
/// background ([`alpha::flatten`]) and applying the EXIF orientation.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, FileError> {
    let format = sniff(bytes)?;
    let name = format_name(format);
    if format == ImageFormat::Jpeg {
        if let Some(image) = jpeg_full(bytes, limits)? {
            return finish(image, name);
        }
    }
    if format == ImageFormat::Tiff && tiff::handles(bytes) {
        return finish(tiff::decode(bytes, limits)?, name);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(limits.max_alloc);
    let side = u32::try_from(limits.max_pixels.min(u64::from(u32::MAX))).unwrap_or(u32::MAX);
    lim.max_image_width = Some(side);
    lim.max_image_height = Some(side);
    reader.limits(lim);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(name, e))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(FileError::TooManyPixels {
            width: w,
            height: h,
            limit: limits.max_pixels,
        });
    }
    if w < MIN_DIMENSION || h < MIN_DIMENSION {
        return Err(FileError::TooSmall {
            width: w,
            height: h,
        });
    }
    // A malformed EXIF block must not fail the decode: fall back to no rotation.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        alpha::flatten(DynamicImage::from_decoder(decoder).map_err(|e| decode_error(name, e))?);
    image.apply_orientation(orientation);
    finish(image, name)
}

/// A JPEG of grey, RGB or YCbCr samples decoded whole by libjpeg-turbo
/// (any coding process it implements, see [`jpeg::open`]), its EXIF
/// orientation applied; `None` for CMYK/YCCK files, left to the general
/// decoder, but for arithmetic-coded ones, which it cannot read: those
/// are decoded here and converted to RGB as Pillow converts them.
fn jpeg_full(bytes: &[u8], limits: &Limits) -> Result<Option<DynamicImage>, FileError> {
    let opened = jpeg::open(bytes, limits)?;
    let header = opened.header;
    let cmyk = header.is_cmyk() && jpeg::is_arithmetic(bytes);
    if !header.is_grey_or_colour() && !cmyk {
        return Ok(None);
    }
    if header.width < MIN_DIMENSION || header.height < MIN_DIMENSION {
        return Err(FileError::TooSmall {
            width: header.width,
            height: header.height,
        });
    }
    let grey = header.is_grey();
    let px = match cmyk {
        true => {
            let px = opened.decode_cmyk(8)?;
            let data = jpeg::cmyk_to_rgb(&px.data, jpeg::has_adobe_segment(bytes));
            libjpeg::Pixels {
                data,
                channels: 3,
                ..px
            }
        }
        false => opened.decode(8, grey)?,
    };
    let image = match grey {
        true => image::GrayImage::from_raw(px.width, px.height, px.data).map(DynamicImage::from),
        false => image::RgbImage::from_raw(px.width, px.height, px.data).map(DynamicImage::from),
    };
    let mut image = image.ok_or_else(|| FileError::Decode {
        format: "jpeg".into(),
        reason: "decoded buffer does not match its size".into(),
    })?;
    let orientation = crate::exif::read_exif(bytes)
        .orientation
        .and_then(|o| image::metadata::Orientation::from_exif(o as u8))
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    image.apply_orientation(orientation);
    Ok(Some(image))
}

/// A decoded picture (orientation applied) checked for PDQ's minimum size.
fn finish(image: DynamicImage, format: &'static str) -> Result<Decoded, FileError> {
    let (width, height) = (image.width(), image.height());
    if width < MIN_DIMENSION || height < MIN_DIMENSION {
        return Err(FileError::TooSmall { width, height });
    }
    Ok(Decoded {
        width,
        height,
        image,
        format,
    })
}

/// A complete JPEG ends with the EOI marker (possibly followed by padding
/// or trailing data, so the whole file is searched from the end).
fn has_jpeg_end(bytes: &[u8]) -> bool {
    bytes.windows(2).rev().any(|w| w == [0xFF, 0xD9])
}

fn decode_error(format: &str, e: ImageError) -> FileError {
    match e {
        ImageError::Unsupported(u) => FileError::Unsupported(format!("{format}: {u}")),
        ImageError::Limits(l) => FileError::Decode {
            format: format.to_string(),
            reason: format!("decoder limit exceeded ({l})"),
        },
        other => FileError::Decode {
            format: format.to_string(),
            reason: other.to_string(),
        },
    }
}
