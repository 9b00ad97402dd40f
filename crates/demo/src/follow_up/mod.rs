//! The demo's follow-up service (随访), drawn from the seed village by
//! village after its population and history: the village split into zones
//! (片区) by household number, each with its worker account, every woman
//! who needs a worker assigned to her household's zone, and months of
//! visits with realistic completion (each village on time 85–95 %, one or
//! two worse zones 70–80 %; mostly home visits, phone common in pregnancy,
//! some at the clinic; postpartum home visits; a few late), the due
//! contacts each visit covered (computed with the core schedule rules),
//! needs raised, and a few contraceptive procedures with their follow-ups.
//! It reads the batch the population and the history filled; nothing
//! before it reads it.

use crate::accounts::{ZONE_NAMES, worker_display, worker_username, zone_count};
use crate::records::{
    DemoAssignment, DemoNeed, DemoProcedure, DemoVisit, DemoVisitContact, DemoZone, VillageBatch,
};
use crate::seed::{add_days, code_num, days, fmt_date, mix, uuid_v7};
use chrono::{Months, NaiveDate};
use hearth_core::dates::parse_date;
use hearth_core::follow_up::{
    BirthFact, DueContact, Facts, NeedCategory, NeedStatus, PregnancyFact, ProcedureFact,
    ProcedureKind, RuleKind, ScheduleRule, VisitMode, YearMonth, covered_by, due_contacts,
};
use hearth_core::person::Sex;
use std::collections::{HashMap, HashSet};

/// Months of visits the demo holds by default (five years).
pub const FOLLOWUP_MONTHS: u32 = 60;

/// The four default topics, in their display order.
const TOPICS: [&str; 4] = [
    "policy_law",
    "reproductive_health",
    "benefits",
    "child_rearing",
];

const FINDINGS: [&str; 8] = [
    "身体状况良好",
    "已落实避孕措施",
    "孕期情况正常，已按时产检",
    "产妇恢复良好，母乳喂养",
    "新生儿脐带已脱落，黄疸已消退",
    "家中无人，电话联系后补访",
    "宣传计生奖励政策，已了解",
    "提醒按时参加免费孕前优生检查",
];

const NEEDS: [(NeedCategory, &str); 8] = [
    (NeedCategory::Policy, "咨询生育登记办理流程"),
    (NeedCategory::Policy, "咨询独生子女父母奖励办理"),
    (NeedCategory::Health, "希望预约妇科检查"),
    (NeedCategory::Health, "需要上门取环服务"),
    (NeedCategory::Benefit, "申请计生家庭奖励扶助"),
    (NeedCategory::ChildRearing, "咨询婴儿辅食添加"),
    (NeedCategory::Economic, "家庭经济困难，申请帮扶"),
    (NeedCategory::Other, "需协助办理新生儿户口"),
];

const PROCEDURE_PLACES: [&str; 2] = ["镇卫生院计生服务站", "区妇幼保健院"];

/// The default schedule rules, as the migration seeds them.
pub(crate) fn default_rules() -> Vec<ScheduleRule> {
    let all = vec![VisitMode::Home, VisitMode::Phone, VisitMode::Clinic];
    let r = |code: &str,
             kind: RuleKind,
             days: Option<(i64, i64)>,
             modes: Vec<VisitMode>,
             reminder: bool,
             sort: i64| ScheduleRule {
        code: code.to_string(),
        kind,
        label_zh: String::new(),
        label_en: String::new(),
        from_day: days.map(|d| d.0),
        to_day: days.map(|d| d.1),
        modes,
        reminder,
        active: true,
        sort,
        version: 1,
    };
    let home = || vec![VisitMode::Home];
    vec![
        r("routine", RuleKind::Routine, None, all.clone(), false, 10),
        r("pregnant", RuleKind::Pregnant, None, all.clone(), false, 20),
        r(
            "postpartum_d3",
            RuleKind::Postpartum,
            Some((3, 7)),
            home(),
            false,
            30,
        ),
        r(
            "postpartum_d14",
            RuleKind::Postpartum,
            Some((14, 16)),
            home(),
            false,
            31,
        ),
        r(
            "postpartum_d28",
            RuleKind::Postpartum,
            Some((28, 30)),
            home(),
            false,
            32,
        ),
        r(
            "postpartum_d42",
            RuleKind::Postpartum,
            Some((42, 49)),
            all.clone(),
            true,
            33,
        ),
        r(
            "procedure_d7",
            RuleKind::Procedure,
            Some((7, 10)),
            all.clone(),
            false,
            40,
        ),
        r(
            "procedure_m1",
            RuleKind::Procedure,
            Some((30, 37)),
            all.clone(),
            false,
            41,
        ),
        r(
            "procedure_m3",
            RuleKind::Procedure,
            Some((90, 104)),
            all,
            false,
            42,
        ),
    ]
}

/// What the follow-up of one village needs besides its batch.
pub(crate) struct FollowInput<'a> {
    pub seed: u64,
    pub today: NaiveDate,
    pub months: u32,
    pub village_name: &'a str,
}

/// The run-wide state: the rules and a reused random stream.
pub(crate) struct FollowUp {
    rules: Vec<ScheduleRule>,
    rng: fastrand::Rng,
}

/// A planned visit of one woman: date, mode.
type Plan = (NaiveDate, VisitMode);

impl FollowUp {
    /// The follow-up service's state for a run from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        FollowUp {
            rules: default_rules(),
            rng: fastrand::Rng::with_seed(mix(seed ^ 0x464F_4C4C)),
        }
    }

    fn mode(&mut self, pregnant: bool) -> VisitMode {
        let r = self.rng.u32(0..100);
        if pregnant {
            match r {
                0..50 => VisitMode::Home,
                50..88 => VisitMode::Phone,
                _ => VisitMode::Clinic,
            }
        } else {
            match r {
                0..80 => VisitMode::Home,
                80..89 => VisitMode::Phone,
                _ => VisitMode::Clinic,
            }
        }
    }

    fn topics(&mut self, mother: bool) -> String {
        let mut pick = [false; 4];
        let n = 1 + self.rng.usize(0..3);
        for _ in 0..n {
            pick[self.rng.usize(0..4)] = true;
        }
        if mother && self.rng.u32(0..100) < 70 {
            pick[3] = true;
        }
        TOPICS
            .iter()
            .zip(pick)
            .filter(|(_, p)| *p)
            .map(|(t, _)| *t)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Generates the village's zones, assignments, procedures, visits,
    /// covered contacts and needs into `b` (after its population and
    /// history).
    pub(crate) fn village(
        &mut self,
        counter: &mut u64,
        inp: &FollowInput<'_>,
        b: &mut VillageBatch,
    ) {
        let code = b.village_code.clone();
        self.rng = fastrand::Rng::with_seed(mix(inp.seed ^ mix(code_num(&code) ^ 0x464F_4C4C)));
        let today = inp.today;

        // Zones by household-number ranges.
        let k = zone_count(&code);
        let mut order: Vec<(&str, &str)> = b
            .households
            .iter()
            .map(|h| (h.number.as_str(), h.id.as_str()))
            .collect();
        order.sort_unstable();
        let per = order.len().div_ceil(k).max(1);
        let zone_of_hh: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (*id, (i / per).min(k - 1)))
            .collect();
        let mut zones = Vec::with_capacity(k);
        for (i, name) in ZONE_NAMES.iter().take(k).enumerate() {
            zones.push(DemoZone {
                id: uuid_v7(counter, &mut self.rng),
                village_code: code.clone(),
                name: (*name).to_string(),
                worker_username: Some(worker_username(&code, i + 1)),
                worker_name: worker_display(inp.village_name, name),
            });
        }
        // Completion: the village's rate, one or two worse zones.
        let village_rate = 0.85 + 0.10 * self.rng.f64();
        let mut rates = vec![village_rate; k];
        let worse = if self.rng.u32(0..100) < 40 { 2 } else { 1 };
        for _ in 0..worse {
            let z = self.rng.usize(0..k);
            rates[z] = 0.70 + 0.10 * self.rng.f64();
        }

        // Facts per woman.
        let mut pregs: HashMap<&str, Vec<PregnancyFact>> = HashMap::new();
        let mut open: HashSet<&str> = HashSet::new();
        for p in &b.pregnancies {
            let Ok(lmp) = parse_date(&p.lmp) else {
                continue;
            };
            let outcome_on = p.outcome_on.as_deref().and_then(|d| parse_date(d).ok());
            if p.outcome.is_none() {
                open.insert(p.woman_id.as_str());
            }
            pregs
                .entry(p.woman_id.as_str())
                .or_default()
                .push(PregnancyFact { lmp, outcome_on });
        }
        let mut births: HashMap<&str, Vec<BirthFact>> = HashMap::new();
        for x in &b.births {
            if let Ok(born_on) = parse_date(&x.born_on) {
                births
                    .entry(x.mother_id.as_str())
                    .or_default()
                    .push(BirthFact {
                        id: x.id.clone(),
                        born_on,
                    });
            }
        }
        let born_after = years_before(today, 50);
        let born_by = years_before(today, 15);
        let recent_birth = add_days(today, -60);
        let start = if inp.months == 0 {
            None
        } else {
            YearMonth::of(today)
                .first_day()
                .checked_sub_months(Months::new(inp.months - 1))
        };

        let mut zones_used = zones;
        let mut out_assign = Vec::new();
        let mut procs = Vec::new();
        let mut visits = Vec::new();
        let mut contacts = Vec::new();
        let mut needs = Vec::new();
        for p in &b.persons {
            if p.sex != Sex::Female {
                continue;
            }
            let Ok(birth_date) = parse_date(&p.birth_date) else {
                continue;
            };
            let z = p
                .household_id
                .as_deref()
                .and_then(|h| zone_of_hh.get(h).copied())
                .unwrap_or(0);
            let zone = &zones_used[z];
            let her_births = births.remove(p.id.as_str()).unwrap_or_default();
            let needs_worker = (birth_date > born_after && birth_date <= born_by)
                || open.contains(p.id.as_str())
                || her_births.iter().any(|x| x.born_on >= recent_birth);
            if needs_worker && let Some(w) = &zone.worker_username {
                out_assign.push(DemoAssignment {
                    person_id: p.id.clone(),
                    village_code: code.clone(),
                    zone_id: zone.id.clone(),
                    worker_username: w.clone(),
                });
            }
            let Some(start) = start else {
                continue;
            };
            let mut facts = Facts {
                birth_date,
                pregnancies: pregs.remove(p.id.as_str()).unwrap_or_default(),
                births: her_births,
                procedures: Vec::new(),
                visits: Vec::new(),
            };
            // Procedures: some mothers after a birth, a few others.
            for x in &facts.births {
                if x.born_on >= start && self.rng.u32(0..100) < 10 {
                    let on = add_days(x.born_on, days(&mut self.rng, 42, 100));
                    if on <= today {
                        facts.procedures.push(ProcedureFact {
                            id: uuid_v7(counter, &mut self.rng),
                            done_on: on,
                        });
                    }
                }
            }
            let age_ok =
                birth_date > years_before(today, 45) && birth_date <= years_before(today, 25);
            if age_ok && self.rng.u32(0..1000) < inp.months.min(120) / 6 {
                let span = (today - start).num_days().max(1);
                facts.procedures.push(ProcedureFact {
                    id: uuid_v7(counter, &mut self.rng),
                    done_on: add_days(start, self.rng.i64(0..span)),
                });
            }
            let due = due_contacts(&self.rules, &facts, start, today);
            if due.is_empty() {
                continue;
            }
            let rate = rates[z];
            let mut plans: Vec<Plan> = Vec::new();
            for c in &due {
                if c.reminder {
                    continue;
                }
                self.plan(c, rate, today, &mut plans);
            }
            if plans.is_empty() && facts.procedures.is_empty() {
                continue;
            }
            // One visit a day, a home visit when any was planned.
            plans.sort_by_key(|(d, m)| (*d, *m != VisitMode::Home));
            plans.dedup_by_key(|(d, _)| *d);
            for (i, proc_) in facts.procedures.iter().enumerate() {
                let kind = if i == 0 && facts.births.iter().any(|x| x.born_on < proc_.done_on) {
                    ProcedureKind::IudInsertion
                } else {
                    match self.rng.u32(0..10) {
                        0..4 => ProcedureKind::IudInsertion,
                        4..6 => ProcedureKind::IudRemoval,
                        6..8 => ProcedureKind::Implant,
                        _ => ProcedureKind::TubalLigation,
                    }
                };
                procs.push(DemoProcedure {
                    id: proc_.id.clone(),
                    person_id: p.id.clone(),
                    village_code: code.clone(),
                    kind,
                    done_on: fmt_date(proc_.done_on),
                    place: PROCEDURE_PLACES[self.rng.usize(0..PROCEDURE_PLACES.len())],
                });
            }
            let mother = !facts.births.is_empty();
            let mut covered: HashSet<String> = HashSet::new();
            for (d, mode) in plans {
                let id = uuid_v7(counter, &mut self.rng);
                let cs = due_contacts(&self.rules, &facts, d, d);
                let keys = covered_by(&self.rules, &cs, d, mode);
                let pregnant = cs.iter().any(|c| c.rule_code == "pregnant");
                for c in cs.iter().filter(|c| keys.contains(&c.key)) {
                    if covered.insert(c.key.clone()) {
                        contacts.push(DemoVisitContact {
                            visit_id: id.clone(),
                            person_id: p.id.clone(),
                            contact_key: c.key.clone(),
                            rule_code: c.rule_code.clone(),
                            window_from: fmt_date(c.window_from),
                            window_to: fmt_date(c.window_to),
                        });
                    }
                }
                let topics = self.topics(mother || pregnant);
                let findings = (self.rng.u32(0..100) < 35)
                    .then(|| FINDINGS[self.rng.usize(0..FINDINGS.len())]);
                let next_appointment =
                    (self.rng.u32(0..100) < 15).then(|| fmt_date(add_days(d, 30)));
                if self.rng.u32(0..1000) < 40 {
                    let (category, text) = NEEDS[self.rng.usize(0..NEEDS.len())];
                    let age = (today - d).num_days();
                    let r = self.rng.u32(0..100);
                    let status = if age > 90 {
                        if r < 96 {
                            NeedStatus::Closed
                        } else {
                            NeedStatus::ForWindow
                        }
                    } else {
                        match r {
                            0..45 => NeedStatus::Open,
                            45..65 => NeedStatus::ForWindow,
                            _ => NeedStatus::Closed,
                        }
                    };
                    needs.push(DemoNeed {
                        id: uuid_v7(counter, &mut self.rng),
                        visit_id: id.clone(),
                        person_id: p.id.clone(),
                        village_code: code.clone(),
                        category,
                        text,
                        status,
                        created_on: fmt_date(d),
                    });
                }
                visits.push(DemoVisit {
                    id,
                    person_id: p.id.clone(),
                    village_code: code.clone(),
                    zone_id: zone.id.clone(),
                    worker_username: zone.worker_username.clone(),
                    worker_name: zone.worker_name.clone(),
                    visited_on: fmt_date(d),
                    mode,
                    topics,
                    findings,
                    next_appointment,
                });
            }
        }
        b.zones.append(&mut zones_used);
        b.assignments = out_assign;
        b.procedures = procs;
        b.visits = visits;
        b.visit_contacts = contacts;
        b.needs = needs;
    }

    /// Plans the visit (if any) for one due contact: on time with the
    /// zone's rate (monthly) or the rule's (postpartum, procedure), a few
    /// late just after the window, the rest missed; nothing after `today`.
    fn plan(&mut self, c: &DueContact, rate: f64, today: NaiveDate, plans: &mut Vec<Plan>) {
        let (p_on, p_late, pregnant) = match c.rule_code.as_str() {
            "routine" => (rate, 0.3, false),
            "pregnant" => (rate, 0.3, true),
            "postpartum_d3" => (0.93, 0.4, false),
            "postpartum_d14" => (0.88, 0.3, false),
            "postpartum_d28" => (0.85, 0.3, false),
            _ => (0.9, 0.4, false),
        };
        let home_only = c.rule_code.starts_with("postpartum");
        let u = self.rng.f64();
        let len = (c.window_to - c.window_from).num_days();
        let d = if u < p_on {
            add_days(c.window_from, days(&mut self.rng, 0, len))
        } else if u < p_on + (1.0 - p_on) * p_late {
            add_days(c.window_to, days(&mut self.rng, 1, 3.min(len + 1)))
        } else {
            return;
        };
        if d > today {
            return;
        }
        let mode = if home_only {
            VisitMode::Home
        } else {
            self.mode(pregnant)
        };
        plans.push((d, mode));
    }
}

/// The same calendar day `years` years earlier (29 February → 28 February),
/// as the store counts ages.
fn years_before(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(years * 12)).unwrap_or(d)
}
