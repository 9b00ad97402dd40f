//! The audit trail (审计日志): an append-only record of who did what to
//! which record, when and from where. Written inside the same transaction as
//! the action it records, so an action and its audit entry land together.

use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::{Db, new_id};
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
    pub limit: i64,
}

/// Reads the trail, newest first. Only auditors and administrators may.
pub fn list(db: &Db, scope: &Scope, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
    if !scope.can(Permission::ReadAudit) {
        return Err(StoreError::Forbidden);
    }
    let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
    db.read(|tx| {
        let rows = tx.query(
            "SELECT id, at, user_id, username, action, entity, entity_id, origin, detail
             FROM audit_log
             WHERE (CAST($1 AS TEXT) IS NULL OR username = $1)
               AND (CAST($2 AS TEXT) IS NULL OR action = $2)
               AND (CAST($3 AS TEXT) IS NULL OR entity = $3)
               AND (CAST($4 AS TEXT) IS NULL OR entity_id = $4)
             ORDER BY at DESC, id DESC
             LIMIT $5",
            &[
                (&f.username).into(),
                (&f.action).into(),
                (&f.entity).into(),
                (&f.entity_id).into(),
                P::I(limit),
            ],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.str(0),
                at: r.str(1),
                user_id: r.opt_str(2),
                username: r.str(3),
                action: r.str(4),
                entity: r.str(5),
                entity_id: r.opt_str(6),
                origin: r.str(7),
                detail: r.opt_str(8),
            })
            .collect())
    })
}
