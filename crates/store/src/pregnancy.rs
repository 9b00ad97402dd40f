//! Pregnancies (孕情) to their outcome, antenatal checks, birth reports with
//! the newborn's person record, two-person verification, amendments of a
//! birth's sex or date, and infant deaths. Every function takes the caller's
//! [`Scope`]; a record outside it answers `NotFound`; every view of a named
//! record and every change is audited in the same transaction.

use crate::Db;
use crate::error::StoreError;
use chrono::NaiveDate;
use hearth_core::person::Sex;
use hearth_core::pregnancy::{
    BirthInput, CheckInput, DeathInput, OutcomeInput, PregnancyInput, Verification, VerifyInput,
};
use hearth_core::scope::Scope;
use serde::Serialize;

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
    todo!()
}

/// Reads a pregnancy with its checks and births; the view is audited.
pub fn get_pregnancy(
    db: &Db,
    scope: &Scope,
    id: &str,
    today: NaiveDate,
) -> Result<PregnancyView, StoreError> {
    todo!()
}

/// Lists pregnancies in the scope, newest report first; the list view is
/// audited as one entry.
pub fn list_pregnancies(
    db: &Db,
    scope: &Scope,
    f: &PregnancyFilter,
    today: NaiveDate,
) -> Result<Vec<Pregnancy>, StoreError> {
    todo!()
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
    todo!()
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
    todo!()
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
    todo!()
}

/// Reads a birth with its amendments and any infant death; audited.
pub fn get_birth(db: &Db, scope: &Scope, id: &str) -> Result<BirthView, StoreError> {
    todo!()
}

/// Lists births in the scope, newest first; audited as one entry.
pub fn list_births(db: &Db, scope: &Scope, f: &BirthFilter) -> Result<Vec<Birth>, StoreError> {
    todo!()
}

/// Gives a child their name (on the birth and the person record).
pub fn name_child(
    db: &Db,
    scope: &Scope,
    birth_id: &str,
    expected_version: i64,
    name: &str,
) -> Result<Birth, StoreError> {
    todo!()
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
    todo!()
}

/// Corrects a birth's `sex` or `born_on` as an audited amendment with a
/// reason (the child's person record follows).
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
    todo!()
}

/// Reports the death of a child under one year old.
pub fn report_infant_death(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    child_id: &str,
    input: &DeathInput,
    today: NaiveDate,
) -> Result<InfantDeath, StoreError> {
    todo!()
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
    todo!()
}

/// Reads one infant death; audited.
pub fn get_infant_death(db: &Db, scope: &Scope, id: &str) -> Result<InfantDeath, StoreError> {
    todo!()
}

/// Lists infant deaths in the scope, newest first; audited as one entry.
pub fn list_infant_deaths(
    db: &Db,
    scope: &Scope,
    f: &DeathFilter,
) -> Result<Vec<InfantDeath>, StoreError> {
    todo!()
}
