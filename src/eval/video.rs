//! The video half of `provcheck eval` (`--videos DIR`): every clip under
//! DIR is indexed as a reference video (its sampled frames, as `corpus
//! build` stores them) into an in-memory corpus; stills are grabbed at
//! seeded random times from each clip by FFmpeg, put through the usual
//! transforms ([`super::transforms::all`]) and queried as a still would be
//! ([`Matcher::find`]). Measured per transform: recall at rank 1 (the
//! first match names the still's own clip), the error of the matched time
//! against the grab time, and the false matches (the first match names
//! another clip); distractors (stills of clips, or photos, not in the
//! corpus) count the queries that match anything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::DynamicImage;
use rayon::prelude::*;

use super::transforms::{self, Transform};
use crate::analyze::{analyze_bytes, analyze_file, read_bounded, Analysis, Depth};
use crate::corpus::{corpus_key, Corpus};
use crate::decode::Limits;
use crate::error::{FileError, Result};
use crate::matching::MatchRule;
use crate::query::{Match, Matcher, QueryOptions};
use crate::video::{self, tool::Tools};

/// A clip whose sampled frames match an earlier clip's on at least this
/// share of its own frames is taken for a copy of it and left out (the
/// same footage twice is no unrelated pair).
pub const TWIN_SHARE: f64 = 0.5;

/// Largest PNG a grabbed still may be (a 1536-pixel frame is ~3 MB).
const MAX_STILL_BYTES: u64 = 64 * 1024 * 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct VideoEvalOptions {
    /// Seed of the grab times, crop offsets and marks.
    pub seed: u64,
    /// Stills grabbed per clip.
    pub stills: usize,
    /// The matching rule of the queries.
    pub rule: MatchRule,
    pub limits: Limits,
}

/// One still grabbed from a clip.
#[derive(Debug, Clone)]
pub struct Still {
    pub clip: PathBuf,
    /// The time asked of FFmpeg (seconds from the start); the frame shown
    /// at that time is grabbed, so it lies at most one frame interval later.
    pub time: f64,
}

/// What the queries made of one transform.
#[derive(Debug, Clone)]
pub struct VideoRow {
    pub family: &'static str,
    pub transform: String,
    /// Copies queried (a still whose copy could not be hashed is left out).
    pub queries: usize,
    /// Copies whose first match names their own clip.
    pub found: usize,
    /// Of those, the ones whose matched time is within 1 s of the grab.
    pub within_second: usize,
    /// |matched time − grab time| of each found copy, seconds.
    pub time_errors: Vec<f64>,
    /// Copies whose first match names another clip.
    pub false_matches: usize,
}

/// A query whose first match was not its clip (or a distractor that
/// matched something).
#[derive(Debug, Clone)]
pub struct VideoMiss {
    pub source: PathBuf,
    /// Grab time of the still, `None` for a photo distractor.
    pub time: Option<f64>,
    /// The transform (`None` for a distractor).
    pub transform: Option<String>,
    /// The first match, if any: its path, time and hash distance.
    pub instead: Option<(PathBuf, Option<f64>, u32)>,
}

/// The whole result.
#[derive(Debug, Default)]
pub struct VideoEvaluation {
    /// Clips indexed as references.
    pub clips: usize,
    /// Kept frames stored of them, and their total duration (seconds).
    pub frames: usize,
    pub seconds: f64,
    pub fps: f64,
    pub stills: Vec<Still>,
    pub rows: Vec<VideoRow>,
    /// Distractor queries (stills of clips and photos not in the corpus).
    pub distractor_queries: usize,
    pub distractor_false_matches: usize,
    /// Copies not found at rank 1, and distractors that matched.
    pub misses: Vec<VideoMiss>,
    pub false_matches: Vec<VideoMiss>,
    /// Clips left out as copies of an earlier one: (left out, kept).
    pub duplicates: Vec<(PathBuf, PathBuf)>,
    /// Files (or stills) that could not be read, with the reason.
    pub failures: Vec<(PathBuf, FileError)>,
    /// Seconds spent indexing the clips, and querying.
    pub index_seconds: f64,
    pub query_seconds: f64,
}

impl VideoEvaluation {
    /// Kept frames stored per minute of video.
    pub fn frames_per_minute(&self) -> f64 {
        self.frames as f64 / (self.seconds / 60.0).max(1e-9)
    }
}

/// splitmix64: reproducible grab times from the seed.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` seeded times in `[0, duration)`, sorted, at least 0.2 s before the
/// end (so the frame shown there exists).
fn grab_times(duration: f64, n: usize, seed: u64, clip: usize) -> Vec<f64> {
    let mut state = seed ^ (clip as u64 + 1).wrapping_mul(0xd1b5_4a32_d192_ed03);
    let span = (duration - 0.2).max(0.0);
    let mut t: Vec<f64> = (0..n)
        .map(|_| (splitmix(&mut state) * span * 1000.0).round() / 1000.0)
        .collect();
    t.sort_by(f64::total_cmp);
    t
}

/// The frame of `clip` shown at `time` seconds, as FFmpeg decodes it
/// (full size, display rotation applied), PNG-encoded.
///
/// Errors: [`FileError::NoFfmpeg`], [`FileError::Video`] when FFmpeg fails
/// or yields no frame, [`FileError::TimedOut`] past the per-file limit.
pub fn grab(clip: &Path, time: f64, limits: &Limits) -> std::result::Result<Vec<u8>, FileError> {
    let tools = Tools::find(limits.video.ffmpeg)?;
    let mut cmd = Command::new(&tools.ffmpeg);
    cmd.args(["-hide_banner", "-nostdin", "-v", "error", "-ss"])
        .arg(format!("{time:.3}"))
        .arg("-i")
        .arg(clip)
        .args(["-map", "0:v:0", "-frames:v", "1", "-f", "image2pipe"])
        .args(["-c:v", "png", "-"]);
    let png = video::tool::run_bounded(cmd, video::deadline(limits.max_duration), MAX_STILL_BYTES)?;
    if png.is_empty() {
        return Err(FileError::Video(format!(
            "ffmpeg gave no frame at {}",
            video::clock(time)
        )));
    }
    Ok(png)
}

fn decode_png(png: &[u8]) -> std::result::Result<DynamicImage, FileError> {
    image::load_from_memory(png).map_err(|e| FileError::Decode {
        format: "PNG".into(),
        reason: e.to_string(),
    })
}

/// Runs the video benchmark on the clips under `videos`, with the clips
/// and pictures under `distractors` (never indexed) as unrelated queries.
///
/// Errors: only the in-memory corpus's (a file that cannot be read is
/// listed in [`VideoEvaluation::failures`]).
pub fn run_videos(
    videos: &Path,
    distractors: Option<&Path>,
    opts: &VideoEvalOptions,
) -> Result<VideoEvaluation> {
    let mut e = VideoEvaluation {
        fps: opts.limits.video.sampling.fps,
        ..VideoEvaluation::default()
    };
    let started = Instant::now();
    let paths: Vec<PathBuf> = super::files_under(videos)
        .into_iter()
        .filter(|p| video::has_video_extension(p))
        .collect();
    let analysed: Vec<_> = paths
        .par_iter()
        .map(|p| analyze_file(p, &opts.limits, Depth::Reference))
        .collect();
    let mut clips: Vec<(String, Analysis)> = Vec::new();
    for (p, r) in paths.iter().zip(analysed) {
        match r {
            Ok(a) if a.video.is_some() => {
                clips.push((corpus_key(p).to_string_lossy().into_owned(), a));
            }
            Ok(_) => e.failures.push((
                p.clone(),
                FileError::Unsupported("not a video (a single picture)".into()),
            )),
            Err(err) => e.failures.push((p.clone(), err)),
        }
    }
    // Of two copies of one footage the larger file (the less compressed)
    // is kept as the reference; then back to name order.
    clips.sort_by_key(|(_, a)| std::cmp::Reverse(a.size));
    let (mut clips, duplicates) = distinct(clips, opts.rule)?;
    clips.sort_by(|x, y| x.0.cmp(&y.0));
    e.duplicates = duplicates;
    let mut corpus = Corpus::in_memory()?;
    corpus.write_analyses(&clips)?;
    e.index_seconds = started.elapsed().as_secs_f64();
    e.clips = clips.len();
    for (_, a) in &clips {
        if let Some(v) = &a.video {
            e.frames += v.frames.len();
            e.seconds += v.container.duration.unwrap_or(v.last_time);
        }
    }
    let started = Instant::now();
    let matcher = Matcher::new(&corpus, opts.rule)?;
    let family_of = transforms::all();
    let mut rows: Vec<VideoRow> = family_of
        .iter()
        .map(|(family, t)| VideoRow {
            family,
            transform: t.name(),
            queries: 0,
            found: 0,
            within_second: 0,
            time_errors: Vec::new(),
            false_matches: 0,
        })
        .collect();
    for (c, (key, a)) in clips.iter().enumerate() {
        let duration = a
            .video
            .as_ref()
            .map_or(0.0, |v| v.container.duration.unwrap_or(v.last_time));
        for time in grab_times(duration, opts.stills, opts.seed, c) {
            let img = match grab(&a.path, time, &opts.limits).and_then(|png| decode_png(&png)) {
                Ok(img) => img,
                Err(err) => {
                    e.failures.push((a.path.clone(), err));
                    continue;
                }
            };
            e.stills.push(Still {
                clip: a.path.clone(),
                time,
            });
            let salt = opts.seed ^ (e.stills.len() as u64).wrapping_mul(0x9e37_79b9);
            let copies: Vec<Option<Analysis>> = family_of
                .par_iter()
                .map(|(_, t)| copy_of(&img, *t, salt, &opts.limits))
                .collect();
            for (row, copy) in rows.iter_mut().zip(copies) {
                let Some(q) = copy else { continue };
                let first = matcher
                    .find(&q, &QueryOptions::default())?
                    .into_iter()
                    .next();
                row.queries += 1;
                score(row, first, key, a, time, &mut e.misses);
            }
        }
    }
    e.rows = rows;
    if let Some(dir) = distractors {
        distract(&mut e, &matcher, dir, opts)?;
    }
    e.query_seconds = started.elapsed().as_secs_f64();
    Ok(e)
}

/// The copy of a still by one transform, analysed as a query.
fn copy_of(img: &DynamicImage, t: Transform, salt: u64, limits: &Limits) -> Option<Analysis> {
    analyze_bytes(&t.apply(img, salt), limits, Depth::Query).ok()
}

/// Counts a copy's first match in its row.
fn score(
    row: &mut VideoRow,
    first: Option<Match>,
    key: &str,
    a: &Analysis,
    time: f64,
    misses: &mut Vec<VideoMiss>,
) {
    match first {
        Some(m) if m.path.as_os_str() == key => {
            row.found += 1;
            let error = m.time.map_or(f64::INFINITY, |t| (t - time).abs());
            row.within_second += usize::from(error <= 1.0);
            row.time_errors.push(error);
        }
        other => {
            row.false_matches += usize::from(other.is_some());
            misses.push(VideoMiss {
                source: a.path.clone(),
                time: Some(time),
                transform: Some(row.transform.clone()),
                instead: other.map(|m| (m.path, m.time, m.distance)),
            });
        }
    }
}

/// Queries the distractors: `stills` stills of each clip, each picture as
/// it is; any match is a false match.
fn distract(
    e: &mut VideoEvaluation,
    matcher: &Matcher<'_>,
    dir: &Path,
    opts: &VideoEvalOptions,
) -> Result<()> {
    for (k, p) in super::files_under(dir).into_iter().enumerate() {
        let queries: Vec<(Option<f64>, std::result::Result<Analysis, FileError>)> =
            match video::has_video_extension(&p) {
                true => {
                    let duration = crate::video::probe::probe(
                        &match Tools::find(opts.limits.video.ffmpeg) {
                            Ok(t) => t,
                            Err(err) => {
                                e.failures.push((p, err));
                                continue;
                            }
                        },
                        &p,
                        video::deadline(opts.limits.max_duration),
                    )
                    .map(|p| p.container.duration.unwrap_or(0.0));
                    let duration = match duration {
                        Ok(d) => d,
                        Err(err) => {
                            e.failures.push((p, err));
                            continue;
                        }
                    };
                    grab_times(duration, opts.stills, !opts.seed, k)
                        .into_iter()
                        .map(|t| {
                            let q = grab(&p, t, &opts.limits)
                                .and_then(|png| analyze_bytes(&png, &opts.limits, Depth::Query));
                            (Some(t), q)
                        })
                        .collect()
                }
                false => {
                    let q = read_bounded(&p, opts.limits.max_file_bytes)
                        .and_then(|b| analyze_bytes(&b, &opts.limits, Depth::Query));
                    vec![(None, q)]
                }
            };
        for (time, q) in queries {
            let q = match q {
                Ok(q) => q,
                Err(err) => {
                    e.failures.push((p.clone(), err));
                    continue;
                }
            };
            e.distractor_queries += 1;
            if let Some(m) = matcher
                .find(&q, &QueryOptions::default())?
                .into_iter()
                .next()
            {
                e.distractor_false_matches += 1;
                e.false_matches.push(VideoMiss {
                    source: p.clone(),
                    time,
                    transform: None,
                    instead: Some((m.path, m.time, m.distance)),
                });
            }
        }
    }
    Ok(())
}

/// Keeps one clip per footage: a clip whose frames match a kept (earlier)
/// clip on at least [`TWIN_SHARE`] of them (as `query CLIP` counts it) is
/// set aside with the one it copies.
#[allow(clippy::type_complexity)]
fn distinct(
    clips: Vec<(String, Analysis)>,
    rule: MatchRule,
) -> Result<(Vec<(String, Analysis)>, Vec<(PathBuf, PathBuf)>)> {
    let mut all = Corpus::in_memory()?;
    all.write_analyses(&clips)?;
    let matcher = Matcher::new(&all, rule)?;
    let mut kept: Vec<(String, Analysis)> = Vec::new();
    let mut duplicates = Vec::new();
    for (key, a) in clips {
        let found = crate::clip::find_clip(&matcher, &a, &QueryOptions::default())?;
        let twin = found.iter().find(|c| {
            c.query_share >= TWIN_SHARE
                && kept
                    .iter()
                    .any(|(k, _)| c.best.path.as_os_str() == k.as_str())
        });
        match twin {
            Some(c) => duplicates.push((a.path.clone(), c.best.path.clone())),
            None => kept.push((key, a)),
        }
    }
    Ok((kept, duplicates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grab_times_are_seeded_sorted_and_inside_the_clip() {
        let a = grab_times(10.0, 5, 1, 0);
        assert_eq!(a, grab_times(10.0, 5, 1, 0));
        assert_ne!(a, grab_times(10.0, 5, 2, 0));
        assert_ne!(a, grab_times(10.0, 5, 1, 1));
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        assert!(a.iter().all(|&t| (0.0..9.8).contains(&t)), "{a:?}");
    }
}
