//! The matcher: the corpus's in-memory index kept current from its change
//! sequence, and the search, verification and look-alike settling of one
//! query's candidates ([`Matcher::find`], [`Matcher::query_files`]).

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use super::{
    exposures, look_alikes, relate, strongest_copy, Match, Media, VerificationSummary, Verified,
};
use crate::analyze::{analyze_file_within, Analysis, Depth};
use crate::corpus::Corpus;
use crate::decode::Limits;
use crate::error::{FileError, Result};
use crate::exif::ExifSummary;
use crate::features::Features;
use crate::footprint::Footprint;
use crate::hash::LowInformation;
use crate::index::{Hit, Index};
use crate::matching::{MatchClass, MatchRule};
use crate::verify::{self, Verdict};

impl VerificationSummary {
    fn of(
        j: &Judged,
        look_alike_of: Option<PathBuf>,
        query: Option<&Features>,
    ) -> Option<VerificationSummary> {
        let seconds_apart = j.seconds_apart;
        let mut reason = None;
        let (verdict, check, mirrored) = match j.verdict {
            Verdict::OtherShot { check, mirrored } if look_alike_of.is_some() => {
                (Verified::LookAlike, Some(check), mirrored)
            }
            Verdict::OtherShot { check, mirrored } if seconds_apart.is_some() => {
                (Verified::OtherExposure, Some(check), mirrored)
            }
            Verdict::Copy { check, mirrored } => (Verified::Copy, Some(check), mirrored),
            Verdict::OtherShot { check, mirrored } => (Verified::OtherShot, Some(check), mirrored),
            Verdict::NotEnoughEvidence {
                check,
                mirrored,
                shortfall,
            } => {
                reason = Some(shortfall);
                (Verified::NotEnoughEvidence, check, mirrored)
            }
            Verdict::Unknown => return None,
        };
        let scales = check.map(|c| c.transform.scales());
        let footprint = check
            .zip(query)
            .zip(j.features.as_ref())
            .and_then(|((c, q), r)| {
                let f = Footprint::of(&c.transform, (q.width, q.height), (r.width, r.height))?;
                Some(if mirrored { f.unmirrored() } else { f })
            });
        Some(VerificationSummary {
            verdict,
            pairs: check.map_or(0, |c| c.pairs),
            inliers: check.map_or(0, |c| c.inliers),
            mirrored,
            scale: scales.map(|(hi, lo)| (hi * lo).sqrt()),
            rotation: check.map(|c| c.transform.degrees()),
            reason,
            seconds_apart,
            look_alike_of,
            footprint,
        })
    }
}

/// A candidate as verification left it.
struct Judged {
    hit: Hit,
    verdict: Verdict,
    seconds_apart: Option<f64>,
    /// The file id of the match this one is a look-alike of.
    look_alike_of: Option<i64>,
    features: Option<Features>,
}

/// The result for one query file.
#[derive(Debug)]
pub struct QueryOutcome {
    pub query: PathBuf,
    pub result: std::result::Result<Vec<Match>, FileError>,
    /// Why a query without a match could not be assessed: a low-information
    /// picture is matched on identical bytes only.
    pub not_assessed: Option<LowInformation>,
    /// For a video query: what its frames found of each reference (see
    /// [`crate::clip`]); `result` then holds each reference's best match.
    pub clips: Vec<crate::clip::ClipMatch>,
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

/// The corpus loaded for searching: a connection to read matches from and
/// the in-memory index of its hashes. The index is behind an [`Arc`] so that
/// several matchers (one per connection, e.g. the server's threads) share
/// one copy.
pub struct Matcher<'c> {
    pub(super) corpus: &'c Corpus,
    pub(super) index: Arc<Index>,
    /// The point of the corpus's change sequence the index is at (`None`
    /// for an engine that keeps none).
    pub(super) seq: Option<i64>,
    pub rule: MatchRule,
}

impl<'c> Matcher<'c> {
    /// Loads the index from `corpus`. Errors: reading the corpus.
    pub fn new(corpus: &'c Corpus, rule: MatchRule) -> Result<Matcher<'c>> {
        // The point first: changes made during the load come again with
        // the next refresh (applying them twice is harmless).
        let seq = corpus.change_seq()?;
        Ok(Matcher {
            index: Arc::new(Index::load(corpus)?),
            seq,
            corpus,
            rule,
        })
    }

    /// Brings the index up to date with what any process wrote to the
    /// corpus since the load or the last refresh (see
    /// [`Corpus::changes_since`]), without reloading it: (references
    /// dropped, references added). `None` when the engine keeps no change
    /// sequence (SQLite), or when the index is older than the removals it
    /// keeps (PostgreSQL, 7 days): a new `Matcher` then reloads. An index shared
    /// with other matchers is copied first (copy on write).
    pub fn refresh(&mut self) -> Result<Option<(usize, usize)>> {
        let Some(seq) = self.seq else {
            return Ok(None);
        };
        let Some(changes) = self.corpus.changes_since(seq)? else {
            return Ok(None);
        };
        let applied = Arc::make_mut(&mut self.index).apply(&changes);
        self.seq = Some(changes.seq);
        Ok(Some(applied))
    }

    /// A matcher over an index already loaded from the same corpus (through
    /// another connection) up to the change-sequence point `seq`; nothing is
    /// read here.
    pub fn with_index(
        corpus: &'c Corpus,
        index: Arc<Index>,
        seq: Option<i64>,
        rule: MatchRule,
    ) -> Matcher<'c> {
        Matcher {
            corpus,
            index,
            seq,
            rule,
        }
    }

    pub fn references(&self) -> usize {
        self.index.len()
    }

    /// How many frames are stored of the video a match names (`None` when
    /// it is no stored video).
    pub fn frames_of_video(&self, m: &Match) -> Result<Option<usize>> {
        match self.corpus.file_id(&m.path)? {
            Some(id) => self.corpus.frames_kept(id),
            None => Ok(None),
        }
    }

    /// The times (seconds, ascending) of the stored frames of the video a
    /// match names; empty for a still.
    pub fn frame_times(&self, m: &Match) -> Result<Vec<f64>> {
        match (m.media, self.corpus.file_id(&m.path)?) {
            (Media::Video, Some(id)) => self.corpus.frame_times(id),
            _ => Ok(Vec::new()),
        }
    }

    /// The matches of an analysed image, closest first. With the query's
    /// local features, the [`verify::CANDIDATES`] closest references within
    /// [`verify::RADIUS`] are verified, and as many more nominated by their
    /// windows ([`Index::nominate`]): a confirmed copy is a near-duplicate
    /// at any hash distance, another shot of the same scene only similar,
    /// and a nominee that verification does not confirm is no match. Once a
    /// copy is confirmed, its own closest references are verified too
    /// ([`Index::siblings`]), and of two copies that are pictures of one
    /// scene only the stronger stays a copy ([`look_alikes`]).
    pub fn find(&self, a: &Analysis, opts: &QueryOptions) -> Result<Vec<Match>> {
        // A video's frame has no bytes of its own to be identical by.
        let identical = match a.sha256.is_empty() {
            true => Vec::new(),
            false => self.corpus.files_with_sha256(&a.sha256)?,
        };
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
        let radius = verify::RADIUS.min(opts.max_distance);
        if extra > 0 {
            // Hits that will be verified, or that the hash rule reports on
            // its own, are settled; any other hit (past the verified ranks,
            // at a distance that means nothing alone) may still be
            // nominated by its windows, and is then verified instead.
            let skip: Vec<usize> = hits
                .iter()
                .enumerate()
                .filter(|(k, h)| *k < extra || h.distance <= self.rule.similar)
                .map(|(_, h)| h.index)
                .collect();
            let nominees = self.index.nominate(&a.hashes, extra, radius, &skip);
            hits.retain(|h| !nominees.iter().any(|n| n.index == h.index));
            hits.extend(nominees);
        }
        let probe = a.features.as_ref().map(verify::Probe::new);
        let mut judged: Vec<Judged> = Vec::with_capacity(hits.len());
        for (k, h) in hits.into_iter().enumerate() {
            let verified = k < extra || h.nominated;
            judged.extend(self.judge(a, probe.as_ref().filter(|_| verified), h)?);
        }
        let verdicts: Vec<(Verdict, u32)> =
            judged.iter().map(|j| (j.verdict, j.hit.distance)).collect();
        if let Some(b) = strongest_copy(&verdicts) {
            let skip: Vec<usize> = judged.iter().map(|j| j.hit.index).collect();
            let of = judged[b].hit.index;
            for h in self.index.siblings(&a.hashes, of, extra, radius, &skip) {
                judged.extend(self.judge(a, probe.as_ref(), h)?);
            }
        }
        self.settle_look_alikes(&mut judged)?;
        judged.retain_mut(|j| {
            if j.hit.class == MatchClass::Identical {
                return true;
            }
            match self.rule.judge(j.hit.distance, &j.verdict) {
                Some(class) => {
                    j.hit.class = class;
                    true
                }
                None => false,
            }
        });
        judged.sort_by_key(|j| {
            let h = &j.hit;
            (h.class, !j.verdict.is_copy(), h.distance, h.index)
        });
        let mut out: Vec<Match> = Vec::with_capacity(judged.len());
        for j in judged {
            if out.len() == opts.top {
                break;
            }
            // A file removed by another process since the index was read
            // is no longer a match; a video is reported once, at its
            // closest frame (the frames next to it show the same shot).
            if let Some(m) = self.to_match(a, j)? {
                if m.media == Media::Image || !out.iter().any(|o| o.path == m.path) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }

    /// A candidate verified with `probe` (when given), and EXIF's word on
    /// a copy; `None` for a nominee that verification does not confirm.
    fn judge(&self, a: &Analysis, probe: Option<&verify::Probe>, h: Hit) -> Result<Option<Judged>> {
        let mut features = None;
        let verdict = match probe {
            Some(probe) if h.class != MatchClass::Identical => {
                features = self.corpus.features(h.file_id)?;
                features
                    .as_ref()
                    .map_or(Verdict::Unknown, |rf| probe.judge(rf))
            }
            _ => Verdict::Unknown,
        };
        if h.nominated && verdict.is_silent() {
            return Ok(None);
        }
        // Evidence only adds: another shot by features alone does not take
        // away a match the hash distance makes conclusive.
        let verdict = verify::weighed(verdict, h.distance);
        let (verdict, seconds_apart) = exposures(verdict, &a.exif, || self.corpus.exif(h.file_id))?;
        Ok(Some(Judged {
            hit: h,
            verdict,
            seconds_apart,
            look_alike_of: None,
            features,
        }))
    }

    /// Turns the look-alikes of the strongest copy ([`look_alikes`]) into
    /// another shot of it.
    fn settle_look_alikes(&self, judged: &mut [Judged]) -> Result<()> {
        let verdicts: Vec<(Verdict, u32)> =
            judged.iter().map(|j| (j.verdict, j.hit.distance)).collect();
        // The best copy's EXIF, read once for all the others.
        let mut best_exif: Option<ExifSummary> = None;
        let found = look_alikes(&verdicts, |b, k| {
            let best = &judged[b];
            let exif = match best_exif.take() {
                Some(e) => e,
                None => self.corpus.exif(best.hit.file_id)?,
            };
            let related = relate(
                (best.features.as_ref(), &exif),
                judged[k].features.as_ref(),
                || self.corpus.exif(judged[k].hit.file_id),
            );
            best_exif = Some(exif);
            related
        })?;
        for (k, best, apart) in found {
            let best = judged[best].hit.file_id;
            let j = &mut judged[k];
            j.verdict = j.verdict.as_other_shot();
            j.seconds_apart = apart;
            j.look_alike_of = Some(best);
        }
        Ok(())
    }

    /// The match reported for a judged candidate, read from the corpus;
    /// `None` if its file has left the corpus since the index was read.
    fn to_match(&self, a: &Analysis, j: Judged) -> Result<Option<Match>> {
        let h = &j.hit;
        let Some(r) = self.corpus.reference(h.file_id)? else {
            return Ok(None);
        };
        let look_alike_of = match j.look_alike_of {
            Some(id) => self.corpus.reference(id)?.map(|r| r.path),
            None => None,
        };
        // A frame of a video is reported as its video: its path, contexts
        // and metadata, with the frame's time and number.
        let frame = self.corpus.frame_of(r.file_id)?;
        let owner = frame.as_ref().map_or(r.file_id, |f| f.video_id);
        let contexts = self.corpus.contexts(owner)?;
        Ok(Some(Match {
            path: frame
                .as_ref()
                .map_or_else(|| r.path.clone(), |f| f.video.clone()),
            distance: h.distance,
            similarity: h.similarity,
            chance: match (&j.verdict, h.class) {
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
            phash_distance: r
                .phash
                .zip(a.hashes.phash)
                .map(|(r, q)| (r ^ q).count_ones()),
            verification: VerificationSummary::of(&j, look_alike_of, a.features.as_ref()),
            sha256: r.sha256.clone(),
            width: r.width,
            height: r.height,
            context: contexts.first().cloned(),
            contexts,
            exif: self.corpus.exif(owner)?,
            media: if frame.is_some() {
                Media::Video
            } else {
                Media::Image
            },
            time: frame.as_ref().map(|f| f.time),
            frame: frame.as_ref().map(|f| f.frame),
        }))
    }

    /// Analyses the files in parallel, then looks them up in parallel
    /// ([`Matcher::find_each`]).
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
        // Each query's lookup: the clips of a video query, the matches of
        // a still (none for a file that failed).
        let looked = self.find_each(&analysed, |matcher, (_, a)| match a {
            Ok(a) if a.is_video() => {
                let clips = crate::clip::find_clip(matcher, a, opts)?;
                let best = clips.iter().take(opts.top).map(|c| c.best.clone());
                Ok((best.collect(), clips))
            }
            Ok(a) => Ok((matcher.find(a, opts)?, Vec::new())),
            Err(_) => Ok((Vec::new(), Vec::new())),
        })?;
        Ok(analysed
            .into_iter()
            .zip(looked)
            .map(|((query, a), (found, clips))| {
                let (result, not_assessed) = match a {
                    Ok(a) if a.is_video() => (Ok(found), None),
                    Ok(a) => (Ok(found), a.hashes.low_information_reason()),
                    Err(e) => (Err(e), None),
                };
                let not_assessed =
                    not_assessed.filter(|_| result.as_ref().is_ok_and(Vec::is_empty));
                QueryOutcome {
                    query,
                    result,
                    not_assessed,
                    clips,
                }
            })
            .collect())
    }
}
