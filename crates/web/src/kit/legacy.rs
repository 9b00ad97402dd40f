//! The page helpers from before pages returned [`PageResult`]: a bare
//! `Response` for every failure. Each workflow moves to `me.run(…)?` and
//! `PageResult`; this module goes once nothing uses it.
//!
//! [`PageResult`]: crate::kit::page::PageResult

use crate::error::WebError;
use crate::kit::params::ParamError;
use crate::session::SignedIn;
use axum::response::{IntoResponse, Response};
use hearth_core::scope::Permission;
use hearth_store::StoreError;

/// Runs store work on a blocking thread.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, WebError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => Err(e.into()),
    }
}

/// An error as a page, with the signed-in header.
pub(crate) fn fail(me: &SignedIn, e: WebError) -> Response {
    me.fail(e).into_response()
}

/// The caller's role allows `p`, else the 403.
pub(crate) fn require(me: &SignedIn, p: Permission) -> Result<(), WebError> {
    if me.scope.can(p) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// A role that may write the register, else the 403.
pub(crate) fn require_write(me: &SignedIn) -> Result<(), WebError> {
    require(me, Permission::WriteRegister)
}

/// The session's CSRF token (403), then a role that may write the
/// register (403).
pub(crate) fn change_allowed(me: &SignedIn, csrf: &str) -> Result<(), WebError> {
    me.check_csrf(csrf)?;
    require_write(me)
}

/// A 400 page naming each refused query parameter.
pub(crate) fn bad_params(me: &SignedIn, params: Vec<ParamError>, back: &str) -> Response {
    me.bad_params(params, back).into_response()
}
