//! Pictures of single frames of a video for reports: the frame at a given
//! time, scaled down and encoded as JPEG by an `ffmpeg` child (bounded
//! time and output, see [`super::tool::run_bounded`]), as a `data:` URI.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine;

use super::tool::{run_bounded, Tools};
use crate::error::FileError;

/// Most bytes of JPEG taken from FFmpeg for one frame (a 480-pixel frame
/// at quality 5 is 20–60 KB; this only stops a runaway child).
pub const MAX_FRAME_BYTES: u64 = 512 * 1024;

/// Time FFmpeg gets for one frame.
pub const FRAME_TIME_LIMIT: Duration = Duration::from_secs(20);

/// The frame of `video` shown at `seconds` from its start, at most
/// `max_side` pixels on its long side, as JPEG bytes.
///
/// Errors: [`FileError::NoFfmpeg`] without FFmpeg, [`FileError::Video`]
/// when FFmpeg fails, gives no picture (a time past the end) or more than
/// [`MAX_FRAME_BYTES`], [`FileError::TimedOut`] past [`FRAME_TIME_LIMIT`].
pub fn frame_jpeg(
    ffmpeg: Option<&Path>,
    video: &Path,
    seconds: f64,
    max_side: u32,
) -> Result<Vec<u8>, FileError> {
    let tools = Tools::find(ffmpeg)?;
    let mut cmd = Command::new(&tools.ffmpeg);
    let scale = format!(
        "scale=w='min({max_side},iw)':h='min({max_side},ih)':force_original_aspect_ratio=decrease"
    );
    cmd.args(["-hide_banner", "-nostdin", "-v", "error", "-ss"])
        .arg(format!("{:.3}", seconds.max(0.0)))
        .arg("-i")
        .arg(video)
        .args(["-map", "0:v:0", "-frames:v", "1", "-vf", &scale])
        .args(["-c:v", "mjpeg", "-q:v", "5", "-f", "image2pipe", "-"]);
    let deadline = std::time::Instant::now() + FRAME_TIME_LIMIT;
    let jpeg = run_bounded(cmd, deadline, MAX_FRAME_BYTES)?;
    if jpeg.is_empty() {
        return Err(FileError::Video(format!(
            "no frame at {}",
            super::clock(seconds)
        )));
    }
    Ok(jpeg)
}

/// [`frame_jpeg`] as a `data:image/jpeg;base64,…` URI.
pub fn frame_data_uri(
    ffmpeg: Option<&Path>,
    video: &Path,
    seconds: f64,
    max_side: u32,
) -> Result<String, FileError> {
    let jpeg = frame_jpeg(ffmpeg, video, seconds, max_side)?;
    Ok(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    ))
}
