//! Password changes and account lock-down: a user's own change, an
//! administrator's reset, and disabling an account; each ends the user's
//! other sessions and API tokens.

use super::sign_in::{authenticate, clear_keys};
use super::{AuthConfig, MAX_ORIGIN, Session, SignInError, UCOLS, clip, ts, user_scope};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::users::user_from;
use chrono::{DateTime, Utc};
use hearth_core::Reason;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::{User, check_password_strength, hash_password};

/// Revokes every session and API token of a user, except the session `keep`.
fn revoke_all(tx: &mut Tx<'_>, user_id: &str, keep: Option<&str>) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE session SET revoked = 1
         WHERE user_id = $1 AND revoked = 0 AND id <> $2",
        &[P::T(user_id), P::T(keep.unwrap_or(""))],
    )?;
    tx.exec(
        "UPDATE api_token SET revoked = 1 WHERE user_id = $1 AND revoked = 0",
        &[P::T(user_id)],
    )?;
    Ok(())
}

fn store_password(tx: &mut Tx<'_>, user_id: &str, hash: &str, now: &str) -> Result<(), StoreError> {
    let seq = tx.next_seq()?;
    let n = tx.exec(
        "UPDATE app_user SET password_hash = $1, password_changed_at = $2, version = version + 1,
                             change_seq = $3, updated_at = $2
         WHERE id = $4",
        &[P::T(hash), P::T(now), P::I(seq), P::T(user_id)],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A signed-in user changes their own password: the old one is checked
/// (throttled and audited like a sign-in; a wrong one is
/// [`SignInError::Invalid`]), the new one must pass
/// `check_password_strength` (else `Store(Invalid)` on `new_password`).
/// Every other session of the user and all their API tokens are revoked;
/// `session` stays signed in. Audited as an `update` of the user.
pub fn change_password(
    db: &Db,
    cfg: &AuthConfig,
    session: &Session,
    old: &str,
    new: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<(), SignInError> {
    check_password_strength(new).map_err(|r| StoreError::field("new_password", r))?;
    let (user, keys) = authenticate(db, cfg, &session.user.username, old, origin, now, "user")?;
    if user.id != session.user.id {
        return Err(SignInError::Invalid);
    }
    let hash = hash_password(new).map_err(StoreError::Db)?;
    let scope = user_scope(&user, &clip(origin, MAX_ORIGIN));
    db.write(|tx| {
        clear_keys(tx, &keys)?;
        store_password(tx, &user.id, &hash, &ts(now))?;
        revoke_all(tx, &user.id, Some(&session.id))?;
        audit::record(
            tx,
            &scope,
            Action::Update,
            "user",
            Some(&user.id),
            Some("password"),
        )
    })?;
    Ok(())
}

/// An administrator sets a new password hash (from `hash_password`, after
/// `check_password_strength`) for a user. All the user's sessions and API
/// tokens are revoked and their account's sign-in lock is lifted. Audited.
pub fn admin_reset_password(
    db: &Db,
    scope: &Scope,
    user_id: &str,
    new_hash: &str,
) -> Result<(), StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    db.write(|tx| {
        let Some(r) = tx.query_opt(
            "SELECT username FROM app_user WHERE id = $1",
            &[P::T(user_id)],
        )?
        else {
            return Err(StoreError::NotFound);
        };
        store_password(tx, user_id, new_hash, &ts(Utc::now()))?;
        revoke_all(tx, user_id, None)?;
        tx.exec(
            "DELETE FROM sign_in_failure WHERE key = $1",
            &[P::T(&format!("user:{}", r.text(0)?))],
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "user",
            Some(user_id),
            Some("password_reset"),
        )
    })
}

/// An administrator disables or re-enables an account. Disabling revokes
/// all its sessions and API tokens; an administrator cannot disable their
/// own account. Audited; returns the account as now stored.
pub fn set_disabled(
    db: &Db,
    scope: &Scope,
    user_id: &str,
    disabled: bool,
) -> Result<User, StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    if disabled && scope.user_id.as_deref() == Some(user_id) {
        return Err(StoreError::field("disabled", Reason::BadTransition));
    }
    db.write(|tx| {
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE app_user SET disabled = $1, version = version + 1, change_seq = $2,
                                 updated_at = $3
             WHERE id = $4",
            &[
                disabled.into(),
                P::I(seq),
                P::T(&ts(Utc::now())),
                P::T(user_id),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            revoke_all(tx, user_id, None)?;
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "user",
            Some(user_id),
            Some(if disabled { "disabled" } else { "enabled" }),
        )?;
        let r = tx.query_one(
            &format!("SELECT {UCOLS} FROM app_user u WHERE u.id = $1"),
            &[P::T(user_id)],
        )?;
        user_from(&r)
    })
}
