//! EXIF metadata of a file, read with kamadak-exif: the fields provenance
//! work needs (capture date with offset, camera, software, author, copyright,
//! description, GPS, orientation, size), wherever the container keeps it
//! (JPEG APP1, TIFF, WebP's EXIF chunk, PNG's `eXIf` chunk anywhere, and PNG
//! raw-profile text chunks: [`png`]; PNG and WebP chunks that keep the JPEG
//! APP1 header: [`chunks`]). Malformed EXIF yields warnings and whatever
//! fields could be read, never an error. EXIF properties kept only in XMP
//! are not read: a warning says they are there.

use std::io::Cursor;

use exif::{In, Tag, Value};
use serde::{Deserialize, Serialize};

mod chunks;
mod png;

/// The EXIF fields provcheck extracts. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExifSummary {
    /// DateTimeOriginal as `YYYY-MM-DDTHH:MM:SS`.
    pub datetime_original: Option<String>,
    /// SubSecTimeOriginal: the digits of the fraction of a second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsec_original: Option<String>,
    /// OffsetTimeOriginal (e.g. `+02:00`) when the camera wrote one.
    pub offset_time: Option<String>,
    /// DateTime (last modification) as `YYYY-MM-DDTHH:MM:SS`.
    pub datetime_modified: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub software: Option<String>,
    pub artist: Option<String>,
    pub copyright: Option<String>,
    pub image_description: Option<String>,
    pub gps_latitude: Option<f64>,
    pub gps_longitude: Option<f64>,
    pub gps_altitude: Option<f64>,
    pub orientation: Option<u16>,
    pub pixel_width: Option<u32>,
    pub pixel_height: Option<u32>,
    /// Problems met while parsing (the fields above are what could be read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ExifSummary {
    pub fn is_empty(&self) -> bool {
        *self
            == ExifSummary {
                warnings: self.warnings.clone(),
                ..ExifSummary::default()
            }
    }

    /// The capture date (`YYYY-MM-DD`) if DateTimeOriginal is present.
    pub fn capture_date(&self) -> Option<&str> {
        self.datetime_original.as_deref().and_then(|d| d.get(..10))
    }

    /// Make and model as shown to people ("Canon PowerShot SX60 HS"); empty
    /// when EXIF names neither.
    pub fn camera_name(&self) -> String {
        let part = |v: &Option<String>| v.clone().unwrap_or_default();
        format!("{} {}", part(&self.make), part(&self.model))
            .trim()
            .to_string()
    }

    /// Make and model, trimmed and lower-cased for comparing cameras.
    pub fn camera(&self) -> Option<(String, String)> {
        Some((
            self.make.as_deref()?.trim().to_lowercase(),
            self.model.as_deref()?.trim().to_lowercase(),
        ))
    }

    /// Seconds between this picture's exposure and another's when both
    /// come from one camera (same make and model) and their capture times
    /// differ, by at most [`EXPOSURE_WINDOW`]: two frames (a bracket, a
    /// burst, a retake), not one picture, since a copy keeps the
    /// DateTimeOriginal of its original. Capture times are compared in UTC
    /// when both carry their offset, and to the fraction of a second when
    /// both carry it; `None` when either lacks what the test needs or the
    /// times are equal.
    pub fn other_exposure(&self, other: &ExifSummary) -> Option<f64> {
        if self.camera()? != other.camera()? {
            return None;
        }
        let utc = self.offset_time.is_some() && other.offset_time.is_some();
        let fraction = self.subsec_original.is_some() && other.subsec_original.is_some();
        let gap =
            (self.capture_seconds(utc, fraction)? - other.capture_seconds(utc, fraction)?).abs();
        (gap > 0.0 && gap <= EXPOSURE_WINDOW).then_some(gap)
    }

    /// DateTimeOriginal in seconds since 1970 on the camera's clock, less
    /// its offset (`utc`), plus its fraction of a second (`fraction`).
    fn capture_seconds(&self, utc: bool, fraction: bool) -> Option<f64> {
        let at = chrono::NaiveDateTime::parse_from_str(
            self.datetime_original.as_deref()?,
            "%Y-%m-%dT%H:%M:%S",
        )
        .ok()?;
        let mut seconds = at.and_utc().timestamp() as f64;
        if utc {
            seconds -= offset_seconds(self.offset_time.as_deref()?)?;
        }
        if fraction {
            let digits = self.subsec_original.as_deref()?;
            seconds += digits.parse::<f64>().ok()? / 10f64.powi(digits.len() as i32);
        }
        Some(seconds)
    }
}

/// Longest gap between the capture times of two frames of one camera still
/// read as another exposure of the same moment rather than a copy whose
/// capture time was changed (a date moved to pass an old picture off as new
/// moves it by days, and stays a copy): ten minutes, seconds.
pub const EXPOSURE_WINDOW: f64 = 600.0;

/// `+HH:MM` / `-HH:MM` in seconds.
fn offset_seconds(s: &str) -> Option<f64> {
    let sign = if s.starts_with('-') { -1.0 } else { 1.0 };
    let hours: f64 = s.get(1..3)?.parse().ok()?;
    let minutes: f64 = s.get(4..6)?.parse().ok()?;
    Some(sign * (hours * 3600.0 + minutes * 60.0))
}

/// Longest text kept from a free-text EXIF field.
const MAX_TEXT: usize = 500;

/// Reads the EXIF block of an image file's bytes. No EXIF gives an empty summary.
pub fn read_exif(bytes: &[u8]) -> ExifSummary {
    let mut summary = ExifSummary::default();
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let found = match chunks::prefixed_block(bytes) {
        Some(tiff) => reader.read_raw(tiff.to_vec()),
        None => reader.read_from_container(&mut Cursor::new(bytes)),
    };
    let found = match found {
        Err(exif::Error::NotFound(_)) => match png::raw_profile_exif(bytes) {
            Ok(Some(profile)) => {
                summary.warnings.extend(profile.warning);
                reader.read_raw(profile.tiff)
            }
            Ok(None) => {
                if chunks::xmp_exif(bytes) {
                    summary
                        .warnings
                        .push("EXIF properties only in XMP (no EXIF block): not read".into());
                }
                return summary;
            }
            Err(why) => {
                summary.warnings.push(format!("unreadable EXIF: {why}"));
                return summary;
            }
        },
        other => other,
    };
    let exif = match found {
        Ok(exif) => exif,
        Err(e) => match e.distill_partial_result(|errors| {
            for err in errors.iter().take(10) {
                summary.warnings.push(format!("malformed EXIF: {err}"));
            }
        }) {
            Ok(exif) => exif,
            Err(e) => {
                summary.warnings.push(format!("unreadable EXIF: {e}"));
                return summary;
            }
        },
    };
    let text = |tag| {
        exif.get_field(tag, In::PRIMARY)
            .and_then(|f| ascii(&f.value))
    };
    let mut date = |tag: Tag| match text(tag).map(|s| normalise_datetime(&s)) {
        Some(Ok(iso)) => iso,
        Some(Err(why)) => {
            summary
                .warnings
                .push(format!("EXIF {tag}: {why}; left out"));
            None
        }
        None => None,
    };
    let original = date(Tag::DateTimeOriginal);
    let modified = date(Tag::DateTime);
    summary.datetime_original = original;
    summary.subsec_original = text(Tag::SubSecTimeOriginal)
        .map(|s| s.trim().chars().take(9).collect::<String>())
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    summary.offset_time = match text(Tag::OffsetTimeOriginal) {
        Some(s) if is_offset(&s) => Some(s),
        Some(s) => {
            summary.warnings.push(format!(
                "EXIF OffsetTimeOriginal: {s:?} is no UTC offset (±HH:MM, hours to 23, minutes to 59); left out"
            ));
            None
        }
        None => None,
    };
    summary.datetime_modified = modified;
    summary.make = text(Tag::Make);
    summary.model = text(Tag::Model);
    summary.software = text(Tag::Software);
    summary.artist = text(Tag::Artist);
    summary.copyright = text(Tag::Copyright);
    summary.image_description = text(Tag::ImageDescription);
    let uint = |tag| {
        exif.get_field(tag, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0))
    };
    summary.orientation = uint(Tag::Orientation)
        .filter(|o| (1..=8).contains(o))
        .map(|o| o as u16);
    summary.pixel_width = uint(Tag::PixelXDimension);
    summary.pixel_height = uint(Tag::PixelYDimension);
    let coord = |value_tag, ref_tag, negative: &[u8], max: f64| {
        let v = exif.get_field(value_tag, In::PRIMARY)?;
        let deg = dms(&v.value)?;
        let sign = match exif
            .get_field(ref_tag, In::PRIMARY)
            .and_then(|f| ascii(&f.value))
        {
            Some(r) if negative.contains(&r.as_bytes().first().copied().unwrap_or(b'N')) => -1.0,
            _ => 1.0,
        };
        Some(sign * deg).filter(|d| d.abs() <= max)
    };
    summary.gps_latitude = coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, b"Ss", 90.0);
    summary.gps_longitude = coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, b"Ww", 180.0);
    if summary.gps_latitude.is_none() || summary.gps_longitude.is_none() {
        summary.gps_latitude = None;
        summary.gps_longitude = None;
    }
    summary.gps_altitude =
        exif.get_field(Tag::GPSAltitude, In::PRIMARY)
            .and_then(|f| match &f.value {
                Value::Rational(r) if !r.is_empty() && r[0].denom != 0 => Some(r[0].to_f64()),
                _ => None,
            });
    summary
}

fn ascii(value: &Value) -> Option<String> {
    match value {
        Value::Ascii(parts) => {
            let first = parts.first()?;
            let s = String::from_utf8_lossy(first);
            let s: String = s
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_TEXT)
                .collect();
            (!s.is_empty()).then_some(s)
        }
        _ => None,
    }
}

/// Degrees from a (degrees, minutes, seconds) rational triple.
fn dms(value: &Value) -> Option<f64> {
    match value {
        Value::Rational(r) if r.len() >= 3 && r.iter().take(3).all(|x| x.denom != 0) => {
            let d = r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0;
            d.is_finite().then_some(d)
        }
        _ => None,
    }
}

/// An EXIF date-time field (`YYYY:MM:DD HH:MM:SS`, EXIF 2.32 section 4.6.5:
/// 24-hour clock, unknown parts blank) as ISO 8601 `YYYY-MM-DDTHH:MM:SS`.
/// `Ok(None)` for the specification's "unknown" placeholders (all blanks or
/// all zeros). `24:00:00` is read as midnight at the end of that day and a
/// leap second `:60` as the start of the next minute, as ISO 8601 defines
/// them. `Err` (the reason, for a warning) for any other field out of range:
/// a month 13, 30 February, hour 25, minute 60, second 61, a malformed value.
fn normalise_datetime(s: &str) -> Result<Option<String>, String> {
    let dt = match exif::DateTime::from_ascii(s.as_bytes()) {
        Ok(dt) => dt,
        Err(exif::Error::BlankValue(_)) => return Ok(None),
        Err(_) => return Err(format!("{s:?} is not a date and time")),
    };
    let fields = [dt.month, dt.day, dt.hour, dt.minute, dt.second];
    if dt.year == 0 && fields.iter().all(|&f| f == 0) {
        return Ok(None);
    }
    let date = chrono::NaiveDate::from_ymd_opt(i32::from(dt.year), dt.month.into(), dt.day.into())
        .filter(|_| dt.year > 0)
        .ok_or_else(|| format!("{s:?} has no such calendar date"))?;
    let (hour, minute, second) = (
        u32::from(dt.hour),
        u32::from(dt.minute),
        u32::from(dt.second),
    );
    let carry = match (hour, minute, second) {
        (24, 0, 0) => chrono::Duration::hours(24),
        (0..=23, 0..=59, 60) => chrono::Duration::seconds(60),
        _ => chrono::Duration::zero(),
    };
    let at = if carry.is_zero() {
        date.and_hms_opt(hour, minute, second)
            .ok_or_else(|| format!("{s:?} has no such time of day"))?
    } else {
        date.and_hms_opt(hour % 24, minute, 0)
            .ok_or_else(|| format!("{s:?} has no such time of day"))?
            + carry
    };
    Ok(Some(at.format("%Y-%m-%dT%H:%M:%S").to_string()))
}

/// `±HH:MM` (EXIF 2.32, OffsetTime: the offset from UTC), with hours to 23
/// and minutes to 59 as ISO 8601 writes an offset.
fn is_offset(s: &str) -> bool {
    let b = s.as_bytes();
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| b[i].is_ascii_digit())
        && two(1) <= 23
        && two(4) <= 59
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_is_normalised_and_placeholders_dropped() {
        let iso = |s: &str| normalise_datetime(s).unwrap();
        assert_eq!(
            iso("2008:10:22 16:28:39").as_deref(),
            Some("2008-10-22T16:28:39")
        );
        assert_eq!(iso("0000:00:00 00:00:00"), None);
        assert_eq!(iso("    :  :     :  :  "), None);
        assert_eq!(iso("                   "), None);
    }

    /// Every field at the edge of its range and one past it.
    #[test]
    fn every_field_is_checked_at_and_beyond_its_range() {
        let iso = |s: &str| normalise_datetime(s);
        let ok = |s: &str, want: &str| assert_eq!(iso(s), Ok(Some(want.to_string())), "{s}");
        let bad = |s: &str| assert!(iso(s).is_err(), "{s} must be refused");
        ok("2020:12:31 23:59:59", "2020-12-31T23:59:59");
        bad("2020:13:01 00:00:00");
        bad("2020:00:10 00:00:00");
        bad("2020:01:00 00:00:00");
        ok("2020:01:31 00:00:00", "2020-01-31T00:00:00");
        bad("2020:01:32 00:00:00");
        bad("2020:04:31 00:00:00");
        ok("2020:02:29 00:00:00", "2020-02-29T00:00:00");
        bad("2019:02:29 00:00:00");
        bad("1900:02:29 00:00:00");
        ok("2000:02:29 00:00:00", "2000-02-29T00:00:00");
        bad("0000:01:01 00:00:00");
        ok("2020:12:31 24:00:00", "2021-01-01T00:00:00");
        bad("2020:12:31 24:00:01");
        bad("2020:12:31 25:00:00");
        bad("2020:12:31 23:60:00");
        ok("2016:12:31 23:59:60", "2017-01-01T00:00:00");
        bad("2020:12:31 23:59:61");
        bad("2020-12-31 23:59:59");
        bad("2020:12:31");
        bad("20ab:12:31 00:00:00");
    }

    /// An offset at and beyond the range of each of its fields.
    #[test]
    fn offsets_are_checked_at_and_beyond_their_range() {
        for ok in ["+00:00", "-12:00", "+14:00", "+23:59", "-05:30"] {
            assert!(is_offset(ok), "{ok}");
        }
        for bad in [
            "+24:00",
            "+12:60",
            "+1:00",
            "12:00",
            "+ab:00",
            "+05-30",
            "+05:30:00",
        ] {
            assert!(!is_offset(bad), "{bad} must be refused");
        }
    }

    #[test]
    fn an_out_of_range_date_is_left_out_with_a_warning() {
        let mut jpeg = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/reference_images/gps_dscn0025.jpg"
        ))
        .unwrap();
        let good = read_exif(&jpeg);
        assert_eq!(
            good.datetime_original.as_deref(),
            Some("2008-10-22T16:43:21")
        );
        let at = jpeg
            .windows(19)
            .position(|w| w == b"2008:10:22 16:43:21")
            .unwrap();
        jpeg[at..at + 19].copy_from_slice(b"2008:02:30 16:43:21");
        let moved = read_exif(&jpeg);
        assert_eq!(moved.datetime_original, None);
        assert!(
            moved
                .warnings
                .iter()
                .any(|w| w.contains("no such calendar date")),
            "{:?}",
            moved.warnings
        );
    }

    fn shot(make: &str, model: &str, at: &str, subsec: Option<&str>) -> ExifSummary {
        ExifSummary {
            make: Some(make.into()),
            model: Some(model.into()),
            datetime_original: Some(at.into()),
            subsec_original: subsec.map(Into::into),
            ..ExifSummary::default()
        }
    }

    #[test]
    fn frames_of_one_camera_moments_apart_are_other_exposures() {
        let a = shot("Canon", "PowerShot SX60 HS", "2015-02-09T22:47:44", None);
        let b = shot("Canon ", "PowerShot SX60 HS", "2015-02-09T22:48:10", None);
        assert_eq!(a.other_exposure(&b), Some(26.0));
        // The same second, told apart by its fraction.
        let c = shot("Apple", "iPhone 6", "2015-04-10T20:12:23", Some("016"));
        let d = shot("Apple", "iPhone 6", "2015-04-10T20:12:23", Some("550"));
        let gap = c.other_exposure(&d).unwrap();
        assert!((gap - 0.534).abs() < 1e-6, "{gap}");
    }

    #[test]
    fn copies_other_cameras_and_moved_dates_are_not_other_exposures() {
        let a = shot(
            "Canon",
            "PowerShot SX60 HS",
            "2015-02-09T22:47:44",
            Some("10"),
        );
        // A copy: the same capture time (one side without its fraction).
        assert_eq!(a.other_exposure(&a.clone()), None);
        let mut no_fraction = a.clone();
        no_fraction.subsec_original = None;
        assert_eq!(a.other_exposure(&no_fraction), None);
        // Another camera.
        let other = shot("Nikon", "D3", "2015-02-09T22:47:50", None);
        assert_eq!(a.other_exposure(&other), None);
        // A capture date moved by a day.
        let moved = shot("Canon", "PowerShot SX60 HS", "2015-02-10T22:47:44", None);
        assert_eq!(a.other_exposure(&moved), None);
        // No capture time on one side.
        let mut bare = a.clone();
        bare.datetime_original = None;
        assert_eq!(a.other_exposure(&bare), None);
        // Offsets: 12:00+02:00 is 10:00 UTC, the same moment as 10:00+00:00.
        let mut p = shot("Canon", "EOS", "2020-01-01T12:00:00", None);
        p.offset_time = Some("+02:00".into());
        let mut q = shot("Canon", "EOS", "2020-01-01T10:00:00", None);
        q.offset_time = Some("+00:00".into());
        assert_eq!(p.other_exposure(&q), None);
        q.datetime_original = Some("2020-01-01T10:00:05".into());
        assert_eq!(p.other_exposure(&q), Some(5.0));
    }

    #[test]
    fn bytes_without_exif_give_no_fields() {
        let s = read_exif(b"\x89PNG\r\n\x1a\n");
        assert!(s.is_empty());
    }
}
