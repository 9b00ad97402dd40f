//! Birth registrations against births: the monthly reconciliation by
//! village with the service-visit work list (registrations over 12 months
//! old with no pregnancy or birth), and the annual review list (年审). Both
//! name people, so they are for signed-in staff of the area only and the
//! store audits their reading.

use super::StatsQuery;
use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::{Opt, options};
use crate::kit::labels::registration_status_label;
use crate::kit::org::{org_options, pick_org, units};
use crate::kit::page::{PageResult, other_lang, render};
use crate::kit::params::{
    ParamError, fmt_month, given, month_before, parse_month, parse_year, query_or_error,
};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Datelike;
use hearth_core::dates::today;
use hearth_core::scope::Permission;
use hearth_store::stats::{self, ReconRow, ReviewRow, StaleRegistration};

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
) -> PageResult {
    me.require(Permission::ReadStatistics)?;
    let lang = me.ctx.lang;
    let back = "/stats/reconciliation";
    let q = query_or_error(q, lang).map_err(|e| me.bad_params(e, back))?;
    let units = units(&st, &me).await?;
    let mut errs: Vec<ParamError> = Vec::new();
    let org = pick_org(&me, &units, &q.org).map_err(|e| errs.push(e)).ok();
    let month = parse_month(&q.month, month_before(today()), lang)
        .map_err(|e| errs.push(e))
        .ok();
    let (Some(org), Some((y, m))) = (org, month) else {
        return Err(me.bad_params(errs, back));
    };
    let code = org.code.clone();
    let r = me
        .run_report(&st, back, move |db, scope| {
            stats::reconciliation(db, scope, &code, y, m)
        })
        .await?;
    let mut total = r.total;
    total.village_name = t(lang, "stats.total").to_string();
    Ok(render(
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
    ))
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

/// `GET /stats/review?org=&year=&reviewed=yes|no|all`: the named list
/// needs the register as well as the statistics.
pub async fn review(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<StatsQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::ReadStatistics)?;
    me.require(Permission::ReadRegister)?;
    let lang = me.ctx.lang;
    let back = "/stats/review";
    let q = query_or_error(q, lang).map_err(|e| me.bad_params(e, back))?;
    let units = units(&st, &me).await?;
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
        return Err(me.bad_params(errs, back));
    };
    let code = org.code.clone();
    let rows = me
        .run_report(&st, back, move |db, scope| {
            stats::annual_review(db, scope, &code, year, reviewed)
        })
        .await?;
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
            status: registration_status_label(lang, row.status),
            row,
        })
        .collect();
    Ok(render(
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
    ))
}
