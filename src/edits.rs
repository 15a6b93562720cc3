//! The edits between a copy and its likely original, in words: mirrored,
//! rotated, cropped (with the share of the original shown and the edges
//! lost), overlaid, framed as a screenshot, altered. Verified copies are
//! described from the transform local features agree on; others from the
//! hash's rotation/flip and the sub-frames that matched.

use crate::check::Finding;
use crate::footprint::Footprint;
use crate::hash::{Dihedral, Frame};
use crate::matching::MatchClass;
use crate::query::{Match, VerificationSummary};

/// Distance below which a copy counts as the same pixels re-encoded.
pub const REENCODE_DISTANCE: u32 = 16;
/// Relative aspect-ratio change that reveals a crop.
const CROP_ASPECT_CHANGE: f64 = 0.03;
/// Share of the original (or of the copy) above which nothing counts as
/// cut (or added): the fitted frame's edges are a pixel or two off.
const SHOWN_WHOLE: f32 = 0.95;
/// Degrees of turn below which a copy counts as upright.
const UPRIGHT_DEGREES: f32 = 1.5;
/// Degrees within which a turn counts as a quarter turn.
const QUARTER_TOLERANCE: f32 = 3.0;

/// The edits that turn the original into the copy `m` of a `width`×`height`
/// picture: from the verified geometry when local features confirmed the
/// copy ([`Footprint`]), else from the hash's rotation/flip and the
/// sub-frames that came closest.
pub fn edits(m: &Match, width: u32, height: u32) -> Vec<Finding> {
    if m.class == MatchClass::Identical {
        return Vec::new();
    }
    let verified = m.verification.as_ref().filter(|v| v.verdict.is_copy());
    if let Some((v, f)) = verified.and_then(|v| Some((v, v.footprint.as_ref()?))) {
        let mut out = geometric_edits(v, f);
        if f.shown >= SHOWN_WHOLE && f.fills >= SHOWN_WHOLE {
            // Nothing cut or added: what the hash frames see inside the
            // shared frame (a banner over it, heavy retouching) stands.
            out.extend(
                hash_edits(m, width, height)
                    .into_iter()
                    .filter(|e| matches!(e.kind, "overlay" | "altered")),
            );
        }
        return out;
    }
    hash_edits(m, width, height)
}

/// Edits from the hash alone: its rotation/flip and the sub-frames that
/// came closest.
fn hash_edits(m: &Match, width: u32, height: u32) -> Vec<Finding> {
    let mut out = Vec::new();
    let swaps_axes = matches!(
        m.transform,
        Dihedral::Transpose | Dihedral::Rotate90 | Dihedral::Rotate270 | Dihedral::Transverse
    );
    match m.transform {
        Dihedral::Original => {}
        Dihedral::MirrorHorizontal => out.push(Finding {
            kind: "mirrored",
            detail: "the copy is the original flipped left to right".into(),
        }),
        Dihedral::MirrorVertical => out.push(Finding {
            kind: "mirrored",
            detail: "the copy is the original flipped upside down".into(),
        }),
        t => out.push(Finding {
            kind: "rotated",
            detail: format!("the copy is the original turned ({})", t.name()),
        }),
    }
    let (rw, rh) = if swaps_axes {
        (m.height, m.width)
    } else {
        (m.width, m.height)
    };
    let ref_aspect = f64::from(rw) / f64::from(rh.max(1));
    let aspect = f64::from(width) / f64::from(height.max(1));
    let change = (aspect / ref_aspect - 1.0).abs();
    let (qf, rf) = (m.query_frame, m.reference_frame);
    let percent = |f: Frame| (f.area() * 100.0).round();
    match (qf, rf) {
        (Frame::Content(_), Frame::Whole) => out.push(Finding {
            kind: "screenshot",
            detail: format!(
                "the picture fills about {}% of the copy; around it ({}) are borders, bars or interface: a screenshot or a framed post",
                percent(qf),
                qf.edges()
            ),
        }),
        (Frame::Content(_), _) => out.push(Finding {
            kind: "screenshot",
            detail: format!(
                "the picture fills about {}% of the copy, inside borders or interface, and shows about {}% of the original, without {}",
                percent(qf),
                percent(rf),
                rf.edges()
            ),
        }),
        (Frame::Whole, Frame::Crop(_)) => out.push(Finding {
            kind: "cropped",
            detail: format!(
                "the copy shows about {}% of the original, without {}",
                percent(rf),
                rf.edges()
            ),
        }),
        (Frame::Crop(_), Frame::Whole) => out.push(Finding {
            kind: "overlay",
            detail: format!(
                "the copy adds or covers about {}% along {}: border, banner or a screenshot frame",
                100.0 - percent(qf),
                qf.edges()
            ),
        }),
        (Frame::Crop(a), Frame::Crop(b)) if a != b => out.push(Finding {
            kind: "cropped",
            detail: format!(
                "the closest parts are the copy without {} and the original without {} (about {}% of it): cropped or reframed",
                qf.edges(),
                rf.edges(),
                percent(rf)
            ),
        }),
        (Frame::Crop(_), Frame::Crop(_)) => out.push(Finding {
            kind: "overlay",
            detail: format!(
                "the copy differs from the original along {} (about {}% of it): banner, caption or overlay",
                qf.edges(),
                100.0 - percent(qf)
            ),
        }),
        (Frame::Whole, Frame::Whole) if change > CROP_ASPECT_CHANGE => out.push(Finding {
            kind: "cropped",
            detail: format!(
                "aspect ratio {aspect:.2} against the original's {ref_aspect:.2}: cropped or reframed"
            ),
        }),
        (Frame::Whole, Frame::Whole) if m.distance > REENCODE_DISTANCE => out.push(Finding {
            kind: "altered",
            detail: format!(
                "{} bits from the original at the same framing: overlay, text or heavy editing",
                m.distance
            ),
        }),
        _ => {}
    }
    out
}

/// Edits read off the verified transform and footprint.
pub fn geometric_edits(v: &VerificationSummary, f: &Footprint) -> Vec<Finding> {
    let mut out = Vec::new();
    // Without a fitted transform (not enough evidence) there is no geometry.
    let Some(rotation) = v.rotation else {
        return out;
    };
    // The transform takes the copy (mirrored first, if so) onto the
    // original; the copy is the original turned the other way. Image
    // coordinates run downwards, so a positive turn is clockwise.
    let mut turn = -rotation;
    if turn <= -180.0 {
        turn += 360.0;
    }
    let quarters = (turn / 90.0).round();
    let upside_down = v.mirrored && (turn.abs() - 180.0).abs() < QUARTER_TOLERANCE;
    if upside_down {
        out.push(Finding {
            kind: "mirrored",
            detail: "the copy is the original flipped upside down".into(),
        });
    } else {
        if v.mirrored {
            out.push(Finding {
                kind: "mirrored",
                detail: "the copy is the original flipped left to right".into(),
            });
        }
        let off_quarter = turn - quarters * 90.0;
        if quarters != 0.0 && off_quarter.abs() < QUARTER_TOLERANCE {
            let how = match quarters as i32 {
                1 => "90° clockwise",
                -1 => "90° anticlockwise",
                _ => "180° (upside down)",
            };
            out.push(Finding {
                kind: "rotated",
                detail: format!("the copy is the original turned {how}"),
            });
        } else if turn.abs() >= UPRIGHT_DEGREES {
            let way = if turn > 0.0 {
                "clockwise"
            } else {
                "anticlockwise"
            };
            out.push(Finding {
                kind: "rotated",
                detail: format!(
                    "the copy is the original tilted about {:.0}° {way}",
                    turn.abs()
                ),
            });
        }
    }
    let percent = |x: f32| (x * 100.0).round();
    if f.shown < SHOWN_WHOLE && !f.missing.is_empty() {
        out.push(Finding {
            kind: "cropped",
            detail: format!(
                "the copy shows about {}% of the original, without {}",
                percent(f.shown),
                f.missing_words()
            ),
        });
    }
    if f.fills < SHOWN_WHOLE {
        out.push(if f.added.is_empty() {
            // A tilted copy's filled corners.
            Finding {
                kind: "overlay",
                detail: format!(
                    "the copy adds about {}% around the picture, in its corners: border or fill",
                    100.0 - percent(f.fills)
                ),
            }
        } else if f.added.len() <= 2 {
            Finding {
                kind: "overlay",
                detail: format!(
                    "the copy adds about {}% along {}: border, banner or caption",
                    100.0 - percent(f.fills),
                    f.added_words()
                ),
            }
        } else {
            Finding {
                kind: "screenshot",
                detail: format!(
                    "the picture fills about {}% of the copy; around it ({}) are borders, bars or interface: a screenshot or a framed post",
                    percent(f.fills),
                    f.added_words()
                ),
            }
        });
    }
    out
}
