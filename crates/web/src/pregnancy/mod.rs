//! Pregnancy, birth and infant-death screens: the village specialist's and
//! the town's lists, report forms, the pregnancy and birth pages, and the
//! two-person verification.
//!
//! Handlers follow the register screens: a changing form checks the
//! session's CSRF token, then a role that writes the register (403 each),
//! then asks the store — always with the caller's `Scope` — so a record
//! outside the area is 404 on every route. Bad input re-renders the page
//! with each message beside its field and the typed values kept (422); a
//! stale version re-renders with a "changed by someone else" notice and the
//! record's current version (409). Lists never show ID numbers or phones.

use crate::AppState;
use crate::session::SignedIn;
use axum::Router;
use axum::routing::{get, post};
use hearth_core::pregnancy::{VerifyInput, VerifyStep};
use hearth_core::user::Role;
use hearth_core::{FieldError, Lang};
use hearth_store::orgs::OrgRow;
use hearth_store::pregnancy::VerifyRecord;
use std::collections::HashMap;

// Shared page helpers come from the kit; these re-exports keep the
// module's files short.
pub(crate) use crate::kit::form::{
    Errors, Opt, client_id, options, page_number, path_id, version_of,
};
pub(crate) use crate::kit::labels::sex_label;
pub(crate) use crate::kit::legacy::{blocking, change_allowed, fail, require_write};
pub(crate) use crate::kit::org::names;
pub(crate) use crate::kit::page::see_other;
pub(crate) use crate::kit::params::tx;

pub mod api;
mod births;
mod deaths;
mod pregnancies;

/// The pregnancy, birth and infant-death screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pregnancies", get(pregnancies::list))
        .route(
            "/persons/{id}/pregnancies/new",
            get(pregnancies::new_form).post(pregnancies::create),
        )
        .route("/pregnancies/{id}", get(pregnancies::show))
        .route(
            "/pregnancies/{id}/checks",
            post(pregnancies::add_check).get(pregnancies::back_to_pregnancy),
        )
        .route(
            "/pregnancies/{id}/outcome",
            post(pregnancies::outcome).get(pregnancies::back_to_pregnancy),
        )
        .route(
            "/pregnancies/{id}/births",
            post(pregnancies::report_births).get(pregnancies::back_to_pregnancy),
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

// ---- shared helpers ----------------------------------------------------------

/// Rows a list page shows.
const PAGE: i64 = 50;

/// A coded value in words (`maternal.<kind>.<code>`); an unknown code is
/// shown as stored.
fn coded(lang: Lang, kind: &str, code: &str) -> String {
    let key = format!("maternal.{kind}.{code}");
    let s = tx(lang, &key);
    if s == key { code.to_string() } else { s }
}

/// A select of coded values with a blank first option.
fn coded_options(lang: Lang, kind: &str, current: &str, codes: &[&'static str]) -> Vec<Opt> {
    options(
        current,
        Some(tx(lang, "screens.choose")),
        codes
            .iter()
            .map(|c| ((*c).to_string(), coded(lang, kind, c))),
    )
}

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

/// A list's error as a page: a village filter outside the area (which the
/// store refuses as invalid input) is simply not found.
fn list_error(e: crate::error::WebError) -> crate::error::WebError {
    match e {
        crate::error::WebError::Invalid(_) => crate::error::WebError::NotFound,
        other => other,
    }
}

/// The org units the caller sees, with their names by code.
async fn org_names(
    st: &AppState,
    me: &SignedIn,
) -> Result<(Vec<OrgRow>, HashMap<String, String>), crate::error::WebError> {
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let units = blocking(move || hearth_store::orgs::list(&db, &scope)).await?;
    let n = names(&units);
    Ok((units, n))
}

/// Field errors sorted onto a form's fields; an error naming no field of the
/// form is shown at the top of the form, by its message alone.
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

/// The items a verifier may tick, in the order the form shows them.
const CHECK_ITEMS: [&str; 4] = ["time_of_birth", "sex", "certificate", "death"];

/// What a verifier recorded, in words: known item codes by their label,
/// anything else as written.
fn checks_text(lang: Lang, checks: &str) -> String {
    let (items, note) = checks.split_once(';').unwrap_or((checks, ""));
    let mut parts: Vec<String> = items
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if CHECK_ITEMS.contains(&s) {
                coded(lang, "verify.item", s)
            } else {
                s.to_string()
            }
        })
        .collect();
    let note = note.trim();
    if !note.is_empty() {
        parts.push(note.to_string());
    }
    parts.join(t_sep(lang))
}

fn t_sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// One recorded verification step, as a page shows it.
pub(crate) struct StepV {
    label: String,
    by_name: String,
    on: String,
    checks: String,
}

fn step_view(lang: Lang, step: VerifyStep, r: Option<&VerifyRecord>) -> Option<StepV> {
    r.map(|r| StepV {
        label: tx(lang, &format!("maternal.verify.step.{}", step.code())),
        by_name: r.by_name.clone(),
        on: r.on.clone(),
        checks: checks_text(lang, &r.checks),
    })
}

/// The verification form as typed (or as first shown).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    verified_on: String,
    #[serde(default)]
    check_time_of_birth: String,
    #[serde(default)]
    check_sex: String,
    #[serde(default)]
    check_certificate: String,
    #[serde(default)]
    check_death: String,
    #[serde(default)]
    note: String,
}

impl VerifyForm {
    fn ticked(&self, item: &str) -> bool {
        let v = match item {
            "time_of_birth" => &self.check_time_of_birth,
            "sex" => &self.check_sex,
            "certificate" => &self.check_certificate,
            _ => &self.check_death,
        };
        !v.trim().is_empty()
    }

    /// The store's input: the ticked items' codes, then `; ` and the note.
    fn input(&self) -> VerifyInput {
        let items: Vec<&str> = CHECK_ITEMS
            .iter()
            .copied()
            .filter(|i| self.ticked(i))
            .collect();
        let mut checks = items.join(",");
        let note = self.note.trim();
        if !note.is_empty() {
            checks.push_str("; ");
            checks.push_str(note);
        }
        VerifyInput {
            step: self.step.trim().to_string(),
            verified_on: self.verified_on.trim().to_string(),
            checks,
        }
    }
}

/// One tick box of the verification form.
pub(crate) struct CheckBoxV {
    name: String,
    label: String,
    checked: bool,
}

/// The verification form on a birth or death page.
pub(crate) struct VerifyV {
    step: String,
    step_label: String,
    verified_on: String,
    boxes: Vec<CheckBoxV>,
    note: String,
}

/// Who may record which step now: the form for the next step the
/// signed-in user may do, or why they cannot (`None` for both once both
/// steps are recorded). The store decides in the end; this only spares the
/// user a form they would be refused.
fn verify_state(
    me: &SignedIn,
    village: Option<&VerifyRecord>,
    town: Option<&VerifyRecord>,
    items: &[&str],
    typed: Option<&VerifyForm>,
) -> (Option<VerifyV>, Option<String>) {
    let lang = me.ctx.lang;
    if town.is_some() {
        return (None, None);
    }
    let mine = |r: &VerifyRecord| r.by_user.as_deref() == Some(me.user.id.as_str());
    let step = match (me.user.role, village) {
        (Role::VillageSpecialist, None) | (Role::Admin, None) => Ok(VerifyStep::Village),
        (Role::VillageSpecialist, Some(v))
        | (Role::TownStaff, Some(v))
        | (Role::Admin, Some(v))
            if mine(v) =>
        {
            Err(hearth_core::Reason::SameVerifier.message(lang))
        }
        (Role::VillageSpecialist, Some(_)) => Err(tx(lang, "maternal.verify.awaiting_town")),
        (Role::TownStaff, None) => Err(tx(lang, "maternal.verify.awaiting_village")),
        (Role::TownStaff, Some(_)) | (Role::Admin, Some(_)) => Ok(VerifyStep::Town),
        _ => Err(tx(lang, "maternal.verify.role")),
    };
    match step {
        Err(why) => (None, Some(why)),
        Ok(step) => {
            let blank = VerifyForm::default();
            let f = typed.unwrap_or(&blank);
            let verified_on = if f.verified_on.is_empty() {
                hearth_core::dates::fmt_date(hearth_core::dates::today())
            } else {
                f.verified_on.clone()
            };
            let boxes = items
                .iter()
                .map(|i| CheckBoxV {
                    name: format!("check_{i}"),
                    label: coded(lang, "verify.item", i),
                    checked: f.ticked(i),
                })
                .collect();
            let form = VerifyV {
                step: step.code().to_string(),
                step_label: tx(lang, &format!("maternal.verify.step.{}", step.code())),
                verified_on,
                boxes,
                note: f.note.clone(),
            };
            (Some(form), None)
        }
    }
}

/// A verification state in words, with its code for a CSS class.
fn verification_label(lang: Lang, v: hearth_core::pregnancy::Verification) -> String {
    coded(lang, "verification", v.code())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_checks_round_trip() {
        let f = VerifyForm {
            step: "village".into(),
            check_sex: "1".into(),
            check_time_of_birth: "1".into(),
            note: "见出生医学证明".into(),
            ..VerifyForm::default()
        };
        let i = f.input();
        assert_eq!(i.checks, "time_of_birth,sex; 见出生医学证明");
        assert_eq!(
            checks_text(Lang::Zh, &i.checks),
            format!(
                "{}、{}、见出生医学证明",
                coded(Lang::Zh, "verify.item", "time_of_birth"),
                coded(Lang::Zh, "verify.item", "sex")
            )
        );
    }

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
}
