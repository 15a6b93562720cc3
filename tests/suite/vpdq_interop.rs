//! Interoperability with ThreatExchange's vPDQ: provcheck's frame hashes
//! of a clip against the `vpdq` Python bindings' (PyPI 0.2.5, one hash a
//! second, frames at their own size), committed as vPDQ text by
//! scripts/vpdq_reference.py so no Python is needed here. Every frame vPDQ
//! hashed is one provcheck keeps, at the same time, and their PDQ differ by
//! at most [`TOLERANCE`] bits.

use std::path::Path;

use provcheck::video::vpdq;

use super::util::{fixture, shared_data, Workspace};

/// Most bits a frame's PDQ may differ from vPDQ's. Measured: see the
/// README ("vPDQ compatibility"). The two decode the same frames but
/// differently (provcheck takes FFmpeg's grey plane, vPDQ converts to RGB
/// and back to luma with PDQ's weights), as two image decoders differ on a
/// JPEG; the PDQ documentation's tolerance for ports is 10 bits.
const TOLERANCE: u32 = 10;

/// provcheck's `--format vpdq` lines of `clip` against the reference
/// lines in `reference`: each reference frame found at the same time (to
/// the millisecond) and frame number, and the distances.
fn compare(clip: &Path, reference: &Path) -> Vec<u32> {
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["--format", "vpdq", "hash"])
        .arg(clip)
        .assert()
        .code(0);
    let ours = vpdq::parse(&String::from_utf8_lossy(&out.get_output().stdout)).unwrap();
    let theirs = vpdq::parse(&std::fs::read_to_string(reference).unwrap()).unwrap();
    assert!(!theirs.is_empty());
    theirs
        .iter()
        .map(|t| {
            let o = ours
                .iter()
                .find(|o| (o.time - t.time).abs() < 5e-4)
                .unwrap_or_else(|| panic!("no frame of provcheck at {} s: {ours:?}", t.time));
            assert_eq!(o.frame, t.frame, "frame numbers at {} s", t.time);
            o.pdq.distance(&t.pdq)
        })
        .collect()
}

fn have_ffmpeg(test: &str) -> bool {
    let ok = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok();
    if !ok {
        eprintln!("skipping {test}: ffmpeg is not installed (Debian package ffmpeg)");
    }
    ok
}

#[test]
fn frame_hashes_agree_with_vpdq_on_the_bundled_clip() {
    if !have_ffmpeg("frame_hashes_agree_with_vpdq_on_the_bundled_clip") {
        return;
    }
    let d = compare(&fixture("video/pans.mp4"), &fixture("video/pans.vpdq"));
    eprintln!("pans.mp4: distances to vPDQ {d:?}");
    assert!(d.iter().all(|&x| x <= TOLERANCE), "{d:?}");
}

#[test]
fn frame_hashes_agree_with_vpdq_on_the_shared_clips() {
    let test = "frame_hashes_agree_with_vpdq_on_the_shared_clips";
    let Some(data) = shared_data(test) else {
        return;
    };
    if !have_ffmpeg(test) {
        return;
    }
    for name in ["bigbuckbunny", "bikes"] {
        let d = compare(
            &data.join(format!("video/{name}.mp4")),
            &fixture(&format!("video/{name}.vpdq")),
        );
        eprintln!("{name}.mp4: distances to vPDQ {d:?}");
        assert!(d.iter().all(|&x| x <= TOLERANCE), "{name}: {d:?}");
    }
}
