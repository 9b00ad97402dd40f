//! The enforcement case register (两非案件): cases of illegal fetal sex
//! identification and sex-selective termination, with the items seized and
//! the penalty. Only administrators and users granted the register may read
//! or write it (the grant is a row in `enforcement_grant`, checked here in
//! the store); every view is audited.

use crate::Db;
use crate::error::StoreError;
use hearth_core::scope::Scope;
use serde::Serialize;

/// An item seized in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeizedItem {
    /// What was seized (e.g. B 超机, 药品).
    pub kind: String,
    pub count: i64,
}

/// A case as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: String,
    pub org_code: String,
    pub org_name: String,
    /// A [`hearth_core::pregnancy::CaseKind`] code.
    pub kind: String,
    pub occurred_on: String,
    pub place: String,
    pub description: String,
    pub penalty: Option<String>,
    pub fine_yuan: Option<i64>,
    /// A [`hearth_core::pregnancy::CaseStatus`] code.
    pub status: String,
    pub items: Vec<SeizedItem>,
    pub version: i64,
}

/// A case as typed (create or update). Items are (kind, count) pairs as
/// typed; empty pairs are ignored.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub org_code: String,
    pub kind: String,
    pub occurred_on: String,
    pub place: String,
    pub description: String,
    pub penalty: String,
    pub fine_yuan: String,
    pub status: String,
    pub items: Vec<(String, String)>,
}

/// True when the caller may use the register (administrator or granted).
pub fn has_grant(db: &Db, scope: &Scope) -> Result<bool, StoreError> {
    todo!()
}

/// Grants or withdraws a user's access (administrators only); audited.
pub fn set_grant(db: &Db, scope: &Scope, user_id: &str, granted: bool) -> Result<(), StoreError> {
    todo!()
}

/// Opens a case; `client_id` makes a retry return the first.
pub fn create_case(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    input: &CaseInput,
) -> Result<Case, StoreError> {
    todo!()
}

/// Replaces a case's details and items, refusing a stale version.
pub fn update_case(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    input: &CaseInput,
) -> Result<Case, StoreError> {
    todo!()
}

/// Reads one case; audited.
pub fn get_case(db: &Db, scope: &Scope, id: &str) -> Result<Case, StoreError> {
    todo!()
}

/// Lists the cases in the scope, newest first; audited as one entry.
pub fn list_cases(db: &Db, scope: &Scope) -> Result<Vec<Case>, StoreError> {
    todo!()
}
