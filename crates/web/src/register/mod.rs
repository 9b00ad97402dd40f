//! The register's screens (一户式管理): org tree, search, household, person
//! and birth-registration pages.
//!
//! - `orgs`: `GET /orgs` (the org tree with counts).
//! - `search`: `GET /search` (the one search box, masked hits).
//! - `person`: `GET /persons/{id}` (the person page, with each workflow's
//!   panel through `crate::PERSON_PANELS`), reveal, linking a spouse.
//! - `person_form`: `GET/POST /persons/new`, `GET/POST /persons/{id}/edit`.
//! - `household`: the household page, its edit form and members, the new
//!   household form and a village's household list.
//! - `registration`: birth registrations from the person page and the
//!   annual-review work list.
//! - `api/`: the register's JSON API.
//!
//! Handlers stay thin and return `PageResult`: check the CSRF token of a
//! form, ask the store (`me.run`, always with the caller's `Scope`) whether
//! the record is visible at all — a record outside the scope is 404 before
//! any form is looked at — then validate through `core`, call the store and
//! render. Lists show masked ID numbers and phones only; a full value is
//! shown by the person page's "show" buttons, which the store audits.

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub mod api;
mod household;
mod orgs;
mod person;
mod person_form;
mod registration;
mod search;

/// The register screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(orgs::tree))
        .route("/search", get(search::search))
        .route(
            "/persons/new",
            get(person_form::new_form).post(person_form::create),
        )
        .route("/persons/{id}", get(person::show))
        .route(
            "/persons/{id}/reveal",
            get(person::back_to_person).post(person::reveal),
        )
        .route(
            "/persons/{id}/edit",
            get(person_form::edit_form).post(person_form::edit),
        )
        .route(
            "/persons/{id}/couples",
            get(person::back_to_person).post(person::add_couple),
        )
        .route("/households", get(household::list))
        .route(
            "/households/new",
            get(household::new_form).post(household::create),
        )
        .route("/households/{id}", get(household::show))
        .route(
            "/households/{id}/edit",
            get(household::back_to_household).post(household::edit),
        )
        .route(
            "/households/{id}/members/add",
            get(household::back_to_household).post(household::add_member),
        )
        .route(
            "/households/{id}/members/{pid}/move",
            get(household::back_to_household_member).post(household::move_member),
        )
        .route(
            "/households/{id}/members/{pid}/remove",
            get(household::back_to_household_member).post(household::remove_member),
        )
        .route("/registrations", get(registration::due))
        .route("/registrations/{id}", get(registration::show))
        .route(
            "/couples/{id}/registrations",
            post(registration::create).get(registration::back_to_couple),
        )
        .route(
            "/registrations/{id}/review",
            post(registration::review).get(registration::show),
        )
        .route(
            "/registrations/{id}/cancel",
            post(registration::cancel).get(registration::show),
        )
}
