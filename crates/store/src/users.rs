//! User accounts: creation by an administrator, look-up for sign-in, and
//! password changes. Password hashes never leave this module except for
//! verification.

use crate::audit::{self, Action};
use crate::db::{P, Row};
use crate::error::StoreError;
use crate::{Db, new_id};
use hearth_core::Reason;
use hearth_core::dates::now_utc;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::{Role, User, parse_username};

/// A new account's details.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub org_code: &'a str,
    /// An argon2id PHC string from [`hearth_core::user::hash_password`].
    pub password_hash: &'a str,
    pub named_access: bool,
}

const COLS: &str = "id, username, display_name, role, org_code, disabled, named_access, version";

pub(crate) fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.text(0)?,
        username: r.text(1)?,
        display_name: r.text(2)?,
        role: r.coded(3, Role::parse)?,
        org_code: r.text(4)?,
        disabled: r.flag(5)?,
        named_access: r.flag(6)?,
        version: r.int(7)?,
    })
}

/// Creates an account. Administrators only; the user name must be free and
/// the org unit must exist.
pub fn create(db: &Db, scope: &Scope, u: &NewUser<'_>) -> Result<User, StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    let username = parse_username(u.username).map_err(|r| StoreError::field("username", r))?;
    let display = u.display_name.trim();
    if display.is_empty() {
        return Err(StoreError::field("display_name", Reason::Required));
    }
    db.write(|tx| {
        if tx
            .query_opt("SELECT 1 FROM org_unit WHERE code = $1", &[P::T(u.org_code)])?
            .is_none()
        {
            return Err(StoreError::field("org_code", Reason::UnknownOrg));
        }
        if tx
            .query_opt("SELECT 1 FROM app_user WHERE username = $1", &[P::T(&username)])?
            .is_some()
        {
            return Err(StoreError::field("username", Reason::Duplicate));
        }
        let id = new_id();
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO app_user (id, username, display_name, password_hash, role, org_code,
                                   disabled, named_access, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 1, $8, $9, $9)",
            &[
                P::T(&id),
                P::T(&username),
                P::T(display),
                P::T(u.password_hash),
                P::T(u.role.code()),
                P::T(u.org_code),
                u.named_access.into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "user", Some(&id), Some(&username))?;
        let r = tx.query_one(&format!("SELECT {COLS} FROM app_user WHERE id = $1"), &[P::T(&id)])?;
        user_from(&r)
    })
}

/// Looks up an account and its password hash by user name, for sign-in.
/// Disabled accounts are returned too; the caller refuses them.
pub fn find_for_login(db: &Db, username: &str) -> Result<Option<(User, String)>, StoreError> {
    db.read(|tx| {
        tx.query_opt(
            &format!("SELECT {COLS}, password_hash FROM app_user WHERE username = $1"),
            &[P::T(username.trim())],
        )?
        .map(|r| Ok((user_from(&r)?, r.text(8)?)))
        .transpose()
    })
}

/// Sets a new password hash for a user; administrators, or the user
/// themselves.
pub fn set_password(db: &Db, scope: &Scope, user_id: &str, hash: &str) -> Result<(), StoreError> {
    if !(scope.can(Permission::Administer) || scope.user_id.as_deref() == Some(user_id)) {
        return Err(StoreError::Forbidden);
    }
    db.write(|tx| {
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE app_user SET password_hash = $1, version = version + 1, change_seq = $2, updated_at = $3
             WHERE id = $4",
            &[P::T(hash), P::I(seq), P::T(&now_utc()), P::T(user_id)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::record(tx, scope, Action::Update, "user", Some(user_id), Some("password"))
    })
}

/// Lists all accounts (administrators only), by user name.
pub fn list(db: &Db, scope: &Scope) -> Result<Vec<User>, StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    db.read(|tx| {
        tx.query(
            &format!("SELECT {COLS} FROM app_user ORDER BY username"),
            &[],
        )?
        .iter()
        .map(user_from)
        .collect()
    })
}

/// An account as the administrators' list shows it: the user and the name
/// of their org unit (`None` if the unit is gone).
#[derive(Debug, Clone, PartialEq)]
pub struct UserListing {
    pub user: User,
    pub org_name: Option<String>,
}

/// Lists all accounts with their org unit's name (administrators only), by
/// user name. Lists no personal data of the register, so it is not audited.
pub fn list_with_org(db: &Db, scope: &Scope) -> Result<Vec<UserListing>, StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    db.read(|tx| {
        tx.query(
            "SELECT u.id, u.username, u.display_name, u.role, u.org_code, u.disabled,
                    u.named_access, u.version, o.name
             FROM app_user u LEFT JOIN org_unit o ON o.code = u.org_code
             ORDER BY u.username",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(UserListing {
                user: user_from(r)?,
                org_name: r.opt_text(8)?,
            })
        })
        .collect()
    })
}
