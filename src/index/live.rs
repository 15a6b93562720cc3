//! Keeping a loaded index current from the corpus's change sequence
//! ([`crate::corpus::Changes`]) instead of reloading it: a changed or
//! removed reference is dropped (masked, its codes left in place), a new or
//! changed one appended; lookups by id stay a binary search over the loaded
//! part and a scan of the appended one; once dropped and appended
//! references pass a share of the index, it is compacted in memory (live
//! references in id order, as a fresh load would give).

use super::{Index, Table};
use crate::corpus::Changes;

/// Appended or dropped references past which the index is compacted: at
/// least this many, and at least 1/[`COMPACT_SHARE`] of the index.
const COMPACT_MIN: usize = 4096;
const COMPACT_SHARE: usize = 16;

impl Index {
    /// The position of the live reference with file id `id`.
    pub fn position(&self, id: i64) -> Option<usize> {
        let head = &self.ids[..self.sorted];
        let found = head.binary_search(&id).ok().filter(|&i| !self.dropped[i]);
        found.or_else(|| {
            (self.sorted..self.ids.len()).find(|&i| self.ids[i] == id && !self.dropped[i])
        })
    }

    /// Applies changes read from the corpus: drops every reference of
    /// `changes.gone`, then adds `changes.current`. Returns how many
    /// references were dropped and added.
    pub fn apply(&mut self, changes: &Changes) -> (usize, usize) {
        let mut dropped = 0;
        for &id in &changes.gone {
            while let Some(i) = self.position(id) {
                self.dropped[i] = true;
                self.dropped_count += 1;
                dropped += 1;
            }
        }
        for r in &changes.current {
            // A reference listed as current but not as gone (a caller's
            // own list) replaces any copy held.
            while let Some(i) = self.position(r.file_id) {
                self.dropped[i] = true;
                self.dropped_count += 1;
                dropped += 1;
            }
            self.push(r.as_search());
        }
        let unsorted = self.ids.len() - self.sorted;
        if unsorted + self.dropped_count > COMPACT_MIN.max(self.ids.len() / COMPACT_SHARE) {
            self.compact();
        }
        (dropped, changes.current.len())
    }

    /// Rebuilds the tables from the live references in file id order.
    pub fn compact(&mut self) {
        let mut order: Vec<usize> = (0..self.ids.len()).filter(|&i| !self.dropped[i]).collect();
        order.sort_unstable_by_key(|&i| self.ids[i]);
        let mut out = Index::default();
        for &i in &order {
            out.ids.push(self.ids[i]);
            out.low_information.push(self.low_information[i]);
            out.dropped.push(false);
            copy_run(&self.frames, i, &mut out.frames);
            copy_run(&self.windows, i, &mut out.windows);
        }
        out.sorted = out.ids.len();
        out.shrink_to_fit();
        *self = out;
    }
}

/// Appends reference `i`'s run of codes in `from` to `to`.
fn copy_run(from: &Table, i: usize, to: &mut Table) {
    if to.first.is_empty() {
        to.first.push(0);
    }
    for k in from.first[i] as usize..from.first[i + 1] as usize {
        to.codes.push(from.codes.get(k));
    }
    to.first.push(to.codes.len() as u32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::ChangedHashes;
    use crate::index::tests::code;

    fn reference(id: i64) -> ChangedHashes {
        ChangedHashes {
            file_id: id,
            pdq: code(id as u64),
            crops: vec![code(id as u64 + 1000)],
            windows: vec![],
            low_information: false,
        }
    }

    #[test]
    fn applied_changes_give_the_index_a_fresh_load_would() {
        let mut index = Index::default();
        for id in [1, 3, 5, 7] {
            index.push(reference(id).as_search());
        }
        let changes = Changes {
            seq: 2,
            gone: vec![3, 5, 9],
            current: vec![reference(2), reference(5)],
        };
        index.apply(&changes);
        assert_eq!(index.len(), 4);
        assert_eq!(index.position(3), None);
        let at = index.position(5).expect("changed reference is held");
        assert_eq!(index.ids[at], 5);
        index.compact();
        let mut fresh = Index::default();
        for id in [1, 2, 5, 7] {
            fresh.push(reference(id).as_search());
        }
        assert_eq!(index.ids, fresh.ids);
        assert_eq!(index.frames.first, fresh.frames.first);
        assert_eq!(index.sorted, 4);
        for i in 0..4 {
            assert_eq!(index.frames.codes_of(i), fresh.frames.codes_of(i));
        }
    }
}
