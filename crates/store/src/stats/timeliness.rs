//! Report timeliness by village and the reporting-incentive ledger
//! (孕情报告奖惩台账), whose amounts come from the settings.

use super::{Period, by_village, check_period};
use crate::Db;
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

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
        let counts = by_village::<2>(&rows)?;
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
                let (timely, late) = (r.int(2)?, r.int(3)?);
                let reward_yuan = timely * amounts.reward_per_timely;
                let deduction_yuan = late * amounts.deduction_per_late;
                let village_code = r.text(0)?;
                Ok(LedgerRow {
                    village_name: org.name_of(&village_code),
                    village_code,
                    reporter_name: r.text(1)?,
                    timely,
                    late,
                    reward_yuan,
                    deduction_yuan,
                    net_yuan: reward_yuan - deduction_yuan,
                })
            })
            .collect::<Result<_, StoreError>>()?;
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

// ---- the counting SQL ---------------------------------------------------------
// Each query reads the subtree's village range `[$1, $2)` and a date range
// through the `(village_code, date)` index of its table.

/// Pregnancies reported in the period and the timely ones, by village.
const TIMELINESS_SQL: &str = "SELECT village_code, COUNT(*) AS reported,
        COUNT(*) FILTER (WHERE timely = 1) AS timely
    FROM pregnancy
    WHERE village_code >= $1 AND village_code < $2
      AND reported_on >= $3 AND reported_on <= $4
    GROUP BY village_code";
