//! The output of `provcheck hash`: one line per file with its hashes and EXIF summary.

use std::path::PathBuf;

use serde_json::json;

use super::{opt, Report, Style};
use crate::analyze::Analysis;
use crate::error::FileError;
use crate::hash::phash_hex;

pub struct HashReport<'a> {
    pub results: &'a [(PathBuf, Result<Analysis, FileError>)],
    pub paths: Style,
}

fn gps(a: &Analysis) -> String {
    match (a.exif.gps_latitude, a.exif.gps_longitude) {
        (Some(la), Some(lo)) => format!("{la:.5},{lo:.5}"),
        _ => String::new(),
    }
}

impl Report for HashReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "path",
            "format",
            "width",
            "height",
            "pdq",
            "quality",
            "phash",
            "low_info",
            "taken",
            "camera",
            "software",
            "gps",
            "error",
            "not_assessed",
        ]
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.results
            .iter()
            .map(|(p, r)| match r {
                Ok(a) => vec![
                    self.paths.show(p),
                    a.format.clone(),
                    a.width.to_string(),
                    a.height.to_string(),
                    a.hashes.pdq.to_hex(),
                    a.hashes.pdq_quality.to_string(),
                    phash_hex(a.hashes.phash),
                    if a.hashes.low_information { "yes" } else { "" }.to_string(),
                    opt(&a.exif.datetime_original),
                    a.exif.camera_name(),
                    opt(&a.exif.software),
                    gps(a),
                    String::new(),
                    a.hashes
                        .low_information_reason()
                        .map(|n| n.kind())
                        .unwrap_or_default()
                        .into(),
                ],
                Err(e) => {
                    let mut row = vec![String::new(); 14];
                    row[0] = self.paths.show(p);
                    row[12] = e.to_string();
                    row
                }
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        self.results
            .iter()
            .map(|(p, r)| match r {
                Ok(a) => json!({
                    "schema_version": super::SCHEMA_VERSION,
                    "path": self.paths.show(p),
                    "format": a.format,
                    "width": a.width,
                    "height": a.height,
                    "size": a.size,
                    "sha256": a.sha256,
                    "hashes": {
                        "pdq": a.hashes.pdq.to_hex(),
                        "pdq_quality": a.hashes.pdq_quality,
                        "phash64": phash_hex(a.hashes.phash),
                    },
                    "low_information": a.hashes.low_information,
                    "not_assessed": super::not_assessed_json(a.hashes.low_information_reason()),
                    "exif": a.exif,
                    "error": null,
                }),
                Err(e) => json!({
                    "schema_version": super::SCHEMA_VERSION,
                    "path": self.paths.show(p),
                    "error": e.to_string(),
                }),
            })
            .collect()
    }

    fn table(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let headers = ["path", "size", "pdq", "q", "phash", "exif"];
        let rows: Vec<Vec<String>> = self
            .results
            .iter()
            .map(|(p, r)| match r {
                Ok(a) => {
                    let mut exif = Vec::new();
                    if let Some(d) = &a.exif.datetime_original {
                        exif.push(d.clone());
                    }
                    let cam = a.exif.camera_name();
                    if !cam.is_empty() {
                        exif.push(cam);
                    }
                    if !gps(a).is_empty() {
                        exif.push(format!("GPS {}", gps(a)));
                    }
                    let q = match a.hashes.low_information_reason() {
                        Some(why) => format!("{} low-info: {}", a.hashes.pdq_quality, why.kind()),
                        None => a.hashes.pdq_quality.to_string(),
                    };
                    vec![
                        self.paths.show(p),
                        format!("{}x{} {}", a.width, a.height, a.format),
                        a.hashes.pdq.to_hex()[..16].to_string() + "…",
                        q,
                        phash_hex(a.hashes.phash),
                        exif.join(", "),
                    ]
                }
                Err(e) => vec![
                    self.paths.show(p),
                    "error".into(),
                    e.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            })
            .collect();
        super::write_table(w, &self.paths, &headers, &rows)
    }
}
