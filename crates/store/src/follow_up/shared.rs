//! What the follow-up modules share: the one check a follow-up write makes
//! on the woman it is about (in the scope, and a follow-up worker's own),
//! the acting user's name, a woman's facts for her schedule, and small
//! decoding helpers.

use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::stored_date;
use chrono::{Months, NaiveDate};
use hearth_core::follow_up::{
    BirthFact, Facts, PregnancyFact, ProcedureFact, VisitFact, VisitMode,
};
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use std::collections::HashMap;

/// Rules and topics hold no personal data; any role that works with the
/// register, visits or statistics may read them.
pub(super) fn require_any(scope: &Scope) -> Result<(), StoreError> {
    use Permission::*;
    if [ReadRegister, RecordVisit, ReadStatistics, Administer]
        .into_iter()
        .any(|p| scope.can(p))
    {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// The few fields of a woman the follow-up service needs.
pub(super) struct Woman {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) birth_date: NaiveDate,
    pub(super) village_code: String,
}

/// A person inside the scope (`NotFound` otherwise).
pub(super) fn load_woman(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Woman, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            "SELECT id, name, birth_date, village_code FROM person
             WHERE id = $1 AND village_code >= $2 AND village_code < $3",
            &[P::T(id.trim()), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok(Woman {
        id: r.text(0)?,
        name: r.text(1)?,
        birth_date: date(&r, 2)?,
        village_code: r.text(3)?,
    })
}

/// A follow-up worker acts only for the women assigned to her; other roles
/// with the permission act for anyone in their scope.
pub(super) fn check_own_woman(
    tx: &mut Tx<'_>,
    scope: &Scope,
    person_id: &str,
) -> Result<(), StoreError> {
    if scope.role != Role::FollowUpWorker {
        return Ok(());
    }
    let worker = tx
        .query_opt(
            "SELECT worker_id FROM follow_up_assignment WHERE person_id = $1",
            &[P::T(person_id)],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    match (worker, scope.user_id.as_deref()) {
        (Some(w), Some(me)) if w == me => Ok(()),
        _ => Err(StoreError::Forbidden),
    }
}

/// The name a record shows for the acting user.
pub(super) fn actor_name(tx: &mut Tx<'_>, scope: &Scope) -> Result<String, StoreError> {
    if let Some(id) = scope.user_id.as_deref()
        && let Some(r) = tx.query_opt(
            "SELECT display_name FROM app_user WHERE id = $1",
            &[P::T(id)],
        )?
    {
        return r.text(0);
    }
    Ok(scope.username.clone())
}

/// A worker id argument, if one was really given.
pub(super) fn worker_arg(worker_id: Option<&str>) -> Option<&str> {
    worker_id.map(str::trim).filter(|s| !s.is_empty())
}

/// The same calendar day `years` years earlier (29 February → 28 February).
pub(super) fn years_before(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(years * 12)).unwrap_or(d)
}

/// `v.mode IN ('home','phone')` for a set of modes (codes are constants).
pub(super) fn mode_in(col: &str, modes: &[VisitMode]) -> String {
    if modes.is_empty() {
        return "1 = 0".into();
    }
    let list: Vec<String> = modes.iter().map(|m| format!("'{}'", m.code())).collect();
    format!("{col} IN ({})", list.join(", "))
}

/// Topic codes as stored: joined by commas.
pub(super) fn topics_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A stored date column (`YYYY-MM-DD`, never NULL).
pub(super) fn date(r: &Row, i: usize) -> Result<NaiveDate, StoreError> {
    stored_date(&r.text(i)?)
}

/// A stored date column that may be NULL.
pub(super) fn opt_date(r: &Row, i: usize) -> Result<Option<NaiveDate>, StoreError> {
    r.opt_text(i)?.as_deref().map(stored_date).transpose()
}

/// A visit as a fact of the schedule, from `(…, visited_on, mode)` at
/// columns `i` and `i + 1`.
pub(super) fn visit_fact(r: &Row, i: usize) -> Result<VisitFact, StoreError> {
    Ok(VisitFact {
        date: date(r, i)?,
        mode: r.coded(i + 1, VisitMode::parse)?,
        covered: Vec::new(),
    })
}

/// Everything a woman's schedule follows from: all her pregnancies, births,
/// procedures and visits (a few rows each, by indexed person lookups).
pub(super) fn facts_of(tx: &mut Tx<'_>, w: &Woman) -> Result<Facts, StoreError> {
    let mut facts = Facts {
        birth_date: w.birth_date,
        pregnancies: Vec::new(),
        births: Vec::new(),
        procedures: Vec::new(),
        visits: Vec::new(),
    };
    for r in tx.query(
        "SELECT lmp, outcome_on FROM pregnancy WHERE woman_id = $1",
        &[P::T(&w.id)],
    )? {
        facts.pregnancies.push(PregnancyFact {
            lmp: date(&r, 0)?,
            outcome_on: opt_date(&r, 1)?,
        });
    }
    for r in tx.query(
        "SELECT id, born_on FROM birth WHERE mother_id = $1",
        &[P::T(&w.id)],
    )? {
        facts.births.push(BirthFact {
            id: r.text(0)?,
            born_on: date(&r, 1)?,
        });
    }
    for r in tx.query(
        "SELECT id, done_on FROM contraceptive_procedure WHERE person_id = $1",
        &[P::T(&w.id)],
    )? {
        facts.procedures.push(ProcedureFact {
            id: r.text(0)?,
            done_on: date(&r, 1)?,
        });
    }
    let mut covered: HashMap<String, Vec<String>> = HashMap::new();
    for r in tx.query(
        "SELECT visit_id, contact_key FROM visit_contact WHERE person_id = $1",
        &[P::T(&w.id)],
    )? {
        covered.entry(r.text(0)?).or_default().push(r.text(1)?);
    }
    for r in tx.query(
        "SELECT id, visited_on, mode FROM visit WHERE person_id = $1",
        &[P::T(&w.id)],
    )? {
        let mut fact = visit_fact(&r, 1)?;
        fact.covered = covered.remove(&r.text(0)?).unwrap_or_default();
        facts.visits.push(fact);
    }
    Ok(facts)
}
