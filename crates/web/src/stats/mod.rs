//! Statistics screens (sex ratio at birth, timeliness and the incentive
//! ledger, reconciliation, annual review, the monthly report and its Excel
//! export), the incentive settings, and the enforcement case register.

use crate::AppState;
use axum::Router;

/// The statistics and enforcement screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
