//! Pregnancy, birth and infant-death screens (workflows 2 and 3): the
//! village specialist's and the town's lists, report forms, the pregnancy
//! and birth pages, and the two-person verification; their JSON API is in
//! [`api`].
//!
//! Handlers return [`PageResult`](crate::kit::page::PageResult) and call the
//! store through `me.run(&st, …)`. A changing form checks the session's
//! CSRF token, then a role that writes the register (403 each), then asks
//! the store — always with the caller's `Scope` — so a record outside the
//! area is 404 on every route. Bad input re-renders the page with each
//! message beside its field and the typed values kept (422); a stale
//! version re-renders with a "changed by someone else" notice and the
//! record's current version (409). Lists never show ID numbers or phones.
//!
//! Files: `pregnancies` (the list and the report form), `pregnancy_page`
//! (a pregnancy with its checks and outcome), `birth_report` (the live
//! birth(s) closing it), `births` (the birth list and page), `deaths` (the
//! infant-death list and page), `verify` (the verification form both pages
//! share).

use crate::AppState;
use crate::kit::form::{Errors, Opt, options};
use crate::kit::org::{names, units};
use crate::kit::page::PageFail;
use crate::kit::params::{tx, word};
use crate::session::SignedIn;
use axum::Router;
use axum::routing::{get, post};
use hearth_core::pregnancy::{
    BirthPlace, DeathCause, Outcome, PregnancySource, TerminationReason, Verification,
};
use hearth_core::{FieldError, Lang};
use hearth_store::StoreError;
use hearth_store::orgs::OrgRow;
use std::collections::HashMap;

pub mod api;
mod birth_report;
mod births;
mod deaths;
pub mod panel;
mod pregnancies;
mod pregnancy_page;
mod verify;

/// The pregnancy, birth and infant-death screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pregnancies", get(pregnancies::list))
        .route(
            "/persons/{id}/pregnancies/new",
            get(pregnancies::new_form).post(pregnancies::create),
        )
        .route("/pregnancies/{id}", get(pregnancy_page::show))
        .route(
            "/pregnancies/{id}/checks",
            post(pregnancy_page::add_check).get(pregnancy_page::back_to_pregnancy),
        )
        .route(
            "/pregnancies/{id}/outcome",
            post(pregnancy_page::outcome).get(pregnancy_page::back_to_pregnancy),
        )
        .route(
            "/pregnancies/{id}/births",
            post(birth_report::report_births).get(pregnancy_page::back_to_pregnancy),
        )
        .route("/births", get(births::list))
        .route("/births/{id}", get(births::show))
        .route(
            "/births/{id}/verify",
            post(births::verify).get(births::back_to_birth),
        )
        .route(
            "/births/{id}/name",
            post(births::name).get(births::back_to_birth),
        )
        .route(
            "/births/{id}/amend",
            post(births::amend).get(births::back_to_birth),
        )
        .route(
            "/births/{id}/death",
            post(births::report_death).get(births::back_to_birth),
        )
        .route("/deaths", get(deaths::list))
        .route("/deaths/{id}", get(deaths::show))
        .route(
            "/deaths/{id}/verify",
            post(deaths::verify).get(deaths::back_to_death),
        )
}

// ---- labels of the coded values ------------------------------------------------

fn source_label(lang: Lang, s: PregnancySource) -> String {
    word(lang, "maternal.source", s.code())
}

fn outcome_label(lang: Lang, o: Outcome) -> String {
    word(lang, "maternal.outcome", o.code())
}

fn reason_label(lang: Lang, r: TerminationReason) -> String {
    word(lang, "maternal.reason", r.code())
}

fn place_label(lang: Lang, p: BirthPlace) -> String {
    word(lang, "maternal.place", p.code())
}

fn cause_label(lang: Lang, c: DeathCause) -> String {
    word(lang, "maternal.cause", c.code())
}

/// A verification state in words (its code goes to a CSS class).
fn verification_label(lang: Lang, v: Verification) -> String {
    word(lang, "maternal.verification", v.code())
}

/// A select of a core enum's values (as codes, with their labels) and a
/// blank first option.
fn enum_options<T: Copy>(
    lang: Lang,
    current: &str,
    values: impl IntoIterator<Item = T>,
    code: fn(T) -> &'static str,
    label: fn(Lang, T) -> String,
) -> Vec<Opt> {
    options(
        current,
        Some(tx(lang, "screens.choose")),
        values
            .into_iter()
            .map(|v| (code(v).to_string(), label(lang, v))),
    )
}

// ---- lists ---------------------------------------------------------------------

/// Rows a list page shows.
const PAGE: i64 = 50;

/// A village's name, or its code when the name is not known.
fn village_name(names: &HashMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// The villages the caller sees, for a list's village filter (empty when
/// the caller has one village only, so no filter is shown).
fn village_filter(units: &[OrgRow], current: &str, lang: Lang) -> Vec<Opt> {
    let villages: Vec<&OrgRow> = units
        .iter()
        .filter(|u| u.level == hearth_core::org::OrgLevel::Village)
        .collect();
    if villages.len() < 2 {
        return Vec::new();
    }
    options(
        current,
        Some(tx(lang, "maternal.all_villages")),
        villages
            .into_iter()
            .map(|u| (u.code.clone(), u.name.clone())),
    )
}

/// An org code from a list's `?org=`: digits only, else no filter.
fn org_param(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// A list's store error for its page: a village filter outside the area
/// (which the store refuses as invalid input) is simply not found.
fn list_error(e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(_) => StoreError::NotFound,
        other => other,
    }
}

/// The org units the caller sees, with their names by code.
async fn org_names(
    st: &AppState,
    me: &SignedIn,
) -> Result<(Vec<OrgRow>, HashMap<String, String>), PageFail> {
    let units = units(st, me).await?;
    let n = names(&units);
    Ok((units, n))
}

/// The `?page=` links of a list: the previous page and, when this page was
/// full, the next.
fn pager(base: &str, page: i64, more: bool) -> (Option<String>, Option<String>) {
    let sep = if base.contains('?') { '&' } else { '?' };
    let link = |n: i64| format!("{base}{sep}page={n}");
    (
        (page > 1).then(|| link(page - 1)),
        more.then(|| link(page + 1)),
    )
}

// ---- forms ---------------------------------------------------------------------

/// Field errors sorted onto a form's fields. Unlike
/// [`Errors::from_fields`], an error naming no field of the form is shown
/// at the top by its message alone, without the store's field name.
fn form_errors(errs: &[FieldError], lang: Lang, known: &[&str], rename: &[(&str, &str)]) -> Errors {
    let mut out = Errors::default();
    for e in errs {
        let name = rename
            .iter()
            .find(|(from, _)| *from == e.field)
            .map_or(e.field.as_str(), |(_, to)| *to);
        if known.contains(&name) {
            out.add(name, e.message(lang));
        } else {
            out.general.push(e.message(lang));
        }
    }
    out
}

/// One message at the top of a form.
fn general(message: String) -> Errors {
    let mut e = Errors::default();
    e.general.push(message);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_and_pages() {
        assert_eq!(
            org_param(Some(" 370404100201 ")).as_deref(),
            Some("370404100201")
        );
        assert_eq!(org_param(Some("37x")), None);
        assert_eq!(org_param(Some("")), None);
        let (prev, next) = pager("/births?v=unverified", 2, true);
        assert_eq!(prev.as_deref(), Some("/births?v=unverified&page=1"));
        assert_eq!(next.as_deref(), Some("/births?v=unverified&page=3"));
        assert_eq!(pager("/births", 1, false), (None, None));
    }

    #[test]
    fn labels_come_from_the_enums() {
        assert_eq!(
            outcome_label(Lang::Zh, Outcome::LiveBirth),
            word(Lang::Zh, "maternal.outcome", "live_birth")
        );
        assert_eq!(
            Verification::from_code("village_verified"),
            Some(Verification::VillageVerified)
        );
        assert_eq!(Verification::from_code("all"), None);
    }
}
