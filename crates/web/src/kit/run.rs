//! Two more ways a page calls the store, beside [`SignedIn::run`]: a
//! report whose refused parameters are the 400 page naming them, and a
//! form that needs the store's answer itself (a refusal shown beside the
//! fields, a stale version shown as the conflict view).

use crate::AppState;
use crate::kit::page::PageFail;
use crate::session::SignedIn;
use hearth_core::scope::Scope;
use hearth_store::{Db, StoreError};

impl SignedIn {
    /// Runs a report's store work like [`SignedIn::run`]; the store's
    /// refusal of a parameter (`org_code` is the `org` parameter) is the
    /// 400 page with a link back to `back`, other errors the error page.
    pub async fn run_report<T, F>(&self, st: &AppState, back: &str, f: F) -> Result<T, PageFail>
    where
        F: FnOnce(&Db, &Scope) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.attempt(st, f)
            .await?
            .map_err(|e| self.report_fail(e.into(), back))
    }

    /// Runs store work like [`SignedIn::run`] but hands back the store's
    /// answer, refusal included, for the page to show; only a failure to
    /// run at all is the error page.
    pub async fn attempt<T, F>(
        &self,
        st: &AppState,
        f: F,
    ) -> Result<Result<T, StoreError>, PageFail>
    where
        F: FnOnce(&Db, &Scope) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(st, move |db, scope| Ok(f(db, scope))).await
    }
}
