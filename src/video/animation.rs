//! Frames of an animated GIF, WebP or PNG (APNG), decoded in-process by the
//! `image` crate: each frame composited on the canvas as a viewer shows it,
//! its alpha flattened, reduced to luma, with its time from the frame
//! delays. They go through the same sampler as a video's frames.

use std::io::Cursor;

use image::{AnimationDecoder, DynamicImage, Frames, ImageFormat};

use super::RawFrame;
use crate::decode::working::{bin, factor, grey_of, WORK_SIDE};
use crate::decode::{alpha, Limits};
use crate::error::FileError;

/// Most frames of one animation looked at (a GIF of 5,000 frames is ~3
/// minutes at 25 fps); the rest are not decoded.
pub const MAX_ANIMATION_FRAMES: u64 = 5_000;

/// The frames of an animation, in order.
pub struct AnimationFrames<'a> {
    frames: Frames<'a>,
    index: u64,
    time_ms: f64,
    name: &'static str,
}

/// The decoder of `format` for `bytes` within `limits`.
fn frames_of<'a>(bytes: &'a [u8], format: ImageFormat, limits: &Limits) -> Option<Frames<'a>> {
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(limits.max_alloc);
    let side = u32::try_from(limits.max_pixels.min(u64::from(u32::MAX))).unwrap_or(u32::MAX);
    lim.max_image_width = Some(side);
    lim.max_image_height = Some(side);
    let cursor = Cursor::new(bytes);
    match format {
        ImageFormat::Gif => {
            let mut d = image::codecs::gif::GifDecoder::new(cursor).ok()?;
            image::ImageDecoder::set_limits(&mut d, lim).ok()?;
            Some(d.into_frames())
        }
        ImageFormat::WebP => {
            let mut d = image::codecs::webp::WebPDecoder::new(cursor).ok()?;
            if !d.has_animation() {
                return None;
            }
            image::ImageDecoder::set_limits(&mut d, lim).ok()?;
            Some(d.into_frames())
        }
        ImageFormat::Png => {
            let mut d = image::codecs::png::PngDecoder::new(cursor).ok()?;
            if !d.is_apng().ok()? {
                return None;
            }
            image::ImageDecoder::set_limits(&mut d, lim).ok()?;
            Some(d.apng().ok()?.into_frames())
        }
        _ => None,
    }
}

/// Whether `bytes` (of `format`) hold an animation of more than one frame.
pub fn is_animated(bytes: &[u8], format: ImageFormat, limits: &Limits) -> bool {
    frames_of(bytes, format, limits).is_some_and(|f| f.take(2).count() > 1)
}

impl<'a> AnimationFrames<'a> {
    /// The frames of an animated GIF, WebP or PNG; `None` for any other
    /// format or a file the decoder refuses (the still path then reports it).
    pub fn open(bytes: &'a [u8], format: ImageFormat, limits: &Limits) -> Option<Self> {
        Some(AnimationFrames {
            frames: frames_of(bytes, format, limits)?,
            index: 0,
            time_ms: 0.0,
            name: crate::decode::format_name(format),
        })
    }

    /// The next frame, or `None` after the last (or [`MAX_ANIMATION_FRAMES`]).
    ///
    /// Errors: [`FileError::Decode`] for a damaged frame.
    pub fn next_frame(&mut self) -> Result<Option<RawFrame>, FileError> {
        if self.index >= MAX_ANIMATION_FRAMES {
            return Ok(None);
        }
        let Some(frame) = self.frames.next() else {
            return Ok(None);
        };
        let frame = frame.map_err(|e| FileError::Decode {
            format: self.name.to_string(),
            reason: format!("frame {}: {e}", self.index),
        })?;
        let (num, den) = frame.delay().numer_denom_ms();
        let delay = f64::from(num) / f64::from(den.max(1));
        let image = alpha::flatten(DynamicImage::ImageRgba8(frame.into_buffer()));
        let full = grey_of(&image);
        let (w, h) = full.dimensions();
        let grey = bin(full.as_raw(), w, h, factor(w, h, WORK_SIDE));
        let out = RawFrame {
            index: self.index,
            time: self.time_ms / 1000.0,
            width: grey.width(),
            height: grey.height(),
            luma: grey
                .as_raw()
                .iter()
                .map(|v| v.round().clamp(0.0, 255.0) as u8)
                .collect(),
        };
        self.index += 1;
        self.time_ms += delay;
        Ok(Some(out))
    }
}

/// The sampled frames of an animated GIF, WebP or PNG, hashed to `depth`;
/// `None` when the file is not an animation of more than one frame.
pub fn analyze(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
    depth: crate::analyze::Depth,
) -> Option<Result<(super::VideoFrame, super::Video), FileError>> {
    if !is_animated(bytes, format, limits) {
        return None;
    }
    let mut frames = AnimationFrames::open(bytes, format, limits)?;
    let container = super::Container {
        container: frames.name.to_string(),
        codec: frames.name.to_string(),
        ..super::Container::default()
    };
    let result = super::sample_frames(
        || frames.next_frame(),
        false,
        &limits.video.sampling,
        depth,
        container,
    );
    Some(result.map(|(poster, mut video)| {
        video.container.width = poster.width;
        video.container.height = poster.height;
        video.container.duration = Some(video.last_time);
        (poster, video)
    }))
}
