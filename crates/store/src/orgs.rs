//! Org units: the district → town → village tree, its upkeep, and the
//! per-unit counts shown on the tree and the home page.

use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use hearth_core::Reason;
use hearth_core::org::{OrgLevel, OrgUnit};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// An org unit as stored, with its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: OrgLevel,
    pub name: String,
}

/// A stored level code (`county`, `town`, `village`).
fn parse_level(s: &str) -> Result<OrgLevel, ()> {
    [OrgLevel::County, OrgLevel::Town, OrgLevel::Village]
        .into_iter()
        .find(|l| l.as_str() == s)
        .ok_or(())
}

/// Inserts or renames org units (parents before children) inside `tx`.
/// Each unit's parent must exist or be earlier in `units`; a town or
/// village without its parent is refused.
pub fn upsert_in(tx: &mut Tx<'_>, units: &[OrgUnit]) -> Result<usize, StoreError> {
    let mut n = 0;
    for u in units {
        let parent = u.code.parent();
        if let Some(p) = &parent
            && tx
                .query_opt(
                    "SELECT 1 FROM org_unit WHERE code = $1",
                    &[P::T(p.as_str())],
                )?
                .is_none()
        {
            return Err(StoreError::field("parent_code", Reason::UnknownOrg));
        }
        let seq = tx.next_seq()?;
        n += tx.exec(
            "INSERT INTO org_unit (code, parent_code, level, name, version, change_seq)
             VALUES ($1, $2, $3, $4, 1, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
                 version = org_unit.version + 1, change_seq = excluded.change_seq
             WHERE org_unit.name <> excluded.name",
            &[
                P::T(u.code.as_str()),
                parent.as_ref().map(|p| p.as_str()).into(),
                P::T(u.level().as_str()),
                P::T(&u.name),
                P::I(seq),
            ],
        )? as usize;
    }
    Ok(n)
}

/// Adds or renames org units; administrators only, audited.
pub fn upsert(db: &Db, scope: &Scope, units: &[OrgUnit]) -> Result<usize, StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    db.write(|tx| {
        let n = upsert_in(tx, units)?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "org_unit",
            None,
            Some(&format!("{n} units")),
        )?;
        Ok(n)
    })
}

/// The org units inside the caller's scope, and the units above it (so a
/// village specialist sees her town and district as context), by code.
pub fn list(db: &Db, scope: &Scope) -> Result<Vec<OrgRow>, StoreError> {
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        let rows = tx.query(
            "SELECT code, parent_code, level, name FROM org_unit
             WHERE (code >= $1 AND code < $2) OR $3 LIKE code || '%'
             ORDER BY code",
            &[P::T(&lo), P::T(&hi), P::T(&scope.org_prefix)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(OrgRow {
                    code: r.text(0)?,
                    parent_code: r.opt_text(1)?,
                    level: r.coded(2, parse_level)?,
                    name: r.text(3)?,
                })
            })
            .collect()
    })
}

/// The village codes inside the caller's scope.
pub fn villages_in_scope(tx: &mut Tx<'_>, scope: &Scope) -> Result<Vec<String>, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query(
        "SELECT code FROM org_unit WHERE level = $1 AND code >= $2 AND code < $3 ORDER BY code",
        &[P::T(OrgLevel::Village.as_str()), P::T(&lo), P::T(&hi)],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Counts for one org unit: households, residents, women aged 15–49.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgCounts {
    pub code: String,
    pub households: i64,
    pub residents: i64,
    pub women_15_49: i64,
}

/// Per-village counts inside the caller's scope (statistics permission).
/// Women 15–49 are those born after `today − 50 years` and on or before
/// `today − 15 years`.
pub fn village_counts(
    db: &Db,
    scope: &Scope,
    today: chrono::NaiveDate,
) -> Result<Vec<OrgCounts>, StoreError> {
    if !scope.can(Permission::ReadStatistics) && !scope.can(Permission::ReadRegister) {
        return Err(StoreError::Forbidden);
    }
    let (lo, hi) = scope.code_range();
    let born_after = hearth_core::dates::fmt_date(years_before(today, 50));
    let born_by = hearth_core::dates::fmt_date(years_before(today, 15));
    db.read(|tx| {
        let rows = tx.query(
            "SELECT p.village_code,
                    COUNT(*),
                    COUNT(*) FILTER (WHERE p.sex = 2 AND p.birth_date > $3 AND p.birth_date <= $4),
                    (SELECT COUNT(*) FROM household h WHERE h.village_code = p.village_code)
             FROM person p
             WHERE p.village_code >= $1 AND p.village_code < $2
             GROUP BY p.village_code
             ORDER BY p.village_code",
            &[P::T(&lo), P::T(&hi), P::T(&born_after), P::T(&born_by)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(OrgCounts {
                    code: r.text(0)?,
                    residents: r.int(1)?,
                    women_15_49: r.int(2)?,
                    households: r.int(3)?,
                })
            })
            .collect()
    })
}

/// The same calendar day `years` years earlier (29 February → 28 February).
pub fn years_before(d: chrono::NaiveDate, years: u32) -> chrono::NaiveDate {
    d.checked_sub_months(chrono::Months::new(years * 12))
        .unwrap_or(d)
}
