//! Settings an administrator changes without a release: the reporting-
//! incentive amounts (reward per timely pregnancy report, deduction per
//! late one). Stored as key/value rows with a version; defaults live here.

use crate::Db;
use crate::error::StoreError;
use hearth_core::scope::Scope;
use serde::Serialize;

/// Default reward per timely pregnancy report, in yuan.
pub const DEFAULT_REWARD_YUAN: i64 = 500;
/// Default deduction per late report: five times the reward.
pub const DEFAULT_DEDUCTION_YUAN: i64 = 2500;

/// The incentive amounts in force, with the version to send back on change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incentives {
    pub reward_per_timely: i64,
    pub deduction_per_late: i64,
    /// The highest version of the two rows (0 while both are defaults).
    pub version: i64,
}

/// Reads the incentive amounts (defaults when never set). Needs
/// `ReadStatistics`.
pub fn incentives(db: &Db, scope: &Scope) -> Result<Incentives, StoreError> {
    todo!()
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
    todo!()
}
