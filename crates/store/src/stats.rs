//! Aggregate statistics over pregnancies and births: sex ratio at birth by
//! org unit, year and birth order; report timeliness and the reporting-
//! incentive ledger; the monthly reconciliation of birth registrations with
//! births; the annual review list; the monthly births and pregnancies
//! report. Aggregates need `ReadStatistics`; lists naming people need
//! `ReadRegister` and are audited.

use crate::Db;
use crate::error::StoreError;
use chrono::NaiveDate;
use hearth_core::scope::Scope;
use hearth_core::srb::SexRatio;
use serde::Serialize;

/// A closed date range `[from, to]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Live births by sex for one org unit (or the total), with the split by
/// birth order (1st, 2nd, 3rd and later).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SrbRow {
    pub org_code: String,
    pub org_name: String,
    pub srb: SexRatio,
    /// Index 0: first births, 1: second, 2: third and later.
    pub by_order: [SexRatio; 3],
    /// Births in the period not yet verified by both (counted in `srb`
    /// only when unverified births are included).
    pub unverified: i64,
}

/// Sex ratio at birth for an org unit: the total and one row per village.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SrbReport {
    pub period: Period,
    pub include_unverified: bool,
    pub total: SrbRow,
    pub villages: Vec<SrbRow>,
}

/// The sex ratio at birth for `org_code` (a village, town or county inside
/// the scope) over `period`, verified births only unless asked.
pub fn srb_by_village(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    period: Period,
    include_unverified: bool,
) -> Result<SrbReport, StoreError> {
    todo!()
}

/// The sex ratio at birth for `org_code` per calendar year.
pub fn srb_by_year(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    from_year: i32,
    to_year: i32,
    include_unverified: bool,
) -> Result<Vec<(i32, SexRatio)>, StoreError> {
    todo!()
}

/// Report timeliness for one village (or the total): pregnancies reported
/// in the period and those reported ≤ 91 days after the LMP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelinessRow {
    pub org_code: String,
    pub org_name: String,
    pub reported: i64,
    pub timely: i64,
    /// `timely / reported`; `None` with nothing reported.
    pub rate: Option<f64>,
}

/// Timeliness by village with the total for `org_code` over `period`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelinessReport {
    pub period: Period,
    pub total: TimelinessRow,
    pub villages: Vec<TimelinessRow>,
}

pub fn timeliness_by_village(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    period: Period,
) -> Result<TimelinessReport, StoreError> {
    todo!()
}

/// One reporter's line of the incentive ledger: timely and late reports
/// in a village and the money they earn or lose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRow {
    pub village_code: String,
    pub village_name: String,
    pub reporter_name: String,
    pub timely: i64,
    pub late: i64,
    pub reward_yuan: i64,
    pub deduction_yuan: i64,
    /// `reward_yuan - deduction_yuan`.
    pub net_yuan: i64,
}

/// The reporting-incentive ledger (孕情报告奖惩台账) for a period, with the
/// amounts in force (settings, not code).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ledger {
    pub period: Period,
    pub reward_per_timely: i64,
    pub deduction_per_late: i64,
    pub rows: Vec<LedgerRow>,
    pub total_net_yuan: i64,
}

pub fn incentive_ledger(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    period: Period,
) -> Result<Ledger, StoreError> {
    todo!()
}

/// One village's monthly reconciliation of birth registrations with births.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconRow {
    pub village_code: String,
    pub village_name: String,
    /// Registrations issued in the month.
    pub issued: i64,
    /// Live births in the month.
    pub births: i64,
    /// Births in the month that used a registration.
    pub births_registered: i64,
    /// Births in the month with no registration.
    pub births_unregistered: i64,
    /// Registrations marked used in the month.
    pub used: i64,
    /// Current registrations over 12 months old with no known pregnancy
    /// or birth since issue.
    pub stale: i64,
}

/// A registration listed for a service visit: over 12 months old, no
/// pregnancy or birth known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleRegistration {
    pub registration_id: String,
    pub number: String,
    pub village_code: String,
    pub village_name: String,
    pub wife_id: String,
    pub wife_name: String,
    pub issued_on: String,
    pub child_order: i64,
}

/// The monthly reconciliation for `org_code` (the named list of stale
/// registrations needs `ReadRegister`; its view is audited).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub year: i32,
    pub month: u32,
    pub total: ReconRow,
    pub villages: Vec<ReconRow>,
    pub stale: Vec<StaleRegistration>,
}

pub fn reconciliation(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    year: i32,
    month: u32,
) -> Result<Reconciliation, StoreError> {
    todo!()
}

/// One line of the annual review list (年审).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRow {
    pub registration_id: String,
    pub number: String,
    pub village_code: String,
    pub village_name: String,
    pub wife_name: String,
    pub status: String,
    pub review_due: String,
    pub last_reviewed_on: Option<String>,
    /// Reviewed during `year`.
    pub reviewed: bool,
}

/// Registrations due for review in `year`, reviewed or not; audited.
pub fn annual_review(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    year: i32,
    reviewed: Option<bool>,
) -> Result<Vec<ReviewRow>, StoreError> {
    todo!()
}

/// One village's line of the monthly births and pregnancies report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyRow {
    pub org_code: String,
    pub org_name: String,
    pub pregnancies_reported: i64,
    pub reported_timely: i64,
    /// Open at the end of the month.
    pub open_at_end: i64,
    /// Open and past 44 weeks at the end of the month.
    pub overdue_at_end: i64,
    pub stillbirths: i64,
    pub miscarriages: i64,
    pub terminations: i64,
    pub moved_out_or_lost: i64,
    pub live_births: i64,
    pub live_births_verified: i64,
    pub males: i64,
    pub females: i64,
    pub twins_deliveries: i64,
    pub infant_deaths: i64,
}

/// The monthly births and pregnancies report by village (the district's
/// spreadsheet), with the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyReport {
    pub year: i32,
    pub month: u32,
    pub total: MonthlyRow,
    pub villages: Vec<MonthlyRow>,
}

pub fn monthly_report(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    year: i32,
    month: u32,
) -> Result<MonthlyReport, StoreError> {
    todo!()
}
