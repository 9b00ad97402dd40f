//! Pregnancies (孕情) to their outcome, antenatal checks, birth reports with
//! the newborn's person record, two-person verification, amendments of a
//! birth's sex or date, and infant deaths (workflows 2 and 3). Every
//! function takes the caller's [`Scope`](hearth_core::scope::Scope); a
//! record outside it answers `NotFound`; every view of a named record and
//! every change is audited in the same transaction.
//!
//! By concern:
//! - `types`: the records handed out and the list filters (coded values as
//!   `hearth_core::pregnancy` enums);
//! - `rows`: column lists, strict row decoding, the shared scoped loaders
//!   and the client-id check behind retries;
//! - `reports`: reporting a pregnancy, reading one with its checks and
//!   births; `checks`: antenatal checks; `outcomes`: closing a pregnancy
//!   other than by a live birth;
//! - `births`: the birth report (closing the pregnancy, creating each child
//!   as a person, marking the birth registration used), reading a birth,
//!   naming the child; `amendments`: corrections of a birth's sex or date;
//! - `deaths`: infant-death reports; `verification`: the village and town
//!   steps of births and infant deaths;
//! - `lists`: the audited lists, a woman's pregnancies for her person page
//!   and the birth counts by verification state.
//!
//! Every create that takes a client-chosen id (`report_pregnancy`,
//! `add_check`, `report_births`, `report_infant_death`) returns the record
//! with `true` when that id already named the same record (a retry: nothing
//! new was written), `false` when it made a new one; an id already used for
//! something else, or outside the caller's area, is refused as a duplicate
//! `id`.

mod amendments;
mod births;
mod checks;
mod deaths;
mod lists;
mod outcomes;
mod reports;
mod rows;
mod types;
mod verification;

pub use amendments::amend_birth;
pub use births::{get_birth, name_child, provisional_name, report_births};
pub use checks::add_check;
pub use deaths::{get_infant_death, report_infant_death};
pub use lists::{
    birth_counts, list_births, list_infant_deaths, list_pregnancies, of_woman_for_person_page,
};
pub use outcomes::record_outcome;
pub use reports::{get_pregnancy, report_pregnancy};
pub use types::{
    Amendment, AntenatalCheck, Birth, BirthFilter, BirthView, DeathFilter, InfantDeath, Pregnancy,
    PregnancyFilter, PregnancyView, VerifyRecord,
};
pub use verification::{verify_birth, verify_infant_death};
