//! Checking each field of a parsed statement before it becomes a
//! [`super::Statement`]: every invalid field is found (not only the first),
//! named by its place in the statement and, in TOML, by its line.

use serde_json::Value;

use crate::date::PartialDate;

/// One invalid field of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Where it is: `published`, `images[2].path`, or empty for the whole
    /// statement.
    pub field: String,
    /// 1-based line of the field in a TOML statement (JSON: `None`).
    pub line: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.reason)
    }
}

/// A step into the statement: a field name or an index into `images`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

const TEXT_FIELDS: &[&str] = &["title", "source", "claimed_location", "text"];
const DATE_FIELDS: &[&str] = &["published", "claimed_date"];
const KNOWN: &[&str] = &[
    "title",
    "source",
    "published",
    "claimed_date",
    "claimed_location",
    "claimed_latitude",
    "claimed_longitude",
    "text",
    "images",
];

/// Every problem of the statement `tree`, by field name; `line` gives the
/// line of a field where the format has lines.
pub(super) fn check(
    tree: &Value,
    line: impl Fn(&[Step<'_>]) -> Option<usize>,
) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let mut report = |at: &[Step<'_>], reason: String| {
        out.push(FieldProblem {
            field: field_name(at),
            line: line(at),
            reason,
        })
    };
    let Some(fields) = tree.as_object() else {
        report(
            &[],
            "a statement is a table of fields (title, published, claimed_date, …, images)".into(),
        );
        return out;
    };
    for (name, value) in fields {
        let at = [Step::Key(name)];
        if value.is_null() {
            continue;
        }
        let problem = match name.as_str() {
            n if TEXT_FIELDS.contains(&n) => text(value).err(),
            n if DATE_FIELDS.contains(&n) => text(value).and_then(date).err(),
            "claimed_latitude" => coordinate(value, 90.0).err(),
            "claimed_longitude" => coordinate(value, 180.0).err(),
            "images" => {
                images(value, &mut |steps, reason| {
                    let mut full = vec![Step::Key("images")];
                    full.extend_from_slice(steps);
                    report(&full, reason);
                });
                None
            }
            _ => Some(format!(
                "unknown field (expected one of: {})",
                KNOWN.join(", ")
            )),
        };
        if let Some(reason) = problem {
            report(&at, reason);
        }
    }
    let given = |k: &str| fields.get(k).is_some_and(|v| !v.is_null());
    for (one, other) in [
        ("claimed_latitude", "claimed_longitude"),
        ("claimed_longitude", "claimed_latitude"),
    ] {
        if given(one) && !given(other) {
            report(&[Step::Key(one)], format!("given without {other}"));
        }
    }
    if !given("images") {
        report(&[], "no [[images]] to check".into());
    }
    out
}

fn text(v: &Value) -> Result<&str, String> {
    match v {
        Value::String(s) => Ok(s),
        // A TOML date written without quotes.
        Value::Object(o) if o.keys().any(|k| k.contains("toml_private_datetime")) => {
            Err("write the date in quotes (\"2026-01-31\")".into())
        }
        other => Err(format!("expected text, found {}", kind(other))),
    }
}

fn date(s: &str) -> Result<&str, String> {
    PartialDate::parse(s).map(|_| s).map_err(|e| e.to_string())
}

fn coordinate(v: &Value, limit: f64) -> Result<(), String> {
    match v.as_f64() {
        Some(x) if (-limit..=limit).contains(&x) => Ok(()),
        Some(x) => Err(format!("{x} is outside -{limit}..{limit} degrees")),
        None => Err(format!("expected a number of degrees, found {}", kind(v))),
    }
}

fn images(v: &Value, report: &mut dyn FnMut(&[Step<'_>], String)) {
    let Some(list) = v.as_array() else {
        report(
            &[],
            format!("expected a list of [[images]], found {}", kind(v)),
        );
        return;
    };
    if list.is_empty() {
        report(&[], "no [[images]] to check".into());
    }
    for (i, image) in list.iter().enumerate() {
        let Some(fields) = image.as_object() else {
            report(
                &[Step::Index(i)],
                format!("expected a table with a path, found {}", kind(image)),
            );
            continue;
        };
        for (name, value) in fields {
            let at = [Step::Index(i), Step::Key(name)];
            let problem = match name.as_str() {
                "path" => text(value)
                    .and_then(|p| {
                        if p.trim().is_empty() {
                            Err("empty path".into())
                        } else {
                            Ok(p)
                        }
                    })
                    .err(),
                "caption" if value.is_null() => None,
                "caption" => text(value).err(),
                _ => Some("unknown field (expected path, caption)".into()),
            };
            if let Some(reason) = problem {
                report(&at, reason);
            }
        }
        if !fields.contains_key("path") {
            report(&[Step::Index(i)], "no path".into());
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

fn field_name(at: &[Step<'_>]) -> String {
    let mut s = String::new();
    for step in at {
        match step {
            Step::Key(k) if s.is_empty() => s.push_str(k),
            Step::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{}]", i + 1)),
        }
    }
    s
}

/// The 1-based line of the field at `at` in TOML `text` (the line of its
/// key, or of the table header for a table of `images`).
pub(super) fn toml_line(text: &str, at: &[Step<'_>]) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut span = None;
    let mut steps = at.iter().peekable();
    while let Some(step) = steps.next() {
        let Step::Key(k) = step else { return None };
        let (key, value) = table.get_key_value(*k)?;
        span = Some(key.span());
        match (value.get_ref(), steps.peek()) {
            (DeValue::Table(t), Some(Step::Key(_))) => table = t,
            (DeValue::Array(items), Some(Step::Index(i))) => {
                steps.next();
                let item = items.get(*i)?;
                span = Some(item.span());
                match item.get_ref() {
                    DeValue::Table(t) => table = t,
                    _ => break,
                }
            }
            _ => break,
        }
    }
    let start = span?.start.min(text.len());
    Some(
        text.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    )
}
