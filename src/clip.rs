//! Querying with a video (or an animation): each kept frame of the query is
//! looked up as a still would be ([`Matcher::find`]), and the frames' matches
//! are gathered per reference: for a reference video, the share of the
//! query's frames that match it and the share of its frames that are
//! matched (vPDQ's two numbers), and the matched time ranges on both sides;
//! for a still reference, the times in the query where it appears.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::analyze::Analysis;
use crate::error::Result;
use crate::query::{Match, Matcher, Media, QueryOptions};

/// A stretch of the query matching a stretch of a reference (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Segment {
    /// First and last matching frame times of the query.
    pub query: (f64, f64),
    /// The times of the reference's frames they matched (a video
    /// reference only).
    pub reference: Option<(f64, f64)>,
}

impl Segment {
    /// "00:12.0–00:31.0 of the query is 01:05.0–01:24.0 of the reference"
    /// (or "at 00:12.0–00:31.0 of the query" for a still).
    pub fn describe(&self) -> String {
        let span = |(a, b): (f64, f64)| match (b - a).abs() < 0.05 {
            true => crate::video::clock(a),
            false => format!("{}–{}", crate::video::clock(a), crate::video::clock(b)),
        };
        match self.reference {
            Some(r) => format!(
                "{} of the query is {} of the reference",
                span(self.query),
                span(r)
            ),
            None => format!("at {} of the query", span(self.query)),
        }
    }
}

/// What a video query found of one reference.
#[derive(Debug, Clone, Serialize)]
pub struct ClipMatch {
    /// The reference's closest match to any frame of the query.
    pub best: Match,
    /// Share of the query's kept frames that match this reference (0–1).
    pub query_share: f64,
    /// Share of the reference video's kept frames matched by a frame of the
    /// query (0–1); `None` for a still reference.
    pub reference_share: Option<f64>,
    pub segments: Vec<Segment>,
}

/// Query frames further apart than this many sampling intervals (plus a
/// second) start a new segment.
const SEGMENT_GAP_INTERVALS: f64 = 2.0;

/// The references the frames of `a` (a video) match, the
/// earliest-published first, then by the share of the query they cover.
pub fn find_clip(
    matcher: &Matcher<'_>,
    a: &Analysis,
    opts: &QueryOptions,
) -> Result<Vec<ClipMatch>> {
    let Some(video) = &a.video else {
        return Ok(Vec::new());
    };
    let total = video.frames.len().max(1) as f64;
    // Per reference path: (query time, reference time, match) of each hit.
    let mut hits: BTreeMap<PathBuf, Vec<(f64, Option<f64>, Match)>> = BTreeMap::new();
    // Each frame as a still: no bytes of its own (no SHA-256, so no
    // byte-identical match), the video's metadata; looked up in parallel.
    let found = matcher.find_each(&video.frames, |matcher, f| {
        let frame = Analysis {
            path: a.path.clone(),
            size: 0,
            mtime_ns: 0,
            sha256: String::new(),
            format: a.format.clone(),
            width: f.width,
            height: f.height,
            hashes: f.hashes.clone(),
            features: f.features.clone(),
            exif: a.exif.clone(),
            video: None,
        };
        matcher.find(&frame, opts)
    })?;
    for (f, matches) in video.frames.iter().zip(found) {
        for m in matches {
            hits.entry(m.path.clone())
                .or_default()
                .push((f.time, m.time, m));
        }
    }
    let gap = SEGMENT_GAP_INTERVALS / video.sampling.fps.max(1e-3) + 1.0;
    let mut out = Vec::new();
    for (_, mut h) in hits {
        h.sort_by(|x, y| x.0.total_cmp(&y.0));
        let matched_query = dedup_times(h.iter().map(|x| x.0));
        let matched_reference = dedup_times(h.iter().filter_map(|x| x.1));
        let segments = segments(&h, gap);
        let best_at = (0..h.len())
            .min_by_key(|&k| (h[k].2.class, h[k].2.distance))
            .unwrap_or(0);
        let best = h.swap_remove(best_at).2;
        let reference_share = match best.media {
            Media::Video => matcher
                .frames_of_video(&best)?
                .map(|n| (matched_reference as f64 / n.max(1) as f64).min(1.0)),
            Media::Image => None,
        };
        out.push(ClipMatch {
            query_share: matched_query as f64 / total,
            reference_share,
            segments,
            best,
        });
    }
    out.sort_by(|x, y| {
        let date = |c: &ClipMatch| c.best.context.as_ref().and_then(|c| c.published.clone());
        (date(x).is_none(), date(x))
            .cmp(&(date(y).is_none(), date(y)))
            .then(y.query_share.total_cmp(&x.query_share))
    });
    Ok(out)
}

/// Number of distinct times (to the millisecond).
fn dedup_times(times: impl Iterator<Item = f64>) -> usize {
    let mut ms: Vec<i64> = times.map(|t| (t * 1000.0).round() as i64).collect();
    ms.sort_unstable();
    ms.dedup();
    ms.len()
}

/// Runs of hits whose query times are at most `gap` apart.
fn segments(hits: &[(f64, Option<f64>, Match)], gap: f64) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let widen = |r: Option<(f64, f64)>, t: Option<f64>| match (r, t) {
        (Some((a, b)), Some(t)) => Some((a.min(t), b.max(t))),
        (None, Some(t)) => Some((t, t)),
        (r, None) => r,
    };
    for (q, r, _) in hits {
        match out.last_mut() {
            Some(s) if q - s.query.1 <= gap => {
                s.query.1 = *q;
                s.reference = widen(s.reference, *r);
            }
            _ => out.push(Segment {
                query: (*q, *q),
                reference: widen(None, *r),
            }),
        }
    }
    out
}
