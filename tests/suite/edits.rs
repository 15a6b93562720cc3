//! The edits `check` reports come from the evidence that made the match:
//! for a copy confirmed by local features, the share of the original it
//! shows and the edges it lacks are read off the verified transform, at
//! every corner and side, at several shares, mirrored or not.

use image::DynamicImage;

use super::util::{references, save_jpeg, Workspace};

/// A crop: the kept share of width and height, and where the kept part
/// sits (0 = left/top, 0.5 = centre, 1 = right/bottom).
struct Cut {
    name: &'static str,
    keep: (f64, f64),
    at: (f64, f64),
    mirrored: bool,
}

impl Cut {
    fn apply(&self, img: &DynamicImage) -> DynamicImage {
        let (w, h) = (f64::from(img.width()), f64::from(img.height()));
        let (cw, ch) = (w * self.keep.0, h * self.keep.1);
        let (x, y) = ((w - cw) * self.at.0, (h - ch) * self.at.1);
        let part = img.crop_imm(x as u32, y as u32, cw as u32, ch as u32);
        if self.mirrored {
            part.fliph()
        } else {
            part
        }
    }

    /// The original's edges the crop cuts off.
    fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let cut = |keep: f64, at: f64, low, high, out: &mut Vec<_>| {
            if keep < 0.999 && at > 0.0 {
                out.push(low);
            }
            if keep < 0.999 && at < 1.0 {
                out.push(high);
            }
        };
        cut(self.keep.0, self.at.0, "left", "right", &mut out);
        cut(self.keep.1, self.at.1, "top", "bottom", &mut out);
        let order = ["left", "top", "right", "bottom"];
        out.sort_by_key(|e| order.iter().position(|o| o == e));
        out
    }

    fn share(&self) -> f64 {
        self.keep.0 * self.keep.1
    }
}

fn cuts() -> Vec<Cut> {
    let mut out = Vec::new();
    for (side, share) in [(0.75, "56"), (0.9, "81")] {
        for (corner, at) in [
            ("top-left", (0.0, 0.0)),
            ("top-right", (1.0, 0.0)),
            ("bottom-left", (0.0, 1.0)),
            ("bottom-right", (1.0, 1.0)),
        ] {
            out.push(Cut {
                name: Box::leak(format!("{corner}-{share}").into_boxed_str()),
                keep: (side, side),
                at,
                mirrored: false,
            });
        }
    }
    for (name, keep, at) in [
        ("left-kept-70", (0.7, 1.0), (0.0, 0.5)),
        ("right-kept-70", (0.7, 1.0), (1.0, 0.5)),
        ("top-kept-70", (1.0, 0.7), (0.5, 0.0)),
        ("bottom-kept-70", (1.0, 0.7), (0.5, 1.0)),
        ("centre-64", (0.8, 0.8), (0.5, 0.5)),
        ("centre-36", (0.6, 0.6), (0.5, 0.5)),
    ] {
        out.push(Cut {
            name,
            keep,
            at,
            mirrored: false,
        });
    }
    for (name, at) in [
        ("mirrored-top-left-56", (0.0, 0.0)),
        ("mirrored-bottom-right-56", (1.0, 1.0)),
    ] {
        out.push(Cut {
            name,
            keep: (0.75, 0.75),
            at,
            mirrored: true,
        });
    }
    out
}

#[test]
fn crops_at_every_corner_and_side_report_their_share_and_missing_edges() {
    let ws = Workspace::new();
    ws.build_references();
    for photo in ["storm.jpg", "gps_dscn0040.jpg"] {
        let img = image::open(references().join(photo)).unwrap();
        let cuts = cuts();
        let mut statement = String::from("title = \"crops\"\n");
        for c in &cuts {
            save_jpeg(
                &c.apply(&img),
                &ws.path().join(format!("{}.jpg", c.name)),
                90,
            );
            statement.push_str(&format!("\n[[images]]\npath = \"{}.jpg\"\n", c.name));
        }
        std::fs::write(ws.path().join("crops.toml"), statement).unwrap();
        let items = ws.run_json(&["check", "crops.toml"], 1);
        for (c, item) in cuts.iter().zip(items.as_array().unwrap()) {
            let what = format!("{photo} {}: {item:#}", c.name);
            assert!(
                item["original"]["path"].as_str().unwrap().ends_with(photo),
                "{what}"
            );
            let edits = item["edits"].as_array().unwrap();
            let kinds: Vec<&str> = edits.iter().map(|e| e["kind"].as_str().unwrap()).collect();
            assert!(!kinds.contains(&"rotated"), "{what}");
            assert_eq!(kinds.contains(&"mirrored"), c.mirrored, "{what}");
            let crop = edits
                .iter()
                .find(|e| e["kind"] == "cropped")
                .unwrap_or_else(|| panic!("no crop reported: {what}"));
            let detail = crop["detail"].as_str().unwrap();
            let shown: f64 = detail
                .split("about ")
                .nth(1)
                .and_then(|s| s.split('%').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no share in {detail:?}"));
            assert!(
                (shown - c.share() * 100.0).abs() <= 4.0,
                "{shown}% for {:.0}%: {what}",
                c.share() * 100.0
            );
            let missing = c.missing();
            let words = match missing.len() {
                1 => format!("without its {} edge", missing[0]),
                4 => "without a margin all round".into(),
                _ => format!("without its {} edges", missing.join(" and ")),
            };
            assert!(
                detail.ends_with(&words),
                "{detail:?} should end {words:?}: {what}"
            );
        }
    }
}

/// The case: a plain 56% crop keeping the bottom-right corner sits
/// far beyond the hash thresholds; the features decide that it is a copy,
/// so `query` shows them as the evidence, not a distance that says nothing,
/// and no rotation the hash's closest variant happened to have.
#[test]
fn a_match_decided_by_features_shows_the_features_and_no_hash_rotation() {
    let ws = Workspace::new();
    ws.build_references();
    let img = image::open(references().join("gps_dscn0040.jpg")).unwrap();
    let cut = Cut {
        name: "bottom-right-56",
        keep: (0.75, 0.75),
        at: (1.0, 1.0),
        mirrored: false,
    };
    save_jpeg(&cut.apply(&img), &ws.path().join("crop.jpg"), 90);
    let top = ws.top_match("crop.jpg");
    assert_eq!(top["class"], "near-duplicate", "{top}");
    assert!(top["distance"].as_u64().unwrap() > 54, "{top}");
    assert_eq!(top["evidence"]["decided_by"], "features", "{top}");
    assert!(top["evidence"]["inliers"].as_u64().unwrap() >= 20, "{top}");
    let out = ws.cmd().args(["query", "crop.jpg"]).assert().code(1);
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let row = table.lines().nth(1).unwrap();
    assert!(
        row.contains(" features") && row.contains("near-duplicate (cropped)"),
        "{table}"
    );
    assert!(!row.contains("rotate") && !row.contains(" bits"), "{table}");
}
