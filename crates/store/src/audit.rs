//! The audit trail (审计日志): an append-only record of who did what to
//! which record, when and from where. Written inside the same transaction as
//! the action it records, so an action and its audit entry land together.

use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::{Db, new_id};
use chrono::{NaiveDate, NaiveTime};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Reveal,
    Create,
    Update,
    Delete,
    Import,
    Export,
    SignIn,
    SignInFailed,
    SignOut,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Reveal => "reveal",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Import => "import",
            Action::Export => "export",
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
        }
    }
}

/// Appends one entry to the trail inside `tx`.
pub fn record(
    tx: &mut Tx<'_>,
    scope: &Scope,
    action: Action,
    entity: &str,
    entity_id: Option<&str>,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO audit_log (id, at, user_id, username, action, entity, entity_id, origin, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            P::T(&new_id()),
            P::T(&hearth_core::dates::now_utc()),
            scope.user_id.as_deref().into(),
            P::T(&scope.username),
            P::T(action.code()),
            P::T(entity),
            entity_id.into(),
            P::T(&scope.origin),
            detail.into(),
        ],
    )?;
    Ok(())
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    pub user_id: Option<String>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub origin: String,
    pub detail: Option<String>,
}

/// Filters for reading the trail; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// First calendar day (Asia/Shanghai) included.
    pub from: Option<NaiveDate>,
    /// Last calendar day (Asia/Shanghai) included.
    pub to: Option<NaiveDate>,
    /// Entries strictly older than this `(at, id)` only: the keyset cursor
    /// for reading the trail page by page (the last entry of the previous
    /// page).
    pub before: Option<(String, String)>,
    /// At most this many entries (default 100, at most 1000).
    pub limit: i64,
    /// Entries skipped first (for paged screens).
    pub offset: i64,
}

/// The UTC instant (as stored) at which an Asia/Shanghai calendar day
/// starts. China Standard Time is UTC+8 all year.
fn day_start_utc(d: NaiveDate) -> String {
    let start = d.and_time(NaiveTime::MIN) - chrono::Duration::hours(8);
    start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl AuditFilter {
    /// The filter in words, for the detail of an `export` entry.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        };
        add("user", self.username.clone());
        add("action", self.action.clone());
        add("entity", self.entity.clone());
        add("entity_id", self.entity_id.clone());
        add("from", self.from.map(|d| d.to_string()));
        add("to", self.to.map(|d| d.to_string()));
        if parts.is_empty() {
            "all".into()
        } else {
            parts.join(" ")
        }
    }
}

/// Reads the trail, newest first. Only auditors and administrators may.
pub fn list(db: &Db, scope: &Scope, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
    if !scope.can(Permission::ReadAudit) {
        return Err(StoreError::Forbidden);
    }
    let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
    let offset = f.offset.max(0);
    let from = f.from.map(day_start_utc);
    let to = f.to.and_then(|d| d.succ_opt()).map(day_start_utc);
    let (before_at, before_id) = match &f.before {
        Some((at, id)) => (Some(at.clone()), Some(id.clone())),
        None => (None, None),
    };
    db.read(|tx| {
        let rows = tx.query(
            "SELECT id, at, user_id, username, action, entity, entity_id, origin, detail
             FROM audit_log
             WHERE (CAST($1 AS TEXT) IS NULL OR username = $1)
               AND (CAST($2 AS TEXT) IS NULL OR action = $2)
               AND (CAST($3 AS TEXT) IS NULL OR entity = $3)
               AND (CAST($4 AS TEXT) IS NULL OR entity_id = $4)
               AND (CAST($5 AS TEXT) IS NULL OR at >= $5)
               AND (CAST($6 AS TEXT) IS NULL OR at < $6)
               AND (CAST($7 AS TEXT) IS NULL OR at < $7 OR (at = $7 AND id < $8))
             ORDER BY at DESC, id DESC
             LIMIT $9 OFFSET $10",
            &[
                (&f.username).into(),
                (&f.action).into(),
                (&f.entity).into(),
                (&f.entity_id).into(),
                (&from).into(),
                (&to).into(),
                (&before_at).into(),
                (&before_id).into(),
                P::I(limit),
                P::I(offset),
            ],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.text(0)?,
                    at: r.text(1)?,
                    user_id: r.opt_text(2)?,
                    username: r.text(3)?,
                    action: r.text(4)?,
                    entity: r.text(5)?,
                    entity_id: r.opt_text(6)?,
                    origin: r.text(7)?,
                    detail: r.opt_text(8)?,
                })
            })
            .collect()
    })
}

/// Records that the trail, filtered by `f`, is being exported (an `export`
/// entry on entity `audit_log`, the filter in its detail). Call it before
/// the first row leaves; only auditors and administrators may. Reading the
/// trail on screen is not recorded; taking a copy away is.
pub fn record_export(db: &Db, scope: &Scope, f: &AuditFilter) -> Result<(), StoreError> {
    if !scope.can(Permission::ReadAudit) {
        return Err(StoreError::Forbidden);
    }
    let detail = f.describe();
    db.write(|tx| record(tx, scope, Action::Export, "audit_log", None, Some(&detail)))
}
