//! Video as references and queries: a still cut from a clip is found at its
//! time, a damaged clip or a missing FFmpeg is a per-file error, an
//! animation is searched past its first frame; on `../shared/data/video`,
//! a re-encoded clip matches its original and an unrelated one nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::util::{degrade, fixture, references, shared_data, Workspace};

/// The bundled clip: 3 s of slow zoom on `elephants.jpg`, a cut, 3 s of pan
/// over `storm.jpg` (320×180, 10 fps; see tests/fixtures/README.md).
fn clip() -> PathBuf {
    fixture("video/pans.mp4")
}

/// Whether ffmpeg runs; if not, says which test skips.
fn have_ffmpeg(test: &str) -> bool {
    let ok = Command::new("ffmpeg").arg("-version").output().is_ok();
    if !ok {
        eprintln!("skipping {test}: ffmpeg is not installed (Debian package ffmpeg)");
    }
    ok
}

/// The frame of `video` at `seconds`, saved as a PNG at `out`.
fn grab(video: &Path, seconds: f64, out: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-ss", &seconds.to_string(), "-i"])
        .arg(video)
        .args(["-frames:v", "1"])
        .arg(out)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
}

#[test]
fn a_still_cut_from_a_clip_cropped_or_mirrored_is_found_at_its_time() {
    if !have_ffmpeg("a_still_cut_from_a_clip_cropped_or_mirrored_is_found_at_its_time") {
        return;
    }
    let ws = Workspace::new();
    ws.build_from(&[clip(), references().join("ladybird.jpg")]);
    let at = 4.4;
    let frame = ws.path().join("frame.png");
    grab(&clip(), at, &frame);
    // 80% of each side kept, re-compressed; and a mirrored copy.
    degrade(&frame, &ws.path().join("cut.jpg"), 0.64, 1.0, 75);
    let img = image::open(&frame).unwrap().fliph();
    super::util::save_jpeg(&img, &ws.path().join("mirrored.jpg"), 80);
    let out = ws.run_json(&["query", "cut.jpg", "mirrored.jpg"], 1);
    for q in out.as_array().unwrap() {
        let m = &q["matches"][0];
        assert!(m["path"].as_str().unwrap().ends_with("pans.mp4"), "{q}");
        assert_eq!(m["media"], "video", "{q}");
        let time = m["time"].as_f64().unwrap();
        assert!((time - at).abs() <= 1.0, "found at {time} s, cut at {at} s");
        assert!(m["frame"].as_u64().is_some(), "{q}");
    }
}

#[test]
fn a_missing_ffmpeg_or_a_damaged_clip_is_a_per_file_error() {
    let ws = Workspace::new();
    let photo = references().join("elephants.jpg");
    // Without FFmpeg: the clip fails saying how to install it, the photo is hashed.
    let out = ws
        .cmd()
        .env("PROVCHECK_FFMPEG", ws.path().join("no-ffmpeg-here"))
        .args(["--format", "json", "hash"])
        .arg(clip())
        .arg(&photo)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("pans.mp4") && stderr.contains("apt install ffmpeg"),
        "{stderr}"
    );
    let items = super::util::json(&out.get_output().stdout);
    assert!(items[1]["hashes"]["pdq"].is_string(), "{items}");
    if !have_ffmpeg("a_missing_ffmpeg_or_a_damaged_clip_is_a_per_file_error (damaged part)") {
        return;
    }
    let bytes = std::fs::read(clip()).unwrap();
    std::fs::write(ws.path().join("truncated.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    let mut corrupt = bytes.clone();
    corrupt[..64].fill(0x5A);
    std::fs::write(ws.path().join("corrupt.mp4"), &corrupt).unwrap();
    let out = ws
        .cmd()
        .args(["--format", "json", "hash", "truncated.mp4", "corrupt.mp4"])
        .arg(&photo)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    for name in [
        "truncated.mp4: cannot read video",
        "corrupt.mp4: cannot read video",
    ] {
        assert!(stderr.contains(name), "{stderr}");
    }
    let items = super::util::json(&out.get_output().stdout);
    assert!(items[2]["hashes"]["pdq"].is_string(), "{items}");
}

#[test]
fn an_animated_gif_is_searched_past_its_first_frame() {
    let ws = Workspace::new();
    ws.build_from(&[references().join("ladybird.jpg")]);
    // An unrelated first frame, then the reference.
    let frame = |name: &str| {
        let img = image::open(references().join(name)).unwrap();
        image::Frame::from_parts(
            img.resize_exact(240, 150, image::imageops::FilterType::Triangle)
                .to_rgba8(),
            0,
            0,
            image::Delay::from_numer_denom_ms(500, 1),
        )
    };
    let gif = ws.path().join("anim.gif");
    let mut enc = image::codecs::gif::GifEncoder::new(std::fs::File::create(&gif).unwrap());
    enc.encode_frames([frame("storm.jpg"), frame("ladybird.jpg")])
        .unwrap();
    drop(enc);
    let out = ws.run_json(&["query", "anim.gif"], 1);
    let clip = &out[0]["clips"][0];
    assert!(
        clip["path"].as_str().unwrap().ends_with("ladybird.jpg"),
        "{out}"
    );
    assert_eq!(clip["segments"][0]["query"][0].as_f64(), Some(0.5), "{out}");
}

#[test]
fn a_reencoded_clip_matches_its_original_and_an_unrelated_one_nothing() {
    let Some(data) =
        shared_data("a_reencoded_clip_matches_its_original_and_an_unrelated_one_nothing")
    else {
        return;
    };
    if !have_ffmpeg("a_reencoded_clip_matches_its_original_and_an_unrelated_one_nothing") {
        return;
    }
    let v = data.join("video");
    let ws = Workspace::new();
    ws.build_from(&[v.join("carphone_pristine.mp4"), v.join("bigbuckbunny.mp4")]);
    let out = ws.run_json(
        &[
            v.join("carphone_distorted.mp4").to_string_lossy().as_ref(),
            v.join("bikes.mp4").to_string_lossy().as_ref(),
        ]
        .iter()
        .map(|s| s.to_string())
        .fold(vec!["query".to_string()], |mut a, s| {
            a.push(s);
            a
        }),
        1,
    );
    let clip = &out[0]["clips"][0];
    assert!(
        clip["path"]
            .as_str()
            .unwrap()
            .ends_with("carphone_pristine.mp4"),
        "{out}"
    );
    assert!(clip["query_share"].as_f64().unwrap() >= 0.8, "{clip}");
    assert!(clip["reference_share"].as_f64().unwrap() >= 0.8, "{clip}");
    assert_eq!(out[1]["matches"].as_array().map(Vec::len), Some(0), "{out}");
}

#[test]
fn stills_cut_from_the_shared_clips_are_found_in_their_clip_at_their_time() {
    let test = "stills_cut_from_the_shared_clips_are_found_in_their_clip_at_their_time";
    let Some(data) = shared_data(test) else {
        return;
    };
    if !have_ffmpeg(test) {
        return;
    }
    let v = data.join("video");
    let ws = Workspace::new();
    ws.build_from(&[
        v.join("bigbuckbunny.mp4"),
        v.join("bikes.mp4"),
        v.join("carphone_pristine.mp4"),
    ]);
    // Times between the sampled seconds, in every clip.
    let cases = [
        ("bigbuckbunny.mp4", 3.6),
        ("bikes.mp4", 6.5),
        ("carphone_pristine.mp4", 2.4),
    ];
    let mut queries = vec!["query".to_string()];
    for (k, (name, at)) in cases.iter().enumerate() {
        let frame = ws.path().join(format!("frame{k}.png"));
        grab(&v.join(name), *at, &frame);
        degrade(
            &frame,
            &ws.path().join(format!("cut{k}.jpg")),
            0.64,
            1.0,
            75,
        );
        let img = image::open(&frame).unwrap().fliph();
        super::util::save_jpeg(&img, &ws.path().join(format!("mirrored{k}.jpg")), 80);
        queries.extend([format!("cut{k}.jpg"), format!("mirrored{k}.jpg")]);
    }
    let out = ws.run_json(&queries, 1);
    for (q, (name, at)) in out
        .as_array()
        .unwrap()
        .iter()
        .zip(cases.iter().flat_map(|c| [c, c]))
    {
        let m = &q["matches"][0];
        assert!(m["path"].as_str().unwrap().ends_with(name), "{q}");
        let time = m["time"].as_f64().unwrap();
        assert!(
            (time - at).abs() <= 1.0,
            "{name}: found at {time} s, cut at {at} s"
        );
    }
}

#[test]
fn eval_videos_finds_grabbed_stills_in_their_clip_and_no_distractor() {
    if !have_ffmpeg("eval_videos_finds_grabbed_stills_in_their_clip_and_no_distractor") {
        return;
    }
    let ws = Workspace::new();
    let (videos, others) = (ws.path().join("videos"), ws.path().join("others"));
    std::fs::create_dir_all(&videos).unwrap();
    std::fs::create_dir_all(&others).unwrap();
    std::fs::copy(clip(), videos.join("pans.mp4")).unwrap();
    std::fs::copy(
        references().join("ladybird.jpg"),
        others.join("ladybird.jpg"),
    )
    .unwrap();
    let out = ws.run_json(
        &[
            "eval",
            "--videos",
            "videos",
            "--distractors",
            "others",
            "--stills",
            "2",
        ],
        0,
    );
    let e = &out[0];
    assert_eq!(e["clips"], 1, "{e}");
    assert_eq!(e["stills"].as_array().map(Vec::len), Some(2), "{e}");
    let family = |name: &str| {
        e["families"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["family"] == name)
            .unwrap_or_else(|| panic!("no {name} row: {e}"))
            .clone()
    };
    // Re-encoded, 80%-crops and mirrored copies of both stills: found in
    // the clip within a second of the grab.
    // A still inside a slow pan or zoom is nearest to a stored frame up to
    // a couple of seconds away (1 frame a second is kept, and near-duplicate
    // frames are dropped): each is found, most within 1 s, none beyond 3 s.
    let (mut within, mut copies) = (0, 0);
    for name in ["re-encode", "mirror"] {
        let f = family(name);
        assert_eq!(f["found_at_rank_1"], f["copies"], "{f}");
        assert!(
            f["time_error_seconds"]["max"].as_f64().unwrap() <= 3.0,
            "{f}"
        );
        within += f["within_1s"].as_u64().unwrap();
        copies += f["copies"].as_u64().unwrap();
    }
    assert!(2 * within >= copies, "{within} of {copies} within 1 s");
    let crop80 = e["transforms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["transform"].as_str().unwrap().starts_with("crop-80"))
        .collect::<Vec<_>>();
    assert!(
        crop80.iter().all(|t| t["within_1s"] == t["copies"]),
        "{crop80:?}"
    );
    assert_eq!(family("all")["false_matches"], 0, "{e}");
    assert_eq!(e["distractor_queries"], 1, "{e}");
    assert_eq!(e["distractor_false_matches"], 0, "{e}");
}

/// MPEG-TS streams start late (1.4 s here): times are counted from the
/// container's start, so a TS copy of a clip has the frames of the MP4 at
/// the same times (they were once shifted by the start twice).
#[test]
fn an_mpeg_ts_copy_has_the_frames_and_times_of_its_mp4() {
    if !have_ffmpeg("an_mpeg_ts_copy_has_the_frames_and_times_of_its_mp4") {
        return;
    }
    let ws = Workspace::new();
    let ts = ws.path().join("pans.ts");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(clip())
        .args(["-c", "copy", "-output_ts_offset", "1.4"])
        .arg(&ts)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    let frames = |path: &Path| -> Vec<(u64, String, String)> {
        let out = ws.run_json(&["hash", path.to_str().unwrap()], 0);
        out[0]["video"]["frames"]
            .as_array()
            .expect("video frames")
            .iter()
            .map(|f| {
                (
                    f["frame"].as_u64().unwrap(),
                    format!("{:.2}", f["time"].as_f64().unwrap()),
                    f["reason"].to_string(),
                )
            })
            .collect()
    };
    let mp4 = frames(&clip());
    assert!(mp4.len() >= 6, "{mp4:?}");
    assert_eq!(frames(&ts), mp4);
}

/// An `ffmpeg` whose folder holds no `ffprobe` (here a link to the
/// installed one, the probe taken from PATH) cannot be vouched for by the
/// probe's version: FFmpeg is asked what its `showinfo` takes, and the
/// frames, times and hashes come out as with the pair from one folder.
#[cfg(unix)]
#[test]
fn an_ffmpeg_without_its_ffprobe_beside_it_gives_the_same_frames() {
    if !have_ffmpeg("an_ffmpeg_without_its_ffprobe_beside_it_gives_the_same_frames") {
        return;
    }
    let installed = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("ffmpeg"))
        .find(|p| p.is_file())
        .expect("ffmpeg on PATH");
    let ws = Workspace::new();
    let alone = ws.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::os::unix::fs::symlink(&installed, alone.join("ffmpeg")).unwrap();
    assert!(!alone.join("ffprobe").exists());
    let vpdq = |ffmpeg: &Path| {
        let out = ws
            .cmd()
            .arg("--ffmpeg")
            .arg(ffmpeg)
            .args(["--format", "vpdq", "hash"])
            .arg(clip())
            .assert()
            .code(0);
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let paired = vpdq(&installed);
    assert!(paired.lines().count() >= 6, "{paired}");
    assert_eq!(vpdq(&alone.join("ffmpeg")), paired);
}
