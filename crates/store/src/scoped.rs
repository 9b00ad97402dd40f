//! The helpers every scoped store module shares: the permission check, the
//! code range a list filter covers, an org unit's subtree and its villages,
//! the answer to an update that matched no row, client ids, list paging,
//! stored dates and the wording of a list's audit detail.

use crate::db::{P, Tx};
use crate::error::StoreError;
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::parse_date;
use hearth_core::org::OrgLevel;
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
