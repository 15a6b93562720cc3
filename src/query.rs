//! Querying the corpus: the closest references of an analysed image, each
//! with its distance, class, known contexts (earliest first) and EXIF.

use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::{analyze_file_within, Analysis};
use crate::context::Context;
use crate::corpus::Corpus;
use crate::decode::Limits;
use crate::error::{FileError, Result};
use crate::exif::ExifSummary;
use crate::hash::{Dihedral, Frame};
use crate::index::Index;
use crate::matching::{MatchClass, MatchRule};

/// A reference matched by a query image.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub path: PathBuf,
    pub distance: u32,
    pub similarity: f64,
    /// Estimated chance that an unrelated picture comes this close to one
    /// reference ([`crate::matching::chance_of_unrelated`]); 0 for the same bytes.
    pub chance: f64,
    pub class: MatchClass,
    /// The rotation/flip that turns the reference into the query.
    pub transform: Dihedral,
    /// Which part of the query met which part of the reference.
    pub query_frame: Frame,
    pub reference_frame: Frame,
    pub phash_distance: u32,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// The earliest known appearance, if any context is recorded.
    pub context: Option<Context>,
    /// Every known appearance, earliest first.
    pub contexts: Vec<Context>,
    pub exif: ExifSummary,
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

    /// The matches of an analysed image, closest first.
    pub fn find(&self, a: &Analysis, opts: &QueryOptions) -> Result<Vec<Match>> {
        let identical = self.corpus.files_with_sha256(&a.sha256)?;
        let hits = self.index.search(
            &a.hashes,
            &identical,
            &self.rule,
            opts.top,
            opts.max_distance,
        );
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
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
                chance: if h.class == MatchClass::Identical {
                    0.0
                } else {
                    crate::matching::chance_of_unrelated(h.distance)
                },
                class: h.class,
                transform: h.transform,
                query_frame: h.query_frame,
                reference_frame: h.reference_frame,
                phash_distance: (r.phash ^ a.hashes.phash).count_ones(),
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
            .map(|p| (p.clone(), analyze_file_within(p, limits)))
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
