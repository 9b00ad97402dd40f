//! Follow-up service screens (随访): the worker's phone-width work list,
//! recording a visit, zones and assignments, needs, and the coverage
//! indicators with their chart and Excel export.

use crate::AppState;
use axum::Router;

/// The follow-up screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
