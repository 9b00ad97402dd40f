//! The register's screens (一户式管理): org tree, search, household, person
//! and birth-registration pages.
//!
//! Handlers stay thin: check the CSRF token of a form, ask the store (on a
//! blocking thread, always with the caller's `Scope`) whether the record is
//! visible at all — a record outside the scope is 404 before any form is
//! looked at — then validate through `core`, call the store and render.
//! Lists show masked ID numbers and phones only; a full value is shown by
//! the person page's "show" buttons, which the store audits.

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub mod api;
mod household;
mod orgs;
mod person;
mod registration;
mod search;

/// The register screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(orgs::tree))
        .route("/search", get(search::search))
        .route("/persons/new", get(person::new_form).post(person::create))
        .route("/persons/{id}", get(person::show))
        .route(
            "/persons/{id}/reveal",
            get(person::back_to_person).post(person::reveal),
        )
        .route(
            "/persons/{id}/edit",
            get(person::edit_form).post(person::edit),
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

// The register's pages share the kit's helpers; these re-exports keep the
// module's files short.
pub(crate) use crate::kit::form::{
    DiffRow, Errors, Opt, client_id, options, page_number, path_id, version_of,
};
pub(crate) use crate::kit::labels::{
    marital_label, registration_status_label as status_label, relation_label, relation_options,
    sex_label,
};
pub(crate) use crate::kit::legacy::{blocking, change_allowed, fail, require_write};
pub(crate) use crate::kit::org::{names, village_options};
pub(crate) use crate::kit::page::see_other;
pub(crate) use crate::kit::params::{encode, tx};
