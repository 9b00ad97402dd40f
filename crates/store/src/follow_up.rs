//! The follow-up service (随访) in the store: zones and their responsible
//! workers, each woman's one responsible worker, the schedule rules and
//! visit topics, contraceptive procedures, visits with the due contacts
//! they covered and the needs raised, the workers' work lists and the
//! coverage indicators. Every function takes the caller's [`Scope`]; rows
//! outside it answer `NotFound`; every view of a named list or record and
//! every change is audited in the same transaction.

use crate::Db;
use crate::error::StoreError;
use chrono::NaiveDate;
use hearth_core::follow_up::{
    ContactStatus, DueContact, NeedStatus, ProcedureInput, RuleInput, ScheduleRule, VisitInput,
    YearMonth,
};
use hearth_core::scope::Scope;
use serde::Serialize;

// ---- types ------------------------------------------------------------------

/// A zone (片区) of a village with its responsible worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    pub id: String,
    pub village_code: String,
    pub name: String,
    /// The responsible follow-up worker (an `app_user` id); `None` until
    /// one is named (no woman can be assigned to the zone until then).
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
    /// Women assigned to the zone.
    pub women: i64,
    pub version: i64,
}

/// A user who may be named a zone's worker: an enabled account that may
/// record visits and whose area covers the village.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerOption {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// A `hearth_core::user::Role` code.
    pub role: String,
}

/// A woman's responsible worker (谁随访谁管理).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub person_id: String,
    pub village_code: String,
    pub zone_id: String,
    pub zone_name: String,
    pub worker_id: String,
    pub worker_name: String,
    pub version: i64,
}

/// Why a woman needs a responsible worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedsWorker {
    /// 15–49 in the register.
    OfAge,
    /// An open pregnancy.
    Pregnant,
    /// A birth in the last 60 days.
    Postpartum,
}

/// A woman who needs a responsible worker and has none (in her village).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unassigned {
    pub person_id: String,
    pub name: String,
    pub birth_date: String,
    pub village_code: String,
    pub household_id: Option<String>,
    pub household_number: Option<String>,
    pub why: NeedsWorker,
}

/// A visit topic (宣传服务内容).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub active: bool,
    pub sort: i64,
}

/// A contraceptive procedure (节育手术).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Procedure {
    pub id: String,
    pub person_id: String,
    pub village_code: String,
    /// A `hearth_core::follow_up::ProcedureKind` code.
    pub kind: String,
    pub done_on: String,
    pub place: String,
    pub version: i64,
}

/// A due contact a visit covered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoveredContact {
    pub key: String,
    pub rule_code: String,
    pub window_from: String,
    pub window_to: String,
}

/// A need raised at a visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub id: String,
    pub visit_id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    /// A `hearth_core::follow_up::NeedCategory` code.
    pub category: String,
    pub text: String,
    /// A `hearth_core::follow_up::NeedStatus` code.
    pub status: String,
    pub for_window: bool,
    /// The date of the visit that raised it.
    pub raised_on: String,
    pub version: i64,
}

/// A visit (随访记录) with what it covered and the needs raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    pub zone_id: Option<String>,
    pub worker_id: Option<String>,
    pub worker_name: String,
    pub visited_on: String,
    /// A `hearth_core::follow_up::VisitMode` code.
    pub mode: String,
    /// Topic codes.
    pub topics: Vec<String>,
    pub findings: Option<String>,
    pub next_appointment: Option<String>,
    pub covered: Vec<CoveredContact>,
    pub needs: Vec<Need>,
    pub version: i64,
    pub created_at: String,
}

/// A visit in a list (without findings and needs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    pub worker_id: Option<String>,
    pub worker_name: String,
    pub visited_on: String,
    pub mode: String,
    pub topics: Vec<String>,
    /// How many due contacts it covered.
    pub covered: i64,
}

/// Which visits a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub person_id: Option<String>,
    pub worker_id: Option<String>,
    /// A village (or any org code: its subtree) inside the scope.
    pub org_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Default 100, at most 500.
    pub limit: i64,
    pub offset: i64,
}

/// Which needs a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    pub person_id: Option<String>,
    /// Needs of the women assigned to this worker.
    pub worker_id: Option<String>,
    pub org_code: Option<String>,
    pub status: Option<NeedStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// A due contact of one woman with its status (her schedule).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledContact {
    pub contact: DueContact,
    pub rule_label_zh: String,
    pub rule_label_en: String,
    pub status: ContactStatus,
}

/// One line of a work list: a woman and one contact of hers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkItem {
    pub person_id: String,
    pub name: String,
    pub village_code: String,
    pub household_id: Option<String>,
    pub household_number: Option<String>,
    pub zone_id: String,
    pub zone_name: String,
    pub worker_id: String,
    pub worker_name: String,
    pub contact_key: String,
    pub rule_code: String,
    pub rule_label_zh: String,
    pub rule_label_en: String,
    pub window_from: String,
    pub window_to: String,
    pub reminder: bool,
    pub status: ContactStatus,
}

/// A section of a work list, ordered by zone, household number and name
/// (so consecutive items group by zone and household). `total` counts every
/// item even when `items` was cut at [`WORK_SECTION_MAX`].
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct WorkSection {
    pub items: Vec<WorkItem>,
    pub total: usize,
}

/// At most this many items per work-list section.
pub const WORK_SECTION_MAX: usize = 1000;

/// A worker's (or an area's) work list on `today`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkList {
    pub today: String,
    /// The worker whose list this is; `None` for everyone in the scope.
    pub worker_id: Option<String>,
    /// Contacts whose window contains today, not done.
    pub due_today: WorkSection,
    /// Contacts whose window starts within the next 7 days.
    pub this_week: WorkSection,
    /// Contacts whose window closed within the last 90 days, not done.
    pub overdue: WorkSection,
    /// Needs open or handed to the service window, of the same women.
    pub open_needs: Vec<Need>,
    /// Women on the list.
    pub women: i64,
}

/// A worker and her overdue contacts (for specialists and town staff).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerLoad {
    pub worker_id: String,
    pub worker_name: String,
    pub women: i64,
    pub overdue: i64,
    pub due_today: i64,
}

/// How a coverage report groups women.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageBy {
    Village,
    Zone,
    Worker,
}

impl CoverageBy {
    pub fn parse(s: &str) -> Option<CoverageBy> {
        match s.trim() {
            "village" | "" => Some(CoverageBy::Village),
            "zone" => Some(CoverageBy::Zone),
            "worker" => Some(CoverageBy::Worker),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            CoverageBy::Village => "village",
            CoverageBy::Zone => "zone",
            CoverageBy::Worker => "worker",
        }
    }
}

/// Contacts due in a period for one group, and what became of them.
/// `due = on_time + late + missed + pending`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// The village code, zone id or worker id (empty: no zone / worker).
    pub key: String,
    pub name: String,
    pub due: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    /// Not done yet, and a visit may still come (the month is not over).
    pub pending: i64,
    /// on_time / due; `None` when nothing was due.
    pub coverage: Option<f64>,
}

/// Monthly coverage for an org unit: one row per group and the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub org_code: String,
    pub org_name: String,
    pub month: YearMonth,
    pub by: CoverageBy,
    pub rows: Vec<CoverageRow>,
    pub total: CoverageRow,
}

/// One month of the coverage chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCoverage {
    pub month: YearMonth,
    pub due: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    pub pending: i64,
    pub coverage: Option<f64>,
}

/// Postpartum visit completion for a month: the postpartum contacts (not
/// reminders) whose window ends in the month, per rule and in total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostpartumCompletion {
    pub org_code: String,
    pub org_name: String,
    pub month: YearMonth,
    /// `key` is the rule code, `name` its Chinese label.
    pub rules: Vec<CoverageRow>,
    pub total: CoverageRow,
}

// ---- zones and workers -----------------------------------------------------

/// The zones of a village inside the scope, by name, with their workers
/// and how many women each holds.
pub fn list_zones(db: &Db, scope: &Scope, village: &str) -> Result<Vec<Zone>, StoreError> {
    let _ = (db, scope, village);
    todo!()
}

/// One zone inside the scope.
pub fn get_zone(db: &Db, scope: &Scope, id: &str) -> Result<Zone, StoreError> {
    let _ = (db, scope, id);
    todo!()
}

/// The users who may be named a worker of a zone in `village`.
pub fn workers_for(db: &Db, scope: &Scope, village: &str) -> Result<Vec<WorkerOption>, StoreError> {
    let _ = (db, scope, village);
    todo!()
}

/// Creates a zone of a village (WriteRegister). The name is 1–40
/// characters, unique in the village; the worker, when named, must be a
/// [`workers_for`] user. `client_id` makes a retry return the first.
pub fn create_zone(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    village: &str,
    name: &str,
    worker_id: Option<&str>,
) -> Result<Zone, StoreError> {
    let _ = (db, scope, client_id, village, name, worker_id);
    todo!()
}

/// Renames a zone and/or names its worker (WriteRegister). Changing the
/// worker moves every woman of the zone to the new worker in the same
/// transaction (reassigning a zone is one action, audited). A zone that
/// holds women cannot be left without a worker.
pub fn update_zone(
    db: &Db,
    scope: &Scope,
    id: &str,
    version: i64,
    name: &str,
    worker_id: Option<&str>,
) -> Result<Zone, StoreError> {
    let _ = (db, scope, id, version, name, worker_id);
    todo!()
}

// ---- assignments -----------------------------------------------------------

/// A woman's responsible worker, if she has one.
pub fn assignment_of(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<Option<Assignment>, StoreError> {
    let _ = (db, scope, person_id);
    todo!()
}

/// Puts a woman in a zone of her village (WriteRegister): her responsible
/// worker becomes the zone's worker. One action, audited.
pub fn assign(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    zone_id: &str,
) -> Result<Assignment, StoreError> {
    let _ = (db, scope, person_id, zone_id);
    todo!()
}

/// The women of a village who need a responsible worker — 15–49 in the
/// register, an open pregnancy, or a birth in the last 60 days — and have
/// none there. Must be empty; the screens show it as a problem otherwise.
/// Audited as one list view.
pub fn unassigned(
    db: &Db,
    scope: &Scope,
    village: &str,
    today: NaiveDate,
) -> Result<Vec<Unassigned>, StoreError> {
    let _ = (db, scope, village, today);
    todo!()
}

/// Assigns every [`unassigned`] woman of the village to one zone of it, in
/// one transaction; returns how many.
pub fn assign_all_unassigned(
    db: &Db,
    scope: &Scope,
    village: &str,
    zone_id: &str,
    today: NaiveDate,
) -> Result<usize, StoreError> {
    let _ = (db, scope, village, zone_id, today);
    todo!()
}

// ---- rules and topics ------------------------------------------------------

/// The schedule rules, in display order (any signed-in role).
pub fn list_rules(db: &Db, scope: &Scope) -> Result<Vec<ScheduleRule>, StoreError> {
    let _ = (db, scope);
    todo!()
}

/// Changes a rule's window, modes or active flag (Administer only).
pub fn update_rule(
    db: &Db,
    scope: &Scope,
    code: &str,
    version: i64,
    input: &RuleInput,
) -> Result<ScheduleRule, StoreError> {
    let _ = (db, scope, code, version, input);
    todo!()
}

/// The visit topics, in display order (active and inactive).
pub fn list_topics(db: &Db, scope: &Scope) -> Result<Vec<Topic>, StoreError> {
    let _ = (db, scope);
    todo!()
}

// ---- procedures ------------------------------------------------------------

/// Records a contraceptive procedure of a person in scope (RecordVisit; a
/// follow-up worker only for her assigned women); it starts the procedure
/// schedule. `client_id` makes a retry return the first.
pub fn record_procedure(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    person_id: &str,
    input: &ProcedureInput,
    today: NaiveDate,
) -> Result<Procedure, StoreError> {
    let _ = (db, scope, client_id, person_id, input, today);
    todo!()
}

/// A person's procedures, newest first.
pub fn list_procedures(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<Vec<Procedure>, StoreError> {
    let _ = (db, scope, person_id);
    todo!()
}

// ---- schedule of one woman -------------------------------------------------

/// A woman's due contacts whose window meets `[from, to]`, with their
/// status on `today` (audited as a view of her schedule).
pub fn schedule(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ScheduledContact>, StoreError> {
    let _ = (db, scope, person_id, from, to, today);
    todo!()
}

// ---- visits ----------------------------------------------------------------

/// Records a visit (RecordVisit; a follow-up worker only for the women
/// assigned to her, else `Forbidden`). In the same transaction: the due
/// contacts whose window holds the visit date and whose rule allows the
/// mode are marked covered (each once), the needs are stored, the visit is
/// audited. A retry with the same `client_id` returns the first visit.
pub fn record_visit(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    input: &VisitInput,
    today: NaiveDate,
) -> Result<Visit, StoreError> {
    let _ = (db, scope, client_id, input, today);
    todo!()
}

/// One visit with what it covered and its needs; the view is audited.
pub fn get_visit(db: &Db, scope: &Scope, id: &str) -> Result<Visit, StoreError> {
    let _ = (db, scope, id);
    todo!()
}

/// Visits in the scope, newest first; the list is audited as one entry.
pub fn list_visits(db: &Db, scope: &Scope, f: &VisitFilter) -> Result<Vec<VisitRow>, StoreError> {
    let _ = (db, scope, f);
    todo!()
}

// ---- needs -----------------------------------------------------------------

/// Needs in the scope, newest first; audited as one list view.
pub fn list_needs(db: &Db, scope: &Scope, f: &NeedFilter) -> Result<Vec<Need>, StoreError> {
    let _ = (db, scope, f);
    todo!()
}

/// Moves a need to `status` (RecordVisit; a follow-up worker only for her
/// women). Stale version → `Conflict`.
pub fn set_need_status(
    db: &Db,
    scope: &Scope,
    id: &str,
    version: i64,
    status: NeedStatus,
) -> Result<Need, StoreError> {
    let _ = (db, scope, id, version, status);
    todo!()
}

// ---- work lists ------------------------------------------------------------

/// The work list on `today`. A follow-up worker gets her own (asking for
/// another worker's is `Forbidden`); specialists and town staff get
/// everyone in their scope, or one worker's women with `worker_id`.
/// Audited as one list view.
pub fn work_list(
    db: &Db,
    scope: &Scope,
    worker_id: Option<&str>,
    today: NaiveDate,
) -> Result<WorkList, StoreError> {
    let _ = (db, scope, worker_id, today);
    todo!()
}

/// The workers of an org unit with the most overdue contacts on `today`
/// (work-list definition), most first (ReadStatistics or WriteRegister).
pub fn worst_workers(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<WorkerLoad>, StoreError> {
    let _ = (db, scope, org_code, today, limit);
    todo!()
}

// ---- indicators ------------------------------------------------------------

/// Monthly coverage of an org unit (ReadStatistics): women due a monthly
/// contact in `month`, of whom done on time (a visit in the month with an
/// allowed mode), late (within one more month length after it), missed or
/// still pending on `today`; grouped by village, zone or worker.
pub fn coverage(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    month: YearMonth,
    by: CoverageBy,
    today: NaiveDate,
) -> Result<CoverageReport, StoreError> {
    let _ = (db, scope, org_code, month, by, today);
    todo!()
}

/// The whole org unit's monthly coverage for each month of `[from, to]`
/// (at most 60 months), for the chart.
pub fn coverage_by_month(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    from: YearMonth,
    to: YearMonth,
    today: NaiveDate,
) -> Result<Vec<MonthCoverage>, StoreError> {
    let _ = (db, scope, org_code, from, to, today);
    todo!()
}

/// Postpartum visit completion of an org unit for `month` (ReadStatistics).
pub fn postpartum_completion(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    month: YearMonth,
    today: NaiveDate,
) -> Result<PostpartumCompletion, StoreError> {
    let _ = (db, scope, org_code, month, today);
    todo!()
}
