//! Aggregate statistics over pregnancies and births: sex ratio at birth by
//! org unit, year and birth order; report timeliness and the reporting-
//! incentive ledger; the monthly reconciliation of birth registrations with
//! births; the annual review list; the monthly births and pregnancies
//! report. Aggregates need `ReadStatistics`; lists naming people need
//! `ReadRegister` and are audited.
//!
//! Every report is for one org unit inside the caller's scope and lists
//! every village of its subtree (villages with nothing to count show
//! zeros), by code, with the org unit's own total. Each figure comes from
//! one grouped query over the indexed `(village_code, date)` range of the
//! subtree; the rows are folded into villages here.

use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use chrono::{Months, NaiveDate};
use hearth_core::dates::fmt_date;
use hearth_core::pregnancy::OVERDUE_DAYS;
use hearth_core::scope::{Permission, Scope};
use hearth_core::srb::SexRatio;
use hearth_core::{FieldError, Reason};
use serde::Serialize;
use std::collections::HashMap;

// ---- shared: permission, the org unit, its villages, periods ---------------

fn check_period(period: Period) -> Result<(String, String), StoreError> {
    if period.to < period.from {
        return Err(StoreError::field(
            "to",
            Reason::NotBefore {
                zh: "开始日期",
                en: "start date",
            },
        ));
    }
    Ok((fmt_date(period.from), fmt_date(period.to)))
}

/// The first and last day of a month, refusing a month outside 1–12 or a
/// year outside 1900–2100.
fn month_bounds(year: i32, month: u32) -> Result<(NaiveDate, NaiveDate), StoreError> {
    let mut errs = Vec::new();
    if !(1900..=2100).contains(&year) {
        errs.push(FieldError::new(
            "year",
            Reason::OutOfRange {
                min: 1900,
                max: 2100,
            },
        ));
    }
    if !(1..=12).contains(&month) {
        errs.push(FieldError::new(
            "month",
            Reason::OutOfRange { min: 1, max: 12 },
        ));
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let last = first
        .and_then(|f| f.checked_add_months(Months::new(1)))
        .and_then(|n| n.pred_opt());
    match (first, last) {
        (Some(f), Some(l)) if errs.is_empty() => Ok((f, l)),
        _ => Err(StoreError::Invalid(errs)),
    }
}

/// Counts per village code from a grouped query's rows: column 0 is the
/// village code, the next `N` columns the counts.
fn by_village<const N: usize>(rows: &[crate::db::Row]) -> HashMap<String, [i64; N]> {
    let mut out: HashMap<String, [i64; N]> = HashMap::new();
    for r in rows {
        let e = out.entry(r.str(0)).or_insert([0; N]);
        for (i, v) in e.iter_mut().enumerate() {
            *v += r.i64(i + 1);
        }
    }
    out
}

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
    require(scope, Permission::ReadStatistics)?;
    let (from, to) = check_period(period)?;
    db.read(|tx| {
        let org = subtree(tx, scope, org_code)?;
        // One row per village, sex and birth-order bucket; `verified >= 0`
        // counts every birth, `verified >= 1` the verified ones only.
        let rows = tx.query(
            SRB_BY_VILLAGE_SQL,
            &[
                P::T(&org.lo),
                P::T(&org.hi),
                P::T(&from),
                P::T(&to),
                P::I(i64::from(!include_unverified)),
            ],
        )?;
        let mut acc: HashMap<String, SrbCounts> = HashMap::new();
        let mut total = SrbCounts::default();
        for r in &rows {
            let (sex, order, births, unverified) = (r.i64(1), r.i64(2), r.i64(3), r.i64(4));
            for c in [acc.entry(r.str(0)).or_default(), &mut total] {
                c.add(sex, order, births, unverified);
            }
        }
        let villages = org
            .villages
            .iter()
            .map(|(code, name)| acc.get(code).copied().unwrap_or_default().row(code, name))
            .collect();
        Ok(SrbReport {
            period,
            include_unverified,
            total: total.row(&org.code, &org.name),
            villages,
        })
    })
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
    require(scope, Permission::ReadStatistics)?;
    if !(1900..=2100).contains(&from_year) {
        return Err(StoreError::field(
            "from_year",
            Reason::OutOfRange {
                min: 1900,
                max: 2100,
            },
        ));
    }
    if !(from_year..=2100).contains(&to_year) {
        return Err(StoreError::field(
            "to_year",
            Reason::OutOfRange {
                min: i64::from(from_year),
                max: 2100,
            },
        ));
    }
    let from = format!("{from_year:04}-01-01");
    let to = format!("{to_year:04}-12-31");
    db.read(|tx| {
        let org = subtree(tx, scope, org_code)?;
        let rows = tx.query(
            "SELECT substr(born_on, 1, 4) AS y, sex, COUNT(*) AS births
             FROM birth
             WHERE village_code >= $1 AND village_code < $2
               AND born_on >= $3 AND born_on <= $4 AND verified >= $5
             GROUP BY y, sex",
            &[
                P::T(&org.lo),
                P::T(&org.hi),
                P::T(&from),
                P::T(&to),
                P::I(i64::from(!include_unverified)),
            ],
        )?;
        let mut counts: HashMap<i32, (i64, i64)> = HashMap::new();
        for r in &rows {
            let Ok(year) = r.str(0).parse::<i32>() else {
                continue;
            };
            let e = counts.entry(year).or_default();
            match r.i64(1) {
                1 => e.0 += r.i64(2),
                2 => e.1 += r.i64(2),
                _ => {}
            }
        }
        Ok((from_year..=to_year)
            .map(|y| {
                let (m, f) = counts.get(&y).copied().unwrap_or_default();
                (y, SexRatio::of(m, f))
            })
            .collect())
    })
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
    require(scope, Permission::ReadStatistics)?;
    let (from, to) = check_period(period)?;
    db.read(|tx| {
        let org = subtree(tx, scope, org_code)?;
        let rows = tx.query(
            TIMELINESS_SQL,
            &[P::T(&org.lo), P::T(&org.hi), P::T(&from), P::T(&to)],
        )?;
        let counts = by_village::<2>(&rows);
        let row = |code: &str, name: &str, [reported, timely]: [i64; 2]| TimelinessRow {
            org_code: code.to_string(),
            org_name: name.to_string(),
            reported,
            timely,
            rate: (reported > 0).then(|| timely as f64 / reported as f64),
        };
        let mut total = [0i64; 2];
        for c in counts.values() {
            total[0] += c[0];
            total[1] += c[1];
        }
        let villages = org
            .villages
            .iter()
            .map(|(code, name)| row(code, name, counts.get(code).copied().unwrap_or_default()))
            .collect();
        Ok(TimelinessReport {
            period,
            total: row(&org.code, &org.name, total),
            villages,
        })
    })
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
    require(scope, Permission::ReadStatistics)?;
    let (from, to) = check_period(period)?;
    db.read(|tx| {
        let org = subtree(tx, scope, org_code)?;
        let amounts = crate::settings::incentives_in(tx)?;
        let rows = tx.query(
            "SELECT village_code, reported_by_name,
                    COUNT(*) FILTER (WHERE timely = 1) AS timely,
                    COUNT(*) FILTER (WHERE timely = 0) AS late
             FROM pregnancy
             WHERE village_code >= $1 AND village_code < $2
               AND reported_on >= $3 AND reported_on <= $4
             GROUP BY village_code, reported_by_name",
            &[P::T(&org.lo), P::T(&org.hi), P::T(&from), P::T(&to)],
        )?;
        let mut out: Vec<LedgerRow> = rows
            .iter()
            .map(|r| {
                let (timely, late) = (r.i64(2), r.i64(3));
                let reward_yuan = timely * amounts.reward_per_timely;
                let deduction_yuan = late * amounts.deduction_per_late;
                let village_code = r.str(0);
                LedgerRow {
                    village_name: org.name_of(&village_code),
                    village_code,
                    reporter_name: r.str(1),
                    timely,
                    late,
                    reward_yuan,
                    deduction_yuan,
                    net_yuan: reward_yuan - deduction_yuan,
                }
            })
            .collect();
        // Sorted here, by code point, so both backends agree whatever the
        // database's collation.
        out.sort_by(|a, b| {
            (&a.village_code, &a.reporter_name).cmp(&(&b.village_code, &b.reporter_name))
        });
        Ok(Ledger {
            period,
            reward_per_timely: amounts.reward_per_timely,
            deduction_per_late: amounts.deduction_per_late,
            total_net_yuan: out.iter().map(|r| r.net_yuan).sum(),
            rows: out,
        })
    })
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
    require(scope, Permission::ReadStatistics)?;
    let (first, last) = month_bounds(year, month)?;
    let named = scope.can(Permission::ReadRegister);
    let (first_s, last_s) = (fmt_date(first), fmt_date(last));
    // Issued more than 12 months before the month's last day.
    let stale_before = fmt_date(last.checked_sub_months(Months::new(12)).unwrap_or(last));
    let run = |tx: &mut Tx<'_>| -> Result<Reconciliation, StoreError> {
        let org = subtree(tx, scope, org_code)?;
        let range = [P::T(&org.lo), P::T(&org.hi), P::T(&first_s), P::T(&last_s)];
        let issued = by_village::<1>(&tx.query(RECON_ISSUED_SQL, &range)?);
        let births = by_village::<3>(&tx.query(RECON_BIRTHS_SQL, &range)?);
        let used = by_village::<1>(&tx.query(RECON_USED_SQL, &range)?);
        let stale_rows = tx.query(
            RECON_STALE_SQL,
            &[P::T(&org.lo), P::T(&org.hi), P::T(&stale_before)],
        )?;
        let mut stale_count: HashMap<String, i64> = HashMap::new();
        for r in &stale_rows {
            *stale_count.entry(r.str(2)).or_default() += 1;
        }
        let row = |code: &str, name: &str| ReconRow {
            village_code: code.to_string(),
            village_name: name.to_string(),
            issued: 0,
            births: 0,
            births_registered: 0,
            births_unregistered: 0,
            used: 0,
            stale: 0,
        };
        let mut total = row(&org.code, &org.name);
        let mut villages = Vec::with_capacity(org.villages.len());
        for (code, name) in &org.villages {
            let mut v = row(code, name);
            v.issued = issued.get(code).map_or(0, |c| c[0]);
            let [b, reg, unreg] = births.get(code).copied().unwrap_or_default();
            (v.births, v.births_registered, v.births_unregistered) = (b, reg, unreg);
            v.used = used.get(code).map_or(0, |c| c[0]);
            v.stale = stale_count.get(code).copied().unwrap_or(0);
            villages.push(v);
        }
        // The total counts every row of the subtree (a row filed under a
        // unit that is not a village still counts there).
        total.issued = issued.values().map(|c| c[0]).sum();
        total.births = births.values().map(|c| c[0]).sum();
        total.births_registered = births.values().map(|c| c[1]).sum();
        total.births_unregistered = births.values().map(|c| c[2]).sum();
        total.used = used.values().map(|c| c[0]).sum();
        total.stale = stale_rows.len() as i64;
        let mut stale: Vec<StaleRegistration> = if named {
            stale_rows
                .iter()
                .map(|r| {
                    let village_code = r.str(2);
                    StaleRegistration {
                        registration_id: r.str(0),
                        number: r.str(1),
                        village_name: org.name_of(&village_code),
                        village_code,
                        wife_id: r.str(3),
                        wife_name: r.str(4),
                        issued_on: r.str(5),
                        child_order: r.i64(6),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        stale.sort_by(|a, b| {
            (&a.village_code, &a.issued_on, &a.number).cmp(&(
                &b.village_code,
                &b.issued_on,
                &b.number,
            ))
        });
        if named {
            audit::record(
                tx,
                scope,
                Action::View,
                "reconciliation",
                Some(&org.code),
                Some(&format!("{year:04}-{month:02} stale={}", stale.len())),
            )?;
        }
        Ok(Reconciliation {
            year,
            month,
            total,
            villages,
            stale,
        })
    };
    // The named list is a view to audit, so it needs a write transaction.
    if named { db.write(run) } else { db.read(run) }
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
    require(scope, Permission::ReadStatistics)?;
    if !(1900..=2100).contains(&year) {
        return Err(StoreError::field(
            "year",
            Reason::OutOfRange {
                min: 1900,
                max: 2100,
            },
        ));
    }
    let first = format!("{year:04}-01-01");
    let last = format!("{year:04}-12-31");
    let named = scope.can(Permission::ReadRegister);
    let run = |tx: &mut Tx<'_>| -> Result<Vec<ReviewRow>, StoreError> {
        let org = subtree(tx, scope, org_code)?;
        if !named {
            return Ok(Vec::new());
        }
        // A review moves `review_due` a year on (`next_review`), so the
        // registrations due this year are those still due in it (current
        // ones) and those already reviewed in it.
        let rows = tx.query(
            "SELECT r.id, r.number, r.village_code, p.name, r.status, r.review_due,
                    r.last_reviewed_on
             FROM birth_registration r
             JOIN couple c ON c.id = r.couple_id
             LEFT JOIN person p ON p.id = c.wife_id
             WHERE r.village_code >= $1 AND r.village_code < $2
               AND ((r.status = 'current' AND r.review_due >= $3 AND r.review_due <= $4)
                    OR (r.last_reviewed_on >= $3 AND r.last_reviewed_on <= $4))",
            &[P::T(&org.lo), P::T(&org.hi), P::T(&first), P::T(&last)],
        )?;
        let mut out: Vec<ReviewRow> = rows
            .iter()
            .map(|r| {
                let village_code = r.str(2);
                let last_reviewed_on = r.opt_str(6);
                let done = last_reviewed_on
                    .as_deref()
                    .is_some_and(|d| d >= first.as_str() && d <= last.as_str());
                ReviewRow {
                    registration_id: r.str(0),
                    number: r.str(1),
                    village_name: org.name_of(&village_code),
                    village_code,
                    wife_name: r.str(3),
                    status: r.str(4),
                    review_due: r.str(5),
                    last_reviewed_on,
                    reviewed: done,
                }
            })
            .filter(|r| reviewed.is_none_or(|want| r.reviewed == want))
            .collect();
        out.sort_by(|a, b| {
            (&a.village_code, &a.review_due, &a.number).cmp(&(
                &b.village_code,
                &b.review_due,
                &b.number,
            ))
        });
        let filter = match reviewed {
            None => "all",
            Some(true) => "reviewed",
            Some(false) => "not_reviewed",
        };
        audit::record(
            tx,
            scope,
            Action::View,
            "annual_review",
            Some(&org.code),
            Some(&format!("{year:04} {filter} rows={}", out.len())),
        )?;
        Ok(out)
    };
    if named { db.write(run) } else { db.read(run) }
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
    require(scope, Permission::ReadStatistics)?;
    let (first, last) = month_bounds(year, month)?;
    let (first_s, last_s) = (fmt_date(first), fmt_date(last));
    // Open at the month's end with the LMP 44 weeks or more before it.
    let overdue_lmp = fmt_date(last - chrono::Duration::days(OVERDUE_DAYS));
    db.read(|tx| {
        let org = subtree(tx, scope, org_code)?;
        let range = [P::T(&org.lo), P::T(&org.hi), P::T(&first_s), P::T(&last_s)];
        let preg = by_village::<8>(&tx.query(
            MONTHLY_PREGNANCY_SQL,
            &[
                P::T(&org.lo),
                P::T(&org.hi),
                P::T(&first_s),
                P::T(&last_s),
                P::T(&overdue_lmp),
            ],
        )?);
        let births = by_village::<4>(&tx.query(MONTHLY_BIRTHS_SQL, &range)?);
        let twins = by_village::<1>(&tx.query(MONTHLY_TWINS_SQL, &range)?);
        let deaths = by_village::<1>(&tx.query(MONTHLY_DEATHS_SQL, &range)?);
        let row = |code: &str, name: &str, p: [i64; 8], b: [i64; 4], t: i64, d: i64| MonthlyRow {
            org_code: code.to_string(),
            org_name: name.to_string(),
            pregnancies_reported: p[0],
            reported_timely: p[1],
            open_at_end: p[2],
            overdue_at_end: p[3],
            stillbirths: p[4],
            miscarriages: p[5],
            terminations: p[6],
            moved_out_or_lost: p[7],
            live_births: b[0],
            live_births_verified: b[1],
            males: b[2],
            females: b[3],
            twins_deliveries: t,
            infant_deaths: d,
        };
        fn sum<const N: usize>(m: &HashMap<String, [i64; N]>) -> [i64; N] {
            let mut out = [0; N];
            for v in m.values() {
                for (o, x) in out.iter_mut().zip(v) {
                    *o += x;
                }
            }
            out
        }
        let villages = org
            .villages
            .iter()
            .map(|(code, name)| {
                row(
                    code,
                    name,
                    preg.get(code).copied().unwrap_or_default(),
                    births.get(code).copied().unwrap_or_default(),
                    twins.get(code).map_or(0, |c| c[0]),
                    deaths.get(code).map_or(0, |c| c[0]),
                )
            })
            .collect();
        let total = row(
            &org.code,
            &org.name,
            sum(&preg),
            sum(&births),
            sum(&twins)[0],
            sum(&deaths)[0],
        );
        Ok(MonthlyReport {
            year,
            month,
            total,
            villages,
        })
    })
}

// ---- the counting SQL ---------------------------------------------------------
// Each query reads the subtree's village range `[$1, $2)` and a date range
// through the `(village_code, date)` index of its table.

/// Births by village, sex and birth-order bucket (0: first, 1: second,
/// 2: third or later); `$5` is 1 to count verified births only, 0 for all.
const SRB_BY_VILLAGE_SQL: &str = "SELECT village_code, sex,
        CASE WHEN birth_order >= 3 THEN 2 WHEN birth_order = 2 THEN 1 ELSE 0 END AS ord,
        COUNT(*) FILTER (WHERE verified >= $5) AS births,
        COUNT(*) FILTER (WHERE verified = 0) AS unverified
    FROM birth
    WHERE village_code >= $1 AND village_code < $2 AND born_on >= $3 AND born_on <= $4
    GROUP BY village_code, sex, ord";

/// Pregnancies reported in the period and the timely ones, by village.
const TIMELINESS_SQL: &str = "SELECT village_code, COUNT(*) AS reported,
        COUNT(*) FILTER (WHERE timely = 1) AS timely
    FROM pregnancy
    WHERE village_code >= $1 AND village_code < $2
      AND reported_on >= $3 AND reported_on <= $4
    GROUP BY village_code";

/// Registrations issued in the month, by village.
const RECON_ISSUED_SQL: &str = "SELECT village_code, COUNT(*) FROM birth_registration
    WHERE village_code >= $1 AND village_code < $2 AND issued_on >= $3 AND issued_on <= $4
    GROUP BY village_code";

/// Live births in the month, with and without a registration, by village.
const RECON_BIRTHS_SQL: &str = "SELECT village_code, COUNT(*),
        COUNT(*) FILTER (WHERE registration_id IS NOT NULL),
        COUNT(*) FILTER (WHERE registration_id IS NULL)
    FROM birth
    WHERE village_code >= $1 AND village_code < $2 AND born_on >= $3 AND born_on <= $4
    GROUP BY village_code";

/// Registrations marked used by a birth in the month (twins use one), by the
/// registration's village.
const RECON_USED_SQL: &str = "SELECT r.village_code, COUNT(DISTINCT r.id)
    FROM birth b
    JOIN birth_registration r ON r.id = b.registration_id
    WHERE b.village_code >= $1 AND b.village_code < $2 AND b.born_on >= $3 AND b.born_on <= $4
      AND r.village_code >= $1 AND r.village_code < $2 AND r.status = 'used'
    GROUP BY r.village_code";

/// Current registrations issued before `$3` with no pregnancy of the wife
/// (by LMP or report) and no birth by her since the issue date.
const RECON_STALE_SQL: &str = "SELECT r.id, r.number, r.village_code, c.wife_id, p.name,
        r.issued_on, r.child_order
    FROM birth_registration r
    JOIN couple c ON c.id = r.couple_id
    LEFT JOIN person p ON p.id = c.wife_id
    WHERE r.village_code >= $1 AND r.village_code < $2
      AND r.status = 'current' AND r.issued_on < $3
      AND NOT EXISTS (SELECT 1 FROM pregnancy g WHERE g.woman_id = c.wife_id
                      AND (g.lmp >= r.issued_on OR g.reported_on >= r.issued_on))
      AND NOT EXISTS (SELECT 1 FROM birth b WHERE b.mother_id = c.wife_id
                      AND b.born_on >= r.issued_on)";

/// Per village: reported in the month, timely among them, open at its end
/// (`$4`), open and overdue (LMP on or before `$5`), outcomes in the month.
const MONTHLY_PREGNANCY_SQL: &str = "SELECT village_code,
        COUNT(*) FILTER (WHERE reported_on >= $3 AND reported_on <= $4),
        COUNT(*) FILTER (WHERE reported_on >= $3 AND reported_on <= $4 AND timely = 1),
        COUNT(*) FILTER (WHERE reported_on <= $4 AND (outcome IS NULL OR outcome_on > $4)),
        COUNT(*) FILTER (WHERE reported_on <= $4 AND (outcome IS NULL OR outcome_on > $4)
                         AND lmp <= $5),
        COUNT(*) FILTER (WHERE outcome = 'stillbirth' AND outcome_on >= $3 AND outcome_on <= $4),
        COUNT(*) FILTER (WHERE outcome = 'miscarriage' AND outcome_on >= $3 AND outcome_on <= $4),
        COUNT(*) FILTER (WHERE outcome = 'induced_termination'
                         AND outcome_on >= $3 AND outcome_on <= $4),
        COUNT(*) FILTER (WHERE outcome IN ('moved_out', 'lost')
                         AND outcome_on >= $3 AND outcome_on <= $4)
    FROM pregnancy
    WHERE village_code >= $1 AND village_code < $2
    GROUP BY village_code";

/// Live births in the month: all, verified, boys, girls.
const MONTHLY_BIRTHS_SQL: &str = "SELECT village_code, COUNT(*),
        COUNT(*) FILTER (WHERE verified = 1),
        COUNT(*) FILTER (WHERE sex = 1),
        COUNT(*) FILTER (WHERE sex = 2)
    FROM birth
    WHERE village_code >= $1 AND village_code < $2 AND born_on >= $3 AND born_on <= $4
    GROUP BY village_code";

/// Deliveries of two or more live births in the month (one pregnancy).
const MONTHLY_TWINS_SQL: &str = "SELECT village_code, COUNT(*) FROM (
        SELECT village_code, pregnancy_id FROM birth
        WHERE village_code >= $1 AND village_code < $2 AND born_on >= $3 AND born_on <= $4
        GROUP BY village_code, pregnancy_id
        HAVING COUNT(*) >= 2
    ) d
    GROUP BY village_code";

/// Infant deaths in the month.
const MONTHLY_DEATHS_SQL: &str = "SELECT village_code, COUNT(*) FROM infant_death
    WHERE village_code >= $1 AND village_code < $2 AND died_on >= $3 AND died_on <= $4
    GROUP BY village_code";

/// Births by sex and birth order, folded from the grouped rows.
#[derive(Debug, Clone, Copy, Default)]
struct SrbCounts {
    /// `[order bucket][0: boys, 1: girls]`.
    by_order: [[i64; 2]; 3],
    unverified: i64,
}

impl SrbCounts {
    fn add(&mut self, sex: i64, order: i64, births: i64, unverified: i64) {
        self.unverified += unverified;
        let s = match sex {
            1 => 0,
            2 => 1,
            _ => return,
        };
        let o = usize::try_from(order.clamp(0, 2)).unwrap_or(0);
        self.by_order[o][s] += births;
    }

    fn row(&self, code: &str, name: &str) -> SrbRow {
        let of = |o: &[i64; 2]| SexRatio::of(o[0], o[1]);
        let males = self.by_order.iter().map(|o| o[0]).sum();
        let females = self.by_order.iter().map(|o| o[1]).sum();
        SrbRow {
            org_code: code.to_string(),
            org_name: name.to_string(),
            srb: SexRatio::of(males, females),
            by_order: [
                of(&self.by_order[0]),
                of(&self.by_order[1]),
                of(&self.by_order[2]),
            ],
            unverified: self.unverified,
        }
    }
}
