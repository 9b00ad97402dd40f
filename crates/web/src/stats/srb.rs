//! The sex ratio at birth page (出生人口性别比): the table by village with
//! each ratio's 95 % interval and judgement, the birth-order breakdown of
//! the total, the unverified births of the period and the switch to count
//! them, and a chart by year drawn as inline SVG on the server (no script,
//! no external file).

use super::StatsQuery;
use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::Opt;
use crate::kit::org::{org_options, pick_org, units};
use crate::kit::page::{PageResult, other_lang, render};
use crate::kit::params::{ParamError, given, parse_period, query_or_error, query_string};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Datelike;
use hearth_core::Lang;
use hearth_core::dates::fmt_date;
use hearth_core::scope::Permission;
use hearth_core::srb::{NORMAL_HIGH, NORMAL_LOW, SexRatio, SrbFlag};
use hearth_store::stats;

/// Where a refused parameter's page links back to.
const BACK: &str = "/stats/srb";

/// Years the chart shows, ending with the period's last year.
const CHART_YEARS: i32 = 5;

/// A ratio with one decimal, or a dash where none exists.
pub(crate) fn ratio_text(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
}

/// The 95 % interval as `(lo–hi)`; an unbounded upper end (no girls) is ∞.
pub(crate) fn interval_text(r: &SexRatio) -> String {
    match (r.low, r.high) {
        (Some(lo), Some(hi)) => format!("({lo:.1}–{hi:.1})"),
        (Some(lo), None) => format!("({lo:.1}–∞)"),
        _ => "—".to_string(),
    }
}

/// The judgement in words and the row's highlight class.
fn state(lang: Lang, r: &SexRatio) -> (String, &'static str) {
    let class = match r.flag {
        SrbFlag::TooFew => "srb-few",
        SrbFlag::High => "srb-high",
        SrbFlag::Low => "srb-low",
        SrbFlag::Normal => "srb-normal",
    };
    (
        t(lang, &format!("stats.srb.state.{}", r.flag.code())).to_string(),
        class,
    )
}

/// One line of a table as shown.
pub(crate) struct RatioV {
    pub code: String,
    pub name: String,
    pub births: i64,
    pub males: i64,
    pub females: i64,
    pub ratio: String,
    pub interval: String,
    pub state: String,
    pub class: &'static str,
    pub unverified: i64,
}

fn ratio_v(lang: Lang, code: &str, name: &str, r: &SexRatio, unverified: i64) -> RatioV {
    let (state, class) = state(lang, r);
    RatioV {
        code: code.to_string(),
        name: name.to_string(),
        births: r.births(),
        males: r.males,
        females: r.females,
        ratio: ratio_text(r.ratio),
        interval: interval_text(r),
        state,
        class,
        unverified,
    }
}

// ---- the chart ------------------------------------------------------------------

/// A horizontal grid line with its label.
pub(crate) struct Tick {
    pub y: String,
    pub label: String,
}

/// One year's mark: the point, the error bar and the year label.
pub(crate) struct YearMark {
    pub year: i32,
    pub x: String,
    /// The point, when the year has a ratio.
    pub point: Option<String>,
    /// The error bar `(top, bottom)` and whether each end is inside the plot
    /// (an end clipped at the edge gets no cap).
    pub bar: Option<(String, String, bool, bool)>,
    pub few: bool,
    pub label: String,
    pub title: String,
}

/// The chart's geometry, all numbers formatted for the SVG attributes.
pub(crate) struct Chart {
    pub width: i32,
    pub height: i32,
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
    pub band_y: String,
    pub band_h: String,
    pub ticks: Vec<Tick>,
    pub marks: Vec<YearMark>,
    pub cap_l: String,
}

const W: i32 = 640;
const H: i32 = 300;
const LEFT: i32 = 56;
const RIGHT: i32 = 620;
const TOP: i32 = 16;
const BOTTOM: i32 = 250;

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// Lays out the chart of `years` (each with its ratio): the value axis
/// spans every ratio and interval end (and the 103–107 band), within
/// 50–200 so one tiny year cannot flatten the rest.
pub(crate) fn chart(lang: Lang, years: &[(i32, SexRatio)]) -> Chart {
    let mut lo = 100.0_f64;
    let mut hi = 110.0_f64;
    for (_, r) in years {
        for v in [r.ratio, r.low, r.high].into_iter().flatten() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let step = if hi - lo > 80.0 { 20.0 } else { 10.0 };
    let lo = ((lo / step).floor() * step).max(50.0);
    let hi = ((hi / step).ceil() * step).min(200.0).max(lo + step);
    let y = |v: f64| {
        let v = v.clamp(lo, hi);
        f64::from(BOTTOM) - (v - lo) / (hi - lo) * f64::from(BOTTOM - TOP)
    };
    let mut ticks = Vec::new();
    let mut v = lo;
    while v <= hi + 1e-9 {
        ticks.push(Tick {
            y: f1(y(v)),
            label: format!("{v:.0}"),
        });
        v += step;
    }
    let n = years.len().max(1) as f64;
    let slot = f64::from(RIGHT - LEFT) / n;
    let marks = years
        .iter()
        .enumerate()
        .map(|(i, (year, r))| {
            let x = f64::from(LEFT) + slot * (i as f64 + 0.5);
            let few = r.flag == SrbFlag::TooFew;
            let bar = match (r.low, r.high) {
                (Some(l), h) => {
                    let top = h.unwrap_or(f64::INFINITY);
                    Some((f1(y(top)), f1(y(l)), top <= hi, l >= lo))
                }
                _ => None,
            };
            let (state, _) = state(lang, r);
            YearMark {
                year: *year,
                x: f1(x),
                point: r.ratio.map(|v| f1(y(v))),
                bar,
                few,
                label: ratio_text(r.ratio),
                title: format!(
                    "{year}：{} {} {} · {} {} · {}",
                    t(lang, "stats.srb.col.ratio"),
                    ratio_text(r.ratio),
                    interval_text(r),
                    t(lang, "stats.srb.col.births"),
                    r.births(),
                    state
                ),
            }
        })
        .collect();
    let band_top = y(NORMAL_HIGH);
    Chart {
        width: W,
        height: H,
        left: LEFT,
        right: RIGHT,
        top: TOP,
        bottom: BOTTOM,
        band_y: f1(band_top),
        band_h: f1(y(NORMAL_LOW) - band_top),
        ticks,
        marks,
        cap_l: "-6".into(),
    }
}

// ---- the page -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "stats/srb.html")]
struct SrbPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    org_opts: Vec<Opt>,
    from: String,
    to: String,
    include_unverified: bool,
    unverified: i64,
    switch_href: String,
    villages: Vec<RatioV>,
    total: RatioV,
    orders: Vec<RatioV>,
    chart: Chart,
    chart_from: i32,
    chart_to: i32,
}

/// `GET /stats/srb?org=&from=&to=&unverified=1`.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let q = query_or_error(q, lang).map_err(|e| me.bad_params(e, BACK))?;
    let units = units(&st, &me).await?;
    let mut errs: Vec<ParamError> = Vec::new();
    let org = pick_org(&me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let period = parse_period(&q.from, &q.to, lang)
        .map_err(|e| errs.extend(e))
        .ok();
    let include = match given(&q.unverified) {
        None | Some("0") => false,
        Some("1" | "on" | "yes") => true,
        Some(_) => {
            errs.push(ParamError::new(
                "unverified",
                t(lang, "stats.param.bad_switch").to_string(),
            ));
            false
        }
    };
    let (Some(org), Some(period)) = (org, period) else {
        return Err(me.bad_params(errs, BACK));
    };
    if !errs.is_empty() {
        return Err(me.bad_params(errs, BACK));
    }
    let to_year = period.to.year();
    let from_year = to_year - (CHART_YEARS - 1);
    let code = org.code.clone();
    let (report, years) = me
        .run_report(&st, BACK, move |db, scope| {
            let report = stats::srb_by_village(db, scope, &code, period, include)?;
            let years = stats::srb_by_year(db, scope, &code, from_year, to_year, include)?;
            Ok((report, years))
        })
        .await?;
    // One mark per year, a year the store left out drawn as no births.
    let years: Vec<(i32, SexRatio)> = (from_year..=to_year)
        .map(|y| {
            years
                .iter()
                .find(|(yy, _)| *yy == y)
                .map_or((y, SexRatio::of(0, 0)), |(_, r)| (y, *r))
        })
        .collect();
    let from = fmt_date(period.from);
    let to = fmt_date(period.to);
    let switch_href = format!(
        "/stats/srb?{}",
        query_string(&[
            ("org", &org.code),
            ("from", &from),
            ("to", &to),
            ("unverified", if include { "" } else { "1" }),
        ])
    );
    let order_keys = [
        "stats.srb.order.1",
        "stats.srb.order.2",
        "stats.srb.order.3",
    ];
    let orders = report
        .total
        .by_order
        .iter()
        .zip(order_keys)
        .map(|(r, k)| ratio_v(lang, "", t(lang, k), r, 0))
        .collect();
    let total_name = t(lang, "stats.total");
    let view = SrbPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        org_name: org.name.clone(),
        org_opts: org_options(&me, &units, &org.code),
        from,
        to,
        include_unverified: report.include_unverified,
        unverified: report.total.unverified,
        switch_href,
        villages: report
            .villages
            .iter()
            .map(|v| ratio_v(lang, &v.org_code, &v.org_name, &v.srb, v.unverified))
            .collect(),
        total: ratio_v(
            lang,
            &report.total.org_code,
            total_name,
            &report.total.srb,
            report.total.unverified,
        ),
        orders,
        chart: chart(lang, &years),
        chart_from: from_year,
        chart_to: to_year,
    };
    Ok(render(&view, StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        let r = SexRatio::of(550, 450);
        assert_eq!(ratio_text(r.ratio), "122.2");
        assert_eq!(interval_text(&r), "(107.9–138.4)");
        assert_eq!(interval_text(&SexRatio::of(0, 0)), "—");
        assert!(interval_text(&SexRatio::of(5, 0)).ends_with("–∞)"));
        assert_eq!(state(Lang::Zh, &r).1, "srb-high");
    }

    #[test]
    fn chart_has_one_mark_per_year() {
        let years = vec![
            (2022, SexRatio::of(550, 450)),
            (2023, SexRatio::of(10, 1)),
            (2024, SexRatio::of(0, 0)),
        ];
        let c = chart(Lang::Zh, &years);
        assert_eq!(c.marks.len(), 3);
        assert!(c.marks[1].few && !c.marks[0].few);
        assert!(c.marks[2].point.is_none());
        // The tiny year's interval is clipped at the top, so no cap there.
        assert!(c.marks[1].bar.as_ref().is_some_and(|b| !b.2));
        assert!(c.ticks.len() >= 2);
    }
}
