//! What the generator produces for one village, [`VillageBatch`], and the
//! records of the history and the follow-up service it carries (the
//! register's own rows are core types). Data only: the parts that fill a
//! batch (`population`, `history`, `follow_up`) and the loader that writes
//! it all read these, and these depend on none of them.

use hearth_core::follow_up::{NeedCategory, NeedStatus, ProcedureKind, VisitMode};
use hearth_core::household::Household;
use hearth_core::person::{Person, Sex};
use hearth_core::pregnancy::{BirthPlace, DeathCause, Outcome, PregnancySource, TerminationReason};
use hearth_core::registration::{BirthRegistration, Couple};

/// One village's worth of generated records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VillageBatch {
    pub village_code: String,
    pub households: Vec<Household>,
    pub persons: Vec<Person>,
    pub couples: Vec<Couple>,
    pub registrations: Vec<BirthRegistration>,
    /// The village's five years of history: pregnancies (each woman's
    /// apart, at most one open), their antenatal checks, births of the
    /// children in their mothers' households, and infant deaths.
    pub pregnancies: Vec<DemoPregnancy>,
    pub checks: Vec<DemoCheck>,
    pub births: Vec<DemoBirth>,
    pub infant_deaths: Vec<DemoDeath>,
    /// The village's follow-up service (`follow_up`): zones and their
    /// workers, each woman's assignment, contraceptive procedures, visits,
    /// the contacts they covered, and needs raised.
    pub zones: Vec<DemoZone>,
    pub assignments: Vec<DemoAssignment>,
    pub procedures: Vec<DemoProcedure>,
    pub visits: Vec<DemoVisit>,
    pub visit_contacts: Vec<DemoVisitContact>,
    pub needs: Vec<DemoNeed>,
}

/// A pregnancy as the demo writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPregnancy {
    pub id: String,
    pub woman_id: String,
    pub village_code: String,
    pub lmp: String,
    pub reported_on: String,
    pub source: PregnancySource,
    pub edd: String,
    pub timely: bool,
    pub registration_id: Option<String>,
    /// The reporting village specialist (a demo user name where the
    /// village has a demo account, else the post's name).
    pub reported_by_name: String,
    pub outcome: Option<Outcome>,
    pub outcome_on: Option<String>,
    pub termination_record: Option<String>,
    pub termination_reason: Option<TerminationReason>,
    pub outcome_note: Option<&'static str>,
}

/// An antenatal check of a demo pregnancy.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCheck {
    pub id: String,
    pub pregnancy_id: String,
    pub village_code: String,
    pub checked_on: String,
    pub gest_week: i64,
    pub place: String,
    pub note: Option<&'static str>,
}

/// One recorded verification step.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVerify {
    /// A demo user name (or the post's name where there is no account).
    pub by_name: String,
    pub on: String,
    pub checks: &'static str,
}

/// A child born alive, linked to the child's person record.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoBirth {
    pub id: String,
    pub pregnancy_id: String,
    pub mother_id: String,
    pub child_id: String,
    pub village_code: String,
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
    pub village_verify: Option<DemoVerify>,
    pub town_verify: Option<DemoVerify>,
}

impl DemoBirth {
    /// Both steps recorded.
    pub fn verified(&self) -> bool {
        self.village_verify.is_some() && self.town_verify.is_some()
    }
}

/// An infant death of a demo birth.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoDeath {
    pub id: String,
    pub child_id: String,
    pub birth_id: String,
    pub village_code: String,
    pub died_on: String,
    pub age_days: i64,
    pub cause: DeathCause,
    pub reported_by_name: String,
    pub village_verify: Option<DemoVerify>,
    pub town_verify: Option<DemoVerify>,
}

/// A zone of a village and its worker (by user name; `None` when the demo
/// has no account for it).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoZone {
    pub id: String,
    pub village_code: String,
    pub name: String,
    pub worker_username: Option<String>,
    pub worker_name: String,
}

/// One woman's responsible zone and worker.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAssignment {
    pub person_id: String,
    pub village_code: String,
    pub zone_id: String,
    pub worker_username: String,
}

/// A contraceptive procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoProcedure {
    pub id: String,
    pub person_id: String,
    pub village_code: String,
    pub kind: ProcedureKind,
    pub done_on: String,
    pub place: &'static str,
}

/// A visit as the demo writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVisit {
    pub id: String,
    pub person_id: String,
    pub village_code: String,
    pub zone_id: String,
    pub worker_username: Option<String>,
    pub worker_name: String,
    pub visited_on: String,
    pub mode: VisitMode,
    pub topics: String,
    pub findings: Option<&'static str>,
    pub next_appointment: Option<String>,
}

/// A due contact a visit covered.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVisitContact {
    pub visit_id: String,
    pub person_id: String,
    pub contact_key: String,
    pub rule_code: String,
    pub window_from: String,
    pub window_to: String,
}

/// A need raised at a visit.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoNeed {
    pub id: String,
    pub visit_id: String,
    pub person_id: String,
    pub village_code: String,
    pub category: NeedCategory,
    pub text: &'static str,
    pub status: NeedStatus,
    pub created_on: String,
}
