//! The records of this workflow as the store hands them out (pregnancies,
//! antenatal checks, births, amendments, infant deaths, their verification
//! steps and the views that group them) and the filters of its lists.
//! Coded values are the core enums of `hearth_core::pregnancy`.

use chrono::NaiveDate;
use hearth_core::person::Sex;
use hearth_core::pregnancy::{
    BirthPlace, DeathCause, Outcome, PregnancySource, TerminationReason, Verification,
};
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
    pub source: PregnancySource,
    pub edd: String,
    pub timely: bool,
    pub registration_id: Option<String>,
    pub reported_by_name: String,
    /// `None` while open.
    pub outcome: Option<Outcome>,
    pub outcome_on: Option<String>,
    pub termination_record: Option<String>,
    pub termination_reason: Option<TerminationReason>,
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
    /// Where, as typed (free text).
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
    pub place: BirthPlace,
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
    pub cause: DeathCause,
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
