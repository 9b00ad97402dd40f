//! Pregnancy, birth and infant-death screens: the village specialist's and
//! the town's lists, report forms, the pregnancy and birth pages, and the
//! two-person verification.

use crate::AppState;
use axum::Router;

/// The pregnancy, birth and infant-death screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
