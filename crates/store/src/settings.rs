//! Settings an administrator changes without a release: the reporting-
//! incentive amounts (reward per timely pregnancy report, deduction per
//! late one). Stored as key/value rows with a version; defaults live here.

use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use hearth_core::scope::{Permission, Scope};
use hearth_core::{FieldError, Reason};
use serde::Serialize;

/// Default reward per timely pregnancy report, in yuan.
pub const DEFAULT_REWARD_YUAN: i64 = 500;
/// Default deduction per late report: five times the reward.
pub const DEFAULT_DEDUCTION_YUAN: i64 = 2500;

/// The key of the reward per timely report.
pub const KEY_REWARD: &str = "incentive.reward_per_timely";
/// The key of the deduction per late report.
pub const KEY_DEDUCTION: &str = "incentive.deduction_per_late";
/// The largest amount either setting may take, in yuan.
pub const MAX_AMOUNT_YUAN: i64 = 100_000;

/// The incentive amounts in force, with the version to send back on change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incentives {
    pub reward_per_timely: i64,
    pub deduction_per_late: i64,
    /// The highest version of the two rows (0 while both are defaults).
    pub version: i64,
}

/// The amounts in force, read inside `tx` (no permission check: callers
/// check theirs).
pub(crate) fn incentives_in(tx: &mut Tx<'_>) -> Result<Incentives, StoreError> {
    let rows = tx.query(
        "SELECT key, value, version FROM setting WHERE key IN ($1, $2)",
        &[P::T(KEY_REWARD), P::T(KEY_DEDUCTION)],
    )?;
    let mut out = Incentives {
        reward_per_timely: DEFAULT_REWARD_YUAN,
        deduction_per_late: DEFAULT_DEDUCTION_YUAN,
        version: 0,
    };
    for r in &rows {
        let key = r.text(0)?;
        let value = r.text(1)?.trim().parse::<i64>().ok();
        if key == KEY_REWARD {
            out.reward_per_timely = value.unwrap_or(DEFAULT_REWARD_YUAN);
        } else if key == KEY_DEDUCTION {
            out.deduction_per_late = value.unwrap_or(DEFAULT_DEDUCTION_YUAN);
        }
        out.version = out.version.max(r.int(2)?);
    }
    Ok(out)
}

/// Reads the incentive amounts (defaults when never set). Needs
/// `ReadStatistics`.
pub fn incentives(db: &Db, scope: &Scope) -> Result<Incentives, StoreError> {
    if !scope.can(Permission::ReadStatistics) {
        return Err(StoreError::Forbidden);
    }
    db.read(incentives_in)
}

/// Sets the incentive amounts (administrators only; 0–100000 yuan each);
/// refuses a stale version; audited.
pub fn set_incentives(
    db: &Db,
    scope: &Scope,
    expected_version: i64,
    reward_per_timely: i64,
    deduction_per_late: i64,
) -> Result<Incentives, StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    let range = 0..=MAX_AMOUNT_YUAN;
    let mut errs = Vec::new();
    for (field, v) in [
        ("reward_per_timely", reward_per_timely),
        ("deduction_per_late", deduction_per_late),
    ] {
        if !range.contains(&v) {
            errs.push(FieldError::new(
                field,
                Reason::OutOfRange {
                    min: 0,
                    max: MAX_AMOUNT_YUAN,
                },
            ));
        }
    }
    if !errs.is_empty() {
        return Err(StoreError::Invalid(errs));
    }
    db.write(|tx| {
        let cur = incentives_in(tx)?;
        if cur.version != expected_version {
            return Err(StoreError::Conflict {
                current: cur.version,
            });
        }
        let version = expected_version + 1;
        let now = hearth_core::dates::now_utc();
        for (key, value) in [
            (KEY_REWARD, reward_per_timely),
            (KEY_DEDUCTION, deduction_per_late),
        ] {
            let seq = tx.next_seq()?;
            // The WHERE guards against a concurrent change on PostgreSQL
            // (read committed): a row another writer moved past the version
            // read above is left alone, and the change is refused.
            let n = tx.exec(
                "INSERT INTO setting (key, value, version, change_seq, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                     version = excluded.version, change_seq = excluded.change_seq,
                     updated_at = excluded.updated_at
                 WHERE setting.version <= $6",
                &[
                    P::T(key),
                    P::T(&value.to_string()),
                    P::I(version),
                    P::I(seq),
                    P::T(&now),
                    P::I(expected_version),
                ],
            )?;
            if n == 0 {
                let current = incentives_in(tx)?.version;
                return Err(StoreError::Conflict { current });
            }
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "setting",
            Some("incentive"),
            Some(&format!(
                "reward_per_timely={reward_per_timely} deduction_per_late={deduction_per_late}"
            )),
        )?;
        incentives_in(tx)
    })
}
