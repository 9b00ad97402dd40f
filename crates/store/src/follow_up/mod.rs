//! The follow-up service (随访) in the store: zones and their responsible
//! workers, each woman's one responsible worker, the schedule rules and
//! visit topics, contraceptive procedures, visits with the due contacts
//! they covered and the needs raised, the workers' work lists and the
//! coverage indicators. Every function takes the caller's [`Scope`]; rows
//! outside it answer `NotFound`; every view of a named list or record and
//! every change is audited in the same transaction.
//!
//! One check per request: each function checks the role, the scope, a
//! follow-up worker's own women and a client id's retry itself, once,
//! inside its transaction, so a caller never asks first. A create that
//! takes a client id (`scoped::claim_id`) answers `(record, retried)`.
//!
//! - `zones`: zones of a village and who may be a zone's worker.
//! - `assignment`: each woman's zone and worker, the unassigned women.
//! - `schedule`: the rules and topics (data) and one woman's schedule.
//! - `procedures`: contraceptive procedures.
//! - `visits`: recording, reading and listing visits.
//! - `visit_form`: what the visit form shows, and saving it in one call.
//! - `needs`: needs raised at visits and their status.
//! - `work_list`: work lists and the workers with the most overdue.
//! - `coverage`, `postpartum`: the indicators.
//! - `shared`: the woman a write is about, her facts, decoding helpers.
//!
//! [`Scope`]: hearth_core::scope::Scope

mod assignment;
mod coverage;
mod needs;
mod postpartum;
mod procedures;
mod schedule;
mod shared;
mod visit_form;
mod visits;
mod work_list;
mod zones;

pub use assignment::{
    Assignment, AssignmentForm, NeedsWorker, Unassigned, VillageZones, assign,
    assign_all_unassigned, assignment_form, assignment_of, unassigned, village_zones,
};
pub use coverage::{
    CoverageBy, CoverageReport, CoverageRow, MonthCoverage, coverage, coverage_by_month,
};
pub use needs::{Need, NeedFilter, list_needs, set_need_status};
pub use postpartum::{PostpartumCompletion, postpartum_completion};
pub use procedures::{Procedure, list_procedures, record_procedure};
pub use schedule::{ScheduledContact, Topic, list_rules, list_topics, schedule, update_rule};
pub use visit_form::{CoverState, FormContact, VisitForm, VisitSave, save_visit, visit_form};
pub use visits::{
    CoveredContact, Visit, VisitFilter, VisitRow, get_visit, list_visits, record_visit,
};
pub use work_list::{
    WORK_SECTION_MAX, WorkItem, WorkList, WorkSection, WorkerLoad, work_list, worst_workers,
};
pub use zones::{WorkerOption, Zone, create_zone, get_zone, list_zones, update_zone, workers_for};
