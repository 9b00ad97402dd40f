//! Couples (育龄夫妇): linking a wife and a husband, or a person with a
//! spouse found by resident ID, reading and listing couples, and a
//! person's household and couples (with their birth registrations) as the
//! person page shows them.

use super::households::household_in_scope;
use super::persons::load_person;
use super::registrations::{R_COLS, registration_from};
use super::{ListFilter, page_of};
use crate::audit::{self, Action};
use crate::db::{P, Row};
use crate::error::StoreError;
use crate::scoped::{require, sex_at};
use crate::{Db, new_id};
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::household::Household;
use hearth_core::person::Sex;
use hearth_core::registration::{BirthRegistration, Couple};
use hearth_core::scope::{Permission, Scope};

pub(super) const C_COLS: &str =
    "id, wife_id, husband_id, marriage_date, village_code, version, change_seq";

pub(super) fn couple_from(r: &Row) -> Result<Couple, StoreError> {
    Ok(Couple {
        id: r.text(0)?,
        wife_id: r.text(1)?,
        husband_id: r.text(2)?,
        marriage_date: r.opt_text(3)?,
        village_code: r.text(4)?,
        version: r.int(5)?,
        change_seq: r.int(6)?,
    })
}

/// Links a wife and a husband as a couple (育龄夫妇). The wife must be a
/// woman in the scope (the couple belongs to her village), the husband a man
/// in the register.
pub fn create_couple(
    db: &Db,
    scope: &Scope,
    wife_id: &str,
    husband_id: &str,
    marriage_date: Option<chrono::NaiveDate>,
) -> Result<Couple, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let wife = load_person(tx, scope, wife_id).map_err(|_| {
            StoreError::field(
                "wife_id",
                Reason::UnknownValue {
                    allowed: "a woman of your area",
                },
            )
        })?;
        if wife.sex != Sex::Female {
            return Err(StoreError::field("wife_id", Reason::SexMismatch));
        }
        let husband = tx
            .query_opt("SELECT sex FROM person WHERE id = $1", &[P::T(husband_id)])?
            .ok_or(StoreError::field(
                "husband_id",
                Reason::UnknownValue {
                    allowed: "a man in the register",
                },
            ))?;
        if sex_at(&husband, 0)? != Sex::Male {
            return Err(StoreError::field("husband_id", Reason::SexMismatch));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM couple WHERE wife_id = $1 AND husband_id = $2",
                &[P::T(wife_id), P::T(husband_id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("husband_id", Reason::Duplicate));
        }
        let id = new_id();
        let seq = tx.next_seq()?;
        let now = now_utc();
        let md = marriage_date.map(fmt_date);
        tx.exec(
            "INSERT INTO couple (id, wife_id, husband_id, marriage_date, village_code,
                 version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
            &[
                P::T(&id),
                P::T(wife_id),
                P::T(husband_id),
                (&md).into(),
                P::T(&wife.village_code),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "couple", Some(&id), None)?;
        let r = tx.query_one(
            &format!("SELECT {C_COLS} FROM couple WHERE id = $1"),
            &[P::T(&id)],
        )?;
        couple_from(&r)
    })
}

/// Reads one couple (audited).
pub fn get_couple(db: &Db, scope: &Scope, id: &str) -> Result<Couple, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let c = tx
            .query_opt(
                &format!(
                    "SELECT {C_COLS} FROM couple
                     WHERE id = $1 AND village_code >= $2 AND village_code < $3"
                ),
                &[P::T(id), P::T(&lo), P::T(&hi)],
            )?
            .ok_or(StoreError::NotFound)
            .and_then(|r| couple_from(&r))?;
        audit::record(tx, scope, Action::View, "couple", Some(id), None)?;
        Ok(c)
    })
}

/// Lists couples in the scope, by village then id. Not audited: a couple
/// row carries ids, no names.
pub fn list_couples(db: &Db, scope: &Scope, f: &ListFilter) -> Result<Vec<Couple>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let (limit, offset) = page_of(f.limit, f.offset);
    db.read(|tx| {
        tx.query(
            &format!(
                "SELECT {C_COLS} FROM couple
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                     ORDER BY village_code, id
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
        .map(couple_from)
        .collect()
    })
}

/// Links a person in the scope with a spouse of the other sex, found by
/// resident ID inside the scope, as a couple (育龄夫妇), through
/// [`create_couple`]. Errors name the field `spouse_resident_id`.
pub fn couple_with_spouse(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    spouse_resident_id: &str,
    marriage_date: Option<chrono::NaiveDate>,
) -> Result<Couple, StoreError> {
    require(scope, Permission::WriteRegister)?;
    const FIELD: &str = "spouse_resident_id";
    let (lo, hi) = scope.code_range();
    let (me, spouse) = db.read(|tx| {
        let me = load_person(tx, scope, person_id)?;
        let rid = hearth_core::id_number::ResidentId::parse(spouse_resident_id)
            .map_err(|r| StoreError::field(FIELD, r))?;
        let spouse = tx
            .query_opt(
                "SELECT id, sex FROM person
                 WHERE resident_id = $1 AND village_code >= $2 AND village_code < $3",
                &[P::T(rid.as_str()), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| Ok::<_, StoreError>((r.text(0)?, sex_at(&r, 1)?)))
            .transpose()?
            .ok_or(StoreError::field(
                FIELD,
                Reason::UnknownValue {
                    allowed: "a person of your area",
                },
            ))?;
        Ok((me, spouse))
    })?;
    let (wife, husband) = match (me.sex, spouse.1) {
        (Sex::Female, Sex::Male) => (me.id.as_str(), spouse.0.as_str()),
        (Sex::Male, Sex::Female) => (spouse.0.as_str(), me.id.as_str()),
        _ => return Err(StoreError::field(FIELD, Reason::SexMismatch)),
    };
    create_couple(db, scope, wife, husband, marriage_date).map_err(|e| match e {
        StoreError::Invalid(fields) => StoreError::Invalid(
            fields
                .into_iter()
                .map(|f| hearth_core::FieldError::new(FIELD, f.reason))
                .collect(),
        ),
        other => other,
    })
}

/// One side of a couple as a person page shows it: `None` when that person
/// lies outside the caller's scope.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoupleMember {
    pub id: String,
    pub name: String,
}

/// A couple with both sides (as far as the scope shows them) and its birth
/// registrations, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoupleView {
    pub couple: Couple,
    pub wife: Option<CoupleMember>,
    pub husband: Option<CoupleMember>,
    pub registrations: Vec<BirthRegistration>,
}

/// A person's household and couples, for the person page. Not audited on
/// its own: the page audits the view with [`get_person`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonContext {
    pub household: Option<Household>,
    pub couples: Vec<CoupleView>,
}

/// Reads the household and the couples (with their registrations) of a
/// person in the scope.
pub fn person_context(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<PersonContext, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        let p = load_person(tx, scope, person_id)?;
        let household = household_in_scope(tx, scope, p.household_id.as_deref())?;
        let couples: Vec<Couple> = tx
            .query(
                &format!(
                    "SELECT {C_COLS} FROM couple
                     WHERE (wife_id = $1 OR husband_id = $1)
                       AND village_code >= $2 AND village_code < $3
                     ORDER BY created_at, id"
                ),
                &[P::T(person_id), P::T(&lo), P::T(&hi)],
            )?
            .iter()
            .map(couple_from)
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(couples.len());
        for couple in couples {
            let mut side = |id: &str| -> Result<Option<CoupleMember>, StoreError> {
                tx.query_opt(
                    "SELECT id, name FROM person
                     WHERE id = $1 AND village_code >= $2 AND village_code < $3",
                    &[P::T(id), P::T(&lo), P::T(&hi)],
                )?
                .map(|r| {
                    Ok(CoupleMember {
                        id: r.text(0)?,
                        name: r.text(1)?,
                    })
                })
                .transpose()
            };
            let wife = side(&couple.wife_id)?;
            let husband = side(&couple.husband_id)?;
            let registrations = tx
                .query(
                    &format!(
                        "SELECT {R_COLS} FROM birth_registration
                         WHERE couple_id = $1 AND village_code >= $2 AND village_code < $3
                         ORDER BY issued_on, id"
                    ),
                    &[P::T(&couple.id), P::T(&lo), P::T(&hi)],
                )?
                .iter()
                .map(registration_from)
                .collect::<Result<_, _>>()?;
            out.push(CoupleView {
                couple,
                wife,
                husband,
                registrations,
            });
        }
        Ok(PersonContext {
            household,
            couples: out,
        })
    })
}
