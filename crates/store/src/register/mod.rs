//! The register (一户式管理): households, persons, couples and birth
//! registrations. Every function takes the caller's [`Scope`] and can only
//! see or change rows whose village lies inside it; a row outside the scope
//! answers `NotFound`, exactly as a missing row does. Every view of a named
//! record and every change is written to the audit trail in the same
//! transaction; a change checks the version the caller read (no row
//! changed → `Conflict` or `NotFound`).
//!
//! By concern:
//! - [`households`]: a household's record, its list, lookup by number and
//!   deletion of an empty one;
//! - [`persons`]: a person's record (create, read, the edit form's read,
//!   update) and the person list;
//! - [`members`]: who lives in a household — adding, moving and removing
//!   members, keeping each household's one head right;
//! - [`couples`]: couples (育龄夫妇), linking a spouse by resident ID, and a
//!   person's household and couples as the person page shows them;
//! - [`registrations`]: birth registrations (生育登记), their status, annual
//!   review and the work list of reviews due.
//!
//! This file holds what the concerns share: the list filter and its paging,
//! and the version of a record in the scope. Creates that take a client id
//! (households, persons) check it inside their own transaction and report
//! whether the call was a retry.
//!
//! [`Scope`]: hearth_core::scope::Scope

use crate::Db;
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::require;
use hearth_core::scope::{Permission, Scope};

pub mod couples;
pub mod households;
pub mod members;
pub mod persons;
pub mod registrations;

/// Transitional, kept at this path for the callers that still ask before
/// they create: the register's own creates check their client id inside
/// their transaction. The check itself is generic and lives with the other
/// shared helpers; the register knows only its own tables.
pub use crate::scoped::{ClientIdTable, ClientIdUse, client_id_use};
pub use couples::{
    CoupleMember, CoupleView, PersonContext, couple_with_spouse, create_couple, get_couple,
    list_couples, person_context,
};
pub use households::{
    HouseholdDeletion, HouseholdView, create_household, delete_household, get_household,
    household_by_number, list_households, update_household,
};
pub use members::{household_add_member, household_move_member, household_remove_member};
pub use persons::{
    PersonFilter, create_person, get_person, list_persons, person_for_edit, update_person,
};
pub use registrations::{
    DueRegistration, RegistrationFilter, create_registration, get_registration, list_registrations,
    registration_couple, registrations_due, review_registration, set_registration_status,
};

/// A page of a register list, optionally narrowed to one village. Results
/// are always inside the scope.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub village_code: Option<String>,
    /// Rows per page: 50 when zero or negative, at most 500.
    pub limit: i64,
    pub offset: i64,
}

/// The page size and offset a register list uses: 50 rows by default, at
/// most 500.
fn page_of(limit: i64, offset: i64) -> (i64, i64) {
    let limit = if limit <= 0 { 50 } else { limit.min(500) };
    (limit, offset.max(0))
}

/// A register record kind whose version [`version_in_scope`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenEntity {
    Person,
    Household,
    Couple,
    Registration,
}

/// The current version of a record inside the scope, reading nothing else
/// and auditing nothing (it shows no personal data). Lets a page answer
/// `NotFound` for a record the caller cannot see before it looks at the
/// form that came with the request.
pub fn version_in_scope(
    db: &Db,
    scope: &Scope,
    entity: ScreenEntity,
    id: &str,
) -> Result<i64, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let table = match entity {
        ScreenEntity::Person => "person",
        ScreenEntity::Household => "household",
        ScreenEntity::Couple => "couple",
        ScreenEntity::Registration => "birth_registration",
    };
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        tx.query_opt(
            &format!(
                "SELECT version FROM {table}
                 WHERE id = $1 AND village_code >= $2 AND village_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?
        .int(0)
    })
}
