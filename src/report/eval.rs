//! The `eval` report: recall at rank 1 per transform and method, false
//! matches, and the distance distributions with the thresholds they imply.

use std::io::{self, Write};

use serde_json::json;

use super::{write_table, Report, Style};
use crate::eval::{Distances, Evaluation, FalseMatch, Method, SameScene};

pub struct EvalReport<'a> {
    pub eval: &'a Evaluation,
    pub style: Style,
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn quantile(v: &[u32], q: f64) -> Option<u32> {
    let mut s = v.to_vec();
    s.sort_unstable();
    let i = ((s.len().checked_sub(1)?) as f64 * q).round() as usize;
    s.get(i).copied()
}

fn summary(d: &Distances) -> serde_json::Value {
    json!({
        "matching": {"median": quantile(&d.matching, 0.5), "p90": quantile(&d.matching, 0.9),
                     "p99": quantile(&d.matching, 0.99), "max": quantile(&d.matching, 1.0)},
        "non_matching": {"min": quantile(&d.non_matching, 0.0), "p0.1": quantile(&d.non_matching, 0.001),
                         "p1": quantile(&d.non_matching, 0.01), "median": quantile(&d.non_matching, 0.5)},
        "queries": d.non_matching.len(),
        "threshold_for_false_match_rate_1e-3": d.threshold_for(1e-3),
        "threshold_for_false_match_rate_1e-4": d.threshold_for(1e-4),
    })
}

fn pair(f: &FalseMatch) -> serde_json::Value {
    json!({
        "source": f.source.to_string_lossy(), "transform": f.transform,
        "reference": f.reference.to_string_lossy(), "distance": f.distance,
    })
}

fn scene(s: &SameScene, threshold: u32) -> serde_json::Value {
    let mut v = pair(&s.pair);
    v["cause"] = json!(s.cause.name());
    v["own_original"] = json!(s.own);
    v["demoted"] = json!(s.demoted(threshold));
    v
}

fn described(f: &FalseMatch) -> String {
    let copy = match &f.transform {
        Some(t) => format!("{t} of {}", f.source.to_string_lossy()),
        None => format!("distractor {}", f.source.to_string_lossy()),
    };
    super::printable(&copy)
}

fn show(x: Option<u32>) -> String {
    x.map_or_else(|| "n/a".to_string(), |v| v.to_string())
}

impl Report for EvalReport<'_> {
    fn headers(&self) -> Vec<&'static str> {
        let mut h = vec!["family", "transform", "copies"];
        h.extend(Method::ALL.iter().map(|m| m.name()));
        h.push("demoted");
        h
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.eval
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.family.to_string(),
                    r.transform.clone(),
                    r.queries.to_string(),
                ];
                row.extend(r.recall.iter().map(|x| percent(*x)));
                row.push(r.demoted.to_string());
                row
            })
            .collect()
    }

    fn items(&self) -> Vec<serde_json::Value> {
        let e = self.eval;
        let methods: Vec<_> = Method::ALL
            .iter()
            .enumerate()
            .map(|(m, method)| {
                json!({
                    "method": method.name(),
                    "false_match_rate": e.false_match_rate(m),
                    "distances": summary(&e.distances[m]),
                    "recall_at_1": e.rows.iter().map(|r| json!({
                        "family": r.family, "transform": r.transform, "copies": r.queries,
                        "recall": r.recall[m], "false_matches": r.false_matches[m],
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        vec![json!({
            "originals": e.originals,
            "distractors": e.distractors,
            "threshold": e.threshold,
            "methods": methods,
            "failures": e.failures.iter().map(|(p, err)| json!({
                "path": p.to_string_lossy(), "error": err.to_string()
            })).collect::<Vec<_>>(),
            "duplicates": e.duplicates.iter().map(|(p, of)| json!({
                "path": p.to_string_lossy(), "duplicate_of": of.to_string_lossy()
            })).collect::<Vec<_>>(),
            "low_information": e.low_information.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
            "false_matches": e.false_match_pairs.iter().map(pair).collect::<Vec<_>>(),
            "same_scene": e.same_scene.iter().map(|s| scene(s, e.threshold)).collect::<Vec<_>>(),
            "demotions": e.same_scene.iter().filter(|s| s.demoted(e.threshold)).count(),
            "demoted_copies": e.rows.iter().map(|r| json!({
                "transform": r.transform, "copies": r.demoted,
            })).collect::<Vec<_>>(),
            "misses": e.misses.iter().map(|m| json!({
                "source": m.source.to_string_lossy(), "transform": m.transform,
                "distance": m.distance,
                "instead": m.instead.as_ref().map(|(p, d)| json!({
                    "reference": p.to_string_lossy(), "distance": d
                })),
            })).collect::<Vec<_>>(),
        })]
    }

    fn table(&self, w: &mut dyn Write) -> io::Result<()> {
        let e = self.eval;
        writeln!(
            w,
            "recall at rank 1 (closest reference is the original, within {} bits); {} originals, {} distractors",
            e.threshold, e.originals, e.distractors
        )?;
        write_table(w, &self.style, &self.headers(), &self.rows())?;
        writeln!(w)?;
        let headers = [
            "method",
            "false matches",
            "matching median/p99",
            "non-matching min/p0.1/median",
            "threshold @1e-3",
            "@1e-4",
        ];
        let rows: Vec<Vec<String>> = Method::ALL
            .iter()
            .enumerate()
            .map(|(m, method)| {
                let d = &e.distances[m];
                vec![
                    method.name().to_string(),
                    format!("{:.2e} of {}", e.false_match_rate(m), d.non_matching.len()),
                    format!(
                        "{}/{}",
                        show(quantile(&d.matching, 0.5)),
                        show(quantile(&d.matching, 0.99))
                    ),
                    format!(
                        "{}/{}/{}",
                        show(quantile(&d.non_matching, 0.0)),
                        show(quantile(&d.non_matching, 0.001)),
                        show(quantile(&d.non_matching, 0.5))
                    ),
                    show(d.threshold_for(1e-3)),
                    show(d.threshold_for(1e-4)),
                ]
            })
            .collect();
        write_table(w, &self.style, &headers, &rows)?;
        for f in &e.false_match_pairs {
            writeln!(
                w,
                "false match at {}: {} came closest to {}",
                f.distance,
                described(f),
                super::printable(&f.reference.to_string_lossy())
            )?;
        }
        for s in &e.same_scene {
            let what = match (s.demoted(e.threshold), s.own) {
                (true, true) => "demoted its own original",
                (true, false) => "demoted a look-alike",
                (false, _) => "same scene, not a copy",
            };
            writeln!(
                w,
                "{what} (hash distance {}, by {}): {} and {}",
                s.pair.distance,
                s.cause.name(),
                described(&s.pair),
                super::printable(&s.pair.reference.to_string_lossy())
            )?;
        }
        for m in &e.misses {
            let instead = match &m.instead {
                Some((p, d)) => format!(
                    "; {} came first at {d}",
                    super::printable(&p.to_string_lossy())
                ),
                None => String::new(),
            };
            writeln!(
                w,
                "missed {} of {} (score {}){instead}",
                m.transform,
                super::printable(&m.source.to_string_lossy()),
                show(m.distance),
            )?;
        }
        for (p, of) in &e.duplicates {
            let (p, of) = (p.to_string_lossy(), of.to_string_lossy());
            writeln!(
                w,
                "left out {}: a copy of {}",
                super::printable(&p),
                super::printable(&of)
            )?;
        }
        for p in &e.low_information {
            writeln!(
                w,
                "left out {}: low information (never matched on distance alone)",
                super::printable(&p.to_string_lossy())
            )?;
        }
        for (p, err) in &e.failures {
            writeln!(
                w,
                "skipped {}: {err}",
                super::printable(&p.to_string_lossy())
            )?;
        }
        Ok(())
    }
}
