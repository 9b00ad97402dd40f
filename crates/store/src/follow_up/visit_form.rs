//! What the visit form (`/work/visit/new`) needs from the store, each in
//! one call that checks the role, the scope and a follow-up worker's own
//! women once: the form for a woman (her name, her zone and worker, the
//! topics, the due contacts the visit would cover on the typed date by the
//! typed mode — `core::follow_up::covered_by`, the rule the store applies
//! when it saves), and saving the form, which answers the saved visit (and
//! whether it was a retry) or the refused fields with the form to show
//! them on.

use super::assignment::{Assignment, load_assignment};
use super::schedule::{ScheduledContact, Topic, load_rules, load_topics, scheduled};
use super::shared::{Woman, check_own_woman, load_woman};
use super::visits::{Visit, record_in, visited_woman};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::Tx;
use crate::error::StoreError;
use crate::scoped::require;
use chrono::NaiveDate;
use hearth_core::FieldError;
use hearth_core::dates::parse_date;
use hearth_core::follow_up::{ContactStatus, VisitInput, VisitMode, covered_by};
use hearth_core::scope::{Permission, Scope};

/// What a visit on the form's date by its mode would do to a due contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverState {
    /// The visit covers it (also when no mode is chosen yet).
    Covers,
    /// Its rule does not allow the chosen mode.
    WrongMode,
    /// Already covered by an earlier visit.
    Done,
}

/// A due contact whose window holds the form's date.
#[derive(Debug, Clone, PartialEq)]
pub struct FormContact {
    pub scheduled: ScheduledContact,
    /// The modes its rule allows (empty when the rule is gone).
    pub modes: Vec<VisitMode>,
    pub state: CoverState,
}

/// The visit form of one woman.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitForm {
    pub person_id: String,
    pub name: String,
    /// Her zone and worker in her present village, if she has one.
    pub assignment: Option<Assignment>,
    /// Every topic (the form offers the active ones and any already typed).
    pub topics: Vec<Topic>,
    /// The date the contacts are for (`None`: no date to compute them on).
    pub on: Option<NaiveDate>,
    pub contacts: Vec<FormContact>,
}

/// The answer to saving the visit form.
#[derive(Debug, Clone, PartialEq)]
pub enum VisitSave {
    /// The visit, and whether the save was a retry that found it.
    Saved(Visit, bool),
    /// The refused fields and the form to show them on, for the date and
    /// mode typed.
    Refused {
        errors: Vec<FieldError>,
        form: VisitForm,
    },
}

/// The woman in the scope whom the caller may visit: `NotFound` outside
/// the scope, `Forbidden` for a follow-up worker and another's woman.
fn visitable(tx: &mut Tx<'_>, scope: &Scope, person_id: &str) -> Result<Woman, StoreError> {
    let w = load_woman(tx, scope, person_id)?;
    check_own_woman(tx, scope, &w.id)?;
    Ok(w)
}

/// The form's contents for a woman already checked. Audits the view of
/// her schedule on `on` (a date typed shows what is due then); the view of
/// her name is the caller's to audit.
fn form_of(
    tx: &mut Tx<'_>,
    scope: &Scope,
    w: &Woman,
    on: Option<NaiveDate>,
    mode: Option<VisitMode>,
    today: NaiveDate,
) -> Result<VisitForm, StoreError> {
    let assignment = load_assignment(tx, &w.id)?.filter(|a| a.village_code == w.village_code);
    let topics = load_topics(tx)?;
    let rules = load_rules(tx)?;
    let mut contacts = Vec::new();
    if let Some(d) = on {
        let due = scheduled(tx, w, &rules, d, d, today)?;
        let plain: Vec<_> = due.iter().map(|s| s.contact.clone()).collect();
        let covered = mode.map(|m| covered_by(&rules, &plain, d, m));
        for s in due {
            let state = match &covered {
                _ if s.status == ContactStatus::Done => CoverState::Done,
                Some(keys) if !keys.contains(&s.contact.key) => CoverState::WrongMode,
                _ => CoverState::Covers,
            };
            let modes = rules
                .iter()
                .find(|r| r.code == s.contact.rule_code)
                .map(|r| r.modes.clone())
                .unwrap_or_default();
            contacts.push(FormContact {
                scheduled: s,
                modes,
                state,
            });
        }
        audit::record(tx, scope, Action::View, "schedule", Some(&w.id), None)?;
    }
    Ok(VisitForm {
        person_id: w.id.clone(),
        name: w.name.clone(),
        assignment,
        topics,
        on,
        contacts,
    })
}

/// The visit form for a woman (RecordVisit; in the scope, else `NotFound`;
/// a follow-up worker only for her own women, else `Forbidden`), with the
/// due contacts of `on` and what a visit by `mode` would do to each.
/// Audited as a view of her and, with a date, of her schedule.
pub fn visit_form(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    on: Option<NaiveDate>,
    mode: Option<VisitMode>,
    today: NaiveDate,
) -> Result<VisitForm, StoreError> {
    require(scope, Permission::RecordVisit)?;
    db.write(|tx| {
        let w = visitable(tx, scope, person_id)?;
        audit::record(tx, scope, Action::View, "person", Some(&w.id), None)?;
        form_of(tx, scope, &w, on, mode, today)
    })
}

/// Saves the visit form: [`record_visit`](super::record_visit) in one
/// call. Refused fields come back with the form for the typed date and
/// mode, read in the same transaction — her name without another audited
/// view of her (the form was opened, and audited, before; nothing else is
/// written on a refusal but the view of her schedule on the typed date).
pub fn save_visit(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    input: &VisitInput,
    today: NaiveDate,
) -> Result<VisitSave, StoreError> {
    require(scope, Permission::RecordVisit)?;
    db.write(|tx| {
        let w = visited_woman(tx, scope, input)?;
        match record_in(tx, scope, &w, client_id, input, today) {
            Ok((v, retried)) => Ok(VisitSave::Saved(v, retried)),
            Err(StoreError::Invalid(errors)) => {
                let on = parse_date(&input.visited_on).ok();
                let mode = VisitMode::parse(&input.mode).ok();
                let form = form_of(tx, scope, &w, on, mode, today)?;
                Ok(VisitSave::Refused { errors, form })
            }
            Err(e) => Err(e),
        }
    })
}
