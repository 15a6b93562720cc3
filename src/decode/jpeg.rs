//! JPEG files: the checks before decoding (a complete file, a coding
//! process the decoder implements) and the calls into it. The coding process
//! a file declares (its start-of-frame marker and sample precision, ITU-T
//! T.81 table B.1) is checked first, so that one libjpeg-turbo as built here
//! does not implement (12-bit samples, lossless, hierarchical) is reported
//! as unsupported, by name, rather than as a corrupt file. The decoding
//! itself is [`super::libjpeg`]'s.

use super::libjpeg::Jpeg;
use super::{has_jpeg_end, Limits};
use crate::error::FileError;

/// A JPEG opened for decoding: complete (an end-of-image marker), of a
/// coding process the decoder implements, its header read. Errors:
/// truncated, [`FileError::Unsupported`] naming the process, a header
/// libjpeg cannot parse, over the pixel limit.
pub fn open<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Jpeg<'a>, FileError> {
    if !has_jpeg_end(bytes) {
        return Err(FileError::Decode {
            format: "jpeg".into(),
            reason: "truncated: no end-of-image marker".into(),
        });
    }
    if let Some(process) = unsupported_process(bytes) {
        return Err(FileError::Unsupported(process));
    }
    Jpeg::open(bytes, limits)
}

/// The coding process of a JPEG the decoder cannot decode, named as the
/// standard names it; `None` for baseline, extended-sequential and
/// progressive coding at 8 bits, Huffman or arithmetic, and for anything
/// that is not a well-formed marker sequence up to its frame header (left
/// to the decoder to report).
pub fn unsupported_process(bytes: &[u8]) -> Option<String> {
    let (marker, segment) = frame_header(bytes)?;
    let name = match marker {
        0xC3 => Some("lossless (SOF3)"),
        0xC5 => Some("hierarchical sequential (SOF5)"),
        0xC6 => Some("hierarchical progressive (SOF6)"),
        0xC7 => Some("hierarchical lossless (SOF7)"),
        0xCB => Some("arithmetic-coded lossless (SOF11)"),
        0xCD => Some("arithmetic-coded hierarchical sequential (SOF13)"),
        0xCE => Some("arithmetic-coded hierarchical progressive (SOF14)"),
        0xCF => Some("arithmetic-coded hierarchical lossless (SOF15)"),
        _ => None,
    };
    if let Some(name) = name {
        return Some(format!("{name} JPEG coding"));
    }
    let precision = *segment.first()?;
    (precision != 8).then(|| format!("{precision}-bit JPEG samples"))
}

/// Whether the frame is arithmetic-coded, sequential or progressive (SOF9,
/// SOF10: T.81 table B.1), which libjpeg-turbo decodes and the general
/// decoder does not.
pub fn is_arithmetic(bytes: &[u8]) -> bool {
    matches!(frame_header(bytes), Some((0xC9 | 0xCA, _)))
}

/// Whether an Adobe APP14 segment precedes the frame: Adobe's CMYK JPEGs
/// store each sample inverted (255 - ink), as Pillow and libjpeg's `djpeg`
/// read them.
pub fn has_adobe_segment(bytes: &[u8]) -> bool {
    segments(bytes).any(|(marker, data)| marker == 0xEE && data.starts_with(b"Adobe"))
}

/// The first start-of-frame marker (SOF0-SOF15 but DHT, JPG and DAC) and
/// its segment.
fn frame_header(bytes: &[u8]) -> Option<(u8, &[u8])> {
    segments(bytes).find(|(m, _)| matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC))
}

/// The marker segments (marker, data after the length) from the start of
/// the file to the first scan, as far as they are well formed.
fn segments(bytes: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut at = match bytes.get(..2) == Some(&[0xFF, 0xD8]) {
        true => Some(2), // after SOI
        false => None,
    };
    std::iter::from_fn(move || {
        let mut here = at?;
        while bytes.get(here) == Some(&0xFF) && bytes.get(here + 1) == Some(&0xFF) {
            here += 1; // fill bytes
        }
        at = None;
        let (&ff, &marker) = (bytes.get(here)?, bytes.get(here + 1)?);
        if ff != 0xFF || marker == 0xDA || marker == 0xD9 {
            return None; // not a marker, or a scan or the end
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(here + 2)?,
            *bytes.get(here + 3)?,
        ]));
        let data = bytes.get(here + 4..here + 2 + len.max(2))?;
        at = here.checked_add(2 + len);
        Some((marker, data))
    })
}

/// RGB samples of CMYK ones (4 bytes a pixel, `inverted` when stored as
/// 255 - ink), as Pillow converts them: each channel is (255 - ink) ×
/// (255 - black) / 255, rounded.
pub fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let clear = |v: u8| u32::from(if inverted { v } else { 255 - v });
        let white = clear(px[3]);
        rgb.extend(
            px[..3]
                .iter()
                .map(|&v| ((clear(v) * white + 127) / 255) as u8),
        );
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(marker: u8, precision: u8) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        b.extend([
            0xFF, marker, 0x00, 0x0B, precision, 0, 8, 0, 8, 1, 1, 0x11, 0,
        ]);
        b
    }

    #[test]
    fn each_process_is_named() {
        assert_eq!(unsupported_process(&frame(0xC0, 8)), None);
        assert_eq!(unsupported_process(&frame(0xC2, 8)), None);
        assert_eq!(
            unsupported_process(&frame(0xC1, 12)).as_deref(),
            Some("12-bit JPEG samples")
        );
        assert_eq!(unsupported_process(&frame(0xC9, 8)), None);
        assert_eq!(unsupported_process(&frame(0xCA, 8)), None);
        assert!(unsupported_process(&frame(0xCB, 8))
            .unwrap()
            .contains("SOF11"));
        assert_eq!(
            unsupported_process(&frame(0xCA, 12)).as_deref(),
            Some("12-bit JPEG samples")
        );
        assert!(unsupported_process(&frame(0xC3, 8))
            .unwrap()
            .contains("lossless"));
        assert_eq!(unsupported_process(b"\xFF\xD8\xFF"), None);
        assert!(is_arithmetic(&frame(0xC9, 8)) && is_arithmetic(&frame(0xCA, 8)));
        assert!(!is_arithmetic(&frame(0xC2, 8)));
    }

    #[test]
    fn cmyk_becomes_rgb_as_pillow_converts_it() {
        // Stored inverted (Adobe): no ink is 255, full ink 0.
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 255], true), [255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 0], true), [0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[0, 255, 255, 255], true), [0, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 128], false), [127, 127, 127]);
    }
}
