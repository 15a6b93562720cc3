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
    let mut at = 2; // after SOI
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return None;
    }
    loop {
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1; // fill bytes
        }
        let (&ff, &marker) = (bytes.get(at)?, bytes.get(at + 1)?);
        if ff != 0xFF {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
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
        if matches!(marker, 0xC0..=0xC2 | 0xC9 | 0xCA) {
            let precision = *bytes.get(at + 4)?;
            return (precision != 8).then(|| format!("{precision}-bit JPEG samples"));
        }
        if marker == 0xDA || marker == 0xD9 {
            return None; // scan or end before any frame header
        }
        at = at.checked_add(2 + len)?;
    }
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
    }
}
