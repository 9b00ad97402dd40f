//! Who lives in a household: adding a person of the register to a
//! household, moving a member to another household of the village, taking
//! a member out — each audited on the person — and the rule that a
//! household has at most one head, kept right on every change of
//! membership or relation (also by [`super::persons::update_person`]).

use super::households::{HH_COLS, household_from, load_household};
use super::persons::{P_COLS, load_person, person_from};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{conflict_or_missing, require};
use hearth_core::Reason;
use hearth_core::dates::now_utc;
use hearth_core::household::Household;
use hearth_core::person::{Person, Relation};
use hearth_core::scope::{Permission, Scope};

/// Refuses `relation = head` in a household whose head is someone else
/// still living there.
pub(super) fn check_head(
    tx: &mut Tx<'_>,
    h: &Household,
    relation: Relation,
    person_id: &str,
) -> Result<(), StoreError> {
    if relation != Relation::Head {
        return Ok(());
    }
    if let Some(head) = h.head_person_id.as_deref().filter(|x| *x != person_id)
        && tx
            .query_opt(
                "SELECT 1 FROM person WHERE id = $1 AND household_id = $2",
                &[P::T(head), P::T(&h.id)],
            )?
            .is_some()
    {
        return Err(StoreError::field("relation", Reason::Duplicate));
    }
    Ok(())
}

/// Sets a household's head (or clears it), bumping its version and change
/// sequence and auditing the change.
fn set_head(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: &str,
    head: Option<&str>,
) -> Result<(), StoreError> {
    let seq = tx.next_seq()?;
    tx.exec(
        "UPDATE household SET head_person_id = $1, version = version + 1, change_seq = $2,
             updated_at = $3
         WHERE id = $4",
        &[head.into(), P::I(seq), P::T(&now_utc()), P::T(household_id)],
    )?;
    audit::record(
        tx,
        scope,
        Action::Update,
        "household",
        Some(household_id),
        Some("head"),
    )
}

/// Keeps household heads right after person `person_id` left household
/// `old` (if any) for `to` with `relation`: the old household loses them as
/// head unless they stay its head; the new one gets them when they are its
/// head.
pub(super) fn fix_heads(
    tx: &mut Tx<'_>,
    scope: &Scope,
    person_id: &str,
    old: Option<&str>,
    to: Option<&Household>,
    relation: Option<Relation>,
) -> Result<(), StoreError> {
    if let Some(old) = old
        && tx
            .query_opt(
                "SELECT 1 FROM household WHERE id = $1 AND head_person_id = $2",
                &[P::T(old), P::T(person_id)],
            )?
            .is_some()
        && to.is_none_or(|h| h.id != old || relation != Some(Relation::Head))
    {
        set_head(tx, scope, old, None)?;
    }
    if let (Some(h), Some(Relation::Head)) = (to, relation)
        && h.head_person_id.as_deref() != Some(person_id)
    {
        set_head(tx, scope, &h.id, Some(person_id))?;
    }
    Ok(())
}

/// Moves `p` (as read in this transaction) into household `to` (or out of
/// any) with `relation`, keeping both households' heads right. The person's
/// version is checked against the one read.
fn set_membership(
    tx: &mut Tx<'_>,
    scope: &Scope,
    p: &Person,
    to: Option<&Household>,
    relation: Option<Relation>,
    detail: &str,
) -> Result<Person, StoreError> {
    let (lo, hi) = scope.code_range();
    let seq = tx.next_seq()?;
    let n = tx.exec(
        "UPDATE person SET household_id = $1, relation = $2, version = version + 1,
             change_seq = $3, updated_at = $4
         WHERE id = $5 AND version = $6 AND village_code >= $7 AND village_code < $8",
        &[
            to.map(|h| h.id.as_str()).into(),
            relation.map(|r| r.code()).into(),
            P::I(seq),
            P::T(&now_utc()),
            P::T(&p.id),
            P::I(p.version),
            P::T(&lo),
            P::T(&hi),
        ],
    )?;
    if n == 0 {
        return Err(conflict_or_missing(tx, "person", &p.id, scope));
    }
    fix_heads(tx, scope, &p.id, p.household_id.as_deref(), to, relation)?;
    audit::record(
        tx,
        scope,
        Action::Update,
        "person",
        Some(&p.id),
        Some(detail),
    )?;
    load_person(tx, scope, &p.id)
}

/// Adds a person of the register, found by resident ID inside the scope, to
/// a household of the same village with their relation to its head. A
/// person already in this household is a duplicate; one living in another
/// household is refused (`BadTransition`) — they are moved from that
/// household's page, so nobody leaves a household unseen. Audited on the
/// person (detail `household_add`).
pub fn household_add_member(
    db: &Db,
    scope: &Scope,
    household_id: &str,
    resident_id: &str,
    relation: Relation,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let h = load_household(tx, scope, household_id)?;
        let rid = hearth_core::id_number::ResidentId::parse(resident_id)
            .map_err(|r| StoreError::field("resident_id", r))?;
        let p = tx
            .query_opt(
                &format!(
                    "SELECT {P_COLS} FROM person
                     WHERE resident_id = $1 AND village_code >= $2 AND village_code < $3"
                ),
                &[P::T(rid.as_str()), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| person_from(&r))
            .transpose()?
            .ok_or(StoreError::field(
                "resident_id",
                Reason::UnknownValue {
                    allowed: "a person of your area",
                },
            ))?;
        if p.village_code != h.village_code {
            return Err(StoreError::field("resident_id", Reason::OrgParentMismatch));
        }
        match p.household_id.as_deref() {
            Some(x) if x == h.id => {
                return Err(StoreError::field("resident_id", Reason::Duplicate));
            }
            Some(_) => return Err(StoreError::field("resident_id", Reason::BadTransition)),
            None => {}
        }
        check_head(tx, &h, relation, &p.id)?;
        set_membership(tx, scope, &p, Some(&h), Some(relation), "household_add")
    })
}

/// Loads a member of a household for a change, checking the version the
/// caller read first (`Conflict`), then that the person still lives there
/// (`NotFound` otherwise).
fn load_member(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: &str,
    person_id: &str,
    expected_version: i64,
) -> Result<(Household, Person), StoreError> {
    let h = load_household(tx, scope, household_id)?;
    let p = load_person(tx, scope, person_id)?;
    if p.version != expected_version {
        return Err(StoreError::Conflict { current: p.version });
    }
    if p.household_id.as_deref() != Some(h.id.as_str()) {
        return Err(StoreError::NotFound);
    }
    Ok((h, p))
}

/// Moves a member of a household to another household of the same village,
/// named by its number, with their relation there. Refuses a stale version
/// of the person. Audited on the person (detail `household_move`).
pub fn household_move_member(
    db: &Db,
    scope: &Scope,
    household_id: &str,
    person_id: &str,
    expected_version: i64,
    to_number: &str,
    relation: Relation,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let (from, p) = load_member(tx, scope, household_id, person_id, expected_version)?;
        let number = hearth_core::household::parse_household_number(to_number)
            .map_err(|r| StoreError::field("to_number", r))?;
        let to = tx
            .query_opt(
                &format!(
                    "SELECT {HH_COLS} FROM household
                     WHERE village_code = $1 AND number = $2
                       AND village_code >= $3 AND village_code < $4"
                ),
                &[
                    P::T(&from.village_code),
                    P::T(&number),
                    P::T(&lo),
                    P::T(&hi),
                ],
            )?
            .map(|r| household_from(&r))
            .transpose()?
            .ok_or(StoreError::field(
                "to_number",
                Reason::UnknownValue {
                    allowed: "a household of this village",
                },
            ))?;
        if to.id == from.id {
            return Err(StoreError::field("to_number", Reason::Duplicate));
        }
        check_head(tx, &to, relation, &p.id)?;
        set_membership(tx, scope, &p, Some(&to), Some(relation), "household_move")
    })
}

/// Takes a member out of a household (the person stays in the register,
/// without a household or relation). Refuses a stale version of the person.
/// Audited on the person (detail `household_remove`).
pub fn household_remove_member(
    db: &Db,
    scope: &Scope,
    household_id: &str,
    person_id: &str,
    expected_version: i64,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let (_, p) = load_member(tx, scope, household_id, person_id, expected_version)?;
        set_membership(tx, scope, &p, None, None, "household_remove")
    })
}
