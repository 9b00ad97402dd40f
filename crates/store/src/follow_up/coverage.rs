//! Coverage (随访覆盖率) by village, zone or worker and month, and by
//! month for the chart: the monthly contacts due, done on time, late,
//! missed or pending, counted in set-based SQL.

use super::schedule::load_rules;
use super::shared::{mode_in, years_before};
use crate::Db;
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use chrono::{Duration, NaiveDate};
use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{RuleKind, ScheduleRule, YearMonth};
use hearth_core::org::OrgLevel;
use hearth_core::scope::{Permission, Scope};
use hearth_core::{FieldError, Reason};
use serde::Serialize;
use std::collections::HashMap;

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

/// on_time / due; `None` when nothing was due.
pub(super) fn ratio(on_time: i64, due: i64) -> Option<f64> {
    (due > 0).then(|| on_time as f64 / due as f64)
}

/// Counts of one group: due, on time, late.
#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    pub(super) due: i64,
    pub(super) on_time: i64,
    pub(super) late: i64,
}

impl Counts {
    pub(super) fn add(&mut self, o: Counts) {
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
    let mut add = |rows: Vec<Row>, due_col: Option<usize>| -> Result<(), StoreError> {
        for r in rows {
            let e = out.entry(r.text(0)?).or_default();
            match due_col {
                // key, due
                None => e.due += r.int(1)?,
                // key, on time, visited (on time or late)[, due]
                Some(i) => {
                    e.on_time += r.int(1)?;
                    e.late += r.int(2)? - r.int(1)?;
                    if i > 0 {
                        e.due += r.int(i)?;
                    }
                }
            }
        }
        Ok(())
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
        )?;
        add(
            tx.query(
                &format!(
                    "SELECT {key}, CAST(COALESCE(SUM(CASE WHEN p.id IN ({}) THEN 1 ELSE 0 END), 0) AS BIGINT),
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
        )?;
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
                    "SELECT {key}, CAST(COALESCE(SUM(CASE WHEN p.id IN ({}) THEN 1 ELSE 0 END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN p.id IN ({}) THEN 1 ELSE 0 END), 0) AS BIGINT),
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
        )?;
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
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect::<Result<_, StoreError>>()?;
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
