//! The monthly births and pregnancies report by village (出生和孕情月报) and
//! its Excel export: the same table, one sheet named for the month, a title
//! row with the org unit and month, the header row, one row per village and
//! the total, numbers as numbers.

use super::StatsQuery;
use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::Opt;
use crate::kit::org::{org_options, pick_org, units};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render};
use crate::kit::params::{
    ParamError, fmt_month, month_before, parse_month, query_or_error, query_string,
};
use crate::session::{Me, SignedIn};
use crate::xlsx::{self, Cell, Sheet};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::scope::Permission;
use hearth_store::orgs::OrgRow;
use hearth_store::stats::{self, MonthlyReport, MonthlyRow};

/// Where a refused parameter's page links back to.
const BACK: &str = "/stats/monthly";

/// The report's columns after the village: catalogue key and value.
/// A column's value in a row.
type Value = fn(&MonthlyRow) -> i64;

const COLUMNS: &[(&str, Value)] = &[
    ("stats.monthly.col.pregnancies_reported", |r| {
        r.pregnancies_reported
    }),
    ("stats.monthly.col.reported_timely", |r| r.reported_timely),
    ("stats.monthly.col.open_at_end", |r| r.open_at_end),
    ("stats.monthly.col.overdue_at_end", |r| r.overdue_at_end),
    ("stats.monthly.col.stillbirths", |r| r.stillbirths),
    ("stats.monthly.col.miscarriages", |r| r.miscarriages),
    ("stats.monthly.col.terminations", |r| r.terminations),
    ("stats.monthly.col.moved_out_or_lost", |r| {
        r.moved_out_or_lost
    }),
    ("stats.monthly.col.live_births", |r| r.live_births),
    ("stats.monthly.col.live_births_verified", |r| {
        r.live_births_verified
    }),
    ("stats.monthly.col.males", |r| r.males),
    ("stats.monthly.col.females", |r| r.females),
    ("stats.monthly.col.twins_deliveries", |r| r.twins_deliveries),
    ("stats.monthly.col.infant_deaths", |r| r.infant_deaths),
];

struct RowV {
    code: String,
    name: String,
    values: Vec<i64>,
}

fn row_v(r: &MonthlyRow, name: &str) -> RowV {
    RowV {
        code: r.org_code.clone(),
        name: name.to_string(),
        values: COLUMNS.iter().map(|(_, f)| f(r)).collect(),
    }
}

#[derive(Template)]
#[template(path = "stats/monthly.html")]
struct MonthlyPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    org_opts: Vec<Opt>,
    month: String,
    headers: Vec<String>,
    villages: Vec<RowV>,
    total: RowV,
    export_href: String,
}

/// The org and month of a monthly request, or the 400 page.
async fn params(
    st: &AppState,
    me: &SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<(Vec<OrgRow>, OrgRow, i32, u32), PageFail> {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let q = query_or_error(q, lang).map_err(|e| me.bad_params(e, BACK))?;
    let units = units(st, me).await?;
    let mut errs: Vec<ParamError> = Vec::new();
    let org = pick_org(me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let month = parse_month(&q.month, month_before(today()), lang)
        .map_err(|e| errs.push(e))
        .ok();
    match (org, month) {
        (Some(o), Some((y, m))) => Ok((units, o, y, m)),
        _ => Err(me.bad_params(errs, BACK)),
    }
}

async fn report(
    st: &AppState,
    me: &SignedIn,
    org: &str,
    y: i32,
    m: u32,
) -> Result<MonthlyReport, PageFail> {
    let code = org.to_string();
    me.run_report(st, BACK, move |db, scope| {
        stats::monthly_report(db, scope, &code, y, m)
    })
    .await
}

/// `GET /stats/monthly?org=&month=YYYY-MM` (last month by default).
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> PageResult {
    let (units, org, y, m) = params(&st, &me, q).await?;
    let r = report(&st, &me, &org.code, y, m).await?;
    let lang = me.ctx.lang;
    let month = fmt_month(y, m);
    Ok(render(
        &MonthlyPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            org_name: org.name.clone(),
            org_opts: org_options(&me, &units, &org.code),
            headers: COLUMNS
                .iter()
                .map(|(k, _)| t(lang, k).to_string())
                .collect(),
            villages: r.villages.iter().map(|v| row_v(v, &v.org_name)).collect(),
            total: row_v(&r.total, t(lang, "stats.total")),
            export_href: format!(
                "/stats/monthly.xlsx?{}",
                query_string(&[("org", &org.code), ("month", &month)])
            ),
            month,
        },
        StatusCode::OK,
    ))
}

/// The report as a sheet, with Chinese headers (the district's form).
pub(crate) fn monthly_sheet(org: &OrgRow, r: &MonthlyReport) -> Sheet {
    let zh = |k: &str| t(Lang::Zh, k).to_string();
    let line = |code: &str, name: &str, row: &MonthlyRow| {
        let mut cells = vec![Cell::Text(code.to_string()), Cell::Text(name.to_string())];
        cells.extend(COLUMNS.iter().map(|(_, f)| Cell::Num(f(row))));
        cells
    };
    let mut headers = vec![zh("stats.col.code"), zh("stats.col.village")];
    headers.extend(COLUMNS.iter().map(|(k, _)| zh(k)));
    Sheet {
        name: format!("{}年{}月", r.year, r.month),
        title: format!(
            "{} {}年{}月 {}",
            org.name,
            r.year,
            r.month,
            zh("stats.monthly.title")
        ),
        note: String::new(),
        headers,
        rows: r
            .villages
            .iter()
            .map(|v| line(&v.org_code, &v.org_name, v))
            .collect(),
        total: Some(line("", &zh("stats.total"), &r.total)),
    }
}

/// `GET /stats/monthly.xlsx?org=&month=`: the report as Excel; the export
/// is written to the audit trail first.
pub async fn xlsx(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> PageResult {
    let (_, org, y, m) = params(&st, &me, q).await?;
    let r = report(&st, &me, &org.code, y, m).await?;
    let sheet = monthly_sheet(&org, &r);
    let detail = format!("org={} month={}", org.code, fmt_month(y, m));
    let bytes = me
        .run(&st, move |db, scope| {
            xlsx::record_export(db, scope, "monthly_report", &detail)?;
            Ok(xlsx::workbook(&sheet))
        })
        .await?
        .page(&me)?;
    Ok(xlsx::download(
        bytes,
        &format!("monthly-{}-{}.xlsx", org.code, fmt_month(y, m)),
        &format!("{}{}年{}月出生和孕情月报.xlsx", org.name, y, m),
    ))
}
