//! Two-person verification (两级核实) of births and infant deaths: the
//! village step by a village specialist, then the town step by town staff
//! who is not the village verifier; a record counts as verified only after
//! both.

use super::rows::{load_birth, load_death};
use super::types::{Birth, InfantDeath, VerifyRecord};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{conflict_or_missing, require, stale, stored_date};
use chrono::NaiveDate;
use hearth_core::dates::{fmt_date, now_utc, parse_date};
use hearth_core::pregnancy::{VerifyInput, VerifyStep};
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use hearth_core::{FieldError, Reason};

/// True when the caller is the user who made the village step: by user id
/// when both are known, else by user name.
fn same_verifier(scope: &Scope, village: &VerifyRecord) -> bool {
    match (&scope.user_id, &village.by_user) {
        (Some(me), Some(them)) => me == them,
        _ => scope.username == village.by_name,
    }
}

/// Checks one verification step of a record whose event happened on
/// `floor` (`floor_name`: that date in words): the step, the caller's role
/// and the order of the steps, the date and what was checked. Returns the
/// step, the date as stored and the checks.
fn check_verify(
    scope: &Scope,
    input: &VerifyInput,
    today: NaiveDate,
    floor: NaiveDate,
    floor_name: (&'static str, &'static str),
    village: Option<&VerifyRecord>,
    town_done: bool,
) -> Result<(VerifyStep, String, String), StoreError> {
    let mut errors = Vec::new();
    let step = match VerifyStep::parse(&input.step) {
        Ok(s) => Some(s),
        Err(r) => {
            errors.push(FieldError::new("step", r));
            None
        }
    };
    let refusal = match step {
        None => None,
        Some(VerifyStep::Village) => {
            if !matches!(scope.role, Role::VillageSpecialist | Role::Admin) {
                Some(Reason::VerificationOrder)
            } else if village.is_some() {
                Some(Reason::BadTransition)
            } else {
                None
            }
        }
        Some(VerifyStep::Town) => {
            if !matches!(scope.role, Role::TownStaff | Role::Admin) {
                Some(Reason::VerificationOrder)
            } else if town_done {
                Some(Reason::BadTransition)
            } else {
                match village {
                    None => Some(Reason::VerificationOrder),
                    Some(v) if same_verifier(scope, v) => Some(Reason::SameVerifier),
                    Some(_) => None,
                }
            }
        }
    };
    if let Some(r) = refusal {
        errors.push(FieldError::new("step", r));
    }
    let on = match parse_date(&input.verified_on) {
        Ok(d) if d > today => {
            errors.push(FieldError::new("verified_on", Reason::FutureDate));
            None
        }
        Ok(d) if d < floor => {
            errors.push(FieldError::new(
                "verified_on",
                Reason::NotBefore {
                    zh: floor_name.0,
                    en: floor_name.1,
                },
            ));
            None
        }
        Ok(d) => Some(d),
        Err(r) => {
            errors.push(FieldError::new("verified_on", r));
            None
        }
    };
    let checks = input.checks.trim().to_string();
    if checks.is_empty() {
        errors.push(FieldError::new("checks", Reason::Required));
    } else if checks.chars().count() > 200 {
        errors.push(FieldError::new("checks", Reason::TooLong { max: 200 }));
    }
    match (step, on) {
        (Some(step), Some(on)) if errors.is_empty() => Ok((step, fmt_date(on), checks)),
        _ => Err(StoreError::Invalid(errors)),
    }
}

/// Writes one verification step onto a `birth` or `infant_death` row
/// (version-checked; the town step marks the record verified) and audits it.
fn set_verification(
    tx: &mut Tx<'_>,
    scope: &Scope,
    table: &'static str,
    id: &str,
    expected_version: i64,
    (step, on, checks): (VerifyStep, String, String),
) -> Result<(), StoreError> {
    let (lo, hi) = scope.code_range();
    let s = step.code();
    let verified = if step == VerifyStep::Town {
        ", verified = 1"
    } else {
        ""
    };
    let seq = tx.next_seq()?;
    let n = tx.exec(
        &format!(
            "UPDATE {table} SET {s}_verified_by = $1, {s}_verifier_name = $2,
                 {s}_verified_on = $3, {s}_checks = $4{verified}, version = version + 1,
                 change_seq = $5, updated_at = $6
             WHERE id = $7 AND version = $8 AND village_code >= $9 AND village_code < $10"
        ),
        &[
            scope.user_id.as_deref().into(),
            P::T(&scope.username),
            P::T(&on),
            P::T(&checks),
            P::I(seq),
            P::T(&now_utc()),
            P::T(id),
            P::I(expected_version),
            P::T(&lo),
            P::T(&hi),
        ],
    )?;
    if n == 0 {
        return Err(conflict_or_missing(tx, table, id, scope));
    }
    audit::record(
        tx,
        scope,
        Action::Update,
        table,
        Some(id),
        Some(&format!("verify_{s}")),
    )
}

/// Records one in-person verification step of a birth: the village step by
/// a village specialist, then the town step by town staff who is not the
/// village verifier.
pub fn verify_birth(
    db: &Db,
    scope: &Scope,
    birth_id: &str,
    expected_version: i64,
    input: &VerifyInput,
    today: NaiveDate,
) -> Result<Birth, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let b = load_birth(tx, scope, birth_id)?;
        stale(b.version, expected_version)?;
        let step = check_verify(
            scope,
            input,
            today,
            stored_date(&b.born_on)?,
            ("出生日期", "date of birth"),
            b.village_verification.as_ref(),
            b.town_verification.is_some(),
        )?;
        set_verification(tx, scope, "birth", birth_id, expected_version, step)?;
        load_birth(tx, scope, birth_id)
    })
}

/// Records one verification step of an infant death (same rules as births).
pub fn verify_infant_death(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    input: &VerifyInput,
    today: NaiveDate,
) -> Result<InfantDeath, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let d = load_death(tx, scope, id, false)?.ok_or(StoreError::NotFound)?;
        stale(d.version, expected_version)?;
        let step = check_verify(
            scope,
            input,
            today,
            stored_date(&d.died_on)?,
            ("死亡日期", "date of death"),
            d.village_verification.as_ref(),
            d.town_verification.is_some(),
        )?;
        set_verification(tx, scope, "infant_death", id, expected_version, step)?;
        load_death(tx, scope, id, false)?.ok_or(StoreError::NotFound)
    })
}
