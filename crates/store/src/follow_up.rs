//! The follow-up service (随访) in the store: zones and their responsible
//! workers, each woman's one responsible worker, the schedule rules and
//! visit topics, contraceptive procedures, visits with the due contacts
//! they covered and the needs raised, the workers' work lists and the
//! coverage indicators. Every function takes the caller's [`Scope`]; rows
//! outside it answer `NotFound`; every view of a named list or record and
//! every change is audited in the same transaction.

use crate::audit::{self, Action};
use crate::db::{Backend, P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{
    check_village, client, describe, page_of, range_of, require, stored_date, subtree,
};
use crate::{Db, new_id};
use chrono::{Duration, Months, NaiveDate};
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::follow_up::{
    BirthFact, ContactStatus, DueContact, Facts, NeedStatus, OVERDUE_LIST_DAYS, PregnancyFact,
    ProcedureFact, ProcedureInput, RuleInput, RuleKind, ScheduleRule, VisitFact, VisitInput,
    VisitMode, YearMonth, covered_by, due_contacts, parse_modes, scheduled_births, status_on,
};
use hearth_core::org::OrgLevel;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use hearth_core::{FieldError, Reason};
use serde::Serialize;
use std::collections::HashMap;

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

// ---- shared helpers ---------------------------------------------------------

/// Rules and topics hold no personal data; any role that works with the
/// register, visits or statistics may read them.
fn require_any(scope: &Scope) -> Result<(), StoreError> {
    use Permission::*;
    if [ReadRegister, RecordVisit, ReadStatistics, Administer]
        .into_iter()
        .any(|p| scope.can(p))
    {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// The few fields of a woman the follow-up service needs.
struct Woman {
    id: String,
    birth_date: NaiveDate,
    village_code: String,
}

fn load_woman(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Woman, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            "SELECT id, birth_date, village_code FROM person
             WHERE id = $1 AND village_code >= $2 AND village_code < $3",
            &[P::T(id.trim()), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok(Woman {
        id: r.str(0),
        birth_date: stored_date(&r.str(1))?,
        village_code: r.str(2),
    })
}

/// A follow-up worker acts only for the women assigned to her; other roles
/// with the permission act for anyone in their scope.
fn check_own_woman(tx: &mut Tx<'_>, scope: &Scope, person_id: &str) -> Result<(), StoreError> {
    if scope.role != Role::FollowUpWorker {
        return Ok(());
    }
    let worker = tx
        .query_opt(
            "SELECT worker_id FROM follow_up_assignment WHERE person_id = $1",
            &[P::T(person_id)],
        )?
        .map(|r| r.str(0));
    match (worker, scope.user_id.as_deref()) {
        (Some(w), Some(me)) if w == me => Ok(()),
        _ => Err(StoreError::Forbidden),
    }
}

/// The name a record shows for the acting user.
fn actor_name(tx: &mut Tx<'_>, scope: &Scope) -> Result<String, StoreError> {
    if let Some(id) = scope.user_id.as_deref()
        && let Some(r) = tx.query_opt(
            "SELECT display_name FROM app_user WHERE id = $1",
            &[P::T(id)],
        )?
    {
        return Ok(r.str(0));
    }
    Ok(scope.username.clone())
}

fn rule_from(r: &Row) -> Option<ScheduleRule> {
    Some(ScheduleRule {
        code: r.str(0),
        kind: RuleKind::parse(&r.str(1)).ok()?,
        label_zh: r.str(2),
        label_en: r.str(3),
        from_day: r.opt_i64(4),
        to_day: r.opt_i64(5),
        modes: parse_modes(&r.str(6)).unwrap_or_default(),
        reminder: r.bool(7),
        active: r.bool(8),
        sort: r.i64(9),
        version: r.i64(10),
    })
}

const RULE_COLS: &str =
    "code, kind, label_zh, label_en, from_day, to_day, modes, reminder, active, sort, version";

fn load_rules(tx: &mut Tx<'_>) -> Result<Vec<ScheduleRule>, StoreError> {
    Ok(tx
        .query(
            &format!("SELECT {RULE_COLS} FROM schedule_rule ORDER BY sort, code"),
            &[],
        )?
        .iter()
        .filter_map(rule_from)
        .collect())
}

/// The longest reach, in days after its start, of the active rules of a
/// kind (how far back a birth or procedure can still have a contact).
fn max_to_day(rules: &[ScheduleRule], kind: RuleKind) -> i64 {
    rules
        .iter()
        .filter(|r| r.kind == kind && r.active)
        .filter_map(|r| r.to_day)
        .max()
        .unwrap_or(0)
}

fn label_of(rules: &[ScheduleRule], code: &str) -> (String, String) {
    rules.iter().find(|r| r.code == code).map_or_else(
        || (code.to_string(), code.to_string()),
        |r| (r.label_zh.clone(), r.label_en.clone()),
    )
}

/// `v.mode IN ('home','phone')` for a set of modes (codes are constants).
fn mode_in(col: &str, modes: &[VisitMode]) -> String {
    if modes.is_empty() {
        return "1 = 0".into();
    }
    let list: Vec<String> = modes.iter().map(|m| format!("'{}'", m.code())).collect();
    format!("{col} IN ({})", list.join(", "))
}

fn topics_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

// ---- the facts of one woman --------------------------------------------------

/// Everything a woman's schedule follows from: all her pregnancies, births,
/// procedures and visits (a few rows each, by indexed person lookups).
fn facts_of(tx: &mut Tx<'_>, w: &Woman) -> Result<Facts, StoreError> {
    let mut facts = Facts {
        birth_date: w.birth_date,
        pregnancies: Vec::new(),
        births: Vec::new(),
        procedures: Vec::new(),
        visits: Vec::new(),
    };
    for r in tx.query(
        "SELECT lmp, outcome_on FROM pregnancy WHERE woman_id = $1",
        &[P::T(&w.id)],
    )? {
        facts.pregnancies.push(PregnancyFact {
            lmp: stored_date(&r.str(0))?,
            outcome_on: r.opt_str(1).as_deref().map(stored_date).transpose()?,
        });
    }
    for r in tx.query(
        "SELECT id, born_on FROM birth WHERE mother_id = $1",
        &[P::T(&w.id)],
    )? {
        facts.births.push(BirthFact {
            id: r.str(0),
            born_on: stored_date(&r.str(1))?,
        });
    }
    for r in tx.query(
        "SELECT id, done_on FROM contraceptive_procedure WHERE person_id = $1",
        &[P::T(&w.id)],
    )? {
        facts.procedures.push(ProcedureFact {
            id: r.str(0),
            done_on: stored_date(&r.str(1))?,
        });
    }
    let mut covered: HashMap<String, Vec<String>> = HashMap::new();
    for r in tx.query(
        "SELECT visit_id, contact_key FROM visit_contact WHERE person_id = $1",
        &[P::T(&w.id)],
    )? {
        covered.entry(r.str(0)).or_default().push(r.str(1));
    }
    for r in tx.query(
        "SELECT id, visited_on, mode FROM visit WHERE person_id = $1",
        &[P::T(&w.id)],
    )? {
        let Ok(mode) = VisitMode::parse(&r.str(2)) else {
            continue;
        };
        facts.visits.push(VisitFact {
            date: stored_date(&r.str(1))?,
            mode,
            covered: covered.remove(&r.str(0)).unwrap_or_default(),
        });
    }
    Ok(facts)
}

// ---- zones and workers -----------------------------------------------------

const ZONE_SQL: &str = "SELECT z.id, z.village_code, z.name, z.worker_id, u.display_name,
        (SELECT COUNT(*) FROM follow_up_assignment a WHERE a.zone_id = z.id), z.version
     FROM zone z LEFT JOIN app_user u ON u.id = z.worker_id";

fn zone_from(r: &Row) -> Zone {
    Zone {
        id: r.str(0),
        village_code: r.str(1),
        name: r.str(2),
        worker_id: r.opt_str(3),
        worker_name: r.opt_str(4),
        women: r.i64(5),
        version: r.i64(6),
    }
}

fn load_zone(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Zone, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!("{ZONE_SQL} WHERE z.id = $1 AND z.village_code >= $2 AND z.village_code < $3"),
        &[P::T(id.trim()), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| zone_from(&r))
    .ok_or(StoreError::NotFound)
}

/// The zones of a village inside the scope, by name, with their workers
/// and how many women each holds.
pub fn list_zones(db: &Db, scope: &Scope, village: &str) -> Result<Vec<Zone>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| {
        let v = check_village(tx, scope, village)?;
        Ok(tx
            .query(
                &format!("{ZONE_SQL} WHERE z.village_code = $1 ORDER BY z.name, z.id"),
                &[P::T(&v)],
            )?
            .iter()
            .map(zone_from)
            .collect())
    })
}

/// One zone inside the scope.
pub fn get_zone(db: &Db, scope: &Scope, id: &str) -> Result<Zone, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| load_zone(tx, scope, id))
}

/// Roles whose users may be named a zone's worker.
const WORKER_ROLES: &str = "'follow_up_worker', 'village_specialist', 'town_staff'";

fn worker_options(tx: &mut Tx<'_>, village: &str) -> Result<Vec<WorkerOption>, StoreError> {
    // The org units whose users' areas cover the village: its county, town
    // and the village itself.
    let prefixes: Vec<&str> = [6, 9, 12]
        .into_iter()
        .filter_map(|n| village.get(..n))
        .collect();
    let (a, b, c) = (
        prefixes.first().copied().unwrap_or(""),
        prefixes.get(1).copied().unwrap_or(""),
        prefixes.get(2).copied().unwrap_or(""),
    );
    Ok(tx
        .query(
            &format!(
                "SELECT id, username, display_name, role FROM app_user
                 WHERE disabled = 0 AND role IN ({WORKER_ROLES}) AND org_code IN ($1, $2, $3)
                 ORDER BY CASE WHEN role = 'follow_up_worker' THEN 0 ELSE 1 END, display_name, username"
            ),
            &[P::T(a), P::T(b), P::T(c)],
        )?
        .iter()
        .map(|r| WorkerOption {
            id: r.str(0),
            username: r.str(1),
            display_name: r.str(2),
            role: r.str(3),
        })
        .collect())
}

/// The users who may be named a worker of a zone in `village`.
pub fn workers_for(db: &Db, scope: &Scope, village: &str) -> Result<Vec<WorkerOption>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| {
        let v = check_village(tx, scope, village)?;
        worker_options(tx, &v)
    })
}

fn check_worker(tx: &mut Tx<'_>, village: &str, worker_id: &str) -> Result<(), StoreError> {
    if worker_options(tx, village)?
        .iter()
        .any(|w| w.id == worker_id)
    {
        Ok(())
    } else {
        Err(StoreError::field(
            "worker_id",
            Reason::UnknownValue {
                allowed: "本村的随访员、计生专干或镇计生办人员 / a follow-up worker, specialist or town staff member of the village",
            },
        ))
    }
}

fn zone_name(name: &str) -> Result<String, StoreError> {
    let n = name.trim();
    if n.is_empty() {
        Err(StoreError::field("name", Reason::Required))
    } else if n.chars().count() > 40 {
        Err(StoreError::field("name", Reason::TooLong { max: 40 }))
    } else {
        Ok(n.to_string())
    }
}

fn worker_arg(worker_id: Option<&str>) -> Option<&str> {
    worker_id.map(str::trim).filter(|s| !s.is_empty())
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
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    let worker_id = worker_arg(worker_id);
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let name = zone_name(name)?;
        if let Some(cid) = client_id
            && let Some(r) = tx.query_opt(
                "SELECT village_code, name FROM zone WHERE id = $1",
                &[P::T(cid)],
            )?
        {
            if r.str(0) == v && r.str(1) == name {
                return load_zone(tx, scope, cid);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM zone WHERE village_code = $1 AND name = $2",
                &[P::T(&v), P::T(&name)],
            )?
            .is_some()
        {
            return Err(StoreError::field("name", Reason::Duplicate));
        }
        if let Some(w) = worker_id {
            check_worker(tx, &v, w)?;
        }
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO zone (id, village_code, name, worker_id, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, 1, $5, $6, $6)",
            &[
                P::T(&id),
                P::T(&v),
                P::T(&name),
                worker_id.into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "zone", Some(&id), None)?;
        load_zone(tx, scope, &id)
    })
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
    require(scope, Permission::WriteRegister)?;
    let worker_id = worker_arg(worker_id);
    db.write(|tx| {
        let zone = load_zone(tx, scope, id)?;
        if zone.version != version {
            return Err(StoreError::Conflict {
                current: zone.version,
            });
        }
        let name = zone_name(name)?;
        if name != zone.name
            && tx
                .query_opt(
                    "SELECT 1 FROM zone WHERE village_code = $1 AND name = $2 AND id <> $3",
                    &[P::T(&zone.village_code), P::T(&name), P::T(&zone.id)],
                )?
                .is_some()
        {
            return Err(StoreError::field("name", Reason::Duplicate));
        }
        match worker_id {
            None if zone.women > 0 => {
                return Err(StoreError::field("worker_id", Reason::Required));
            }
            Some(w) if Some(w) != zone.worker_id.as_deref() => {
                check_worker(tx, &zone.village_code, w)?;
            }
            _ => {}
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        let n = tx.exec(
            "UPDATE zone SET name = $1, worker_id = $2, version = version + 1, change_seq = $3,
                 updated_at = $4
             WHERE id = $5 AND version = $6",
            &[
                P::T(&name),
                worker_id.into(),
                P::I(seq),
                P::T(&now),
                P::T(&zone.id),
                P::I(version),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: zone.version + 1,
            });
        }
        let mut detail = None;
        if let Some(w) = worker_id
            && Some(w) != zone.worker_id.as_deref()
        {
            let moved = tx.exec(
                "UPDATE follow_up_assignment SET worker_id = $1, version = version + 1,
                     change_seq = $2, updated_at = $3
                 WHERE zone_id = $4",
                &[P::T(w), P::I(seq), P::T(&now), P::T(&zone.id)],
            )?;
            detail = Some(format!("worker={w} women_moved={moved}"));
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "zone",
            Some(&zone.id),
            detail.as_deref(),
        )?;
        load_zone(tx, scope, &zone.id)
    })
}

// ---- assignments -----------------------------------------------------------

const ASSIGNMENT_SQL: &str = "SELECT a.person_id, a.village_code, a.zone_id, z.name, a.worker_id,
        COALESCE(u.display_name, ''), a.version
     FROM follow_up_assignment a
     JOIN zone z ON z.id = a.zone_id
     LEFT JOIN app_user u ON u.id = a.worker_id";

fn assignment_from(r: &Row) -> Assignment {
    Assignment {
        person_id: r.str(0),
        village_code: r.str(1),
        zone_id: r.str(2),
        zone_name: r.str(3),
        worker_id: r.str(4),
        worker_name: r.str(5),
        version: r.i64(6),
    }
}

fn load_assignment(tx: &mut Tx<'_>, person_id: &str) -> Result<Option<Assignment>, StoreError> {
    Ok(tx
        .query_opt(
            &format!("{ASSIGNMENT_SQL} WHERE a.person_id = $1"),
            &[P::T(person_id)],
        )?
        .map(|r| assignment_from(&r)))
}

/// A woman's responsible worker, if she has one (in her present village).
pub fn assignment_of(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<Option<Assignment>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        Ok(load_assignment(tx, &w.id)?.filter(|a| a.village_code == w.village_code))
    })
}

/// A zone a woman of `village` can be put in: in scope, of her village,
/// with a worker. Returns the worker.
fn zone_for(
    tx: &mut Tx<'_>,
    scope: &Scope,
    zone_id: &str,
    village: &str,
) -> Result<Zone, StoreError> {
    let zone = match load_zone(tx, scope, zone_id) {
        Err(StoreError::NotFound) => {
            return Err(StoreError::field(
                "zone_id",
                Reason::UnknownValue {
                    allowed: "她所在村已指定随访员的片区 / a zone of her village with a worker",
                },
            ));
        }
        other => other?,
    };
    if zone.village_code != village || zone.worker_id.is_none() {
        return Err(StoreError::field(
            "zone_id",
            Reason::UnknownValue {
                allowed: "她所在村已指定随访员的片区 / a zone of her village with a worker",
            },
        ));
    }
    Ok(zone)
}

/// Writes a woman's assignment (insert or move); returns true when it
/// changed anything.
fn put_assignment(
    tx: &mut Tx<'_>,
    person_id: &str,
    village: &str,
    zone: &Zone,
    seq: i64,
    now: &str,
) -> Result<bool, StoreError> {
    let worker = zone.worker_id.as_deref().unwrap_or_default();
    let changed = tx.exec(
        "UPDATE follow_up_assignment SET village_code = $1, zone_id = $2, worker_id = $3,
             version = version + 1, change_seq = $4, updated_at = $5
         WHERE person_id = $6
           AND (village_code <> $1 OR zone_id <> $2 OR worker_id <> $3)",
        &[
            P::T(village),
            P::T(&zone.id),
            P::T(worker),
            P::I(seq),
            P::T(now),
            P::T(person_id),
        ],
    )?;
    if changed > 0 {
        return Ok(true);
    }
    let inserted = tx.exec(
        "INSERT INTO follow_up_assignment (person_id, village_code, zone_id, worker_id, version,
             change_seq, updated_at)
         SELECT $1, $2, $3, $4, 1, CAST($5 AS BIGINT), $6
         WHERE NOT EXISTS (SELECT 1 FROM follow_up_assignment WHERE person_id = $1)",
        &[
            P::T(person_id),
            P::T(village),
            P::T(&zone.id),
            P::T(worker),
            P::I(seq),
            P::T(now),
        ],
    )?;
    Ok(inserted > 0)
}

/// Puts a woman in a zone of her village (WriteRegister): her responsible
/// worker becomes the zone's worker. One action, audited.
pub fn assign(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    zone_id: &str,
) -> Result<Assignment, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let zone = zone_for(tx, scope, zone_id, &w.village_code)?;
        let seq = tx.next_seq()?;
        if put_assignment(tx, &w.id, &w.village_code, &zone, seq, &now_utc())? {
            let detail = format!(
                "zone={} worker={}",
                zone.id,
                zone.worker_id.as_deref().unwrap_or_default()
            );
            audit::record(
                tx,
                scope,
                Action::Update,
                "follow_up_assignment",
                Some(&w.id),
                Some(&detail),
            )?;
        }
        load_assignment(tx, &w.id)?.ok_or(StoreError::NotFound)
    })
}

/// Women of a village who need a worker and have none there.
fn unassigned_in(
    tx: &mut Tx<'_>,
    village: &str,
    today: NaiveDate,
) -> Result<Vec<Unassigned>, StoreError> {
    let born_after = fmt_date(years_before(today, 50));
    let born_by = fmt_date(years_before(today, 15));
    let birth_since = fmt_date(today - Duration::days(60));
    let rows = tx.query(
        "SELECT p.id, p.name, p.birth_date, p.village_code, p.household_id, h.number,
                CASE WHEN p.birth_date > $2 AND p.birth_date <= $3 THEN 1 ELSE 0 END,
                CASE WHEN EXISTS (SELECT 1 FROM pregnancy g
                                  WHERE g.woman_id = p.id AND g.outcome IS NULL)
                     THEN 1 ELSE 0 END
         FROM person p
         LEFT JOIN household h ON h.id = p.household_id
         WHERE p.village_code = $1 AND p.sex = 2
           AND ((p.birth_date > $2 AND p.birth_date <= $3)
                OR EXISTS (SELECT 1 FROM pregnancy g WHERE g.woman_id = p.id AND g.outcome IS NULL)
                OR EXISTS (SELECT 1 FROM birth b WHERE b.mother_id = p.id AND b.born_on >= $4))
           AND NOT EXISTS (SELECT 1 FROM follow_up_assignment a
                           WHERE a.person_id = p.id AND a.village_code = p.village_code)
         ORDER BY h.number, p.name, p.id",
        &[
            P::T(village),
            P::T(&born_after),
            P::T(&born_by),
            P::T(&birth_since),
        ],
    )?;
    Ok(rows
        .iter()
        .map(|r| Unassigned {
            person_id: r.str(0),
            name: r.str(1),
            birth_date: r.str(2),
            village_code: r.str(3),
            household_id: r.opt_str(4),
            household_number: r.opt_str(5),
            why: if r.bool(6) {
                NeedsWorker::OfAge
            } else if r.bool(7) {
                NeedsWorker::Pregnant
            } else {
                NeedsWorker::Postpartum
            },
        })
        .collect())
}

/// The same calendar day `years` years earlier (29 February → 28 February).
fn years_before(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(years * 12)).unwrap_or(d)
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
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let out = unassigned_in(tx, &v, today)?;
        let detail = format!("village={v} count={}", out.len());
        audit::record(tx, scope, Action::View, "unassigned", None, Some(&detail))?;
        Ok(out)
    })
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
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let zone = zone_for(tx, scope, zone_id, &v)?;
        let women = unassigned_in(tx, &v, today)?;
        if women.is_empty() {
            return Ok(0);
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        for w in &women {
            put_assignment(tx, &w.person_id, &v, &zone, seq, &now)?;
        }
        let detail = format!("village={v} zone={} count={}", zone.id, women.len());
        audit::record(
            tx,
            scope,
            Action::Update,
            "follow_up_assignment",
            None,
            Some(&detail),
        )?;
        Ok(women.len())
    })
}

// ---- rules and topics ------------------------------------------------------

/// The schedule rules, in display order (any signed-in role).
pub fn list_rules(db: &Db, scope: &Scope) -> Result<Vec<ScheduleRule>, StoreError> {
    require_any(scope)?;
    db.read(load_rules)
}

/// Changes a rule's window, modes or active flag (Administer only).
pub fn update_rule(
    db: &Db,
    scope: &Scope,
    code: &str,
    version: i64,
    input: &RuleInput,
) -> Result<ScheduleRule, StoreError> {
    require(scope, Permission::Administer)?;
    db.write(|tx| {
        let rule = load_rules(tx)?
            .into_iter()
            .find(|r| r.code == code.trim())
            .ok_or(StoreError::NotFound)?;
        if rule.version != version {
            return Err(StoreError::Conflict {
                current: rule.version,
            });
        }
        let v = input.validate(rule.kind).map_err(StoreError::Invalid)?;
        let seq = tx.next_seq()?;
        let from = v.from_day.map_or(P::Null, P::I);
        let to = v.to_day.map_or(P::Null, P::I);
        let modes = hearth_core::follow_up::modes_text(&v.modes);
        let n = tx.exec(
            "UPDATE schedule_rule SET from_day = $1, to_day = $2, modes = $3, active = $4,
                 version = version + 1, change_seq = $5, updated_at = $6
             WHERE code = $7 AND version = $8",
            &[
                from,
                to,
                P::T(&modes),
                v.active.into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(&rule.code),
                P::I(version),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: rule.version + 1,
            });
        }
        let detail = format!(
            "from={:?} to={:?} modes={modes} active={}",
            v.from_day, v.to_day, v.active
        );
        audit::record(
            tx,
            scope,
            Action::Update,
            "schedule_rule",
            Some(&rule.code),
            Some(&detail),
        )?;
        load_rules(tx)?
            .into_iter()
            .find(|r| r.code == rule.code)
            .ok_or(StoreError::NotFound)
    })
}

fn load_topics(tx: &mut Tx<'_>) -> Result<Vec<Topic>, StoreError> {
    Ok(tx
        .query(
            "SELECT code, label_zh, label_en, active, sort FROM visit_topic ORDER BY sort, code",
            &[],
        )?
        .iter()
        .map(|r| Topic {
            code: r.str(0),
            label_zh: r.str(1),
            label_en: r.str(2),
            active: r.bool(3),
            sort: r.i64(4),
        })
        .collect())
}

/// The visit topics, in display order (active and inactive).
pub fn list_topics(db: &Db, scope: &Scope) -> Result<Vec<Topic>, StoreError> {
    require_any(scope)?;
    db.read(load_topics)
}

// ---- procedures ------------------------------------------------------------

const PROCEDURE_COLS: &str = "id, person_id, village_code, kind, done_on, place, version";

fn procedure_from(r: &Row) -> Procedure {
    Procedure {
        id: r.str(0),
        person_id: r.str(1),
        village_code: r.str(2),
        kind: r.str(3),
        done_on: r.str(4),
        place: r.str(5),
        version: r.i64(6),
    }
}

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
    require(scope, Permission::RecordVisit)?;
    let client_id = client(client_id);
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        if let Some(cid) = client_id
            && let Some(r) = tx.query_opt(
                &format!("SELECT {PROCEDURE_COLS} FROM contraceptive_procedure WHERE id = $1"),
                &[P::T(cid)],
            )?
        {
            let p = procedure_from(&r);
            if p.person_id == w.id {
                return Ok(p);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        check_own_woman(tx, scope, &w.id)?;
        let v = input.validate(today).map_err(StoreError::Invalid)?;
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO contraceptive_procedure (id, person_id, village_code, kind, done_on,
                 place, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)",
            &[
                P::T(&id),
                P::T(&w.id),
                P::T(&w.village_code),
                P::T(v.kind.code()),
                P::T(&fmt_date(v.done_on)),
                P::T(&v.place),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Create,
            "contraceptive_procedure",
            Some(&id),
            None,
        )?;
        let r = tx.query_one(
            &format!("SELECT {PROCEDURE_COLS} FROM contraceptive_procedure WHERE id = $1"),
            &[P::T(&id)],
        )?;
        Ok(procedure_from(&r))
    })
}

/// A person's procedures, newest first (audited as a view).
pub fn list_procedures(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<Vec<Procedure>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let out: Vec<Procedure> = tx
            .query(
                &format!(
                    "SELECT {PROCEDURE_COLS} FROM contraceptive_procedure
                     WHERE person_id = $1 ORDER BY done_on DESC, id"
                ),
                &[P::T(&w.id)],
            )?
            .iter()
            .map(procedure_from)
            .collect();
        audit::record(
            tx,
            scope,
            Action::View,
            "contraceptive_procedure",
            None,
            Some(&format!("person={}", w.id)),
        )?;
        Ok(out)
    })
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
    require(scope, Permission::ReadRegister)?;
    if to < from {
        return Err(StoreError::field(
            "to",
            Reason::NotBefore {
                zh: "开始日期",
                en: "start date",
            },
        ));
    }
    if (to - from).num_days() > 5 * 366 {
        return Err(StoreError::field(
            "to",
            Reason::NotAfter {
                zh: "开始日期五年后",
                en: "date five years after the start",
            },
        ));
    }
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let rules = load_rules(tx)?;
        let facts = facts_of(tx, &w)?;
        let out = due_contacts(&rules, &facts, from, to)
            .into_iter()
            .map(|c| {
                let status = status_on(&c, &facts.visits, &rules, today);
                let (zh, en) = label_of(&rules, &c.rule_code);
                ScheduledContact {
                    contact: c,
                    rule_label_zh: zh,
                    rule_label_en: en,
                    status,
                }
            })
            .collect();
        audit::record(tx, scope, Action::View, "schedule", Some(&w.id), None)?;
        Ok(out)
    })
}

// ---- visits ----------------------------------------------------------------

const VISIT_COLS: &str = "v.id, v.person_id, p.name, v.village_code, v.zone_id, v.worker_id,
     v.worker_name, v.visited_on, v.mode, v.topics, v.findings, v.next_appointment, v.version,
     v.created_at";

const NEED_SQL: &str = "SELECT n.id, n.visit_id, n.person_id, p.name, n.village_code, n.category,
        n.text, n.status, n.for_window, v.visited_on, n.version
     FROM visit_need n
     JOIN person p ON p.id = n.person_id
     JOIN visit v ON v.id = n.visit_id";

fn need_from(r: &Row) -> Need {
    Need {
        id: r.str(0),
        visit_id: r.str(1),
        person_id: r.str(2),
        person_name: r.str(3),
        village_code: r.str(4),
        category: r.str(5),
        text: r.str(6),
        status: r.str(7),
        for_window: r.bool(8),
        raised_on: r.str(9),
        version: r.i64(10),
    }
}

fn load_visit(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Visit, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            &format!(
                "SELECT {VISIT_COLS} FROM visit v JOIN person p ON p.id = v.person_id
                 WHERE v.id = $1 AND v.village_code >= $2 AND v.village_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    let covered = tx
        .query(
            "SELECT contact_key, rule_code, window_from, window_to FROM visit_contact
             WHERE visit_id = $1 ORDER BY window_from, contact_key",
            &[P::T(id)],
        )?
        .iter()
        .map(|c| CoveredContact {
            key: c.str(0),
            rule_code: c.str(1),
            window_from: c.str(2),
            window_to: c.str(3),
        })
        .collect();
    let needs = tx
        .query(
            &format!("{NEED_SQL} WHERE n.visit_id = $1 ORDER BY n.id"),
            &[P::T(id)],
        )?
        .iter()
        .map(need_from)
        .collect();
    Ok(Visit {
        id: r.str(0),
        person_id: r.str(1),
        person_name: r.str(2),
        village_code: r.str(3),
        zone_id: r.opt_str(4),
        worker_id: r.opt_str(5),
        worker_name: r.str(6),
        visited_on: r.str(7),
        mode: r.str(8),
        topics: topics_of(&r.str(9)),
        findings: r.opt_str(10),
        next_appointment: r.opt_str(11),
        covered,
        needs,
        version: r.i64(12),
        created_at: r.str(13),
    })
}

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
    require(scope, Permission::RecordVisit)?;
    let client_id = client(client_id);
    db.write(|tx| {
        if input.person_id.trim().is_empty() {
            return Err(StoreError::field("person_id", Reason::Required));
        }
        let w = load_woman(tx, scope, &input.person_id)?;
        if let Some(cid) = client_id
            && let Some(r) =
                tx.query_opt("SELECT person_id FROM visit WHERE id = $1", &[P::T(cid)])?
        {
            if r.str(0) == w.id {
                return load_visit(tx, scope, cid);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        check_own_woman(tx, scope, &w.id)?;
        let topics: Vec<String> = load_topics(tx)?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| t.code)
            .collect();
        let allowed: Vec<&str> = topics.iter().map(String::as_str).collect();
        let v = input
            .validate(today, &allowed)
            .map_err(StoreError::Invalid)?;
        let zone_id = load_assignment(tx, &w.id)?
            .filter(|a| a.village_code == w.village_code)
            .map(|a| a.zone_id);
        let worker_name = actor_name(tx, scope)?;
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        let visited_on = fmt_date(v.visited_on);
        let next = v.next_appointment.map(fmt_date);
        tx.exec(
            "INSERT INTO visit (id, person_id, village_code, zone_id, worker_id, worker_name,
                 visited_on, mode, topics, findings, next_appointment, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $13)",
            &[
                P::T(&id),
                P::T(&w.id),
                P::T(&w.village_code),
                (&zone_id).into(),
                scope.user_id.as_deref().into(),
                P::T(&worker_name),
                P::T(&visited_on),
                P::T(v.mode.code()),
                P::T(&v.topics.join(",")),
                (&v.findings).into(),
                (&next).into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        let rules = load_rules(tx)?;
        let facts = facts_of(tx, &w)?;
        let contacts = due_contacts(&rules, &facts, v.visited_on, v.visited_on);
        let keys = covered_by(&rules, &contacts, v.visited_on, v.mode);
        for c in contacts.iter().filter(|c| keys.contains(&c.key)) {
            tx.exec(
                "INSERT INTO visit_contact (visit_id, person_id, contact_key, rule_code,
                     window_from, window_to)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT DO NOTHING",
                &[
                    P::T(&id),
                    P::T(&w.id),
                    P::T(&c.key),
                    P::T(&c.rule_code),
                    P::T(&fmt_date(c.window_from)),
                    P::T(&fmt_date(c.window_to)),
                ],
            )?;
        }
        for n in &v.needs {
            let status = if n.for_window {
                NeedStatus::ForWindow
            } else {
                NeedStatus::Open
            };
            tx.exec(
                "INSERT INTO visit_need (id, visit_id, person_id, village_code, category, text,
                     status, for_window, version, change_seq, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10)",
                &[
                    P::T(&new_id()),
                    P::T(&id),
                    P::T(&w.id),
                    P::T(&w.village_code),
                    P::T(n.category.code()),
                    P::T(&n.text),
                    P::T(status.code()),
                    n.for_window.into(),
                    P::I(seq),
                    P::T(&now),
                ],
            )?;
        }
        audit::record(tx, scope, Action::Create, "visit", Some(&id), None)?;
        load_visit(tx, scope, &id)
    })
}

/// One visit with what it covered and its needs; the view is audited.
pub fn get_visit(db: &Db, scope: &Scope, id: &str) -> Result<Visit, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let v = load_visit(tx, scope, id.trim())?;
        audit::record(tx, scope, Action::View, "visit", Some(&v.id), None)?;
        Ok(v)
    })
}

/// Visits in the scope, newest first; the list is audited as one entry.
pub fn list_visits(db: &Db, scope: &Scope, f: &VisitFilter) -> Result<Vec<VisitRow>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let from = f.from.map(fmt_date);
    let to = f.to.map(fmt_date);
    let person = f
        .person_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let worker = f
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    db.write(|tx| {
        let mut sql = format!(
            "SELECT v.id, v.person_id, p.name, v.village_code, v.worker_id, v.worker_name,
                    v.visited_on, v.mode, v.topics,
                    (SELECT COUNT(*) FROM visit_contact c WHERE c.visit_id = v.id)
             FROM visit v{} JOIN person p ON p.id = v.person_id
             WHERE v.village_code >= $1 AND v.village_code < $2",
            if person.is_some() {
                tx.backend().index_hint("visit_person")
            } else if worker.is_some() {
                tx.backend().index_hint("visit_worker")
            } else {
                String::new()
            }
        );
        let mut params: Vec<P<'_>> = vec![P::T(&lo), P::T(&hi)];
        if let Some(x) = person {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.person_id = ${}", params.len()));
        }
        if let Some(x) = worker {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.worker_id = ${}", params.len()));
        }
        if let Some(x) = &from {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.visited_on >= ${}", params.len()));
        }
        if let Some(x) = &to {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.visited_on <= ${}", params.len()));
        }
        params.push(P::I(limit));
        params.push(P::I(offset));
        sql.push_str(&format!(
            " ORDER BY v.visited_on DESC, v.id DESC LIMIT ${} OFFSET ${}",
            params.len() - 1,
            params.len()
        ));
        let out = tx
            .query(&sql, &params)?
            .iter()
            .map(|r| VisitRow {
                id: r.str(0),
                person_id: r.str(1),
                person_name: r.str(2),
                village_code: r.str(3),
                worker_id: r.opt_str(4),
                worker_name: r.str(5),
                visited_on: r.str(6),
                mode: r.str(7),
                topics: topics_of(&r.str(8)),
                covered: r.i64(9),
            })
            .collect();
        let detail = describe(&[
            ("org", f.org_code.clone()),
            ("person", person.map(str::to_string)),
            ("worker", worker.map(str::to_string)),
            ("from", from.clone()),
            ("to", to.clone()),
        ]);
        audit::record(tx, scope, Action::View, "visit", None, Some(&detail))?;
        Ok(out)
    })
}

// ---- needs -----------------------------------------------------------------

/// Needs in the scope, newest first; audited as one list view.
pub fn list_needs(db: &Db, scope: &Scope, f: &NeedFilter) -> Result<Vec<Need>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let person = f
        .person_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let worker = f
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    db.write(|tx| {
        let mut sql = format!(
            "{NEED_SQL}{} WHERE n.village_code >= $1 AND n.village_code < $2",
            if worker.is_some() {
                " JOIN follow_up_assignment a ON a.person_id = n.person_id"
            } else {
                ""
            }
        );
        let mut params: Vec<P<'_>> = vec![P::T(&lo), P::T(&hi)];
        if let Some(x) = person {
            params.push(P::T(x));
            sql.push_str(&format!(" AND n.person_id = ${}", params.len()));
        }
        if let Some(x) = worker {
            params.push(P::T(x));
            sql.push_str(&format!(" AND a.worker_id = ${}", params.len()));
        }
        if let Some(s) = f.status {
            params.push(P::T(s.code()));
            sql.push_str(&format!(" AND n.status = ${}", params.len()));
        }
        params.push(P::I(limit));
        params.push(P::I(offset));
        sql.push_str(&format!(
            " ORDER BY v.visited_on DESC, n.id DESC LIMIT ${} OFFSET ${}",
            params.len() - 1,
            params.len()
        ));
        let out: Vec<Need> = tx.query(&sql, &params)?.iter().map(need_from).collect();
        let detail = describe(&[
            ("org", f.org_code.clone()),
            ("person", person.map(str::to_string)),
            ("worker", worker.map(str::to_string)),
            ("status", f.status.map(|s| s.code().to_string())),
        ]);
        audit::record(tx, scope, Action::View, "visit_need", None, Some(&detail))?;
        Ok(out)
    })
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
    require(scope, Permission::RecordVisit)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let load = |tx: &mut Tx<'_>| -> Result<Need, StoreError> {
            tx.query_opt(
                &format!(
                    "{NEED_SQL} WHERE n.id = $1 AND n.village_code >= $2 AND n.village_code < $3"
                ),
                &[P::T(id.trim()), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| need_from(&r))
            .ok_or(StoreError::NotFound)
        };
        let need = load(tx)?;
        check_own_woman(tx, scope, &need.person_id)?;
        if need.version != version {
            return Err(StoreError::Conflict {
                current: need.version,
            });
        }
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE visit_need SET status = $1, for_window = $2, version = version + 1,
                 change_seq = $3, updated_at = $4
             WHERE id = $5 AND version = $6",
            &[
                P::T(status.code()),
                (status == NeedStatus::ForWindow || need.for_window).into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(&need.id),
                P::I(version),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: need.version + 1,
            });
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "visit_need",
            Some(&need.id),
            Some(&format!("status={}", status.code())),
        )?;
        load(tx)
    })
}

// ---- the women of an area and their facts (work lists) ---------------------

/// Assigned women: those of a code range, optionally of one worker.
struct Area<'a> {
    lo: &'a str,
    hi: &'a str,
    worker: Option<&'a str>,
}

impl<'a> Area<'a> {
    /// `FROM follow_up_assignment a …` with the index a worker's list needs.
    fn from(&self, backend: Backend) -> String {
        format!(
            "follow_up_assignment a{}",
            if self.worker.is_some() {
                backend.index_hint("follow_up_assignment_worker")
            } else {
                backend.index_hint("follow_up_assignment_village")
            }
        )
    }
    /// The condition on `a`, its parameters numbered from `base`.
    fn cond(&self, base: usize) -> String {
        let mut s = format!(
            "a.village_code >= ${base} AND a.village_code < ${}",
            base + 1
        );
        if self.worker.is_some() {
            s.push_str(&format!(" AND a.worker_id = ${}", base + 2));
        }
        s
    }
    /// The range of village codes holding `women` (one village for most
    /// workers), inside the area's range.
    fn village_range(&self, women: &[Listed]) -> (String, String) {
        if self.worker.is_none() {
            return (self.lo.to_string(), self.hi.to_string());
        }
        let lo = women.iter().map(|w| w.village_code.as_str()).min();
        let hi = women.iter().map(|w| w.village_code.as_str()).max();
        match (lo, hi) {
            (Some(lo), Some(hi)) => (
                std::cmp::max(lo, self.lo).to_string(),
                std::cmp::min(format!("{hi}:"), self.hi.to_string()),
            ),
            _ => (self.lo.to_string(), self.lo.to_string()),
        }
    }
    fn params(&self, first: &[P<'a>]) -> Vec<P<'a>> {
        let mut p = first.to_vec();
        p.push(P::T(self.lo));
        p.push(P::T(self.hi));
        if let Some(w) = self.worker {
            p.push(P::T(w));
        }
        p
    }
}

/// One assigned woman as a work list shows her.
struct Listed {
    id: String,
    name: String,
    village_code: String,
    household_id: Option<String>,
    household_number: Option<String>,
    zone_id: String,
    zone_name: String,
    worker_id: String,
    worker_name: String,
    facts: Facts,
}

/// The assigned women of an area (still living in the village of their
/// assignment) with their facts since the work list's horizon, in a few
/// set-based queries.
fn load_area(
    tx: &mut Tx<'_>,
    area: &Area<'_>,
    rules: &[ScheduleRule],
    today: NaiveDate,
) -> Result<Vec<Listed>, StoreError> {
    let b = tx.backend();
    let horizon = today - Duration::days(OVERDUE_LIST_DAYS);
    let month_start = YearMonth::of(horizon).first_day();
    let births_since = fmt_date(horizon - Duration::days(max_to_day(rules, RuleKind::Postpartum)));
    let procs_since = fmt_date(horizon - Duration::days(max_to_day(rules, RuleKind::Procedure)));
    let visits_since = fmt_date(std::cmp::min(
        month_start,
        horizon
            - Duration::days(
                max_to_day(rules, RuleKind::Postpartum).max(max_to_day(rules, RuleKind::Procedure)),
            ),
    ));
    let preg_since = fmt_date(month_start);
    let rows = tx.query(
        &format!(
            "SELECT p.id, p.name, p.birth_date, p.village_code, p.household_id, h.number,
                    a.zone_id, a.worker_id
             FROM {}
             JOIN person p ON p.id = a.person_id AND p.village_code = a.village_code
             LEFT JOIN household h ON h.id = p.household_id
             WHERE {}",
            area.from(b),
            area.cond(1)
        ),
        &area.params(&[]),
    )?;
    let mut women = Vec::with_capacity(rows.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    for r in &rows {
        index.insert(r.str(0), women.len());
        women.push(Listed {
            id: r.str(0),
            name: r.str(1),
            village_code: r.str(3),
            household_id: r.opt_str(4),
            household_number: r.opt_str(5),
            zone_id: r.str(6),
            zone_name: String::new(),
            worker_id: r.str(7),
            worker_name: String::new(),
            facts: Facts {
                birth_date: stored_date(&r.str(2))?,
                pregnancies: Vec::new(),
                births: Vec::new(),
                procedures: Vec::new(),
                visits: Vec::new(),
            },
        });
    }
    if women.is_empty() {
        return Ok(women);
    }
    // Zone and worker names from the zones of the women's villages (a few
    // rows, rather than two lookups per woman).
    let (vlo, vhi) = area.village_range(&women);
    let mut zones: HashMap<String, String> = HashMap::new();
    let mut workers: HashMap<String, String> = HashMap::new();
    for r in tx.query(
        "SELECT z.id, z.name, u.id, u.display_name FROM zone z
         LEFT JOIN app_user u ON u.id = z.worker_id
         WHERE z.village_code >= $1 AND z.village_code < $2",
        &[P::T(&vlo), P::T(&vhi)],
    )? {
        zones.insert(r.str(0), r.str(1));
        if let Some(u) = r.opt_str(2) {
            workers.insert(u, r.str(3));
        }
    }
    for w in &mut women {
        w.zone_name = zones.get(&w.zone_id).cloned().unwrap_or_default();
        if let Some(n) = workers.get(&w.worker_id) {
            w.worker_name = n.clone();
        } else {
            let n = tx
                .query_opt(
                    "SELECT display_name FROM app_user WHERE id = $1",
                    &[P::T(&w.worker_id)],
                )?
                .map(|r| r.str(0))
                .unwrap_or_default();
            workers.insert(w.worker_id.clone(), n.clone());
            w.worker_name = n;
        }
    }
    let from = area.from(b);
    let cond = area.cond(2);
    for r in tx.query(
        &format!(
            "SELECT g.woman_id, g.lmp, g.outcome_on FROM {from}
             JOIN pregnancy g ON g.woman_id = a.person_id
             WHERE {cond} AND (g.outcome_on IS NULL OR g.outcome_on >= $1)"
        ),
        &area.params(&[P::T(&preg_since)]),
    )? {
        if let Some(&i) = index.get(&r.str(0)) {
            women[i].facts.pregnancies.push(PregnancyFact {
                lmp: stored_date(&r.str(1))?,
                outcome_on: r.opt_str(2).as_deref().map(stored_date).transpose()?,
            });
        }
    }
    for r in tx.query(
        &format!(
            "SELECT b.mother_id, b.id, b.born_on FROM {from}
             JOIN birth b ON b.mother_id = a.person_id
             WHERE {cond} AND b.born_on >= $1"
        ),
        &area.params(&[P::T(&births_since)]),
    )? {
        if let Some(&i) = index.get(&r.str(0)) {
            women[i].facts.births.push(BirthFact {
                id: r.str(1),
                born_on: stored_date(&r.str(2))?,
            });
        }
    }
    for r in tx.query(
        &format!(
            "SELECT c.person_id, c.id, c.done_on FROM {from}
             JOIN contraceptive_procedure c ON c.person_id = a.person_id
             WHERE {cond} AND c.done_on >= $1"
        ),
        &area.params(&[P::T(&procs_since)]),
    )? {
        if let Some(&i) = index.get(&r.str(0)) {
            women[i].facts.procedures.push(ProcedureFact {
                id: r.str(1),
                done_on: stored_date(&r.str(2))?,
            });
        }
    }
    // Visits: village by village from the covering index (a village's
    // few months of visits are one short index range; probing each
    // woman's visits would cost an index descent and a row read each).
    for r in tx.query(
        &format!(
            "SELECT v.person_id, v.visited_on, v.mode FROM org_unit o CROSS JOIN visit v{}
             WHERE v.village_code = o.code AND o.level = 'village'
               AND o.code >= $2 AND o.code < $3 AND v.visited_on >= $1",
            b.index_hint("visit_village")
        ),
        &[P::T(&visits_since), P::T(&vlo), P::T(&vhi)],
    )? {
        if let Some(&i) = index.get(&r.str(0))
            && let Ok(mode) = VisitMode::parse(&r.str(2))
        {
            women[i].facts.visits.push(VisitFact {
                date: stored_date(&r.str(1))?,
                mode,
                covered: Vec::new(),
            });
        }
    }
    Ok(women)
}

/// Which section of a work list a contact belongs in on `today`, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Today,
    Week,
    Overdue,
}

fn section_of(c: &DueContact, status: ContactStatus, today: NaiveDate) -> Option<Section> {
    if status == ContactStatus::Due && c.window_from <= today && today <= c.window_to {
        Some(Section::Today)
    } else if c.window_from > today && c.window_from <= today + Duration::days(7) {
        Some(Section::Week)
    } else if !c.reminder
        && matches!(status, ContactStatus::Overdue | ContactStatus::Missed)
        && c.window_to < today
        && c.window_to >= today - Duration::days(OVERDUE_LIST_DAYS)
    {
        Some(Section::Overdue)
    } else {
        None
    }
}

/// Every contact of the women that lands in a section, with its status.
fn sections(
    women: &[Listed],
    rules: &[ScheduleRule],
    today: NaiveDate,
) -> Vec<(usize, DueContact, ContactStatus, Section)> {
    let from = today - Duration::days(OVERDUE_LIST_DAYS);
    let to = today + Duration::days(7);
    let mut out = Vec::new();
    for (i, w) in women.iter().enumerate() {
        for c in due_contacts(rules, &w.facts, from, to) {
            let st = status_on(&c, &w.facts.visits, rules, today);
            if let Some(s) = section_of(&c, st, today) {
                out.push((i, c, st, s));
            }
        }
    }
    out
}

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
    require(scope, Permission::RecordVisit)?;
    let asked = worker_arg(worker_id);
    let worker = if scope.role == Role::FollowUpWorker {
        let me = scope.user_id.as_deref().ok_or(StoreError::Forbidden)?;
        if asked.is_some_and(|w| w != me) {
            return Err(StoreError::Forbidden);
        }
        Some(me)
    } else {
        asked
    };
    let (lo, hi) = scope.code_range();
    // Read in a read transaction, then write the audit entry before the
    // list is returned: SQLite writers queue one at a time, and a work
    // list is the busiest read there is, so it holds the writer's lock
    // only for the one insert. A failed audit write returns no list.
    let list = db.read(|tx| {
        let rules = load_rules(tx)?;
        let area = Area {
            lo: &lo,
            hi: &hi,
            worker,
        };
        let women = load_area(tx, &area, &rules, today)?;
        let mut list = WorkList {
            today: fmt_date(today),
            worker_id: worker.map(str::to_string),
            due_today: WorkSection::default(),
            this_week: WorkSection::default(),
            overdue: WorkSection::default(),
            open_needs: Vec::new(),
            women: women.len() as i64,
        };
        let mut found = sections(&women, &rules, today);
        found.sort_by(|a, b| {
            let (wa, wb) = (&women[a.0], &women[b.0]);
            (
                &wa.zone_name,
                &wa.household_number,
                &wa.name,
                &wa.id,
                a.1.window_from,
                &a.1.key,
            )
                .cmp(&(
                    &wb.zone_name,
                    &wb.household_number,
                    &wb.name,
                    &wb.id,
                    b.1.window_from,
                    &b.1.key,
                ))
        });
        for (i, c, status, s) in found {
            let w = &women[i];
            let sec = match s {
                Section::Today => &mut list.due_today,
                Section::Week => &mut list.this_week,
                Section::Overdue => &mut list.overdue,
            };
            sec.total += 1;
            if sec.items.len() >= WORK_SECTION_MAX {
                continue;
            }
            let (zh, en) = label_of(&rules, &c.rule_code);
            sec.items.push(WorkItem {
                person_id: w.id.clone(),
                name: w.name.clone(),
                village_code: w.village_code.clone(),
                household_id: w.household_id.clone(),
                household_number: w.household_number.clone(),
                zone_id: w.zone_id.clone(),
                zone_name: w.zone_name.clone(),
                worker_id: w.worker_id.clone(),
                worker_name: w.worker_name.clone(),
                contact_key: c.key,
                rule_code: c.rule_code,
                rule_label_zh: zh,
                rule_label_en: en,
                window_from: fmt_date(c.window_from),
                window_to: fmt_date(c.window_to),
                reminder: c.reminder,
                status,
            });
        }
        if !women.is_empty() {
            // Open needs village by village (index on village and status),
            // kept for the women on the list.
            let index: HashMap<&str, &Listed> = women.iter().map(|w| (w.id.as_str(), w)).collect();
            let (vlo, vhi) = area.village_range(&women);
            let mut needs: Vec<Need> = tx
                .query(
                    "SELECT n.id, n.visit_id, n.person_id, '', n.village_code, n.category,
                            n.text, n.status, n.for_window, v.visited_on, n.version
                     FROM org_unit o CROSS JOIN visit_need n
                     JOIN visit v ON v.id = n.visit_id
                     WHERE n.village_code = o.code AND o.level = 'village'
                       AND o.code >= $1 AND o.code < $2 AND n.status IN ($3, $4)",
                    &[
                        P::T(&vlo),
                        P::T(&vhi),
                        P::T(NeedStatus::Open.code()),
                        P::T(NeedStatus::ForWindow.code()),
                    ],
                )?
                .iter()
                .map(need_from)
                .filter_map(|mut n| {
                    let w = index.get(n.person_id.as_str())?;
                    n.person_name = w.name.clone();
                    Some(n)
                })
                .collect();
            needs.sort_by(|a, b| (&a.raised_on, &a.id).cmp(&(&b.raised_on, &b.id)));
            list.open_needs = needs;
        }
        Ok(list)
    })?;
    let detail = describe(&[("worker", worker.map(str::to_string))]);
    db.write(|tx| audit::record(tx, scope, Action::View, "work_list", None, Some(&detail)))?;
    Ok(list)
}

/// The workers of an org unit with the most overdue contacts on `today`
/// (work-list definition), most first (ReadStatistics).
pub fn worst_workers(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<WorkerLoad>, StoreError> {
    require(scope, Permission::ReadStatistics)?;
    db.read(|tx| {
        let t = subtree(tx, scope, org_code)?;
        let rules = load_rules(tx)?;
        let area = Area {
            lo: &t.lo,
            hi: &t.hi,
            worker: None,
        };
        let women = load_area(tx, &area, &rules, today)?;
        let mut by: HashMap<&str, WorkerLoad> = HashMap::new();
        for w in &women {
            by.entry(&w.worker_id)
                .or_insert_with(|| WorkerLoad {
                    worker_id: w.worker_id.clone(),
                    worker_name: w.worker_name.clone(),
                    women: 0,
                    overdue: 0,
                    due_today: 0,
                })
                .women += 1;
        }
        for (i, _, _, s) in sections(&women, &rules, today) {
            if let Some(l) = by.get_mut(women[i].worker_id.as_str()) {
                match s {
                    Section::Overdue => l.overdue += 1,
                    Section::Today => l.due_today += 1,
                    Section::Week => {}
                }
            }
        }
        let mut out: Vec<WorkerLoad> = by.into_values().collect();
        out.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then_with(|| a.worker_name.cmp(&b.worker_name))
                .then_with(|| a.worker_id.cmp(&b.worker_id))
        });
        out.truncate(limit);
        Ok(out)
    })
}

// ---- indicators ------------------------------------------------------------

fn ratio(on_time: i64, due: i64) -> Option<f64> {
    (due > 0).then(|| on_time as f64 / due as f64)
}

/// Counts of one group: due, on time, late.
#[derive(Default, Clone, Copy)]
struct Counts {
    due: i64,
    on_time: i64,
    late: i64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.due += o.due;
        self.on_time += o.on_time;
        self.late += o.late;
    }
    /// The row, the rest split into pending or missed: pending while a
    /// visit may still come (`today` not past `late_to`).
    fn row(self, key: String, name: String, still_open: bool) -> CoverageRow {
        let rest = self.due - self.on_time - self.late;
        CoverageRow {
            key,
            name,
            due: self.due,
            on_time: self.on_time,
            late: self.late,
            missed: if still_open { 0 } else { rest },
            pending: if still_open { rest } else { 0 },
            coverage: ratio(self.on_time, self.due),
        }
    }
}

/// Monthly contacts due in `month` per group key, counted in SQL, set-based:
/// the women due are those 15–49 on the first of the month (an index-only
/// count on person `(village_code, sex, birth_date)`) plus the women outside
/// those ages pregnant during the month. The women visited are read from
/// the visits of the month and of the late period after it, village by
/// village on the covering index visit `(village_code, visited_on,
/// person_id, mode)` (the CROSS JOIN keeps SQLite's loop over the
/// villages), and matched to the women due by id. On time = a visit in the
/// month with a mode the rule allows; late = none in the month but one
/// within one more month length after it.
fn monthly_counts(
    tx: &mut Tx<'_>,
    rules: &[ScheduleRule],
    lo: &str,
    hi: &str,
    month: YearMonth,
    by: Option<CoverageBy>,
) -> Result<HashMap<String, Counts>, StoreError> {
    let mut out: HashMap<String, Counts> = HashMap::new();
    let routine = rules
        .iter()
        .find(|r| r.kind == RuleKind::Routine && r.active);
    let pregnant = rules
        .iter()
        .find(|r| r.kind == RuleKind::Pregnant && r.active);
    if routine.is_none() && pregnant.is_none() {
        return Ok(out);
    }
    let (first, last) = (month.first_day(), month.last_day());
    let len = (last - first).num_days() + 1;
    let f = fmt_date(first);
    let l = fmt_date(last);
    let lt = fmt_date(last + Duration::days(len));
    let born_after = fmt_date(years_before(first, 50));
    let born_by = fmt_date(years_before(first, 15));
    let (key, join) = match by {
        None => ("''", ""),
        Some(CoverageBy::Village) => ("p.village_code", ""),
        Some(CoverageBy::Zone) => (
            "COALESCE(a.zone_id, '')",
            " LEFT JOIN follow_up_assignment a ON a.person_id = p.id AND a.village_code = p.village_code",
        ),
        Some(CoverageBy::Worker) => (
            "COALESCE(a.worker_id, '')",
            " LEFT JOIN follow_up_assignment a ON a.person_id = p.id AND a.village_code = p.village_code",
        ),
    };
    let group = if by.is_some() {
        format!("GROUP BY {key}")
    } else {
        String::new()
    };
    let hint = tx.backend().index_hint("visit_village");
    // The women visited from `$3` to `to` by an allowed mode (`$3`/`$4`
    // are the month, `$1`/`$2` the village range).
    let visited = |to: &str, modes: &str| {
        format!(
            "SELECT v.person_id FROM org_unit o CROSS JOIN visit v{hint}
             WHERE v.village_code = o.code AND o.level = 'village'
               AND o.code >= $1 AND o.code < $2
               AND v.visited_on >= $3 AND v.visited_on <= {to} AND {modes}"
        )
    };
    let mut add = |rows: Vec<Row>, due_col: Option<usize>| {
        for r in rows {
            let e = out.entry(r.str(0)).or_default();
            match due_col {
                // key, due
                None => e.due += r.i64(1),
                // key, on time, visited (on time or late)[, due]
                Some(i) => {
                    e.on_time += r.i64(1);
                    e.late += r.i64(2) - r.i64(1);
                    if i > 0 {
                        e.due += r.i64(i);
                    }
                }
            }
        }
    };
    if let Some(routine) = routine {
        // The pregnancy rule's modes for the women pregnant in the month,
        // when they differ from the routine ones.
        let modes = match pregnant {
            Some(pr) if pr.modes != routine.modes => {
                let preg = "EXISTS (SELECT 1 FROM pregnancy g WHERE g.woman_id = v.person_id
                            AND g.lmp <= $4 AND (g.outcome_on IS NULL OR g.outcome_on >= $3))";
                format!(
                    "(({} AND NOT {preg}) OR ({} AND {preg}))",
                    mode_in("v.mode", &routine.modes),
                    mode_in("v.mode", &pr.modes)
                )
            }
            _ => mode_in("v.mode", &routine.modes),
        };
        add(
            tx.query(
                &format!(
                    "SELECT {key}, COUNT(*) FROM person p{join}
                     WHERE p.village_code >= $1 AND p.village_code < $2 AND p.sex = 2
                       AND p.birth_date > $3 AND p.birth_date <= $4
                     {group}"
                ),
                &[P::T(lo), P::T(hi), P::T(&born_after), P::T(&born_by)],
            )?,
            None,
        );
        add(
            tx.query(
                &format!(
                    "SELECT {key}, CAST(SUM(CASE WHEN p.id IN ({}) THEN 1 ELSE 0 END) AS BIGINT),
                            COUNT(*)
                     FROM person p{join}
                     WHERE p.id IN ({})
                       AND p.village_code >= $1 AND p.village_code < $2 AND p.sex = 2
                       AND p.birth_date > $6 AND p.birth_date <= $7
                     {group}",
                    visited("$4", &modes),
                    visited("$5", &modes)
                ),
                &[
                    P::T(lo),
                    P::T(hi),
                    P::T(&f),
                    P::T(&l),
                    P::T(&lt),
                    P::T(&born_after),
                    P::T(&born_by),
                ],
            )?,
            Some(0),
        );
    }
    // Women outside 15–49 pregnant during the month (every pregnant woman
    // when only the pregnancy rule is active).
    if let Some(rule) = pregnant.or(routine) {
        let (ages, n) = if routine.is_some() {
            ("AND NOT (p.birth_date > $6 AND p.birth_date <= $7)", 7)
        } else {
            ("", 5)
        };
        let modes = mode_in("v.mode", &rule.modes);
        let params = [
            P::T(lo),
            P::T(hi),
            P::T(&f),
            P::T(&l),
            P::T(&lt),
            P::T(&born_after),
            P::T(&born_by),
        ];
        add(
            tx.query(
                &format!(
                    "SELECT {key}, CAST(SUM(CASE WHEN p.id IN ({}) THEN 1 ELSE 0 END) AS BIGINT),
                            CAST(SUM(CASE WHEN p.id IN ({}) THEN 1 ELSE 0 END) AS BIGINT),
                            COUNT(*)
                     FROM person p{join}
                     WHERE p.id IN (SELECT g.woman_id FROM pregnancy g
                                    WHERE g.village_code >= $1 AND g.village_code < $2
                                      AND g.lmp <= $4
                                      AND (g.outcome_on IS NULL OR g.outcome_on >= $3))
                       AND p.village_code >= $1 AND p.village_code < $2 AND p.sex = 2 {ages}
                     {group}",
                    visited("$4", &modes),
                    visited("$5", &modes)
                ),
                &params[..n],
            )?,
            Some(3),
        );
    }
    Ok(out)
}

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
    require(scope, Permission::ReadStatistics)?;
    db.read(|tx| {
        let t = subtree(tx, scope, org_code)?;
        let rules = load_rules(tx)?;
        let counts = monthly_counts(tx, &rules, &t.lo, &t.hi, month, Some(by))?;
        let last = month.last_day();
        let still_open = today <= last + Duration::days((last - month.first_day()).num_days() + 1);
        // Every group of the area, with zeros where nothing was due.
        let names: Vec<(String, String)> = match by {
            CoverageBy::Village => tx.query(
                "SELECT code, name FROM org_unit WHERE level = $1 AND code >= $2 AND code < $3
                 ORDER BY code",
                &[P::T(OrgLevel::Village.as_str()), P::T(&t.lo), P::T(&t.hi)],
            )?,
            CoverageBy::Zone => tx.query(
                "SELECT z.id, z.name || ' (' || o.name || ')' FROM zone z
                 JOIN org_unit o ON o.code = z.village_code
                 WHERE z.village_code >= $1 AND z.village_code < $2
                 ORDER BY z.village_code, z.name",
                &[P::T(&t.lo), P::T(&t.hi)],
            )?,
            CoverageBy::Worker => tx.query(
                "SELECT u.id, MIN(u.display_name) FROM follow_up_assignment a
                 JOIN app_user u ON u.id = a.worker_id
                 WHERE a.village_code >= $1 AND a.village_code < $2
                 GROUP BY u.id ORDER BY MIN(u.display_name), u.id",
                &[P::T(&t.lo), P::T(&t.hi)],
            )?,
        }
        .iter()
        .map(|r| (r.str(0), r.str(1)))
        .collect();
        let mut rows = Vec::with_capacity(names.len() + 1);
        let mut total = Counts::default();
        for (key, name) in &names {
            let c = counts.get(key).copied().unwrap_or_default();
            total.add(c);
            rows.push(c.row(key.clone(), name.clone(), still_open));
        }
        let named: std::collections::HashSet<&str> =
            names.iter().map(|(k, _)| k.as_str()).collect();
        let mut others: Vec<(&String, &Counts)> = counts
            .iter()
            .filter(|(k, _)| !named.contains(k.as_str()))
            .collect();
        others.sort_by(|a, b| a.0.cmp(b.0));
        for (key, c) in others {
            total.add(*c);
            let name = if key.is_empty() {
                "未分配 / unassigned".to_string()
            } else {
                key.clone()
            };
            rows.push(c.row(key.clone(), name, still_open));
        }
        Ok(CoverageReport {
            org_code: t.code.clone(),
            org_name: t.name.clone(),
            month,
            by,
            rows,
            total: total.row(t.code, t.name, still_open),
        })
    })
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
    require(scope, Permission::ReadStatistics)?;
    if to < from {
        return Err(StoreError::field(
            "to",
            Reason::NotBefore {
                zh: "开始月份",
                en: "first month",
            },
        ));
    }
    let span = (to.year - from.year) * 12 + to.month as i32 - from.month as i32 + 1;
    if span > 60 {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "to",
            Reason::NotAfter {
                zh: "开始月份五年后",
                en: "month five years after the first",
            },
        )]));
    }
    db.read(|tx| {
        let t = subtree(tx, scope, org_code)?;
        let rules = load_rules(tx)?;
        let mut out = Vec::new();
        let mut m = from;
        while m <= to {
            let c = monthly_counts(tx, &rules, &t.lo, &t.hi, m, None)?
                .into_values()
                .fold(Counts::default(), |mut a, c| {
                    a.add(c);
                    a
                });
            let last = m.last_day();
            let still_open = today <= last + Duration::days((last - m.first_day()).num_days() + 1);
            let row = c.row(String::new(), String::new(), still_open);
            out.push(MonthCoverage {
                month: m,
                due: row.due,
                on_time: row.on_time,
                late: row.late,
                missed: row.missed,
                pending: row.pending,
                coverage: row.coverage,
            });
            m = m.next();
        }
        Ok(out)
    })
}

/// Postpartum visit completion of an org unit for `month` (ReadStatistics).
pub fn postpartum_completion(
    db: &Db,
    scope: &Scope,
    org_code: &str,
    month: YearMonth,
    today: NaiveDate,
) -> Result<PostpartumCompletion, StoreError> {
    require(scope, Permission::ReadStatistics)?;
    db.read(|tx| {
        let t = subtree(tx, scope, org_code)?;
        let rules: Vec<ScheduleRule> = load_rules(tx)?
            .into_iter()
            .filter(|r| r.kind == RuleKind::Postpartum && r.active && !r.reminder)
            .filter(|r| r.from_day.is_some() && r.to_day.is_some())
            .collect();
        let (first, last) = (month.first_day(), month.last_day());
        let mut per_rule: Vec<(Counts, i64, i64)> = vec![(Counts::default(), 0, 0); rules.len()];
        if let (Some(min_to), Some(max_to)) = (
            rules.iter().filter_map(|r| r.to_day).min(),
            rules.iter().filter_map(|r| r.to_day).max(),
        ) {
            // Births whose windows can end in the month, and their
            // mothers' visits from the first window to the last late day.
            let born_from = fmt_date(first - Duration::days(max_to));
            let born_to = fmt_date(last - Duration::days(min_to));
            let visits_from = fmt_date(first - Duration::days(max_to));
            let visits_to = fmt_date(last + Duration::days(max_to + 1));
            let births = tx.query(
                "SELECT b.mother_id, b.id, b.born_on FROM birth b
                 WHERE b.village_code >= $1 AND b.village_code < $2
                   AND b.born_on >= $3 AND b.born_on <= $4
                 ORDER BY b.mother_id, b.born_on, b.id",
                &[P::T(&t.lo), P::T(&t.hi), P::T(&born_from), P::T(&born_to)],
            )?;
            let mut visits: HashMap<String, Vec<VisitFact>> = HashMap::new();
            for r in tx.query(
                "SELECT DISTINCT v.person_id, v.visited_on, v.mode FROM birth b
                 JOIN visit v ON v.person_id = b.mother_id
                 WHERE b.village_code >= $1 AND b.village_code < $2
                   AND b.born_on >= $3 AND b.born_on <= $4
                   AND v.visited_on >= $5 AND v.visited_on <= $6",
                &[
                    P::T(&t.lo),
                    P::T(&t.hi),
                    P::T(&born_from),
                    P::T(&born_to),
                    P::T(&visits_from),
                    P::T(&visits_to),
                ],
            )? {
                if let Ok(mode) = VisitMode::parse(&r.str(2)) {
                    visits.entry(r.str(0)).or_default().push(VisitFact {
                        date: stored_date(&r.str(1))?,
                        mode,
                        covered: Vec::new(),
                    });
                }
            }
            let mut by_mother: HashMap<String, Vec<BirthFact>> = HashMap::new();
            for b in &births {
                by_mother.entry(b.str(0)).or_default().push(BirthFact {
                    id: b.str(1),
                    born_on: stored_date(&b.str(2))?,
                });
            }
            let none = Vec::new();
            for (mother, theirs) in &by_mother {
                let vs = visits.get(mother).unwrap_or(&none);
                for b in scheduled_births(theirs) {
                    let (id, born) = (&b.id, b.born_on);
                    for (ri, r) in rules.iter().enumerate() {
                        let (Some(fd), Some(td)) = (r.from_day, r.to_day) else {
                            continue;
                        };
                        let c = DueContact {
                            key: format!("{}:{id}", r.code),
                            rule_code: r.code.clone(),
                            window_from: born + Duration::days(fd),
                            window_to: born + Duration::days(td),
                            reminder: false,
                        };
                        if c.window_to < first || c.window_to > last {
                            continue;
                        }
                        let e = &mut per_rule[ri];
                        e.0.due += 1;
                        match status_on(&c, vs, &rules, today) {
                            ContactStatus::Done => e.0.on_time += 1,
                            ContactStatus::DoneLate => e.0.late += 1,
                            ContactStatus::Missed => e.2 += 1,
                            ContactStatus::Due | ContactStatus::Overdue => e.1 += 1,
                        }
                    }
                }
            }
        }
        let row = |key: String, name: String, c: Counts, pending: i64, missed: i64| CoverageRow {
            key,
            name,
            due: c.due,
            on_time: c.on_time,
            late: c.late,
            missed,
            pending,
            coverage: ratio(c.on_time, c.due),
        };
        let mut total = (Counts::default(), 0, 0);
        let mut out = Vec::with_capacity(rules.len());
        for (r, (c, pending, missed)) in rules.iter().zip(per_rule) {
            total.0.add(c);
            total.1 += pending;
            total.2 += missed;
            out.push(row(r.code.clone(), r.label_zh.clone(), c, pending, missed));
        }
        Ok(PostpartumCompletion {
            org_code: t.code.clone(),
            org_name: t.name.clone(),
            month,
            rules: out,
            total: row(t.code, t.name, total.0, total.1, total.2),
        })
    })
}
