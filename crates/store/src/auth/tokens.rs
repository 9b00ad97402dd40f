//! API tokens: issued for a user name and password (throttled like a
//! sign-in), looked up per request, revoked, and listed for their owner.

use super::sign_in::{authenticate, clear_keys};
use super::{
    AuthConfig, MAX_NAME, MAX_ORIGIN, MAX_SECRET, SignInError, TOKEN_PREFIX, UCOLS, after, clip,
    parse_ts, random_secret, secret_hash, ts, user_scope,
};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::users::user_from;
use chrono::{DateTime, Utc};
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::User;
use std::fmt;

/// A new API token: `token` is shown once and never stored.
#[derive(Clone)]
pub struct IssuedToken {
    pub token: String,
    /// The SHA-256 hex of the token (the row id; safe to show and log, and
    /// enough to revoke it).
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"…")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An API token as listed (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
    pub origin: String,
    pub revoked: bool,
}
/// Issues an API token for a user name and password, with the same
/// throttle, checks and audit as [`sign_in`] (entity `api_token`). `name`
/// labels the token for its owner (e.g. the device); valid for
/// `cfg.token_ttl`.
pub fn issue_token(
    db: &Db,
    cfg: &AuthConfig,
    username: &str,
    password: &str,
    name: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<IssuedToken, SignInError> {
    let (user, keys) = authenticate(db, cfg, username, password, origin, now, "api_token")?;
    let token = format!("{TOKEN_PREFIX}{}", random_secret()?);
    let id = secret_hash(&token);
    let expires_at = after(now, cfg.token_ttl);
    let name = match clip(name.trim(), MAX_NAME) {
        n if n.is_empty() => "api".to_string(),
        n => n,
    };
    let origin = clip(origin, MAX_ORIGIN);
    let scope = user_scope(&user, &origin);
    db.write(|tx| {
        clear_keys(tx, &keys)?;
        let now_s = ts(now);
        tx.exec(
            "DELETE FROM api_token WHERE expires_at < $1",
            &[P::T(&now_s)],
        )?;
        tx.exec(
            "INSERT INTO api_token (id, user_id, name, created_at, expires_at, origin, revoked)
             VALUES ($1, $2, $3, $4, $5, $6, 0)",
            &[
                P::T(&id),
                P::T(&user.id),
                P::T(&name),
                P::T(&now_s),
                P::T(&ts(expires_at)),
                P::T(&origin),
            ],
        )?;
        audit::record(
            tx,
            &scope,
            Action::SignIn,
            "api_token",
            Some(&id),
            Some(&name),
        )
    })?;
    Ok(IssuedToken {
        token,
        id,
        expires_at,
    })
}

/// The user an API token belongs to, or `None` when the token is unknown,
/// revoked, expired, or its user is disabled.
pub fn token_user(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<User>, StoreError> {
    if token.is_empty() || token.len() > MAX_SECRET {
        return Ok(None);
    }
    let id = secret_hash(token);
    let row = db.read(|tx| {
        tx.query_opt(
            &format!(
                "SELECT {UCOLS}, t.expires_at, t.revoked
                 FROM api_token t JOIN app_user u ON u.id = t.user_id
                 WHERE t.id = $1"
            ),
            &[P::T(&id)],
        )
    })?;
    let Some(r) = row else {
        return Ok(None);
    };
    let user = user_from(&r)?;
    let live = parse_ts(&r.text(8)?).is_some_and(|exp| exp > now) && !r.flag(9)? && !user.disabled;
    Ok(live.then_some(user))
}

/// Revokes an API token, named by the token itself or by its id (its
/// SHA-256 hex). Its owner or an administrator may; anyone else gets
/// `NotFound`, as for a token that does not exist. Revoking a revoked token
/// is a no-op. Audited as an `update` of the token.
pub fn revoke_token(db: &Db, scope: &Scope, token_or_id: &str) -> Result<(), StoreError> {
    if token_or_id.is_empty() || token_or_id.len() > MAX_SECRET {
        return Err(StoreError::NotFound);
    }
    let hashed = secret_hash(token_or_id);
    db.write(|tx| {
        let Some(r) = tx.query_opt(
            "SELECT id, user_id, revoked FROM api_token WHERE id = $1 OR id = $2",
            &[P::T(&hashed), P::T(token_or_id)],
        )?
        else {
            return Err(StoreError::NotFound);
        };
        let (id, owner) = (r.text(0)?, r.text(1)?);
        if !(scope.can(Permission::Administer) || scope.user_id.as_deref() == Some(&owner)) {
            return Err(StoreError::NotFound);
        }
        if r.flag(2)? {
            return Ok(());
        }
        tx.exec(
            "UPDATE api_token SET revoked = 1 WHERE id = $1",
            &[P::T(&id)],
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "api_token",
            Some(&id),
            Some("revoked"),
        )
    })
}

/// Lists a user's API tokens (newest first, without secrets): the user
/// themselves or an administrator.
pub fn list_tokens(db: &Db, scope: &Scope, user_id: &str) -> Result<Vec<TokenInfo>, StoreError> {
    if !(scope.can(Permission::Administer) || scope.user_id.as_deref() == Some(user_id)) {
        return Err(StoreError::Forbidden);
    }
    db.read(|tx| {
        tx.query(
            "SELECT id, user_id, name, created_at, expires_at, origin, revoked
             FROM api_token WHERE user_id = $1
             ORDER BY created_at DESC, id",
            &[P::T(user_id)],
        )?
        .iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.text(0)?,
                user_id: r.text(1)?,
                name: r.text(2)?,
                created_at: r.text(3)?,
                expires_at: r.text(4)?,
                origin: r.text(5)?,
                revoked: r.flag(6)?,
            })
        })
        .collect()
    })
}
