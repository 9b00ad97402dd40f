//! Couples of reproductive age (育龄夫妇): list, read, create.

use super::dto::{CoupleDto, CouplePage, NewCoupleBody, VillageQuery};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::kit::api::{created, paging, record, village_filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::dates::{parse_date, today};
use hearth_core::{FieldError, Reason};
use hearth_store::register::{self, ListFilter};

/// List couples.
#[utoipa::path(
    get,
    path = "/api/v1/couples",
    tag = "couples",
    security(("bearer" = [])),
    params(VillageQuery),
    responses(
        (status = 200, description = "Couples of your area by village", body = CouplePage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad limit or offset", body = ErrorBody),
    )
)]
pub async fn list_couples(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VillageQuery>,
) -> Result<Json<CouplePage>, ApiError> {
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        50,
        500,
        caller.lang,
    )?;
    let f = ListFilter {
        village_code: village_filter(q.village.as_deref()),
        limit,
        offset,
    };
    let rows = caller
        .run(&st, move |db, scope| register::list_couples(db, scope, &f))
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(CouplePage {
        items: rows.into_iter().map(CoupleDto::from).collect(),
        limit,
        offset,
    }))
}

/// Read one couple (audited).
#[utoipa::path(
    get,
    path = "/api/v1/couples/{id}",
    tag = "couples",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The couple's id")),
    responses(
        (status = 200, description = "The couple", body = CoupleDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such couple in your area", body = ErrorBody),
    )
)]
pub async fn get_couple(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let c = caller
        .run(&st, move |db, scope| register::get_couple(db, scope, &id))
        .await
        .map_err(|e| caller.err(e))?;
    let version = c.version;
    Ok(record(StatusCode::OK, &CoupleDto::from(c), version))
}

/// Create a couple.
///
/// The wife must be a woman of your area (the couple belongs to her
/// village), the husband a man in the register.
#[utoipa::path(
    post,
    path = "/api/v1/couples",
    tag = "couples",
    security(("bearer" = [])),
    request_body = NewCoupleBody,
    responses(
        (status = 201, description = "Created", body = CoupleDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new couple's address"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 422, description = "Refused fields", body = ErrorBody),
    )
)]
pub async fn create_couple(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCoupleBody>,
) -> Result<Response, ApiError> {
    let mut errs = Vec::new();
    let wife = body.wife_id.trim().to_string();
    let husband = body.husband_id.trim().to_string();
    if wife.is_empty() {
        errs.push(FieldError::new("wife_id", Reason::Required));
    }
    if husband.is_empty() {
        errs.push(FieldError::new("husband_id", Reason::Required));
    }
    let married = match body.marriage_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match parse_date(s) {
            Ok(d) if d > today() => {
                errs.push(FieldError::new("marriage_date", Reason::FutureDate));
                None
            }
            Ok(d) => Some(d),
            Err(r) => {
                errs.push(FieldError::new("marriage_date", r));
                None
            }
        },
    };
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, caller.lang));
    }
    let c = caller
        .run(&st, move |db, scope| {
            register::create_couple(db, scope, &wife, &husband, married)
        })
        .await
        .map_err(|e| caller.err(e))?;
    let location = format!("/api/v1/couples/{}", c.id);
    let version = c.version;
    Ok(created(false, &CoupleDto::from(c), version, &location))
}
