//! ThreatExchange's vPDQ text format: one line per sampled frame,
//! `frame_number,quality,pdq_hex,timestamp` with the timestamp in seconds
//! to three decimals (as its `vpdqio` writes and reads it). A video known
//! only by such lines (an imported hash list, or the `clip.mp4.vpdq` kept
//! beside a clip for machines without FFmpeg) becomes a [`Video`] whose
//! frames carry their PDQ alone ([`video_of`]).

use std::path::{Path, PathBuf};

use super::{Container, Reason, Sampling, Video, VideoFrame};
use crate::error::FileError;
use crate::hash::{Hashes, Pdq};

/// Extension of a vPDQ file; the one kept beside a video is named after
/// it with this added (`coast.mp4` → `coast.mp4.vpdq`).
pub const EXTENSION: &str = "vpdq";

/// The vPDQ file kept beside `video` (`clip.mp4.vpdq`), if there is one.
pub fn beside(video: &Path) -> Option<PathBuf> {
    let mut name = video.file_name()?.to_os_string();
    name.push(".");
    name.push(EXTENSION);
    Some(video.with_file_name(name)).filter(|p| p.is_file())
}

/// Reads and parses a vPDQ file (at most `max_bytes` of it).
///
/// Errors: [`FileError::Io`] when it cannot be read, [`FileError::TooLarge`]
/// past `max_bytes`, [`FileError::Video`] naming the first bad line or an
/// empty file.
pub fn read(path: &Path, max_bytes: u64) -> Result<Vec<VpdqLine>, FileError> {
    let bytes = crate::analyze::read_bounded(path, max_bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let lines = parse(&text)
        .map_err(|(n, why)| FileError::Video(format!("{}: line {n}: {why}", path.display())))?;
    if lines.is_empty() {
        return Err(FileError::Video(format!(
            "{}: no vPDQ lines (frame,quality,pdq,timestamp)",
            path.display()
        )));
    }
    Ok(lines)
}

/// Whether `text` reads as vPDQ lines (its first non-blank line does).
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| parse(l).is_ok())
}

/// The video the lines describe: one kept frame per line, in time order,
/// each with its PDQ and quality only (no sub-frames, windows, pHash or
/// local features: there is no picture to take them from; its size is
/// 0×0). A frame of quality under [`crate::hash::MIN_PDQ_QUALITY`] is kept
/// but marked low-information, as a decoded one would be. The duration is
/// the last frame's time.
pub fn video_of(lines: &[VpdqLine]) -> Video {
    let mut lines = lines.to_vec();
    lines.sort_by(|a, b| a.time.total_cmp(&b.time).then(a.frame.cmp(&b.frame)));
    let frames: Vec<VideoFrame> = lines
        .iter()
        .enumerate()
        .map(|(k, l)| VideoFrame {
            frame: l.frame,
            time: l.time,
            reason: if k == 0 { Reason::First } else { Reason::Rate },
            width: 0,
            height: 0,
            hashes: hashes_of(l),
            features: None,
        })
        .collect();
    let last_time = lines.last().map_or(0.0, |l| l.time);
    Video {
        container: Container {
            container: EXTENSION.into(),
            codec: EXTENSION.into(),
            duration: Some(last_time),
            ..Container::default()
        },
        looked_at: frames.len() as u64,
        frames,
        last_time,
        complete: true,
        sampling: Sampling::default(),
        hashes_only: true,
    }
}

/// The hashes a vPDQ line gives of its frame: the PDQ (as each of its
/// dihedral variants, which a line does not carry) and its quality.
fn hashes_of(l: &VpdqLine) -> Hashes {
    let ones = l.pdq.count_ones();
    Hashes {
        pdq: l.pdq,
        pdq_variants: [l.pdq; 8],
        pdq_quality: l.quality,
        phash: None,
        crops: Vec::new(),
        windows: Vec::new(),
        content: None,
        low_information: l.quality < crate::hash::MIN_PDQ_QUALITY || !(32..=224).contains(&ones),
    }
}

/// One line of a vPDQ file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpdqLine {
    pub frame: u64,
    /// PDQ quality, 0–100.
    pub quality: u8,
    pub pdq: Pdq,
    /// Seconds from the start.
    pub time: f64,
}

/// Writes the lines in the vPDQ format, each ending in a newline.
pub fn write(lines: &[VpdqLine]) -> String {
    lines
        .iter()
        .map(|l| {
            format!(
                "{},{},{},{:.3}\n",
                l.frame,
                l.quality,
                l.pdq.to_hex(),
                l.time
            )
        })
        .collect()
}

/// Parses a vPDQ file; blank lines are skipped.
///
/// Errors: the 1-based number of the first line that is not
/// `frame,quality,hex,seconds`, with what is wrong in it.
pub fn parse(text: &str) -> Result<Vec<VpdqLine>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| (i + 1, format!("{what} in {line:?}"));
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() < 4 {
            return Err(bad("expected frame,quality,pdq,timestamp"));
        }
        out.push(VpdqLine {
            frame: f[0].parse().map_err(|_| bad("bad frame number"))?,
            quality: f[1]
                .parse::<u8>()
                .ok()
                .filter(|q| *q <= 100)
                .ok_or_else(|| bad("bad quality"))?,
            pdq: Pdq::from_hex(f[2]).ok_or_else(|| bad("bad PDQ hex"))?,
            time: f[3]
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| bad("bad timestamp"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_written() {
        let hex = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c";
        let line = VpdqLine {
            frame: 25,
            quality: 98,
            pdq: Pdq::from_hex(hex).unwrap(),
            time: 1.0,
        };
        let text = write(&[line]);
        assert_eq!(text, format!("25,98,{hex},1.000\n"));
        assert_eq!(parse(&text).unwrap(), vec![line]);
        assert_eq!(parse("1,2,zz,0").unwrap_err().0, 1);
    }
}
