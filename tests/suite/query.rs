//! `provcheck query`: copies are found, unrelated photos are not.

use super::engines::on_each_engine;
use super::util::{degrade, fixture, json, references, Workspace};

on_each_engine! {
    fn a_resized_recompressed_cropped_copy_is_the_top_near_duplicate(ws) {
        ws.build_references();
        let copy = ws.path().join("copy.jpg");
        degrade(&references().join("dune.jpg"), &copy, 0.9, 0.6, 70);
        let out = ws
            .cmd()
            .args(["--format", "json", "query", "copy.jpg"])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let result = &json(&out)[0];
        assert_eq!(result["query"], "copy.jpg");
        assert!(result["error"].is_null());
        let top = &result["matches"][0];
        assert!(
            top["path"].as_str().unwrap().ends_with("dune.jpg"),
            "{result}"
        );
        assert_eq!(top["class"], "near-duplicate");
        let sim = top["similarity"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&sim));
        assert!(top["distance"].as_u64().is_some());
        let chance = top["chance"].as_f64().unwrap();
        assert!(
            chance < 1e-6,
            "a near-duplicate is no chance match: {chance}"
        );
        assert!(top["chance_odds"].as_str().unwrap().starts_with("< 1 in") || chance > 0.0);
        assert!(top["context"]["publisher"].is_string(), "{top}");
        assert!(top["exif"].is_object());
    }
}

#[test]
fn an_unrelated_photo_returns_no_match_and_exit_code_0() {
    let ws = Workspace::new();
    ws.build_references();
    let new = references().join("examples/new_photo.jpg");
    let v = ws.run_json(&[std::ffi::OsStr::new("query"), new.as_os_str()], 0);
    assert_eq!(v[0]["matches"].as_array().unwrap().len(), 0, "{v}");
}

on_each_engine! {
    fn the_same_bytes_are_identical(ws) {
        ws.build_references();
        let top = &ws.top_match(references().join("storm.jpg"));
        assert_eq!(top["class"], "identical");
        assert_eq!(top["distance"], 0);
    }
}

#[test]
fn a_mirrored_copy_matches_with_its_transform() {
    let ws = Workspace::new();
    ws.build_references();
    let img = image::open(references().join("chelsea.jpg"))
        .unwrap()
        .fliph();
    super::util::save_jpeg(&img, &ws.path().join("m.jpg"), 80);
    let top = &ws.top_match("m.jpg");
    assert!(
        top["path"].as_str().unwrap().ends_with("chelsea.jpg"),
        "{top}"
    );
    assert_eq!(top["transform"], "mirror-horizontal");
}

/// Two different near-blank pictures: hashed, stored, marked low-information,
/// and never matched on distance; only the same bytes match.
#[test]
fn low_information_images_match_only_when_identical() {
    let ws = Workspace::new();
    let dir = ws.path().join("blank");
    std::fs::create_dir(&dir).unwrap();
    let mut a = image::RgbImage::from_pixel(400, 300, image::Rgb([250, 250, 250]));
    for x in 0..200 {
        for y in 0..300 {
            a.put_pixel(x, y, image::Rgb([20, 20, 20]));
        }
    }
    let mut b = a.clone();
    for x in 200..220 {
        for y in 0..300 {
            b.put_pixel(x, y, image::Rgb([20, 20, 20]));
        }
    }
    super::util::save_jpeg(&image::DynamicImage::ImageRgb8(a), &dir.join("a.jpg"), 90);
    super::util::save_jpeg(
        &image::DynamicImage::ImageRgb8(b),
        &ws.path().join("b.jpg"),
        90,
    );
    ws.run_json(&["corpus", "build", "blank"], 0);
    assert_eq!(ws.list()[0]["low_information"], true);
    let unrelated = ws.run_json(&["query", "b.jpg"], 1);
    assert_eq!(
        unrelated[0]["matches"].as_array().unwrap().len(),
        0,
        "{unrelated}"
    );
    assert!(
        unrelated[0]["not_assessed"]["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("not assessed:")),
        "{unrelated}"
    );
    let same = ws.run_json(&["query", "blank/a.jpg"], 1);
    assert_eq!(same[0]["matches"][0]["class"], "identical");
}

/// A bundled photo pasted at 60% of the width into a post-like canvas (dark
/// status bar, a line of grey "text", white margins, a light bottom bar):
/// found through its content area, and `check`'s frame reads as a screenshot.
#[test]
fn a_screenshot_of_a_post_finds_the_photo_inside() {
    let ws = Workspace::new();
    ws.build_references();
    let photo = image::open(references().join("rocket.jpg"))
        .unwrap()
        .to_rgb8();
    let (w, h) = photo.dimensions();
    let (cw, ch) = (w * 5 / 3, h + h / 2);
    let mut canvas = image::RgbImage::from_pixel(cw, ch, image::Rgb([255, 255, 255]));
    let mut fill = |x0: u32, y0: u32, x1: u32, y1: u32, c: [u8; 3]| {
        for y in y0..y1 {
            for x in x0..x1 {
                canvas.put_pixel(x, y, image::Rgb(c));
            }
        }
    };
    fill(0, 0, cw, h / 16, [20, 20, 20]);
    fill(cw / 5, h / 8, cw / 2, h / 8 + h / 30, [90, 90, 90]);
    fill(0, ch - h / 12, cw, ch, [230, 230, 230]);
    image::imageops::overlay(&mut canvas, &photo, i64::from(cw / 5), i64::from(h / 4));
    super::util::save_jpeg(
        &image::DynamicImage::ImageRgb8(canvas),
        &ws.path().join("post.jpg"),
        85,
    );
    let top = &ws.top_match("post.jpg");
    assert!(
        top["path"].as_str().unwrap().ends_with("rocket.jpg"),
        "{top}"
    );
    assert_eq!(top["frames"]["query"], "content", "{top}");
}

/// A copy cut to its top-left 45% and tilted by 6°: too far from its
/// original for any hash, found by verifying the closest candidates with
/// local features, and reported as a verified copy.
#[test]
fn a_deep_tilted_crop_is_verified_as_a_copy() {
    let ws = Workspace::new();
    ws.build_references();
    let photo = image::open(references().join("gps_dscn0021.jpg")).unwrap();
    let (w, h) = (photo.width(), photo.height());
    let part = photo.crop_imm(0, 0, w * 2 / 3, h * 2 / 3).to_rgb8();
    let tilted = imageproc::geometric_transformations::rotate_about_center(
        &part,
        6f32.to_radians(),
        imageproc::geometric_transformations::Interpolation::Bilinear,
        imageproc::geometric_transformations::Border::Constant(image::Rgb([0, 0, 0])),
    );
    let (tw, th) = tilted.dimensions();
    let inner =
        image::imageops::crop_imm(&tilted, tw / 8, th / 8, tw * 3 / 4, th * 3 / 4).to_image();
    super::util::save_jpeg(
        &image::DynamicImage::ImageRgb8(inner),
        &ws.path().join("cut.jpg"),
        80,
    );
    let top = &ws.top_match("cut.jpg");
    assert!(
        top["path"].as_str().unwrap().ends_with("gps_dscn0021.jpg"),
        "{top}"
    );
    assert_eq!(top["class"], "near-duplicate", "{top}");
    let v = &top["verification"];
    assert_eq!(v["verdict"], "copy", "{top}");
    assert!(v["inliers"].as_u64().unwrap() >= 20, "{top}");
    let rotation = v["rotation"].as_f64().unwrap();
    assert!((rotation.abs() - 6.0).abs() < 1.5, "rotation {rotation}");
}

/// A copy keeping 40% of its original's area, cut off-centre (between the
/// placements of the reference's windows): verified as a copy of its
/// original, found at its own scale.
#[test]
fn a_forty_percent_off_centre_crop_is_verified_as_a_copy() {
    let ws = Workspace::new();
    ws.build_references();
    let top = &ws.top_match(forty_percent_crop(&ws, 0.3, 0.8));
    assert!(
        top["path"].as_str().unwrap().ends_with("gps_dscn0025.jpg"),
        "{top}"
    );
    assert_eq!(top["class"], "near-duplicate", "{top}");
    assert_eq!(top["verification"]["verdict"], "copy", "{top}");
    // The reference is 640 px wide, under the features' working size, so
    // the cut keeps its pixels' scale.
    let scale = top["verification"]["scale"].as_f64().unwrap();
    assert!((0.95..1.05).contains(&scale), "scale {scale}");
}

/// A copy keeping 40% of gps_dscn0025.jpg, cut at shares `fx`, `fy` of the
/// room left across and down, saved as a JPEG in the workspace.
fn forty_percent_crop(ws: &Workspace, fx: f32, fy: f32) -> std::path::PathBuf {
    let photo = image::open(references().join("gps_dscn0025.jpg")).unwrap();
    let (w, h) = (photo.width(), photo.height());
    let (cw, ch) = (w * 632 / 1000, h * 632 / 1000);
    let x = ((w - cw) as f32 * fx) as u32;
    let y = ((h - ch) as f32 * fy) as u32;
    let path = ws.path().join(format!("part-{x}-{y}.jpg"));
    super::util::save_jpeg(&photo.crop_imm(x, y, cw, ch), &path, 80);
    path
}

/// A copy cut where one of its original's windows lies is nominated by that
/// window: among all the bundled references, the original comes first by
/// window distance, much closer than any pairing of the hash search.
#[test]
fn a_window_of_the_original_nominates_a_crop_it_covers() {
    use provcheck::analyze::{analyze_file, Depth};
    use provcheck::decode::Limits;
    use provcheck::hash::Frame;
    use provcheck::verify::{CANDIDATES, RADIUS};

    let ws = Workspace::new();
    let limits = Limits::default();
    let (refs, index) = indexed(&[]);
    // A quarter of the room across, three quarters down: the 40% window in
    // the second column, fourth row.
    let q = analyze_file(&forty_percent_crop(&ws, 0.25, 0.75), &limits, Depth::Query).unwrap();
    let nominees = index.nominate(&q.hashes, CANDIDATES, RADIUS, &[]);
    let first = &nominees[0];
    let original = &refs[first.index];
    assert!(
        original.path.ends_with("gps_dscn0025.jpg"),
        "{:?}",
        original.path
    );
    assert!(matches!(first.reference_frame, Frame::Window(_)));
    let hashed = provcheck::index::distance(&q.hashes, original);
    assert!(
        first.distance + 32 < hashed,
        "{} vs {hashed}",
        first.distance
    );
}

#[test]
fn hdr_on_and_off_frames_of_one_camera_are_similar_not_copies() {
    // Each pair is two frames of one camera: the Canon's 26 seconds apart,
    // the iPhone's within one second (told apart by SubSecTimeOriginal).
    // Their pixels map onto each other with one transform, so only EXIF
    // tells them from a copy.
    let ws = Workspace::new();
    ws.build_from(&[fixture("hdr_canon_off.jpg"), fixture("hdr_iphone_off.jpg")]);
    let (canon, iphone) = (fixture("hdr_canon_on.jpg"), fixture("hdr_iphone_on.jpg"));
    let v = ws.run_json(
        &["query".as_ref(), canon.as_os_str(), iphone.as_os_str()],
        1,
    );
    for (result, off, apart) in [
        (&v[0], "hdr_canon_off.jpg", 26.0),
        (&v[1], "hdr_iphone_off.jpg", 0.534),
    ] {
        let matches = result["matches"].as_array().unwrap();
        assert_eq!(matches.len(), 1, "{result}");
        let m = &matches[0];
        assert!(m["path"].as_str().unwrap().ends_with(off), "{m}");
        assert_eq!(m["class"], "similar", "{m}");
        let verification = &m["verification"];
        assert_eq!(verification["verdict"], "other-exposure", "{m}");
        // One transform maps the frames onto each other all the same.
        assert!(verification["inliers"].as_u64().unwrap() >= 20, "{m}");
        let seconds = verification["seconds_apart"].as_f64().unwrap();
        assert!((seconds - apart).abs() < 1e-3, "{m}");
    }
}

#[test]
fn a_copy_without_exif_of_one_hdr_frame_is_a_copy_of_that_frame_only() {
    // Shared copies lose their EXIF, and a crop of one frame of the pair
    // fits both frames with one transform. The corpus knows its two frames
    // are two exposures, so the copy is a copy of the frame more of its
    // features agree with, and the other frame its look-alike.
    let ws = Workspace::new();
    let (on, off) = (fixture("hdr_canon_on.jpg"), fixture("hdr_canon_off.jpg"));
    ws.build_from(&[on.clone(), off.clone()]);
    for (frame, other) in [(&on, "hdr_canon_off.jpg"), (&off, "hdr_canon_on.jpg")] {
        let copy = ws.path().join("copy.jpg");
        degrade(frame, &copy, 0.8, 0.9, 80);
        let v = ws.run_json(&["query", "copy.jpg"], 1);
        let matches = v[0]["matches"].as_array().unwrap();
        assert_eq!(matches.len(), 2, "{v}");
        let (top, second) = (&matches[0], &matches[1]);
        let own = frame.file_name().unwrap().to_str().unwrap();
        assert!(top["path"].as_str().unwrap().ends_with(own), "{v}");
        assert_eq!(top["class"], "near-duplicate", "{v}");
        assert_eq!(top["verification"]["verdict"], "copy", "{v}");
        assert!(second["path"].as_str().unwrap().ends_with(other), "{v}");
        assert_eq!(second["class"], "similar", "{v}");
        let verification = &second["verification"];
        assert_eq!(verification["verdict"], "look-alike", "{v}");
        assert!(
            verification["look_alike_of"]
                .as_str()
                .unwrap()
                .ends_with(own),
            "{v}"
        );
        assert_eq!(verification["seconds_apart"], 26.0, "{v}");
    }
}

#[test]
fn the_table_says_why_a_verified_match_is_only_similar() {
    let ws = Workspace::new();
    let (on, off) = (fixture("hdr_canon_on.jpg"), fixture("hdr_canon_off.jpg"));
    ws.build_from(std::slice::from_ref(&off));
    degrade(&on, &ws.path().join("copy.jpg"), 0.8, 0.9, 80);
    let table = |query: &std::ffi::OsStr| {
        let out = ws.cmd().arg("query").arg(query).assert().code(1);
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let file = table(on.as_os_str());
    assert!(
        file.contains("similar (another exposure, 26 s apart)"),
        "{file}"
    );
    ws.build_from(&[on.clone(), off.clone()]);
    let copy = table("copy.jpg".as_ref());
    assert!(
        copy.contains("similar (look-alike of the copy, 26 s apart)"),
        "{copy}"
    );
}

#[test]
fn a_copy_of_an_hdr_frame_keeping_its_exif_is_still_a_copy() {
    // The same frame, EXIF and all, re-encoded smaller: one exposure.
    let ws = Workspace::new();
    ws.build_from(&[fixture("hdr_canon_on.jpg")]);
    let copy = ws.path().join("copy.jpg");
    let bytes = std::fs::read(fixture("hdr_canon_on.jpg")).unwrap();
    let exif = exif_segment(&bytes);
    let img = image::load_from_memory(&bytes).unwrap().thumbnail(480, 480);
    let mut jpeg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    // The EXIF segment goes back right after the start-of-image marker.
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(exif);
    out.extend_from_slice(&jpeg[2..]);
    std::fs::write(&copy, out).unwrap();
    let m = &ws.top_match("copy.jpg");
    assert_eq!(m["class"], "near-duplicate", "{m}");
    assert_eq!(m["verification"]["verdict"], "copy", "{m}");
    assert_eq!(m["exif"]["datetime_original"], "2015-02-09T22:48:10", "{m}");
}

/// The APP1 (EXIF) segment of a JPEG, marker and length included.
fn exif_segment(jpeg: &[u8]) -> &[u8] {
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if jpeg[at + 1] == 0xE1 && jpeg[at + 4..].starts_with(b"Exif") {
            return &jpeg[at..at + 2 + len];
        }
        at += 2 + len;
    }
    panic!("no EXIF segment");
}

/// The bundled JPEG references and `more`, analysed as references (file id
/// = position), and their index.
fn indexed(
    more: &[std::path::PathBuf],
) -> (Vec<provcheck::corpus::Reference>, provcheck::index::Index) {
    use provcheck::analyze::{analyze_file, Depth};
    use provcheck::corpus::Reference;

    let mut paths: Vec<_> = std::fs::read_dir(references())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    paths.sort();
    paths.extend_from_slice(more);
    let limits = provcheck::decode::Limits::default();
    let refs: Vec<Reference> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let a = analyze_file(p, &limits, Depth::Reference).unwrap();
            Reference::from_analysis(i as i64, &a)
        })
        .collect();
    let index = provcheck::index::Index::from_references(&refs);
    (refs, index)
}

/// A verified copy's own closest references are its siblings: the other
/// frame of an HDR pair comes first, the copy's reference and those already
/// verified are left out, and each sibling carries its distance from the
/// query, not from the reference.
#[test]
fn the_siblings_of_an_hdr_frame_begin_with_the_other_frame() {
    use provcheck::analyze::{analyze_file, Depth};
    use provcheck::verify::{CANDIDATES, RADIUS};

    let pair = [fixture("hdr_canon_on.jpg"), fixture("hdr_canon_off.jpg")];
    let (refs, index) = indexed(&pair);
    let (on, off) = (refs.len() - 2, refs.len() - 1);
    let ws = Workspace::new();
    let copy = ws.path().join("copy.jpg");
    degrade(&pair[0], &copy, 0.6, 0.8, 75);
    let q = analyze_file(&copy, &Default::default(), Depth::Query).unwrap();
    let siblings = index.siblings(&q.hashes, on, CANDIDATES, RADIUS, &[]);
    assert_eq!(siblings[0].index, off, "{siblings:?}");
    assert!(siblings.iter().all(|h| h.index != on && h.nominated));
    assert_eq!(
        siblings[0].distance,
        provcheck::index::distance(&q.hashes, &refs[off])
    );
    let after = index.siblings(&q.hashes, on, CANDIDATES, RADIUS, &[off]);
    assert!(after.iter().all(|h| h.index != off), "{after:?}");
}

on_each_engine! {
    /// The lookups of a folder of queries and of a statement's attachments
    /// run on several workers, each with its own connection: the answers
    /// are those of one thread, in the same order.
    fn batch_lookups_on_two_threads_answer_as_on_one(ws) {
        ws.build_references();
        let examples = references().join("examples");
        let run = |threads: &str, args: &[&std::ffi::OsStr]| {
            let out = ws
                .cmd()
                .args(["--format", "json", "-j", threads])
                .args(args)
                .output()
                .unwrap();
            (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
        };
        let query: [&std::ffi::OsStr; 2] = ["query".as_ref(), examples.as_os_str()];
        let (code, one) = run("1", &query);
        assert_eq!(code, Some(1), "the examples match references: {one}");
        let listed = json(one.as_bytes());
        assert!(listed.as_array().unwrap().len() >= 4, "{listed}");
        assert_eq!(run("2", &query), (code, one));
        let statement = examples.join("statement.toml");
        let check: [&std::ffi::OsStr; 2] = ["check".as_ref(), statement.as_os_str()];
        let (code, one) = run("1", &check);
        assert!(one.contains("reused") || one.contains("misattributed"), "{one}");
        assert_eq!(run("2", &check), (code, one));
    }
}
