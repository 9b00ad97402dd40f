//! The monthly births and pregnancies report by village (the district's
//! spreadsheet), with the org unit's total.

use super::{by_village, month_bounds};
use crate::Db;
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use hearth_core::dates::fmt_date;
use hearth_core::pregnancy::OVERDUE_DAYS;
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;
use std::collections::HashMap;

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
        )?)?;
        let births = by_village::<4>(&tx.query(MONTHLY_BIRTHS_SQL, &range)?)?;
        let twins = by_village::<1>(&tx.query(MONTHLY_TWINS_SQL, &range)?)?;
        let deaths = by_village::<1>(&tx.query(MONTHLY_DEATHS_SQL, &range)?)?;
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
