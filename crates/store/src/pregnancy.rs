//! Pregnancies (孕情) to their outcome, antenatal checks, birth reports with
//! the newborn's person record, two-person verification, amendments of a
//! birth's sex or date, and infant deaths. Every function takes the caller's
//! [`Scope`]; a record outside it answers `NotFound`; every view of a named
//! record and every change is audited in the same transaction.

use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{
    client, conflict_or_missing, describe, page_of, range_of, require, stale, stored_date,
    unique_violation,
};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::dates::{fmt_date, now_utc, parse_date};
use hearth_core::name::PersonName;
use hearth_core::person::{Relation, Sex};
use hearth_core::pinyin::initials;
use hearth_core::pregnancy::{
    BirthInput, CheckInput, DeathInput, OVERDUE_DAYS, OutcomeInput, PregnancyInput, ValidBirth,
    Verification, VerifyInput, VerifyStep, gest_week, is_overdue,
};
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use hearth_core::{FieldError, Reason};
use serde::Serialize;
use std::collections::HashSet;

/// A pregnancy as lists and pages show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pregnancy {
    pub id: String,
    pub woman_id: String,
    /// The woman's name (joined from the register).
    pub woman_name: String,
    pub village_code: String,
    pub lmp: String,
    pub reported_on: String,
    /// A [`hearth_core::pregnancy::PregnancySource`] code.
    pub source: String,
    pub edd: String,
    pub timely: bool,
    pub registration_id: Option<String>,
    pub reported_by_name: String,
    /// An [`hearth_core::pregnancy::Outcome`] code; `None` while open.
    pub outcome: Option<String>,
    pub outcome_on: Option<String>,
    pub termination_record: Option<String>,
    /// A [`hearth_core::pregnancy::TerminationReason`] code.
    pub termination_reason: Option<String>,
    pub outcome_note: Option<String>,
    /// Open and 44 weeks or more past the LMP on the day it was read.
    pub overdue: bool,
    /// Completed weeks since the LMP on the day it was read, while open.
    pub gest_week: Option<i64>,
    pub version: i64,
    pub change_seq: i64,
}

/// An antenatal check (产前检查).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AntenatalCheck {
    pub id: String,
    pub pregnancy_id: String,
    pub checked_on: String,
    pub gest_week: i64,
    pub place: String,
    pub note: Option<String>,
    pub version: i64,
}

/// One verification step as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyRecord {
    pub by_user: Option<String>,
    pub by_name: String,
    pub on: String,
    pub checks: String,
}

/// A child born alive, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Birth {
    pub id: String,
    pub pregnancy_id: String,
    pub mother_id: String,
    pub mother_name: String,
    /// The child's person record in the mother's household.
    pub child_id: String,
    pub village_code: String,
    /// `None` until the child is named (the person record then carries a
    /// provisional "母亲姓名之子/之女" name).
    pub child_name: Option<String>,
    pub sex: Sex,
    pub born_on: String,
    pub born_time: Option<String>,
    pub weight_g: Option<i64>,
    /// A [`hearth_core::pregnancy::BirthPlace`] code.
    pub place: String,
    pub birth_order: i64,
    pub certificate_no: Option<String>,
    pub registration_id: Option<String>,
    pub reported_by_name: String,
    pub village_verification: Option<VerifyRecord>,
    pub town_verification: Option<VerifyRecord>,
    pub verification: Verification,
    pub version: i64,
    pub change_seq: i64,
}

/// A correction of a birth's sex or date of birth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amendment {
    pub id: String,
    pub birth_id: String,
    /// `sex` or `born_on`.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub by_name: String,
    pub at: String,
}

/// An infant death (婴儿死亡) report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfantDeath {
    pub id: String,
    pub child_id: String,
    pub child_name: String,
    pub birth_id: Option<String>,
    pub village_code: String,
    pub died_on: String,
    pub age_days: i64,
    /// A [`hearth_core::pregnancy::DeathCause`] code.
    pub cause: String,
    pub note: Option<String>,
    pub reported_by_name: String,
    pub village_verification: Option<VerifyRecord>,
    pub town_verification: Option<VerifyRecord>,
    pub verification: Verification,
    pub version: i64,
    pub change_seq: i64,
}

/// A pregnancy with its checks and births, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PregnancyView {
    pub pregnancy: Pregnancy,
    pub checks: Vec<AntenatalCheck>,
    pub births: Vec<Birth>,
}

/// A birth with its amendments and any infant death.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BirthView {
    pub birth: Birth,
    pub amendments: Vec<Amendment>,
    pub death: Option<InfantDeath>,
}

/// Which pregnancies a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct PregnancyFilter {
    /// A village (or any org code: its subtree) inside the scope.
    pub org_code: Option<String>,
    pub woman_id: Option<String>,
    pub open_only: bool,
    /// Open and past 44 weeks on `today`.
    pub overdue_only: bool,
    /// Reported on or after / on or before.
    pub reported_from: Option<NaiveDate>,
    pub reported_to: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

/// Which births a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct BirthFilter {
    pub org_code: Option<String>,
    pub mother_id: Option<String>,
    pub born_from: Option<NaiveDate>,
    pub born_to: Option<NaiveDate>,
    /// Only births in this verification state.
    pub verification: Option<Verification>,
    pub limit: i64,
    pub offset: i64,
}

/// Which infant deaths a list shows.
#[derive(Debug, Clone, Default)]
pub struct DeathFilter {
    pub org_code: Option<String>,
    pub died_from: Option<NaiveDate>,
    pub died_to: Option<NaiveDate>,
    pub verification: Option<Verification>,
    pub limit: i64,
    pub offset: i64,
}

// ---- shared helpers ---------------------------------------------------------

/// "Not before the day after the LMP", as the core rules word it.
fn after_lmp() -> Reason {
    Reason::NotBefore {
        zh: "末次月经日期之后",
        en: "day after the last menstrual period",
    }
}

/// The SQL condition selecting rows of table alias `a` in a verification
/// state (constant text, no input).
fn verification_sql(a: &str, v: Option<Verification>) -> String {
    match v {
        None => String::new(),
        Some(Verification::Unverified) => format!(" AND {a}.village_verified_on IS NULL"),
        Some(Verification::VillageVerified) => {
            format!(" AND {a}.village_verified_on IS NOT NULL AND {a}.town_verified_on IS NULL")
        }
        Some(Verification::Verified) => format!(" AND {a}.verified = 1"),
    }
}

/// The few fields of a person these records need.
struct Someone {
    id: String,
    name: String,
    sex: Sex,
    birth_date: String,
    household_id: Option<String>,
    relation: Option<Relation>,
    village_code: String,
}

fn load_person(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Someone, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        "SELECT id, name, sex, birth_date, household_id, relation, village_code FROM person
         WHERE id = $1 AND village_code >= $2 AND village_code < $3",
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| Someone {
        id: r.str(0),
        name: r.str(1),
        sex: Sex::from_code(r.i64(2)).unwrap_or(Sex::Female),
        birth_date: r.str(3),
        household_id: r.opt_str(4),
        relation: r.opt_str(5).and_then(|s| Relation::parse(&s).ok()),
        village_code: r.str(6),
    })
    .ok_or(StoreError::NotFound)
}

// ---- rows -------------------------------------------------------------------

const PREG_COLS: &str = "p.id, p.woman_id, w.name, p.village_code, p.lmp, p.reported_on, \
     p.source, p.edd, p.timely, p.registration_id, p.reported_by_name, p.outcome, p.outcome_on, \
     p.termination_record, p.termination_reason, p.outcome_note, p.version, p.change_seq";
const PREG_FROM: &str = "FROM pregnancy p JOIN person w ON w.id = p.woman_id";

fn pregnancy_from(r: &Row, today: NaiveDate) -> Pregnancy {
    let lmp = r.str(4);
    let outcome = r.opt_str(11);
    let open_lmp = parse_date(&lmp).ok().filter(|_| outcome.is_none());
    Pregnancy {
        id: r.str(0),
        woman_id: r.str(1),
        woman_name: r.str(2),
        village_code: r.str(3),
        lmp,
        reported_on: r.str(5),
        source: r.str(6),
        edd: r.str(7),
        timely: r.bool(8),
        registration_id: r.opt_str(9),
        reported_by_name: r.str(10),
        outcome,
        outcome_on: r.opt_str(12),
        termination_record: r.opt_str(13),
        termination_reason: r.opt_str(14),
        outcome_note: r.opt_str(15),
        overdue: open_lmp.is_some_and(|l| is_overdue(l, today)),
        gest_week: open_lmp.map(|l| gest_week(l, today)),
        version: r.i64(16),
        change_seq: r.i64(17),
    }
}

fn load_pregnancy(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
    today: NaiveDate,
) -> Result<Pregnancy, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {PREG_COLS} {PREG_FROM}
             WHERE p.id = $1 AND p.village_code >= $2 AND p.village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| pregnancy_from(&r, today))
    .ok_or(StoreError::NotFound)
}

const CHECK_COLS: &str = "id, pregnancy_id, checked_on, gest_week, place, note, version";

fn check_from(r: &Row) -> AntenatalCheck {
    AntenatalCheck {
        id: r.str(0),
        pregnancy_id: r.str(1),
        checked_on: r.str(2),
        gest_week: r.i64(3),
        place: r.str(4),
        note: r.opt_str(5),
        version: r.i64(6),
    }
}

fn load_check(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<AntenatalCheck, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {CHECK_COLS} FROM antenatal_check
             WHERE id = $1 AND village_code >= $2 AND village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| check_from(&r))
    .ok_or(StoreError::NotFound)
}

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

/// One verification step from the four columns starting at `i`.
fn verify_record(r: &Row, i: usize) -> Option<VerifyRecord> {
    r.opt_str(i + 2).map(|on| VerifyRecord {
        by_user: r.opt_str(i),
        by_name: r.str(i + 1),
        on,
        checks: r.str(i + 3),
    })
}

fn birth_cols() -> String {
    format!(
        "b.id, b.pregnancy_id, b.mother_id, m.name, b.child_id, b.village_code, b.child_name, \
         b.sex, b.born_on, b.born_time, b.weight_g, b.place, b.birth_order, b.certificate_no, \
         b.registration_id, b.reported_by_name, {}, b.version, b.change_seq",
        verify_cols("b")
    )
}
const BIRTH_FROM: &str = "FROM birth b JOIN person m ON m.id = b.mother_id";

fn birth_from(r: &Row) -> Birth {
    let village_verification = verify_record(r, 16);
    let town_verification = verify_record(r, 20);
    let verification =
        Verification::of(village_verification.is_some(), town_verification.is_some());
    Birth {
        id: r.str(0),
        pregnancy_id: r.str(1),
        mother_id: r.str(2),
        mother_name: r.str(3),
        child_id: r.str(4),
        village_code: r.str(5),
        child_name: r.opt_str(6),
        sex: Sex::from_code(r.i64(7)).unwrap_or(Sex::Female),
        born_on: r.str(8),
        born_time: r.opt_str(9),
        weight_g: r.opt_i64(10),
        place: r.str(11),
        birth_order: r.i64(12),
        certificate_no: r.opt_str(13),
        registration_id: r.opt_str(14),
        reported_by_name: r.str(15),
        village_verification,
        town_verification,
        verification,
        version: r.i64(24),
        change_seq: r.i64(25),
    }
}

fn load_birth(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Birth, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {} {BIRTH_FROM}
             WHERE b.id = $1 AND b.village_code >= $2 AND b.village_code < $3",
            birth_cols()
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| birth_from(&r))
    .ok_or(StoreError::NotFound)
}

/// The births of one pregnancy in the scope, in order of birth.
fn births_of(tx: &mut Tx<'_>, scope: &Scope, pregnancy_id: &str) -> Result<Vec<Birth>, StoreError> {
    let (lo, hi) = scope.code_range();
    Ok(tx
        .query(
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
        .collect())
}

fn death_cols() -> String {
    format!(
        "d.id, d.child_id, c.name, d.birth_id, d.village_code, d.died_on, d.age_days, d.cause, \
         d.note, d.reported_by_name, {}, d.version, d.change_seq",
        verify_cols("d")
    )
}
const DEATH_FROM: &str = "FROM infant_death d JOIN person c ON c.id = d.child_id";

fn death_from(r: &Row) -> InfantDeath {
    let village_verification = verify_record(r, 10);
    let town_verification = verify_record(r, 14);
    let verification =
        Verification::of(village_verification.is_some(), town_verification.is_some());
    InfantDeath {
        id: r.str(0),
        child_id: r.str(1),
        child_name: r.str(2),
        birth_id: r.opt_str(3),
        village_code: r.str(4),
        died_on: r.str(5),
        age_days: r.i64(6),
        cause: r.str(7),
        note: r.opt_str(8),
        reported_by_name: r.str(9),
        village_verification,
        town_verification,
        verification,
        version: r.i64(18),
        change_seq: r.i64(19),
    }
}

/// The infant death with `id`, or (with `by_child`) the one of the child
/// with that person id, inside the scope.
fn load_death(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
    by_child: bool,
) -> Result<Option<InfantDeath>, StoreError> {
    let (lo, hi) = scope.code_range();
    let key = if by_child { "d.child_id" } else { "d.id" };
    Ok(tx
        .query_opt(
            &format!(
                "SELECT {} {DEATH_FROM}
                 WHERE {key} = $1 AND d.village_code >= $2 AND d.village_code < $3",
                death_cols()
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .map(|r| death_from(&r)))
}

// ---- pregnancies ------------------------------------------------------------

/// Reports a pregnancy of a woman in the caller's area. Refuses a man, a
/// second open pregnancy, an LMP in the future or more than 45 weeks before
/// the report. `client_id` makes a retried report return the first.
pub fn report_pregnancy(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    woman_id: &str,
    input: &PregnancyInput,
    today: NaiveDate,
) -> Result<Pregnancy, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let woman = load_person(tx, scope, woman_id)?;
        if let Some(cid) = client_id
            && let Some(r) = tx.query_opt(
                "SELECT woman_id FROM pregnancy WHERE id = $1",
                &[P::T(cid)],
            )?
        {
            if r.str(0) == woman.id {
                return load_pregnancy(tx, scope, cid, today);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        let v = input
            .validate(woman.sex, today)
            .map_err(StoreError::Invalid)?;
        if tx
            .query_opt(
                "SELECT 1 FROM pregnancy WHERE woman_id = $1 AND outcome IS NULL",
                &[P::T(&woman.id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("woman_id", Reason::AlreadyPregnant));
        }
        if let Some(reg) = &v.registration_id
            && tx
                .query_opt(
                    "SELECT 1 FROM birth_registration r JOIN couple c ON c.id = r.couple_id
                     WHERE r.id = $1 AND r.status = 'current' AND c.wife_id = $2
                       AND r.village_code >= $3 AND r.village_code < $4",
                    &[P::T(reg), P::T(&woman.id), P::T(&lo), P::T(&hi)],
                )?
                .is_none()
        {
            return Err(StoreError::field(
                "registration_id",
                Reason::UnknownValue {
                    allowed: "她本人作为妻子持有的有效生育登记 / a current birth registration of hers",
                },
            ));
        }
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO pregnancy (id, woman_id, village_code, lmp, reported_on, source, edd,
                 timely, registration_id, reported_by, reported_by_name, outcome, outcome_on,
                 termination_record, termination_reason, outcome_note, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL, NULL, NULL,
                 1, $12, $13, $13)",
            &[
                P::T(&id),
                P::T(&woman.id),
                P::T(&woman.village_code),
                P::T(&fmt_date(v.lmp)),
                P::T(&fmt_date(v.reported_on)),
                P::T(v.source.code()),
                P::T(&fmt_date(v.edd)),
                v.timely.into(),
                (&v.registration_id).into(),
                scope.user_id.as_deref().into(),
                P::T(&scope.username),
                P::I(seq),
                P::T(&now),
            ],
        )
        .map_err(|e| {
            if unique_violation(&e, "pregnancy_open", "pregnancy.woman_id") {
                StoreError::field("woman_id", Reason::AlreadyPregnant)
            } else {
                e
            }
        })?;
        audit::record(tx, scope, Action::Create, "pregnancy", Some(&id), None)?;
        load_pregnancy(tx, scope, &id, today)
    })
}

/// Reads a pregnancy with its checks and births; the view is audited.
pub fn get_pregnancy(
    db: &Db,
    scope: &Scope,
    id: &str,
    today: NaiveDate,
) -> Result<PregnancyView, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let pregnancy = load_pregnancy(tx, scope, id, today)?;
        let checks = tx
            .query(
                &format!(
                    "SELECT {CHECK_COLS} FROM antenatal_check
                     WHERE pregnancy_id = $1 AND village_code >= $2 AND village_code < $3
                     ORDER BY checked_on, id"
                ),
                &[P::T(id), P::T(&lo), P::T(&hi)],
            )?
            .iter()
            .map(check_from)
            .collect();
        let births = births_of(tx, scope, id)?;
        audit::record(tx, scope, Action::View, "pregnancy", Some(id), None)?;
        Ok(PregnancyView {
            pregnancy,
            checks,
            births,
        })
    })
}

/// Lists pregnancies in the scope, newest report first; the list view is
/// audited as one entry.
pub fn list_pregnancies(
    db: &Db,
    scope: &Scope,
    f: &PregnancyFilter,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let detail = describe(&[
        ("org", f.org_code.clone()),
        ("woman", f.woman_id.clone()),
        ("open", f.open_only.then(|| "1".to_string())),
        ("overdue", f.overdue_only.then(|| "1".to_string())),
        ("from", f.reported_from.map(fmt_date)),
        ("to", f.reported_to.map(fmt_date)),
    ]);
    db.write(|tx| {
        let list = query_pregnancies(tx, &lo, &hi, f, today)?;
        audit::record(
            tx,
            scope,
            Action::View,
            "pregnancy_list",
            None,
            Some(&detail),
        )?;
        Ok(list)
    })
}

/// A woman's pregnancies (newest first, at most 20) for her person page,
/// in a read transaction and without an audit entry of their own: the page
/// is one view of her record, audited once by `register::get_person`, which
/// the page calls first. Everything else lists through
/// [`list_pregnancies`].
pub fn of_woman_for_person_page(
    db: &Db,
    scope: &Scope,
    woman_id: &str,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let f = PregnancyFilter {
        woman_id: Some(woman_id.to_string()),
        limit: 20,
        ..PregnancyFilter::default()
    };
    db.read(|tx| query_pregnancies(tx, &lo, &hi, &f, today))
}

/// The rows of a pregnancy list inside the code range `[lo, hi)`.
fn query_pregnancies(
    tx: &mut Tx<'_>,
    lo: &str,
    hi: &str,
    f: &PregnancyFilter,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    let (limit, offset) = page_of(f.limit, f.offset);
    // Overdue on `today` ⇔ the LMP lies on or before today − 308 days.
    let overdue_by = f
        .overdue_only
        .then(|| fmt_date(today - chrono::Duration::days(OVERDUE_DAYS)));
    let from = f.reported_from.map(fmt_date);
    let to = f.reported_to.map(fmt_date);
    Ok(tx
        .query(
            &format!(
                "SELECT {PREG_COLS} {PREG_FROM}
                 WHERE p.village_code >= $1 AND p.village_code < $2
                   AND (CAST($3 AS TEXT) IS NULL OR p.woman_id = $3)
                   AND (CAST($4 AS BIGINT) = 0 OR p.outcome IS NULL)
                   AND (CAST($5 AS TEXT) IS NULL OR (p.outcome IS NULL AND p.lmp <= $5))
                   AND (CAST($6 AS TEXT) IS NULL OR p.reported_on >= $6)
                   AND (CAST($7 AS TEXT) IS NULL OR p.reported_on <= $7)
                 ORDER BY p.reported_on DESC, p.id DESC
                 LIMIT $8 OFFSET $9"
            ),
            &[
                P::T(lo),
                P::T(hi),
                (&f.woman_id).into(),
                f.open_only.into(),
                (&overdue_by).into(),
                (&from).into(),
                (&to).into(),
                P::I(limit),
                P::I(offset),
            ],
        )?
        .iter()
        .map(|r| pregnancy_from(r, today))
        .collect())
}

/// Records an antenatal check of an open pregnancy (gestational week
/// computed from the LMP).
pub fn add_check(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    pregnancy_id: &str,
    input: &CheckInput,
    today: NaiveDate,
) -> Result<AntenatalCheck, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    db.write(|tx| {
        let p = load_pregnancy(tx, scope, pregnancy_id, today)?;
        if let Some(cid) = client_id
            && let Some(r) = tx.query_opt(
                "SELECT pregnancy_id FROM antenatal_check WHERE id = $1",
                &[P::T(cid)],
            )?
        {
            if r.str(0) == p.id {
                return load_check(tx, scope, cid);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if p.outcome.is_some() {
            return Err(StoreError::field("pregnancy_id", Reason::BadTransition));
        }
        let lmp = stored_date(&p.lmp)?;
        let v = input.validate(lmp, today).map_err(StoreError::Invalid)?;
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO antenatal_check (id, pregnancy_id, village_code, checked_on, gest_week,
                 place, note, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
            &[
                P::T(&id),
                P::T(&p.id),
                P::T(&p.village_code),
                P::T(&fmt_date(v.checked_on)),
                P::I(v.gest_week),
                P::T(&v.place),
                (&v.note).into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Create,
            "antenatal_check",
            Some(&id),
            Some(&p.id),
        )?;
        load_check(tx, scope, &id)
    })
}

/// Closes an open pregnancy with an outcome other than a live birth.
pub fn record_outcome(
    db: &Db,
    scope: &Scope,
    pregnancy_id: &str,
    expected_version: i64,
    input: &OutcomeInput,
    today: NaiveDate,
) -> Result<Pregnancy, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let p = load_pregnancy(tx, scope, pregnancy_id, today)?;
        stale(p.version, expected_version)?;
        if p.outcome.is_some() {
            return Err(StoreError::field("outcome", Reason::BadTransition));
        }
        let lmp = stored_date(&p.lmp)?;
        let v = input.validate(lmp, today).map_err(StoreError::Invalid)?;
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE pregnancy SET outcome = $1, outcome_on = $2, termination_record = $3,
                 termination_reason = $4, outcome_note = $5, version = version + 1,
                 change_seq = $6, updated_at = $7
             WHERE id = $8 AND version = $9 AND outcome IS NULL
               AND village_code >= $10 AND village_code < $11",
            &[
                P::T(v.outcome.code()),
                P::T(&fmt_date(v.outcome_on)),
                (&v.termination_record).into(),
                v.termination_reason.map(|r| r.code()).into(),
                (&v.note).into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(pregnancy_id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "pregnancy", pregnancy_id, scope));
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "pregnancy",
            Some(pregnancy_id),
            Some(v.outcome.code()),
        )?;
        load_pregnancy(tx, scope, pregnancy_id, today)
    })
}

// ---- births -----------------------------------------------------------------

/// The child's relation to the head of the mother's household.
fn child_relation(mother: Option<Relation>, sex: Sex) -> Relation {
    match mother {
        Some(Relation::Head | Relation::Spouse) => match sex {
            Sex::Male => Relation::Son,
            Sex::Female => Relation::Daughter,
        },
        Some(Relation::DaughterInLaw | Relation::Son | Relation::Daughter) => Relation::Grandchild,
        _ => Relation::Other,
    }
}

/// The name a child carries until named: "<mother>之子" or "<mother>之女".
fn provisional_name(mother: &str, sex: Sex) -> String {
    match sex {
        Sex::Male => format!("{mother}之子"),
        Sex::Female => format!("{mother}之女"),
    }
}

/// Checks every child of a birth report: each one's own rules (errors named
/// `children[i].field`, counting from 0), a shared date of birth (twins may
/// straddle midnight: one day apart at most) and certificate numbers not
/// used before.
fn check_children(
    tx: &mut Tx<'_>,
    children: &[BirthInput],
    lmp: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ValidBirth>, StoreError> {
    let mut errors = Vec::new();
    let mut valid = Vec::with_capacity(children.len());
    for (i, c) in children.iter().enumerate() {
        match c.validate(lmp, today) {
            Ok(v) => valid.push((i, v)),
            Err(es) => errors.extend(
                es.into_iter()
                    .map(|e| FieldError::new(format!("children[{i}].{}", e.field), e.reason)),
            ),
        }
    }
    if let Some(first) = valid.first().map(|(_, v)| v.born_on) {
        for (i, v) in &valid {
            if (v.born_on - first).num_days().abs() > 1 {
                errors.push(FieldError::new(
                    format!("children[{i}].born_on"),
                    Reason::UnknownValue {
                        allowed: "与同胎其他孩子同日或相差一天 / the same day as the other children (±1 day)",
                    },
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    for (i, v) in &valid {
        if let Some(c) = &v.certificate_no {
            let used = !seen.insert(c.clone())
                || tx
                    .query_opt("SELECT 1 FROM birth WHERE certificate_no = $1", &[P::T(c)])?
                    .is_some();
            if used {
                errors.push(FieldError::new(
                    format!("children[{i}].certificate_no"),
                    Reason::Duplicate,
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(valid.into_iter().map(|(_, v)| v).collect())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// Reports the live birth(s) of an open pregnancy: one [`BirthInput`] per
/// child (twins: two). Closes the pregnancy as a live birth, creates each
/// child as a person in the mother's household, and marks the birth
/// registration used. `client_id` is the first birth's id (a retry returns
/// the births already made).
pub fn report_births(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    pregnancy_id: &str,
    expected_version: i64,
    children: &[BirthInput],
    today: NaiveDate,
) -> Result<Vec<Birth>, StoreError> {
    require(scope, Permission::WriteRegister)?;
    if children.is_empty() || children.len() > 4 {
        return Err(StoreError::field(
            "children",
            Reason::OutOfRange { min: 1, max: 4 },
        ));
    }
    let client_id = client(client_id);
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let p = load_pregnancy(tx, scope, pregnancy_id, today)?;
        if let Some(cid) = client_id
            && let Some(r) =
                tx.query_opt("SELECT pregnancy_id FROM birth WHERE id = $1", &[P::T(cid)])?
        {
            if r.str(0) == p.id {
                return births_of(tx, scope, &p.id);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        stale(p.version, expected_version)?;
        if p.outcome.is_some() {
            return Err(StoreError::field("pregnancy_id", Reason::BadTransition));
        }
        let lmp = stored_date(&p.lmp)?;
        let valid = check_children(tx, children, lmp, today)?;
        let mother = load_person(tx, scope, &p.woman_id)?;

        // The registration the birth uses: the pregnancy's own, else the
        // mother's current one with the lowest child order.
        let registration = match &p.registration_id {
            Some(r) => tx.query_opt(
                "SELECT id, child_order FROM birth_registration
                 WHERE id = $1 AND village_code >= $2 AND village_code < $3",
                &[P::T(r), P::T(&lo), P::T(&hi)],
            )?,
            None => tx.query_opt(
                "SELECT r.id, r.child_order FROM birth_registration r
                 JOIN couple c ON c.id = r.couple_id
                 WHERE c.wife_id = $1 AND r.status = 'current'
                   AND r.village_code >= $2 AND r.village_code < $3
                 ORDER BY r.child_order, r.issued_on, r.id
                 LIMIT 1",
                &[P::T(&mother.id), P::T(&lo), P::T(&hi)],
            )?,
        }
        .map(|r| (r.str(0), r.i64(1)));
        // The order of the first child: the first one given, else the
        // registration's, else one more than the mother's births so far.
        // 孩次 counts live-born children, not deliveries: a twin born second
        // is the next child (first-delivery twins are the 1st and 2nd).
        let order = match valid.iter().find_map(|v| v.birth_order) {
            Some(o) => o,
            None => match &registration {
                Some((_, o)) => *o,
                None => {
                    tx.query_one(
                        "SELECT COUNT(*) FROM birth WHERE mother_id = $1",
                        &[P::T(&mother.id)],
                    )?
                    .i64(0)
                        + 1
                }
            },
        };
        let now = now_utc();

        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE pregnancy SET outcome = 'live_birth', outcome_on = $1, version = version + 1,
                 change_seq = $2, updated_at = $3
             WHERE id = $4 AND version = $5 AND outcome IS NULL
               AND village_code >= $6 AND village_code < $7",
            &[
                P::T(&fmt_date(valid[0].born_on)),
                P::I(seq),
                P::T(&now),
                P::T(&p.id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "pregnancy", &p.id, scope));
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "pregnancy",
            Some(&p.id),
            Some("live_birth"),
        )?;

        if let Some((rid, _)) = &registration {
            let seq = tx.next_seq()?;
            let n = tx.exec(
                "UPDATE birth_registration SET status = 'used', version = version + 1,
                     change_seq = $1, updated_at = $2
                 WHERE id = $3 AND status = 'current'",
                &[P::I(seq), P::T(&now), P::T(rid)],
            )?;
            if n > 0 {
                audit::record(
                    tx,
                    scope,
                    Action::Update,
                    "birth_registration",
                    Some(rid),
                    Some("used"),
                )?;
            }
        }
        let registration_id = registration.map(|(id, _)| id);

        let mut ids = Vec::with_capacity(valid.len());
        for (i, v) in valid.iter().enumerate() {
            let child_id = new_id();
            let name = v
                .child_name
                .clone()
                .unwrap_or_else(|| provisional_name(&mother.name, v.sex));
            let relation = mother
                .household_id
                .as_ref()
                .map(|_| child_relation(mother.relation, v.sex).code());
            let seq = tx.next_seq()?;
            tx.exec(
                "INSERT INTO person (id, resident_id, name, sex, birth_date, phone,
                     marital_status, household_id, relation, village_code, version, change_seq,
                     created_at, updated_at, name_initials)
                 VALUES ($1, NULL, $2, $3, $4, NULL, NULL, $5, $6, $7, 1, $8, $9, $9, $10)",
                &[
                    P::T(&child_id),
                    P::T(&name),
                    P::I(v.sex.code()),
                    P::T(&fmt_date(v.born_on)),
                    (&mother.household_id).into(),
                    relation.into(),
                    P::T(&mother.village_code),
                    P::I(seq),
                    P::T(&now),
                    P::T(&initials(&name)),
                ],
            )?;
            audit::record(
                tx,
                scope,
                Action::Create,
                "person",
                Some(&child_id),
                Some("birth"),
            )?;
            let id = match (i, client_id) {
                (0, Some(cid)) => cid.to_string(),
                _ => new_id(),
            };
            let seq = tx.next_seq()?;
            tx.exec(
                "INSERT INTO birth (id, pregnancy_id, mother_id, child_id, village_code,
                     child_name, sex, born_on, born_time, weight_g, place, birth_order,
                     certificate_no, registration_id, reported_by, reported_by_name, verified,
                     version, change_seq, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     0, 1, $17, $18, $18)",
                &[
                    P::T(&id),
                    P::T(&p.id),
                    P::T(&mother.id),
                    P::T(&child_id),
                    P::T(&mother.village_code),
                    (&v.child_name).into(),
                    P::I(v.sex.code()),
                    P::T(&fmt_date(v.born_on)),
                    (&v.born_time).into(),
                    v.weight_g.map_or(P::Null, P::I),
                    P::T(v.place.code()),
                    P::I(v.birth_order.unwrap_or(order + i as i64)),
                    (&v.certificate_no).into(),
                    (&registration_id).into(),
                    scope.user_id.as_deref().into(),
                    P::T(&scope.username),
                    P::I(seq),
                    P::T(&now),
                ],
            )
            .map_err(|e| {
                if unique_violation(&e, "birth_certificate", "birth.certificate_no") {
                    StoreError::field(&format!("children[{i}].certificate_no"), Reason::Duplicate)
                } else {
                    e
                }
            })?;
            audit::record(tx, scope, Action::Create, "birth", Some(&id), None)?;
            ids.push(id);
        }
        ids.iter().map(|id| load_birth(tx, scope, id)).collect()
    })
}

/// Reads a birth with its amendments and any infant death; audited.
pub fn get_birth(db: &Db, scope: &Scope, id: &str) -> Result<BirthView, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let birth = load_birth(tx, scope, id)?;
        let amendments = tx
            .query(
                "SELECT id, birth_id, field, old_value, new_value, reason, by_name, at
                 FROM birth_amendment WHERE birth_id = $1
                 ORDER BY at, change_seq",
                &[P::T(id)],
            )?
            .iter()
            .map(|r| Amendment {
                id: r.str(0),
                birth_id: r.str(1),
                field: r.str(2),
                old_value: r.str(3),
                new_value: r.str(4),
                reason: r.str(5),
                by_name: r.str(6),
                at: r.str(7),
            })
            .collect();
        let death = load_death(tx, scope, &birth.child_id, true)?;
        audit::record(tx, scope, Action::View, "birth", Some(id), None)?;
        Ok(BirthView {
            birth,
            amendments,
            death,
        })
    })
}

/// Lists births in the scope, newest first; audited as one entry.
pub fn list_births(db: &Db, scope: &Scope, f: &BirthFilter) -> Result<Vec<Birth>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let from = f.born_from.map(fmt_date);
    let to = f.born_to.map(fmt_date);
    let detail = describe(&[
        ("org", f.org_code.clone()),
        ("mother", f.mother_id.clone()),
        ("from", from.clone()),
        ("to", to.clone()),
        ("verification", f.verification.map(|v| v.code().to_string())),
    ]);
    db.write(|tx| {
        let list = tx
            .query(
                &format!(
                    "SELECT {} {BIRTH_FROM}
                     WHERE b.village_code >= $1 AND b.village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR b.mother_id = $3)
                       AND (CAST($4 AS TEXT) IS NULL OR b.born_on >= $4)
                       AND (CAST($5 AS TEXT) IS NULL OR b.born_on <= $5){}
                     ORDER BY b.born_on DESC, b.id DESC
                     LIMIT $6 OFFSET $7",
                    birth_cols(),
                    verification_sql("b", f.verification)
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&f.mother_id).into(),
                    (&from).into(),
                    (&to).into(),
                    P::I(limit),
                    P::I(offset),
                ],
            )?
            .iter()
            .map(birth_from)
            .collect();
        audit::record(tx, scope, Action::View, "birth_list", None, Some(&detail))?;
        Ok(list)
    })
}

/// Gives a child their name (on the birth and the person record).
pub fn name_child(
    db: &Db,
    scope: &Scope,
    birth_id: &str,
    expected_version: i64,
    name: &str,
) -> Result<Birth, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let name = PersonName::parse(name).map_err(|r| StoreError::field("child_name", r))?;
    let name = name.as_str();
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let b = load_birth(tx, scope, birth_id)?;
        stale(b.version, expected_version)?;
        let now = now_utc();
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE birth SET child_name = $1, version = version + 1, change_seq = $2,
                 updated_at = $3
             WHERE id = $4 AND version = $5 AND village_code >= $6 AND village_code < $7",
            &[
                P::T(name),
                P::I(seq),
                P::T(&now),
                P::T(birth_id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "birth", birth_id, scope));
        }
        let seq = tx.next_seq()?;
        tx.exec(
            "UPDATE person SET name = $1, name_initials = $2, version = version + 1,
                 change_seq = $3, updated_at = $4
             WHERE id = $5",
            &[
                P::T(name),
                P::T(&initials(name)),
                P::I(seq),
                P::T(&now),
                P::T(&b.child_id),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "birth",
            Some(birth_id),
            Some("name"),
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "person",
            Some(&b.child_id),
            Some("name"),
        )?;
        load_birth(tx, scope, birth_id)
    })
}

// ---- verification -----------------------------------------------------------

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

// ---- amendments -------------------------------------------------------------

/// Corrects a birth's `sex` or `born_on` as an audited amendment with a
/// reason (the child's person record follows).
#[allow(clippy::too_many_arguments)]
pub fn amend_birth(
    db: &Db,
    scope: &Scope,
    birth_id: &str,
    expected_version: i64,
    field: &str,
    new_value: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<Birth, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let field = field.trim();
    if field != "sex" && field != "born_on" {
        return Err(StoreError::field(
            "field",
            Reason::UnknownValue {
                allowed: "sex/born_on",
            },
        ));
    }
    let reason = reason.trim();
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let b = load_birth(tx, scope, birth_id)?;
        stale(b.version, expected_version)?;
        if b.verification == Verification::Verified
            && !matches!(scope.role, Role::TownStaff | Role::Admin)
        {
            return Err(StoreError::Forbidden);
        }
        let mut errors = Vec::new();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", Reason::Required));
        } else if reason.chars().count() > 200 {
            errors.push(FieldError::new("reason", Reason::TooLong { max: 200 }));
        }
        // The old and new values as stored: the sex as its GB code ("1"
        // male, "2" female), the date as YYYY-MM-DD.
        let (old, new) = if field == "sex" {
            let new = Sex::parse(new_value)
                .map_err(|r| errors.push(FieldError::new("new_value", r)))
                .ok()
                .map(|s| s.code().to_string());
            (b.sex.code().to_string(), new)
        } else {
            let lmp = tx
                .query_one(
                    "SELECT lmp FROM pregnancy WHERE id = $1",
                    &[P::T(&b.pregnancy_id)],
                )?
                .str(0);
            let lmp = stored_date(&lmp)?;
            let new = match parse_date(new_value) {
                Ok(d) if d > today => {
                    errors.push(FieldError::new("new_value", Reason::FutureDate));
                    None
                }
                Ok(d) if d <= lmp => {
                    errors.push(FieldError::new("new_value", after_lmp()));
                    None
                }
                Ok(d) => Some(fmt_date(d)),
                Err(r) => {
                    errors.push(FieldError::new("new_value", r));
                    None
                }
            };
            (b.born_on.clone(), new)
        };
        if new.as_deref() == Some(old.as_str()) {
            errors.push(FieldError::new("new_value", Reason::Duplicate));
        }
        let new = match new {
            Some(n) if errors.is_empty() => n,
            _ => return Err(StoreError::Invalid(errors)),
        };
        let now = now_utc();
        let seq = tx.next_seq()?;
        tx.exec(
            "INSERT INTO birth_amendment (id, birth_id, field, old_value, new_value, reason,
                 by_user, by_name, at, change_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                P::T(&new_id()),
                P::T(birth_id),
                P::T(field),
                P::T(&old),
                P::T(&new),
                P::T(reason),
                scope.user_id.as_deref().into(),
                P::T(&scope.username),
                P::T(&now),
                P::I(seq),
            ],
        )?;
        // The column names come from the two accepted fields, never input.
        let (birth_col, person_col, value) = if field == "sex" {
            let code: i64 = if new == "1" { 1 } else { 2 };
            ("sex", "sex", P::I(code))
        } else {
            ("born_on", "birth_date", P::T(&new))
        };
        let seq = tx.next_seq()?;
        let n = tx.exec(
            &format!(
                "UPDATE birth SET {birth_col} = $1, version = version + 1, change_seq = $2,
                     updated_at = $3
                 WHERE id = $4 AND version = $5 AND village_code >= $6 AND village_code < $7"
            ),
            &[
                value,
                P::I(seq),
                P::T(&now),
                P::T(birth_id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "birth", birth_id, scope));
        }
        let seq = tx.next_seq()?;
        tx.exec(
            &format!(
                "UPDATE person SET {person_col} = $1, version = version + 1, change_seq = $2,
                     updated_at = $3
                 WHERE id = $4"
            ),
            &[value, P::I(seq), P::T(&now), P::T(&b.child_id)],
        )?;
        let detail = format!("amend {field}: {old}→{new}");
        audit::record(
            tx,
            scope,
            Action::Update,
            "birth",
            Some(birth_id),
            Some(&detail),
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "person",
            Some(&b.child_id),
            Some(&detail),
        )?;
        load_birth(tx, scope, birth_id)
    })
}

// ---- infant deaths ----------------------------------------------------------

/// Reports the death of a child under one year old.
pub fn report_infant_death(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    child_id: &str,
    input: &DeathInput,
    today: NaiveDate,
) -> Result<InfantDeath, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    db.write(|tx| {
        let child = load_person(tx, scope, child_id)?;
        if let Some(cid) = client_id
            && let Some(r) = tx.query_opt(
                "SELECT child_id FROM infant_death WHERE id = $1",
                &[P::T(cid)],
            )?
        {
            if r.str(0) == child.id {
                return load_death(tx, scope, cid, false)?.ok_or(StoreError::NotFound);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM infant_death WHERE child_id = $1",
                &[P::T(&child.id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("child_id", Reason::Duplicate));
        }
        let born_on = stored_date(&child.birth_date)?;
        let v = input
            .validate(born_on, today)
            .map_err(StoreError::Invalid)?;
        let birth_id = tx
            .query_opt(
                "SELECT id FROM birth WHERE child_id = $1",
                &[P::T(&child.id)],
            )?
            .map(|r| r.str(0));
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO infant_death (id, child_id, birth_id, village_code, died_on, age_days,
                 cause, note, reported_by, reported_by_name, verified, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 1, $11, $12, $12)",
            &[
                P::T(&id),
                P::T(&child.id),
                (&birth_id).into(),
                P::T(&child.village_code),
                P::T(&fmt_date(v.died_on)),
                P::I(v.age_days),
                P::T(v.cause.code()),
                (&v.note).into(),
                scope.user_id.as_deref().into(),
                P::T(&scope.username),
                P::I(seq),
                P::T(&now),
            ],
        )
        .map_err(|e| {
            if unique_violation(&e, "infant_death_child", "infant_death.child_id") {
                StoreError::field("child_id", Reason::Duplicate)
            } else {
                e
            }
        })?;
        audit::record(tx, scope, Action::Create, "infant_death", Some(&id), None)?;
        load_death(tx, scope, &id, false)?.ok_or(StoreError::NotFound)
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

/// Reads one infant death; audited.
pub fn get_infant_death(db: &Db, scope: &Scope, id: &str) -> Result<InfantDeath, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let d = load_death(tx, scope, id, false)?.ok_or(StoreError::NotFound)?;
        audit::record(tx, scope, Action::View, "infant_death", Some(id), None)?;
        Ok(d)
    })
}

/// Lists infant deaths in the scope, newest first; audited as one entry.
pub fn list_infant_deaths(
    db: &Db,
    scope: &Scope,
    f: &DeathFilter,
) -> Result<Vec<InfantDeath>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let from = f.died_from.map(fmt_date);
    let to = f.died_to.map(fmt_date);
    let detail = describe(&[
        ("org", f.org_code.clone()),
        ("from", from.clone()),
        ("to", to.clone()),
        ("verification", f.verification.map(|v| v.code().to_string())),
    ]);
    db.write(|tx| {
        let list = tx
            .query(
                &format!(
                    "SELECT {} {DEATH_FROM}
                     WHERE d.village_code >= $1 AND d.village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR d.died_on >= $3)
                       AND (CAST($4 AS TEXT) IS NULL OR d.died_on <= $4){}
                     ORDER BY d.died_on DESC, d.id DESC
                     LIMIT $5 OFFSET $6",
                    death_cols(),
                    verification_sql("d", f.verification)
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&from).into(),
                    (&to).into(),
                    P::I(limit),
                    P::I(offset),
                ],
            )?
            .iter()
            .map(death_from)
            .collect();
        audit::record(
            tx,
            scope,
            Action::View,
            "infant_death_list",
            None,
            Some(&detail),
        )?;
        Ok(list)
    })
}

/// How many births in the scope (or in one org unit of it) stand in each
/// verification state: `[unverified, village-verified, verified]`, so a list
/// can always show the split. Counts only, no names: not audited.
pub fn birth_counts(
    db: &Db,
    scope: &Scope,
    org_code: Option<&str>,
) -> Result<[i64; 3], StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, org_code)?;
    db.read(|tx| {
        let r = tx.query_one(
            "SELECT COUNT(CASE WHEN village_verified_on IS NULL THEN 1 END),
                    COUNT(CASE WHEN village_verified_on IS NOT NULL
                                AND town_verified_on IS NULL THEN 1 END),
                    COUNT(CASE WHEN verified = 1 THEN 1 END)
             FROM birth WHERE village_code >= $1 AND village_code < $2",
            &[P::T(&lo), P::T(&hi)],
        )?;
        Ok([r.i64(0), r.i64(1), r.i64(2)])
    })
}
