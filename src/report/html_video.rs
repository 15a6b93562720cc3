//! The video parts of the HTML check report: for a likely original that is
//! a video, the matching frame (extracted with FFmpeg at its time) beside
//! the attached picture, and a strip of the video's stored frames (small
//! thumbnails) with the matched ones marked. Without FFmpeg (or without
//! the clip on this machine) each says what is missing instead.

use std::io::{self, Write};
use std::path::Path;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::check::{ImageCheck, Original};
use crate::video::{clock, still};

/// Long side of the matching frame's picture (pixels).
pub const FRAME_SIDE: u32 = 480;
/// Long side of a strip thumbnail (pixels).
pub const STRIP_SIDE: u32 = 120;
/// Most thumbnails in a strip (each a frame extracted by FFmpeg).
pub const STRIP_FRAMES: usize = 12;

/// The figure of the matching frame of a video original.
pub(super) fn frame_figure(
    w: &mut dyn Write,
    ffmpeg: Option<&Path>,
    o: &Original,
    caption: &str,
) -> io::Result<()> {
    let picture = o
        .time
        .ok_or_else(|| "no frame time".to_string())
        .and_then(|t| {
            still::frame_data_uri(ffmpeg, &o.path, t, FRAME_SIDE).map_err(|e| e.to_string())
        });
    match picture {
        Ok(uri) => writeln!(
            w,
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            attr(&uri),
            attr(caption),
            text(caption)
        ),
        Err(why) => writeln!(
            w,
            "<figure><div class=\"missing\">frame picture not available: {}</div><figcaption>{}</figcaption></figure>",
            text(&why),
            text(caption)
        ),
    }
}

/// The strip of the original video's stored frames, the matched ones
/// (the still's frame, or those in the attached video's segments) marked.
pub(super) fn strip(
    w: &mut dyn Write,
    ffmpeg: Option<&Path>,
    c: &ImageCheck,
    o: &Original,
    shown: &str,
) -> io::Result<()> {
    if o.frame_times.is_empty() {
        return Ok(());
    }
    let matched = |t: f64| {
        o.time.is_some_and(|m| (m - t).abs() < 1e-3)
            || c.segments
                .iter()
                .filter_map(|s| s.reference)
                .any(|(a, b)| t >= a - 1e-3 && t <= b + 1e-3)
    };
    let picked = pick(&o.frame_times, STRIP_FRAMES, matched);
    writeln!(
        w,
        "<h3>Frames of {} ({} stored; {} shown, matched ones outlined)</h3>",
        text(shown),
        o.frame_times.len(),
        picked.len()
    )?;
    if let Err(e) = crate::video::Tools::find(ffmpeg) {
        return writeln!(
            w,
            "<p class=\"missing\">The frame pictures are not shown: {}.</p>",
            text(&e.to_string())
        );
    }
    writeln!(w, "<div class=\"strip\">")?;
    for t in picked {
        let class = if matched(t) { " class=\"hit\"" } else { "" };
        let label = clock(t);
        match still::frame_data_uri(ffmpeg, &o.path, t, STRIP_SIDE) {
            Ok(uri) => writeln!(
                w,
                "<figure{class}><img src=\"{}\" alt=\"frame at {label}\"><figcaption>{label}</figcaption></figure>",
                attr(&uri)
            )?,
            Err(_) => writeln!(
                w,
                "<figure{class}><div class=\"missing\">—</div><figcaption>{label}</figcaption></figure>"
            )?,
        }
    }
    writeln!(w, "</div>")
}

/// At most `n` of `times`, evenly spread, with every matched one that fits
/// (matched ones first, then the spread), in time order.
fn pick(times: &[f64], n: usize, matched: impl Fn(f64) -> bool) -> Vec<f64> {
    if times.len() <= n {
        return times.to_vec();
    }
    let mut out: Vec<f64> = times
        .iter()
        .copied()
        .filter(|&t| matched(t))
        .take(n / 2)
        .collect();
    let rest = n - out.len();
    for k in 0..rest {
        let i = k * (times.len() - 1) / rest.saturating_sub(1).max(1);
        let t = times[i.min(times.len() - 1)];
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

#[cfg(test)]
mod tests {
    use super::pick;

    #[test]
    fn a_long_strip_keeps_its_ends_and_the_matched_frames() {
        let times: Vec<f64> = (0..100).map(f64::from).collect();
        let got = pick(&times, 6, |t| (41.0..=42.0).contains(&t));
        assert!(got.contains(&0.0) && got.contains(&99.0), "{got:?}");
        assert!(got.contains(&41.0) && got.contains(&42.0), "{got:?}");
        assert!(got.len() <= 6, "{got:?}");
        assert_eq!(pick(&times[..3], 6, |_| false), vec![0.0, 1.0, 2.0]);
    }
}
