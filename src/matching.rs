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
    /// Near-duplicate at most 54 bits, similar at most 61 (README, "Hashes
    /// and how thresholds were chosen"). 61 keeps false matches under 1e-3
    /// on the photo set, the PDQ reference set and the graphic-art set
    /// (`provcheck eval`, hash settings version 11): every false match at
    /// 64 sat at 62 to 64 bits by hash alone, where the features could not
    /// say either way.
    fn default() -> Self {
        MatchRule {
            near_duplicate: 54,
            similar: 61,
        }
    }
}

impl MatchRule {
    /// The class of a candidate at `distance` given what verification
    /// found: a confirmed copy is a near-duplicate at any distance, another
    /// shot of the same scene only similar, and without a verdict (not
    /// verified, or not enough evidence) the distance decides.
    pub fn judge(&self, distance: u32, verdict: &crate::verify::Verdict) -> Option<MatchClass> {
        use crate::verify::Verdict;
        match verdict {
            Verdict::Copy { .. } => Some(MatchClass::NearDuplicate),
            Verdict::OtherShot { .. } => Some(MatchClass::Similar),
            Verdict::NotEnoughEvidence { .. } | Verdict::Unknown => self.classify(distance),
        }
    }

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

/// Distance between unrelated photos as the search measures it (minimum over
/// rotations/flips and sub-frames), from `examples/calibrate.rs` on 2,958
/// pairs of the shared photo collection with hash settings version 11:
/// mean 100.85 (101.9 before PDQ's box-filter windows followed the
/// reference). The spread is fitted to the lower tail (the 0.1st
/// percentile, 86 bits, is 3.09 deviations below the mean), not the plain
/// standard deviation (3.21), which would understate how often unrelated
/// photos come close.
pub const UNRELATED_MEAN: f64 = 100.85;
pub const UNRELATED_SD: f64 = 4.81;

/// How likely it is that an unrelated picture comes this close to one
/// reference by chance: the lower tail of a normal fitted to the measured
/// unrelated distances, P(D <= distance). An estimate: real tails are
/// somewhat heavier than normal far out, so very small values mean "far
/// beyond anything measured" rather than an exact rate.
pub fn chance_of_unrelated(distance: u32) -> f64 {
    let z = (f64::from(distance) + 0.5 - UNRELATED_MEAN) / UNRELATED_SD;
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The chance estimate in words: "1 in 3,000", "< 1 in 10^12".
pub fn odds(p: f64) -> String {
    if p <= 0.0 {
        return "none (same bytes)".into();
    }
    let n = 1.0 / p;
    if n >= 1e12 {
        return "< 1 in 10^12".into();
    }
    if n < 2.0 {
        return "likely".into();
    }
    let digits = n.log10().floor() as i32;
    let step = 10f64.powi((digits - 1).max(0));
    let rounded = (n / step).round() * step;
    let mut s = format!("{rounded:.0}");
    let mut i = s.len() as isize - 3;
    while i > 0 {
        s.insert(i as usize, ',');
        i -= 3;
    }
    format!("1 in {s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_falls_with_distance_and_reads_as_odds() {
        let near = chance_of_unrelated(20);
        let mean = chance_of_unrelated(UNRELATED_MEAN as u32);
        assert!(near < 1e-12 && (0.3..0.7).contains(&mean), "{near} {mean}");
        assert!(chance_of_unrelated(60) < chance_of_unrelated(70));
        assert_eq!(odds(1.0 / 3456.0), "1 in 3,500");
        assert_eq!(odds(1e-15), "< 1 in 10^12");
        assert_eq!(odds(0.0), "none (same bytes)");
    }
}
