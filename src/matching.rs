//! The matching rule: which PDQ distances make a near-duplicate or a merely
//! similar picture, and the similarity score shown to users. The defaults
//! were measured on real photos (see the README, "How thresholds were chosen").

use serde::Serialize;

/// How a reference relates to a query image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchClass {
    /// Same bytes (equal SHA-256).
    Identical,
    /// The same picture, re-encoded, resized, cropped a little, mirrored or
    /// rotated, or with a small overlay.
    NearDuplicate,
    /// Probably the same picture under heavier edits; worth a human look.
    Similar,
}

impl MatchClass {
    pub fn name(self) -> &'static str {
        match self {
            MatchClass::Identical => "identical",
            MatchClass::NearDuplicate => "near-duplicate",
            MatchClass::Similar => "similar",
        }
    }
}

/// Distance thresholds on the PDQ hash (minimum over the eight
/// rotations/flips of the query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchRule {
    /// At most this distance: near-duplicate.
    pub near_duplicate: u32,
    /// At most this distance: similar. Nothing further is reported.
    pub similar: u32,
}

impl Default for MatchRule {
    fn default() -> Self {
        MatchRule {
            near_duplicate: 54,
            similar: 64,
        }
    }
}

impl MatchRule {
    pub fn classify(&self, distance: u32) -> Option<MatchClass> {
        if distance <= self.near_duplicate {
            Some(MatchClass::NearDuplicate)
        } else if distance <= self.similar {
            Some(MatchClass::Similar)
        } else {
            None
        }
    }
}

/// Similarity in [0, 1]: 1 for equal hashes, 0 at 128 bits (what two
/// unrelated pictures differ by on average) and beyond.
pub fn similarity(distance: u32) -> f64 {
    (1.0 - f64::from(distance) / 128.0).clamp(0.0, 1.0)
}
