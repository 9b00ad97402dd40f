//! Follow-up service screens (随访): the worker's phone-width work list,
//! recording a visit, zones and assignments, needs, and the coverage
//! indicators with their chart and Excel export.
//!
//! - `work`: `GET /work` (the work list, grouped by zone and household),
//!   `GET /work/needs` and `POST /work/needs/{id}/status`.
//! - `visit`: `GET/POST /work/visit/new?person=` (record a visit; the due
//!   contacts it covers are computed by the store for the typed date).
//! - `zones`: `GET/POST /zones?village=`, `POST /zones/{id}/edit` (rename,
//!   change the worker after a confirmation that all its women move),
//!   `POST /zones/assign`, `POST /zones/assign-all`, and
//!   `GET/POST /persons/{id}/assignment` (move one woman to another zone).
//! - `coverage`: `GET /work/coverage` (table, postpartum completion, SVG
//!   chart) and `GET /work/coverage.xlsx` (audited export).
//! - `schedule`: `GET /admin/schedule`, `POST /admin/schedule/{code}`.
//!
//! Handlers stay thin: the CSRF token first on a POST, then the role, then
//! the store (always with the caller's `Scope`, which filters and audits).

use crate::AppState;
use crate::session::SignedIn;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use hearth_core::Lang;
use hearth_core::follow_up::{ContactStatus, VisitMode};
use hearth_core::user::Role;

pub mod api;
mod coverage;
mod schedule;
mod visit;
mod work;
mod zones;

// Shared page helpers come from the kit; these re-exports keep the
// module's files short.
pub(crate) use crate::kit::legacy::{bad_params, require};
pub(crate) use crate::kit::params::{ParamError, pct, pick, word};

/// The follow-up screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/followup.css", get(stylesheet))
        .route("/work", get(work::page))
        .route("/work/needs", get(work::needs))
        .route(
            "/work/needs/{id}/status",
            post(work::need_status).get(work::back_to_needs),
        )
        .route("/work/visit/new", get(visit::form).post(visit::save))
        .route("/work/coverage", get(coverage::page))
        .route("/work/coverage.xlsx", get(coverage::xlsx))
        .route("/zones", get(zones::page).post(zones::create))
        .route("/zones/assign", post(zones::assign).get(zones::back))
        .route(
            "/zones/assign-all",
            post(zones::assign_all).get(zones::back),
        )
        .route(
            "/zones/{id}/edit",
            post(zones::update).get(zones::back_to_zone),
        )
        .route(
            "/persons/{id}/assignment",
            get(zones::assignment).post(zones::move_woman),
        )
        .route("/admin/schedule", get(schedule::page))
        .route(
            "/admin/schedule/{code}",
            post(schedule::save).get(schedule::back),
        )
}

/// The follow-up screens' own stylesheet (the work list's phone layout,
/// the coverage chart), linked from their templates.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("follow_up.css"),
    )
}

// ---- shared helpers ----------------------------------------------------------

/// True for a follow-up worker (随访员): she sees and visits only the
/// women assigned to her.
pub(crate) fn is_worker(me: &SignedIn) -> bool {
    me.user.role == Role::FollowUpWorker
}

pub(crate) fn mode_label(lang: Lang, code: &str) -> String {
    word(lang, "followup.mode", code)
}

pub(crate) fn status_label(lang: Lang, s: ContactStatus) -> String {
    word(lang, "followup.status", s.code())
}

pub(crate) fn category_label(lang: Lang, code: &str) -> String {
    word(lang, "followup.category", code)
}

pub(crate) fn need_status_label(lang: Lang, code: &str) -> String {
    word(lang, "followup.need_status", code)
}

/// The visit modes, in form order.
pub(crate) const MODES: [VisitMode; 3] = [VisitMode::Home, VisitMode::Phone, VisitMode::Clinic];

/// A window as the pages show it (`2026-11-01 – 2026-11-30`, or one day).
pub(crate) fn window_text(from: &str, to: &str) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from} – {to}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_windows() {
        assert_eq!(mode_label(Lang::Zh, "home"), "入户");
        assert_eq!(mode_label(Lang::En, "phone"), "Phone");
        assert_eq!(mode_label(Lang::En, "fax"), "fax");
        assert_eq!(window_text("2026-11-01", "2026-11-01"), "2026-11-01");
        assert_eq!(
            window_text("2026-11-01", "2026-11-30"),
            "2026-11-01 – 2026-11-30"
        );
        assert_eq!(pick(Lang::En, "常规", ""), "常规");
        assert_eq!(pct(Some(0.5)), "50.0%");
        assert_eq!(pct(None), "—");
    }
}
