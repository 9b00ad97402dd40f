//! The JSON API under `/api/v1` and its OpenAPI 3 document at
//! `/api/openapi.json`, generated from the handlers' annotations.
//!
//! Every route but token issue and the document itself needs
//! `Authorization: Bearer <token>`; the caller's `Scope` is built from the
//! token's user and handed to the store, which filters every read and write
//! to the caller's villages. A record outside them is 404, exactly like a
//! missing one; a role without the permission is 403. Errors are always
//! JSON `{error, message, fields}` in the language of `Accept-Language`.
//! Single records carry `ETag: "<version>"`; a change needs
//! `If-Match: <version>` (428 without it, 409 with the current record when
//! stale).
//!
//! [`API_ROUTES`] is the one list of routes: the router is built from it
//! and a test checks that the OpenAPI document describes each of them.

use crate::AppState;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::Lang;
use utoipa::OpenApi;

pub mod auth;
pub mod error;
pub mod extract;

// The API shell is the composition root of the workflows' JSON handlers:
// each workflow keeps its own under `<workflow>/api/`.
use crate::follow_up::api as followup;
use crate::follow_up::api::coverage as followup_coverage;
use crate::follow_up::api::visits as followup_visits;
use crate::pregnancy::api::{births, pregnancies};
use crate::register::api::{couples, households, orgs, persons, registrations};
use crate::stats::api as stats;

pub use error::{ApiError, ErrorBody};

/// Declares the routes once: [`API_ROUTES`] (method, path) and [`routes`]
/// come from the same list, so neither can miss one the other has.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// Every API route as (method, path), exactly as the router serves it.
        pub const API_ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        /// The API's routes, with JSON answers for unknown routes and
        /// methods and `Cache-Control: no-store` on every response.
        pub fn routes() -> Router<AppState> {
            Router::new()
                $(.route($path, axum::routing::$method($handler)))*
                .route("/api/{*rest}", axum::routing::any(no_such_route))
                .layer(axum::middleware::from_fn(api_responses))
        }
    };
}

api_routes! {
    post "/api/v1/auth/token" => auth::issue_token,
    delete "/api/v1/auth/token" => auth::revoke_token,
    get "/api/v1/org-units" => orgs::list_org_units,
    get "/api/v1/households" => households::list_households,
    post "/api/v1/households" => households::create_household,
    get "/api/v1/households/{id}" => households::get_household,
    put "/api/v1/households/{id}" => households::update_household,
    delete "/api/v1/households/{id}" => households::delete_household,
    get "/api/v1/persons" => persons::list_persons,
    post "/api/v1/persons" => persons::create_person,
    get "/api/v1/persons/{id}" => persons::get_person,
    put "/api/v1/persons/{id}" => persons::update_person,
    get "/api/v1/couples" => couples::list_couples,
    post "/api/v1/couples" => couples::create_couple,
    get "/api/v1/couples/{id}" => couples::get_couple,
    get "/api/v1/birth-registrations" => registrations::list_registrations,
    post "/api/v1/birth-registrations" => registrations::create_registration,
    get "/api/v1/birth-registrations/{id}" => registrations::get_registration,
    post "/api/v1/birth-registrations/{id}/review" => registrations::review_registration,
    post "/api/v1/birth-registrations/{id}/status" => registrations::set_registration_status,
    get "/api/v1/pregnancies" => pregnancies::list_pregnancies,
    post "/api/v1/pregnancies" => pregnancies::report_pregnancy,
    get "/api/v1/pregnancies/{id}" => pregnancies::get_pregnancy,
    post "/api/v1/pregnancies/{id}/checks" => pregnancies::add_check,
    post "/api/v1/pregnancies/{id}/outcome" => pregnancies::record_outcome,
    post "/api/v1/pregnancies/{id}/births" => pregnancies::report_births,
    get "/api/v1/births" => births::list_births,
    get "/api/v1/births/{id}" => births::get_birth,
    post "/api/v1/births/{id}/verifications" => births::verify_birth,
    post "/api/v1/births/{id}/amendments" => births::amend_birth,
    post "/api/v1/births/{id}/name" => births::name_child,
    get "/api/v1/infant-deaths" => births::list_deaths,
    post "/api/v1/infant-deaths" => births::report_death,
    get "/api/v1/infant-deaths/{id}" => births::get_death,
    post "/api/v1/infant-deaths/{id}/verifications" => births::verify_death,
    get "/api/v1/stats/srb" => stats::srb,
    get "/api/v1/stats/srb-by-year" => stats::srb_by_year,
    get "/api/v1/stats/timeliness" => stats::timeliness,
    get "/api/v1/stats/incentive-ledger" => stats::incentive_ledger,
    get "/api/v1/zones" => followup::list_zones,
    post "/api/v1/zones" => followup::create_zone,
    get "/api/v1/zones/{id}" => followup::get_zone,
    put "/api/v1/zones/{id}" => followup::update_zone,
    get "/api/v1/persons/{id}/assignment" => followup::get_assignment,
    put "/api/v1/persons/{id}/assignment" => followup::put_assignment,
    get "/api/v1/assignments/unassigned" => followup::list_unassigned,
    get "/api/v1/schedule-rules" => followup::list_rules,
    put "/api/v1/schedule-rules/{code}" => followup::update_rule,
    get "/api/v1/persons/{id}/schedule" => followup::person_schedule,
    get "/api/v1/work-list" => followup::work_list,
    post "/api/v1/procedures" => followup_visits::record_procedure,
    get "/api/v1/persons/{id}/procedures" => followup_visits::list_procedures,
    get "/api/v1/visits" => followup_visits::list_visits,
    post "/api/v1/visits" => followup_visits::record_visit,
    get "/api/v1/visits/{id}" => followup_visits::get_visit,
    get "/api/v1/needs" => followup_visits::list_needs,
    post "/api/v1/needs/{id}/status" => followup_visits::set_need_status,
    get "/api/v1/coverage" => followup_coverage::coverage,
    get "/api/v1/coverage/months" => followup_coverage::coverage_months,
    get "/api/v1/coverage/postpartum" => followup_coverage::coverage_postpartum,
    get "/api/openapi.json" => openapi_json,
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hearth API",
        description = "The township family-planning register (households, persons, couples, \
                       birth registrations), pregnancies to their outcome, verified births and \
                       infant deaths, the follow-up service (zones, schedules, visits, \
                       coverage), and their statistics, scoped to the caller's area. Errors are JSON \
                       `{error, message, fields}`; `Accept-Language: en` gives English \
                       messages, anything else Chinese. Single records carry \
                       `ETag: \"<version>\"`; changes need `If-Match`."
    ),
    paths(
        auth::issue_token,
        auth::revoke_token,
        orgs::list_org_units,
        households::list_households,
        households::create_household,
        households::get_household,
        households::update_household,
        households::delete_household,
        persons::list_persons,
        persons::create_person,
        persons::get_person,
        persons::update_person,
        couples::list_couples,
        couples::create_couple,
        couples::get_couple,
        registrations::list_registrations,
        registrations::create_registration,
        registrations::get_registration,
        registrations::review_registration,
        registrations::set_registration_status,
        pregnancies::list_pregnancies,
        pregnancies::report_pregnancy,
        pregnancies::get_pregnancy,
        pregnancies::add_check,
        pregnancies::record_outcome,
        pregnancies::report_births,
        births::list_births,
        births::get_birth,
        births::verify_birth,
        births::amend_birth,
        births::name_child,
        births::list_deaths,
        births::report_death,
        births::get_death,
        births::verify_death,
        stats::srb,
        stats::srb_by_year,
        stats::timeliness,
        stats::incentive_ledger,
        followup::list_zones,
        followup::create_zone,
        followup::get_zone,
        followup::update_zone,
        followup::get_assignment,
        followup::put_assignment,
        followup::list_unassigned,
        followup::list_rules,
        followup::update_rule,
        followup::person_schedule,
        followup::work_list,
        followup_visits::record_procedure,
        followup_visits::list_procedures,
        followup_visits::list_visits,
        followup_visits::record_visit,
        followup_visits::get_visit,
        followup_visits::list_needs,
        followup_visits::set_need_status,
        followup_coverage::coverage,
        followup_coverage::coverage_months,
        followup_coverage::coverage_postpartum,
        openapi_json,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "API tokens"),
        (name = "org-units", description = "The area's org units (区划)"),
        (name = "households", description = "Households (户)"),
        (name = "persons", description = "Persons (人口)"),
        (name = "couples", description = "Couples of reproductive age (育龄夫妇)"),
        (name = "birth-registrations", description = "Birth registrations (生育登记)"),
        (name = "pregnancies", description = "Pregnancies (孕情) to their outcome, antenatal checks"),
        (name = "births", description = "Births (出生) and their two-person verification, amendments"),
        (name = "infant-deaths", description = "Infant deaths (婴儿死亡) and their verification"),
        (name = "statistics", description = "Sex ratio at birth, report timeliness, the incentive ledger"),
        (name = "zones", description = "Follow-up zones (片区) and each woman's responsible worker (谁随访谁管理)"),
        (name = "schedules", description = "Schedule rules, each woman's due contacts and the workers' work lists (随访计划)"),
        (name = "visits", description = "Follow-up visits (随访), contraceptive procedures and the needs raised"),
        (name = "coverage", description = "Follow-up coverage by village, zone, worker and month; postpartum visit completion"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme the protected operations name.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from POST /api/v1/auth/token, sent as \
                         `Authorization: Bearer <token>`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3 document of this API (no token needed).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    match DOC.get_or_init(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string())) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        Err(e) => {
            ApiError::web(crate::error::WebError::Server(e.clone()), Lang::En).into_response()
        }
    }
}

/// Unknown API routes answer JSON too.
async fn no_such_route(extract::ApiLang(lang): extract::ApiLang) -> ApiError {
    ApiError::api(StatusCode::NOT_FOUND, "not_found", lang)
}

/// Turns axum's empty 405 into the API's JSON error (keeping `Allow`) and
/// forbids caching of any API answer.
async fn api_responses(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = extract::api_lang(req.headers());
    let mut res = next.run(req).await;
    if res.status() == StatusCode::METHOD_NOT_ALLOWED
        && !res.headers().contains_key(header::CONTENT_TYPE)
    {
        let allow = res.headers().get(header::ALLOW).cloned();
        res = ApiError::api(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", lang)
            .into_response();
        if let Some(a) = allow {
            res.headers_mut().insert(header::ALLOW, a);
        }
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_every_route_and_nothing_else() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        for (method, path) in API_ROUTES {
            let op = &paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path} is not in the document"))[*method];
            assert!(op.is_object(), "{method} {path} is not in the document");
            let public =
                *path == "/api/openapi.json" || (*method, *path) == ("post", "/api/v1/auth/token");
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(secured, !public, "{method} {path}: security");
        }
        let mut documented = 0;
        for (path, item) in &paths {
            for method in ["get", "post", "put", "delete", "patch"] {
                if item.get(method).is_some() {
                    documented += 1;
                    assert!(
                        API_ROUTES.contains(&(method, path.as_str())),
                        "{method} {path} is documented but not routed"
                    );
                }
            }
        }
        assert_eq!(documented, API_ROUTES.len());
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
