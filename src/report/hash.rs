//! The output of `provcheck hash`: one line per file with its hashes and EXIF summary.

use std::path::PathBuf;

use serde_json::json;

use super::{opt, Report, Style};
use crate::analyze::Analysis;
use crate::error::FileError;
use crate::hash::phash_hex;
use crate::video::{clock, vpdq};

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
            "exif_warnings",
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
                    a.hashes.phash.map(phash_hex).unwrap_or_default(),
                    if a.hashes.low_information { "yes" } else { "" }.to_string(),
                    opt(&a.exif.datetime_original),
                    a.exif.camera_name(),
                    opt(&a.exif.software),
                    gps(a),
                    a.exif.warnings.join("; "),
                    String::new(),
                    a.hashes
                        .low_information_reason()
                        .map(|n| n.kind())
                        .unwrap_or_default()
                        .into(),
                ],
                Err(e) => {
                    let mut row = vec![String::new(); 15];
                    row[0] = self.paths.show(p);
                    row[13] = e.to_string();
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
                        "phash64": a.hashes.phash.map(phash_hex),
                    },
                    "low_information": a.hashes.low_information,
                    "not_assessed": super::not_assessed_json(a.hashes.low_information_reason()),
                    "exif": a.exif,
                    "media": if a.is_video() { "video" } else { "image" },
                    "video": a.video.as_ref().map(video_json),
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
                    // A metadata block that could not be read (or only in
                    // part) is said, never left silent.
                    if let Some(first) = a.exif.warnings.first() {
                        let more = a.exif.warnings.len() - 1;
                        exif.push(match more {
                            0 => format!("warning: {first}"),
                            n => format!("warning: {first} (+{n} more)"),
                        });
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
                        a.hashes.phash.map(phash_hex).unwrap_or_default(),
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
        let rows = self.with_frame_rows(rows);
        super::write_table(w, &self.paths, &headers, &rows)
    }

    fn vpdq(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        for (_, r) in self.results {
            if let Ok(a) = r {
                w.write_all(vpdq::write(&vpdq_lines(a)).as_bytes())?;
            }
        }
        Ok(())
    }
}

impl HashReport<'_> {
    /// The table rows with each video's kept frames under its own row.
    fn with_frame_rows(&self, rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
        let mut out = Vec::with_capacity(rows.len());
        for (row, (_, r)) in rows.into_iter().zip(self.results) {
            out.push(row);
            let Ok(Analysis { video: Some(v), .. }) = r else {
                continue;
            };
            for f in &v.frames {
                out.push(vec![
                    format!("  @ {} frame {}", clock(f.time), f.frame),
                    format!("{}x{} {}", f.width, f.height, kebab(&f.reason)),
                    f.hashes.pdq.to_hex()[..16].to_string() + "…",
                    f.hashes.pdq_quality.to_string(),
                    f.hashes.phash.map(phash_hex).unwrap_or_default(),
                    String::new(),
                ]);
            }
        }
        out
    }
}

/// The name a sampling reason has in JSON (`first`, `rate`, `cut`).
fn kebab(reason: &crate::video::Reason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A video's JSON: its container, sampling and kept frames.
fn video_json(v: &crate::video::Video) -> serde_json::Value {
    json!({
        "container": v.container,
        "sampling": {"fps": v.sampling.fps, "max_frames": v.sampling.max_frames},
        "frames_looked_at": v.looked_at,
        "complete": v.complete,
        "frames": v.frames.iter().map(|f| json!({
            "frame": f.frame,
            "time": f.time,
            "reason": f.reason,
            "pdq": f.hashes.pdq.to_hex(),
            "pdq_quality": f.hashes.pdq_quality,
            "phash64": f.hashes.phash.map(phash_hex),
        })).collect::<Vec<_>>(),
    })
}

/// The vPDQ lines of a file: its kept frames, or a still as frame 0.
pub fn vpdq_lines(a: &Analysis) -> Vec<vpdq::VpdqLine> {
    let line = |frame, time, h: &crate::hash::Hashes| vpdq::VpdqLine {
        frame,
        quality: h.pdq_quality,
        pdq: h.pdq,
        time,
    };
    match &a.video {
        Some(v) => v
            .frames
            .iter()
            .map(|f| line(f.frame, f.time, &f.hashes))
            .collect(),
        None => vec![line(0, 0.0, &a.hashes)],
    }
}
