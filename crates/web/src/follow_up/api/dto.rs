//! The JSON shapes of the follow-up (随访) resources: zones, assignments,
//! schedule rules, a woman's schedule, work lists, procedures, visits,
//! needs and the coverage indicators — request bodies, query filters and
//! answers, each documented for the OpenAPI document. Codes are the stable
//! ones of `hearth_core::follow_up` (e.g. `home`, `postpartum_d3`, `open`).

use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{ContactStatus, ScheduleRule};
use hearth_store::follow_up::{
    Assignment, CoverageReport, CoverageRow, CoveredContact, MonthCoverage, Need, NeedsWorker,
    PostpartumCompletion, Procedure, ScheduledContact, Topic, Unassigned, Visit, VisitRow,
    WorkItem, WorkList, WorkSection, WorkerLoad, WorkerOption, Zone,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- zones ------------------------------------------------------------------

/// A zone (片区) of a village and its responsible follow-up worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneDto {
    pub id: String,
    pub village_code: String,
    pub name: String,
    /// The responsible worker (a user id); absent until one is named.
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
    /// Women assigned to the zone.
    pub women: i64,
    /// Send back in `If-Match` to change the zone.
    pub version: i64,
}

impl From<Zone> for ZoneDto {
    fn from(z: Zone) -> Self {
        ZoneDto {
            id: z.id,
            village_code: z.village_code,
            name: z.name,
            worker_id: z.worker_id,
            worker_name: z.worker_name,
            women: z.women,
            version: z.version,
        }
    }
}

/// A user who may be named a zone's worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerOptionDto {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// The role code (`follow_up_worker`, `village_specialist`…).
    pub role: String,
}

impl From<WorkerOption> for WorkerOptionDto {
    fn from(w: WorkerOption) -> Self {
        WorkerOptionDto {
            id: w.id,
            username: w.username,
            display_name: w.display_name,
            role: w.role,
        }
    }
}

/// The zones of a village, with the users who may be named their workers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneList {
    pub village: String,
    pub items: Vec<ZoneDto>,
    /// Users who may be named a worker of a zone of this village (only for
    /// roles that may change zones).
    pub workers: Vec<WorkerOptionDto>,
}

/// Which village's zones.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VillageQuery {
    /// A village code of your area (default: your own org unit, when it is
    /// a village).
    pub village: Option<String>,
}

/// A new zone.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewZoneBody {
    /// Optional client-chosen UUID: a retry with the same id returns the
    /// first zone (200) instead of making a second.
    pub id: Option<String>,
    /// The village (a village code of your area).
    #[serde(default)]
    #[schema(example = "370404100201")]
    pub village: String,
    /// 1–40 characters, unique in the village.
    #[serde(default)]
    #[schema(example = "一组片区")]
    pub name: String,
    /// The responsible worker (a user id), if named now.
    #[serde(default)]
    pub worker_id: Option<String>,
}

/// A zone's name and worker. Changing the worker moves every woman of the
/// zone to the new worker, in one audited action.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ZoneBody {
    #[serde(default)]
    pub name: String,
    /// The responsible worker; a zone that holds women needs one.
    #[serde(default)]
    pub worker_id: Option<String>,
}

// ---- assignments ------------------------------------------------------------

/// A woman's responsible worker (谁随访谁管理).
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDto {
    pub person_id: String,
    pub village_code: String,
    pub zone_id: String,
    pub zone_name: String,
    pub worker_id: String,
    pub worker_name: String,
    pub version: i64,
}

impl From<Assignment> for AssignmentDto {
    fn from(a: Assignment) -> Self {
        AssignmentDto {
            person_id: a.person_id,
            village_code: a.village_code,
            zone_id: a.zone_id,
            zone_name: a.zone_name,
            worker_id: a.worker_id,
            worker_name: a.worker_name,
            version: a.version,
        }
    }
}

/// A person's assignment, or none.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentOf {
    pub person_id: String,
    /// Absent when she has no responsible worker.
    pub assignment: Option<AssignmentDto>,
}

/// Puts a woman in a zone of her village: her responsible worker becomes
/// the zone's worker.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignBody {
    #[serde(default)]
    pub zone_id: String,
}

/// A woman who needs a responsible worker and has none.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnassignedDto {
    pub person_id: String,
    pub name: String,
    pub birth_date: String,
    pub village_code: String,
    pub household_id: Option<String>,
    pub household_number: Option<String>,
    /// `of_age` (15–49), `pregnant` (an open pregnancy) or `postpartum` (a
    /// birth in the last 60 days).
    pub why: String,
}

impl From<Unassigned> for UnassignedDto {
    fn from(u: Unassigned) -> Self {
        UnassignedDto {
            person_id: u.person_id,
            name: u.name,
            birth_date: u.birth_date,
            village_code: u.village_code,
            household_id: u.household_id,
            household_number: u.household_number,
            why: match u.why {
                NeedsWorker::OfAge => "of_age",
                NeedsWorker::Pregnant => "pregnant",
                NeedsWorker::Postpartum => "postpartum",
            }
            .to_string(),
        }
    }
}

/// The women of a village without a responsible worker: the list must be
/// empty; anything on it is a problem to fix.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnassignedList {
    pub village: String,
    pub items: Vec<UnassignedDto>,
}

// ---- rules and topics ---------------------------------------------------------

/// A schedule rule (rules are data).
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDto {
    /// `routine`, `pregnant`, `postpartum_d3`, `procedure_m1`…
    pub code: String,
    /// `routine`, `pregnant`, `postpartum` or `procedure`.
    pub kind: String,
    pub label_zh: String,
    pub label_en: String,
    /// The window's first and last day after the birth or procedure
    /// (inclusive); absent for the monthly rules.
    pub from_day: Option<i64>,
    pub to_day: Option<i64>,
    /// The visit modes that satisfy a contact: `home`, `phone`, `clinic`.
    pub modes: Vec<String>,
    /// Listed on work lists, not counted in coverage.
    pub reminder: bool,
    pub active: bool,
    pub sort: i64,
    /// Send back in `If-Match` to change the rule.
    pub version: i64,
}

impl From<ScheduleRule> for RuleDto {
    fn from(r: ScheduleRule) -> Self {
        RuleDto {
            code: r.code,
            kind: r.kind.code().to_string(),
            label_zh: r.label_zh,
            label_en: r.label_en,
            from_day: r.from_day,
            to_day: r.to_day,
            modes: r.modes.iter().map(|m| m.code().to_string()).collect(),
            reminder: r.reminder,
            active: r.active,
            sort: r.sort,
            version: r.version,
        }
    }
}

/// A visit topic (宣传服务内容).
#[derive(Debug, Serialize, ToSchema)]
pub struct TopicDto {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub active: bool,
}

impl From<Topic> for TopicDto {
    fn from(t: Topic) -> Self {
        TopicDto {
            code: t.code,
            label_zh: t.label_zh,
            label_en: t.label_en,
            active: t.active,
        }
    }
}

/// The schedule rules and the visit topics.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesDto {
    pub rules: Vec<RuleDto>,
    pub topics: Vec<TopicDto>,
}

/// A rule's changeable part.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleBody {
    /// Postpartum and procedure rules: the window's first day after the
    /// event (0–365); leave out for the monthly rules.
    #[serde(default)]
    pub from_day: Option<i64>,
    /// The window's last day (from_day–365).
    #[serde(default)]
    pub to_day: Option<i64>,
    /// At least one of `home`, `phone`, `clinic`.
    #[serde(default)]
    #[schema(example = json!(["home"]))]
    pub modes: Vec<String>,
    /// Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

// ---- a woman's schedule --------------------------------------------------------

/// A due contact and where it stands today.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
    /// `monthly:2026-11`, `postpartum_d3:<birth id>`,
    /// `procedure_m1:<procedure id>`.
    pub key: String,
    pub rule_code: String,
    pub rule_label_zh: String,
    pub rule_label_en: String,
    /// The window, inclusive, YYYY-MM-DD.
    pub window_from: String,
    pub window_to: String,
    /// Listed but not counted in coverage (the 42-day check).
    pub reminder: bool,
    /// `due`, `overdue`, `done`, `done_late` or `missed`.
    pub status: String,
}

impl From<ScheduledContact> for ContactDto {
    fn from(c: ScheduledContact) -> Self {
        ContactDto {
            key: c.contact.key,
            rule_code: c.contact.rule_code,
            rule_label_zh: c.rule_label_zh,
            rule_label_en: c.rule_label_en,
            window_from: fmt_date(c.contact.window_from),
            window_to: fmt_date(c.contact.window_to),
            reminder: c.contact.reminder,
            status: c.status.code().to_string(),
        }
    }
}

/// A woman's due contacts whose window meets the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleDto {
    pub person_id: String,
    pub from: String,
    pub to: String,
    pub today: String,
    pub contacts: Vec<ContactDto>,
}

/// The period of a schedule.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    /// YYYY-MM-DD (default: the first day of the month three months ago).
    pub from: Option<String>,
    /// YYYY-MM-DD (default: the last day of next month); at most five
    /// years after `from`.
    pub to: Option<String>,
}

// ---- work lists ------------------------------------------------------------------

/// One line of a work list: a woman and one contact of hers.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemDto {
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
    /// `due`, `overdue`, `done`, `done_late` or `missed`.
    pub status: String,
}

impl From<WorkItem> for WorkItemDto {
    fn from(i: WorkItem) -> Self {
        WorkItemDto {
            person_id: i.person_id,
            name: i.name,
            village_code: i.village_code,
            household_id: i.household_id,
            household_number: i.household_number,
            zone_id: i.zone_id,
            zone_name: i.zone_name,
            worker_id: i.worker_id,
            worker_name: i.worker_name,
            contact_key: i.contact_key,
            rule_code: i.rule_code,
            rule_label_zh: i.rule_label_zh,
            rule_label_en: i.rule_label_en,
            window_from: i.window_from,
            window_to: i.window_to,
            reminder: i.reminder,
            status: status_code(i.status),
        }
    }
}

fn status_code(s: ContactStatus) -> String {
    s.code().to_string()
}

/// A section of a work list, ordered by zone, household and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkSectionDto {
    pub items: Vec<WorkItemDto>,
    /// Every item of the section, even when `items` was cut at 1000.
    pub total: i64,
}

impl From<WorkSection> for WorkSectionDto {
    fn from(s: WorkSection) -> Self {
        WorkSectionDto {
            total: i64::try_from(s.total).unwrap_or(i64::MAX),
            items: s.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A worker and her overdue contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerLoadDto {
    pub worker_id: String,
    pub worker_name: String,
    pub women: i64,
    pub overdue: i64,
    pub due_today: i64,
}

impl From<WorkerLoad> for WorkerLoadDto {
    fn from(w: WorkerLoad) -> Self {
        WorkerLoadDto {
            worker_id: w.worker_id,
            worker_name: w.worker_name,
            women: w.women,
            overdue: w.overdue,
            due_today: w.due_today,
        }
    }
}

/// A work list on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkListDto {
    pub today: String,
    /// The worker whose list this is; absent for everyone in your area.
    pub worker_id: Option<String>,
    /// Contacts whose window contains today, not done.
    pub due_today: WorkSectionDto,
    /// Contacts whose window starts within the next 7 days.
    pub this_week: WorkSectionDto,
    /// Contacts whose window closed within the last 90 days, not done.
    pub overdue: WorkSectionDto,
    /// Needs still open or handed to the service window.
    pub open_needs: Vec<NeedDto>,
    /// Women on the list.
    pub women: i64,
    /// For specialists and town staff viewing their whole area: the
    /// workers with the most overdue contacts, most first.
    pub workers_most_overdue: Vec<WorkerLoadDto>,
}

impl WorkListDto {
    pub fn new(w: WorkList, worst: Vec<WorkerLoad>) -> WorkListDto {
        WorkListDto {
            today: w.today,
            worker_id: w.worker_id,
            due_today: w.due_today.into(),
            this_week: w.this_week.into(),
            overdue: w.overdue.into(),
            open_needs: w.open_needs.into_iter().map(Into::into).collect(),
            women: w.women,
            workers_most_overdue: worst.into_iter().map(Into::into).collect(),
        }
    }
}

/// Whose work list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkListQuery {
    /// A worker's user id. A follow-up worker always gets her own list;
    /// specialists and town staff get their whole area without it.
    pub worker: Option<String>,
}

// ---- procedures ------------------------------------------------------------------

/// A contraceptive procedure (节育手术); it starts the procedure schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureDto {
    pub id: String,
    pub person_id: String,
    pub village_code: String,
    /// `iud_insertion`, `iud_removal`, `implant`, `tubal_ligation`,
    /// `vasectomy` or `other`.
    pub kind: String,
    pub done_on: String,
    pub place: String,
    pub version: i64,
}

impl From<Procedure> for ProcedureDto {
    fn from(p: Procedure) -> Self {
        ProcedureDto {
            id: p.id,
            person_id: p.person_id,
            village_code: p.village_code,
            kind: p.kind,
            done_on: p.done_on,
            place: p.place,
            version: p.version,
        }
    }
}

/// A procedure to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProcedureBody {
    /// Optional client-chosen UUID (a retry returns the first).
    pub id: Option<String>,
    /// The person (of your area; for a follow-up worker, one of her women).
    #[serde(default)]
    pub person_id: String,
    /// `iud_insertion`, `iud_removal`, `implant`, `tubal_ligation`,
    /// `vasectomy`, `other`.
    #[serde(default)]
    #[schema(example = "iud_insertion")]
    pub kind: String,
    /// YYYY-MM-DD, not in the future, at most a year back.
    #[serde(default)]
    pub done_on: String,
    /// Where (1–60 characters).
    #[serde(default)]
    #[schema(example = "古邵镇卫生院")]
    pub place: String,
}

// ---- visits ------------------------------------------------------------------------

/// A due contact a visit covered.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoveredDto {
    pub key: String,
    pub rule_code: String,
    pub window_from: String,
    pub window_to: String,
}

impl From<CoveredContact> for CoveredDto {
    fn from(c: CoveredContact) -> Self {
        CoveredDto {
            key: c.key,
            rule_code: c.rule_code,
            window_from: c.window_from,
            window_to: c.window_to,
        }
    }
}

/// A need raised at a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedDto {
    pub id: String,
    pub visit_id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    /// `policy`, `health`, `benefit`, `child_rearing`, `economic`, `other`.
    pub category: String,
    pub text: String,
    /// `open`, `for_window` or `closed`.
    pub status: String,
    /// Marked for the service window.
    pub for_window: bool,
    /// The date of the visit that raised it.
    pub raised_on: String,
    /// Send back in `If-Match` to change the status.
    pub version: i64,
}

impl From<Need> for NeedDto {
    fn from(n: Need) -> Self {
        NeedDto {
            id: n.id,
            visit_id: n.visit_id,
            person_id: n.person_id,
            person_name: n.person_name,
            village_code: n.village_code,
            category: n.category,
            text: n.text,
            status: n.status,
            for_window: n.for_window,
            raised_on: n.raised_on,
            version: n.version,
        }
    }
}

/// A visit (随访记录) with the due contacts it covered and the needs raised.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDto {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    pub zone_id: Option<String>,
    pub worker_id: Option<String>,
    pub worker_name: String,
    pub visited_on: String,
    /// `home`, `phone` or `clinic`.
    pub mode: String,
    /// Topic codes.
    pub topics: Vec<String>,
    pub findings: Option<String>,
    pub next_appointment: Option<String>,
    /// The due contacts this visit satisfied (date inside the window, mode
    /// allowed by the rule); one visit can satisfy several.
    pub covered: Vec<CoveredDto>,
    pub needs: Vec<NeedDto>,
    pub version: i64,
    pub created_at: String,
}

impl From<Visit> for VisitDto {
    fn from(v: Visit) -> Self {
        VisitDto {
            id: v.id,
            person_id: v.person_id,
            person_name: v.person_name,
            village_code: v.village_code,
            zone_id: v.zone_id,
            worker_id: v.worker_id,
            worker_name: v.worker_name,
            visited_on: v.visited_on,
            mode: v.mode,
            topics: v.topics,
            findings: v.findings,
            next_appointment: v.next_appointment,
            covered: v.covered.into_iter().map(Into::into).collect(),
            needs: v.needs.into_iter().map(Into::into).collect(),
            version: v.version,
            created_at: v.created_at,
        }
    }
}

/// A visit in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitRowDto {
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

impl From<VisitRow> for VisitRowDto {
    fn from(v: VisitRow) -> Self {
        VisitRowDto {
            id: v.id,
            person_id: v.person_id,
            person_name: v.person_name,
            village_code: v.village_code,
            worker_id: v.worker_id,
            worker_name: v.worker_name,
            visited_on: v.visited_on,
            mode: v.mode,
            topics: v.topics,
            covered: v.covered,
        }
    }
}

/// A page of visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPage {
    pub items: Vec<VisitRowDto>,
    pub limit: i64,
    pub offset: i64,
}

/// The visit list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// Only this woman's visits.
    pub person: Option<String>,
    /// Only visits by this worker (a user id).
    pub worker: Option<String>,
    /// Only this village (or any org code of your area: its subtree).
    pub village: Option<String>,
    /// Visited on or after, YYYY-MM-DD.
    pub from: Option<String>,
    /// Visited on or before, YYYY-MM-DD.
    pub to: Option<String>,
    /// Rows per page, 1–500 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// A need raised at a visit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NeedBody {
    /// `policy`, `health`, `benefit`, `child_rearing`, `economic`, `other`.
    #[serde(default)]
    #[schema(example = "benefit")]
    pub category: String,
    /// What she needs (1–500 characters).
    #[serde(default)]
    pub text: String,
    /// Hand it to the service window.
    #[serde(default)]
    pub for_window: bool,
}

/// A visit to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVisitBody {
    /// Optional client-chosen UUID: a retry with the same id returns the
    /// first visit (200) instead of recording a second.
    pub id: Option<String>,
    /// The woman (for a follow-up worker, one assigned to her).
    #[serde(default)]
    pub person_id: String,
    /// YYYY-MM-DD, not in the future, at most 90 days back; today when
    /// left out.
    #[serde(default)]
    pub visited_on: String,
    /// `home`, `phone` or `clinic`.
    #[serde(default)]
    #[schema(example = "home")]
    pub mode: String,
    /// Topic codes (see `GET /api/v1/schedule-rules`).
    #[serde(default)]
    #[schema(example = json!(["policy_law", "reproductive_health"]))]
    pub topics: Vec<String>,
    /// At most 500 characters.
    #[serde(default)]
    pub findings: String,
    #[serde(default)]
    pub needs: Vec<NeedBody>,
    /// YYYY-MM-DD after the visit, at most a year after it.
    #[serde(default)]
    pub next_appointment: String,
}

/// The need list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// `open`, `for_window` or `closed` (default: all).
    pub status: Option<String>,
    /// Only this village (or any org code of your area).
    pub village: Option<String>,
    /// Only this woman's needs.
    pub person: Option<String>,
    /// Only the needs of the women assigned to this worker.
    pub worker: Option<String>,
    /// Rows per page, 1–500 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// A page of needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedPage {
    pub items: Vec<NeedDto>,
    pub limit: i64,
    pub offset: i64,
}

/// A need's new status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NeedStatusBody {
    /// `open`, `for_window` or `closed`.
    #[serde(default)]
    #[schema(example = "closed")]
    pub status: String,
}

// ---- coverage ------------------------------------------------------------------------

/// Contacts due for one group and what became of them:
/// `due = on_time + late + missed + pending`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageRowDto {
    /// The village code, zone id, worker id or rule code (empty: no zone /
    /// worker).
    pub key: String,
    pub name: String,
    pub due: i64,
    /// Covered by a visit inside the window.
    pub on_time: i64,
    /// Visited within one more window length after it.
    pub late: i64,
    pub missed: i64,
    /// Not done yet, and a visit may still come.
    pub pending: i64,
    /// `on_time / due`; absent when nothing was due.
    pub coverage: Option<f64>,
}

impl From<CoverageRow> for CoverageRowDto {
    fn from(r: CoverageRow) -> Self {
        CoverageRowDto {
            key: r.key,
            name: r.name,
            due: r.due,
            on_time: r.on_time,
            late: r.late,
            missed: r.missed,
            pending: r.pending,
            coverage: r.coverage,
        }
    }
}

/// Monthly coverage of an org unit, one row per group and the total.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageDto {
    pub org_code: String,
    pub org_name: String,
    /// YYYY-MM.
    pub month: String,
    /// `village`, `zone` or `worker`.
    pub by: String,
    pub rows: Vec<CoverageRowDto>,
    pub total: CoverageRowDto,
}

impl From<CoverageReport> for CoverageDto {
    fn from(r: CoverageReport) -> Self {
        CoverageDto {
            org_code: r.org_code,
            org_name: r.org_name,
            month: r.month.to_string(),
            by: r.by.code().to_string(),
            rows: r.rows.into_iter().map(Into::into).collect(),
            total: r.total.into(),
        }
    }
}

/// One month of the coverage chart.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthCoverageDto {
    /// YYYY-MM.
    pub month: String,
    pub due: i64,
    pub on_time: i64,
    pub late: i64,
    pub missed: i64,
    pub pending: i64,
    pub coverage: Option<f64>,
}

impl From<MonthCoverage> for MonthCoverageDto {
    fn from(m: MonthCoverage) -> Self {
        MonthCoverageDto {
            month: m.month.to_string(),
            due: m.due,
            on_time: m.on_time,
            late: m.late,
            missed: m.missed,
            pending: m.pending,
            coverage: m.coverage,
        }
    }
}

/// Postpartum visit completion: the postpartum contacts (not reminders)
/// whose window ends in the month, per rule and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostpartumDto {
    pub org_code: String,
    pub org_name: String,
    /// YYYY-MM.
    pub month: String,
    /// `key` is the rule code, `name` its Chinese label.
    pub rules: Vec<CoverageRowDto>,
    pub total: CoverageRowDto,
}

impl From<PostpartumCompletion> for PostpartumDto {
    fn from(p: PostpartumCompletion) -> Self {
        PostpartumDto {
            org_code: p.org_code,
            org_name: p.org_name,
            month: p.month.to_string(),
            rules: p.rules.into_iter().map(Into::into).collect(),
            total: p.total.into(),
        }
    }
}

/// A month's coverage query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// An org code of your area (default: your own).
    pub org: Option<String>,
    /// YYYY-MM (default: this month).
    #[param(example = "2026-05")]
    pub month: Option<String>,
    /// `village` (default), `zone` or `worker`.
    pub by: Option<String>,
}

/// The chart's query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthsQuery {
    /// An org code of your area (default: your own).
    pub org: Option<String>,
    /// YYYY-MM (default: eleven months before `to`).
    pub from: Option<String>,
    /// YYYY-MM (default: this month); at most 60 months in all.
    pub to: Option<String>,
}

/// Postpartum completion's query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostpartumQuery {
    /// An org code of your area (default: your own).
    pub org: Option<String>,
    /// YYYY-MM (default: this month).
    pub month: Option<String>,
}
