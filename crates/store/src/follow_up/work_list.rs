//! Work lists: a worker's (or an area's) assigned women with their recent
//! facts, read in a few set-based queries, the schedule computed in Rust
//! and sorted into today, this week and overdue, with their open needs;
//! and the workers with the most overdue contacts.

use super::needs::{Need, need_from};
use super::schedule::{label_of, load_rules, max_to_day};
use super::shared::{date, opt_date, visit_fact, worker_arg};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{Backend, P, Tx};
use crate::error::StoreError;
use crate::scoped::{describe, require, subtree};
use chrono::{Duration, NaiveDate};
use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{
    BirthFact, ContactStatus, DueContact, Facts, NeedStatus, OVERDUE_LIST_DAYS, PregnancyFact,
    ProcedureFact, RuleKind, ScheduleRule, YearMonth, due_contacts, status_on,
};
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use serde::Serialize;
use std::collections::HashMap;

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
        index.insert(r.text(0)?, women.len());
        women.push(Listed {
            id: r.text(0)?,
            name: r.text(1)?,
            village_code: r.text(3)?,
            household_id: r.opt_text(4)?,
            household_number: r.opt_text(5)?,
            zone_id: r.text(6)?,
            zone_name: String::new(),
            worker_id: r.text(7)?,
            worker_name: String::new(),
            facts: Facts {
                birth_date: date(r, 2)?,
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
        zones.insert(r.text(0)?, r.text(1)?);
        if let Some(u) = r.opt_text(2)? {
            workers.insert(u, r.text(3)?);
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
                .map(|r| r.text(0))
                .transpose()?
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
        if let Some(&i) = index.get(&r.text(0)?) {
            women[i].facts.pregnancies.push(PregnancyFact {
                lmp: date(&r, 1)?,
                outcome_on: opt_date(&r, 2)?,
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
        if let Some(&i) = index.get(&r.text(0)?) {
            women[i].facts.births.push(BirthFact {
                id: r.text(1)?,
                born_on: date(&r, 2)?,
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
        if let Some(&i) = index.get(&r.text(0)?) {
            women[i].facts.procedures.push(ProcedureFact {
                id: r.text(1)?,
                done_on: date(&r, 2)?,
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
        if let Some(&i) = index.get(&r.text(0)?) {
            women[i].facts.visits.push(visit_fact(&r, 1)?);
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
            let mut needs = Vec::new();
            for r in tx.query(
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
            )? {
                let mut n: Need = need_from(&r)?;
                if let Some(w) = index.get(n.person_id.as_str()) {
                    n.person_name = w.name.clone();
                    needs.push(n);
                }
            }
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
