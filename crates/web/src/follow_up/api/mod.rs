//! The follow-up service's teams and schedules: zones with their
//! responsible workers, each woman's assignment (谁随访谁管理) and the
//! village's unassigned women, the schedule rules, a woman's due contacts
//! and the work lists. Visits, procedures and needs are in
//! `visits`, the coverage indicators in `coverage`.

pub mod coverage;
pub mod dto;
pub mod visits;

use super::is_worker;
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{body_id, opt_date};
use crate::kit::api::{created, record, village_filter};
use crate::kit::api_org::org_param;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use dto::{
    AssignBody, AssignmentDto, AssignmentOf, NewZoneBody, RuleBody, RuleDto, RulesDto, ScheduleDto,
    ScheduleQuery, UnassignedList, VillageQuery, WorkListDto, WorkListQuery, ZoneBody, ZoneDto,
    ZoneList,
};
use hearth_core::dates::{fmt_date, today};
use hearth_core::follow_up::{RuleInput, YearMonth};
use hearth_core::scope::Permission;
use hearth_core::{FieldError, Lang, Reason};
use hearth_store::StoreError;
use hearth_store::follow_up;

/// At most this many days between a schedule's `from` and `to`.
const MAX_SCHEDULE_DAYS: i64 = 5 * 366;
/// Workers listed as having the most overdue contacts.
const WORST_WORKERS: usize = 10;

/// A store error whose org-unit field is named as the API parameter
/// `to` (the store says `org_code` or `village_code`).
pub(crate) fn org_renamed(e: StoreError, to: &str) -> StoreError {
    let e = crate::kit::api::renamed(e, "org_code", to);
    let e = crate::kit::api::renamed(e, "village_code", to);
    crate::kit::api::renamed(e, "village", to)
}

/// A village parameter (or the caller's own org unit when that is a
/// village): a 12-digit code of the caller's area.
fn village_param(caller: &Caller, v: Option<&str>) -> Result<String, ApiError> {
    let mut errs = Vec::new();
    let code = org_param(caller, "village", v, &mut errs);
    if errs.is_empty() && code.len() != 12 {
        errs.push(FieldError::new(
            "village",
            Reason::WrongOrgLevel { expected: "村居" },
        ));
    }
    if errs.is_empty() {
        Ok(code)
    } else {
        Err(ApiError::invalid(errs, caller.lang))
    }
}

/// A month parameter `YYYY-MM` (this month when absent).
pub(crate) fn month_param(name: &str, v: Option<&str>, errs: &mut Vec<FieldError>) -> YearMonth {
    let this = YearMonth::of(today());
    match v.map(str::trim) {
        None | Some("") => this,
        Some(s) => YearMonth::parse(s)
            .map_err(|_| {
                errs.push(FieldError::new(
                    name,
                    Reason::UnknownValue { allowed: "YYYY-MM" },
                ));
            })
            .unwrap_or(this),
    }
}

// ---- zones ------------------------------------------------------------------

/// The 409 of a stale zone change, with the zone as it is now.
async fn zone_conflict(st: &AppState, caller: &Caller, id: String) -> ApiError {
    match caller
        .run(st, move |db, scope| follow_up::get_zone(db, scope, &id))
        .await
    {
        Ok(z) => {
            let version = z.version;
            let current = serde_json::to_value(ZoneDto::from(z)).unwrap_or_default();
            ApiError::conflict_with(caller.lang, current, version)
        }
        Err(e) => caller.err(e),
    }
}

/// The zones of a village, by name, with their workers and how many women
/// each holds.
#[utoipa::path(
    get,
    path = "/api/v1/zones",
    tag = "zones",
    security(("bearer" = [])),
    params(VillageQuery),
    responses(
        (status = 200, description = "The village's zones, and the users who may be named their workers", body = ZoneList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad `village` (not a village of your area)", body = ErrorBody),
    )
)]
pub async fn list_zones(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VillageQuery>,
) -> Result<Json<ZoneList>, ApiError> {
    let village = village_param(&caller, q.village.as_deref())?;
    let v = village.clone();
    let (zones, workers) = caller
        .run(&st, move |db, scope| {
            let zones = follow_up::list_zones(db, scope, &v)?;
            let workers = if scope.can(Permission::WriteRegister) {
                follow_up::workers_for(db, scope, &v)?
            } else {
                Vec::new()
            };
            Ok((zones, workers))
        })
        .await
        .map_err(|e| caller.err(org_renamed(e, "village")))?;
    Ok(Json(ZoneList {
        village,
        items: zones.into_iter().map(Into::into).collect(),
        workers: workers.into_iter().map(Into::into).collect(),
    }))
}

/// Create a zone of a village of your area.
#[utoipa::path(
    post,
    path = "/api/v1/zones",
    tag = "zones",
    security(("bearer" = [])),
    request_body = NewZoneBody,
    responses(
        (status = 201, description = "Created", body = ZoneDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new zone's address"))),
        (status = 200, description = "A retry with the same `id`: the first zone", body = ZoneDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change zones", body = ErrorBody),
        (status = 422, description = "Refused fields: `village`, `name` (empty, too long, taken in the village), `worker_id` (not a user who may follow up there)", body = ErrorBody),
    )
)]
pub async fn create_zone(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewZoneBody>,
) -> Result<Response, ApiError> {
    let id = body_id(body.id.as_deref(), caller.lang)?;
    let village = village_param(
        &caller,
        Some(body.village.as_str()).filter(|v| !v.is_empty()),
    )?;
    let worker = village_filter(body.worker_id.as_deref());
    let name = body.name;
    let made = caller
        .run(&st, move |db, scope| {
            follow_up::create_zone(db, scope, id.as_deref(), &village, &name, worker.as_deref())
        })
        .await
        .map_err(|e| caller.err(org_renamed(e, "village")))?;
    let (z, retried) = made;
    let location = format!("/api/v1/zones/{}", z.id);
    let version = z.version;
    Ok(created(retried, &ZoneDto::from(z), version, &location))
}

/// Read one zone.
#[utoipa::path(
    get,
    path = "/api/v1/zones/{id}",
    tag = "zones",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The zone's id")),
    responses(
        (status = 200, description = "The zone", body = ZoneDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such zone in your area", body = ErrorBody),
    )
)]
pub async fn get_zone(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let z = caller
        .run(&st, move |db, scope| follow_up::get_zone(db, scope, &id))
        .await
        .map_err(|e| caller.err(e))?;
    let version = z.version;
    Ok(record(StatusCode::OK, &ZoneDto::from(z), version))
}

/// Rename a zone and/or name its worker. Changing the worker moves every
/// woman of the zone to the new worker in the same audited action; a zone
/// that holds women cannot be left without a worker.
#[utoipa::path(
    put,
    path = "/api/v1/zones/{id}",
    tag = "zones",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The zone's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = ZoneBody,
    responses(
        (status = 200, description = "Changed", body = ZoneDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change zones", body = ErrorBody),
        (status = 404, description = "No such zone in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the zone now", body = ErrorBody),
        (status = 422, description = "Refused fields: `name`, `worker_id`", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn update_zone(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<ZoneBody>,
) -> Result<Response, ApiError> {
    let worker = village_filter(body.worker_id.as_deref());
    let name = body.name;
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            follow_up::update_zone(db, scope, &key, version, &name, worker.as_deref())
        })
        .await;
    match res {
        Ok(z) => {
            let version = z.version;
            Ok(record(StatusCode::OK, &ZoneDto::from(z), version))
        }
        Err(StoreError::Conflict { .. }) => Err(zone_conflict(&st, &caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}

// ---- assignments -------------------------------------------------------------

/// A woman's responsible worker, if she has one.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/assignment",
    tag = "zones",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Her zone and responsible worker (`assignment` absent when she has none)", body = AssignmentOf),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such person in your area", body = ErrorBody),
    )
)]
pub async fn get_assignment(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AssignmentOf>, ApiError> {
    let key = id.clone();
    let a = caller
        .run(&st, move |db, scope| {
            follow_up::assignment_of(db, scope, &key)
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(AssignmentOf {
        person_id: id,
        assignment: a.map(Into::into),
    }))
}

/// Put a woman in a zone of her village: her responsible worker becomes
/// the zone's worker (one action, audited; it replaces any earlier
/// assignment, so she is never without a worker in between).
#[utoipa::path(
    put,
    path = "/api/v1/persons/{id}/assignment",
    tag = "zones",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The person's id")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "Assigned", body = AssignmentDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change assignments", body = ErrorBody),
        (status = 404, description = "No such person in your area", body = ErrorBody),
        (status = 422, description = "Refused `zone_id` (unknown, of another village, or without a worker)", body = ErrorBody),
    )
)]
pub async fn put_assignment(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<AssignmentDto>, ApiError> {
    let zone = body.zone_id.trim().to_string();
    if zone.is_empty() {
        return Err(ApiError::field("zone_id", Reason::Required, caller.lang));
    }
    let a = caller
        .run(&st, move |db, scope| {
            // The zone is named in the body: an unknown one is a field error.
            follow_up::get_zone(db, scope, &zone).map_err(|e| match e {
                StoreError::NotFound => StoreError::field(
                    "zone_id",
                    Reason::UnknownValue {
                        allowed: "a zone of her village",
                    },
                ),
                e => e,
            })?;
            follow_up::assign(db, scope, &id, &zone)
        })
        .await
        .map_err(|e| caller.err(crate::kit::api::renamed(e, "zone", "zone_id")))?;
    Ok(Json(a.into()))
}

/// The women of a village who need a responsible worker (15–49, an open
/// pregnancy or a birth in the last 60 days) and have none. The list must
/// be empty: anything on it is a problem to fix.
#[utoipa::path(
    get,
    path = "/api/v1/assignments/unassigned",
    tag = "zones",
    security(("bearer" = [])),
    params(VillageQuery),
    responses(
        (status = 200, description = "Women without a responsible worker (audited as a list view)", body = UnassignedList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad `village`", body = ErrorBody),
    )
)]
pub async fn list_unassigned(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VillageQuery>,
) -> Result<Json<UnassignedList>, ApiError> {
    let village = village_param(&caller, q.village.as_deref())?;
    let v = village.clone();
    let rows = caller
        .run(&st, move |db, scope| {
            follow_up::unassigned(db, scope, &v, today())
        })
        .await
        .map_err(|e| caller.err(org_renamed(e, "village")))?;
    Ok(Json(UnassignedList {
        village,
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

// ---- rules --------------------------------------------------------------------

/// The schedule rules (rules are data) and the visit topics.
#[utoipa::path(
    get,
    path = "/api/v1/schedule-rules",
    tag = "schedules",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rules in display order, and the topics a visit may cover", body = RulesDto),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn list_rules(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<RulesDto>, ApiError> {
    let (rules, topics) = caller
        .run(&st, |db, scope| {
            Ok((
                follow_up::list_rules(db, scope)?,
                follow_up::list_topics(db, scope)?,
            ))
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(RulesDto {
        rules: rules.into_iter().map(Into::into).collect(),
        topics: topics.into_iter().map(Into::into).collect(),
    }))
}

/// Change a schedule rule's window, modes or active flag (administrators).
/// Schedules follow at once: due contacts are computed from the rules.
#[utoipa::path(
    put,
    path = "/api/v1/schedule-rules/{code}",
    tag = "schedules",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "The rule's code, e.g. `postpartum_d3`"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = RuleBody,
    responses(
        (status = 200, description = "Changed", body = RuleDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only administrators change rules", body = ErrorBody),
        (status = 404, description = "No such rule", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the rule now", body = ErrorBody),
        (status = 422, description = "Refused fields: `from_day`, `to_day`, `modes`", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn update_rule(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<RuleBody>,
) -> Result<Response, ApiError> {
    let input = RuleInput {
        from_day: body.from_day.map(|d| d.to_string()).unwrap_or_default(),
        to_day: body.to_day.map(|d| d.to_string()).unwrap_or_default(),
        modes: body.modes.join(","),
        active: body.active.unwrap_or(true),
    };
    let key = code.clone();
    let res = caller
        .run(&st, move |db, scope| {
            follow_up::update_rule(db, scope, &key, version, &input)
        })
        .await;
    match res {
        Ok(r) => {
            let version = r.version;
            Ok(record(StatusCode::OK, &RuleDto::from(r), version))
        }
        Err(StoreError::Conflict { .. }) => {
            let found = caller
                .run(&st, follow_up::list_rules)
                .await
                .map_err(|e| caller.err(e))?
                .into_iter()
                .find(|r| r.code == code);
            Err(match found {
                Some(r) => {
                    let version = r.version;
                    let current = serde_json::to_value(RuleDto::from(r)).unwrap_or_default();
                    ApiError::conflict_with(caller.lang, current, version)
                }
                None => ApiError::store(StoreError::NotFound, caller.lang),
            })
        }
        Err(e) => Err(caller.err(e)),
    }
}

// ---- schedules and work lists ---------------------------------------------------

/// The period of a schedule query; both ends checked.
fn schedule_period(
    q: &ScheduleQuery,
    lang: Lang,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ApiError> {
    let mut errs = Vec::new();
    let now = today();
    let this = YearMonth::of(now);
    let from = opt_date("from", q.from.as_deref(), &mut errs)
        .unwrap_or_else(|| this.prev().prev().prev().first_day());
    let to = opt_date("to", q.to.as_deref(), &mut errs).unwrap_or_else(|| this.next().last_day());
    if errs.is_empty() {
        if to < from {
            errs.push(FieldError::new(
                "to",
                Reason::NotBefore {
                    zh: "开始日期",
                    en: "start date",
                },
            ));
        } else if to - from > Duration::days(MAX_SCHEDULE_DAYS) {
            errs.push(FieldError::new(
                "to",
                Reason::NotAfter {
                    zh: "开始日期五年后",
                    en: "date five years after the start",
                },
            ));
        }
    }
    if errs.is_empty() {
        Ok((from, to))
    } else {
        Err(ApiError::invalid(errs, lang))
    }
}

/// A woman's due contacts whose window meets the period, with where each
/// stands today (`due`, `overdue`, `done`, `done_late`, `missed`). They are
/// computed from her facts — age, pregnancies, births, procedures, visits —
/// so they follow the facts as they change. Audited as a view.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/schedule",
    tag = "schedules",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The person's id"), ScheduleQuery),
    responses(
        (status = 200, description = "Her due contacts, by window start", body = ScheduleDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such person in your area", body = ErrorBody),
        (status = 422, description = "A bad `from` or `to`", body = ErrorBody),
    )
)]
pub async fn person_schedule(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ScheduleQuery>,
) -> Result<Json<ScheduleDto>, ApiError> {
    let (from, to) = schedule_period(&q, caller.lang)?;
    let now = today();
    let key = id.clone();
    let contacts = caller
        .run(&st, move |db, scope| {
            follow_up::schedule(db, scope, &key, from, to, now)
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(ScheduleDto {
        person_id: id,
        from: fmt_date(from),
        to: fmt_date(to),
        today: fmt_date(now),
        contacts: contacts.into_iter().map(Into::into).collect(),
    }))
}

/// The work list: contacts due today, this week and overdue, and open
/// needs, grouped by zone and household. A follow-up worker gets her own;
/// specialists and town staff get their whole area (with the workers who
/// have the most overdue contacts) or one worker's with `worker`.
#[utoipa::path(
    get,
    path = "/api/v1/work-list",
    tag = "schedules",
    security(("bearer" = [])),
    params(WorkListQuery),
    responses(
        (status = 200, description = "The work list (audited as a list view)", body = WorkListDto),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role records no visits, or a follow-up worker asked for another worker's list", body = ErrorBody),
    )
)]
pub async fn work_list(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<WorkListQuery>,
) -> Result<Json<WorkListDto>, ApiError> {
    let worker = village_filter(q.worker.as_deref());
    let org = caller.user.org_code.clone();
    let (list, worst) = caller
        .run(&st, move |db, scope| {
            let now = today();
            let list = follow_up::work_list(db, scope, worker.as_deref(), now)?;
            let area = worker.is_none()
                && !is_worker(scope)
                && !org.is_empty()
                && scope.can(Permission::ReadStatistics);
            let worst = if area {
                follow_up::worst_workers(db, scope, &org, now, WORST_WORKERS)?
            } else {
                Vec::new()
            };
            Ok((list, worst))
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(WorkListDto::new(list, worst)))
}
