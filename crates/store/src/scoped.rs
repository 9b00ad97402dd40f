//! The helpers every scoped store module shares: the permission check, the
//! code range a list filter covers, an org unit's subtree and its villages,
//! the answer to an update that matched no row, client ids, list paging,
//! stored dates and the wording of a list's audit detail.

use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::parse_date;
use hearth_core::org::OrgLevel;
use hearth_core::person::Sex;
use hearth_core::scope::{Permission, Scope};

/// Refuses a role without the permission (`Forbidden`).
pub(crate) fn require(scope: &Scope, p: Permission) -> Result<(), StoreError> {
    if scope.can(p) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// A client-chosen id, if one was really given.
pub(crate) fn client(id: Option<&str>) -> Option<&str> {
    id.map(str::trim).filter(|s| !s.is_empty())
}

/// The page size and offset a list uses: 100 rows by default, at most 500.
pub(crate) fn page_of(limit: i64, offset: i64) -> (i64, i64) {
    let limit = if limit <= 0 { 100 } else { limit.min(500) };
    (limit, offset.max(0))
}

/// The code range a list covers: the filter's org unit (which must lie
/// inside the scope), or the whole scope.
pub(crate) fn range_of(scope: &Scope, org: Option<&str>) -> Result<(String, String), StoreError> {
    match org.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(scope.code_range()),
        Some(code) if !code.bytes().all(|b| b.is_ascii_digit()) => {
            Err(StoreError::field("org_code", Reason::BadOrgCode))
        }
        Some(code) if !scope.covers(code) => Err(StoreError::field("org_code", Reason::OutOfScope)),
        Some(code) => Ok((code.to_string(), format!("{code}:"))),
    }
}

/// A date as stored (`YYYY-MM-DD`); anything else is a damaged row.
pub(crate) fn stored_date(s: &str) -> Result<NaiveDate, StoreError> {
    parse_date(s).map_err(|_| StoreError::Db(format!("stored date {s:?} is not a date")))
}

/// A filter in words, for the detail of a list's audit entry (ids and
/// codes only, never a name).
pub(crate) fn describe(parts: &[(&str, Option<String>)]) -> String {
    let words: Vec<String> = parts
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
    if words.is_empty() {
        "all".into()
    } else {
        words.join(" ")
    }
}

/// After an update matched no row: a stale version if the row exists in
/// scope, otherwise not found. `table` is constant text, never input.
pub(crate) fn conflict_or_missing(
    tx: &mut Tx<'_>,
    table: &str,
    id: &str,
    scope: &Scope,
) -> StoreError {
    let (lo, hi) = scope.code_range();
    let sql = format!(
        "SELECT version FROM {table} WHERE id = $1 AND village_code >= $2 AND village_code < $3"
    );
    match tx
        .query_opt(&sql, &[P::T(id), P::T(&lo), P::T(&hi)])
        .and_then(|r| r.map(|r| r.int(0)).transpose())
    {
        Ok(Some(current)) => StoreError::Conflict { current },
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

/// `Conflict` unless the version read is the one held.
pub(crate) fn stale(current: i64, expected: i64) -> Result<(), StoreError> {
    if current == expected {
        Ok(())
    } else {
        Err(StoreError::Conflict { current })
    }
}

/// True when `e` is the violation of a unique index: PostgreSQL names the
/// index, SQLite the table and column(s).
pub(crate) fn unique_violation(e: &StoreError, pg_index: &str, sqlite_cols: &str) -> bool {
    match e {
        StoreError::Db(m) => {
            (m.starts_with("23505") && m.contains(pg_index))
                || (m.contains("UNIQUE constraint failed") && m.contains(sqlite_cols))
        }
        _ => false,
    }
}

/// Refuses a write naming a village outside the scope, or one that does
/// not exist, as a field error the user can act on; returns the code.
pub(crate) fn check_village(
    tx: &mut Tx<'_>,
    scope: &Scope,
    village: &str,
) -> Result<String, StoreError> {
    let v = village.trim();
    if v.is_empty() {
        return Err(StoreError::field("village_code", Reason::Required));
    }
    if !scope.covers(v) {
        return Err(StoreError::field("village_code", Reason::OutOfScope));
    }
    tx.query_opt(
        "SELECT 1 FROM org_unit WHERE code = $1 AND level = $2",
        &[P::T(v), P::T(OrgLevel::Village.as_str())],
    )?
    .ok_or_else(|| StoreError::field("village_code", Reason::UnknownOrg))?;
    Ok(v.to_string())
}

/// An org unit a report is about, its villages and the code range its rows
/// are read from.
pub(crate) struct Subtree {
    pub(crate) code: String,
    pub(crate) name: String,
    /// Every village of the subtree, by code, with its name.
    pub(crate) villages: Vec<(String, String)>,
    /// The range `[lo, hi)` of village codes: the org unit's subtree, which
    /// lies inside the scope's range (checked), intersected with it.
    pub(crate) lo: String,
    pub(crate) hi: String,
}

impl Subtree {
    pub(crate) fn name_of(&self, code: &str) -> String {
        self.villages
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    }
}

/// Checks `org_code` against the scope (a field error `org_code`: required,
/// out of scope, or unknown) and reads its villages.
pub(crate) fn subtree(
    tx: &mut Tx<'_>,
    scope: &Scope,
    org_code: &str,
) -> Result<Subtree, StoreError> {
    let code = org_code.trim();
    if code.is_empty() {
        return Err(StoreError::field("org_code", Reason::Required));
    }
    if !scope.covers(code) {
        return Err(StoreError::field("org_code", Reason::OutOfScope));
    }
    let name = tx
        .query_opt("SELECT name FROM org_unit WHERE code = $1", &[P::T(code)])?
        .ok_or_else(|| StoreError::field("org_code", Reason::UnknownOrg))?
        .text(0)?;
    let (scope_lo, scope_hi) = scope.code_range();
    let lo = std::cmp::max(code.to_string(), scope_lo);
    let hi = std::cmp::min(format!("{code}:"), scope_hi);
    let villages = tx
        .query(
            "SELECT code, name FROM org_unit
             WHERE level = $1 AND code >= $2 AND code < $3 ORDER BY code",
            &[P::T(OrgLevel::Village.as_str()), P::T(&lo), P::T(&hi)],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect::<Result<_, StoreError>>()?;
    Ok(Subtree {
        code: code.to_string(),
        name,
        villages,
        lo,
        hi,
    })
}

/// Where a client-chosen id stands before a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIdUse {
    /// No record has this id.
    Free,
    /// A record in the caller's scope has it: the create is a retry (or a
    /// clash the create function refuses as a duplicate id).
    InScope,
    /// A record outside the scope has it; the id cannot be used.
    Elsewhere,
}

/// Where `id` stands in `table` (constant text naming a table with an
/// `id` and a `village_code`, never input). Reads no personal data.
pub(crate) fn client_id_in(
    tx: &mut Tx<'_>,
    scope: &Scope,
    table: &str,
    id: &str,
) -> Result<ClientIdUse, StoreError> {
    let (lo, hi) = scope.code_range();
    let found = tx.query_opt(
        &format!("SELECT village_code FROM {table} WHERE id = $1"),
        &[P::T(id)],
    )?;
    Ok(match found.map(|r| r.text(0)).transpose()? {
        None => ClientIdUse::Free,
        Some(v) if v >= lo && v < hi => ClientIdUse::InScope,
        Some(_) => ClientIdUse::Elsewhere,
    })
}

/// The id a create in `table` uses, and whether a record in the scope
/// already has it (the create is then a retry, or a clash the caller
/// refuses after comparing the content). Without a client id a new one is
/// made. An id taken outside the scope is refused as a duplicate of field
/// `id`, before any insert is tried.
pub(crate) fn claim_id(
    tx: &mut Tx<'_>,
    scope: &Scope,
    table: &str,
    id: Option<&str>,
) -> Result<(String, bool), StoreError> {
    let Some(id) = client(id) else {
        return Ok((crate::new_id(), false));
    };
    match client_id_in(tx, scope, table, id)? {
        ClientIdUse::Free => Ok((id.to_string(), false)),
        ClientIdUse::InScope => Ok((id.to_string(), true)),
        ClientIdUse::Elsewhere => Err(StoreError::field("id", Reason::Duplicate)),
    }
}

/// A table whose rows a client may create with its own id, for
/// [`client_id_use`].
///
/// Transitional: each workflow's create checks its own retry inside its
/// transaction ([`claim_id`]) and reports it; this list and
/// [`client_id_use`] stay only until the callers that still ask first have
/// moved to that, then they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIdTable {
    Household,
    Person,
    Pregnancy,
    AntenatalCheck,
    Birth,
    InfantDeath,
    /// A follow-up zone (WriteRegister).
    Zone,
    /// A follow-up visit (RecordVisit).
    Visit,
    /// A contraceptive procedure (RecordVisit).
    Procedure,
}

impl ClientIdTable {
    fn table(self) -> &'static str {
        match self {
            ClientIdTable::Household => "household",
            ClientIdTable::Person => "person",
            ClientIdTable::Pregnancy => "pregnancy",
            ClientIdTable::AntenatalCheck => "antenatal_check",
            ClientIdTable::Birth => "birth",
            ClientIdTable::InfantDeath => "infant_death",
            ClientIdTable::Zone => "zone",
            ClientIdTable::Visit => "visit",
            ClientIdTable::Procedure => "contraceptive_procedure",
        }
    }

    fn needs(self) -> Permission {
        match self {
            ClientIdTable::Visit | ClientIdTable::Procedure => Permission::RecordVisit,
            _ => Permission::WriteRegister,
        }
    }
}

/// Says whether a client-chosen id is free (see [`ClientIdTable`]: a
/// transitional wrapper over [`client_id_in`] for callers that still ask
/// before they create). Reads no personal data; not audited.
pub fn client_id_use(
    db: &crate::Db,
    scope: &Scope,
    table: ClientIdTable,
    id: &str,
) -> Result<ClientIdUse, StoreError> {
    require(scope, table.needs())?;
    db.read(|tx| client_id_in(tx, scope, table.table(), id))
}

/// A person's sex as stored (the GB/T 2261.1 code 1 or 2); any other
/// value is a damaged row.
pub(crate) fn sex_at(r: &Row, i: usize) -> Result<Sex, StoreError> {
    let code = r.int(i)?;
    Sex::from_code(code).ok_or_else(|| StoreError::Db(format!("column {i}: unknown sex {code}")))
}
