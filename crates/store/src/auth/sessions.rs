//! Browser sessions after sign-in: finding the live session behind a
//! cookie (idle and absolute timeouts, revoked, disabled user) and signing
//! out.

use super::{
    AuthConfig, MAX_ORIGIN, MAX_SECRET, TOUCH_EVERY_SECS, UCOLS, after, clip, ct_eq, parse_ts,
    secret_hash, ts, user_scope,
};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::users::user_from;
use chrono::{DateTime, Utc};
use hearth_core::scope::Scope;
use hearth_core::user::User;
use std::fmt;

/// A live session, as found from its cookie.
#[derive(Clone)]
pub struct Session {
    /// The SHA-256 hex of the cookie value (the row id; safe to log).
    pub id: String,
    pub user: User,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Where the session was signed in from.
    pub origin: String,
}

impl Session {
    /// The scope the session's user acts in, for a request from `origin`.
    pub fn scope(&self, origin: &str) -> Scope {
        user_scope(&self.user, origin)
    }

    /// True when `presented` is this session's CSRF token (constant time).
    pub fn csrf_ok(&self, presented: &str) -> bool {
        ct_eq(self.csrf_token.as_bytes(), presented.as_bytes())
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user", &self.user)
            .field("csrf_token", &"…")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("origin", &self.origin)
            .finish()
    }
}
/// The live session a cookie value names, or `None` when it is unknown,
/// revoked, idle too long, past its absolute end, or its user is disabled.
/// Touches `last_seen_at` at most once a minute.
pub fn session_user(
    db: &Db,
    cfg: &AuthConfig,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    if token.is_empty() || token.len() > MAX_SECRET {
        return Ok(None);
    }
    let id = secret_hash(token);
    let row = db.read(|tx| {
        tx.query_opt(
            &format!(
                "SELECT {UCOLS}, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
                        s.origin, s.revoked
                 FROM session s JOIN app_user u ON u.id = s.user_id
                 WHERE s.id = $1"
            ),
            &[P::T(&id)],
        )
    })?;
    let Some(r) = row else {
        return Ok(None);
    };
    let user = user_from(&r)?;
    // An instant that does not parse counts as over.
    let (Some(created_at), Some(last_seen), Some(expires_at)) = (
        parse_ts(&r.text(9)?),
        parse_ts(&r.text(10)?),
        parse_ts(&r.text(11)?),
    ) else {
        return Ok(None);
    };
    if r.flag(13)?
        || user.disabled
        || expires_at <= now
        || after(last_seen, cfg.idle_timeout) <= now
    {
        return Ok(None);
    }
    if (now - last_seen).num_seconds() >= TOUCH_EVERY_SECS {
        db.write(|tx| {
            tx.exec(
                "UPDATE session SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1",
                &[P::T(&ts(now)), P::T(&id)],
            )
        })?;
    }
    Ok(Some(Session {
        id,
        user,
        csrf_token: r.text(8)?,
        created_at,
        expires_at,
        origin: r.text(12)?,
    }))
}

/// Ends the session a cookie value names. Returns whether a live (not yet
/// revoked) session was ended; audited as `sign_out` from `origin`.
pub fn sign_out(db: &Db, token: &str, origin: &str) -> Result<bool, StoreError> {
    if token.is_empty() || token.len() > MAX_SECRET {
        return Ok(false);
    }
    let id = secret_hash(token);
    db.write(|tx| {
        let Some(r) = tx.query_opt(
            &format!(
                "SELECT {UCOLS} FROM session s JOIN app_user u ON u.id = s.user_id
                 WHERE s.id = $1 AND s.revoked = 0"
            ),
            &[P::T(&id)],
        )?
        else {
            return Ok(false);
        };
        let user = user_from(&r)?;
        tx.exec("UPDATE session SET revoked = 1 WHERE id = $1", &[P::T(&id)])?;
        audit::record(
            tx,
            &user_scope(&user, &clip(origin, MAX_ORIGIN)),
            Action::SignOut,
            "session",
            Some(&id),
            None,
        )?;
        Ok(true)
    })
}
