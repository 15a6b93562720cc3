//! EXIF that PNG writers keep outside the `eXIf` chunk: the "Raw profile
//! type exif" (or "APP1") text chunk that ImageMagick, exiv2, GIMP and
//! darktable write, in `tEXt`, `zTXt` or `iTXt`, before or after the image
//! data. The profile is ImageMagick's hex dump: a line naming the profile,
//! its length in bytes, then the bytes as hex digits, optionally starting
//! with the JPEG APP1 header `Exif\0\0`.

/// Largest profile accepted, bytes (an EXIF APP1 segment is at most 64 KiB;
/// some writers exceed it with thumbnails, so allow more, but bound it).
const MAX_PROFILE: usize = 1 << 20;

/// The PNG file signature (PNG specification, 5.2).
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// An EXIF block found in a raw-profile text chunk.
pub struct Profile {
    /// The TIFF-structured EXIF bytes (the APP1 header removed).
    pub tiff: Vec<u8>,
    /// Why the block is incomplete, when it is (its fields are still read,
    /// as ExifTool reads them).
    pub warning: Option<String>,
}

/// The EXIF block of a raw-profile text chunk, if the PNG has one. `Err`
/// carries why a chunk that names an EXIF profile could not be read at all
/// (for a warning); `Ok(None)` when there is none.
pub fn raw_profile_exif(bytes: &[u8]) -> Result<Option<Profile>, String> {
    let Some(mut rest) = bytes.strip_prefix(SIGNATURE.as_slice()) else {
        return Ok(None);
    };
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap_or_default()) as usize;
        let kind = &rest[4..8];
        let Some(data) = rest.get(8..8usize.saturating_add(len)) else {
            return Ok(None);
        };
        if let Some(text) = profile_text(kind, data)? {
            return parse_profile(&text).map(Some);
        }
        rest = rest.get(12 + len..).unwrap_or_default();
    }
    Ok(None)
}

/// The text of an EXIF raw-profile chunk, decompressed; `None` for any
/// other chunk.
fn profile_text(kind: &[u8], data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        return Ok(None);
    };
    let keyword = &data[..nul];
    if !matches!(
        keyword,
        b"Raw profile type exif" | b"Raw profile type APP1" | b"Raw profile type Exif"
    ) {
        return Ok(None);
    }
    let after = &data[nul + 1..];
    let name = String::from_utf8_lossy(kind);
    match kind {
        b"tEXt" => Ok(Some(after.to_vec())),
        b"zTXt" => inflate(after.get(1..).unwrap_or_default(), &name).map(Some),
        b"iTXt" => {
            // Compression flag, method, language tag\0, translated keyword\0, text.
            let (flag, tail) = match after {
                [flag, _method, tail @ ..] => (*flag, tail),
                _ => return Err(format!("{name} chunk too short")),
            };
            let mut parts = tail.splitn(3, |&b| b == 0);
            let (_, _, text) = (parts.next(), parts.next(), parts.next());
            let text = text.ok_or_else(|| format!("{name} chunk without text"))?;
            if flag == 1 {
                inflate(text, &name).map(Some)
            } else {
                Ok(Some(text.to_vec()))
            }
        }
        _ => Ok(None),
    }
}

fn inflate(data: &[u8], chunk: &str) -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, 4 * MAX_PROFILE)
        .map_err(|e| format!("{chunk} chunk does not decompress ({:?})", e.status))
}

/// ImageMagick's raw profile: `\n<name>\n<length>\n<hex digits in lines>`.
/// A profile with fewer digits than its length says is kept as far as it
/// goes, with a warning.
fn parse_profile(text: &[u8]) -> Result<Profile, String> {
    let text = std::str::from_utf8(text).map_err(|_| "raw EXIF profile is not text")?;
    let mut lines = text.split('\n').filter(|l| !l.trim().is_empty());
    let _name = lines.next().ok_or("raw EXIF profile is empty")?;
    let len: usize = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("raw EXIF profile has no length")?;
    if len > MAX_PROFILE {
        return Err(format!("raw EXIF profile claims {len} bytes"));
    }
    let digits: Vec<u8> = lines
        .flat_map(|l| l.bytes())
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(len);
    for pair in digits.chunks_exact(2).take(len) {
        let hex = std::str::from_utf8(pair).unwrap_or("zz");
        out.push(u8::from_str_radix(hex, 16).map_err(|_| "raw EXIF profile is not hex")?);
    }
    let warning = (out.len() < len).then(|| {
        format!(
            "raw EXIF profile is truncated ({} of {len} bytes)",
            out.len()
        )
    });
    let tiff = match out.strip_prefix(b"Exif\0\0") {
        Some(tiff) => tiff.to_vec(),
        None => out,
    };
    Ok(Profile { tiff, warning })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_is_decoded_and_its_app1_header_dropped() {
        let text = b"\nexif\n      10\n457869660000\n49492a00\n";
        let profile = parse_profile(text).unwrap();
        assert_eq!(profile.tiff, b"II*\0");
        assert!(profile.warning.is_none());
    }

    #[test]
    fn a_truncated_profile_is_kept_with_a_warning() {
        let text = b"\nexif\n      10\n4578\n";
        let profile = parse_profile(text).unwrap();
        assert_eq!(profile.tiff, b"Ex");
        assert!(profile.warning.unwrap().contains("truncated"));
    }

    #[test]
    fn other_text_chunks_are_not_profiles() {
        assert_eq!(profile_text(b"tEXt", b"Comment\0hello").unwrap(), None);
    }
}
