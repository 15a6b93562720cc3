//! Flat storage of binary codes (W words of 64 bits each: 4 for PDQ, 1 for
//! a 64-bit pHash) and the exact Hamming scans over them. Codes are stored
//! word-major (every code's first word, then every code's second word...),
//! so one scan compares a query with many codes per vector instruction; the
//! scan is compiled for several CPU levels and the best is picked at run time.

use std::collections::BinaryHeap;

use multiversion::multiversion;

/// Codes compared per block: the block's words and distances stay in cache
/// while every query code passes over them.
pub const BLOCK: usize = 1024;

#[derive(Debug, Clone)]
pub struct Codes<const W: usize> {
    words: [Vec<u64>; W],
}

impl<const W: usize> Default for Codes<W> {
    fn default() -> Self {
        Codes {
            words: std::array::from_fn(|_| Vec::new()),
        }
    }
}

impl<const W: usize> Codes<W> {
    pub fn with_capacity(n: usize) -> Self {
        Codes {
            words: std::array::from_fn(|_| Vec::with_capacity(n)),
        }
    }

    /// Room for `n` more codes.
    pub fn reserve(&mut self, n: usize) {
        for column in &mut self.words {
            column.reserve(n);
        }
    }

    pub fn push(&mut self, code: [u64; W]) {
        for (column, word) in self.words.iter_mut().zip(code) {
            column.push(word);
        }
    }

    pub fn len(&self) -> usize {
        self.words[0].len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> [u64; W] {
        std::array::from_fn(|w| self.words[w][i])
    }

    /// Heap bytes the codes take.
    pub fn bytes(&self) -> usize {
        self.words.iter().map(|c| c.capacity() * 8).sum()
    }

    pub fn shrink_to_fit(&mut self) {
        for column in &mut self.words {
            column.shrink_to_fit();
        }
    }

    /// `out[j]` = the smallest distance between any of `queries` and code
    /// `start + j`, for `out.len()` codes.
    pub fn min_distances(&self, queries: &[[u64; W]], start: usize, out: &mut [u32]) {
        let end = start + out.len();
        let columns: [&[u64]; W] = std::array::from_fn(|w| &self.words[w][start..end]);
        if queries.is_empty() {
            out.fill(u32::MAX);
        }
        min_block(&columns, queries, out);
    }

    /// The `k` codes closest to any of `queries` (distance, position),
    /// closest first; ties go to the lower position. Exact: every code is
    /// compared. One thread; run several searches side by side for batches.
    pub fn nearest(&self, queries: &[[u64; W]], k: usize) -> Vec<(u32, usize)> {
        let mut heap: BinaryHeap<(u32, usize)> = BinaryHeap::with_capacity(k + 1);
        let mut dist = vec![0u32; BLOCK];
        let mut start = 0;
        while start < self.len() && k > 0 {
            let n = BLOCK.min(self.len() - start);
            self.min_distances(queries, start, &mut dist[..n]);
            // After the first blocks, most blocks hold nothing closer than
            // the current k-th: one vectorised minimum skips them.
            let worst = |heap: &BinaryHeap<(u32, usize)>| match heap.len() < k {
                true => u32::MAX,
                false => heap.peek().map_or(u32::MAX, |w| w.0),
            };
            let mut bound = worst(&heap);
            if dist[..n].iter().copied().min().unwrap_or(u32::MAX) < bound {
                for (j, &d) in dist[..n].iter().enumerate() {
                    if d < bound {
                        if heap.len() == k {
                            heap.pop();
                        }
                        heap.push((d, start + j));
                        bound = worst(&heap);
                    }
                }
            }
            start += n;
        }
        let mut out: Vec<(u32, usize)> = heap.into_vec();
        out.sort_unstable_by_key(|&(d, i)| (d, i));
        out
    }
}

/// Sets each code's distance to the closest query (`out` is left as it is
/// when there is no query).
/// The loops are written so the compiler turns them into vector popcounts
/// where the CPU has them (all words of a code are summed in registers).
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vpopcntdq",
    "x86_64+avx2+popcnt",
    "x86_64+popcnt",
    "aarch64+neon"
))]
fn min_block<const W: usize>(columns: &[&[u64]; W], queries: &[[u64; W]], out: &mut [u32]) {
    let n = out.len();
    let columns: [&[u64]; W] = std::array::from_fn(|w| &columns[w][..n]);
    let distance = |j: usize, q: &[u64; W]| {
        let mut d = 0u32;
        for w in 0..W {
            d += (columns[w][j] ^ q[w]).count_ones();
        }
        d
    };
    let Some((first, rest)) = queries.split_first() else {
        return;
    };
    for (j, best) in out.iter_mut().enumerate() {
        *best = distance(j, first);
    }
    for q in rest {
        for (j, best) in out.iter_mut().enumerate() {
            *best = (*best).min(distance(j, q));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(codes: &[[u64; 4]], queries: &[[u64; 4]], k: usize) -> Vec<(u32, usize)> {
        let mut all: Vec<(u32, usize)> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let d = queries
                    .iter()
                    .map(|q| (0..4).map(|w| (c[w] ^ q[w]).count_ones()).sum::<u32>())
                    .min()
                    .unwrap();
                (d, i)
            })
            .collect();
        all.sort_unstable();
        all.truncate(k);
        all
    }

    #[test]
    fn nearest_agrees_with_a_plain_scan_across_blocks() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let all: Vec<[u64; 4]> = (0..3 * BLOCK + 17)
            .map(|_| [next(), next(), next(), next()])
            .collect();
        let mut codes = Codes::<4>::default();
        for c in &all {
            codes.push(*c);
        }
        // A query close to one code, so the top is known to be exact.
        let mut q = all[2500];
        q[1] ^= 0b1011;
        let queries = [[next(), next(), next(), next()], q];
        assert_eq!(codes.nearest(&queries, 7), naive(&all, &queries, 7));
        assert_eq!(codes.nearest(&queries, 1), vec![(3, 2500)]);
    }
}
