//! Statistics screens (sex ratio at birth, timeliness and the incentive
//! ledger, reconciliation, annual review, the monthly report and its Excel
//! export) and the incentive settings.
//!
//! - `srb`: `GET /stats/srb` (the table by village and the SVG chart by year).
//! - `timeliness`: `GET /stats/timeliness` and `GET /stats/ledger.xlsx`.
//! - `recon`: `GET /stats/reconciliation` and `GET /stats/review`.
//! - `monthly`: `GET /stats/monthly` and `GET /stats/monthly.xlsx`.
//! - `settings`: `GET/POST /admin/settings` (administrators).
//!
//! Every page reads its parameters as text and checks them here: a month
//! like `2026-13`, a date that is not one, or an org unit outside the
//! caller's area answers a 400 page naming the parameter, never a 500. The
//! store filters by the caller's scope again.

use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::org::{pick_org, units};
use crate::kit::page::{PageResult, other_lang, render};
use crate::kit::params::{fmt_month, month_before, query_string};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use hearth_core::dates::{fmt_date, today};
use hearth_core::scope::Permission;
use serde::Deserialize;

pub mod api;
mod monthly;
mod recon;
mod settings;
mod srb;
mod timeliness;

/// The statistics screens' routes.
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

// ---- pages --------------------------------------------------------------------

struct IndexLink {
    href: String,
    title: String,
    hint: String,
}

#[derive(Template)]
#[template(path = "stats/index.html")]
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
) -> PageResult {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let units = units(&st, &me).await?;
    let org = pick_org(&me, &units, &None).map_err(|e| me.bad_params(vec![e], "/"))?;
    let now = today();
    let year = now.year().to_string();
    let (ly, lm) = month_before(now);
    let last_month = fmt_month(ly, lm);
    let link = |path: &str, key: &str, pairs: &[(&str, &str)]| {
        let mut all = vec![("org", org.code.as_str())];
        all.extend_from_slice(pairs);
        IndexLink {
            href: format!("{path}?{}", query_string(&all)),
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
    Ok(render(
        &IndexPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            org_name: format!("{}（{}）", org.name, org.code),
            links,
            is_admin: me.scope.can(Permission::Administer),
        },
        StatusCode::OK,
    ))
}
