//! The robustness benchmark behind `provcheck eval`: hashes a folder of
//! originals (plus distractors) into an in-memory corpus, makes every
//! transformed copy of each original, queries them, and measures for each
//! transform and matching method the recall at rank 1 and the false matches,
//! with the distance distributions the thresholds are read from.

pub mod transforms;
pub mod video;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analyze::{analyze_bytes, read_bounded, Analysis, Depth};
use crate::corpus::Reference;
use crate::decode::Limits;
use crate::error::FileError;
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::hash::Hashes;
use crate::index;
use crate::matching::{MatchClass, MatchRule};
use crate::query::{exposures, look_alikes, relate, strongest_copy};
use crate::verify::{self, Verdict};

pub use transforms::Transform;
pub use video::{run_videos, VideoEvalOptions, VideoEvaluation};

/// The matching methods compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A single 64-bit pHash of the whole picture; its distance is counted
    /// four times so it shares the 256-bit scale (and threshold) of PDQ.
    Phash,
    /// PDQ of the whole picture as it is (what most peers do).
    Pdq,
    /// PDQ against the eight rotations/flips of the query.
    PdqDihedral,
    /// provcheck's hash stage alone: rotations/flips and sub-frames of both
    /// sides.
    ProvcheckHash,
    /// provcheck's default: the hash stage, then local-feature verification
    /// of the closest candidates ([`crate::verify`]).
    Provcheck,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Phash,
        Method::Pdq,
        Method::PdqDihedral,
        Method::ProvcheckHash,
        Method::Provcheck,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::Phash => "phash64",
            Method::Pdq => "pdq",
            Method::PdqDihedral => "pdq-dihedral",
            Method::ProvcheckHash => "provcheck-hash",
            Method::Provcheck => "provcheck",
        }
    }

    /// Hash distance between a query and a reference by this method (the
    /// hash stage's for both provcheck methods); `None` when either side is
    /// low-information (never matched on distance alone).
    pub fn distance(self, q: &Hashes, r: &Reference) -> Option<u32> {
        if q.low_information || r.low_information {
            return None;
        }
        Some(match self {
            Method::Phash => 4 * (q.phash? ^ r.phash?).count_ones(),
            Method::Pdq => q.pdq.distance(&r.pdq),
            Method::PdqDihedral => q
                .pdq_variants
                .iter()
                .map(|v| v.distance(&r.pdq))
                .min()
                .unwrap_or(u32::MAX),
            Method::ProvcheckHash | Method::Provcheck => index::distance(q, r),
        })
    }
}

/// The default matcher's scores of a query against every reference, from
/// the hash stage's (`Some` for references it may match, lower is closer, a
/// match at or under `threshold`): the closest candidates by hash, and as
/// many nominated by the references' windows ([`index::window_distance`]),
/// are verified. A confirmed copy scores at most `threshold` whatever its
/// hash distance; another shot of the same scene scores `None` and is listed
/// in `same_scene` with what told it apart; a nominee that does not verify
/// keeps its hash score.
fn verified(
    q: &Analysis,
    refs: &[Known],
    mut scores: Vec<Option<u32>>,
    threshold: u32,
    same_scene: &mut Scene,
) -> Vec<Option<u32>> {
    let Some(probe) = q.features.as_ref().map(verify::Probe::new) else {
        return scores;
    };
    let rule = MatchRule {
        near_duplicate: threshold,
        similar: threshold,
    };
    let by_hash = verify::candidates(&scores, &[]);
    let windows: Vec<Option<u32>> = refs
        .iter()
        .map(|(r, _, _)| Some(index::window_distance(&q.hashes, r)))
        .collect();
    let nominated = verify::candidates(&windows, &by_hash);
    let mut candidates: Vec<usize> = by_hash.into_iter().chain(nominated).collect();
    let judge = |j: usize| {
        let d = scores[j].unwrap_or(u32::MAX);
        let verdict = refs[j]
            .1
            .as_ref()
            .map_or(Verdict::Unknown, |rf| probe.judge(rf));
        // As `query` does: features alone never take away a match the
        // hash makes conclusive, and another exposure of one camera is no
        // copy.
        let verdict = verify::weighed(verdict, d);
        let (by_exif, _) =
            exposures(verdict, &q.exif, || Ok(refs[j].2.clone())).unwrap_or((verdict, None));
        let cause = match by_exif != verdict {
            true => Cause::Exif,
            false => Cause::Features,
        };
        (by_exif, d, cause)
    };
    let mut judged: Vec<(Verdict, u32, Cause)> = candidates.iter().map(|&j| judge(j)).collect();
    let verdicts = |judged: &[(Verdict, u32, Cause)]| -> Vec<(Verdict, u32)> {
        judged.iter().map(|&(v, d, _)| (v, d)).collect()
    };
    // As `query` does: the strongest copy's own closest references are
    // verified too.
    if let Some(b) = strongest_copy(&verdicts(&judged)) {
        let of = candidates[b];
        let near: Vec<Option<u32>> = refs
            .iter()
            .enumerate()
            .map(|(j, (r, _, _))| (j != of).then(|| index::sibling_distance(&refs[of].0, r)))
            .collect();
        for j in verify::candidates(&near, &candidates) {
            candidates.push(j);
            judged.push(judge(j));
        }
    }
    // As `query` does: a copy of one frame of two is no copy of the other.
    let found = look_alikes(&verdicts(&judged), |b, k| {
        let (best, other) = (&refs[candidates[b]], &refs[candidates[k]]);
        relate((best.1.as_ref(), &best.2), other.1.as_ref(), || {
            Ok(other.2.clone())
        })
    })
    .unwrap_or_default();
    for (k, _, _) in found {
        judged[k].0 = judged[k].0.as_other_shot();
        judged[k].2 = Cause::LookAlike;
    }
    for (j, (verdict, _, cause)) in candidates.into_iter().zip(judged) {
        let d = scores[j].unwrap_or(u32::MAX);
        scores[j] = match rule.judge(d, &verdict) {
            Some(MatchClass::NearDuplicate) => Some(d.min(threshold)),
            Some(_) => {
                same_scene.push((j, cause));
                None
            }
            None => scores[j],
        };
    }
    scores
}

/// What told a look-alike apart from a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The features: pairs off the transform show another viewpoint.
    Features,
    /// EXIF: one camera, capture times moments apart.
    Exif,
    /// The corpus: the query is a closer copy of another reference that is
    /// another shot or exposure of this one.
    LookAlike,
}

impl Cause {
    pub fn name(self) -> &'static str {
        match self {
            Cause::Features => "features",
            Cause::Exif => "exif",
            Cause::LookAlike => "look-alike",
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Distance at or below which a pair counts as a match.
    pub threshold: u32,
    pub limits: Limits,
}

/// Recall of one transform.
#[derive(Debug, Clone)]
pub struct Row {
    pub family: &'static str,
    pub transform: String,
    /// Copies made and hashed (originals whose copy failed are left out).
    pub queries: usize,
    /// Share of copies whose closest reference is their original, within
    /// the threshold, per method (in [`Method::ALL`] order).
    pub recall: Vec<f64>,
    /// Copies that matched some other reference within the threshold.
    pub false_matches: Vec<usize>,
    /// Copies whose own original the hash stage matched within the
    /// threshold and verification took away (called another shot or
    /// exposure, or a look-alike): copies thrown away.
    pub demoted: usize,
}

/// A query that came within the threshold of a reference not its source
/// (by the default matcher).
#[derive(Debug, Clone)]
pub struct FalseMatch {
    /// The original the copy was made from, or the distractor itself.
    pub source: PathBuf,
    /// The transform that made the copy (`None` for a distractor).
    pub transform: Option<String>,
    pub reference: PathBuf,
    pub distance: u32,
}

/// A reference the default matcher told apart from a query: another shot
/// or exposure of its scene, or a look-alike, reported as similar.
#[derive(Debug, Clone)]
pub struct SameScene {
    /// The query's source, the reference and the hash stage's distance.
    pub pair: FalseMatch,
    pub cause: Cause,
    /// The reference is the query's own original: a copy taken for
    /// another picture.
    pub own: bool,
}

impl SameScene {
    /// Whether the hash stage alone had matched it (within `threshold`):
    /// verification took a match away.
    pub fn demoted(&self, threshold: u32) -> bool {
        self.pair.distance <= threshold
    }
}

/// A copy the default matcher did not find at rank 1 within the threshold.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The original the copy was made from.
    pub source: PathBuf,
    pub transform: String,
    /// The copy's score against its original (`None`: not comparable).
    pub distance: Option<u32>,
    /// The reference that came first instead, with its score.
    pub instead: Option<(PathBuf, u32)>,
}

/// Distances of one method over every query.
#[derive(Debug, Clone, Default)]
pub struct Distances {
    /// Each copy to its own original.
    pub matching: Vec<u32>,
    /// Each query to the closest reference that is not its source.
    pub non_matching: Vec<u32>,
}

impl Distances {
    /// The largest threshold whose false-match rate on this data is at most
    /// `rate`: `None` when there are too few non-matching queries to tell.
    pub fn threshold_for(&self, rate: f64) -> Option<u32> {
        let n = self.non_matching.len();
        if n == 0 || (n as f64) * rate < 1.0 {
            return None;
        }
        let mut v = self.non_matching.clone();
        v.sort_unstable();
        let allowed = ((n as f64) * rate).floor() as usize;
        Some(v[allowed].saturating_sub(1))
    }
}

/// The whole result.
#[derive(Debug)]
pub struct Evaluation {
    pub originals: usize,
    pub distractors: usize,
    pub threshold: u32,
    pub rows: Vec<Row>,
    /// Per method, in [`Method::ALL`] order.
    pub distances: Vec<Distances>,
    /// Distractor queries that matched some reference, per method.
    pub distractor_false_matches: Vec<usize>,
    /// Every false match of the default matcher, closest first, so the
    /// pictures behind the false-match rate can be looked at.
    pub false_match_pairs: Vec<FalseMatch>,
    /// Look-alikes the default matcher told apart from copies: another shot
    /// of the same scene, reported as similar (hash distance given).
    pub same_scene: Vec<SameScene>,
    /// Copies the default matcher missed, so they can be looked at.
    pub misses: Vec<Miss>,
    /// Files that could not be read or decoded, with the reason.
    pub failures: Vec<(PathBuf, FileError)>,
    /// Originals and distractors left out as copies of another one (the
    /// same picture twice is no unrelated pair): (left out, kept).
    pub duplicates: Vec<(PathBuf, PathBuf)>,
    /// Low-information originals, left out: they never match on distance.
    pub low_information: Vec<PathBuf>,
}

impl Evaluation {
    /// False matches over all non-matching queries, per method.
    pub fn false_match_rate(&self, m: usize) -> f64 {
        let fm: usize = self.rows.iter().map(|r| r.false_matches[m]).sum::<usize>()
            + self.distractor_false_matches[m];
        fm as f64 / self.distances[m].non_matching.len().max(1) as f64
    }
}

/// Every regular file under `dir` (folders walked, links not followed),
/// sorted: the benchmarks' inputs, which each caller filters or reports as
/// failures when they cannot be read.
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

/// Runs the benchmark.
pub fn run(originals: &Path, distractors: Option<&Path>, opts: &Options) -> Evaluation {
    let mut failures = Vec::new();
    let mut load = |dir: &Path| -> Vec<(Analysis, image::DynamicImage)> {
        let paths = files_under(dir);
        let loaded: Vec<_> = paths
            .par_iter()
            .map(|p| {
                // Read once: the analysis hashes the bytes, the transforms
                // start from the full decode.
                let bytes = read_bounded(p, opts.limits.max_file_bytes)?;
                let mut a = analyze_bytes(&bytes, &opts.limits, Depth::Reference)?;
                a.path = p.clone();
                let img = crate::decode::decode(&bytes, &opts.limits)?.image;
                Ok::<_, FileError>((a, img))
            })
            .collect();
        let mut ok = Vec::new();
        for (r, p) in loaded.into_iter().zip(paths) {
            match r {
                Ok(x) => ok.push(x),
                Err(e) => failures.push((p, e)),
            }
        }
        ok
    };
    // Low-information originals never match on distance, by design: they
    // are listed, not counted as misses.
    let (originals, low_information): (Vec<Loaded>, Vec<Loaded>) = load(originals)
        .into_iter()
        .partition(|(a, _)| !a.hashes.low_information);
    let low_information = low_information.into_iter().map(|(a, _)| a.path).collect();
    let mut seen = Vec::new();
    let (originals, mut duplicates) = distinct(&mut seen, originals, opts.threshold);
    let (distractors, more) = distinct(
        &mut seen,
        distractors.map(&mut load).unwrap_or_default(),
        opts.threshold,
    );
    duplicates.extend(more);
    let corpus: Vec<Known> = originals
        .iter()
        .chain(distractors.iter())
        .enumerate()
        .map(|(i, (a, _))| {
            let r = Reference::from_analysis(i as i64, a);
            (r, a.features.clone(), a.exif.clone())
        })
        .collect();
    let methods = Method::ALL.len();
    let mut distances = vec![Distances::default(); methods];
    let mut rows = Vec::new();
    let mut pairs = Vec::new();
    let mut same_scene = Vec::new();
    let mut misses = Vec::new();
    let provcheck = Method::ALL
        .iter()
        .position(|m| *m == Method::Provcheck)
        .unwrap_or(0);
    let hash_stage = Method::ALL
        .iter()
        .position(|m| *m == Method::ProvcheckHash)
        .unwrap_or(0);
    let threshold = opts.threshold;
    // Each query's scores by every method, and the look-alikes the default
    // method told apart.
    let score_all = |q: &Analysis| {
        let mut scene = Vec::new();
        let mut s: Scores = Vec::with_capacity(methods);
        for m in Method::ALL {
            let column = match m {
                Method::Provcheck => {
                    verified(q, &corpus, s[hash_stage].clone(), threshold, &mut scene)
                }
                _ => corpus
                    .iter()
                    .map(|(r, _, _)| m.distance(&q.hashes, r))
                    .collect(),
            };
            s.push(column);
        }
        (s, scene)
    };
    for (family, t) in transforms::all() {
        let copies: Vec<(usize, Scores, Scene)> = originals
            .par_iter()
            .enumerate()
            .filter_map(|(i, (_, img))| {
                let bytes = t.apply(img, opts.seed ^ (i as u64).wrapping_mul(0x9e37_79b9));
                let a = analyze_bytes(&bytes, &opts.limits, Depth::Query).ok()?;
                let (s, scene) = score_all(&a);
                Some((i, s, scene))
            })
            .collect();
        let mut recall = vec![0usize; methods];
        let mut false_matches = vec![0usize; methods];
        let mut demoted = 0;
        for (own, scores, scene) in &copies {
            let source = &originals[*own].0.path;
            for &(j, cause) in scene {
                let distance = scores[hash_stage][j].unwrap_or(u32::MAX);
                demoted += usize::from(j == *own && distance <= threshold);
                same_scene.push(SameScene {
                    pair: FalseMatch {
                        source: source.clone(),
                        transform: Some(t.name()),
                        reference: corpus[j].0.path.clone(),
                        distance,
                    },
                    cause,
                    own: j == *own,
                });
            }
            for (m, d) in scores.iter().enumerate() {
                let mine = d[*own];
                let closest = d
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| j != own)
                    .filter_map(|(j, x)| x.map(|x| (x, j)))
                    .min();
                let other = closest.map(|c| c.0);
                if let Some((o, j)) = closest.filter(|c| m == provcheck && c.0 <= threshold) {
                    pairs.push(FalseMatch {
                        source: source.clone(),
                        transform: Some(t.name()),
                        reference: corpus[j].0.path.clone(),
                        distance: o,
                    });
                }
                if let Some(x) = mine {
                    distances[m].matching.push(x);
                }
                if let Some(o) = other {
                    distances[m].non_matching.push(o);
                    false_matches[m] += usize::from(o <= threshold);
                }
                let hit = matches!(mine, Some(x) if x <= threshold && other.is_none_or(|o| x <= o));
                recall[m] += usize::from(hit);
                if m == provcheck && !hit {
                    misses.push(Miss {
                        source: source.clone(),
                        transform: t.name(),
                        distance: mine,
                        instead: closest.map(|(o, j)| (corpus[j].0.path.clone(), o)),
                    });
                }
            }
        }
        let n = copies.len();
        rows.push(Row {
            family,
            transform: t.name(),
            queries: n,
            recall: recall.iter().map(|&h| h as f64 / n.max(1) as f64).collect(),
            false_matches,
            demoted,
        });
    }
    let mut distractor_false_matches = vec![0usize; methods];
    let scored: Vec<_> = distractors.par_iter().map(|(d, _)| score_all(d)).collect();
    for (k, ((d, _), (scores, scene))) in distractors.iter().zip(scored).enumerate() {
        let own = originals.len() + k;
        for &(j, cause) in scene.iter().filter(|&&(j, _)| j != own) {
            same_scene.push(SameScene {
                pair: FalseMatch {
                    source: d.path.clone(),
                    transform: None,
                    reference: corpus[j].0.path.clone(),
                    distance: scores[hash_stage][j].unwrap_or(u32::MAX),
                },
                cause,
                own: false,
            });
        }
        for (m, s) in scores.iter().enumerate() {
            let closest = s
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != own)
                .filter_map(|(j, x)| x.map(|x| (x, j)))
                .min();
            if let Some((o, j)) = closest.filter(|c| m == provcheck && c.0 <= threshold) {
                pairs.push(FalseMatch {
                    source: d.path.clone(),
                    transform: None,
                    reference: corpus[j].0.path.clone(),
                    distance: o,
                });
            }
            if let Some((o, _)) = closest {
                distances[m].non_matching.push(o);
                distractor_false_matches[m] += usize::from(o <= threshold);
            }
        }
    }
    pairs.sort_by_key(|p| p.distance);
    same_scene.sort_by_key(|s| s.pair.distance);
    Evaluation {
        false_match_pairs: pairs,
        same_scene,
        misses,
        originals: originals.len(),
        distractors: distractors.len(),
        threshold: opts.threshold,
        rows,
        distances,
        distractor_false_matches,
        failures,
        duplicates,
        low_information,
    }
}

type Loaded = (Analysis, image::DynamicImage);
/// A reference of the evaluation corpus, its features and EXIF.
type Known = (Reference, Option<Features>, ExifSummary);

/// A query's score against every reference, per method.
type Scores = Vec<Vec<Option<u32>>>;
/// The references a query was told apart from, with what told them apart.
type Scene = Vec<(usize, Cause)>;

/// Keeps one file per picture: a file within `threshold` of one kept
/// before it, in `seen` or earlier in `loaded` (the same photo at another
/// size or orientation, say), is set aside with the one it duplicates, as
/// it is no unrelated reference.
fn distinct(
    seen: &mut Vec<Reference>,
    loaded: Vec<Loaded>,
    threshold: u32,
) -> (Vec<Loaded>, Vec<(PathBuf, PathBuf)>) {
    let mut kept: Vec<Loaded> = Vec::new();
    let mut duplicates = Vec::new();
    for (a, img) in loaded {
        let twin = seen.iter().find(|r| {
            r.sha256 == a.sha256
                || Method::Provcheck
                    .distance(&a.hashes, r)
                    .is_some_and(|d| d <= threshold)
        });
        match twin {
            Some(r) => duplicates.push((a.path.clone(), r.path.clone())),
            None => {
                seen.push(Reference::from_analysis(seen.len() as i64, &a));
                kept.push((a, img));
            }
        }
    }
    (kept, duplicates)
}
