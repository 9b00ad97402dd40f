//! The demo town (示范乡镇): a deterministic synthetic Gushao (古邵镇,
//! 峄城区) — and, for benchmarks, a county or a province — generated
//! village by village from a seed, and the loader that builds it into an
//! empty database through the store's bulk lane. No real person's data is
//! used: every name, number and phone is drawn from the seeded generator.
//!
//! The generator runs one way. `town` plans the org units and the villages;
//! `population` draws each village's register (households, persons with
//! valid resident ID numbers, couples, birth registrations); `history`
//! reads it and draws five years of pregnancies, births and infant deaths;
//! `follow_up` reads both and draws zones, assignments and visits. No part
//! reads one drawn after it. `records` holds what they produce (a
//! [`VillageBatch`] per village), `accounts` who signs in, `seed` the
//! config and the seeded helpers all share, `generate` the run, and `load`
//! writes it ([`load_demo`]).
#![forbid(unsafe_code)]

mod accounts;
mod follow_up;
mod generate;
mod history;
mod load;
mod population;
mod records;
mod seed;
#[cfg(test)]
mod testkit;
mod town;

pub use accounts::{DemoAccount, demo_accounts, worker_accounts};
pub use follow_up::FOLLOWUP_MONTHS;
pub use generate::generate;
pub use history::{DemoCase, enforcement_cases};
pub use load::{LoadStats, load_demo};
pub use records::{
    DemoAssignment, DemoBirth, DemoCheck, DemoDeath, DemoNeed, DemoPregnancy, DemoProcedure,
    DemoVerify, DemoVisit, DemoVisitContact, DemoZone, VillageBatch,
};
pub use seed::{DemoConfig, HISTORY_YEARS};
pub use town::org_units;
