//! The founding case: a still cut from an older video. A vPDQ hash list
//! imported with its context finds a still cut from the clip; `check`
//! names the clip, the time and its publication in every format; an
//! attached video names the stretch it shares; the bundled example shows
//! the video verdict with FFmpeg and, from the committed vPDQ hashes,
//! without it (saying what that leaves out); the committed hashes are what
//! provcheck computes of the bundled clip.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::util::{degrade, fixture, json, references, Workspace};

/// Whether ffmpeg runs; if not, says which test skips.
fn have_ffmpeg(test: &str) -> bool {
    let ok = Command::new("ffmpeg").arg("-version").output().is_ok();
    if !ok {
        eprintln!("skipping {test}: ffmpeg is not installed (Debian package ffmpeg)");
    }
    ok
}

/// Runs ffmpeg with `args`, which must succeed.
fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?}");
}

/// The frame of `video` at `seconds` as a PNG at `out`.
fn grab(video: &Path, seconds: f64, out: &Path) {
    ffmpeg(&[
        "-ss",
        &seconds.to_string(),
        "-i",
        &video.to_string_lossy(),
        "-frames:v",
        "1",
        &out.to_string_lossy(),
    ]);
}

fn pans() -> PathBuf {
    fixture("video/pans.mp4")
}

#[test]
fn an_imported_vpdq_list_with_its_context_finds_a_still_cut_from_the_clip() {
    let test = "an_imported_vpdq_list_with_its_context_finds_a_still_cut_from_the_clip";
    if !have_ffmpeg(test) {
        return;
    }
    let ws = Workspace::new();
    // The archive holds the clip's hashes and its record, not the clip.
    let archive = ws.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let vpdq = ws
        .cmd()
        .args(["hash", "--format", "vpdq"])
        .arg(pans())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    std::fs::write(archive.join("pans.mp4.vpdq"), &vpdq).unwrap();
    std::fs::write(
        archive.join("context.csv"),
        "path,publisher,published,caption\npans.mp4,Archive TV,2019-05-01,Two shots: an artwork and a storm\n",
    )
    .unwrap();
    let out = ws
        .cmd()
        .args([
            "corpus",
            "import",
            "archive/pans.mp4.vpdq",
            "archive/context.csv",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.is_empty(), "{stderr}");
    let stats = &ws.run_json(&["corpus", "stats"], 0)[0];
    assert_eq!(stats["videos"], 1, "{stats}");
    let lines = String::from_utf8_lossy(&vpdq).lines().count();
    assert_eq!(stats["video_frames"], lines, "{stats}");
    // A still at 4.4 s (the storm shot), 90% of it kept, shrunk, re-compressed.
    let at = 4.4;
    let frame = ws.path().join("frame.png");
    grab(&pans(), at, &frame);
    degrade(&frame, &ws.path().join("still.jpg"), 0.9, 0.8, 70);
    let m = ws.top_match("still.jpg");
    assert!(
        m["path"].as_str().unwrap().ends_with("archive/pans.mp4"),
        "{m}"
    );
    assert_eq!(m["media"], "video", "{m}");
    let time = m["time"].as_f64().unwrap();
    assert!((time - at).abs() <= 1.0, "found at {time} s, cut at {at} s");
    assert_eq!(m["context"]["published"], "2019-05-01", "{m}");
    assert_eq!(m["context"]["publisher"], "Archive TV", "{m}");
    // vPDQ lines carry no pHash: no pHash distance is made up.
    assert!(m["phash_distance"].is_null(), "{m}");
}

/// A statement attaching `images` (file names in `dir`), claiming 2026.
fn statement(dir: &Path, images: &[&str]) -> PathBuf {
    let mut s = String::from(
        "title = \"Flooding today\"\nsource = \"Example Agency\"\nclaimed_date = \"2026-11-19\"\n",
    );
    for i in images {
        s.push_str(&format!("\n[[images]]\npath = \"{i}\"\n"));
    }
    let path = dir.join("statement.toml");
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn an_attached_video_containing_an_older_clips_segment_names_the_segment() {
    if !have_ffmpeg("an_attached_video_containing_an_older_clips_segment_names_the_segment") {
        return;
    }
    let ws = Workspace::new();
    let refs = ws.path().join("refs");
    std::fs::create_dir_all(&refs).unwrap();
    std::fs::copy(pans(), refs.join("pans.mp4")).unwrap();
    std::fs::write(
        refs.join("context.csv"),
        "path,publisher,published\npans.mp4,Archive TV,2019-05-01\n",
    )
    .unwrap();
    // The storm shot (3 s to 6 s of the reference), re-encoded smaller.
    ffmpeg(&[
        "-ss",
        "3.2",
        "-i",
        &pans().to_string_lossy(),
        "-t",
        "2.5",
        "-vf",
        "scale=240:-2",
        "-c:v",
        "libx264",
        "-crf",
        "32",
        &ws.path().join("reupload.mp4").to_string_lossy(),
    ]);
    let file = statement(ws.path(), &["reupload.mp4"]);
    let out = ws.run_json(
        &["check", "--corpus", "refs", file.to_string_lossy().as_ref()],
        1,
    );
    let c = &out[0];
    assert_eq!(c["verdict"], "misattributed", "{c}");
    assert!(
        c["original"]["path"]
            .as_str()
            .unwrap()
            .ends_with("pans.mp4"),
        "{c}"
    );
    let segment = &c["segments"][0];
    let (a, b) = (
        segment["reference"][0].as_f64().unwrap(),
        segment["reference"][1].as_f64().unwrap(),
    );
    assert!(a >= 2.5 && b <= 6.0 && b > a, "{segment}");
    let note = &c["notes"][0];
    assert_eq!(note["kind"], "segment", "{c}");
    let detail = note["detail"].as_str().unwrap();
    assert!(
        detail.contains("of the attached video is")
            && detail.contains("of pans.mp4, first published 2019-05-01"),
        "{detail}"
    );
}

/// `check` of the bundled example statement in `format`, on a fresh
/// database in `ws`; `ffmpeg` names the binary (a missing one: none).
fn bundled_check(ws: &Workspace, format: &str, ffmpeg: Option<&Path>) -> (String, String) {
    let mut cmd = ws.cmd();
    if let Some(f) = ffmpeg {
        cmd.env("PROVCHECK_FFMPEG", f);
    }
    let out = cmd
        .env_remove("PROVCHECK_DB")
        .args(["--format", format, "check", "--corpus"])
        .arg(references())
        .arg(references().join("examples/statement.toml"))
        .assert()
        .code(1);
    let o = out.get_output();
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The checks every run of the bundled example must give: the old
/// verdicts unchanged, the still named as one from the clip at 00:09.
fn assert_example_verdicts(items: &serde_json::Value) {
    let by_image = |name: &str| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["image"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} checked: {items}"))
            .clone()
    };
    let flood = by_image("flood_crop.jpg");
    assert_eq!(flood["verdict"], "misattributed");
    assert!(flood["original"]["path"]
        .as_str()
        .unwrap()
        .ends_with("gps_dscn0025.jpg"));
    let storm = by_image("storm_banner.jpg");
    assert_eq!(storm["verdict"], "misattributed");
    assert!(storm["original"]["path"]
        .as_str()
        .unwrap()
        .ends_with("storm.jpg"));
    assert_eq!(by_image("new_photo.jpg")["verdict"], "no-match");
    let still = by_image("coast_still.jpg");
    assert_eq!(still["verdict"], "misattributed", "{still}");
    let o = &still["original"];
    assert!(
        o["path"].as_str().unwrap().ends_with("coast.mp4"),
        "{still}"
    );
    assert_eq!(o["media"], "video", "{still}");
    assert!((o["time"].as_f64().unwrap() - 9.0).abs() <= 0.5, "{still}");
    assert_eq!(o["published"], "2024-10-30", "{still}");
    let note = &still["notes"][0];
    assert_eq!(note["kind"], "still-from-video", "{still}");
    assert!(
        note["detail"]
            .as_str()
            .unwrap()
            .starts_with("a still from coast.mp4 at 00:09.0"),
        "{still}"
    );
    let kinds: Vec<&str> = still["contradictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"date"), "{still}");
}

#[test]
fn the_bundled_example_names_the_clip_the_time_and_its_publication_in_every_format() {
    if !have_ffmpeg(
        "the_bundled_example_names_the_clip_the_time_and_its_publication_in_every_format",
    ) {
        return;
    }
    let ws = Workspace::new();
    let (out, _) = bundled_check(&ws, "json", None);
    let items = json(out.as_bytes());
    assert_example_verdicts(&items);
    let still = items
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["image"].as_str().unwrap().ends_with("coast_still.jpg"))
        .unwrap();
    // Decoded with FFmpeg: verified with local features against the frame.
    assert!(
        still["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "hash-only"),
        "{still}"
    );
    let (table, _) = bundled_check(&ws, "table", None);
    assert!(
        table.contains("reference_images/coast.mp4 @ 00:09.0"),
        "{table}"
    );
    assert!(
        table.contains("- still-from-video: a still from coast.mp4 at 00:09.0"),
        "{table}"
    );
    let (csv, _) = bundled_check(&ws, "csv", None);
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",original_time,notes"), "{header}");
    let row = csv.lines().find(|l| l.contains("coast_still.jpg")).unwrap();
    assert!(row.ends_with(",9.000,still-from-video"), "{row}");
    let (html, _) = bundled_check(&ws, "html", None);
    // The matching frame and a strip of the clip's frames, the match outlined.
    assert!(
        html.contains("reference_images/coast.mp4 @ 00:09.0 (near-duplicate"),
        "no frame caption"
    );
    assert!(html.contains("<div class=\"strip\">"), "no strip");
    assert!(
        html.contains("<figure class=\"hit\"><img src=\"data:image/jpeg;base64,"),
        "no matched frame in the strip"
    );
    assert!(
        !html.contains("frame picture not available"),
        "a frame is missing"
    );
    assert!(html.len() < 2_000_000, "the page is {} bytes", html.len());
}

#[test]
fn without_ffmpeg_the_bundled_example_shows_the_video_verdict_from_the_committed_hashes() {
    let ws = Workspace::new();
    let missing = ws.path().join("no-ffmpeg-here");
    // The command line runs quiet (-q) here: the fallback is checked in
    // the JSON's note, which says the same as the warning.
    let (out, _) = bundled_check(&ws, "json", Some(&missing));
    let items = json(out.as_bytes());
    assert_example_verdicts(&items);
    let still = items
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["image"].as_str().unwrap().ends_with("coast_still.jpg"))
        .unwrap();
    let hash_only = still["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "hash-only")
        .unwrap_or_else(|| panic!("no hash-only note: {still}"));
    assert!(
        hash_only["detail"]
            .as_str()
            .unwrap()
            .contains("FFmpeg was not found"),
        "{still}"
    );
    // The HTML report says what is missing instead of failing.
    let (html, _) = bundled_check(&ws, "html", Some(&missing));
    assert!(
        html.contains("frame picture not available"),
        "no word on the frame"
    );
    assert!(
        html.contains("The frame pictures are not shown"),
        "no word on the strip"
    );
}

#[test]
fn the_committed_vpdq_hashes_are_what_provcheck_computes_of_the_bundled_clip() {
    if !have_ffmpeg("the_committed_vpdq_hashes_are_what_provcheck_computes_of_the_bundled_clip") {
        return;
    }
    let ws = Workspace::new();
    let out = ws
        .cmd()
        .args(["hash", "--format", "vpdq"])
        .arg(references().join("coast.mp4"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let computed = provcheck::video::vpdq::parse(&String::from_utf8_lossy(&out)).unwrap();
    let text = std::fs::read_to_string(references().join("coast.mp4.vpdq")).unwrap();
    let committed = provcheck::video::vpdq::parse(&text).unwrap();
    assert_eq!(
        computed.len(),
        committed.len(),
        "frames kept; remake the hashes with scripts/make_example_clip.sh"
    );
    for (c, k) in computed.iter().zip(&committed) {
        assert_eq!(
            (c.frame, (c.time * 1000.0).round()),
            (k.frame, (k.time * 1000.0).round())
        );
        // Another FFmpeg build may decode a pixel or two differently: the
        // vPDQ tolerance for ports (10 bits) and no more.
        let d = c.pdq.distance(&k.pdq);
        assert!(
            d <= 10,
            "frame {} differs by {d} bits: remake coast.mp4.vpdq",
            c.frame
        );
    }
}
