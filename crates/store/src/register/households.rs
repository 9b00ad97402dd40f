//! Households (户): a household's record with its flags, the list of a
//! village's households, the lookup by number, and the deletion of an
//! empty household. Who lives in a household is [`super::members`].

use super::persons::{P_COLS, person_from};
use super::{ListFilter, page_of};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{check_village, claim_id, conflict_or_missing, require};
use hearth_core::Reason;
use hearth_core::dates::now_utc;
use hearth_core::household::{Household, HouseholdFlags, NewHousehold};
use hearth_core::person::Person;
use hearth_core::scope::{Permission, Scope};

pub(super) const HH_COLS: &str = "id, village_code, number, address, head_person_id, family_planning, \
     poor_family_planning, only_child, two_daughters, girl_family, version, change_seq";

pub(super) fn household_from(r: &Row) -> Result<Household, StoreError> {
    Ok(Household {
        id: r.text(0)?,
        village_code: r.text(1)?,
        number: r.text(2)?,
        address: r.text(3)?,
        head_person_id: r.opt_text(4)?,
        flags: HouseholdFlags {
            family_planning: r.flag(5)?,
            poor_family_planning: r.flag(6)?,
            only_child: r.flag(7)?,
            two_daughters: r.flag(8)?,
            girl_family: r.flag(9)?,
        },
        version: r.int(10)?,
        change_seq: r.int(11)?,
    })
}

pub(super) fn load_household(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
) -> Result<Household, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {HH_COLS} FROM household WHERE id = $1 AND village_code >= $2 AND village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .ok_or(StoreError::NotFound)
    .and_then(|r| household_from(&r))
}

/// The household of `household_id` if it is inside the scope.
pub(super) fn household_in_scope(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: Option<&str>,
) -> Result<Option<Household>, StoreError> {
    match household_id {
        None => Ok(None),
        Some(h) => match load_household(tx, scope, h) {
            Ok(h) => Ok(Some(h)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// Creates a household; returns it and whether the call was a retry.
/// `id` may be supplied by an offline client: a retry with the same id and
/// content returns the existing record (`true`); the same id with other
/// content, or an id taken outside the scope, is a duplicate of field `id`.
pub fn create_household(
    db: &Db,
    scope: &Scope,
    id: Option<&str>,
    h: &NewHousehold,
) -> Result<(Household, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        check_village(tx, scope, h.village_code.as_str())?;
        let (id, taken) = claim_id(tx, scope, "household", id)?;
        if taken {
            let existing = load_household(tx, scope, &id)?;
            if existing.village_code == h.village_code.as_str() && existing.number == h.number {
                return Ok((existing, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM household WHERE village_code = $1 AND number = $2",
                &[P::T(h.village_code.as_str()), P::T(&h.number)],
            )?
            .is_some()
        {
            return Err(StoreError::field("number", Reason::Duplicate));
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        let f = h.flags;
        tx.exec(
            "INSERT INTO household (id, village_code, number, address, head_person_id,
                 family_planning, poor_family_planning, only_child, two_daughters, girl_family,
                 version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, 1, $10, $11, $11)",
            &[
                P::T(&id),
                P::T(h.village_code.as_str()),
                P::T(&h.number),
                P::T(&h.address),
                f.family_planning.into(),
                f.poor_family_planning.into(),
                f.only_child.into(),
                f.two_daughters.into(),
                f.girl_family.into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "household", Some(&id), None)?;
        Ok((load_household(tx, scope, &id)?, false))
    })
}

/// A household with its members, as the household page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdView {
    pub household: Household,
    pub members: Vec<Person>,
}

/// Reads a household and its members; the view is audited.
pub fn get_household(db: &Db, scope: &Scope, id: &str) -> Result<HouseholdView, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let household = load_household(tx, scope, id)?;
        let members = tx
            .query(
                &format!(
                    "SELECT {P_COLS} FROM person WHERE household_id = $1 ORDER BY birth_date, id"
                ),
                &[P::T(id)],
            )?
            .iter()
            .map(person_from)
            .collect::<Result<_, _>>()?;
        audit::record(tx, scope, Action::View, "household", Some(id), None)?;
        Ok(HouseholdView { household, members })
    })
}

/// Changes a household's address and flags, refusing a stale version.
pub fn update_household(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    address: &str,
    flags: HouseholdFlags,
) -> Result<Household, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let address = address.trim();
    if address.chars().count() > 100 {
        return Err(StoreError::field("address", Reason::TooLong { max: 100 }));
    }
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE household SET address = $1, family_planning = $2, poor_family_planning = $3,
                 only_child = $4, two_daughters = $5, girl_family = $6,
                 version = version + 1, change_seq = $7, updated_at = $8
             WHERE id = $9 AND version = $10 AND village_code >= $11 AND village_code < $12",
            &[
                P::T(address),
                flags.family_planning.into(),
                flags.poor_family_planning.into(),
                flags.only_child.into(),
                flags.two_daughters.into(),
                flags.girl_family.into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "household", id, scope));
        }
        audit::record(tx, scope, Action::Update, "household", Some(id), None)?;
        load_household(tx, scope, id)
    })
}

/// Lists households in the scope, by village then number. Not audited: a
/// household list names no person.
pub fn list_households(
    db: &Db,
    scope: &Scope,
    f: &ListFilter,
) -> Result<Vec<Household>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let (limit, offset) = page_of(f.limit, f.offset);
    db.read(|tx| {
        tx.query(
            &format!(
                "SELECT {HH_COLS} FROM household
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                     ORDER BY village_code, number, id
                     LIMIT $4 OFFSET $5"
            ),
            &[
                P::T(&lo),
                P::T(&hi),
                (&f.village_code).into(),
                P::I(limit),
                P::I(offset),
            ],
        )?
        .iter()
        .map(household_from)
        .collect()
    })
}

/// The household with `number` in `village`, inside the scope, if any. Not
/// audited: a household row names no person.
pub fn household_by_number(
    db: &Db,
    scope: &Scope,
    village: &str,
    number: &str,
) -> Result<Option<Household>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        tx.query_opt(
            &format!(
                "SELECT {HH_COLS} FROM household
                     WHERE village_code = $1 AND number = $2
                       AND village_code >= $3 AND village_code < $4"
            ),
            &[P::T(village), P::T(number), P::T(&lo), P::T(&hi)],
        )?
        .map(|r| household_from(&r))
        .transpose()
    })
}

/// What [`delete_household`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdDeletion {
    Deleted,
    /// Nothing was deleted: persons still belong to the household.
    HasMembers {
        members: i64,
    },
}

/// Deletes an empty household (a mistaken or duplicate entry), refusing a
/// stale version. A household that still has members is left alone. The
/// deletion is audited; the row is gone, so no change sequence is stamped.
pub fn delete_household(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
) -> Result<HouseholdDeletion, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let cur = load_household(tx, scope, id)?;
        if cur.version != expected_version {
            return Err(StoreError::Conflict {
                current: cur.version,
            });
        }
        let members = tx
            .query_one(
                "SELECT COUNT(*) FROM person WHERE household_id = $1",
                &[P::T(id)],
            )?
            .int(0)?;
        if members > 0 {
            return Ok(HouseholdDeletion::HasMembers { members });
        }
        let n = tx.exec(
            "DELETE FROM household
             WHERE id = $1 AND version = $2 AND village_code >= $3 AND village_code < $4",
            &[P::T(id), P::I(expected_version), P::T(&lo), P::T(&hi)],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "household", id, scope));
        }
        audit::record(tx, scope, Action::Delete, "household", Some(id), None)?;
        Ok(HouseholdDeletion::Deleted)
    })
}
