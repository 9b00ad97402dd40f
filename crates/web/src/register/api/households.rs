//! Households (户): list, read with members, create (idempotently with a
//! client id), change and delete an empty one.

use super::dto::{
    HouseholdDetail, HouseholdDto, HouseholdPage, NewHouseholdBody, PersonListItem,
    UpdateHouseholdBody, VillageQuery,
};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{client_id, created, paging, record, village_filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_core::Reason;
use hearth_core::household::NewHousehold;
use hearth_store::StoreError;
use hearth_store::register::{
    self, ClientIdTable, ClientIdUse, HouseholdDeletion, HouseholdView, ListFilter,
};

fn detail(v: HouseholdView) -> HouseholdDetail {
    HouseholdDetail {
        members: v.members.iter().map(PersonListItem::from).collect(),
        household: v.household.into(),
    }
}

/// The 409 of a stale household change, with the household as it is now.
async fn conflict(st: &AppState, caller: &Caller, id: String) -> ApiError {
    match caller
        .run(st, move |db, scope| register::get_household(db, scope, &id))
        .await
    {
        Ok(v) => {
            let version = v.household.version;
            let current = serde_json::to_value(detail(v)).unwrap_or_default();
            ApiError::conflict_with(caller.lang, current, version)
        }
        Err(e) => caller.err(e),
    }
}

/// List households.
#[utoipa::path(
    get,
    path = "/api/v1/households",
    tag = "households",
    security(("bearer" = [])),
    params(VillageQuery),
    responses(
        (status = 200, description = "Households of your area by village and number", body = HouseholdPage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "A bad limit or offset", body = ErrorBody),
    )
)]
pub async fn list_households(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VillageQuery>,
) -> Result<Json<HouseholdPage>, ApiError> {
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
        .run(&st, move |db, scope| {
            register::list_households(db, scope, &f)
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(Json(HouseholdPage {
        items: rows.into_iter().map(HouseholdDto::from).collect(),
        limit,
        offset,
    }))
}

/// Read a household with its members.
///
/// Members show masked ID numbers and phones. The view is audited.
#[utoipa::path(
    get,
    path = "/api/v1/households/{id}",
    tag = "households",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The household's id")),
    responses(
        (status = 200, description = "The household", body = HouseholdDetail,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such household in your area", body = ErrorBody),
    )
)]
pub async fn get_household(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let v = caller
        .run(&st, move |db, scope| {
            register::get_household(db, scope, &id)
        })
        .await
        .map_err(|e| caller.err(e))?;
    let version = v.household.version;
    Ok(record(StatusCode::OK, &detail(v), version))
}

/// Create a household.
///
/// With a client-chosen `id`, sending the same household again returns
/// the first record with 200.
#[utoipa::path(
    post,
    path = "/api/v1/households",
    tag = "households",
    security(("bearer" = [])),
    request_body = NewHouseholdBody,
    responses(
        (status = 201, description = "Created", body = HouseholdDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new household's address"))),
        (status = 200, description = "A retry: the household created before", body = HouseholdDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 422, description = "Refused fields", body = ErrorBody),
    )
)]
pub async fn create_household(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewHouseholdBody>,
) -> Result<Response, ApiError> {
    let lang = caller.lang;
    let mut errs = Vec::new();
    let id = client_id(body.id.as_deref())
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    let h = NewHousehold::validate(
        &body.village_code,
        &body.number,
        &body.address,
        body.flags.into(),
    )
    .map_err(|e| errs.extend(e))
    .ok();
    let Some(h) = h.filter(|_| errs.is_empty()) else {
        return Err(ApiError::invalid(errs, lang));
    };
    let (hh, existed) = caller
        .run(&st, move |db, scope| {
            let existed = match &id {
                Some(id) => match register::client_id_use(db, scope, ClientIdTable::Household, id)?
                {
                    ClientIdUse::Free => false,
                    ClientIdUse::InScope => true,
                    ClientIdUse::Elsewhere => {
                        return Err(StoreError::field("id", Reason::Duplicate));
                    }
                },
                None => false,
            };
            let hh = register::create_household(db, scope, id.as_deref(), &h)?;
            Ok((hh, existed))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let location = format!("/api/v1/households/{}", hh.id);
    let version = hh.version;
    Ok(created(
        existed,
        &HouseholdDto::from(hh),
        version,
        &location,
    ))
}

/// Change a household's address and flags.
#[utoipa::path(
    put,
    path = "/api/v1/households/{id}",
    tag = "households",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The household's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"3\""),
    ),
    request_body = UpdateHouseholdBody,
    responses(
        (status = 200, description = "Changed", body = HouseholdDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such household in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the household now", body = ErrorBody),
        (status = 422, description = "Refused fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn update_household(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<UpdateHouseholdBody>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            register::update_household(db, scope, &key, version, &body.address, body.flags.into())
        })
        .await;
    match res {
        Ok(h) => {
            let v = h.version;
            Ok(record(StatusCode::OK, &HouseholdDto::from(h), v))
        }
        Err(StoreError::Conflict { .. }) => Err(conflict(&st, &caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}

/// Delete an empty household.
///
/// Only a household without members can be deleted (409 `has_members`
/// otherwise). The deletion is audited.
#[utoipa::path(
    delete,
    path = "/api/v1/households/{id}",
    tag = "households",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The household's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"3\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such household in your area", body = ErrorBody),
        (status = 409, description = "Stale version (`conflict`, with `current`) or members left (`has_members`)", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn delete_household(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            register::delete_household(db, scope, &key, version)
        })
        .await;
    match res {
        Ok(HouseholdDeletion::Deleted) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(HouseholdDeletion::HasMembers { .. }) => Err(ApiError::api(
            StatusCode::CONFLICT,
            "has_members",
            caller.lang,
        )),
        Err(StoreError::Conflict { .. }) => Err(conflict(&st, &caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}
