//! Exact nearest-neighbour search over the references' PDQ hashes. Every
//! reference's codes (its whole picture, then its sub-frames) sit in one flat
//! table ([`Codes`]); a query's eight rotations/flips of its whole picture and
//! of its sub-frames are compared with all of them, so no match within the
//! threshold is ever missed. A second table holds each built reference's
//! whole picture and deep [`window`](crate::hash::window)s (hash-only ones
//! have none): it nominates candidates for local-feature verification and
//! never makes a match by itself. The index holds codes and file ids
//! only: what a hit needs besides is read from the corpus.

mod codes;
mod live;
mod table;

use rayon::prelude::*;

pub use codes::{Codes, BLOCK};
use table::Table;

use crate::corpus::{Corpus, Reference, SearchHashes};
use crate::error::Result;
use crate::hash::{Dihedral, Frame, Hashes, Pdq};
use crate::matching::{similarity, MatchClass, MatchRule};

#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Corpus file id of each reference, ascending.
    ids: Vec<i64>,
    /// Each reference's whole picture, then its sub-frames (none for
    /// hash-only references).
    frames: Table,
    /// Each reference's whole picture, then its windows (an empty run for
    /// a reference without windows).
    windows: Table,
    low_information: Vec<bool>,
    /// References dropped by [`Index::apply`] (their codes stay until the
    /// next compaction; no search returns them).
    dropped: Vec<bool>,
    /// How many of `ids` (from the start) are in ascending order; the rest
    /// were added by [`Index::apply`] in any order.
    sorted: usize,
    /// How many references are dropped.
    dropped_count: usize,
}

/// One reference close to the query.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Position of the reference in the index.
    pub index: usize,
    pub file_id: i64,
    /// PDQ distance (minimum over the query's rotations/flips and frames).
    pub distance: u32,
    /// Which rotation/flip of the query matched best.
    pub transform: Dihedral,
    /// Which part of the query and of the reference met.
    pub query_frame: Frame,
    pub reference_frame: Frame,
    pub class: MatchClass,
    pub similarity: f64,
    /// Found through its windows ([`Index::nominate`]): a candidate for
    /// verification, no match unless verification confirms it (`class`
    /// stays `Similar` until then).
    pub nominated: bool,
}

impl Index {
    /// Reads every reference's search hashes from the corpus.
    pub fn load(corpus: &Corpus) -> Result<Index> {
        let mut index = Index::default();
        // Allocated once for a corpus of references without sub-frames
        // (the hash-only references of large imports) rather than grown by
        // doubling, which copies what was read at each step.
        index.reserve(corpus.references_upper_bound()?);
        corpus.for_each_search_hash(|r| index.push(r))?;
        index.shrink_to_fit();
        Ok(index)
    }

    /// An index of references held in memory (evaluation, benchmarks).
    pub fn from_references(refs: &[Reference]) -> Index {
        let mut index = Index::default();
        let mut sorted: Vec<&Reference> = refs.iter().collect();
        sorted.sort_by_key(|r| r.file_id);
        // Each file once, even from a damaged corpus's duplicate rows.
        sorted.dedup_by_key(|r| r.file_id);
        for r in sorted {
            index.push(SearchHashes {
                file_id: r.file_id,
                pdq: r.pdq,
                crops: &r.crops,
                windows: &r.windows,
                low_information: r.low_information,
            });
        }
        index
    }

    /// Room for `n` more references of one code per table.
    fn reserve(&mut self, n: usize) {
        self.ids.reserve(n);
        self.low_information.reserve(n);
        self.dropped.reserve(n);
        for table in [&mut self.frames, &mut self.windows] {
            table.first.reserve(n + 1);
            table.codes.reserve(n);
        }
    }

    /// Adds a reference. File ids in ascending order keep lookups by id a
    /// binary search; others (added by [`Index::apply`]) are looked up one
    /// by one until the next compaction.
    pub fn push(&mut self, r: SearchHashes<'_>) {
        if self.sorted == self.ids.len() && self.ids.last().is_none_or(|&last| last < r.file_id) {
            self.sorted += 1;
        }
        self.ids.push(r.file_id);
        self.low_information.push(r.low_information);
        self.dropped.push(false);
        let whole = std::iter::once(r.pdq);
        self.frames
            .push(whole.clone().chain(r.crops.iter().copied()));
        // A reference without windows (hash-only: it has no local features
        // either) gets an empty run: verification could never confirm its
        // nomination, which would only take a place among the `k` nominees.
        match r.windows.is_empty() {
            true => self.windows.push(std::iter::empty()),
            false => self.windows.push(whole.chain(r.windows.iter().copied())),
        }
    }

    /// Gives back the spare capacity left by pushing.
    pub fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.low_information.shrink_to_fit();
        self.dropped.shrink_to_fit();
        self.frames.shrink_to_fit();
        self.windows.shrink_to_fit();
    }

    /// References in the index (not counting dropped ones).
    pub fn len(&self) -> usize {
        self.ids.len() - self.dropped_count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes the index takes.
    pub fn bytes(&self) -> usize {
        self.ids.capacity() * 8
            + self.low_information.capacity()
            + self.dropped.capacity()
            + self.frames.bytes()
            + self.windows.bytes()
    }

    /// The `top` closest references within `max_distance` (and the rule's
    /// `similar` threshold), closest first. `identical` lists the files
    /// whose bytes are the query's; low-information images match only so.
    pub fn search(
        &self,
        q: &Hashes,
        identical: &[i64],
        rule: &MatchRule,
        top: usize,
        max_distance: u32,
    ) -> Vec<Hit> {
        let limit = max_distance.min(rule.similar);
        let same: Vec<usize> = identical
            .iter()
            .filter_map(|&id| self.position(id))
            .collect();
        let mut hits: Vec<Hit> = same.iter().map(|&i| self.identical_hit(i)).collect();
        if !q.low_information {
            let query = QueryCodes::of(q);
            // A hit's class follows its distance, so the `top` reported are
            // among the `top` closest: only those are framed and made hits
            // (within the verification radius comes nearly every reference
            // of a large corpus of unrelated pictures).
            let keep =
                |i: usize| !self.low_information[i] && !self.dropped[i] && !same.contains(&i);
            hits.extend(
                self.closest_within(&self.frames, &query.codes, limit, top, keep)
                    .into_iter()
                    .filter_map(|(i, d)| {
                        let class = rule.classify(d)?;
                        let best = framing(&query, &self.frames.codes_of(i), Frame::Crop, d);
                        Some(self.hit(i, best, class, false))
                    }),
            );
        }
        // Ties by file id: the same order after a refresh as after a load.
        hits.sort_by_key(|h| (h.class, h.distance, h.file_id));
        hits.truncate(top);
        hits
    }

    /// Candidates for verification that the hash search does not find: up
    /// to `k` references, not in `skip` (positions), whose whole picture or
    /// windows come within `radius` of the query's whole picture or content
    /// area (any rotation/flip), closest first. Low-information pictures
    /// take part: a nomination is no match, only a verification to run.
    /// References without windows (hash-only ones) are never nominated.
    pub fn nominate(&self, q: &Hashes, k: usize, radius: u32, skip: &[usize]) -> Vec<Hit> {
        let query = QueryCodes::nominating(q);
        let keep = |i: usize| !self.dropped[i] && !skip.contains(&i);
        self.closest_within(&self.windows, &query.codes, radius, k, keep)
            .into_iter()
            .map(|(i, d)| {
                let best = framing(&query, &self.windows.codes_of(i), Frame::Window, d);
                self.hit(i, best, MatchClass::Similar, true)
            })
            .collect()
    }

    /// Candidates for verification beside a verified copy of reference
    /// `of`: up to `k` references, not `of` nor in `skip` (positions), whose
    /// whole picture or sub-frames come within `radius` of `of`'s whole
    /// picture, closest first, each at its distance from the query. A
    /// query's own original may be a look-alike of the picture it was found
    /// a copy of (another frame of a bracket, the other view of a stereo
    /// pair) that the query's hashes did not reach.
    pub fn siblings(
        &self,
        q: &Hashes,
        of: usize,
        k: usize,
        radius: u32,
        skip: &[usize],
    ) -> Vec<Hit> {
        let whole = self.frames.codes.get(self.frames.first[of] as usize);
        let keep = |i: usize| i != of && !self.dropped[i] && !skip.contains(&i);
        let found = self.closest_within(&self.frames, &[whole], radius, k, keep);
        let query = QueryCodes::of(q);
        found
            .into_iter()
            .map(|(i, _)| {
                let codes = self.frames.codes_of(i);
                let mut d = u32::MAX;
                visit_pairings(&query, &codes, Frame::Crop, |b| d = d.min(b.distance));
                let best = framing(&query, &codes, Frame::Crop, d);
                self.hit(i, best, MatchClass::Similar, true)
            })
            .collect()
    }

    /// The `k` closest references of `table` within `limit` of any of the
    /// `query` codes that `keep` accepts: (position, distance), closest
    /// first (ties by file id). Each run of about [`BLOCK`] codes keeps its
    /// own `k` closest, in parallel, so that a corpus whose every reference
    /// comes within `limit` is never gathered whole.
    fn closest_within(
        &self,
        table: &Table,
        query: &[[u64; 4]],
        limit: u32,
        k: usize,
        keep: impl Fn(usize) -> bool + Sync,
    ) -> Vec<(usize, u32)> {
        let found: Vec<(usize, u32)> = table
            .chunks()
            .par_windows(2)
            .flat_map_iter(|w| {
                let mut run = table.scan(query, w[0], w[1], limit);
                run.retain(|&(i, _)| keep(i));
                self.closest(run, k)
            })
            .collect();
        self.closest(found, k)
    }

    /// The `k` closest of `found` (position, distance), by distance then
    /// file id, closest first: a selection in linear time, then a sort of
    /// the `k` kept.
    fn closest(&self, mut found: Vec<(usize, u32)>, k: usize) -> Vec<(usize, u32)> {
        let key = |&(i, d): &(usize, u32)| (d, self.ids[i]);
        if found.len() > k {
            if k == 0 {
                return Vec::new();
            }
            found.select_nth_unstable_by_key(k - 1, key);
            found.truncate(k);
        }
        found.sort_unstable_by_key(key);
        found
    }

    /// Reference `i` met at the pairing `best`.
    fn hit(&self, i: usize, best: Best, class: MatchClass, nominated: bool) -> Hit {
        Hit {
            index: i,
            file_id: self.ids[i],
            distance: best.distance,
            transform: best.transform,
            query_frame: best.query_frame,
            reference_frame: best.reference_frame,
            class,
            similarity: similarity(best.distance),
            nominated,
        }
    }

    fn identical_hit(&self, i: usize) -> Hit {
        Hit {
            index: i,
            file_id: self.ids[i],
            distance: 0,
            transform: Dihedral::Original,
            query_frame: Frame::Whole,
            reference_frame: Frame::Whole,
            class: MatchClass::Identical,
            similarity: 1.0,
            nominated: false,
        }
    }
}

/// A query's codes: the eight rotations/flips of its whole picture, then of
/// each sub-frame and of its content area, with what each one is.
struct QueryCodes {
    codes: Vec<[u64; 4]>,
    labels: Vec<(Frame, Dihedral)>,
}

impl QueryCodes {
    fn of(q: &Hashes) -> QueryCodes {
        let frames = std::iter::once((Frame::Whole, &q.pdq_variants))
            .chain(q.crops.iter().enumerate().map(|(i, c)| (Frame::Crop(i), c)))
            .chain(q.content.iter().map(|(f, c)| (*f, c)));
        QueryCodes::from_frames(frames)
    }

    /// The codes compared with references' windows: the whole picture and
    /// the content area.
    fn nominating(q: &Hashes) -> QueryCodes {
        let frames = std::iter::once((Frame::Whole, &q.pdq_variants))
            .chain(q.content.iter().map(|(f, c)| (*f, c)));
        QueryCodes::from_frames(frames)
    }

    fn from_frames<'a>(frames: impl Iterator<Item = (Frame, &'a [Pdq; 8])>) -> QueryCodes {
        let mut out = QueryCodes {
            codes: Vec::new(),
            labels: Vec::new(),
        };
        for (frame, variants) in frames {
            for (v, d) in variants.iter().zip(Dihedral::ALL) {
                out.codes.push(v.0);
                out.labels.push((frame, d));
            }
        }
        out
    }
}

/// The pairing of a query code with a reference code.
#[derive(Debug, Clone, Copy)]
struct Best {
    distance: u32,
    transform: Dihedral,
    query_frame: Frame,
    reference_frame: Frame,
}

/// The search distance between a query and one reference: the smallest
/// PDQ distance over the query's rotations/flips and both sides' sub-frames.
pub fn distance(q: &Hashes, r: &Reference) -> u32 {
    closest(&QueryCodes::of(q), r.pdq, &r.crops, Frame::Crop)
}

/// The distance from reference `a`'s whole picture to reference `b`'s
/// whole picture or sub-frames, as [`Index::siblings`] measures it.
pub fn sibling_distance(a: &Reference, b: &Reference) -> u32 {
    std::iter::once(&b.pdq)
        .chain(&b.crops)
        .map(|c| a.pdq.distance(c))
        .min()
        .unwrap_or(u32::MAX)
}

/// The nominating distance between a query and one reference (see
/// [`Index::nominate`]): the smallest PDQ distance between the query's whole
/// picture or content area (any rotation/flip) and the reference's whole
/// picture or windows; `u32::MAX` for a reference without windows.
pub fn window_distance(q: &Hashes, r: &Reference) -> u32 {
    if r.windows.is_empty() {
        return u32::MAX;
    }
    closest(&QueryCodes::nominating(q), r.pdq, &r.windows, Frame::Window)
}

fn closest(query: &QueryCodes, whole: Pdq, parts: &[Pdq], part: fn(usize) -> Frame) -> u32 {
    let codes: Vec<[u64; 4]> = std::iter::once(whole.0)
        .chain(parts.iter().map(|c| c.0))
        .collect();
    let mut best = u32::MAX;
    visit_pairings(query, &codes, part, |b| best = best.min(b.distance));
    best
}

/// Pairings this many bits from the closest one are as good: which of them
/// is closest is noise, so the one keeping most of both pictures explains
/// the match (a copy with a bottom banner meets its original best without
/// its bottom edge, but without a margin all round may come out a bit closer).
pub const FRAMING_SLACK: u32 = 2;

/// The pairing that explains a match at `distance` (the smallest): among
/// those within [`FRAMING_SLACK`] of it, the one whose frames keep the most
/// area, then the closest; ties keep the earliest (whole pictures first).
fn framing(
    q: &QueryCodes,
    reference: &[[u64; 4]],
    part: fn(usize) -> Frame,
    distance: u32,
) -> Best {
    let mut best: Option<(f32, Best)> = None;
    visit_pairings(q, reference, part, |b| {
        if b.distance > distance + FRAMING_SLACK {
            return;
        }
        let kept = b.query_frame.area() * b.reference_frame.area();
        let better = match &best {
            None => true,
            Some((k, cur)) => kept > *k || (kept == *k && b.distance < cur.distance),
        };
        if better {
            best = Some((kept, b));
        }
    });
    let mut b = best.map(|(_, b)| b).unwrap_or(Best {
        distance,
        transform: Dihedral::Original,
        query_frame: Frame::Whole,
        reference_frame: Frame::Whole,
    });
    b.distance = distance;
    b
}

/// Calls `f` with every pairing of a query code with a reference code
/// (the reference's whole picture first, then its parts: `part(k)` names
/// the `k`-th).
fn visit_pairings(
    q: &QueryCodes,
    reference: &[[u64; 4]],
    part: fn(usize) -> Frame,
    mut f: impl FnMut(Best),
) {
    for (code, &(query_frame, transform)) in q.codes.iter().zip(&q.labels) {
        for (k, r) in reference.iter().enumerate() {
            f(Best {
                distance: Pdq(*code).distance(&Pdq(*r)),
                transform,
                query_frame,
                reference_frame: if k == 0 { Frame::Whole } else { part(k - 1) },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random code from `seed` (xorshift), for the index's tests.
    pub(super) fn code(seed: u64) -> Pdq {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        Pdq(std::array::from_fn(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        }))
    }

    /// `bits` bits of `c` flipped, spread over its words.
    fn flipped(c: Pdq, bits: u32) -> Pdq {
        let mut out = c;
        for b in 0..bits as usize {
            let bit = b * 7 % 256;
            out.0[bit / 64] ^= 1 << (bit % 64);
        }
        out
    }

    /// Hash-only references (no windows, no local features) whose whole
    /// pictures are closer to the query than a built reference's window
    /// take no nomination from it: verification could not confirm them.
    #[test]
    fn hash_only_references_take_no_place_among_the_nominees() {
        let query_code = code(4242);
        let mut index = Index::default();
        for id in 1..=20i64 {
            index.push(SearchHashes {
                file_id: id,
                pdq: flipped(query_code, 70),
                crops: &[],
                windows: &[],
                low_information: false,
            });
        }
        let crops = [code(1), code(2)];
        let windows = [code(3), flipped(query_code, 90), code(5)];
        index.push(SearchHashes {
            file_id: 99,
            pdq: code(6),
            crops: &crops,
            windows: &windows,
            low_information: false,
        });
        let mut q = crate::hash::hash_image(
            &crate::decode::Grey::from_pixel(64, 64, image::Luma([9.0])),
            crate::hash::Parts::default(),
        );
        q.pdq = query_code;
        q.pdq_variants = [query_code; 8];
        q.content = None;
        let nominees = index.nominate(&q, 2, 112, &[]);
        let ids: Vec<i64> = nominees.iter().map(|h| h.file_id).collect();
        assert_eq!(ids, [99]);
        assert_eq!(nominees[0].distance, 90);
        assert!(matches!(nominees[0].reference_frame, Frame::Window(1)));
        // Nor any memory in the window table.
        let mut alone = Index::default();
        alone.push(SearchHashes {
            file_id: 1,
            pdq: query_code,
            crops: &[],
            windows: &[],
            low_information: false,
        });
        alone.shrink_to_fit();
        assert_eq!(alone.windows.codes.len(), 0);
    }

    /// The k closest kept per run of codes, then overall, are the first k
    /// of every reference sorted by distance and file id, ties included
    /// (many references share codes here).
    #[test]
    fn the_k_closest_per_run_are_the_k_closest_of_all() {
        let mut index = Index::default();
        for id in 1..=3000i64 {
            let crops = [code(id as u64 % 300 + 7)];
            index.push(SearchHashes {
                file_id: id * 2,
                pdq: code(id as u64 % 500),
                crops: &crops,
                windows: &[],
                low_information: false,
            });
        }
        let query = [code(1).0, code(77).0];
        let keep = |i: usize| i % 7 != 3;
        let mut all: Vec<(usize, u32)> = (0..index.len())
            .filter(|&i| keep(i))
            .map(|i| {
                let codes = index.frames.codes_of(i);
                let d = codes
                    .iter()
                    .flat_map(|c| query.iter().map(move |q| Pdq(*c).distance(&Pdq(*q))))
                    .min()
                    .unwrap();
                (i, d)
            })
            .filter(|&(_, d)| d <= 120)
            .collect();
        all.sort_by_key(|&(i, d)| (d, index.ids[i]));
        for k in [0, 1, 5, 17, 1000, 5000] {
            let got = index.closest_within(&index.frames, &query, 120, k, keep);
            assert_eq!(got, all[..k.min(all.len())], "k = {k}");
        }
    }
}
