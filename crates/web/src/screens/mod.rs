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
use crate::error::WebError;
use crate::i18n::t;
use crate::session::SignedIn;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hearth_core::scope::Permission;
use hearth_core::{FieldError, Lang};
use hearth_store::StoreError;
use hearth_store::orgs::OrgRow;
use std::collections::HashMap;

mod household;
mod orgs;
mod person;
mod pregnancy;
mod registration;
mod search;

/// The register screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pregnancy::routes())
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

// ---- shared helpers ----------------------------------------------------------

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
    crate::pages::error_page(&me.ctx, e, Some(me.me()))
}

/// Refuses a change to a user whose role cannot write the register (the
/// store refuses too; this only answers before a form is validated).
pub(crate) fn require_write(me: &SignedIn) -> Result<(), WebError> {
    if me.scope.can(Permission::WriteRegister) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// The checks every changing form passes first, in this order: the
/// session's CSRF token (403), then a role that may write the register (403).
pub(crate) fn change_allowed(me: &SignedIn, csrf: &str) -> Result<(), WebError> {
    me.check_csrf(csrf)?;
    require_write(me)
}

/// A 303 to another page.
pub(crate) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A catalogue text as an owned string.
pub(crate) fn tx(lang: Lang, key: &str) -> String {
    t(lang, key).to_string()
}

/// The field errors of one form: each message beside its field, and those
/// naming no field of the form at the top.
#[derive(Debug, Clone, Default)]
pub(crate) struct Errors {
    fields: Vec<(String, String)>,
    pub general: Vec<String>,
}

impl Errors {
    /// Sorts store/core field errors onto the form's fields. `rename` maps
    /// a store field name to the form's (`household_id` → `household_number`).
    pub fn from_fields(
        errs: &[FieldError],
        lang: Lang,
        known: &[&str],
        rename: &[(&str, &str)],
    ) -> Errors {
        let mut out = Errors::default();
        for e in errs {
            let name = rename
                .iter()
                .find(|(from, _)| *from == e.field)
                .map_or(e.field.as_str(), |(_, to)| *to);
            if known.contains(&name) {
                out.add(name, e.message(lang));
            } else {
                out.general.push(format!(
                    "{}{}{}",
                    e.field,
                    t(lang, "screens.colon"),
                    e.message(lang)
                ));
            }
        }
        out
    }

    /// Adds a message to a field (the first message of a field wins).
    pub fn add(&mut self, field: &str, message: String) {
        if self.get(field).is_none() {
            self.fields.push((field.to_string(), message));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }
}

/// One `<option>` of a select.
#[derive(Debug, Clone)]
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from `(value, label)` pairs, one selected when it equals
/// `current`; a leading blank option when `blank` is given.
pub(crate) fn options(
    current: &str,
    blank: Option<String>,
    items: impl IntoIterator<Item = (String, String)>,
) -> Vec<Opt> {
    let mut out: Vec<Opt> = blank
        .map(|label| Opt {
            value: String::new(),
            label,
            selected: current.is_empty(),
        })
        .into_iter()
        .collect();
    out.extend(items.into_iter().map(|(value, label)| Opt {
        selected: value == current,
        value,
        label,
    }));
    out
}

/// A value as typed in a form and as stored now, for the conflict view.
#[derive(Debug, Clone)]
pub(crate) struct DiffRow {
    pub label: String,
    pub theirs: String,
    pub yours: String,
    pub differs: bool,
}

impl DiffRow {
    pub fn new(label: String, theirs: String, yours: String) -> DiffRow {
        DiffRow {
            differs: theirs.trim() != yours.trim(),
            label,
            theirs,
            yours,
        }
    }
}

pub(crate) fn sex_label(lang: Lang, s: hearth_core::person::Sex) -> String {
    tx(
        lang,
        match s {
            hearth_core::person::Sex::Male => "screens.sex.male",
            hearth_core::person::Sex::Female => "screens.sex.female",
        },
    )
}

pub(crate) fn marital_label(lang: Lang, m: hearth_core::person::MaritalStatus) -> String {
    tx(lang, &format!("screens.marital.{}", m.code()))
}

pub(crate) fn relation_label(lang: Lang, r: hearth_core::person::Relation) -> String {
    tx(lang, &format!("screens.relation.{}", r.code()))
}

pub(crate) fn status_label(lang: Lang, s: hearth_core::registration::RegistrationStatus) -> String {
    tx(lang, &format!("screens.reg.status.{}", s.code()))
}

/// The relation select, with a blank first option.
pub(crate) fn relation_options(lang: Lang, current: &str) -> Vec<Opt> {
    options(
        current,
        Some(tx(lang, "screens.choose")),
        hearth_core::person::Relation::ALL
            .iter()
            .map(|r| (r.code().to_string(), relation_label(lang, *r))),
    )
}

/// Village names by code, from the org list.
pub(crate) fn names(units: &[OrgRow]) -> HashMap<String, String> {
    units
        .iter()
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect()
}

/// The villages a user may write to, as select options.
pub(crate) fn village_options(me: &SignedIn, units: &[OrgRow], current: &str) -> Vec<Opt> {
    options(
        current,
        Some(tx(me.ctx.lang, "screens.choose")),
        units
            .iter()
            .filter(|u| u.level == hearth_core::org::OrgLevel::Village && me.scope.covers(&u.code))
            .map(|u| (u.code.clone(), format!("{}（{}）", u.name, u.code))),
    )
}

/// A page number from a query value: 1 when absent or not a number.
pub(crate) fn page_number(s: Option<&str>) -> i64 {
    s.and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .map_or(1, |p| p.min(10_000))
}

/// A version from a hidden field; an unreadable one counts as 0, which the
/// store answers as a conflict showing the record as it is now.
pub(crate) fn version_of(s: &str) -> i64 {
    s.trim().parse().unwrap_or(0)
}

/// A client-chosen record id from a hidden field, if it is a UUID.
pub(crate) fn client_id(s: &str) -> Option<String> {
    uuid::Uuid::parse_str(s.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A record id from a path, accepted only in the shape ids have, so an odd
/// path is simply not found.
pub(crate) fn path_id(s: &str) -> Result<&str, WebError> {
    if !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(s)
    } else {
        Err(WebError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("张 a&b"), "%E5%BC%A0%20a%26b");
        assert_eq!(encode("zxm-1"), "zxm-1");
    }

    #[test]
    fn pages_and_versions() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("x")), 1);
        assert_eq!(page_number(Some("-3")), 1);
        assert_eq!(page_number(Some("4")), 4);
        assert_eq!(version_of("7"), 7);
        assert_eq!(version_of("seven"), 0);
        assert!(path_id("0190a0b1-aaaa-7bbb-8ccc-0123456789ab").is_ok());
        assert!(path_id("../etc").is_err());
    }

    #[test]
    fn errors_sort_onto_fields() {
        let errs = [
            FieldError::new("phone", hearth_core::Reason::BadPhone),
            FieldError::new("household_id", hearth_core::Reason::Duplicate),
            FieldError::new("id", hearth_core::Reason::Duplicate),
        ];
        let e = Errors::from_fields(
            &errs,
            Lang::En,
            &["phone", "household_number"],
            &[("household_id", "household_number")],
        );
        assert!(e.has("phone") && e.has("household_number"));
        assert_eq!(e.general.len(), 1);
    }
}
