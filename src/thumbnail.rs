//! Small previews of images for reports: decoded within the usual limits,
//! EXIF orientation applied, scaled down, re-encoded as JPEG, and given as a
//! `data:` URI so a report is one self-contained file.

use std::path::Path;

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;

use crate::analyze::read_bounded;
use crate::decode::{decode, Limits};
use crate::error::FileError;

/// A JPEG preview of at most `max_side` pixels on its long side.
pub fn thumbnail_jpeg(path: &Path, max_side: u32, limits: &Limits) -> Result<Vec<u8>, FileError> {
    let bytes = read_bounded(path, limits.max_file_bytes)?;
    let decoded = decode(&bytes, limits)?;
    let small = decoded.image.thumbnail(max_side, max_side).to_rgb8();
    let mut out = Vec::new();
    small
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 80))
        .map_err(|e| FileError::Decode {
            format: "jpeg".into(),
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// The preview as a `data:image/jpeg;base64,...` URI.
pub fn thumbnail_data_uri(
    path: &Path,
    max_side: u32,
    limits: &Limits,
) -> Result<String, FileError> {
    let jpeg = thumbnail_jpeg(path, max_side, limits)?;
    Ok(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    ))
}
