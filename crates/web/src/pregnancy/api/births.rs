//! Births and infant deaths: lists, records, the two in-person
//! verification steps, naming a child, and amendments of a birth's sex or
//! date (never an in-place edit).

use super::dto::{
    AmendBody, BirthDto, BirthPage, BirthQuery, BirthViewDto, DeathDto, DeathPage, DeathQuery,
    NameBody, NewDeathBody, VerifyBody,
};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{body_id, opt_date, retried};
use crate::kit::api::{created, paging, record, village_filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::dates::today;
use hearth_core::pregnancy::{DeathInput, Verification, VerifyInput};
use hearth_core::{FieldError, Reason};
use hearth_store::StoreError;
use hearth_store::pregnancy::{self, Birth, BirthFilter, DeathFilter, InfantDeath};
use hearth_store::register::ClientIdTable;

fn verification_filter(v: Option<&str>, errs: &mut Vec<FieldError>) -> Option<Verification> {
    match v.map(str::trim) {
        None | Some("") => None,
        Some("unverified") => Some(Verification::Unverified),
        Some("village_verified") => Some(Verification::VillageVerified),
        Some("verified") => Some(Verification::Verified),
        Some(_) => {
            errs.push(FieldError::new(
                "verification",
                Reason::UnknownValue {
                    allowed: "unverified/village_verified/verified",
                },
            ));
            None
        }
    }
}

fn verify_input(body: VerifyBody) -> VerifyInput {
    VerifyInput {
        step: body.step,
        verified_on: body.verified_on,
        checks: body.checks,
    }
}

/// The answer to a change of a birth: the birth, or 409 with it as it is now.
async fn birth_changed(
    st: &AppState,
    caller: &Caller,
    id: String,
    res: Result<Birth, StoreError>,
) -> Result<Response, ApiError> {
    match res {
        Ok(b) => {
            let version = b.version;
            Ok(record(StatusCode::OK, &BirthDto::from(b), version))
        }
        Err(StoreError::Conflict { .. }) => {
            match caller
                .run(st, move |db, scope| pregnancy::get_birth(db, scope, &id))
                .await
            {
                Ok(v) => {
                    let version = v.birth.version;
                    let current = serde_json::to_value(BirthViewDto::from(v)).unwrap_or_default();
                    Err(ApiError::conflict_with(caller.lang, current, version))
                }
                Err(e) => Err(caller.err(e)),
            }
        }
        Err(e) => Err(caller.err(e)),
    }
}

/// List births of your area; the unverified ones are marked as such (the
/// list view is audited).
#[utoipa::path(
    get,
    path = "/api/v1/births",
    tag = "births",
    security(("bearer" = [])),
    params(BirthQuery),
    responses(
        (status = 200, description = "Births, newest first", body = BirthPage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad filter, limit or offset", body = ErrorBody),
    )
)]
pub async fn list_births(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BirthQuery>,
) -> Result<Json<BirthPage>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        50,
        500,
        caller.lang,
    )?;
    let mut errs = Vec::new();
    let born_from = opt_date("born_from", q.born_from.as_deref(), &mut errs);
    let born_to = opt_date("born_to", q.born_to.as_deref(), &mut errs);
    let verification = verification_filter(q.verification.as_deref(), &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let f = BirthFilter {
        org_code: village_filter(q.village.as_deref()),
        mother_id: village_filter(q.mother_id.as_deref()),
        born_from,
        born_to,
        verification,
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| pregnancy::list_births(db, scope, &f))
        .await
        .map_err(|e| caller.err(crate::kit::api::renamed(e, "org_code", "village")))?;
    Ok(Json(BirthPage {
        items: rows.into_iter().map(BirthDto::from).collect(),
        limit,
        offset,
    }))
}

/// Read one birth with its amendments and any infant death (audited).
#[utoipa::path(
    get,
    path = "/api/v1/births/{id}",
    tag = "births",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The birth's id")),
    responses(
        (status = 200, description = "The birth", body = BirthViewDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such birth in your area", body = ErrorBody),
    )
)]
pub async fn get_birth(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let v = caller
        .run(&st, move |db, scope| pregnancy::get_birth(db, scope, &id))
        .await
        .map_err(|e| caller.err(e))?;
    let version = v.birth.version;
    Ok(record(StatusCode::OK, &BirthViewDto::from(v), version))
}

/// Record an in-person verification step of a birth: first `village` (the
/// village specialist), then `town` (a town staff member who is not the
/// village verifier).
#[utoipa::path(
    post,
    path = "/api/v1/births/{id}/verifications",
    tag = "births",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The birth's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = VerifyBody,
    responses(
        (status = 200, description = "Recorded", body = BirthDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such birth in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the birth now", body = ErrorBody),
        (status = 422, description = "`step` out of order, by the wrong role or by the same person twice; bad `verified_on` or `checks`", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn verify_birth(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Response, ApiError> {
    let input = verify_input(body);
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            pregnancy::verify_birth(db, scope, &key, version, &input, today())
        })
        .await;
    birth_changed(&st, &caller, id, res).await
}

/// Correct a birth's `sex` or `born_on`: recorded as an amendment with its
/// reason; the child's person record follows.
#[utoipa::path(
    post,
    path = "/api/v1/births/{id}/amendments",
    tag = "births",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The birth's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"3\""),
    ),
    request_body = AmendBody,
    responses(
        (status = 200, description = "Amended", body = BirthDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not amend this birth (a verified birth needs town staff)", body = ErrorBody),
        (status = 404, description = "No such birth in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the birth now", body = ErrorBody),
        (status = 422, description = "Bad `field`, `new_value` or `reason`", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn amend_birth(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<AmendBody>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            pregnancy::amend_birth(
                db,
                scope,
                &key,
                version,
                &body.field,
                &body.new_value,
                &body.reason,
                today(),
            )
        })
        .await;
    birth_changed(&st, &caller, id, res).await
}

/// Give the child their name (on the birth and the child's person record).
#[utoipa::path(
    post,
    path = "/api/v1/births/{id}/name",
    tag = "births",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The birth's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = NameBody,
    responses(
        (status = 200, description = "Named", body = BirthDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such birth in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the birth now", body = ErrorBody),
        (status = 422, description = "Bad `name`", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn name_child(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<NameBody>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            pregnancy::name_child(db, scope, &key, version, &body.name)
        })
        .await;
    birth_changed(&st, &caller, id, res).await
}

/// List infant deaths of your area (the list view is audited).
#[utoipa::path(
    get,
    path = "/api/v1/infant-deaths",
    tag = "infant-deaths",
    security(("bearer" = [])),
    params(DeathQuery),
    responses(
        (status = 200, description = "Infant deaths, newest first", body = DeathPage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad filter, limit or offset", body = ErrorBody),
    )
)]
pub async fn list_deaths(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DeathQuery>,
) -> Result<Json<DeathPage>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        50,
        500,
        caller.lang,
    )?;
    let mut errs = Vec::new();
    let died_from = opt_date("died_from", q.died_from.as_deref(), &mut errs);
    let died_to = opt_date("died_to", q.died_to.as_deref(), &mut errs);
    let verification = verification_filter(q.verification.as_deref(), &mut errs);
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let f = DeathFilter {
        org_code: village_filter(q.village.as_deref()),
        died_from,
        died_to,
        verification,
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| {
            pregnancy::list_infant_deaths(db, scope, &f)
        })
        .await
        .map_err(|e| caller.err(crate::kit::api::renamed(e, "org_code", "village")))?;
    Ok(Json(DeathPage {
        items: rows.into_iter().map(DeathDto::from).collect(),
        limit,
        offset,
    }))
}

/// Read one infant death (audited).
#[utoipa::path(
    get,
    path = "/api/v1/infant-deaths/{id}",
    tag = "infant-deaths",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The infant death", body = DeathDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such report in your area", body = ErrorBody),
    )
)]
pub async fn get_death(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let d = caller
        .run(&st, move |db, scope| {
            pregnancy::get_infant_death(db, scope, &id)
        })
        .await
        .map_err(|e| caller.err(e))?;
    let version = d.version;
    Ok(record(StatusCode::OK, &DeathDto::from(d), version))
}

/// Report the death of a child of your area under one year old.
#[utoipa::path(
    post,
    path = "/api/v1/infant-deaths",
    tag = "infant-deaths",
    security(("bearer" = [])),
    request_body = NewDeathBody,
    responses(
        (status = 201, description = "Reported, unverified", body = DeathDto,
            headers(("Location" = String, description = "The report's address"))),
        (status = 200, description = "A retry with the same `id`: the first report", body = DeathDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 422, description = "Refused fields: `child_id` (unknown, already reported), `died_on` (over one year of age, before the birth), `cause`", body = ErrorBody),
    )
)]
pub async fn report_death(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewDeathBody>,
) -> Result<Response, ApiError> {
    let id = body_id(body.id.as_deref(), caller.lang)?;
    let child = body.child_id.trim().to_string();
    if child.is_empty() {
        return Err(ApiError::field("child_id", Reason::Required, caller.lang));
    }
    let input = DeathInput {
        died_on: body.died_on,
        cause: body.cause,
        note: body.note,
    };
    let (d, existed) = caller
        .run(&st, move |db, scope| {
            let existed = retried(db, scope, ClientIdTable::InfantDeath, id.as_deref())?;
            let d =
                pregnancy::report_infant_death(db, scope, id.as_deref(), &child, &input, today())
                    .map_err(|e| match e {
                    StoreError::NotFound => StoreError::field(
                        "child_id",
                        Reason::UnknownValue {
                            allowed: "a child of your area",
                        },
                    ),
                    e => e,
                })?;
            Ok((d, existed))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let location = format!("/api/v1/infant-deaths/{}", d.id);
    let version = d.version;
    Ok(created(existed, &DeathDto::from(d), version, &location))
}

/// Record an in-person verification step of an infant death (the same
/// two steps as a birth).
#[utoipa::path(
    post,
    path = "/api/v1/infant-deaths/{id}/verifications",
    tag = "infant-deaths",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The report's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"1\""),
    ),
    request_body = VerifyBody,
    responses(
        (status = 200, description = "Recorded", body = DeathDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such report in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the report now", body = ErrorBody),
        (status = 422, description = "`step` out of order, by the wrong role or by the same person twice", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn verify_death(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Response, ApiError> {
    let input = verify_input(body);
    let key = id.clone();
    let res: Result<InfantDeath, StoreError> = caller
        .run(&st, move |db, scope| {
            pregnancy::verify_infant_death(db, scope, &key, version, &input, today())
        })
        .await;
    match res {
        Ok(d) => {
            let version = d.version;
            Ok(record(StatusCode::OK, &DeathDto::from(d), version))
        }
        Err(StoreError::Conflict { .. }) => {
            match caller
                .run(&st, move |db, scope| {
                    pregnancy::get_infant_death(db, scope, &id)
                })
                .await
            {
                Ok(d) => {
                    let version = d.version;
                    let current = serde_json::to_value(DeathDto::from(d)).unwrap_or_default();
                    Err(ApiError::conflict_with(caller.lang, current, version))
                }
                Err(e) => Err(caller.err(e)),
            }
        }
        Err(e) => Err(caller.err(e)),
    }
}
