//! Birth registrations (生育登记): list, read, issue, the annual review
//! (年审) and status changes (used, lapsed, cancelled).

use super::dto::{
    NewRegistrationBody, RegistrationDto, RegistrationPage, RegistrationQuery, ReviewBody,
    StatusBody,
};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{created, paging, record, village_filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::dates::{parse_date, today};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_core::{FieldError, Reason};
use hearth_store::StoreError;
use hearth_store::register::{self, RegistrationFilter};

/// The 409 of a stale change, with the registration as it is now.
async fn conflict(st: &AppState, caller: &Caller, id: String) -> ApiError {
    match caller
        .run(st, move |db, scope| {
            register::get_registration(db, scope, &id)
        })
        .await
    {
        Ok(r) => {
            let version = r.version;
            let current = serde_json::to_value(RegistrationDto::from(r)).unwrap_or_default();
            ApiError::conflict_with(caller.lang, current, version)
        }
        Err(e) => caller.err(e),
    }
}

/// The answer to a change: the record, or 409 with the current one.
async fn changed(
    st: &AppState,
    caller: &Caller,
    id: String,
    res: Result<hearth_core::registration::BirthRegistration, StoreError>,
) -> Result<Response, ApiError> {
    match res {
        Ok(r) => {
            let version = r.version;
            Ok(record(StatusCode::OK, &RegistrationDto::from(r), version))
        }
        Err(StoreError::Conflict { .. }) => Err(conflict(st, caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}

/// List birth registrations.
#[utoipa::path(
    get,
    path = "/api/v1/birth-registrations",
    tag = "birth-registrations",
    security(("bearer" = [])),
    params(RegistrationQuery),
    responses(
        (status = 200, description = "Registrations of your area by village and number", body = RegistrationPage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad status, limit or offset", body = ErrorBody),
    )
)]
pub async fn list_registrations(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RegistrationQuery>,
) -> Result<Json<RegistrationPage>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        50,
        500,
        caller.lang,
    )?;
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(RegistrationStatus::from_code(s).ok_or_else(|| {
            ApiError::field(
                "status",
                Reason::UnknownValue {
                    allowed: "current/used/lapsed/cancelled",
                },
                caller.lang,
            )
        })?),
    };
    let f = RegistrationFilter {
        village_code: village_filter(q.village.as_deref()),
        status,
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| {
            register::list_registrations(db, scope, &f)
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(RegistrationPage {
        items: rows.into_iter().map(RegistrationDto::from).collect(),
        limit,
        offset,
    }))
}

/// Read one birth registration (audited).
#[utoipa::path(
    get,
    path = "/api/v1/birth-registrations/{id}",
    tag = "birth-registrations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The registration's id")),
    responses(
        (status = 200, description = "The registration", body = RegistrationDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such registration in your area", body = ErrorBody),
    )
)]
pub async fn get_registration(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let r = caller
        .run(&st, move |db, scope| {
            register::get_registration(db, scope, &id)
        })
        .await
        .map_err(|e| caller.err(e))?;
    let version = r.version;
    Ok(record(StatusCode::OK, &RegistrationDto::from(r), version))
}

/// Issue a birth registration to a couple of your area.
#[utoipa::path(
    post,
    path = "/api/v1/birth-registrations",
    tag = "birth-registrations",
    security(("bearer" = [])),
    request_body = NewRegistrationBody,
    responses(
        (status = 201, description = "Issued", body = RegistrationDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new registration's address"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 422, description = "Refused fields (an unknown couple is `couple_id`)", body = ErrorBody),
    )
)]
pub async fn create_registration(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewRegistrationBody>,
) -> Result<Response, ApiError> {
    let mut errs = Vec::new();
    let couple = body.couple_id.trim().to_string();
    if couple.is_empty() {
        errs.push(FieldError::new("couple_id", Reason::Required));
    }
    let new = NewRegistration::validate(body.child_order, &body.number, &body.issued_on, today())
        .map_err(|e| errs.extend(e))
        .ok();
    let Some(new) = new.filter(|_| errs.is_empty()) else {
        return Err(ApiError::invalid(errs, caller.lang));
    };
    let r = caller
        .run(&st, move |db, scope| {
            register::create_registration(db, scope, &couple, &new).map_err(|e| match e {
                // The couple is named in the body: an unknown one is a field error.
                StoreError::NotFound => StoreError::field(
                    "couple_id",
                    Reason::UnknownValue {
                        allowed: "a couple of your area",
                    },
                ),
                e => e,
            })
        })
        .await
        .map_err(|e| caller.err(e))?;
    let location = format!("/api/v1/birth-registrations/{}", r.id);
    let version = r.version;
    Ok(created(
        false,
        &RegistrationDto::from(r),
        version,
        &location,
    ))
}

/// Record the annual review (年审) of a current registration.
#[utoipa::path(
    post,
    path = "/api/v1/birth-registrations/{id}/review",
    tag = "birth-registrations",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The registration's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"3\""),
    ),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "Reviewed; the next review falls a year later", body = RegistrationDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such registration in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the registration now", body = ErrorBody),
        (status = 422, description = "A bad date, or the registration is not current", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn review_registration(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Response, ApiError> {
    let on = match parse_date(&body.on) {
        Ok(d) if d > today() => Err(Reason::FutureDate),
        other => other,
    }
    .map_err(|r| ApiError::field("on", r, caller.lang))?;
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            register::review_registration(db, scope, &key, version, on)
        })
        .await;
    changed(&st, &caller, id, res).await
}

/// Change a current registration's status to used, lapsed or cancelled
/// (a cancellation needs a reason).
#[utoipa::path(
    post,
    path = "/api/v1/birth-registrations/{id}/status",
    tag = "birth-registrations",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The registration's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"3\""),
    ),
    request_body = StatusBody,
    responses(
        (status = 200, description = "Changed", body = RegistrationDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such registration in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the registration now", body = ErrorBody),
        (status = 422, description = "A bad status or reason, or a change a final status does not allow", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn set_registration_status(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Response, ApiError> {
    let status = match RegistrationStatus::from_code(body.status.trim()) {
        Some(s) if s != RegistrationStatus::Current => s,
        _ if body.status.trim().is_empty() => {
            return Err(ApiError::field("status", Reason::Required, caller.lang));
        }
        _ => {
            return Err(ApiError::field(
                "status",
                Reason::UnknownValue {
                    allowed: "used/lapsed/cancelled",
                },
                caller.lang,
            ));
        }
    };
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            register::set_registration_status(
                db,
                scope,
                &key,
                version,
                status,
                body.reason.as_deref(),
            )
        })
        .await;
    changed(&st, &caller, id, res).await
}
