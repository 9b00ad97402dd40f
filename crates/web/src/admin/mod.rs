//! Administration and oversight screens: users (create, reset, disable),
//! the person import page, and the auditor's trail.
//!
//! - `audit`: `GET /audit` (the trail, filtered and paged; auditors and
//!   administrators) and `GET /audit/export.csv` (the same filters as a
//!   streamed CSV, itself written to the trail as an `export`).
//! - `users`: `GET/POST /admin/users`, `POST /admin/users/{id}/reset-password`,
//!   `…/disable`, `…/enable` (administrators).
//! - `import`: `GET/POST /import`, `POST /import/confirm`,
//!   `GET /import/template.csv`, `GET /import/report.json` (users who may
//!   write the register); `uploads` keeps an uploaded file between the dry
//!   run and the confirmation.

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

mod audit;
mod import;
mod uploads;
mod users;

/// The largest import file accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// The admin screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit::page))
        .route("/audit/export.csv", get(audit::export))
        .route("/admin/users", get(users::page).post(users::create))
        .route(
            "/admin/users/{id}/reset-password",
            post(users::reset_password),
        )
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route(
            "/import",
            get(import::page)
                // Room for the file plus the multipart framing.
                .post(import::upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/import/confirm", post(import::confirm))
        .route("/import/template.csv", get(import::template))
        .route("/import/report.json", get(import::report))
}

/// A role's name in the user's language.
pub(crate) fn role_label(lang: hearth_core::Lang, role: hearth_core::user::Role) -> String {
    crate::kit::params::word(lang, "admin.role", role.code())
}
