//! Query parameters every report and list reads, checked strictly: a
//! month like `2026-13`, a date that is not one or a year out of range is
//! a [`ParamError`] naming the parameter (shown by the one 400 page), never
//! a 500; and the small text helpers pages share (catalogue words, query
//! strings, percentages).

use crate::i18n::t;
use chrono::{Datelike, NaiveDate};
use hearth_core::Lang;
use hearth_core::Reason;
use hearth_core::dates::{parse_date, today};

/// A refused query parameter and why.
#[derive(Debug, Clone)]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

impl ParamError {
    pub fn new(param: &str, message: String) -> ParamError {
        ParamError {
            param: param.to_string(),
            message,
        }
    }
}

/// The query as the page's extractor gave it: a query that cannot be read
/// at all is one refused parameter.
pub(crate) fn query_or_error<Q>(
    q: Result<axum::extract::Query<Q>, axum::extract::rejection::QueryRejection>,
    lang: Lang,
) -> Result<Q, Vec<ParamError>> {
    q.map(|axum::extract::Query(q)| q).map_err(|_| {
        vec![ParamError::new(
            "query",
            t(lang, "kit.param.unreadable").to_string(),
        )]
    })
}

/// A parameter's value trimmed, `None` when absent or blank.
pub(crate) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The earliest and latest year a report may ask for.
const FIRST_YEAR: i32 = 1949;

fn last_year() -> i32 {
    today().year() + 1
}

/// A calendar year (`2026`), `default` when absent.
pub(crate) fn parse_year(v: &Option<String>, default: i32, lang: Lang) -> Result<i32, ParamError> {
    let Some(s) = given(v) else {
        return Ok(default);
    };
    let max = last_year();
    match s.parse::<i32>() {
        Ok(y) if (FIRST_YEAR..=max).contains(&y) => Ok(y),
        Ok(_) => Err(ParamError::new(
            "year",
            Reason::OutOfRange {
                min: i64::from(FIRST_YEAR),
                max: i64::from(max),
            }
            .message(lang),
        )),
        Err(_) => Err(ParamError::new("year", Reason::NotANumber.message(lang))),
    }
}

/// A month as `YYYY-MM` (`2026-10`), `default` when absent.
pub(crate) fn parse_month(
    v: &Option<String>,
    default: (i32, u32),
    lang: Lang,
) -> Result<(i32, u32), ParamError> {
    let Some(s) = given(v) else {
        return Ok(default);
    };
    let bad = || ParamError::new("month", t(lang, "kit.param.bad_month").to_string());
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    if y.len() != 4
        || !(1..=2).contains(&m.len())
        || !y.bytes().all(|b| b.is_ascii_digit())
        || !m.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) {
        return Err(bad());
    }
    if !(FIRST_YEAR..=last_year()).contains(&y) {
        return Err(ParamError::new(
            "month",
            Reason::OutOfRange {
                min: i64::from(FIRST_YEAR),
                max: i64::from(last_year()),
            }
            .message(lang),
        ));
    }
    Ok((y, m))
}

/// The month before the one `d` falls in.
pub(crate) fn month_before(d: NaiveDate) -> (i32, u32) {
    if d.month() == 1 {
        (d.year() - 1, 12)
    } else {
        (d.year(), d.month() - 1)
    }
}

/// `YYYY-MM`.
pub(crate) fn fmt_month(y: i32, m: u32) -> String {
    format!("{y:04}-{m:02}")
}

/// A closed period from `from` and `to` (dates); by default this calendar
/// year to date.
pub(crate) fn parse_period(
    from: &Option<String>,
    to: &Option<String>,
    lang: Lang,
) -> Result<hearth_store::stats::Period, Vec<ParamError>> {
    let now = today();
    let mut errs = Vec::new();
    let mut date = |param: &'static str, v: &Option<String>, default: NaiveDate| match given(v) {
        None => Some(default),
        Some(s) => match parse_date(s) {
            Ok(d) if (FIRST_YEAR..=last_year()).contains(&d.year()) => Some(d),
            Ok(_) => {
                errs.push(ParamError::new(
                    param,
                    Reason::OutOfRange {
                        min: i64::from(FIRST_YEAR),
                        max: i64::from(last_year()),
                    }
                    .message(lang),
                ));
                None
            }
            Err(r) => {
                errs.push(ParamError::new(param, r.message(lang)));
                None
            }
        },
    };
    let start = NaiveDate::from_ymd_opt(now.year(), 1, 1).unwrap_or(now);
    let from = date("from", from, start);
    let to = date("to", to, now);
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(vec![ParamError::new(
            "to",
            Reason::NotBefore {
                zh: "开始日期",
                en: "start date",
            }
            .message(lang),
        )]),
        (Some(from), Some(to)) => Ok(hearth_store::stats::Period { from, to }),
        _ => Err(errs),
    }
}

/// The whole calendar year `y`.
pub(crate) fn year_period(y: i32) -> hearth_store::stats::Period {
    let from = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(from);
    hearth_store::stats::Period { from, to }
}

/// A catalogue text as an owned string.
pub(crate) fn tx(lang: Lang, key: &str) -> String {
    t(lang, key).to_string()
}

/// A catalogue entry for `prefix.code`, or the code itself when the
/// catalogue has none (a new code still shows).
pub(crate) fn word(lang: Lang, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    let w = t(lang, &key);
    if w == key {
        code.to_string()
    } else {
        w.to_string()
    }
}

/// A text kept in two languages (e.g. a rule's name), in the page's one;
/// Chinese when the English is empty.
pub(crate) fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::En if !en.is_empty() => en.to_string(),
        _ => zh.to_string(),
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string from non-empty pairs, without the leading `?`.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A percentage with one decimal (`87.5%`), or a dash.
pub(crate) fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_strict() {
        let d = (2026, 1);
        assert_eq!(
            parse_month(&Some("2026-10".into()), d, Lang::Zh).ok(),
            Some((2026, 10))
        );
        assert_eq!(
            parse_month(&Some(" 2025-3 ".into()), d, Lang::Zh).ok(),
            Some((2025, 3))
        );
        assert_eq!(parse_month(&None, d, Lang::Zh).ok(), Some(d));
        for bad in [
            "2026-13", "2026-00", "2026", "26-10", "2026-1x", "abcd-10", "2026-010",
        ] {
            let e = parse_month(&Some(bad.into()), d, Lang::Zh);
            assert!(
                e.as_ref().is_err_and(|e| e.param == "month"),
                "{bad}: {e:?}"
            );
        }
        assert!(parse_month(&Some("1800-01".into()), d, Lang::En).is_err());
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("张 a&b"), "%E5%BC%A0%20a%26b");
        assert_eq!(encode("zxm-1"), "zxm-1");
        assert_eq!(encode("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(
            query_string(&[("user", "v01"), ("action", ""), ("page", "2")]),
            "user=v01&page=2"
        );
        assert_eq!(pick(Lang::En, "常规", ""), "常规");
    }

    #[test]
    fn years_and_periods() {
        assert_eq!(
            parse_year(&Some("2024".into()), 2000, Lang::Zh).ok(),
            Some(2024)
        );
        assert_eq!(
            parse_year(&Some("".into()), 2000, Lang::Zh).ok(),
            Some(2000)
        );
        assert!(parse_year(&Some("twenty".into()), 2000, Lang::Zh).is_err());
        assert!(parse_year(&Some("99999".into()), 2000, Lang::Zh).is_err());
        let p = parse_period(
            &Some("2024-01-01".into()),
            &Some("2024-12-31".into()),
            Lang::Zh,
        );
        assert!(p.is_ok());
        let p = parse_period(
            &Some("2024-12-31".into()),
            &Some("2024-01-01".into()),
            Lang::Zh,
        );
        assert!(p.is_err_and(|e| e[0].param == "to"));
        let p = parse_period(&Some("2024-02-30".into()), &None, Lang::Zh);
        assert!(p.is_err_and(|e| e[0].param == "from"));
        assert_eq!(
            month_before(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default()),
            (2025, 12)
        );
        assert_eq!(pct(Some(0.875)), "87.5%");
        assert_eq!(pct(None), "—");
    }
}
