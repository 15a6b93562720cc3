//! Which decoded frames are kept: a fixed rate (1 frame per second by
//! default, as ThreatExchange's vPDQ samples) plus the first frame after
//! every scene cut; then a kept frame whose PDQ is within
//! [`NEAR_DUPLICATE_BITS`] of the previous kept frame's is dropped, and so
//! is a low-information one (a black, blank or faded frame, which could only
//! collide).
//!
//! A scene cut is a frame whose scene score reaches [`CUT_SCORE`]: the score
//! of FFmpeg's `select` filter, min(mafd, |mafd − previous mafd|) / 100,
//! where mafd is the mean absolute difference (levels of 255) between the
//! frame and the one before it, when the frame before it scored lower
//! (the frame after a cut is no second cut). A steady pan or zoom changes mafd little
//! from frame to frame and scores low; a cut jumps. Videos decoded by
//! FFmpeg are sampled inside FFmpeg with this rule ([`select_expression`]:
//! only the sampled frames leave it); animations decoded here
//! ([`super::animation`]) are scored by [`Sampler::offer`] on their grey
//! frames with the same formula.

use serde::Serialize;

use super::RawFrame;

/// Scene score (0–1, FFmpeg's `select` filter's `scene`) at or above which
/// a frame starts a new shot. Measured on 13 clips (the shared clips, the
/// bundled one, clips made by `scripts/video-eval-clips.sh` and
/// `benches/video.sh`): the 42 cuts
/// scored 0.18 to 1.0; frames inside shots at most 0.11, except the frame
/// after a cut (up to 0.22, the encoder's quality step after a key frame),
/// which is no cut because the frame before it (the cut) scored as high.
pub const CUT_SCORE: f64 = 0.15;

/// A sampled frame whose PDQ is this close (bits of 256) to the previous
/// kept frame's adds nothing and is dropped: a still shot stores one frame.
pub const NEAR_DUPLICATE_BITS: u32 = 10;

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

impl Sampling {
    /// The fixed rate, frames per second (a non-finite or non-positive
    /// `fps` counts as 1).
    pub fn rate(&self) -> f64 {
        if self.fps.is_finite() && self.fps > 0.0 {
            self.fps
        } else {
            1.0
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

/// Margin (seconds) by which a frame's time may fall short of the rate's
/// turn and still take it (timestamps printed to 6 digits).
const TICK_SLACK: f64 = 1e-6;

/// FFmpeg `select` filter expression of the sampling rule for a video
/// whose frames are timed from 0 (FFmpeg shifts them so): the first frame,
/// the first frame at or after each turn of the fixed rate (the next turn
/// is the next multiple of 1/rate after a frame taken so, kept in the
/// expression's variable 0), and every frame whose scene score reaches
/// [`CUT_SCORE`] after one that did not (the previous score is kept in
/// variable 1). Commas and semicolons are escaped for a filter graph.
pub fn select_expression(sampling: &Sampling) -> String {
    let f = sampling.rate();
    format!(
        "st(2\\,if(eq(n\\,0)+gte(t+{TICK_SLACK}\\,ld(0))\\,st(0\\,(floor(t*{f})+1)/{f})*0+1\\,gte(scene\\,{CUT_SCORE})*lt(ld(1)\\,{CUT_SCORE})))\\;st(1\\,scene)\\;ld(2)"
    )
}

/// The sampling rule applied to one video's frames in order.
pub struct Sampler {
    interval: f64,
    next_tick: f64,
    first: bool,
    previous_score: f64,
    previous: Option<Vec<u8>>,
    previous_mafd: f64,
}

impl Sampler {
    pub fn new(sampling: &Sampling) -> Sampler {
        Sampler {
            interval: 1.0 / sampling.rate(),
            next_tick: 0.0,
            first: true,
            previous_score: 0.0,
            previous: None,
            previous_mafd: 0.0,
        }
    }

    /// Whether `frame` (the next decoded one) is sampled, and why.
    pub fn offer(&mut self, frame: &RawFrame) -> Option<Reason> {
        let score = match &self.previous {
            Some(prev) if prev.len() == frame.luma.len() => {
                let mafd = mean_difference(prev, &frame.luma);
                let score = (mafd.min((mafd - self.previous_mafd).abs()) / 100.0).clamp(0.0, 1.0);
                self.previous_mafd = mafd;
                score
            }
            // A size change (or the first frame) scores 0, as in FFmpeg.
            _ => 0.0,
        };
        self.previous = Some(frame.luma.clone());
        if self.first || frame.time + TICK_SLACK >= self.next_tick {
            self.previous_score = score;
            return Some(self.classify(frame.time));
        }
        let cut = score >= CUT_SCORE && self.previous_score < CUT_SCORE;
        self.previous_score = score;
        cut.then(|| self.classify(frame.time))
    }

    /// Why a frame already sampled by [`select_expression`] was taken: the
    /// first, the rate's turn, else a cut (the rate's turns are followed as
    /// FFmpeg follows them).
    pub fn classify(&mut self, time: f64) -> Reason {
        let reason = if self.first {
            Reason::First
        } else if time + TICK_SLACK >= self.next_tick {
            Reason::Rate
        } else {
            return Reason::Cut;
        };
        self.first = false;
        // The next turn is the next multiple of the interval.
        self.next_tick = ((time / self.interval).floor() + 1.0) * self.interval;
        reason
    }
}

/// Mean absolute difference of two planes, levels of 255.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.len().max(1) as f64
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

    #[test]
    fn the_frame_after_a_cut_is_no_second_cut() {
        let mut s = Sampler::new(&Sampling::default());
        // Jumps of 40 then 80 levels: both score 0.4.
        let got: Vec<Option<Reason>> = [(0.0, 0), (0.5, 40), (0.54, 120), (0.9, 121), (1.0, 122)]
            .iter()
            .map(|&(t, l)| s.offer(&frame(t, l)))
            .collect();
        use Reason::*;
        assert_eq!(got, [Some(First), Some(Cut), None, None, Some(Rate)]);
    }
}
