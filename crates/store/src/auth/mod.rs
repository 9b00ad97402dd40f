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
//!
//! By concern: `sign_in` (the throttle, the shared password check, a new
//! session), `sessions` (finding and ending a session), `password`
//! (password changes, resets and disabling an account) and `tokens` (API
//! tokens); this file holds the types and small helpers they share.

mod password;
mod sessions;
mod sign_in;
mod tokens;

pub use password::{admin_reset_password, change_password, set_disabled};
pub use sessions::{Session, session_user, sign_out};
pub use sign_in::{SignedIn, sign_in};
pub use tokens::{IssuedToken, TokenInfo, issue_token, list_tokens, revoke_token, token_user};

use crate::error::StoreError;
use chrono::{DateTime, Utc};
use hearth_core::Lang;
use hearth_core::scope::Scope;
use hearth_core::user::{Role, User};
use sha2::{Digest, Sha256};
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
#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::user::{hash_password, verify_password};

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
