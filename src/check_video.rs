//! What `check` says when the likely original is a video: a still cut from
//! it is named with the clip and the time ("a still from coast.mp4 at
//! 00:02.0, first published ..."), an attached video with the stretches it
//! shares, and a frame known by its PDQ hash alone (a clip read from its
//! vPDQ file without FFmpeg, or an imported vPDQ list) with what that
//! leaves out.

use crate::check::{Finding, Original};
use crate::clip::Segment;
use crate::decode::Limits;
use crate::query::{Match, Media};
use crate::video::{clock, Tools};

/// Segments named one by one in the notes; the rest are counted.
const NAMED_SEGMENTS: usize = 3;

/// The notes of an image check whose likely original is `original` (the
/// match `m`), with the attached video's `segments` (empty for a still).
/// Nothing for a still original.
pub fn notes(
    original: &Original,
    m: &Match,
    segments: &[Segment],
    limits: &Limits,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = original
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| original.path.to_string_lossy().into_owned());
    let published = match (&original.context.published, &original.context.publisher) {
        (Some(d), Some(by)) => format!(", first published {d} by {by}"),
        (Some(d), None) => format!(", first published {d}"),
        (None, _) => String::new(),
    };
    if !segments.is_empty() {
        for s in segments.iter().take(NAMED_SEGMENTS) {
            let detail = s
                .describe()
                .replace("of the query", "of the attached video")
                .replace("of the reference", &format!("of {name}"));
            out.push(Finding {
                kind: "segment",
                detail: format!("{detail}{published}"),
            });
        }
        if segments.len() > NAMED_SEGMENTS {
            out.push(Finding {
                kind: "segment",
                detail: format!("and {} more stretches", segments.len() - NAMED_SEGMENTS),
            });
        }
    } else if let (Media::Video, Some(t)) = (original.media, original.time) {
        let frame = original
            .frame
            .map(|f| format!(" (frame {f})"))
            .unwrap_or_default();
        out.push(Finding {
            kind: "still-from-video",
            detail: format!("a still from {name} at {}{frame}{published}", clock(t)),
        });
    }
    if original.media == Media::Video && m.verification.is_none() {
        let missing = Tools::find(limits.video.ffmpeg)
            .err()
            .map(|e| match e {
                crate::error::FileError::NoFfmpeg(why) => format!(" (FFmpeg was not found: {why})"),
                other => format!(" ({other})"),
            })
            .unwrap_or_default();
        out.push(Finding {
            kind: "hash-only",
            detail: format!(
                "the frame is known by its PDQ hash only{missing}: no local-feature verification against the frame, no frame picture in HTML reports"
            ),
        });
    }
    out
}
