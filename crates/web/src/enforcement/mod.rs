//! The enforcement case register screens (两非案件登记簿): the case list, a
//! new case, a case's page with its edit form (with the version the store
//! checks), and the administrator's grant switch on the users page. Only
//! users holding the grant see anything — the others get a 403 page that
//! says so — and the store audits every view.
//!
//! - `cases`: `GET /enforcement`, `GET/POST /enforcement/new`,
//!   `GET/POST /enforcement/{id}`.
//! - `form`: the case form as typed and as shown, its field errors and the
//!   conflict view's rows.
//! - `grant`: `POST /admin/users/{id}/enforcement` (administrators).

use crate::AppState;
use crate::error::WebError;
use crate::i18n::t;
use crate::kit::page::PageFail;
use crate::kit::params::word;
use crate::session::SignedIn;
use axum::http::StatusCode;
use hearth_core::Lang;
use hearth_core::pregnancy::{CaseKind, CaseStatus};
use hearth_store::StoreError;
use hearth_store::enforcement::{self, Case};

mod cases;
mod form;
mod grant;

/// The enforcement register's routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/enforcement", get(cases::list))
        .route("/enforcement/new", get(cases::new_form).post(cases::create))
        .route("/enforcement/{id}", get(cases::show).post(cases::update))
        .route(
            "/admin/users/{id}/enforcement",
            post(grant::grant).get(grant::back_to_users),
        )
}

/// Refuses a user without the grant with a page that says so.
async fn granted(st: &AppState, me: &SignedIn) -> Result<(), PageFail> {
    match me.attempt(st, enforcement::has_grant).await? {
        Ok(true) => Ok(()),
        Ok(false) | Err(StoreError::Forbidden) => Err(not_granted(me)),
        Err(e) => Err(me.fail(e)),
    }
}

fn not_granted(me: &SignedIn) -> PageFail {
    me.refuse(
        StatusCode::FORBIDDEN,
        t(me.ctx.lang, "enforcement.not_granted").to_string(),
    )
}

/// True when a field error says the grant is missing.
fn lacks_grant(fields: &[hearth_core::FieldError]) -> bool {
    fields
        .iter()
        .any(|e| e.reason == hearth_core::Reason::NotGranted)
}

/// True when the store refused for want of the grant.
fn refused_grant(e: &StoreError) -> bool {
    match e {
        StoreError::Forbidden => true,
        StoreError::Invalid(f) => lacks_grant(f),
        _ => false,
    }
}

/// A store error as a page: a refusal of the grant reads as such.
fn store_fail(me: &SignedIn, e: StoreError) -> PageFail {
    if refused_grant(&e) {
        not_granted(me)
    } else {
        me.fail(WebError::from(e))
    }
}

/// A case kind in the page's language.
fn kind_label(lang: Lang, k: CaseKind) -> String {
    word(lang, "enforcement.kind", k.code())
}

/// A case status in the page's language.
fn status_label(lang: Lang, s: CaseStatus) -> String {
    word(lang, "enforcement.status", s.code())
}

/// A kind or status as typed in a form: its label when it is one, else the
/// text itself.
fn typed_label<T: Copy>(
    typed: &str,
    parse: fn(&str) -> Result<T, hearth_core::Reason>,
    label: impl Fn(T) -> String,
) -> String {
    parse(typed).map_or_else(|_| typed.trim().to_string(), label)
}

/// A case as the list and its page show it.
struct CaseV {
    id: String,
    org: String,
    kind: String,
    occurred_on: String,
    place: String,
    description: String,
    penalty: String,
    fine: String,
    status: String,
    status_code: String,
    items: Vec<(String, i64)>,
    version: i64,
}

fn case_v(lang: Lang, c: &Case) -> CaseV {
    CaseV {
        id: c.id.clone(),
        org: format!("{}（{}）", c.org_name, c.org_code),
        kind: kind_label(lang, c.kind),
        occurred_on: c.occurred_on.clone(),
        place: c.place.clone(),
        description: c.description.clone(),
        penalty: c.penalty.clone().unwrap_or_default(),
        fine: c.fine_yuan.map(|f| f.to_string()).unwrap_or_default(),
        status: status_label(lang, c.status),
        status_code: c.status.code().to_string(),
        items: c.items.iter().map(|i| (i.kind.clone(), i.count)).collect(),
        version: c.version,
    }
}
