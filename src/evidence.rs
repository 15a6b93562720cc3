//! What decided a match's class, so that what is shown supports it: the
//! same bytes, the hash distance (within the matching rule's threshold for
//! that class), or the local features that verification found agreeing
//! (a copy cut to 40% or tilted is confirmed far beyond any hash
//! threshold, where its distance says nothing).

use serde::Serialize;

use crate::matching::{MatchClass, MatchRule};
use crate::query::Match;

/// The evidence behind a match's class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "decided_by", rename_all = "kebab-case")]
pub enum Evidence {
    /// Equal SHA-256.
    Bytes,
    /// The PDQ distance (bits of 256), within the rule's threshold.
    Hash { distance: u32 },
    /// Local features agreeing with one transform (inliers), where the
    /// distance alone would not give the class.
    Features { inliers: usize },
}

impl Evidence {
    /// The evidence of `m` under `rule` (the rule the match was made with).
    pub fn of(m: &Match, rule: &MatchRule) -> Evidence {
        if m.class == MatchClass::Identical {
            return Evidence::Bytes;
        }
        match &m.verification {
            Some(v) if rule.classify(m.distance) != Some(m.class) => {
                Evidence::Features { inliers: v.inliers }
            }
            _ => Evidence::Hash {
                distance: m.distance,
            },
        }
    }

    /// A table cell: "6 bits", "65 features", "same bytes".
    pub fn short(self) -> String {
        match self {
            Evidence::Bytes => "same bytes".into(),
            Evidence::Hash { distance } => format!("{distance} bits"),
            Evidence::Features { inliers } => format!("{inliers} features"),
        }
    }

    /// In a sentence: "distance 6", "65 agreeing local features".
    pub fn words(self) -> String {
        match self {
            Evidence::Bytes => "the same bytes".into(),
            Evidence::Hash { distance } => format!("distance {distance}"),
            Evidence::Features { inliers } => {
                format!("{inliers} local features agreeing on one transform")
            }
        }
    }
}
