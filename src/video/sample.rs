//! Which decoded frames are kept: a fixed rate (1 frame per second by
//! default, as ThreatExchange's vPDQ samples) plus the first frame after
//! every scene cut; then a kept frame whose PDQ is within
//! [`NEAR_DUPLICATE_BITS`] of the previous kept frame's is dropped, and so
//! is a low-information one (a black, blank or faded frame, which could only
//! collide).

use serde::Serialize;

use super::RawFrame;

/// Mean absolute difference (grey levels, 0–255) between the 16×16 block
/// means of two consecutive frames at or above which the second starts a
/// new shot.
pub const CUT_LEVELS: f32 = 24.0;

/// A sampled frame whose PDQ is this close (bits of 256) to the previous
/// kept frame's adds nothing and is dropped: a still shot stores one frame.
pub const NEAR_DUPLICATE_BITS: u32 = 10;

/// Side of the thumbnail consecutive frames are compared on.
const THUMB: usize = 16;

/// How frames are sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Frames per second taken at a fixed rate (besides scene cuts).
    pub fps: f64,
    /// Most frames kept per video; decoding stops there.
    pub max_frames: usize,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            fps: 1.0,
            max_frames: 3_600,
        }
    }
}

/// Why a frame was sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The first frame of the video.
    First,
    /// The fixed rate's turn.
    Rate,
    /// The first frame after a scene cut.
    Cut,
}

/// The sampling rule applied to one video's frames in order.
pub struct Sampler {
    interval: f64,
    next_tick: f64,
    previous: Option<[f32; THUMB * THUMB]>,
}

impl Sampler {
    pub fn new(sampling: &Sampling) -> Sampler {
        let fps = if sampling.fps.is_finite() && sampling.fps > 0.0 {
            sampling.fps
        } else {
            1.0
        };
        Sampler {
            interval: 1.0 / fps,
            next_tick: 0.0,
            previous: None,
        }
    }

    /// Whether `frame` (the next decoded one) is sampled, and why.
    pub fn offer(&mut self, frame: &RawFrame) -> Option<Reason> {
        let thumb = thumbnail(&frame.luma, frame.width as usize, frame.height as usize);
        let reason = match self.previous {
            None => Some(Reason::First),
            Some(_) if frame.time + 1e-6 >= self.next_tick => Some(Reason::Rate),
            Some(prev) if mean_difference(&prev, &thumb) >= CUT_LEVELS => Some(Reason::Cut),
            Some(_) => None,
        };
        if matches!(reason, Some(Reason::First | Reason::Rate)) {
            // The next turn is the next multiple of the interval.
            self.next_tick = ((frame.time / self.interval).floor() + 1.0) * self.interval;
        }
        self.previous = Some(thumb);
        reason
    }
}

/// Means of a 16×16 grid of blocks of a `w`×`h` plane. Runs on every
/// decoded frame, so it adds whole bytes in integers with the block of each
/// column worked out once (the sums are exact either way).
fn thumbnail(luma: &[u8], w: usize, h: usize) -> [f32; THUMB * THUMB] {
    let mut sums = [0u32; THUMB * THUMB];
    let mut counts = [0u32; THUMB * THUMB];
    if w == 0 || h == 0 {
        return [0.0; THUMB * THUMB];
    }
    // Columns per block: block b spans columns [starts[b], starts[b + 1]).
    let starts: Vec<usize> = (0..=THUMB).map(|b| (b * w).div_ceil(THUMB)).collect();
    for (y, row) in luma.chunks_exact(w).take(h).enumerate() {
        let by = y * THUMB / h;
        for b in 0..THUMB {
            let part = &row[starts[b]..starts[b + 1]];
            sums[by * THUMB + b] += part.iter().map(|&v| u32::from(v)).sum::<u32>();
            counts[by * THUMB + b] += part.len() as u32;
        }
    }
    let mut out = [0f32; THUMB * THUMB];
    for ((o, s), c) in out.iter_mut().zip(sums).zip(counts) {
        *o = s as f32 / c.max(1) as f32;
    }
    out
}

fn mean_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(time: f64, level: u8) -> RawFrame {
        // A left-to-right ramp shifted by `level`: a shot whose brightness
        // changes a little from frame to frame, or a lot at a cut.
        let luma = (0..32 * 32)
            .map(|i| ((i % 32) as u8 * 4).saturating_add(level))
            .collect();
        RawFrame {
            index: 0,
            time,
            width: 32,
            height: 32,
            luma,
        }
    }

    /// The block means as a pixel-by-pixel loop works them out.
    fn slow_thumbnail(luma: &[u8], w: usize, h: usize) -> Vec<f32> {
        let mut sums = vec![0f64; THUMB * THUMB];
        let mut counts = vec![0f64; THUMB * THUMB];
        for y in 0..h {
            for x in 0..w {
                let k = (y * THUMB / h) * THUMB + x * THUMB / w;
                sums[k] += f64::from(luma[y * w + x]);
                counts[k] += 1.0;
            }
        }
        sums.iter()
            .zip(&counts)
            .map(|(s, c)| (s / c.max(1.0)) as f32)
            .collect()
    }

    #[test]
    fn thumbnails_are_the_block_means() {
        for (w, h) in [(320, 180), (17, 33), (5, 3), (1280, 720)] {
            let luma: Vec<u8> = (0..w * h).map(|i| (i * 7 % 251) as u8).collect();
            let fast = thumbnail(&luma, w, h);
            let slow = slow_thumbnail(&luma, w, h);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-3, "{w}x{h}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn one_frame_a_second_and_the_first_after_a_cut() {
        let mut s = Sampler::new(&Sampling::default());
        let times = [0.0, 0.04, 0.5, 0.96, 1.0, 1.04, 1.5, 1.54, 2.01];
        let levels = [0, 1, 2, 3, 4, 5, 100, 101, 102];
        let got: Vec<Option<Reason>> = times
            .iter()
            .zip(levels)
            .map(|(&t, l)| s.offer(&frame(t, l)))
            .collect();
        use Reason::*;
        assert_eq!(
            got,
            [
                Some(First),
                None,
                None,
                None,
                Some(Rate),
                None,
                Some(Cut),
                None,
                Some(Rate)
            ]
        );
    }
}
