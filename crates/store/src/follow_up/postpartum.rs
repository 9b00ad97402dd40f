//! Postpartum visit completion: for a month, the postpartum contacts (not
//! reminders) whose window ends in it, done on time, late, missed or
//! pending, per rule and in total.

use super::coverage::{Counts, CoverageRow, ratio};
use super::schedule::load_rules;
use super::shared::{date, visit_fact};
use crate::Db;
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use chrono::{Duration, NaiveDate};
use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{
    BirthFact, ContactStatus, DueContact, RuleKind, ScheduleRule, VisitFact, YearMonth,
    scheduled_births, status_on,
};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;
use std::collections::HashMap;

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
                visits
                    .entry(r.text(0)?)
                    .or_default()
                    .push(visit_fact(&r, 1)?);
            }
            let mut by_mother: HashMap<String, Vec<BirthFact>> = HashMap::new();
            for b in &births {
                by_mother.entry(b.text(0)?).or_default().push(BirthFact {
                    id: b.text(1)?,
                    born_on: date(b, 2)?,
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
