//! Follow-up visits (随访记录) and what hangs off them: recording a visit
//! (which marks the due contacts it covered in the same transaction),
//! reading and listing visits, contraceptive procedures (they start a
//! schedule) and the needs raised at visits with their status.

use super::dto::{
    NeedDto, NeedQuery, NeedStatusBody, NewProcedureBody, NewVisitBody, ProcedureDto, VisitDto,
    VisitQuery, VisitRowDto,
};
use super::org_renamed;
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{Page, created, etag, paging, record, village_filter};
use crate::kit::api::{body_id, opt_date};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use hearth_core::dates::{fmt_date, today};
use hearth_core::follow_up::{NeedInput, NeedStatus, ProcedureInput, VisitInput};
use hearth_core::{FieldError, Reason};
use hearth_store::StoreError;
use hearth_store::follow_up::{self, NeedFilter, VisitFilter};

/// A person named in a body who is not found is a field error, not a 404.
fn person_field(field: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |e| match e {
        StoreError::NotFound => StoreError::field(
            field,
            Reason::UnknownValue {
                allowed: "a person of your area",
            },
        ),
        e => e,
    }
}

// ---- procedures ------------------------------------------------------------------

/// Record a contraceptive procedure; it starts the procedure schedule
/// (follow-ups at 7 days, 1 month and 3 months by default).
#[utoipa::path(
    post,
    path = "/api/v1/procedures",
    tag = "visits",
    security(("bearer" = [])),
    request_body = NewProcedureBody,
    responses(
        (status = 201, description = "Recorded", body = ProcedureDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The person's procedures"))),
        (status = 200, description = "A retry with the same `id`: the first record", body = ProcedureDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role records no visits, or she is not assigned to you", body = ErrorBody),
        (status = 422, description = "Refused fields: `person_id`, `kind`, `done_on`, `place`", body = ErrorBody),
    )
)]
pub async fn record_procedure(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewProcedureBody>,
) -> Result<Response, ApiError> {
    let id = body_id(body.id.as_deref(), caller.lang)?;
    let person = body.person_id.trim().to_string();
    if person.is_empty() {
        return Err(ApiError::field("person_id", Reason::Required, caller.lang));
    }
    let input = ProcedureInput {
        kind: body.kind,
        done_on: body.done_on,
        place: body.place,
    };
    let made = caller
        .run(&st, move |db, scope| {
            follow_up::record_procedure(db, scope, id.as_deref(), &person, &input, today())
                .map_err(person_field("person_id"))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let (p, retried) = made;
    let location = format!("/api/v1/persons/{}/procedures", p.person_id);
    let version = p.version;
    Ok(created(retried, &ProcedureDto::from(p), version, &location))
}

/// A person's contraceptive procedures, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/procedures",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Her procedures", body = [ProcedureDto]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such person in your area", body = ErrorBody),
    )
)]
pub async fn list_procedures(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<ProcedureDto>>, ApiError> {
    let rows = caller
        .run(&st, move |db, scope| {
            follow_up::list_procedures(db, scope, &id)
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

// ---- visits ----------------------------------------------------------------------

/// List visits of your area, newest first (audited as one list view).
#[utoipa::path(
    get,
    path = "/api/v1/visits",
    tag = "visits",
    security(("bearer" = [])),
    params(VisitQuery),
    responses(
        (status = 200, description = "Visits, newest first", body = Page<VisitRowDto>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad `village`, `from`, `to`, `limit` or `offset`", body = ErrorBody),
    )
)]
pub async fn list_visits(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> Result<Json<Page<VisitRowDto>>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        100,
        500,
        caller.lang,
    )?;
    let mut errs = Vec::new();
    let from = opt_date("from", q.from.as_deref(), &mut errs);
    let to = opt_date("to", q.to.as_deref(), &mut errs);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errs.push(FieldError::new(
            "to",
            Reason::NotBefore {
                zh: "开始日期",
                en: "start date",
            },
        ));
    }
    let village = village_filter(q.village.as_deref());
    if let Some(v) = &village
        && !caller.scope.covers(v)
    {
        errs.push(FieldError::new("village", Reason::OutOfScope));
    }
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let f = VisitFilter {
        person_id: village_filter(q.person.as_deref()),
        worker_id: village_filter(q.worker.as_deref()),
        org_code: village,
        from,
        to,
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| follow_up::list_visits(db, scope, &f))
        .await
        .map_err(|e| caller.err(org_renamed(e, "village")))?;
    Ok(Json(Page {
        items: rows.into_iter().map(VisitRowDto::from).collect(),
        limit,
        offset,
    }))
}

/// Record a visit. In the same transaction the woman's due contacts whose
/// window holds the visit date and whose rule allows the mode are marked
/// covered (one visit can satisfy several; a phone call never covers a
/// postpartum home visit) and the needs are stored. A follow-up worker
/// records visits only for the women assigned to her.
#[utoipa::path(
    post,
    path = "/api/v1/visits",
    tag = "visits",
    security(("bearer" = [])),
    request_body = NewVisitBody,
    responses(
        (status = 201, description = "Recorded, with the contacts it covered", body = VisitDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new visit's address"))),
        (status = 200, description = "A retry with the same `id`: the first visit", body = VisitDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role records no visits, or she is not assigned to you", body = ErrorBody),
        (status = 422, description = "Refused fields: `person_id`, `visited_on`, `mode`, `topics`, `findings`, `needs[i].category`, `needs[i].text`, `next_appointment`", body = ErrorBody),
    )
)]
pub async fn record_visit(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewVisitBody>,
) -> Result<Response, ApiError> {
    let id = body_id(body.id.as_deref(), caller.lang)?;
    let visited_on = match body.visited_on.trim() {
        "" => fmt_date(today()),
        d => d.to_string(),
    };
    let input = VisitInput {
        person_id: body.person_id,
        visited_on,
        mode: body.mode,
        topics: body.topics,
        findings: body.findings,
        needs: body
            .needs
            .into_iter()
            .map(|n| NeedInput {
                category: n.category,
                text: n.text,
                for_window: n.for_window,
            })
            .collect(),
        next_appointment: body.next_appointment,
    };
    let made = caller
        .run(&st, move |db, scope| {
            follow_up::record_visit(db, scope, id.as_deref(), &input, today())
                .map_err(person_field("person_id"))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let (v, retried) = made;
    let location = format!("/api/v1/visits/{}", v.id);
    let version = v.version;
    Ok(created(retried, &VisitDto::from(v), version, &location))
}

/// Read one visit with the contacts it covered and its needs (audited).
#[utoipa::path(
    get,
    path = "/api/v1/visits/{id}",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The visit's id")),
    responses(
        (status = 200, description = "The visit", body = VisitDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such visit in your area", body = ErrorBody),
    )
)]
pub async fn get_visit(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let v = caller
        .run(&st, move |db, scope| follow_up::get_visit(db, scope, &id))
        .await
        .map_err(|e| caller.err(e))?;
    let version = v.version;
    Ok(record(StatusCode::OK, &VisitDto::from(v), version))
}

// ---- needs ---------------------------------------------------------------------------

fn need_status(name: &str, v: &str, errs: &mut Vec<FieldError>) -> Option<NeedStatus> {
    NeedStatus::parse(v)
        .map_err(|r| errs.push(FieldError::new(name, r)))
        .ok()
}

/// List needs raised at visits in your area, newest first (audited).
#[utoipa::path(
    get,
    path = "/api/v1/needs",
    tag = "visits",
    security(("bearer" = [])),
    params(NeedQuery),
    responses(
        (status = 200, description = "Needs, newest first", body = Page<NeedDto>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad `status`, `village`, `limit` or `offset`", body = ErrorBody),
    )
)]
pub async fn list_needs(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<NeedQuery>,
) -> Result<Json<Page<NeedDto>>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        100,
        500,
        caller.lang,
    )?;
    let mut errs = Vec::new();
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") | Some("all") => None,
        Some(s) => need_status("status", s, &mut errs),
    };
    let village = village_filter(q.village.as_deref());
    if let Some(v) = &village
        && !caller.scope.covers(v)
    {
        errs.push(FieldError::new("village", Reason::OutOfScope));
    }
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let f = NeedFilter {
        person_id: village_filter(q.person.as_deref()),
        worker_id: village_filter(q.worker.as_deref()),
        org_code: village,
        status,
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| follow_up::list_needs(db, scope, &f))
        .await
        .map_err(|e| caller.err(org_renamed(e, "village")))?;
    Ok(Json(Page {
        items: rows.into_iter().map(NeedDto::from).collect(),
        limit,
        offset,
    }))
}

/// Move a need to `open`, `for_window` (handed to the service window; it
/// stays on the worker's list until the window takes it) or `closed`.
#[utoipa::path(
    post,
    path = "/api/v1/needs/{id}/status",
    tag = "visits",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The need's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = NeedStatusBody,
    responses(
        (status = 200, description = "Changed", body = NeedDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role records no visits, or she is not assigned to you", body = ErrorBody),
        (status = 404, description = "No such need in your area", body = ErrorBody),
        (status = 409, description = "Stale version: the `ETag` header holds the version now", body = ErrorBody),
        (status = 422, description = "A refused `status`", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn set_need_status(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<NeedStatusBody>,
) -> Result<Response, ApiError> {
    let mut errs = Vec::new();
    let status = need_status("status", &body.status, &mut errs);
    let Some(status) = status else {
        return Err(ApiError::invalid(errs, caller.lang));
    };
    let res = caller
        .run(&st, move |db, scope| {
            follow_up::set_need_status(db, scope, &id, version, status)
        })
        .await;
    match res {
        Ok(n) => {
            let version = n.version;
            Ok(record(StatusCode::OK, &NeedDto::from(n), version))
        }
        Err(StoreError::Conflict { current }) => Err(caller
            .err(StoreError::Conflict { current })
            .with_header(header::ETAG, etag(current))),
        Err(e) => Err(caller.err(e)),
    }
}
