//! Persons (人口): search or list (masked), read one (masked unless a
//! field is revealed, which is audited), create and change. Persons are
//! never deleted, so `DELETE` answers 405.

use super::dto::{
    NewPersonBody, PersonDto, PersonListItem, PersonPage, PersonQuery, RevealQuery,
    UpdatePersonBody,
};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiPath, ApiQuery, Caller, IfMatch};
use crate::kit::api::{client_id, created, paging, record, village_filter};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::person::{Person, PersonInput};
use hearth_core::{FieldError, Reason};
use hearth_store::StoreError;
use hearth_store::register::{self, ClientIdTable, ClientIdUse, PersonFilter};
use hearth_store::search::{self, RevealField, SearchQuery};

/// The 409 of a stale change, with the person as they are now (masked).
async fn conflict(st: &AppState, caller: &Caller, id: String) -> ApiError {
    match caller
        .run(st, move |db, scope| register::get_person(db, scope, &id))
        .await
    {
        Ok(p) => {
            let current = serde_json::to_value(PersonDto::from(&p)).unwrap_or_default();
            ApiError::conflict_with(caller.lang, current, p.version)
        }
        Err(e) => caller.err(e),
    }
}

/// Search or list persons.
///
/// With `q`, the search box: a resident ID, mobile number, household number,
/// pinyin initials or the start of a name (the search is audited, never its
/// text). Without it, the persons of your area. Either way ID numbers and
/// phones are masked.
#[utoipa::path(
    get,
    path = "/api/v1/persons",
    tag = "persons",
    security(("bearer" = [])),
    params(PersonQuery),
    responses(
        (status = 200, description = "A page of persons", body = PersonPage),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 422, description = "Search text not understood, or a bad limit or offset", body = ErrorBody),
    )
)]
pub async fn list_persons(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> Result<Json<PersonPage>, ApiError> {
    let text =
        q.q.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
    let village_code = village_filter(q.village.as_deref());
    let (default, max) = if text.is_some() {
        (search::DEFAULT_LIMIT, search::MAX_LIMIT)
    } else {
        (50, 500)
    };
    let (limit, offset) = paging(
        q.limit.as_deref(),
        q.offset.as_deref(),
        default,
        max,
        caller.lang,
    )?;
    let page = match text {
        Some(text) => {
            let sq = SearchQuery {
                text,
                village_code,
                limit,
                offset,
            };
            let found = caller
                .run(&st, move |db, scope| search::search_persons(db, scope, &sq))
                .await
                .map_err(|e| caller.err(e))?;
            PersonPage {
                items: found.hits.into_iter().map(PersonListItem::from).collect(),
                limit,
                offset,
                total: Some(found.total),
                kind: Some(found.kind.to_string()),
            }
        }
        None => {
            let f = PersonFilter {
                village_code,
                limit,
                offset,
                ..PersonFilter::default()
            };
            let rows = caller
                .run(&st, move |db, scope| register::list_persons(db, scope, &f))
                .await
                .map_err(|e| caller.err(e))?;
            PersonPage {
                items: rows.iter().map(PersonListItem::from).collect(),
                limit,
                offset,
                total: None,
                kind: None,
            }
        }
    };
    Ok(Json(page))
}

/// The fields `?reveal=` asks for.
fn reveal_fields(q: Option<&str>) -> Result<Vec<RevealField>, FieldError> {
    let mut out = Vec::new();
    for part in q.unwrap_or("").split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let f = RevealField::parse(part).map_err(|r| FieldError::new("reveal", r))?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    Ok(out)
}

/// Read one person.
///
/// The ID number and phone are masked unless `?reveal=` names them; the
/// view, and each revealed field, is written to the audit trail.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}",
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The person's id"), RevealQuery),
    responses(
        (status = 200, description = "The person", body = PersonDto,
            headers(("ETag" = String, description = "The version, quoted"))),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not read the register", body = ErrorBody),
        (status = 404, description = "No such person in your area", body = ErrorBody),
        (status = 422, description = "An unknown field to reveal", body = ErrorBody),
    )
)]
pub async fn get_person(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RevealQuery>,
) -> Result<Response, ApiError> {
    let fields =
        reveal_fields(q.reveal.as_deref()).map_err(|e| ApiError::invalid(vec![e], caller.lang))?;
    let (p, shown) = caller
        .run(&st, move |db, scope| {
            let p = register::get_person(db, scope, &id)?;
            let mut shown = Vec::new();
            for f in fields {
                // A person without a phone has none to reveal.
                if f == RevealField::Phone && p.phone.is_none() {
                    continue;
                }
                shown.push((f, search::reveal(db, scope, &id, f)?));
            }
            Ok((p, shown))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let mut dto = PersonDto::from(&p);
    for (f, value) in shown {
        match f {
            RevealField::ResidentId => dto.resident_id = Some(value),
            RevealField::Phone => dto.phone = Some(value),
        }
    }
    Ok(record(StatusCode::OK, &dto, p.version))
}

/// Create a person.
///
/// Every refused field is reported at once. With a client-chosen `id`,
/// sending the same person again returns the first record with 200.
#[utoipa::path(
    post,
    path = "/api/v1/persons",
    tag = "persons",
    security(("bearer" = [])),
    request_body = NewPersonBody,
    responses(
        (status = 201, description = "Created (masked)", body = PersonDto,
            headers(("ETag" = String, description = "The version, quoted"),
                    ("Location" = String, description = "The new person's address"))),
        (status = 200, description = "A retry: the person created before", body = PersonDto),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 422, description = "Refused fields", body = ErrorBody),
    )
)]
pub async fn create_person(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPersonBody>,
) -> Result<Response, ApiError> {
    let mut errs = Vec::new();
    let id = client_id(body.id.as_deref())
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    let input = PersonInput {
        name: body.name,
        resident_id: body.resident_id,
        sex: body.sex,
        birth_date: body.birth_date,
        phone: body.phone,
        marital_status: body.marital_status,
        village_code: body.village_code,
        relation: body.relation,
    };
    let valid = input
        .validate(hearth_core::dates::today())
        .map_err(|e| errs.extend(e))
        .ok();
    let Some(valid) = valid.filter(|_| errs.is_empty()) else {
        return Err(ApiError::invalid(errs, caller.lang));
    };
    let household = village_filter(body.household_id.as_deref());
    let (p, existed) = caller
        .run(&st, move |db, scope| {
            let existed = match &id {
                Some(id) => match register::client_id_use(db, scope, ClientIdTable::Person, id)? {
                    ClientIdUse::Free => false,
                    ClientIdUse::InScope => true,
                    ClientIdUse::Elsewhere => {
                        return Err(StoreError::field("id", Reason::Duplicate));
                    }
                },
                None => false,
            };
            let p =
                register::create_person(db, scope, id.as_deref(), &valid, household.as_deref())?;
            Ok((p, existed))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let location = format!("/api/v1/persons/{}", p.id);
    Ok(created(existed, &PersonDto::from(&p), p.version, &location))
}

/// Change a person.
///
/// Replaces the person's details. A left-out `resident_id` or `phone`
/// keeps the stored value (clients hold only masked copies; an empty
/// `phone` removes it); then the current record is read, which is audited
/// as a view.
#[utoipa::path(
    put,
    path = "/api/v1/persons/{id}",
    tag = "persons",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The person's id"),
        ("If-Match" = String, Header, description = "The version you read, e.g. \"3\""),
    ),
    request_body = UpdatePersonBody,
    responses(
        (status = 200, description = "Changed (masked)", body = PersonDto,
            headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 400, description = "Malformed JSON or If-Match", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Your role may not change the register", body = ErrorBody),
        (status = 404, description = "No such person in your area", body = ErrorBody),
        (status = 409, description = "Stale version: `current` holds the person now", body = ErrorBody),
        (status = 422, description = "Refused fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
pub async fn update_person(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<UpdatePersonBody>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let res = caller
        .run(&st, move |db, scope| {
            let kept: Option<Person> = if body.resident_id.is_none() || body.phone.is_none() {
                Some(register::get_person(db, scope, &key)?)
            } else {
                None
            };
            let input = PersonInput {
                name: body.name,
                resident_id: body
                    .resident_id
                    .or_else(|| kept.as_ref().map(|p| p.resident_id.clone()))
                    .unwrap_or_default(),
                sex: body.sex,
                birth_date: body.birth_date,
                phone: body
                    .phone
                    .or_else(|| kept.as_ref().and_then(|p| p.phone.clone()))
                    .unwrap_or_default(),
                marital_status: body.marital_status,
                village_code: body.village_code,
                relation: body.relation,
            };
            let valid = input
                .validate(hearth_core::dates::today())
                .map_err(StoreError::Invalid)?;
            let household = village_filter(body.household_id.as_deref());
            register::update_person(db, scope, &key, version, &valid, household.as_deref())
        })
        .await;
    match res {
        Ok(p) => Ok(record(StatusCode::OK, &PersonDto::from(&p), p.version)),
        Err(StoreError::Conflict { .. }) => Err(conflict(&st, &caller, id).await),
        Err(e) => Err(caller.err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_lists() {
        assert_eq!(reveal_fields(None), Ok(vec![]));
        assert_eq!(
            reveal_fields(Some("phone, resident_id,phone")),
            Ok(vec![RevealField::Phone, RevealField::ResidentId])
        );
        assert!(reveal_fields(Some("name")).is_err());
    }
}
