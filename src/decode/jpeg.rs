//! The JPEG coding process a file declares (its start-of-frame marker and
//! sample precision, ITU-T T.81 table B.1), so that a process the decoder
//! does not implement is reported as unsupported, by name, rather than as a
//! corrupt file.

/// The coding process of a JPEG the decoder cannot decode, named as the
/// standard names it; `None` for baseline, extended-sequential and
/// progressive Huffman coding at 8 bits, and for anything that is not a
/// well-formed marker sequence up to its frame header (left to the decoder
/// to report).
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
            0xC9 => Some("arithmetic-coded sequential (SOF9)"),
            0xCA => Some("arithmetic-coded progressive (SOF10)"),
            0xCB => Some("arithmetic-coded lossless (SOF11)"),
            0xCD => Some("arithmetic-coded hierarchical sequential (SOF13)"),
            0xCE => Some("arithmetic-coded hierarchical progressive (SOF14)"),
            0xCF => Some("arithmetic-coded hierarchical lossless (SOF15)"),
            _ => None,
        };
        if let Some(name) = name {
            return Some(format!("{name} JPEG coding"));
        }
        if matches!(marker, 0xC0..=0xC2) {
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
        assert!(unsupported_process(&frame(0xC9, 8))
            .unwrap()
            .contains("SOF9"));
        assert!(unsupported_process(&frame(0xC3, 8))
            .unwrap()
            .contains("lossless"));
        assert_eq!(unsupported_process(b"\xFF\xD8\xFF"), None);
    }
}
