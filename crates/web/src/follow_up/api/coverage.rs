//! The follow-up coverage indicators: monthly coverage of an org unit by
//! village, zone or worker; month by month for the chart; postpartum visit
//! completion. Aggregates only; no names of women.

use super::dto::{
    CoverageDto, CoverageQuery, MonthCoverageDto, MonthsQuery, PostpartumDto, PostpartumQuery,
};
use super::{month_param, org_param, org_renamed};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiQuery, Caller};
use axum::Json;
use axum::extract::State;
use hearth_core::dates::today;
use hearth_core::follow_up::YearMonth;
use hearth_core::{FieldError, Reason};
use hearth_store::follow_up::{self, CoverageBy};

/// At most this many months on the chart.
const MAX_MONTHS: i64 = 60;

fn months_between(from: YearMonth, to: YearMonth) -> i64 {
    i64::from(to.year - from.year) * 12 + i64::from(to.month) - i64::from(from.month)
}

/// Monthly coverage of an org unit: women due a monthly contact in the
/// month, of whom done on time (a visit in the month by an allowed mode),
/// late (within one more month), missed, or still pending; coverage = on
/// time / due. Grouped by village, zone or worker.
#[utoipa::path(
    get,
    path = "/api/v1/coverage",
    tag = "coverage",
    security(("bearer" = [])),
    params(CoverageQuery),
    responses(
        (status = 200, description = "One row per group and the total", body = CoverageDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org` (outside your area), `month` (YYYY-MM) or `by`", body = ErrorBody),
    )
)]
pub async fn coverage(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<CoverageDto>, ApiError> {
    let mut errs = Vec::new();
    let org = org_param(&caller, "org", q.org.as_deref(), &mut errs);
    let month = month_param("month", q.month.as_deref(), &mut errs);
    let by = match CoverageBy::parse(q.by.as_deref().unwrap_or("")) {
        Some(b) => b,
        None => {
            errs.push(FieldError::new(
                "by",
                Reason::UnknownValue {
                    allowed: "village/zone/worker",
                },
            ));
            CoverageBy::Village
        }
    };
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let r = caller
        .run(&st, move |db, scope| {
            follow_up::coverage(db, scope, &org, month, by, today())
        })
        .await
        .map_err(|e| caller.err(org_renamed(e, "org")))?;
    Ok(Json(r.into()))
}

/// An org unit's monthly coverage for each month of a range, for the chart.
#[utoipa::path(
    get,
    path = "/api/v1/coverage/months",
    tag = "coverage",
    security(("bearer" = [])),
    params(MonthsQuery),
    responses(
        (status = 200, description = "One entry per month, oldest first", body = [MonthCoverageDto]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org`, `from` or `to` (YYYY-MM, at most 60 months)", body = ErrorBody),
    )
)]
pub async fn coverage_months(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MonthsQuery>,
) -> Result<Json<Vec<MonthCoverageDto>>, ApiError> {
    let mut errs = Vec::new();
    let org = org_param(&caller, "org", q.org.as_deref(), &mut errs);
    let to = month_param("to", q.to.as_deref(), &mut errs);
    let from = match q.from.as_deref().map(str::trim) {
        None | Some("") => {
            let mut m = to;
            for _ in 0..11 {
                m = m.prev();
            }
            m
        }
        Some(_) => month_param("from", q.from.as_deref(), &mut errs),
    };
    if errs.is_empty() {
        let span = months_between(from, to);
        if span < 0 {
            errs.push(FieldError::new(
                "to",
                Reason::NotBefore {
                    zh: "开始月份",
                    en: "first month",
                },
            ));
        } else if span >= MAX_MONTHS {
            errs.push(FieldError::new(
                "to",
                Reason::NotAfter {
                    zh: "开始月份后第 60 个月",
                    en: "60th month after the first",
                },
            ));
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let rows = caller
        .run(&st, move |db, scope| {
            follow_up::coverage_by_month(db, scope, &org, from, to, today())
        })
        .await
        .map_err(|e| caller.err(org_renamed(e, "org")))?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Postpartum visit completion: the postpartum home-visit contacts whose
/// window ends in the month (the 42-day reminder not counted), per rule and
/// in total.
#[utoipa::path(
    get,
    path = "/api/v1/coverage/postpartum",
    tag = "coverage",
    security(("bearer" = [])),
    params(PostpartumQuery),
    responses(
        (status = 200, description = "Due, on time, late, missed and pending per rule and in total", body = PostpartumDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read statistics", body = ErrorBody),
        (status = 422, description = "A bad `org` or `month`", body = ErrorBody),
    )
)]
pub async fn coverage_postpartum(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PostpartumQuery>,
) -> Result<Json<PostpartumDto>, ApiError> {
    let mut errs = Vec::new();
    let org = org_param(&caller, "org", q.org.as_deref(), &mut errs);
    let month = month_param("month", q.month.as_deref(), &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let r = caller
        .run(&st, move |db, scope| {
            follow_up::postpartum_completion(db, scope, &org, month, today())
        })
        .await
        .map_err(|e| caller.err(org_renamed(e, "org")))?;
    Ok(Json(r.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_spans() {
        let m = |y, mo| YearMonth::new(y, mo).unwrap_or_else(|| panic!("{y}-{mo}"));
        assert_eq!(months_between(m(2026, 1), m(2026, 1)), 0);
        assert_eq!(months_between(m(2025, 11), m(2026, 2)), 3);
        assert_eq!(months_between(m(2026, 2), m(2025, 11)), -3);
    }
}
