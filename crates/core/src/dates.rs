//! Calendar dates in local (Asia/Shanghai) time and instants in UTC, with the
//! strict `YYYY-MM-DD` parsing every date field uses.

use crate::error::Reason;
use chrono::{NaiveDate, Utc};

/// Today's date in Asia/Shanghai: China Standard Time is UTC+8 all year
/// (no daylight saving since 1991), so a fixed offset is exact.
pub fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The current instant as an RFC 3339 UTC string (second precision).
pub fn now_utc() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses a strict `YYYY-MM-DD` date (also accepts `YYYY/MM/DD` and
/// `YYYYMMDD`, which spreadsheets produce).
pub fn parse_date(s: &str) -> Result<NaiveDate, Reason> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Reason::Required);
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Ok(d);
        }
    }
    Err(Reason::BadDate)
}

/// Formats a date as `YYYY-MM-DD`.
pub fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29);
        assert_eq!(parse_date("2024-02-29").ok(), d);
        assert_eq!(parse_date("2024/02/29").ok(), d);
        assert_eq!(parse_date("20240229").ok(), d);
        assert_eq!(parse_date("2023-02-29"), Err(Reason::BadDate));
        assert_eq!(parse_date(" "), Err(Reason::Required));
    }

    #[test]
    fn ages() {
        let b = NaiveDate::from_ymd_opt(1990, 6, 15).unwrap_or_default();
        let on = NaiveDate::from_ymd_opt(2025, 6, 14).unwrap_or_default();
        assert_eq!(age_on(b, on), 34);
        let on = NaiveDate::from_ymd_opt(2025, 6, 15).unwrap_or_default();
        assert_eq!(age_on(b, on), 35);
    }
}
