//! Persons (人口): a person's record — create (with an offline client's
//! id), read, the edit form's read (which reveals the full values it
//! shows), update — and the list of persons. A person's household
//! membership changes through [`super::members`].

use super::households::{household_in_scope, load_household};
use super::members::{check_head, fix_heads};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{check_village, claim_id, conflict_or_missing, require, sex_at};
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::person::{MaritalStatus, Person, Relation, Sex, ValidPerson};
use hearth_core::pinyin::initials;
use hearth_core::scope::{Permission, Scope};

pub(super) const P_COLS: &str = "id, resident_id, name, sex, birth_date, phone, marital_status, \
     household_id, relation, village_code, version, change_seq";

/// A person row read with [`P_COLS`]. A newborn registered from a birth
/// report has no resident ID yet (NULL), shown as empty.
pub(super) fn person_from(r: &Row) -> Result<Person, StoreError> {
    Ok(Person {
        id: r.text(0)?,
        resident_id: r.opt_text(1)?.unwrap_or_default(),
        name: r.text(2)?,
        sex: sex_at(r, 3)?,
        birth_date: r.text(4)?,
        phone: r.opt_text(5)?,
        marital_status: r.opt_coded(6, MaritalStatus::parse)?,
        household_id: r.opt_text(7)?,
        relation: r.opt_coded(8, Relation::parse)?,
        village_code: r.text(9)?,
        version: r.int(10)?,
        change_seq: r.int(11)?,
    })
}

pub(super) fn load_person(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Person, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {P_COLS} FROM person WHERE id = $1 AND village_code >= $2 AND village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .ok_or(StoreError::NotFound)
    .and_then(|r| person_from(&r))
}

/// Checks that a household lies in the scope and in the person's village.
fn check_household(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: &str,
    village: &str,
) -> Result<(), StoreError> {
    match load_household(tx, scope, household_id) {
        Ok(h) if h.village_code == village => Ok(()),
        Ok(_) => Err(StoreError::field("household_id", Reason::OrgParentMismatch)),
        Err(StoreError::NotFound) => Err(StoreError::field(
            "household_id",
            Reason::UnknownValue {
                allowed: "a household of this village",
            },
        )),
        Err(e) => Err(e),
    }
}

/// Adds a person to the register; returns them and whether the call was a
/// retry. The resident ID must be new; a household, when given, must be in
/// the same village. `id` may come from an offline client: a retry with the
/// same id and resident ID returns the record (`true`); the same id with
/// another resident ID, or an id taken outside the scope, is a duplicate of
/// field `id`.
pub fn create_person(
    db: &Db,
    scope: &Scope,
    id: Option<&str>,
    p: &ValidPerson,
    household_id: Option<&str>,
) -> Result<(Person, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let village = p.village_code.as_str();
        check_village(tx, scope, village)?;
        let (id, taken) = claim_id(tx, scope, "person", id)?;
        if taken {
            let existing = load_person(tx, scope, &id)?;
            if existing.resident_id == p.resident_id.as_str() {
                return Ok((existing, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM person WHERE resident_id = $1",
                &[P::T(p.resident_id.as_str())],
            )?
            .is_some()
        {
            return Err(StoreError::field("resident_id", Reason::Duplicate));
        }
        if let Some(h) = household_id {
            check_household(tx, scope, h, village)?;
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO person (id, resident_id, name, sex, birth_date, phone, marital_status,
                 household_id, relation, village_code, version, change_seq, created_at, updated_at,
                 name_initials)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $12, $13)",
            &[
                P::T(&id),
                P::T(p.resident_id.as_str()),
                P::T(p.name.as_str()),
                P::I(p.sex.code()),
                P::T(&fmt_date(p.birth_date)),
                p.phone.as_ref().map(|x| x.as_str()).into(),
                p.marital_status.map(|m| m.code()).into(),
                household_id.into(),
                p.relation.map(|r| r.code()).into(),
                P::T(village),
                P::I(seq),
                P::T(&now),
                P::T(&initials(p.name.as_str())),
            ],
        )?;
        if let (Some(h), Some(Relation::Head)) = (household_id, p.relation) {
            tx.exec(
                "UPDATE household SET head_person_id = $1 WHERE id = $2",
                &[P::T(&id), P::T(h)],
            )?;
        }
        audit::record(tx, scope, Action::Create, "person", Some(&id), None)?;
        Ok((load_person(tx, scope, &id)?, false))
    })
}

/// Reads one person's record; the view is audited.
pub fn get_person(db: &Db, scope: &Scope, id: &str) -> Result<Person, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let p = load_person(tx, scope, id)?;
        audit::record(tx, scope, Action::View, "person", Some(id), None)?;
        Ok(p)
    })
}

/// A person's record for an edit form, with their household's number. The
/// form shows the full ID number and phone, so opening it is audited as a
/// view (detail `edit`) and as a `reveal` of each full value it shows.
pub fn person_for_edit(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<(Person, Option<String>), StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let p = load_person(tx, scope, id)?;
        let number = household_in_scope(tx, scope, p.household_id.as_deref())?.map(|h| h.number);
        audit::record(tx, scope, Action::View, "person", Some(id), Some("edit"))?;
        audit::record(
            tx,
            scope,
            Action::Reveal,
            "person",
            Some(id),
            Some("resident_id"),
        )?;
        if p.phone.is_some() {
            audit::record(tx, scope, Action::Reveal, "person", Some(id), Some("phone"))?;
        }
        Ok((p, number))
    })
}

/// Replaces a person's details, refusing a stale version. A changed resident
/// ID must still be unique; the village may change only within the scope.
pub fn update_person(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    p: &ValidPerson,
    household_id: Option<&str>,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let village = p.village_code.as_str();
        check_village(tx, scope, village)?;
        if tx
            .query_opt(
                "SELECT 1 FROM person WHERE resident_id = $1 AND id <> $2",
                &[P::T(p.resident_id.as_str()), P::T(id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("resident_id", Reason::Duplicate));
        }
        if let Some(h) = household_id {
            check_household(tx, scope, h, village)?;
        }
        // The household as it was, and the one the person now belongs to, so
        // that each keeps exactly one head.
        let before = match load_person(tx, scope, id) {
            Ok(p) => Some(p),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        };
        let target = match household_id {
            Some(h) => Some(load_household(tx, scope, h)?),
            None => None,
        };
        if let (Some(h), Some(r)) = (&target, p.relation) {
            check_head(tx, h, r, id)?;
        }
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE person SET resident_id = $1, name = $2, sex = $3, birth_date = $4, phone = $5,
                 marital_status = $6, household_id = $7, relation = $8, village_code = $9,
                 version = version + 1, change_seq = $10, updated_at = $11, name_initials = $16
             WHERE id = $12 AND version = $13 AND village_code >= $14 AND village_code < $15",
            &[
                P::T(p.resident_id.as_str()),
                P::T(p.name.as_str()),
                P::I(p.sex.code()),
                P::T(&fmt_date(p.birth_date)),
                p.phone.as_ref().map(|x| x.as_str()).into(),
                p.marital_status.map(|m| m.code()).into(),
                household_id.into(),
                p.relation.map(|r| r.code()).into(),
                P::T(village),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
                P::T(&initials(p.name.as_str())),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "person", id, scope));
        }
        let old_household = before.as_ref().and_then(|b| b.household_id.as_deref());
        fix_heads(tx, scope, id, old_household, target.as_ref(), p.relation)?;
        audit::record(tx, scope, Action::Update, "person", Some(id), None)?;
        load_person(tx, scope, id)
    })
}

/// Filters for listing persons. Results are always inside the scope.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub village_code: Option<String>,
    pub household_id: Option<String>,
    pub resident_id: Option<String>,
    pub sex: Option<Sex>,
    pub limit: i64,
    pub offset: i64,
}

/// Lists persons in the scope, by village then name. Lists carry the full
/// values; pages and the API mask ID numbers and phones before showing them.
pub fn list_persons(db: &Db, scope: &Scope, f: &PersonFilter) -> Result<Vec<Person>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
    db.read(|tx| {
        tx.query(
            &format!(
                "SELECT {P_COLS} FROM person
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                       AND (CAST($4 AS TEXT) IS NULL OR household_id = $4)
                       AND (CAST($5 AS TEXT) IS NULL OR resident_id = $5)
                       AND (CAST($6 AS BIGINT) IS NULL OR sex = $6)
                     ORDER BY village_code, name, id
                     LIMIT $7 OFFSET $8"
            ),
            &[
                P::T(&lo),
                P::T(&hi),
                (&f.village_code).into(),
                (&f.household_id).into(),
                (&f.resident_id).into(),
                f.sex.map_or(P::Null, |s| P::I(s.code())),
                P::I(limit),
                P::I(f.offset.max(0)),
            ],
        )?
        .iter()
        .map(person_from)
        .collect()
    })
}
