//! Calendar dates as provenance records give them: a year, a month or a day
//! (`2016`, `2016-05`, `2016-05-12`), compared by the interval they cover.

use std::fmt;

use chrono::NaiveDate;

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; a time after `T` or a space
    /// is accepted and ignored.
    pub fn parse(s: &str) -> Result<PartialDate, Error> {
        let bad = || Error::Date(s.chars().take(40).collect());
        let date = s.trim().split(['T', ' ']).next().unwrap_or("");
        let parts: Vec<&str> = date.split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32, Error> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let year = num(parts.first().copied().unwrap_or(""), 4)? as i32;
        let month = parts.get(1).map(|m| num(m, 2)).transpose()?;
        let day = parts.get(2).map(|d| num(d, 2)).transpose()?;
        if parts.len() > 3 || (year < 1800) {
            return Err(bad());
        }
        let d = PartialDate { year, month, day };
        if NaiveDate::from_ymd_opt(year, month.unwrap_or(1), day.unwrap_or(1)).is_none() {
            return Err(bad());
        }
        Ok(d)
    }

    /// First day the date may mean.
    pub fn earliest(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .expect("validated at parse time")
    }

    /// Last day the date may mean.
    pub fn latest(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m, d),
            (Some(m), None) => NaiveDate::from_ymd_opt(self.year, m, 1)
                .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
                .and_then(|n| n.pred_opt()),
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .expect("validated at parse time")
    }

    /// Certainly before `other` (the whole interval ends before it starts).
    pub fn is_before(&self, other: &PartialDate) -> bool {
        self.latest() < other.earliest()
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_partial_dates_and_rejects_nonsense() {
        assert_eq!(PartialDate::parse("2016").unwrap().to_string(), "2016");
        assert_eq!(
            PartialDate::parse("2016-05").unwrap().to_string(),
            "2016-05"
        );
        assert_eq!(
            PartialDate::parse("2016-05-12T10:00:00")
                .unwrap()
                .to_string(),
            "2016-05-12"
        );
        for bad in ["", "16", "2016-13", "2016-02-30", "2016/05/12", "yesterday"] {
            assert!(PartialDate::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn before_compares_whole_intervals() {
        let y = PartialDate::parse("2016").unwrap();
        let d = PartialDate::parse("2016-06-01").unwrap();
        let later = PartialDate::parse("2017-01-01").unwrap();
        assert!(
            !y.is_before(&d),
            "a year is not certainly before a day inside it"
        );
        assert!(y.is_before(&later));
        assert_eq!(
            PartialDate::parse("2016-02").unwrap().latest().to_string(),
            "2016-02-29"
        );
    }
}
