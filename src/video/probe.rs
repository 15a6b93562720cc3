//! Container metadata from `ffprobe -print_format json`: duration, codec,
//! size, frame rate, rotation (display matrix), creation time, make/model
//! and the QuickTime / ISO 6709 location, as a [`Container`].

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::tool::{run_bounded, Tools};
use crate::error::FileError;

/// Largest ffprobe answer read (a normal one is a few KB).
const MAX_PROBE_BYTES: u64 = 4 * 1024 * 1024;

/// What the container says of a video and its first video stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Container {
    /// FFmpeg's name of the container (`mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, ...).
    pub container: String,
    /// Codec of the video stream (`h264`, `hevc`, `vp9`, `gif`, ...).
    pub codec: String,
    /// Coded width and height in pixels (before rotation).
    pub width: u32,
    pub height: u32,
    /// Clockwise rotation the player applies (0, 90, 180, 270), from the
    /// display matrix or the legacy `rotate` tag.
    pub rotation: i32,
    /// Average frame rate (frames per second), when known.
    pub frame_rate: Option<f64>,
    /// Duration in seconds, when known.
    pub duration: Option<f64>,
    /// Presentation time of the first frame, seconds (0 for most files; an
    /// MPEG-TS often starts later): times are counted from it.
    pub start_time: f64,
    /// Frames the container declares, when it does.
    pub frames: Option<u64>,
    /// `creation_time` tag (ISO 8601, as written).
    pub creation_time: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// Latitude and longitude in degrees from an ISO 6709 location tag
    /// (`+48.8577+002.2950/`).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Container {
    /// Width and height as displayed (after the rotation).
    pub fn displayed(&self) -> (u32, u32) {
        match self.rotation.rem_euclid(180) {
            90 => (self.height, self.width),
            _ => (self.width, self.height),
        }
    }
}

/// One ffprobe answer: the container, and which FFmpeg ffprobe is.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    pub container: Container,
    /// Major version of the FFmpeg build ffprobe belongs to, from its
    /// `program_version` (5 for `5.1.9-0+deb12u1` and `n5.1`); `None` for a
    /// development build (`N-112345-g…`) or an answer without it.
    pub ffmpeg_major: Option<u32>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
    program_version: Option<ProgramVersion>,
}

#[derive(Deserialize)]
struct ProgramVersion {
    version: Option<String>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    duration: Option<String>,
    nb_frames: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
    disposition: Option<BTreeMap<String, i64>>,
}

#[derive(Deserialize)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
    start_time: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// Probes `path` with ffprobe within `deadline`.
///
/// Errors: [`FileError::Video`] when ffprobe cannot read the file or it has
/// no video stream; [`FileError::TimedOut`] past the deadline.
pub fn probe(tools: &Tools, path: &Path, deadline: Instant) -> Result<Probed, FileError> {
    let mut cmd = Command::new(&tools.ffprobe);
    cmd.args([
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_program_version",
        "-show_format",
        "-show_streams",
    ])
    .arg(path);
    let out = run_bounded(cmd, deadline, MAX_PROBE_BYTES)?;
    parse(&out)
}

/// Parses ffprobe's JSON answer.
pub fn parse(json: &[u8]) -> Result<Probed, FileError> {
    let probe: Probe = serde_json::from_slice(json)
        .map_err(|e| FileError::Video(format!("unreadable ffprobe answer: {e}")))?;
    let ffmpeg_major = probe
        .program_version
        .as_ref()
        .and_then(|v| v.version.as_deref())
        .and_then(major_version);
    let stream = probe
        .streams
        .iter()
        .find(|s| {
            s.codec_type.as_deref() == Some("video")
                && s.disposition
                    .as_ref()
                    .and_then(|d| d.get("attached_pic"))
                    .is_none_or(|v| *v == 0)
        })
        .ok_or_else(|| FileError::Video("no video stream".into()))?;
    let format = probe.format.as_ref();
    let tag = |keys: &[&str]| -> Option<String> {
        let tags = [format.map(|f| &f.tags), Some(&stream.tags)];
        tags.into_iter()
            .flatten()
            .flat_map(|t| keys.iter().filter_map(move |k| t.get(*k)))
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty())
    };
    let location = tag(&[
        "com.apple.quicktime.location.ISO6709",
        "location",
        "location-eng",
    ])
    .and_then(|l| iso6709(&l));
    let container = Container {
        container: format
            .and_then(|f| f.format_name.clone())
            .unwrap_or_default(),
        codec: stream.codec_name.clone().unwrap_or_default(),
        width: stream.width.unwrap_or(0),
        height: stream.height.unwrap_or(0),
        rotation: rotation(stream),
        frame_rate: [&stream.avg_frame_rate, &stream.r_frame_rate]
            .into_iter()
            .find_map(|r| r.as_deref().and_then(ratio)),
        duration: [
            format.and_then(|f| f.duration.as_deref()),
            stream.duration.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|d| d.parse::<f64>().ok().filter(|d| d.is_finite() && *d >= 0.0)),
        start_time: format
            .and_then(|f| f.start_time.as_deref())
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite())
            .unwrap_or(0.0),
        frames: stream.nb_frames.as_deref().and_then(|n| n.parse().ok()),
        creation_time: tag(&["creation_time", "com.apple.quicktime.creationdate", "date"]),
        make: tag(&[
            "com.apple.quicktime.make",
            "make",
            "com.android.manufacturer",
        ]),
        model: tag(&["com.apple.quicktime.model", "model", "com.android.model"]),
        latitude: location.map(|l| l.0),
        longitude: location.map(|l| l.1),
    };
    Ok(Probed {
        container,
        ffmpeg_major,
    })
}

/// The major version of an FFmpeg release's version string: the digits
/// before the first dot, after an optional `n` (tagged git builds).
fn major_version(version: &str) -> Option<u32> {
    let v = version.strip_prefix('n').unwrap_or(version);
    let (major, _) = v.split_once('.')?;
    major.parse().ok()
}

/// Clockwise rotation in degrees, normalised to 0–359. FFmpeg reports the
/// display matrix's angle counter-clockwise (`rotation: -90` for a phone
/// held upright); the legacy `rotate` tag is clockwise.
fn rotation(s: &Stream) -> i32 {
    let matrix = s.side_data_list.iter().find_map(|d| {
        d.get("rotation")
            .and_then(serde_json::Value::as_f64)
            .map(|r| -r.round() as i32)
    });
    let tag = s
        .tags
        .get("rotate")
        .and_then(|r| r.trim().parse::<i32>().ok());
    matrix.or(tag).unwrap_or(0).rem_euclid(360)
}

/// `num/den` as a number (None for 0/0).
fn ratio(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d) = (n.parse::<f64>().ok()?, d.parse::<f64>().ok()?);
    (d > 0.0 && n > 0.0).then(|| n / d)
}

/// Latitude and longitude of an ISO 6709 string (`+48.8577+002.2950+035.0/`):
/// decimal degrees, signed.
pub fn iso6709(s: &str) -> Option<(f64, f64)> {
    let s = s.trim().trim_end_matches('/');
    let bytes = s.as_bytes();
    let signs: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i] == b'+' || bytes[i] == b'-')
        .collect();
    if signs.len() < 2 || signs[0] != 0 {
        return None;
    }
    let lat: f64 = s[signs[0]..signs[1]].parse().ok()?;
    let end = signs.get(2).copied().unwrap_or(s.len());
    let lon: f64 = s[signs[1]..end].parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso6709_locations_are_signed_decimal_degrees() {
        assert_eq!(iso6709("+48.8577+002.2950/"), Some((48.8577, 2.295)));
        assert_eq!(
            iso6709("-33.8688+151.2093+010.000/"),
            Some((-33.8688, 151.2093))
        );
        assert_eq!(iso6709("+91.0+000.0/"), None);
        assert_eq!(iso6709("nowhere"), None);
    }

    #[test]
    fn the_ffmpeg_major_version_is_read_from_release_and_tagged_builds_only() {
        assert_eq!(major_version("5.1.9-0+deb12u1"), Some(5));
        assert_eq!(major_version("n7.1"), Some(7));
        assert_eq!(major_version("4.4.2-0ubuntu0.22.04.1"), Some(4));
        assert_eq!(major_version("N-112345-gdeadbeef"), None);
        let json = br#"{"program_version":{"version":"6.0-static"},
            "streams":[{"codec_type":"video","width":2,"height":2}]}"#;
        assert_eq!(parse(json).unwrap().ffmpeg_major, Some(6));
    }

    #[test]
    fn a_phone_clip_held_upright_is_turned_a_quarter_clockwise() {
        let json = br#"{"streams":[{"codec_type":"video","codec_name":"hevc","width":1920,
            "height":1080,"avg_frame_rate":"30000/1001",
            "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}],
            "tags":{"creation_time":"2024-05-01T10:00:00.000000Z"}}],
            "format":{"format_name":"mov,mp4","duration":"12.5","start_time":"0.000000",
            "tags":{"com.apple.quicktime.location.ISO6709":"+48.8577+002.2950+035.000/",
                    "com.apple.quicktime.make":"Apple","com.apple.quicktime.model":"iPhone 12"}}}"#;
        let probed = parse(json).unwrap();
        assert_eq!(probed.ffmpeg_major, None);
        let c = probed.container;
        assert_eq!(c.rotation, 90);
        assert_eq!(c.displayed(), (1080, 1920));
        assert!((c.frame_rate.unwrap() - 29.97).abs() < 0.01);
        assert_eq!(c.duration, Some(12.5));
        assert_eq!(c.make.as_deref(), Some("Apple"));
        assert_eq!(c.model.as_deref(), Some("iPhone 12"));
        assert_eq!(c.latitude, Some(48.8577));
        assert_eq!(
            c.creation_time.as_deref(),
            Some("2024-05-01T10:00:00.000000Z")
        );
    }
}
