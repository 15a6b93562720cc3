//! Querying the corpus: the closest references of an analysed image, each
//! with its distance, class, known contexts (earliest first) and EXIF.

use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::{analyze_file_within, Analysis, Depth};
use crate::context::Context;
use crate::corpus::Corpus;
use crate::decode::Limits;
use crate::error::{FileError, Result};
use crate::exif::ExifSummary;
use crate::hash::{Dihedral, Frame};
use crate::index::Index;
use crate::matching::{MatchClass, MatchRule};
use crate::verify::{self, Verdict};

/// A reference matched by a query image.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub path: PathBuf,
    pub distance: u32,
    pub similarity: f64,
    /// Estimated chance that an unrelated picture comes this close to one
    /// reference: from the hash distance
    /// ([`crate::matching::chance_of_unrelated`]), and for a verified copy
    /// the smaller of that and the chance of as many agreeing features
    /// ([`verify::chance_of_inliers`]); 0 for the same bytes.
    pub chance: f64,
    pub class: MatchClass,
    /// The rotation/flip that turns the reference into the query.
    pub transform: Dihedral,
    /// Which part of the query met which part of the reference.
    pub query_frame: Frame,
    pub reference_frame: Frame,
    pub phash_distance: u32,
    /// What local-feature verification found, when both sides have features
    /// and the reference was among the closest candidates.
    pub verification: Option<VerificationSummary>,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// The earliest known appearance, if any context is recorded.
    pub context: Option<Context>,
    /// Every known appearance, earliest first.
    pub contexts: Vec<Context>,
    pub exif: ExifSummary,
}

/// What verification made of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verified {
    /// One transform maps the query onto the reference: a copy.
    Copy,
    /// The same scene from another viewpoint: a look-alike, not a copy.
    OtherShot,
    /// One transform maps the query onto the reference, but EXIF shows two
    /// frames of one camera taken moments apart (a bracket, a burst): the
    /// same scene, another exposure, not a copy.
    OtherExposure,
}

impl Verified {
    /// Whether verification found the query to be a copy of the reference.
    pub fn is_copy(self) -> bool {
        self == Verified::Copy
    }
}

/// The outcome of verifying a match with local features.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationSummary {
    pub verdict: Verified,
    /// Feature pairs found, and those agreeing with the transform.
    pub pairs: usize,
    pub inliers: usize,
    /// The query is the reference mirrored left to right.
    pub mirrored: bool,
    /// Scale and rotation (degrees) taking the query onto the reference.
    pub scale: f32,
    pub rotation: f32,
    /// Seconds between the two capture times, for another exposure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_apart: Option<f64>,
}

impl VerificationSummary {
    fn of(v: &Verdict, seconds_apart: Option<f64>) -> Option<VerificationSummary> {
        let (verdict, check, mirrored) = match v {
            Verdict::OtherShot { check, mirrored } if seconds_apart.is_some() => {
                (Verified::OtherExposure, check, *mirrored)
            }
            Verdict::Copy { check, mirrored } => (Verified::Copy, check, *mirrored),
            Verdict::OtherShot { check, mirrored } => (Verified::OtherShot, check, *mirrored),
            Verdict::Unknown => return None,
        };
        let (hi, lo) = check.transform.scales();
        Some(VerificationSummary {
            verdict,
            pairs: check.pairs,
            inliers: check.inliers,
            mirrored,
            scale: (hi * lo).sqrt(),
            rotation: check.transform.degrees(),
            seconds_apart,
        })
    }
}

/// One camera's frames taken moments apart are two exposures, however well
/// one maps onto the other: a verified copy whose EXIF says so
/// ([`ExifSummary::other_exposure`]) becomes another shot, with the seconds
/// between the two. The reference's EXIF is read for verified copies only.
pub(crate) fn exposures(
    verdict: Verdict,
    query: &ExifSummary,
    reference: impl FnOnce() -> Result<ExifSummary>,
) -> Result<(Verdict, Option<f64>)> {
    let Verdict::Copy { check, mirrored } = verdict else {
        return Ok((verdict, None));
    };
    Ok(match reference()?.other_exposure(query) {
        Some(apart) => (Verdict::OtherShot { check, mirrored }, Some(apart)),
        None => (verdict, None),
    })
}

/// The result for one query file.
#[derive(Debug)]
pub struct QueryOutcome {
    pub query: PathBuf,
    pub result: std::result::Result<Vec<Match>, FileError>,
}

#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    pub top: usize,
    pub max_distance: u32,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            top: 5,
            max_distance: 256,
        }
    }
}

/// The corpus loaded for searching.
pub struct Matcher<'c> {
    corpus: &'c Corpus,
    index: Index,
    pub rule: MatchRule,
}

impl<'c> Matcher<'c> {
    pub fn new(corpus: &'c Corpus, rule: MatchRule) -> Result<Matcher<'c>> {
        Ok(Matcher {
            index: Index::load(corpus)?,
            corpus,
            rule,
        })
    }

    pub fn references(&self) -> usize {
        self.index.len()
    }

    /// The matches of an analysed image, closest first. With the query's
    /// local features, the [`verify::CANDIDATES`] closest references within
    /// [`verify::RADIUS`] are verified, and as many more nominated by their
    /// windows ([`Index::nominate`]): a confirmed copy is a near-duplicate
    /// at any hash distance, another shot of the same scene only similar,
    /// and a nominee that verification does not confirm is no match.
    pub fn find(&self, a: &Analysis, opts: &QueryOptions) -> Result<Vec<Match>> {
        let identical = self.corpus.files_with_sha256(&a.sha256)?;
        let (rule, extra) = match &a.features {
            Some(_) => (
                MatchRule {
                    similar: self.rule.similar.max(verify::RADIUS),
                    ..self.rule
                },
                verify::CANDIDATES,
            ),
            None => (self.rule, 0),
        };
        let mut hits = self.index.search(
            &a.hashes,
            &identical,
            &rule,
            opts.top + extra,
            opts.max_distance,
        );
        if extra > 0 {
            let skip: Vec<usize> = hits.iter().map(|h| h.index).collect();
            let radius = verify::RADIUS.min(opts.max_distance);
            hits.extend(self.index.nominate(&a.hashes, extra, radius, &skip));
        }
        let probe = a.features.as_ref().map(verify::Probe::new);
        let mut judged = Vec::with_capacity(hits.len());
        for (k, mut h) in hits.into_iter().enumerate() {
            let verdict = match (&probe, h.class) {
                (_, MatchClass::Identical) => Verdict::Unknown,
                (Some(probe), _) if k < extra || h.nominated => {
                    match self.corpus.features(h.file_id)? {
                        Some(rf) => probe.judge(&rf),
                        None => Verdict::Unknown,
                    }
                }
                _ => Verdict::Unknown,
            };
            if h.nominated && verdict == Verdict::Unknown {
                continue;
            }
            let (verdict, seconds_apart) =
                exposures(verdict, &a.exif, || self.corpus.exif(h.file_id))?;
            if h.class != MatchClass::Identical {
                let Some(class) = self.rule.judge(h.distance, &verdict) else {
                    continue;
                };
                h.class = class;
            }
            judged.push((h, verdict, seconds_apart));
        }
        judged.sort_by_key(|(h, v, _)| (h.class, !v.is_copy(), h.distance, h.index));
        judged.truncate(opts.top);
        let mut out = Vec::with_capacity(judged.len());
        for (h, verdict, seconds_apart) in judged {
            // A file removed by another process since the index was read
            // is no longer a match.
            let Some(r) = self.corpus.reference(h.file_id)? else {
                continue;
            };
            let contexts = self.corpus.contexts(r.file_id)?;
            out.push(Match {
                path: r.path.clone(),
                distance: h.distance,
                similarity: h.similarity,
                chance: match (&verdict, h.class) {
                    (_, MatchClass::Identical) => 0.0,
                    // Both the hash and the features must come this close.
                    (Verdict::Copy { check, .. }, _) => {
                        crate::matching::chance_of_unrelated(h.distance)
                            .min(verify::chance_of_inliers(check.inliers))
                    }
                    _ => crate::matching::chance_of_unrelated(h.distance),
                },
                class: h.class,
                transform: h.transform,
                query_frame: h.query_frame,
                reference_frame: h.reference_frame,
                phash_distance: (r.phash ^ a.hashes.phash).count_ones(),
                verification: VerificationSummary::of(&verdict, seconds_apart),
                sha256: r.sha256.clone(),
                width: r.width,
                height: r.height,
                context: contexts.first().cloned(),
                contexts,
                exif: self.corpus.exif(r.file_id)?,
            });
        }
        Ok(out)
    }

    /// Analyses the files in parallel, then looks each up.
    pub fn query_files(
        &self,
        paths: &[PathBuf],
        limits: &Limits,
        opts: &QueryOptions,
    ) -> Result<Vec<QueryOutcome>> {
        let analysed: Vec<_> = paths
            .par_iter()
            .map(|p| (p.clone(), analyze_file_within(p, limits, Depth::Query)))
            .collect();
        analysed
            .into_iter()
            .map(|(query, a)| {
                let result = match a {
                    Ok(a) => Ok(self.find(&a, opts)?),
                    Err(e) => Err(e),
                };
                Ok(QueryOutcome { query, result })
            })
            .collect()
    }
}
