//! Reading this workflow's rows: the column lists, the strict decoding of a
//! row into its record (an unexpected NULL, type or code is an error, never
//! a default), the scoped loaders every concern shares, and the check of a
//! client-chosen id that makes a retried create return the first record.

use super::types::{AntenatalCheck, Birth, InfantDeath, Pregnancy, VerifyRecord};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::stored_date;
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::person::{Relation, Sex};
use hearth_core::pregnancy::{
    BirthPlace, DeathCause, Outcome, PregnancySource, TerminationReason, Verification, gest_week,
    is_overdue,
};
use hearth_core::scope::Scope;

/// A sex stored as its GB code (1 male, 2 female); anything else is a
/// damaged row.
fn sex_at(r: &Row, i: usize) -> Result<Sex, StoreError> {
    let c = r.int(i)?;
    Sex::from_code(c).ok_or_else(|| StoreError::Db(format!("column {i}: unknown sex code {c}")))
}

/// The few fields of a person these records need.
pub(super) struct Someone {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) sex: Sex,
    pub(super) birth_date: String,
    pub(super) household_id: Option<String>,
    pub(super) relation: Option<Relation>,
    pub(super) village_code: String,
}

pub(super) fn load_person(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Someone, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            "SELECT id, name, sex, birth_date, household_id, relation, village_code FROM person
             WHERE id = $1 AND village_code >= $2 AND village_code < $3",
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok(Someone {
        id: r.text(0)?,
        name: r.text(1)?,
        sex: sex_at(&r, 2)?,
        birth_date: r.text(3)?,
        household_id: r.opt_text(4)?,
        relation: r.opt_coded(5, Relation::parse)?,
        village_code: r.text(6)?,
    })
}

/// What a client-chosen id already names in `table`: `None` when it is
/// free; the record's owner (the value of `owner_col`, e.g. the woman of a
/// pregnancy) when it was made inside the scope, so that a create for the
/// same owner is a retry; an id taken outside the scope is refused as a
/// duplicate `id`. `table` and `owner_col` are constant text, never input.
pub(super) fn prior_owner(
    tx: &mut Tx<'_>,
    scope: &Scope,
    table: &str,
    owner_col: &str,
    client_id: &str,
) -> Result<Option<String>, StoreError> {
    let (lo, hi) = scope.code_range();
    let Some(r) = tx.query_opt(
        &format!("SELECT {owner_col}, village_code FROM {table} WHERE id = $1"),
        &[P::T(client_id)],
    )?
    else {
        return Ok(None);
    };
    let village = r.text(1)?;
    if village >= lo && village < hi {
        Ok(Some(r.text(0)?))
    } else {
        Err(StoreError::field("id", Reason::Duplicate))
    }
}

// ---- pregnancies ------------------------------------------------------------

pub(super) const PREG_COLS: &str = "p.id, p.woman_id, w.name, p.village_code, p.lmp, \
     p.reported_on, p.source, p.edd, p.timely, p.registration_id, p.reported_by_name, p.outcome, \
     p.outcome_on, p.termination_record, p.termination_reason, p.outcome_note, p.version, \
     p.change_seq";
pub(super) const PREG_FROM: &str = "FROM pregnancy p JOIN person w ON w.id = p.woman_id";

pub(super) fn pregnancy_from(r: &Row, today: NaiveDate) -> Result<Pregnancy, StoreError> {
    let lmp = r.text(4)?;
    let outcome = r.opt_coded(11, Outcome::parse)?;
    let open_lmp = match outcome {
        None => Some(stored_date(&lmp)?),
        Some(_) => None,
    };
    Ok(Pregnancy {
        id: r.text(0)?,
        woman_id: r.text(1)?,
        woman_name: r.text(2)?,
        village_code: r.text(3)?,
        lmp,
        reported_on: r.text(5)?,
        source: r.coded(6, PregnancySource::parse)?,
        edd: r.text(7)?,
        timely: r.flag(8)?,
        registration_id: r.opt_text(9)?,
        reported_by_name: r.text(10)?,
        outcome,
        outcome_on: r.opt_text(12)?,
        termination_record: r.opt_text(13)?,
        termination_reason: r.opt_coded(14, TerminationReason::parse)?,
        outcome_note: r.opt_text(15)?,
        overdue: open_lmp.is_some_and(|l| is_overdue(l, today)),
        gest_week: open_lmp.map(|l| gest_week(l, today)),
        version: r.int(16)?,
        change_seq: r.int(17)?,
    })
}

pub(super) fn load_pregnancy(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
    today: NaiveDate,
) -> Result<Pregnancy, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            &format!(
                "SELECT {PREG_COLS} {PREG_FROM}
                 WHERE p.id = $1 AND p.village_code >= $2 AND p.village_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    pregnancy_from(&r, today)
}

// ---- antenatal checks -------------------------------------------------------

pub(super) const CHECK_COLS: &str = "id, pregnancy_id, checked_on, gest_week, place, note, version";

pub(super) fn check_from(r: &Row) -> Result<AntenatalCheck, StoreError> {
    Ok(AntenatalCheck {
        id: r.text(0)?,
        pregnancy_id: r.text(1)?,
        checked_on: r.text(2)?,
        gest_week: r.int(3)?,
        place: r.text(4)?,
        note: r.opt_text(5)?,
        version: r.int(6)?,
    })
}

pub(super) fn load_check(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
) -> Result<AntenatalCheck, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            &format!(
                "SELECT {CHECK_COLS} FROM antenatal_check
                 WHERE id = $1 AND village_code >= $2 AND village_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    check_from(&r)
}

// ---- verification steps -----------------------------------------------------

/// The eight verification columns, from `village_verified_by` on.
const VERIFY_COLS: &str = "village_verified_by, village_verifier_name, village_verified_on, \
     village_checks, town_verified_by, town_verifier_name, town_verified_on, town_checks";

fn verify_cols(alias: &str) -> String {
    VERIFY_COLS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One verification step from the four columns starting at `i`: absent
/// while its date is NULL; once dated, the verifier's name and the checks
/// are required.
fn verify_record(r: &Row, i: usize) -> Result<Option<VerifyRecord>, StoreError> {
    let Some(on) = r.opt_text(i + 2)? else {
        return Ok(None);
    };
    Ok(Some(VerifyRecord {
        by_user: r.opt_text(i)?,
        by_name: r.text(i + 1)?,
        on,
        checks: r.text(i + 3)?,
    }))
}

// ---- births -----------------------------------------------------------------

pub(super) fn birth_cols() -> String {
    format!(
        "b.id, b.pregnancy_id, b.mother_id, m.name, b.child_id, b.village_code, b.child_name, \
         b.sex, b.born_on, b.born_time, b.weight_g, b.place, b.birth_order, b.certificate_no, \
         b.registration_id, b.reported_by_name, {}, b.version, b.change_seq",
        verify_cols("b")
    )
}
pub(super) const BIRTH_FROM: &str = "FROM birth b JOIN person m ON m.id = b.mother_id";

pub(super) fn birth_from(r: &Row) -> Result<Birth, StoreError> {
    let village_verification = verify_record(r, 16)?;
    let town_verification = verify_record(r, 20)?;
    let verification =
        Verification::of(village_verification.is_some(), town_verification.is_some());
    Ok(Birth {
        id: r.text(0)?,
        pregnancy_id: r.text(1)?,
        mother_id: r.text(2)?,
        mother_name: r.text(3)?,
        child_id: r.text(4)?,
        village_code: r.text(5)?,
        child_name: r.opt_text(6)?,
        sex: sex_at(r, 7)?,
        born_on: r.text(8)?,
        born_time: r.opt_text(9)?,
        weight_g: r.opt_int(10)?,
        place: r.coded(11, BirthPlace::parse)?,
        birth_order: r.int(12)?,
        certificate_no: r.opt_text(13)?,
        registration_id: r.opt_text(14)?,
        reported_by_name: r.text(15)?,
        village_verification,
        town_verification,
        verification,
        version: r.int(24)?,
        change_seq: r.int(25)?,
    })
}

pub(super) fn load_birth(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Birth, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            &format!(
                "SELECT {} {BIRTH_FROM}
                 WHERE b.id = $1 AND b.village_code >= $2 AND b.village_code < $3",
                birth_cols()
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    birth_from(&r)
}

/// The births of one pregnancy in the scope, in order of birth.
pub(super) fn births_of(
    tx: &mut Tx<'_>,
    scope: &Scope,
    pregnancy_id: &str,
) -> Result<Vec<Birth>, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query(
        &format!(
            "SELECT {} {BIRTH_FROM}
             WHERE b.pregnancy_id = $1 AND b.village_code >= $2 AND b.village_code < $3
             ORDER BY b.born_on, COALESCE(b.born_time, ''), b.id",
            birth_cols()
        ),
        &[P::T(pregnancy_id), P::T(&lo), P::T(&hi)],
    )?
    .iter()
    .map(birth_from)
    .collect()
}

// ---- infant deaths ----------------------------------------------------------

pub(super) fn death_cols() -> String {
    format!(
        "d.id, d.child_id, c.name, d.birth_id, d.village_code, d.died_on, d.age_days, d.cause, \
         d.note, d.reported_by_name, {}, d.version, d.change_seq",
        verify_cols("d")
    )
}
pub(super) const DEATH_FROM: &str = "FROM infant_death d JOIN person c ON c.id = d.child_id";

pub(super) fn death_from(r: &Row) -> Result<InfantDeath, StoreError> {
    let village_verification = verify_record(r, 10)?;
    let town_verification = verify_record(r, 14)?;
    let verification =
        Verification::of(village_verification.is_some(), town_verification.is_some());
    Ok(InfantDeath {
        id: r.text(0)?,
        child_id: r.text(1)?,
        child_name: r.text(2)?,
        birth_id: r.opt_text(3)?,
        village_code: r.text(4)?,
        died_on: r.text(5)?,
        age_days: r.int(6)?,
        cause: r.coded(7, DeathCause::parse)?,
        note: r.opt_text(8)?,
        reported_by_name: r.text(9)?,
        village_verification,
        town_verification,
        verification,
        version: r.int(18)?,
        change_seq: r.int(19)?,
    })
}

/// The infant death with `id`, or (with `by_child`) the one of the child
/// with that person id, inside the scope.
pub(super) fn load_death(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
    by_child: bool,
) -> Result<Option<InfantDeath>, StoreError> {
    let (lo, hi) = scope.code_range();
    let key = if by_child { "d.child_id" } else { "d.id" };
    tx.query_opt(
        &format!(
            "SELECT {} {DEATH_FROM}
             WHERE {key} = $1 AND d.village_code >= $2 AND d.village_code < $3",
            death_cols()
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| death_from(&r))
    .transpose()
}
