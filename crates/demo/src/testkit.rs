//! What the generator's unit tests share: a run's config as of a fixed day,
//! and a whole run's batches gathered.

use crate::{DemoConfig, FOLLOWUP_MONTHS, VillageBatch, generate};
use chrono::NaiveDate;

/// The day most tests run the demo as of.
pub(crate) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
}

/// About `persons` persons from `seed`, as of `today`, with the default
/// months of visits.
pub(crate) fn cfg_on(today: NaiveDate, persons: usize, seed: u64) -> DemoConfig {
    DemoConfig {
        persons,
        seed,
        today,
        followup_months: FOLLOWUP_MONTHS,
    }
}

/// About `persons` persons from `seed`, as of [`today`].
pub(crate) fn cfg(persons: usize, seed: u64) -> DemoConfig {
    cfg_on(today(), persons, seed)
}

/// Every village's batch of a run, in order.
pub(crate) fn collect(c: &DemoConfig) -> Vec<VillageBatch> {
    let mut out = Vec::new();
    let r: Result<(), ()> = generate(c, |b| {
        out.push(b);
        Ok(())
    });
    assert!(r.is_ok());
    out
}
