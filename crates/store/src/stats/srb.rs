//! Sex ratio at birth (出生人口性别比) for an org unit: by village over a
//! period with the split by birth order, and by calendar year.

use super::{Period, check_period};
use crate::Db;
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{require, subtree};
use hearth_core::Reason;
use hearth_core::scope::{Permission, Scope};
use hearth_core::srb::SexRatio;
use serde::Serialize;
use std::collections::HashMap;

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
            let (sex, order, births, unverified) = (r.int(1)?, r.int(2)?, r.int(3)?, r.int(4)?);
            for c in [acc.entry(r.text(0)?).or_default(), &mut total] {
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
            let Ok(year) = r.text(0)?.parse::<i32>() else {
                continue;
            };
            let e = counts.entry(year).or_default();
            match r.int(1)? {
                1 => e.0 += r.int(2)?,
                2 => e.1 += r.int(2)?,
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
