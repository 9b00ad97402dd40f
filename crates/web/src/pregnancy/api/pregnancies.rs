//! Pregnancies (孕情): list, read, report, antenatal checks, the outcome,
//! and the live birth(s) that close a pregnancy.

use super::dto::{
    BirthDto, BirthsBody, CheckDto, NewCheckBody, NewPregnancyBody, OutcomeBody, PregnancyDto,
    PregnancyPage, PregnancyQuery, PregnancyViewDto,
};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{body_id, created, opt_date, paging, record, retried, village_filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::dates::today;
use hearth_core::pregnancy::{BirthInput, CheckInput, OutcomeInput, PregnancyInput};
use hearth_core::{FieldError, Reason};
use hearth_store::StoreError;
use hearth_store::pregnancy::{self, PregnancyFilter};
use hearth_store::register::ClientIdTable;

/// The 409 of a stale change, with the pregnancy as it is now.
async fn conflict(st: &AppState, caller: &Caller, id: String) -> ApiError {
    match caller
        .run(st, move |db, scope| {
            pregnancy::get_pregnancy(db, scope, &id, today())
        })
        .await
    {
        Ok(v) => {
            let version = v.pregnancy.version;
            let current = serde_json::to_value(PregnancyViewDto::from(v)).unwrap_or_default();
            ApiError::conflict_with(caller.lang, current, version)
        }
        Err(e) => caller.err(e),
    }
}

/// List pregnancies of your area (the list view is audited).
#[utoipa::path(
    get,
    path = "/api/v1/pregnancies",
    tag = "pregnancies",
    security(("bearer" = [])),
    params(PregnancyQuery),
    responses(
        (status = 200, description = "Pregnancies, newest report first", body = PregnancyPage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad filter, limit or offset", body = ErrorBody),
    )
)]
pub async fn list_pregnancies(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PregnancyQuery>,
) -> Result<Json<PregnancyPage>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        50,
        500,
        caller.lang,
    )?;
    let mut errs = Vec::new();
    let (open_only, overdue_only) = match q.state.as_deref().map(str::trim) {
        None | Some("") | Some("all") => (false, false),
        Some("open") => (true, false),
        Some("overdue") => (true, true),
        Some(_) => {
            errs.push(FieldError::new(
                "state",
                Reason::UnknownValue {
                    allowed: "open/overdue/all",
                },
            ));
            (false, false)
        }
    };
    let reported_from = opt_date("reported_from", q.reported_from.as_deref(), &mut errs);
    let reported_to = opt_date("reported_to", q.reported_to.as_deref(), &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let f = PregnancyFilter {
        org_code: village_filter(q.village.as_deref()),
        woman_id: village_filter(q.woman_id.as_deref()),
        open_only,
        overdue_only,
        reported_from,
        reported_to,
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| {
            pregnancy::list_pregnancies(db, scope, &f, today())
        })
        .await
        .map_err(|e| caller.err(crate::kit::api::renamed(e, "org_code", "village")))?;
    Ok(Json(PregnancyPage {
        items: rows.into_iter().map(PregnancyDto::from).collect(),
        limit,
        offset,
    }))
}

/// Read one pregnancy with its checks and births (audited).
#[utoipa::path(
    get,
    path = "/api/v1/pregnancies/{id}",
    tag = "pregnancies",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The pregnancy's id")),
    responses(
        (status = 200, description = "The pregnancy", body = PregnancyViewDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such pregnancy in your area", body = ErrorBody),
    )
)]
pub async fn get_pregnancy(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let v = caller
        .run(&st, move |db, scope| {
            pregnancy::get_pregnancy(db, scope, &id, today())
        })
        .await
        .map_err(|e| caller.err(e))?;
    let version = v.pregnancy.version;
    Ok(record(StatusCode::OK, &PregnancyViewDto::from(v), version))
}

/// Report a pregnancy of a woman of your area.
#[utoipa::path(
    post,
    path = "/api/v1/pregnancies",
    tag = "pregnancies",
    security(("bearer" = [])),
    request_body = NewPregnancyBody,
    responses(
        (status = 201, description = "Reported", body = PregnancyDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new pregnancy's address"))),
        (status = 200, description = "A retry with the same `id`: the first report", body = PregnancyDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 422, description = "Refused fields: `woman_id` (unknown, a man, already pregnant), `lmp`, `reported_on`, `source`, `registration_id`", body = ErrorBody),
    )
)]
pub async fn report_pregnancy(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPregnancyBody>,
) -> Result<Response, ApiError> {
    let id = body_id(body.id.as_deref(), caller.lang)?;
    let woman = body.woman_id.trim().to_string();
    if woman.is_empty() {
        return Err(ApiError::field("woman_id", Reason::Required, caller.lang));
    }
    let input = PregnancyInput {
        lmp: body.lmp,
        reported_on: body.reported_on,
        source: body.source,
        registration_id: body.registration_id,
    };
    let (p, existed) = caller
        .run(&st, move |db, scope| {
            let existed = retried(db, scope, ClientIdTable::Pregnancy, id.as_deref())?;
            let p = pregnancy::report_pregnancy(db, scope, id.as_deref(), &woman, &input, today())
                .map_err(|e| match e {
                    // The woman is named in the body: an unknown one is a field error.
                    StoreError::NotFound => StoreError::field(
                        "woman_id",
                        Reason::UnknownValue {
                            allowed: "a woman of your area",
                        },
                    ),
                    e => e,
                })?;
            Ok((p, existed))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let location = format!("/api/v1/pregnancies/{}", p.id);
    let version = p.version;
    Ok(created(existed, &PregnancyDto::from(p), version, &location))
}

/// Record an antenatal check of an open pregnancy.
#[utoipa::path(
    post,
    path = "/api/v1/pregnancies/{id}/checks",
    tag = "pregnancies",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The pregnancy's id")),
    request_body = NewCheckBody,
    responses(
        (status = 201, description = "Recorded, with the gestational week", body = CheckDto),
        (status = 200, description = "A retry with the same `id`: the first record", body = CheckDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such pregnancy in your area", body = ErrorBody),
        (status = 422, description = "Refused fields, or the pregnancy is closed", body = ErrorBody),
    )
)]
pub async fn add_check(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(pid): ApiPath<String>,
    ApiJson(body): ApiJson<NewCheckBody>,
) -> Result<Response, ApiError> {
    let id = body_id(body.id.as_deref(), caller.lang)?;
    let input = CheckInput {
        checked_on: body.checked_on,
        place: body.place,
        note: body.note,
    };
    let location = format!("/api/v1/pregnancies/{pid}");
    let (c, existed) = caller
        .run(&st, move |db, scope| {
            let existed = retried(db, scope, ClientIdTable::AntenatalCheck, id.as_deref())?;
            let c = pregnancy::add_check(db, scope, id.as_deref(), &pid, &input, today())?;
            Ok((c, existed))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let version = c.version;
    Ok(created(existed, &CheckDto::from(c), version, &location))
}

/// Close an open pregnancy with an outcome other than a live birth.
#[utoipa::path(
    post,
    path = "/api/v1/pregnancies/{id}/outcome",
    tag = "pregnancies",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The pregnancy's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = OutcomeBody,
    responses(
        (status = 200, description = "Closed", body = PregnancyDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such pregnancy in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the pregnancy now", body = ErrorBody),
        (status = 422, description = "Refused fields (a date not after the LMP, a termination without its record), or the pregnancy is already closed", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn record_outcome(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> Result<Response, ApiError> {
    let input = OutcomeInput {
        outcome: body.outcome,
        outcome_on: body.outcome_on,
        termination_record: body.termination_record,
        termination_reason: body.termination_reason,
        note: body.note,
    };
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            pregnancy::record_outcome(db, scope, &key, version, &input, today())
        })
        .await;
    match res {
        Ok(p) => {
            let version = p.version;
            Ok(record(StatusCode::OK, &PregnancyDto::from(p), version))
        }
        Err(StoreError::Conflict { .. }) => Err(conflict(&st, &caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}

/// Report the live birth(s) of an open pregnancy: closes it as a live
/// birth, creates each child in the mother's household and marks the birth
/// registration used. Twins: two children.
#[utoipa::path(
    post,
    path = "/api/v1/pregnancies/{id}/births",
    tag = "births",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The pregnancy's id"),
        ("If-Match" = String, Header, description = "The pregnancy's version you read, e.g. \"1\""),
    ),
    request_body = BirthsBody,
    responses(
        (status = 201, description = "The births, each unverified", body = [BirthDto]),
        (status = 200, description = "A retry with the same `id`: the births already made", body = [BirthDto]),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such pregnancy in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the pregnancy now", body = ErrorBody),
        (status = 422, description = "Refused fields (`children[0].sex`…), or the pregnancy is closed", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn report_births(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<BirthsBody>,
) -> Result<Response, ApiError> {
    let first = body_id(body.id.as_deref(), caller.lang)?;
    let children: Vec<BirthInput> = body
        .children
        .into_iter()
        .map(|c| BirthInput {
            child_name: c.name,
            sex: c.sex,
            born_on: c.born_on,
            born_time: c.born_time,
            weight_g: c.weight_g,
            place: c.place,
            birth_order: c.birth_order,
            certificate_no: c.certificate_no,
        })
        .collect();
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            let existed = retried(db, scope, ClientIdTable::Birth, first.as_deref())?;
            let births = pregnancy::report_births(
                db,
                scope,
                first.as_deref(),
                &key,
                version,
                &children,
                today(),
            )?;
            Ok((births, existed))
        })
        .await;
    match res {
        Ok((births, existed)) => {
            let status = if existed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let body: Vec<BirthDto> = births.into_iter().map(BirthDto::from).collect();
            Ok(axum::response::IntoResponse::into_response((
                status,
                Json(body),
            )))
        }
        Err(StoreError::Conflict { .. }) => Err(conflict(&st, &caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}
