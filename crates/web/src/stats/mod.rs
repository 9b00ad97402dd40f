//! Statistics screens (sex ratio at birth, timeliness and the incentive
//! ledger, reconciliation, annual review, the monthly report and its Excel
//! export), the incentive settings, and the enforcement case register.
//!
//! - `srb`: `GET /stats/srb` (the table by village and the SVG chart by year).
//! - `timeliness`: `GET /stats/timeliness` and `GET /stats/ledger.xlsx`.
//! - `recon`: `GET /stats/reconciliation` and `GET /stats/review`.
//! - `monthly`: `GET /stats/monthly` and `GET /stats/monthly.xlsx`.
//! - `settings`: `GET/POST /admin/settings` (administrators).
//! - `enforcement`: `/enforcement`, `/enforcement/new`, `/enforcement/{id}`
//!   (users granted the register) and the grant switch on the users page.
//!
//! Every page reads its parameters as text and checks them here: a month
//! like `2026-13`, a date that is not one, or an org unit outside the
//! caller's area answers a 400 page naming the parameter, never a 500. The
//! store filters by the caller's scope again.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, t};
use crate::pages::{error_page, other_lang, render};
use crate::screens::{Opt, options};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use hearth_core::Lang;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, parse_date, today};
use hearth_core::org::OrgLevel;
use hearth_core::scope::Permission;
use hearth_store::orgs::OrgRow;
use serde::Deserialize;

mod enforcement;
mod monthly;
mod recon;
mod settings;
mod srb;
mod timeliness;

/// The statistics and enforcement screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stats", get(index))
        .route("/stats/srb", get(srb::page))
        .route("/stats/timeliness", get(timeliness::page))
        .route("/stats/ledger.xlsx", get(timeliness::ledger_xlsx))
        .route("/stats/reconciliation", get(recon::reconciliation))
        .route("/stats/review", get(recon::review))
        .route("/stats/monthly", get(monthly::page))
        .route("/stats/monthly.xlsx", get(monthly::xlsx))
        .route("/admin/settings", get(settings::page).post(settings::save))
        .route("/enforcement", get(enforcement::list))
        .route(
            "/enforcement/new",
            get(enforcement::new_form).post(enforcement::create),
        )
        .route(
            "/enforcement/{id}",
            get(enforcement::show).post(enforcement::update),
        )
        .route(
            "/admin/users/{id}/enforcement",
            post(enforcement::grant).get(enforcement::back_to_users),
        )
}

// ---- query parameters ---------------------------------------------------------

/// Every statistics page's query, as typed (text, so the extractor never
/// refuses; each page checks the parameters it uses).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub year: Option<String>,
    #[serde(default)]
    pub month: Option<String>,
    #[serde(default)]
    pub unverified: Option<String>,
    #[serde(default)]
    pub reviewed: Option<String>,
}

/// A refused query parameter and why.
#[derive(Debug, Clone)]
pub(crate) struct ParamError {
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
pub(crate) fn query_or_error(
    q: Result<axum::extract::Query<StatsQuery>, axum::extract::rejection::QueryRejection>,
    lang: Lang,
) -> Result<StatsQuery, Vec<ParamError>> {
    q.map(|axum::extract::Query(q)| q).map_err(|_| {
        vec![ParamError::new(
            "query",
            t(lang, "stats.param.unreadable").to_string(),
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
    let bad = || ParamError::new("month", t(lang, "stats.param.bad_month").to_string());
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

// ---- org units ----------------------------------------------------------------

/// The org units the caller sees (her area and the units above it).
pub(crate) async fn units(st: &AppState, me: &SignedIn) -> Result<Vec<OrgRow>, WebError> {
    let (db, scope) = (st.db.clone(), me.scope.clone());
    crate::screens::blocking(move || hearth_store::orgs::list(&db, &scope)).await
}

/// The org unit a report is for: the typed code when it is a unit inside
/// the caller's area; by default the user's own unit (or the widest unit
/// of her area).
pub(crate) fn pick_org(
    me: &SignedIn,
    units: &[OrgRow],
    typed: &Option<String>,
) -> Result<OrgRow, ParamError> {
    let lang = me.ctx.lang;
    let inside = |u: &&OrgRow| me.scope.covers(&u.code);
    match given(typed) {
        Some(code) => {
            if code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParamError::new("org", Reason::BadOrgCode.message(lang)));
            }
            match units.iter().find(|u| u.code == code) {
                Some(u) if me.scope.covers(&u.code) => Ok(u.clone()),
                Some(_) => Err(ParamError::new("org", Reason::OutOfScope.message(lang))),
                None if me.scope.covers(code) => {
                    Err(ParamError::new("org", Reason::UnknownOrg.message(lang)))
                }
                None => Err(ParamError::new("org", Reason::OutOfScope.message(lang))),
            }
        }
        None => units
            .iter()
            .filter(inside)
            .find(|u| u.code == me.user.org_code)
            .or_else(|| units.iter().filter(inside).min_by_key(|u| u.code.len()))
            .cloned()
            .ok_or_else(|| ParamError::new("org", Reason::UnknownOrg.message(lang))),
    }
}

/// The org select of a report's filter: every unit of the caller's area
/// (district, towns, villages), the chosen one selected.
pub(crate) fn org_options(me: &SignedIn, units: &[OrgRow], current: &str) -> Vec<Opt> {
    options(
        current,
        None,
        units.iter().filter(|u| me.scope.covers(&u.code)).map(|u| {
            let indent = match u.level {
                OrgLevel::Village => "　　",
                OrgLevel::Town => "　",
                OrgLevel::County => "",
            };
            (u.code.clone(), format!("{indent}{}（{}）", u.name, u.code))
        }),
    )
}

// ---- pages --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "stats_error.html")]
struct ErrorPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    message: String,
    params: Vec<ParamError>,
    back: String,
}

/// A 400 page listing each refused parameter with its reason.
pub(crate) fn bad_params(me: &SignedIn, params: Vec<ParamError>, back: &str) -> Response {
    render(
        &ErrorPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            message: t(me.ctx.lang, "stats.param.title").to_string(),
            params,
            back: back.to_string(),
        },
        StatusCode::BAD_REQUEST,
    )
}

/// A refusal page with its own message (e.g. no enforcement grant).
pub(crate) fn refusal(me: &SignedIn, status: StatusCode, message: String) -> Response {
    render(
        &ErrorPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            message,
            params: Vec::new(),
            back: "/".to_string(),
        },
        status,
    )
}

/// An error as a page, with the signed-in header.
pub(crate) fn fail(me: &SignedIn, e: WebError) -> Response {
    error_page(&me.ctx, e, Some(me.me()))
}

/// A report's store error as a page: the store's refusal of a parameter
/// (its field named as the query names it) is the 400 page, others as
/// usual.
pub(crate) fn report_fail(me: &SignedIn, e: WebError, back: &str) -> Response {
    match e {
        WebError::Invalid(fields) if !fields.is_empty() => {
            let params = fields
                .iter()
                .map(|f| {
                    let param = match f.field.as_str() {
                        "org_code" => "org",
                        other => other,
                    };
                    ParamError::new(param, f.message(me.ctx.lang))
                })
                .collect();
            bad_params(me, params, back)
        }
        e => fail(me, e),
    }
}

/// The reports need `ReadStatistics`: the 403 page for other roles.
pub(crate) fn require_stats(me: &SignedIn) -> Option<Response> {
    (!me.scope.can(Permission::ReadStatistics)).then(|| fail(me, WebError::Forbidden))
}

/// A percentage with one decimal (`87.5%`), or a dash.
pub(crate) fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// The query string of a report link from non-empty pairs.
pub(crate) fn qs(pairs: &[(&str, &str)]) -> String {
    crate::admin::query_string(pairs)
}

struct IndexLink {
    href: String,
    title: String,
    hint: String,
}

#[derive(Template)]
#[template(path = "stats_index.html")]
struct IndexPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    links: Vec<IndexLink>,
    is_admin: bool,
}

/// `GET /stats`: the reports, each linked with sensible defaults for the
/// user's own area.
pub async fn index(
    axum::extract::State(st): axum::extract::State<AppState>,
    me: SignedIn,
) -> Response {
    if let Some(r) = require_stats(&me) {
        return r;
    }
    let lang = me.ctx.lang;
    let units = match units(&st, &me).await {
        Ok(u) => u,
        Err(e) => return fail(&me, e),
    };
    let org = match pick_org(&me, &units, &None) {
        Ok(o) => o,
        Err(e) => return bad_params(&me, vec![e], "/"),
    };
    let now = today();
    let year = now.year().to_string();
    let (ly, lm) = month_before(now);
    let last_month = fmt_month(ly, lm);
    let link = |path: &str, key: &str, pairs: &[(&str, &str)]| {
        let mut all = vec![("org", org.code.as_str())];
        all.extend_from_slice(pairs);
        IndexLink {
            href: format!("{path}?{}", qs(&all)),
            title: t(lang, &format!("stats.index.{key}")).to_string(),
            hint: t(lang, &format!("stats.index.{key}.hint")).to_string(),
        }
    };
    let start = fmt_date(NaiveDate::from_ymd_opt(now.year(), 1, 1).unwrap_or(now));
    let end = fmt_date(now);
    let mut links = vec![
        link("/stats/srb", "srb", &[("from", &start), ("to", &end)]),
        link("/stats/timeliness", "timeliness", &[("year", &year)]),
        link("/stats/monthly", "monthly", &[("month", &last_month)]),
        link(
            "/stats/reconciliation",
            "reconciliation",
            &[("month", &last_month)],
        ),
    ];
    if me.scope.can(Permission::ReadRegister) {
        links.push(link(
            "/stats/review",
            "review",
            &[("year", &year), ("reviewed", "no")],
        ));
    }
    render(
        &IndexPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            org_name: format!("{}（{}）", org.name, org.code),
            links,
            is_admin: me.scope.can(Permission::Administer),
        },
        StatusCode::OK,
    )
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
