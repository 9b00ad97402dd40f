//! The monthly reconciliation of birth registrations with births (with its
//! audited list of registrations over a year old with no pregnancy or
//! birth) and the annual review list (年审).

use super::{by_village, month_bounds};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use chrono::Months;
use hearth_core::Reason;
use hearth_core::dates::fmt_date;
use hearth_core::registration::RegistrationStatus;
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;
use std::collections::HashMap;

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
        let issued = by_village::<1>(&tx.query(RECON_ISSUED_SQL, &range)?)?;
        let births = by_village::<3>(&tx.query(RECON_BIRTHS_SQL, &range)?)?;
        let used = by_village::<1>(&tx.query(RECON_USED_SQL, &range)?)?;
        let stale_rows = tx.query(
            RECON_STALE_SQL,
            &[P::T(&org.lo), P::T(&org.hi), P::T(&stale_before)],
        )?;
        let mut stale_count: HashMap<String, i64> = HashMap::new();
        for r in &stale_rows {
            *stale_count.entry(r.text(2)?).or_default() += 1;
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
                    let village_code = r.text(2)?;
                    Ok(StaleRegistration {
                        registration_id: r.text(0)?,
                        number: r.text(1)?,
                        village_name: org.name_of(&village_code),
                        village_code,
                        wife_id: r.text(3)?,
                        wife_name: r.text(4)?,
                        issued_on: r.text(5)?,
                        child_order: r.int(6)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?
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
    pub status: RegistrationStatus,
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
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let village_code = r.text(2)?;
            let last_reviewed_on = r.opt_text(6)?;
            let done = last_reviewed_on
                .as_deref()
                .is_some_and(|d| d >= first.as_str() && d <= last.as_str());
            if reviewed.is_some_and(|want| done != want) {
                continue;
            }
            out.push(ReviewRow {
                registration_id: r.text(0)?,
                number: r.text(1)?,
                village_name: org.name_of(&village_code),
                village_code,
                wife_name: r.text(3)?,
                status: r.coded(4, |s| RegistrationStatus::from_code(s).ok_or(()))?,
                review_due: r.text(5)?,
                last_reviewed_on,
                reviewed: done,
            });
        }
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

// ---- the counting SQL ---------------------------------------------------------
// Each query reads the subtree's village range `[$1, $2)` and a date range
// through the `(village_code, date)` index of its table.

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
