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
//!
//! By concern: `srb` (sex ratio at birth), `timeliness` (report timeliness
//! and the incentive ledger), `reconciliation` (the monthly reconciliation
//! and the annual review list), `monthly` (the monthly report); this file
//! holds what they share (periods, month bounds, folding rows by village).

mod monthly;
mod reconciliation;
mod srb;
mod timeliness;

pub use monthly::{MonthlyReport, MonthlyRow, monthly_report};
pub use reconciliation::{
    ReconRow, Reconciliation, ReviewRow, StaleRegistration, annual_review, reconciliation,
};
pub use srb::{SrbReport, SrbRow, srb_by_village, srb_by_year};
pub use timeliness::{
    Ledger, LedgerRow, TimelinessReport, TimelinessRow, incentive_ledger, timeliness_by_village,
};

use crate::error::StoreError;
use chrono::{Months, NaiveDate};
use hearth_core::dates::fmt_date;
use hearth_core::{FieldError, Reason};
use serde::Serialize;
use std::collections::HashMap;

// ---- shared: periods, month bounds, counts by village -----------------------

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
fn by_village<const N: usize>(
    rows: &[crate::db::Row],
) -> Result<HashMap<String, [i64; N]>, StoreError> {
    let mut out: HashMap<String, [i64; N]> = HashMap::new();
    for r in rows {
        let e = out.entry(r.text(0)?).or_insert([0; N]);
        for (i, v) in e.iter_mut().enumerate() {
            *v += r.int(i + 1)?;
        }
    }
    Ok(out)
}

/// A closed date range `[from, to]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}
