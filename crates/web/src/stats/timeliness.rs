//! Pregnancy report timeliness by village (reported ≤ 91 days after the
//! LMP) and the reporting-incentive ledger (孕情报告奖惩台账) for a year, with
//! the amounts in force; the ledger's Excel export.

use super::StatsQuery;
use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::Opt;
use crate::kit::org::{org_options, pick_org, units};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render};
use crate::kit::params::{ParamError, parse_year, pct, query_or_error, query_string, year_period};
use crate::session::{Me, SignedIn};
use crate::xlsx::{self, Cell, Sheet};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Datelike;
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::scope::Permission;
use hearth_store::orgs::OrgRow;
use hearth_store::stats::{self, Ledger, TimelinessRow};

/// Where a refused parameter's page links back to.
const BACK: &str = "/stats/timeliness";

struct RateV {
    code: String,
    name: String,
    reported: i64,
    timely: i64,
    late: i64,
    rate: String,
}

fn rate_v(r: &TimelinessRow, name: &str) -> RateV {
    RateV {
        code: r.org_code.clone(),
        name: name.to_string(),
        reported: r.reported,
        timely: r.timely,
        late: r.reported - r.timely,
        rate: pct(r.rate),
    }
}

#[derive(Template)]
#[template(path = "stats/timeliness.html")]
struct TimelinessPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    org_opts: Vec<Opt>,
    year: i32,
    villages: Vec<RateV>,
    total: RateV,
    ledger: Ledger,
    ledger_timely: i64,
    ledger_late: i64,
    ledger_reward: i64,
    ledger_deduction: i64,
    export_href: String,
    is_admin: bool,
}

/// The org and year of a timeliness or ledger request, or the 400 page.
async fn params(
    st: &AppState,
    me: &SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> Result<(Vec<OrgRow>, OrgRow, i32), PageFail> {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let q = query_or_error(q, lang).map_err(|e| me.bad_params(e, BACK))?;
    let units = units(st, me).await?;
    let mut errs: Vec<ParamError> = Vec::new();
    let org = pick_org(me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let year = parse_year(&q.year, today().year(), lang)
        .map_err(|e| errs.push(e))
        .ok();
    match (org, year) {
        (Some(o), Some(y)) => Ok((units, o, y)),
        _ => Err(me.bad_params(errs, BACK)),
    }
}

/// `GET /stats/timeliness?org=&year=`.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> PageResult {
    let (units, org, year) = params(&st, &me, q).await?;
    let lang = me.ctx.lang;
    let period = year_period(year);
    let code = org.code.clone();
    let (rates, ledger) = me
        .run_report(&st, BACK, move |db, scope| {
            let rates = stats::timeliness_by_village(db, scope, &code, period)?;
            let ledger = stats::incentive_ledger(db, scope, &code, period)?;
            Ok((rates, ledger))
        })
        .await?;
    let year_s = year.to_string();
    let view = TimelinessPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        org_name: org.name.clone(),
        org_opts: org_options(&me, &units, &org.code),
        year,
        villages: rates
            .villages
            .iter()
            .map(|r| rate_v(r, &r.org_name))
            .collect(),
        total: rate_v(&rates.total, t(lang, "stats.total")),
        ledger_timely: ledger.rows.iter().map(|r| r.timely).sum(),
        ledger_late: ledger.rows.iter().map(|r| r.late).sum(),
        ledger_reward: ledger.rows.iter().map(|r| r.reward_yuan).sum(),
        ledger_deduction: ledger.rows.iter().map(|r| r.deduction_yuan).sum(),
        ledger,
        export_href: format!(
            "/stats/ledger.xlsx?{}",
            query_string(&[("org", &org.code), ("year", &year_s)])
        ),
        is_admin: me.scope.can(Permission::Administer),
    };
    Ok(render(&view, StatusCode::OK))
}

/// The ledger as a sheet (always with Chinese headers: it is the
/// district's form).
fn ledger_sheet(org: &OrgRow, year: i32, l: &Ledger) -> Sheet {
    let zh = |k: &str| t(Lang::Zh, k).to_string();
    let rows: Vec<Vec<Cell>> = l
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.village_code.clone()),
                Cell::Text(r.village_name.clone()),
                Cell::Text(r.reporter_name.clone()),
                Cell::Num(r.timely),
                Cell::Num(r.late),
                Cell::Num(r.reward_yuan),
                Cell::Num(r.deduction_yuan),
                Cell::Num(r.net_yuan),
            ]
        })
        .collect();
    let sum = |f: fn(&hearth_store::stats::LedgerRow) -> i64| l.rows.iter().map(f).sum::<i64>();
    Sheet {
        name: format!("{year}年奖惩台账"),
        title: format!("{} {year}年 {}", org.name, zh("stats.ledger.title")),
        note: format!(
            "{} {} {} · {} {} {}",
            zh("stats.ledger.reward_per_timely"),
            l.reward_per_timely,
            zh("stats.yuan"),
            zh("stats.ledger.deduction_per_late"),
            l.deduction_per_late,
            zh("stats.yuan"),
        ),
        headers: [
            "stats.col.code",
            "stats.col.village",
            "stats.ledger.col.reporter",
            "stats.ledger.col.timely",
            "stats.ledger.col.late",
            "stats.ledger.col.reward",
            "stats.ledger.col.deduction",
            "stats.ledger.col.net",
        ]
        .iter()
        .map(|k| zh(k))
        .collect(),
        rows,
        total: Some(vec![
            Cell::Text(zh("stats.total")),
            Cell::Empty,
            Cell::Empty,
            Cell::Num(sum(|r| r.timely)),
            Cell::Num(sum(|r| r.late)),
            Cell::Num(sum(|r| r.reward_yuan)),
            Cell::Num(sum(|r| r.deduction_yuan)),
            Cell::Num(l.total_net_yuan),
        ]),
    }
}

/// `GET /stats/ledger.xlsx?org=&year=`: the ledger as Excel; the export is
/// written to the audit trail first.
pub async fn ledger_xlsx(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> PageResult {
    let (_, org, year) = params(&st, &me, q).await?;
    let code = org.code.clone();
    let ledger = me
        .run_report(&st, BACK, move |db, scope| {
            stats::incentive_ledger(db, scope, &code, year_period(year))
        })
        .await?;
    let sheet = ledger_sheet(&org, year, &ledger);
    let detail = format!("org={} year={year}", org.code);
    let bytes = me
        .run(&st, move |db, scope| {
            xlsx::record_export(db, scope, "incentive_ledger", &detail)?;
            Ok(xlsx::workbook(&sheet))
        })
        .await?
        .page(&me)?;
    Ok(xlsx::download(
        bytes,
        &format!("ledger-{}-{year}.xlsx", org.code),
        &format!("{}{year}年孕情报告奖惩台账.xlsx", org.name),
    ))
}
