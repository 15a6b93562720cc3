//! `provcheck eval` on a CI-sized set (five bundled photos as originals,
//! three as distractors): every transform family is measured, and the
//! default matcher keeps the recall floors it reaches today, so a regression
//! fails the suite.

use serde_json::Value;

use super::util::{eval_json, references};

const ORIGINALS: [&str; 5] = [
    "chelsea.jpg",
    "dune.jpg",
    "gps_dscn0010.jpg",
    "rocket.jpg",
    "storm.jpg",
];
const DISTRACTORS: [&str; 3] = ["coffee.jpg", "garden.jpg", "wood.jpg"];

fn recall(method: &Value, family: &str) -> f64 {
    let rows: Vec<&Value> = method["recall_at_1"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["family"] == family)
        .collect();
    assert!(!rows.is_empty(), "no {family} rows");
    rows.iter()
        .map(|r| r["recall"].as_f64().unwrap())
        .sum::<f64>()
        / rows.len() as f64
}

fn recall_of(method: &Value, transform: &str) -> f64 {
    let rows = method["recall_at_1"].as_array().unwrap();
    let row = rows.iter().find(|r| r["transform"] == transform);
    row.unwrap_or_else(|| panic!("no {transform} row"))["recall"]
        .as_f64()
        .unwrap()
}

#[test]
fn eval_measures_every_family_and_keeps_the_recall_floors() {
    let dir = tempfile::tempdir().unwrap();
    let (orig, dist) = (dir.path().join("originals"), dir.path().join("distractors"));
    for (folder, names) in [(&orig, &ORIGINALS[..]), (&dist, &DISTRACTORS[..])] {
        std::fs::create_dir(folder).unwrap();
        for n in names {
            std::fs::copy(references().join(n), folder.join(n)).unwrap();
        }
    }
    let v = eval_json(
        dir.path(),
        &["--originals", "originals", "--distractors", "distractors"],
    );
    let e = &v[0];
    assert_eq!(e["originals"], 5);
    assert_eq!(e["distractors"], 3);
    let methods = e["methods"].as_array().unwrap();
    let by = |name: &str| methods.iter().find(|m| m["method"] == name).unwrap();
    let (phash, pdq, ours) = (by("phash64"), by("pdq"), by("provcheck"));
    let hash_stage = by("provcheck-hash");
    for row in ours["recall_at_1"].as_array().unwrap() {
        assert_eq!(row["copies"], 5, "{row}");
    }
    // Floors the default matcher holds on this set (see the README's table).
    let floors = [
        ("re-encode", 1.0),
        ("resize", 1.0),
        ("mirror", 1.0),
        ("rotate", 1.0),
        ("colour", 1.0),
        ("blur-noise", 1.0),
        ("overlay", 0.85),
        ("crop", 0.85),
        ("tilt", 0.75),
        ("screenshot", 0.9),
        ("combined", 0.8),
    ];
    for (family, floor) in floors {
        let r = recall(ours, family);
        assert!(r >= floor, "{family}: recall {r} below {floor}");
    }
    // Rotations and mirrors are what plain PDQ misses and the matcher finds.
    assert!(recall(pdq, "rotate") < recall(ours, "rotate"));
    assert!(recall(phash, "rotate") < recall(ours, "rotate"));
    assert!(recall(phash, "crop") < recall(ours, "crop"));
    assert!(recall(pdq, "mirror") < recall(ours, "mirror"));
    // Verification with local features finds deep and off-centre crops,
    // tilts and the combination that the hash stage alone misses.
    for family in ["crop", "tilt", "combined"] {
        assert!(
            recall(hash_stage, family) < recall(ours, family),
            "{family}: verification adds nothing"
        );
    }
    // Crops keeping 40% are beyond every hash; the references' windows
    // nominate their originals and verification confirms them.
    for transform in ["crop-40-centre", "crop-40-offcentre"] {
        let (hashed, verified) = (recall_of(hash_stage, transform), recall_of(ours, transform));
        assert!(
            hashed < verified && verified >= 0.6,
            "{transform}: {hashed} {verified}"
        );
    }
    // Every copy the default matcher did not find is listed.
    let missed: f64 = ours["recall_at_1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (1.0 - r["recall"].as_f64().unwrap()) * r["copies"].as_f64().unwrap())
        .sum();
    assert_eq!(
        e["misses"].as_array().unwrap().len(),
        missed.round() as usize
    );
    // Screenshots are found through the query's content area; PDQ of the
    // whole canvas does not find them.
    assert!(recall(pdq, "screenshot") < recall(ours, "screenshot"));
    assert!(e["false_matches"].as_array().unwrap().is_empty());
    assert_eq!(ours["false_match_rate"].as_f64().unwrap(), 0.0);
}
