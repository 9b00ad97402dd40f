//! Statistics over pregnancies and births: sex ratio at birth (by village
//! and by year) and pregnancy report timeliness with the reporting-incentive
//! ledger. Aggregates only; no names.

use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiQuery, Caller};
use crate::kit::api::opt_date;
use crate::kit::api::renamed;
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use dto::{LedgerDto, SrbReportDto, SrbYearDto, StatsQuery, TimelinessDto, YearsQuery};
use hearth_core::dates::today;
use hearth_core::{FieldError, Reason};
use hearth_store::stats::{self, Period};

pub mod dto;

/// The org unit asked for, or the caller's own.
fn org_of(caller: &Caller, org: Option<&str>) -> String {
    org.map(str::trim)
        .filter(|o| !o.is_empty())
        .map_or_else(|| caller.user.org_code.clone(), str::to_string)
}

/// A yes/no parameter: `true`/`1`/`yes` or `false`/`0`/`no` (default no).
fn flag(name: &str, v: Option<&str>, errs: &mut Vec<FieldError>) -> bool {
    match v.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") | Some("no") => false,
        Some("true") | Some("1") | Some("yes") | Some("on") => true,
        Some(_) => {
            errs.push(FieldError::new(
                name,
                Reason::UnknownValue {
                    allowed: "true/false",
                },
            ));
            false
        }
    }
}

/// The period of a query: `from` defaults to 1 January of this year, `to`
/// to today; `to` may not come before `from`.
fn period_of(q: &StatsQuery, errs: &mut Vec<FieldError>) -> Period {
    let now = today();
    let jan1 = NaiveDate::from_ymd_opt(now.year(), 1, 1).unwrap_or(now);
    let from = opt_date("from", q.from.as_deref(), errs).unwrap_or(jan1);
    let to = opt_date("to", q.to.as_deref(), errs).unwrap_or(now);
    if to < from {
        errs.push(FieldError::new(
            "to",
            Reason::NotBefore {
                zh: "开始日期",
                en: "start date",
            },
        ));
    }
    Period { from, to }
}

fn year_of(name: &str, v: Option<&str>, dflt: i32, errs: &mut Vec<FieldError>) -> i32 {
    match v.map(str::trim) {
        None | Some("") => dflt,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (1950..=2100).contains(&y) => y,
            Ok(_) => {
                errs.push(FieldError::new(
                    name,
                    Reason::OutOfRange {
                        min: 1950,
                        max: 2100,
                    },
                ));
                dflt
            }
            Err(_) => {
                errs.push(FieldError::new(name, Reason::NotANumber));
                dflt
            }
        },
    }
}

/// Sex ratio at birth for an org unit and each of its villages.
#[utoipa::path(
    get,
    path = "/api/v1/stats/srb",
    tag = "statistics",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Live births by sex with the ratio, its 95 % interval (Wilson on the male share) and the birth-order split; verified births only unless asked", body = SrbReportDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org` (outside your area), date or switch", body = ErrorBody),
    )
)]
pub async fn srb(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<SrbReportDto>, ApiError> {
    let mut errs = Vec::new();
    let period = period_of(&q, &mut errs);
    let unverified = flag(
        "include_unverified",
        q.include_unverified.as_deref(),
        &mut errs,
    );
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let org = org_of(&caller, q.org.as_deref());
    let r = caller
        .run(&st, move |db, scope| {
            stats::srb_by_village(db, scope, &org, period, unverified)
        })
        .await
        .map_err(|e| caller.err(renamed(e, "org_code", "org")))?;
    Ok(Json(r.into()))
}

/// Sex ratio at birth for an org unit, year by year.
#[utoipa::path(
    get,
    path = "/api/v1/stats/srb-by-year",
    tag = "statistics",
    security(("bearer" = [])),
    params(YearsQuery),
    responses(
        (status = 200, description = "One entry per year, every year present", body = [SrbYearDto]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org`, year range or switch", body = ErrorBody),
    )
)]
pub async fn srb_by_year(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<YearsQuery>,
) -> Result<Json<Vec<SrbYearDto>>, ApiError> {
    let mut errs = Vec::new();
    let this = today().year();
    let from = year_of("from_year", q.from_year.as_deref(), this - 4, &mut errs);
    let to = year_of("to_year", q.to_year.as_deref(), this, &mut errs);
    if errs.is_empty() && !(0..30).contains(&(to - from)) {
        errs.push(FieldError::new(
            "to_year",
            Reason::OutOfRange {
                min: i64::from(from),
                max: i64::from(from) + 29,
            },
        ));
    }
    let unverified = flag(
        "include_unverified",
        q.include_unverified.as_deref(),
        &mut errs,
    );
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let org = org_of(&caller, q.org.as_deref());
    let years = caller
        .run(&st, move |db, scope| {
            stats::srb_by_year(db, scope, &org, from, to, unverified)
        })
        .await
        .map_err(|e| caller.err(renamed(e, "org_code", "org")))?;
    Ok(Json(
        years
            .into_iter()
            .map(|(year, srb)| SrbYearDto {
                year,
                srb: srb.into(),
            })
            .collect(),
    ))
}

/// Pregnancy report timeliness (reported ≤ 91 days after the LMP) for an
/// org unit and each of its villages.
#[utoipa::path(
    get,
    path = "/api/v1/stats/timeliness",
    tag = "statistics",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Pregnancies reported in the period and the timely share", body = TimelinessDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org` or date", body = ErrorBody),
    )
)]
pub async fn timeliness(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<TimelinessDto>, ApiError> {
    let mut errs = Vec::new();
    let period = period_of(&q, &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let org = org_of(&caller, q.org.as_deref());
    let r = caller
        .run(&st, move |db, scope| {
            stats::timeliness_by_village(db, scope, &org, period)
        })
        .await
        .map_err(|e| caller.err(renamed(e, "org_code", "org")))?;
    Ok(Json(r.into()))
}

/// The reporting-incentive ledger: per village and reporter, timely and
/// late pregnancy reports with the reward and deduction in force.
#[utoipa::path(
    get,
    path = "/api/v1/stats/incentive-ledger",
    tag = "statistics",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The ledger", body = LedgerDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org` or date", body = ErrorBody),
    )
)]
pub async fn incentive_ledger(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<LedgerDto>, ApiError> {
    let mut errs = Vec::new();
    let period = period_of(&q, &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let org = org_of(&caller, q.org.as_deref());
    let r = caller
        .run(&st, move |db, scope| {
            stats::incentive_ledger(db, scope, &org, period)
        })
        .await
        .map_err(|e| caller.err(renamed(e, "org_code", "org")))?;
    Ok(Json(r.into()))
}
