//! Signing in: the failed-attempt throttle on the account and the address,
//! the shared password check (also behind a password change and a token
//! issue), and the start of a browser session.

use super::{
    AuthConfig, DUMMY_HASH, MAX_NAME, MAX_ORIGIN, SignInError, after, anonymous, clip, parse_ts,
    random_secret, secret_hash, throttle_keys, ts, user_scope,
};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::users;
use chrono::{DateTime, Utc};
use hearth_core::user::{User, parse_username, verify_password};
use std::fmt;

/// A new session: the cookie value and the CSRF token go to the browser.
#[derive(Clone)]
pub struct SignedIn {
    /// The session cookie's value (never stored; only its hash is).
    pub token: String,
    pub csrf_token: String,
    pub user: User,
    /// The absolute end of the session.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedIn")
            .field("token", &"…")
            .field("csrf_token", &"…")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
// ---- the throttle -----------------------------------------------------------

/// Locks both keys' rows, and either reports the later lock in force or
/// counts this attempt as a failure (cleared again on success).
fn begin_attempt(
    tx: &mut Tx<'_>,
    cfg: &AuthConfig,
    keys: &[String; 2],
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let now_s = ts(now);
    let mut rows = Vec::with_capacity(keys.len());
    for key in keys {
        // The no-op update takes the row lock on PostgreSQL (SQLite's write
        // transaction already excludes other writers) and returns the row.
        let r = tx.query_one(
            "INSERT INTO sign_in_failure (key, failures, first_at, locked_until)
             VALUES ($1, 0, $2, NULL)
             ON CONFLICT (key) DO UPDATE SET failures = sign_in_failure.failures
             RETURNING failures, first_at, locked_until",
            &[P::T(key), P::T(&now_s)],
        )?;
        rows.push((key, r.int(0)?, r.text(1)?, r.opt_text(2)?));
    }
    let locked = rows
        .iter()
        .filter_map(|(_, _, _, until)| until.as_deref().and_then(parse_ts))
        .filter(|until| *until > now)
        .max();
    if let Some(until) = locked {
        return Ok(Some(ts(until)));
    }
    let max = cfg.max_failures.max(1);
    for (key, failures, first_at, until) in rows {
        // A new window after an expired lock, or once the old window passed.
        let fresh = failures <= 0
            || until.is_some()
            || parse_ts(&first_at).is_none_or(|first| after(first, cfg.lock_for) <= now);
        let (n, first) = if fresh {
            (1, now_s.clone())
        } else {
            (failures + 1, first_at)
        };
        let lock = (n >= max).then(|| ts(after(now, cfg.lock_for)));
        tx.exec(
            "UPDATE sign_in_failure SET failures = $1, first_at = $2, locked_until = $3
             WHERE key = $4",
            &[P::I(n), P::T(&first), (&lock).into(), P::T(key)],
        )?;
    }
    Ok(None)
}

pub(super) fn clear_keys(tx: &mut Tx<'_>, keys: &[String; 2]) -> Result<(), StoreError> {
    tx.exec(
        "DELETE FROM sign_in_failure WHERE key = $1 OR key = $2",
        &[P::T(&keys[0]), P::T(&keys[1])],
    )?;
    Ok(())
}

/// Forgets failure counts whose window and lock are both over.
fn prune_failures(tx: &mut Tx<'_>, cfg: &AuthConfig, now: DateTime<Utc>) -> Result<(), StoreError> {
    let window_start = now
        .checked_sub_signed(chrono::Duration::from_std(cfg.lock_for).unwrap_or_default())
        .unwrap_or(now);
    tx.exec(
        "DELETE FROM sign_in_failure
         WHERE first_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
        &[P::T(&ts(window_start)), P::T(&ts(now))],
    )?;
    Ok(())
}

/// The shared check of sign-in, token issue and password change: throttle,
/// look-up, argon2 verification (always run), disabled check, and the
/// audit entry of a failure. On success returns the user and the keys the
/// caller clears in its own transaction.
pub(super) fn authenticate(
    db: &Db,
    cfg: &AuthConfig,
    username: &str,
    password: &str,
    origin: &str,
    now: DateTime<Utc>,
    entity: &str,
) -> Result<(User, [String; 2]), SignInError> {
    let keys = throttle_keys(username, origin);
    let anon = anonymous(&clip(username, MAX_NAME), &clip(origin, MAX_ORIGIN));
    let locked = db.write(|tx| {
        let locked = begin_attempt(tx, cfg, &keys, now)?;
        if locked.is_some() {
            audit::record(
                tx,
                &anon,
                Action::SignInFailed,
                entity,
                None,
                Some("locked"),
            )?;
        }
        Ok(locked)
    })?;
    if let Some(until) = locked {
        return Err(SignInError::Locked { until });
    }
    let found = match parse_username(username) {
        Ok(name) => users::find_for_login(db, &name)?,
        Err(_) => None,
    };
    let outcome = match found {
        None => {
            // Same cost as a real check, so timing does not tell.
            let _ = verify_password(password, DUMMY_HASH);
            Err("unknown_user")
        }
        Some((user, hash)) => {
            if !verify_password(password, &hash) {
                Err("wrong_password")
            } else if user.disabled {
                Err("disabled")
            } else {
                Ok(user)
            }
        }
    };
    match outcome {
        Ok(user) => Ok((user, keys)),
        Err(detail) => {
            db.write(|tx| {
                prune_failures(tx, cfg, now)?;
                audit::record(tx, &anon, Action::SignInFailed, entity, None, Some(detail))
            })?;
            Err(SignInError::Invalid)
        }
    }
}
// ---- sign-in ----------------------------------------------------------------

/// Signs a user in from `origin` (the client's address, without a port):
/// checks the throttle and the password, and on success starts a session.
/// Audited as `sign_in` or `sign_in_failed` (entity `session`).
pub fn sign_in(
    db: &Db,
    cfg: &AuthConfig,
    username: &str,
    password: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, SignInError> {
    let (user, keys) = authenticate(db, cfg, username, password, origin, now, "session")?;
    let token = random_secret()?;
    let csrf_token = random_secret()?;
    let id = secret_hash(&token);
    let expires_at = after(now, cfg.absolute_timeout);
    let origin = clip(origin, MAX_ORIGIN);
    let scope = user_scope(&user, &origin);
    db.write(|tx| {
        clear_keys(tx, &keys)?;
        let now_s = ts(now);
        tx.exec("DELETE FROM session WHERE expires_at < $1", &[P::T(&now_s)])?;
        tx.exec(
            "INSERT INTO session (id, user_id, csrf_token, created_at, last_seen_at, expires_at,
                                  origin, revoked)
             VALUES ($1, $2, $3, $4, $4, $5, $6, 0)",
            &[
                P::T(&id),
                P::T(&user.id),
                P::T(&csrf_token),
                P::T(&now_s),
                P::T(&ts(expires_at)),
                P::T(&origin),
            ],
        )?;
        audit::record(tx, &scope, Action::SignIn, "session", Some(&id), None)
    })?;
    Ok(SignedIn {
        token,
        csrf_token,
        user,
        expires_at,
    })
}
