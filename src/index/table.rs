//! A table of PDQ codes in runs, one run per reference (its whole picture
//! then its sub-frames, or its whole picture then its windows), and the
//! scan of a range of references against a query's codes.

use super::{Codes, BLOCK};
use crate::hash::Pdq;

/// Runs of codes, one run per reference, in one flat table.
#[derive(Debug, Clone, Default)]
pub(super) struct Table {
    /// Reference `j`'s codes are `codes[first[j]..first[j + 1]]`.
    pub(super) first: Vec<u32>,
    pub(super) codes: Codes<4>,
}

impl Table {
    pub(super) fn push(&mut self, codes: impl IntoIterator<Item = Pdq>) {
        if self.first.is_empty() {
            self.first.push(0);
        }
        for c in codes {
            self.codes.push(c.0);
        }
        self.first.push(self.codes.len() as u32);
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.first.shrink_to_fit();
        self.codes.shrink_to_fit();
    }

    pub(super) fn bytes(&self) -> usize {
        self.first.capacity() * 4 + self.codes.bytes()
    }

    pub(super) fn codes_of(&self, i: usize) -> Vec<[u64; 4]> {
        (self.first[i] as usize..self.first[i + 1] as usize)
            .map(|k| self.codes.get(k))
            .collect()
    }

    /// Reference boundaries cutting the table into runs of about
    /// [`BLOCK`] codes (a reference's codes are never split).
    pub(super) fn chunks(&self) -> Vec<usize> {
        let refs = self.first.len().saturating_sub(1);
        let mut bounds = vec![0];
        let mut a = 0;
        while a < refs {
            let limit = self.first[a] as usize + BLOCK;
            let b = a + self.first[a + 1..].partition_point(|&f| f as usize <= limit);
            let b = b.clamp(a + 1, refs);
            bounds.push(b);
            a = b;
        }
        bounds
    }

    /// References `a..b` within `limit` of the query: (position, distance).
    pub(super) fn scan(
        &self,
        query: &[[u64; 4]],
        a: usize,
        b: usize,
        limit: u32,
    ) -> Vec<(usize, u32)> {
        let base = self.first[a] as usize;
        let mut dist = vec![0u32; self.first[b] as usize - base];
        self.codes.min_distances(query, base, &mut dist);
        (a..b)
            .filter_map(|j| {
                let own = &dist[self.first[j] as usize - base..self.first[j + 1] as usize - base];
                let d = own.iter().copied().min()?;
                (d <= limit).then_some((j, d))
            })
            .collect()
    }
}
