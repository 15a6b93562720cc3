//! Video as a source of frames for the same analysis as stills: a video
//! file is probed and decoded by the system FFmpeg ([`tool`], [`probe`],
//! [`ffmpeg`]); an animated GIF, WebP or APNG by the image decoders
//! ([`animation`]). Either way its frames are sampled by one rule
//! ([`sample`]) and each kept frame is hashed (PDQ, sub-frames, windows,
//! local features) exactly as a picture is ([`crate::analyze`]), with its
//! time and frame number. [`vpdq`] reads and writes ThreatExchange's vPDQ
//! text format.

pub mod animation;
pub mod ffmpeg;
pub mod probe;
pub mod sample;
pub mod still;
pub mod tool;
pub mod vpdq;

use std::path::Path;
use std::time::{Duration, Instant};

pub use probe::Container;
pub use sample::{Reason, Sampler, Sampling};
pub use tool::Tools;

use crate::analyze::Depth;
use crate::decode::{Grey, Limits};
use crate::error::FileError;
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::{Hashes, Pdq};

/// One decoded frame before sampling: its number in decoding order (0
/// first), its presentation time in seconds from the start, and its luma.
pub struct RawFrame {
    pub index: u64,
    pub time: f64,
    pub width: u32,
    pub height: u32,
    pub luma: Vec<u8>,
}

/// How a video is read: the sampling and where FFmpeg is.
#[derive(Debug, Clone, Copy, Default)]
pub struct VideoOptions {
    pub sampling: Sampling,
    /// The `ffmpeg` binary (`--ffmpeg`); else [`tool::FFMPEG_ENV`], else PATH.
    pub ffmpeg: Option<&'static Path>,
}

/// A kept frame of a video and its hashes, as a still's.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    /// Number of the frame in decoding order, 0 first.
    pub frame: u64,
    /// Seconds from the start of the video (from the stream's timestamps).
    pub time: f64,
    pub reason: Reason,
    /// Size of the decoded frame the hashes were taken from.
    pub width: u32,
    pub height: u32,
    pub hashes: Hashes,
    pub features: Option<Features>,
}

/// What a video holds: its container's metadata and its kept frames.
#[derive(Debug, Clone)]
pub struct Video {
    pub container: Container,
    pub frames: Vec<VideoFrame>,
    /// Frames decoded and looked at by the sampler.
    pub looked_at: u64,
    /// Time of the last frame looked at, seconds.
    pub last_time: f64,
    /// False when decoding stopped at [`Sampling::max_frames`].
    pub complete: bool,
    pub sampling: Sampling,
    /// True when the frames are known by their vPDQ lines only
    /// ([`vpdq::video_of`]): PDQ and quality, no picture.
    pub hashes_only: bool,
}

impl Video {
    /// Kept frames per minute of video.
    pub fn frames_per_minute(&self) -> f64 {
        let minutes = self.container.duration.unwrap_or(self.last_time).max(1e-3) / 60.0;
        self.frames.len() as f64 / minutes
    }
}

/// Container summary as EXIF: creation time, make, model, location, size.
pub fn exif_of(c: &Container) -> ExifSummary {
    let (w, h) = c.displayed();
    let (datetime_original, warnings) = match c.creation_time.as_deref().map(iso_seconds) {
        Some(Ok(at)) => (at, Vec::new()),
        Some(Err(why)) => (None, vec![why]),
        None => (None, Vec::new()),
    };
    ExifSummary {
        datetime_original,
        warnings,
        make: c.make.clone(),
        model: c.model.clone(),
        gps_latitude: c.latitude,
        gps_longitude: c.longitude,
        pixel_width: (w > 0).then_some(w),
        pixel_height: (h > 0).then_some(h),
        ..ExifSummary::default()
    }
}

/// `2024-05-01T10:00:00.000000Z` as `2024-05-01T10:00:00`; the zero dates
/// muxers write when they know no time (1904 and 1970) are no time
/// (`Ok(None)`). `Err` (the reason, for a warning) when the value is no
/// valid date and time: every date provcheck outputs is a real one.
fn iso_seconds(s: &str) -> Result<Option<String>, String> {
    let Some(head) = s.get(..19) else {
        return Err(format!(
            "creation_time {s:?} is not a date and time; left out"
        ));
    };
    if head.starts_with("1904-01-01") || head.starts_with("1970-01-01") {
        return Ok(None);
    }
    chrono::NaiveDateTime::parse_from_str(&head.replacen(' ', "T", 1), "%Y-%m-%dT%H:%M:%S")
        .map(|t| Some(t.format("%Y-%m-%dT%H:%M:%S").to_string()))
        .map_err(|_| format!("creation_time {s:?} is not a valid date and time; left out"))
}

/// Samples the frames `next` yields (or, when `preselected`, takes them
/// all: FFmpeg sampled them by the same rule) and hashes the kept ones to
/// `depth`, the first frame always hashed as the video's poster (the
/// hashes of the video as a whole). Returns the poster and the video's
/// frames.
pub(crate) fn sample_frames(
    mut next: impl FnMut() -> Result<Option<RawFrame>, FileError>,
    preselected: bool,
    sampling: &Sampling,
    depth: Depth,
    container: Container,
) -> Result<(VideoFrame, Video), FileError> {
    let mut sampler = Sampler::new(sampling);
    let mut poster: Option<VideoFrame> = None;
    let mut frames: Vec<VideoFrame> = Vec::new();
    let (mut looked_at, mut last_time, mut complete) = (0u64, 0.0f64, true);
    let mut last_kept: Option<Pdq> = None;
    while let Some(raw) = next()? {
        looked_at += 1;
        last_time = raw.time;
        let offered = match preselected {
            true => Some(sampler.classify(raw.time)),
            false => sampler.offer(&raw),
        };
        let Some(reason) = offered else {
            continue;
        };
        let grey = Grey::from_raw(
            raw.width,
            raw.height,
            raw.luma.iter().map(|&v| f32::from(v)).collect(),
        )
        .ok_or_else(|| FileError::Video(format!("frame {} has the wrong size", raw.index)))?;
        // Hashes first: a frame dropped as a near-duplicate or for low
        // information (and not the poster) needs no local features.
        let hashes = crate::hash::hash_image(&grey, depth.parts());
        let near = last_kept.is_some_and(|p| p.distance(&hashes.pdq) <= NEAR);
        let keep = !hashes.low_information && !near;
        if keep {
            last_kept = Some(hashes.pdq);
        }
        let features = (depth.features() && (keep || poster.is_none()))
            .then(|| crate::features::Features::of(&grey));
        let frame = VideoFrame {
            frame: raw.index,
            time: raw.time,
            reason,
            width: raw.width,
            height: raw.height,
            hashes,
            features,
        };
        match (&poster, keep) {
            (None, true) => {
                poster = Some(frame.clone());
                frames.push(frame);
            }
            (None, false) => poster = Some(frame),
            (Some(_), true) => frames.push(frame),
            (Some(_), false) => {}
        }
        if frames.len() >= sampling.max_frames {
            complete = false;
            break;
        }
    }
    let poster = poster.ok_or_else(|| FileError::Video("no frame could be decoded".into()))?;
    Ok((
        poster,
        Video {
            container,
            frames,
            looked_at,
            last_time,
            complete,
            sampling: *sampling,
            hashes_only: false,
        },
    ))
}

const NEAR: u32 = sample::NEAR_DUPLICATE_BITS;

/// A deadline `limit` from now (none: far away).
pub(crate) fn deadline(limit: Option<Duration>) -> Instant {
    let now = Instant::now();
    now + limit.unwrap_or(Duration::from_secs(365 * 24 * 3600))
}

/// Probes and decodes the video at `path` and samples its frames.
///
/// Errors: [`FileError::NoFfmpeg`] without FFmpeg; [`FileError::Video`]
/// for a file FFmpeg cannot read, without a video stream, or damaged or
/// truncated (decoding ends with errors well before its stated duration);
/// [`FileError::TooManyPixels`] for a frame size over the limit;
/// [`FileError::TimedOut`] past `limits.max_duration` (FFmpeg is killed).
pub fn read_video(
    path: &Path,
    limits: &Limits,
    depth: Depth,
) -> Result<(VideoFrame, Video), FileError> {
    let tools = Tools::find(limits.video.ffmpeg)?;
    let deadline = deadline(limits.max_duration);
    let side = crate::decode::working::WORK_SIDE;
    let sampling = &limits.video.sampling;
    // The probe runs beside FFmpeg's start (each program takes about 0.1 s
    // to start): until it answers, FFmpeg's decoder holds to the pixel
    // limit itself. FFmpeg starts on a guess of what its `showinfo` takes,
    // and again in the rare case the probe's answer says otherwise.
    let open = |quiet| {
        ffmpeg::FfmpegFrames::open(
            &tools,
            path,
            sampling,
            side,
            limits.max_pixels,
            quiet,
            deadline,
        )
    };
    let (container, source) = std::thread::scope(|s| {
        let probe = s.spawn(|| probe::probe(&tools, path, deadline));
        let guess = ffmpeg::quiet_guess();
        let source = open(guess);
        let probed = probe
            .join()
            .unwrap_or_else(|_| Err(FileError::Video("the probe of the video failed".into())));
        let source = match (&probed, source) {
            (Ok(p), Ok(source))
                if ffmpeg::quiet_showinfo(&tools, p.ffmpeg_major, deadline) != guess =>
            {
                source.stop();
                open(!guess)
            }
            (_, source) => source,
        };
        (probed.map(|p| p.container), source)
    });
    let container = container.and_then(|c| {
        let (width, height) = (c.width, c.height);
        match u64::from(width) * u64::from(height) > limits.max_pixels {
            true => Err(FileError::TooManyPixels {
                width,
                height,
                limit: limits.max_pixels,
            }),
            false => Ok(c),
        }
    });
    let (container, mut source) = match (container, source) {
        (Ok(c), Ok(source)) => (c, source),
        (Err(e), source) => {
            // The probe's reason comes first, as when it ran alone.
            if let Ok(source) = source {
                source.stop();
            }
            return Err(e);
        }
        (Ok(_), Err(e)) => return Err(e),
    };
    let result = sample_frames(|| source.next_frame(), true, sampling, depth, container);
    let (messages, decoded) = (source.messages(), source.decoded());
    source.stop();
    let (poster, mut video) = result?;
    // Every decoded frame was looked at by FFmpeg's selection.
    video.looked_at = decoded.frames.max(video.looked_at);
    video.last_time = decoded.last_time.max(video.last_time);
    if let Some(why) = truncated(&video, &messages) {
        return Err(FileError::Video(why));
    }
    Ok((poster, video))
}

/// Why a fully decoded video counts as damaged: FFmpeg reported errors and
/// the frames stopped more than 10% (and 1 s) short of the stated duration.
fn truncated(video: &Video, messages: &[String]) -> Option<String> {
    let duration = video.container.duration?;
    let error = messages.iter().rev().find(|m| m.starts_with("error"))?;
    let short = duration - video.last_time;
    (video.complete && short > 1.0 && short > 0.1 * duration).then(|| {
        format!(
            "damaged or truncated: frames end at {} of {} ({})",
            clock(video.last_time),
            clock(duration),
            error.trim_start_matches("error: ")
        )
    })
}

/// `mm:ss.s` (or `h:mm:ss.s`) of a time in seconds.
pub fn clock(seconds: f64) -> String {
    let tenths = (seconds.max(0.0) * 10.0).round() as u64;
    let (s, t) = (tenths / 10, tenths % 10);
    match s / 3600 {
        0 => format!("{:02}:{:02}.{t}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}.{t}", s / 60 % 60, s % 60),
    }
}

/// File extensions taken as videos when walking a folder.
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "mts", "m2ts", "3gp", "3g2", "mpg", "mpeg",
    "flv", "wmv", "ogv",
];

/// Whether a path has a video extension.
pub fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether the first bytes of a file are a video container's: an ISO
/// media file (MP4, MOV, 3GP) of a non-image brand, Matroska/WebM, AVI,
/// MPEG program or transport stream, FLV, Ogg, ASF.
pub fn sniff(head: &[u8]) -> bool {
    const IMAGE_BRANDS: [&[u8]; 8] = [
        b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif",
    ];
    let at = |i: usize, sig: &[u8]| head.get(i..i + sig.len()) == Some(sig);
    if at(4, b"ftyp") {
        return head
            .get(8..12)
            .is_some_and(|b| !IMAGE_BRANDS.contains(&b) && b != b"avis");
    }
    at(0, &[0x1A, 0x45, 0xDF, 0xA3])
        || (at(0, b"RIFF") && at(8, b"AVI "))
        || at(0, &[0x00, 0x00, 0x01, 0xBA])
        || (head.len() >= 189 && head[0] == 0x47 && head[188] == 0x47)
        || at(0, b"FLV")
        || at(0, b"OggS")
        || at(0, &[0x30, 0x26, 0xB2, 0x75])
        || (at(4, b"moov") || at(4, b"mdat") || at(4, b"wide") || at(4, b"free"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_are_minutes_seconds_and_tenths() {
        assert_eq!(clock(83.44), "01:23.4");
        assert_eq!(clock(0.0), "00:00.0");
        assert_eq!(clock(3725.0), "1:02:05.0");
    }

    /// Container creation times: valid ones kept to the second, the
    /// muxers' zero dates dropped, and every field out of range refused.
    #[test]
    fn creation_times_are_valid_dates_or_absent() {
        let ok = |s: &str, want: &str| assert_eq!(iso_seconds(s), Ok(Some(want.into())), "{s}");
        ok("2024-05-01T10:00:00.000000Z", "2024-05-01T10:00:00");
        ok("2024-02-29 23:59:59", "2024-02-29T23:59:59");
        assert_eq!(iso_seconds("1970-01-01T00:00:00.000000Z"), Ok(None));
        assert_eq!(iso_seconds("1904-01-01T00:00:00Z"), Ok(None));
        for bad in [
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01T24:00:01Z",
            "2024-05-01T10:60:00Z",
            "2024-05-01T10:00:61Z",
            "2024-05-01",
            "yesterday at noon, roughly",
        ] {
            assert!(iso_seconds(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn heif_and_avif_are_not_taken_for_videos() {
        let mut mp4 = b"\0\0\0\x20ftypisom\0\0\x02\0".to_vec();
        assert!(sniff(&mp4));
        mp4[8..12].copy_from_slice(b"heic");
        assert!(!sniff(&mp4));
        assert!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x01]));
        assert!(!sniff(b"\xFF\xD8\xFF\xE0"));
    }
}
