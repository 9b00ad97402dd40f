//! Coverage indicators (`/work/coverage?org=&month=YYYY-MM&by=`): women
//! due a monthly contact in the month and how many were visited on time,
//! late, missed or are still pending, by village, zone or worker; the
//! postpartum visit completion; a month-by-month chart of the last twelve
//! months drawn as inline SVG on the server; and the Excel export of the
//! table (`/work/coverage.xlsx`, audited as an export).

use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::Opt;
use crate::kit::org::{org_options, pick_org, units};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render};
use crate::kit::params::{ParamError, given, pct, pick, query_or_error, tx};
use crate::session::{Me, SignedIn};
use crate::xlsx::{self, Cell, Sheet};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::follow_up::YearMonth;
use hearth_core::scope::Permission;
use hearth_store::follow_up::{self as fu, CoverageBy, CoverageRow, MonthCoverage};
use hearth_store::orgs::OrgRow;
use serde::Deserialize;

/// The chart's months.
const CHART_MONTHS: usize = 12;

/// Where a refused parameter's 400 page leads back to.
const BACK: &str = "/work/coverage";

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CoverageQuery {
    org: Option<String>,
    month: Option<String>,
    by: Option<String>,
}

/// The checked parameters of a coverage request.
struct Params {
    org: OrgRow,
    month: YearMonth,
    by: CoverageBy,
}

/// Checks every parameter; all refusals at once (the 400 page).
async fn params(
    st: &AppState,
    me: &SignedIn,
    q: Result<Query<CoverageQuery>, QueryRejection>,
) -> Result<(Params, Vec<OrgRow>), PageFail> {
    let lang = me.ctx.lang;
    let q = query_or_error(q, lang).map_err(|e| me.bad_params(e, BACK))?;
    let units = units(st, me).await?;
    let mut errs = Vec::new();
    let org = pick_org(me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let month = match given(&q.month) {
        None => Some(YearMonth::of(today()).prev()),
        Some(s) => match YearMonth::parse(s) {
            Ok(m) => Some(m),
            Err(_) => {
                errs.push(ParamError::new(
                    "month",
                    tx(lang, "followup.param.bad_month"),
                ));
                None
            }
        },
    };
    let by = match CoverageBy::parse(q.by.as_deref().unwrap_or("")) {
        Some(b) => Some(b),
        None => {
            errs.push(ParamError::new("by", tx(lang, "followup.param.bad_by")));
            None
        }
    };
    match (org, month, by) {
        (Some(org), Some(month), Some(by)) if errs.is_empty() => {
            Ok((Params { org, month, by }, units))
        }
        _ => Err(me.bad_params(errs, BACK)),
    }
}

// ---- the chart ----------------------------------------------------------------------

pub(crate) struct Tick {
    y: String,
    label: String,
}

pub(crate) struct Bar {
    x: String,
    label_x: String,
    width: String,
    /// On time: top and height.
    on_y: String,
    on_h: String,
    /// Done late, stacked on top.
    late_y: String,
    late_h: String,
    value: String,
    value_y: String,
    month: String,
    year: String,
    title: String,
    empty: bool,
}

pub(crate) struct Chart {
    width: i32,
    height: i32,
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    ticks: Vec<Tick>,
    bars: Vec<Bar>,
}

const W: i32 = 640;
const H: i32 = 270;
const LEFT: i32 = 48;
const RIGHT: i32 = 628;
const TOP: i32 = 14;
const BOTTOM: i32 = 214;

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Lays out the bars of `months`: the on-time share of the women due (the
/// coverage) in full colour, the share done late stacked above it lighter;
/// the axis runs 0–100 %.
fn chart(lang: Lang, months: &[MonthCoverage]) -> Chart {
    let plot = f64::from(BOTTOM - TOP);
    let y = |share: f64| f64::from(BOTTOM) - share.clamp(0.0, 1.0) * plot;
    let ticks = (0..=5)
        .map(|i| {
            let share = f64::from(i) * 0.2;
            Tick {
                y: f1(y(share)),
                label: format!("{}%", i * 20),
            }
        })
        .collect();
    let n = months.len().max(1) as f64;
    let slot = f64::from(RIGHT - LEFT) / n;
    let width = slot * 0.62;
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = f64::from(LEFT) + slot * i as f64 + (slot - width) / 2.0;
            let share = |k: i64| {
                if m.due > 0 {
                    k as f64 / m.due as f64
                } else {
                    0.0
                }
            };
            let on = share(m.on_time);
            let late = share(m.late).min(1.0 - on);
            let top = y(on + late);
            Bar {
                x: f1(x),
                label_x: f1(x + width / 2.0),
                width: f1(width),
                on_y: f1(y(on)),
                on_h: f1(on * plot),
                late_y: f1(top),
                late_h: f1(late * plot),
                value: pct(m.coverage),
                value_y: f1(top - 4.0),
                month: format!("{:02}", m.month.month),
                year: if i == 0 || m.month.month == 1 {
                    m.month.year.to_string()
                } else {
                    String::new()
                },
                title: format!(
                    "{}：{} {} · {} {} · {} {} · {} {} · {} {} · {} {}",
                    m.month,
                    t(lang, "followup.coverage.due"),
                    m.due,
                    t(lang, "followup.coverage.on_time"),
                    m.on_time,
                    t(lang, "followup.coverage.late"),
                    m.late,
                    t(lang, "followup.coverage.missed"),
                    m.missed,
                    t(lang, "followup.coverage.pending"),
                    m.pending,
                    t(lang, "followup.coverage.rate"),
                    pct(m.coverage)
                ),
                empty: m.due == 0,
            }
        })
        .collect();
    Chart {
        width: W,
        height: H,
        left: LEFT,
        right: RIGHT,
        top: TOP,
        bottom: BOTTOM,
        ticks,
        bars,
    }
}

// ---- the page ---------------------------------------------------------------------

pub(crate) struct RowV {
    key: String,
    name: String,
    due: i64,
    on_time: i64,
    late: i64,
    missed: i64,
    pending: i64,
    coverage: String,
}

fn row_v(r: &CoverageRow, name: String) -> RowV {
    RowV {
        key: r.key.clone(),
        name,
        due: r.due,
        on_time: r.on_time,
        late: r.late,
        missed: r.missed,
        pending: r.pending,
        coverage: pct(r.coverage),
    }
}

/// A group's name; an empty key is women without a zone or a worker.
fn group_name(lang: Lang, by: CoverageBy, r: &CoverageRow) -> String {
    if r.key.is_empty() || r.name.is_empty() {
        match by {
            CoverageBy::Zone => tx(lang, "followup.coverage.no_zone"),
            CoverageBy::Worker => tx(lang, "followup.coverage.no_worker"),
            CoverageBy::Village => r.name.clone(),
        }
    } else {
        r.name.clone()
    }
}

pub(crate) struct ByLink {
    href: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "follow_up/coverage.html")]
struct CoveragePage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    org_opts: Vec<Opt>,
    month: String,
    by: &'static str,
    by_label: String,
    by_links: Vec<ByLink>,
    rows: Vec<RowV>,
    total: RowV,
    postpartum: Vec<RowV>,
    postpartum_total: RowV,
    chart: Chart,
    chart_from: String,
    chart_to: String,
    xlsx_href: String,
}

fn by_label(lang: Lang, by: CoverageBy) -> String {
    tx(lang, &format!("followup.coverage.by.{}", by.code()))
}

fn href(path: &str, org: &str, month: YearMonth, by: CoverageBy) -> String {
    format!(
        "{path}?{}",
        crate::kit::params::query_string(&[
            ("org", org),
            ("month", &month.to_string()),
            ("by", by.code())
        ])
    )
}

/// `GET /work/coverage?org=&month=&by=`.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<CoverageQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let (p, units) = params(&st, &me, q).await?;
    let mut from = p.month;
    for _ in 1..CHART_MONTHS {
        from = from.prev();
    }
    let (org, month, by) = (p.org.code.clone(), p.month, p.by);
    let now = today();
    let (report, post, months, rules) = me
        .run(&st, move |db, scope| {
            Ok(
                fu::coverage(db, scope, &org, month, by, now).and_then(|report| {
                    let post = fu::postpartum_completion(db, scope, &org, month, now)?;
                    let months = fu::coverage_by_month(db, scope, &org, from, month, now)?;
                    let rules = fu::list_rules(db, scope)?;
                    Ok((report, post, months, rules))
                }),
            )
        })
        .await?
        .map_err(|e| me.report_fail(e.into(), BACK))?;
    let total_name = tx(lang, "followup.coverage.total");
    // The store names a postpartum rule in Chinese; the page's language
    // comes from the rule itself.
    let rule_name = |r: &CoverageRow| {
        rules
            .iter()
            .find(|x| x.code == r.key)
            .map_or_else(|| r.name.clone(), |x| pick(lang, &x.label_zh, &x.label_en))
    };
    let view = CoveragePage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        org_name: format!("{}（{}）", p.org.name, p.org.code),
        org_opts: org_options(&me, &units, &p.org.code),
        month: p.month.to_string(),
        by: p.by.code(),
        by_label: by_label(lang, p.by),
        by_links: [CoverageBy::Village, CoverageBy::Zone, CoverageBy::Worker]
            .into_iter()
            .map(|b| ByLink {
                href: href("/work/coverage", &p.org.code, p.month, b),
                label: by_label(lang, b),
                current: b == p.by,
            })
            .collect(),
        rows: report
            .rows
            .iter()
            .map(|r| row_v(r, group_name(lang, p.by, r)))
            .collect(),
        total: row_v(&report.total, total_name.clone()),
        postpartum: post.rules.iter().map(|r| row_v(r, rule_name(r))).collect(),
        postpartum_total: row_v(&post.total, total_name),
        chart: chart(lang, &months),
        chart_from: from.to_string(),
        chart_to: p.month.to_string(),
        xlsx_href: href("/work/coverage.xlsx", &p.org.code, p.month, p.by),
    };
    Ok(render(&view, StatusCode::OK))
}

/// `GET /work/coverage.xlsx?org=&month=&by=`: the table as a workbook;
/// the export is audited before the file leaves.
pub async fn xlsx(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<CoverageQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let (p, _) = params(&st, &me, q).await?;
    let (org, month, by) = (p.org.code.clone(), p.month, p.by);
    let detail = format!("org={};month={};by={}", p.org.code, p.month, p.by.code());
    let now = today();
    let report = me
        .run(&st, move |db, scope| {
            Ok(
                fu::coverage(db, scope, &org, month, by, now).and_then(|report| {
                    xlsx::record_export(db, scope, "follow_up_coverage", &detail)?;
                    Ok(report)
                }),
            )
        })
        .await?
        .map_err(|e| me.report_fail(e.into(), BACK))?;
    let line = |name: String, r: &CoverageRow| {
        vec![
            Cell::Text(name),
            Cell::Num(r.due),
            Cell::Num(r.on_time),
            Cell::Num(r.late),
            Cell::Num(r.missed),
            Cell::Num(r.pending),
            r.coverage.map_or(Cell::Empty, Cell::Pct),
        ]
    };
    let title = format!(
        "{} {} {}（{}）",
        p.org.name,
        p.month,
        t(lang, "followup.coverage.title"),
        by_label(lang, p.by)
    );
    let sheet = Sheet {
        name: format!("{} {}", t(lang, "followup.coverage.sheet"), p.month),
        title,
        note: String::new(),
        headers: vec![
            by_label(lang, p.by),
            tx(lang, "followup.coverage.due"),
            tx(lang, "followup.coverage.on_time"),
            tx(lang, "followup.coverage.late"),
            tx(lang, "followup.coverage.missed"),
            tx(lang, "followup.coverage.pending"),
            tx(lang, "followup.coverage.rate"),
        ],
        rows: report
            .rows
            .iter()
            .map(|r| line(group_name(lang, p.by, r), r))
            .collect(),
        total: Some(line(tx(lang, "followup.coverage.total"), &report.total)),
    };
    let bytes = xlsx::workbook(&sheet).page(&me)?;
    Ok(xlsx::download(
        bytes,
        &format!("coverage-{}-{}.xlsx", p.org.code, p.month),
        &format!(
            "{}{}{}.xlsx",
            p.org.name,
            p.month,
            t(lang, "followup.coverage.title")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(month: u32, due: i64, on_time: i64, late: i64) -> MonthCoverage {
        MonthCoverage {
            month: YearMonth { year: 2026, month },
            due,
            on_time,
            late,
            missed: due - on_time - late,
            pending: 0,
            coverage: (due > 0).then(|| on_time as f64 / due as f64),
        }
    }

    #[test]
    fn bars_are_shares_of_the_women_due() {
        let c = chart(Lang::Zh, &[m(1, 10, 5, 5), m(2, 0, 0, 0), m(3, 4, 4, 0)]);
        assert_eq!(c.bars.len(), 3);
        let plot = f64::from(BOTTOM - TOP);
        assert_eq!(c.bars[0].on_h, f1(0.5 * plot));
        assert_eq!(c.bars[0].late_h, f1(0.5 * plot));
        assert_eq!(c.bars[0].late_y, f1(f64::from(TOP)));
        assert!(c.bars[1].empty);
        assert_eq!(c.bars[2].value, "100.0%");
        assert_eq!(c.bars[0].year, "2026");
        assert_eq!(c.bars[1].year, "");
        assert_eq!(c.ticks.len(), 6);
    }
}
