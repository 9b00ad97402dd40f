//! Birth registrations against births: the monthly reconciliation by
//! village with the service-visit work list (registrations over 12 months
//! old with no pregnancy or birth), and the annual review list (年审). Both
//! name people, so they are for signed-in staff of the area only and the
//! store audits their reading.

use super::{
    ParamError, StatsQuery, bad_params, fail, fmt_month, given, month_before, org_options,
    parse_month, parse_year, pick_org, query_or_error, report_fail, require_stats, units,
};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, t};
use crate::kit::page::{other_lang, render};
use crate::register::{Opt, blocking, options};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use hearth_core::dates::today;
use hearth_core::scope::Permission;
use hearth_store::stats::{self, ReconRow, ReviewRow, StaleRegistration};

/// The named lists need the register; a statistics-only role is refused.
fn require_register(me: &SignedIn) -> Option<Response> {
    require_stats(me).or_else(|| {
        (!me.scope.can(Permission::ReadRegister)).then(|| fail(me, WebError::Forbidden))
    })
}

#[derive(Template)]
#[template(path = "stats/reconciliation.html")]
struct ReconPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    org_opts: Vec<Opt>,
    month: String,
    villages: Vec<ReconRow>,
    total: ReconRow,
    stale: Vec<StaleRegistration>,
    /// The named work list is shown to roles that read the register only.
    named: bool,
}

/// `GET /stats/reconciliation?org=&month=YYYY-MM` (last month by default);
/// a statistics-only role sees the counts without the named work list.
pub async fn reconciliation(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> Response {
    if let Some(r) = require_stats(&me) {
        return r;
    }
    let lang = me.ctx.lang;
    let back = "/stats/reconciliation";
    let q = match query_or_error(q, lang) {
        Ok(q) => q,
        Err(e) => return bad_params(&me, e, back),
    };
    let units = match units(&st, &me).await {
        Ok(u) => u,
        Err(e) => return fail(&me, e),
    };
    let mut errs: Vec<ParamError> = Vec::new();
    let org = pick_org(&me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let month = parse_month(&q.month, month_before(today()), lang)
        .map_err(|e| errs.push(e))
        .ok();
    let (Some(org), Some((y, m))) = (org, month) else {
        return bad_params(&me, errs, back);
    };
    let (db, scope, code) = (st.db.clone(), me.scope.clone(), org.code.clone());
    let r = match blocking(move || stats::reconciliation(&db, &scope, &code, y, m)).await {
        Ok(r) => r,
        Err(e) => return report_fail(&me, e, back),
    };
    let mut total = r.total;
    total.village_name = t(lang, "stats.total").to_string();
    render(
        &ReconPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            org_name: org.name.clone(),
            org_opts: org_options(&me, &units, &org.code),
            month: fmt_month(y, m),
            villages: r.villages,
            total,
            stale: r.stale,
            named: me.scope.can(Permission::ReadRegister),
        },
        StatusCode::OK,
    )
}

struct ReviewV {
    row: ReviewRow,
    status: String,
}

#[derive(Template)]
#[template(path = "stats/review.html")]
struct ReviewPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    org_name: String,
    org_opts: Vec<Opt>,
    year: i32,
    reviewed_opts: Vec<Opt>,
    rows: Vec<ReviewV>,
    done: usize,
}

/// `GET /stats/review?org=&year=&reviewed=yes|no|all`.
pub async fn review(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> Response {
    if let Some(r) = require_register(&me) {
        return r;
    }
    let lang = me.ctx.lang;
    let back = "/stats/review";
    let q = match query_or_error(q, lang) {
        Ok(q) => q,
        Err(e) => return bad_params(&me, e, back),
    };
    let units = match units(&st, &me).await {
        Ok(u) => u,
        Err(e) => return fail(&me, e),
    };
    let mut errs: Vec<ParamError> = Vec::new();
    let org = pick_org(&me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let year = parse_year(&q.year, today().year(), lang)
        .map_err(|e| errs.push(e))
        .ok();
    let reviewed = match given(&q.reviewed) {
        None | Some("all") => Some(None),
        Some("yes") => Some(Some(true)),
        Some("no") => Some(Some(false)),
        Some(_) => {
            errs.push(ParamError::new(
                "reviewed",
                t(lang, "stats.param.bad_reviewed").to_string(),
            ));
            None
        }
    };
    let (Some(org), Some(year), Some(reviewed)) = (org, year, reviewed) else {
        return bad_params(&me, errs, back);
    };
    let (db, scope, code) = (st.db.clone(), me.scope.clone(), org.code.clone());
    let rows =
        match blocking(move || stats::annual_review(&db, &scope, &code, year, reviewed)).await {
            Ok(r) => r,
            Err(e) => return report_fail(&me, e, back),
        };
    let current = match reviewed {
        None => "all",
        Some(true) => "yes",
        Some(false) => "no",
    };
    let reviewed_opts = options(
        current,
        None,
        ["all", "no", "yes"].into_iter().map(|v| {
            (
                v.to_string(),
                t(lang, &format!("stats.review.show.{v}")).to_string(),
            )
        }),
    );
    let done = rows.iter().filter(|r| r.reviewed).count();
    let rows = rows
        .into_iter()
        .map(|row| ReviewV {
            status: crate::kit::params::word(lang, "screens.reg.status", row.status.code()),
            row,
        })
        .collect();
    render(
        &ReviewPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            org_name: org.name.clone(),
            org_opts: org_options(&me, &units, &org.code),
            year,
            reviewed_opts,
            rows,
            done,
        },
        StatusCode::OK,
    )
}
