//! Sign-in (登录), browser sessions, API tokens and the failed-attempt
//! throttle.
//!
//! Secrets: a session cookie and an API token are 32 random bytes from the
//! operating system, hex-encoded. Only their SHA-256 (lower-case hex) is
//! stored, as the row id; a presented secret is hashed and looked up. A copy
//! of the database therefore cannot be used to act as anyone.
//!
//! Throttle: every attempt counts against two keys, `user:NAME` (the name as
//! typed) and `addr:ORIGIN`. The attempt is counted *before* the password is
//! checked, in a transaction that locks both rows, and the count is cleared
//! when the password turns out right; so concurrent guesses cannot slip past
//! the limit. When a key reaches [`AuthConfig::max_failures`] within
//! [`AuthConfig::lock_for`] of its first failure it is locked for
//! `lock_for`; while either key is locked, nothing is checked at all.
//!
//! Unknown user, wrong password and disabled account are one error,
//! [`SignInError::Invalid`], and cost the same argon2 verification (an
//! unknown user is checked against a fixed dummy hash); only the audit trail
//! records which it was.
//!
//! Time: every function that compares instants takes `now`, so callers pass
//! `Utc::now()` and tests move time forward without sleeping. Audit entries
//! carry the real time of writing.

use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::users::{self, user_from};
use chrono::{DateTime, Utc};
use hearth_core::Lang;
use hearth_core::Reason;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::{
    Role, User, check_password_strength, hash_password, parse_username, verify_password,
};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::Duration;

/// Session, lock-out and token lifetimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// A session unused this long is over (default 30 minutes).
    pub idle_timeout: Duration,
    /// A session is over this long after sign-in, used or not (default 12 h).
    pub absolute_timeout: Duration,
    /// Failed attempts on one key (account or address) before it locks
    /// (default 5).
    pub max_failures: i64,
    /// How long a lock lasts, and the window failures are counted in
    /// (default 15 minutes).
    pub lock_for: Duration,
    /// How long an API token is valid (default 30 days).
    pub token_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            max_failures: 5,
            lock_for: Duration::from_secs(15 * 60),
            token_ttl: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Why a sign-in (or a password check) was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown user, wrong password or disabled account — deliberately one
    /// error with one message.
    #[error("wrong user name or password")]
    Invalid,
    /// Too many failures for this account or this address; `until` is an
    /// RFC 3339 UTC instant.
    #[error("too many failed sign-ins; locked until {until}")]
    Locked { until: String },
    /// The database failed, or (for a password change) the new password was
    /// refused as `StoreError::Invalid` on the field `new_password`.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SignInError {
    /// The message a user reads, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SignInError::Invalid, Lang::Zh) => "用户名或密码错误".into(),
            (SignInError::Invalid, Lang::En) => "Wrong user name or password".into(),
            (SignInError::Locked { until }, Lang::Zh) => format!(
                "登录失败次数过多，已暂时锁定，请于 {}（北京时间）后再试",
                beijing(until)
            ),
            (SignInError::Locked { until }, Lang::En) => format!(
                "Too many failed sign-ins; try again after {} (China Standard Time)",
                beijing(until)
            ),
            (SignInError::Store(StoreError::Invalid(fields)), _) => fields
                .iter()
                .map(|f| f.message(lang))
                .collect::<Vec<_>>()
                .join("; "),
            (SignInError::Store(_), Lang::Zh) => "系统暂时无法登录，请稍后再试".into(),
            (SignInError::Store(_), Lang::En) => {
                "Signing in is not possible right now; please try again later".into()
            }
        }
    }
}

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

// ---- constants and small helpers ------------------------------------------

/// `last_seen_at` is written at most this often (seconds), not per request.
const TOUCH_EVERY_SECS: i64 = 60;
/// Typed user names and origins are clipped to this many characters before
/// they become throttle keys or audit entries.
const MAX_NAME: usize = 64;
const MAX_ORIGIN: usize = 128;
/// Presented secrets longer than this are not even hashed.
const MAX_SECRET: usize = 256;
/// API tokens carry a recognisable prefix (for secret scanners and logs).
const TOKEN_PREFIX: &str = "hth_";
/// An argon2id hash (same parameters as `hash_password`) of a password no
/// one has: unknown users are verified against it so that they cost as
/// much time as known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$v/CrtR1MQ/SMMU3AfvIzpA$ui2HBMlN1gFxYieOVdWEJCIxxm5odhy/GLyfQeib7Eo";

/// The columns `users::user_from` reads, from `app_user u`.
const UCOLS: &str =
    "u.id, u.username, u.display_name, u.role, u.org_code, u.disabled, u.named_access, u.version";

/// Formats an instant as stored: RFC 3339 UTC, second precision, so that
/// text order is time order.
fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `t + d`, with `d` capped at a century; an overflow gives `t` (so a
/// lifetime that cannot be represented ends at once, never lasts forever).
fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    let d = d.min(Duration::from_secs(100 * 365 * 86_400));
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(t)
}

/// An RFC 3339 instant shown in Beijing time, to the second.
fn beijing(until: &str) -> String {
    parse_ts(until)
        .map(|t| {
            (t + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| until.to_string())
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// 32 random bytes from the operating system, hex-encoded.
fn random_secret() -> Result<String, StoreError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| StoreError::Unavailable(format!("no randomness from the OS: {e}")))?;
    Ok(hex(&b))
}

/// The SHA-256 (lower-case hex) of a session or API-token secret: the id
/// under which it is stored.
pub fn secret_hash(secret: &str) -> String {
    hex(Sha256::digest(secret.as_bytes()).as_slice())
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn user_scope(u: &User, origin: &str) -> Scope {
    Scope::for_user(
        &u.id,
        &u.username,
        u.role,
        &u.org_code,
        u.named_access,
        origin,
    )
}

/// The scope a failed attempt is audited under: nobody, named as typed. It
/// covers no org unit and is used for nothing but the audit entry.
fn anonymous(typed: &str, origin: &str) -> Scope {
    Scope {
        user_id: None,
        username: typed.to_string(),
        role: Role::Auditor,
        org_prefix: "-".into(),
        named_access: false,
        origin: origin.to_string(),
    }
}

/// The two throttle keys of an attempt, in a fixed (sorted) order so that
/// concurrent attempts lock their rows in the same order.
fn throttle_keys(username: &str, origin: &str) -> [String; 2] {
    [
        format!("addr:{}", clip(origin.trim(), MAX_ORIGIN)),
        format!("user:{}", clip(username.trim(), MAX_NAME)),
    ]
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
        rows.push((key, r.i64(0), r.str(1), r.opt_str(2)));
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

fn clear_keys(tx: &mut Tx<'_>, keys: &[String; 2]) -> Result<(), StoreError> {
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
fn authenticate(
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

// ---- sessions ---------------------------------------------------------------

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
    let user = user_from(&r);
    // An instant that does not parse counts as over.
    let (Some(created_at), Some(last_seen), Some(expires_at)) = (
        parse_ts(&r.str(9)),
        parse_ts(&r.str(10)),
        parse_ts(&r.str(11)),
    ) else {
        return Ok(None);
    };
    if r.bool(13) || user.disabled || expires_at <= now || after(last_seen, cfg.idle_timeout) <= now
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
        csrf_token: r.str(8),
        created_at,
        expires_at,
        origin: r.str(12),
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
        let user = user_from(&r);
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
            &[P::T(&format!("user:{}", r.str(0)))],
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
        Ok(user_from(&r))
    })
}

// ---- API tokens -------------------------------------------------------------

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
    let user = user_from(&r);
    let live = parse_ts(&r.str(8)).is_some_and(|exp| exp > now) && !r.bool(9) && !user.disabled;
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
        let (id, owner) = (r.str(0), r.str(1));
        if !(scope.can(Permission::Administer) || scope.user_id.as_deref() == Some(&owner)) {
            return Err(StoreError::NotFound);
        }
        if r.bool(2) {
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
        Ok(tx
            .query(
                "SELECT id, user_id, name, created_at, expires_at, origin, revoked
                 FROM api_token WHERE user_id = $1
                 ORDER BY created_at DESC, id",
                &[P::T(user_id)],
            )?
            .iter()
            .map(|r| TokenInfo {
                id: r.str(0),
                user_id: r.str(1),
                name: r.str(2),
                created_at: r.str(3),
                expires_at: r.str(4),
                origin: r.str(5),
                revoked: r.bool(6),
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_costs_what_a_real_one_does() {
        let real = hash_password("something").unwrap_or_default();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).map(str::to_string);
        assert!(params(&real).is_some());
        assert_eq!(params(DUMMY_HASH), params(&real));
        assert!(!verify_password("", DUMMY_HASH));
    }

    #[test]
    fn secrets_and_hashes() {
        let a = random_secret().unwrap_or_default();
        let b = random_secret().unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(ct_eq(b"same", b"same"));
        assert!(!ct_eq(b"same", b"sane"));
        assert!(!ct_eq(b"same", b"same!"));
    }

    #[test]
    fn instants_and_messages() {
        let t = parse_ts("2026-05-01T06:30:00Z").unwrap_or_default();
        assert_eq!(ts(t), "2026-05-01T06:30:00Z");
        assert_eq!(
            ts(after(t, Duration::from_secs(90))),
            "2026-05-01T06:31:30Z"
        );
        let locked = SignInError::Locked {
            until: "2026-05-01T06:30:00Z".into(),
        };
        assert!(locked.message(Lang::Zh).contains("2026-05-01 14:30:00"));
        assert_eq!(SignInError::Invalid.message(Lang::Zh), "用户名或密码错误");
        assert_eq!(
            SignInError::Invalid.message(Lang::En),
            "Wrong user name or password"
        );
    }
}
