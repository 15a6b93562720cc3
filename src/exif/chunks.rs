//! Metadata blocks the container reader does not see: a PNG `eXIf` or a
//! WebP `EXIF` chunk written with the JPEG APP1 header (`Exif\0\0`) in front
//! of its TIFF structure, as some writers do (ExifTool reads them; the PNG
//! and WebP specifications put the TIFF header first), and EXIF-namespace
//! properties kept only in an XMP packet.

/// The JPEG APP1 identifier some writers copy in front of the EXIF block.
const APP1: &[u8] = b"Exif\0\0";
/// The PNG file signature (PNG specification, 5.2).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The TIFF-structured EXIF bytes of a PNG `eXIf` or WebP `EXIF` chunk that
/// starts with the APP1 header (the header removed); `None` for any other
/// file or chunk.
pub fn prefixed_block(bytes: &[u8]) -> Option<&[u8]> {
    let data = if let Some(rest) = bytes.strip_prefix(PNG) {
        png_chunk(rest, b"eXIf")?
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        riff_chunk(&bytes[12..], b"EXIF")?
    } else {
        return None;
    };
    data.strip_prefix(APP1)
}

/// The data of the first PNG chunk of type `kind` (length, type, data, CRC).
fn png_chunk<'a>(mut rest: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        if &rest[4..8] == kind {
            return Some(data);
        }
        rest = rest.get(12usize.checked_add(len)?..)?;
    }
    None
}

/// The data of the first top-level RIFF chunk `kind` (four-character code,
/// little-endian size, data padded to an even length).
fn riff_chunk<'a>(mut rest: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    while rest.len() >= 8 {
        let len = u32::from_le_bytes(rest[4..8].try_into().ok()?) as usize;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        if &rest[..4] == kind {
            return Some(data);
        }
        rest = rest.get((8 + len + (len & 1)).min(rest.len())..)?;
    }
    None
}

/// The XMP namespaces of EXIF and TIFF properties (capture date, camera),
/// as declared in an XMP packet (Adobe XMP specification, part 2).
const XMP_EXIF: [&[u8]; 2] = [
    b"http://ns.adobe.com/exif/1.0/",
    b"http://ns.adobe.com/tiff/1.0/",
];

/// Whether the file carries an XMP packet declaring EXIF or TIFF
/// properties. provcheck reads EXIF blocks only; a file whose capture
/// metadata is in XMP alone gets a warning saying so rather than silence.
pub fn xmp_exif(bytes: &[u8]) -> bool {
    let has = |pat: &[u8]| bytes.windows(pat.len()).any(|w| w == pat);
    has(b"<x:xmpmeta") && XMP_EXIF.iter().any(|ns| has(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app1_header_in_a_png_or_webp_chunk_is_skipped() {
        let mut png = PNG.to_vec();
        let data = b"Exif\0\0II*\0";
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(b"eXIf");
        png.extend_from_slice(data);
        png.extend_from_slice(&[0; 4]);
        assert_eq!(prefixed_block(&png), Some(&b"II*\0"[..]));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x01\0\0\0\0\0EXIF".to_vec();
        webp.extend_from_slice(&(data.len() as u32).to_le_bytes());
        webp.extend_from_slice(data);
        assert_eq!(prefixed_block(&webp), Some(&b"II*\0"[..]));
        // The TIFF header first, as the specifications say: not ours.
        let plain = b"RIFF\0\0\0\0WEBPEXIF\x04\0\0\0II*\0";
        assert_eq!(prefixed_block(plain), None);
        assert_eq!(prefixed_block(b"\xff\xd8\xff"), None);
    }

    #[test]
    fn xmp_with_exif_properties_is_noticed() {
        let xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:Description \
            xmlns:exif='http://ns.adobe.com/exif/1.0/' \
            exif:DateTimeOriginal='2020-01-01T10:00:00'/></x:xmpmeta>";
        assert!(xmp_exif(xmp));
        assert!(!xmp_exif(
            b"<x:xmpmeta xmlns:dc='http://purl.org/dc/elements/1.1/'/>"
        ));
    }
}
