//! Administration and oversight screens: users (create, reset, disable),
//! the person import page, and the auditor's trail.
//!
//! - `audit`: `GET /audit` (the trail, filtered and paged; auditors and
//!   administrators) and `GET /audit/export.csv` (the same filters as a
//!   streamed CSV, itself written to the trail as an `export`).
//! - `users`: `GET/POST /admin/users`, `POST /admin/users/{id}/reset-password`,
//!   `…/disable`, `…/enable` (administrators).
//! - `import`: `GET/POST /import`, `POST /import/confirm`,
//!   `GET /import/template.csv`, `GET /import/report.json` (users who may
//!   write the register); `uploads` keeps an uploaded file between the dry
//!   run and the confirmation.

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

mod audit;
mod import;
mod uploads;
mod users;

/// The largest import file accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// The admin screens' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit::page))
        .route("/audit/export.csv", get(audit::export))
        .route("/admin/users", get(users::page).post(users::create))
        .route(
            "/admin/users/{id}/reset-password",
            post(users::reset_password),
        )
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route(
            "/import",
            get(import::page)
                // Room for the file plus the multipart framing.
                .post(import::upload)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/import/confirm", post(import::confirm))
        .route("/import/template.csv", get(import::template))
        .route("/import/report.json", get(import::report))
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters
/// stay as they are).
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string from non-empty pairs, without the leading `?`.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A catalogue entry for `prefix.code`, or the code itself when the
/// catalogue has none (a new action or entity still shows).
pub(crate) fn word(lang: hearth_core::Lang, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    let w = crate::i18n::t(lang, &key);
    if w == key {
        code.to_string()
    } else {
        w.to_string()
    }
}

/// A role's name in the user's language.
pub(crate) fn role_label(lang: hearth_core::Lang, role: hearth_core::user::Role) -> String {
    word(lang, "admin.role", role.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(enc("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(enc("审"), "%E5%AE%A1");
        assert_eq!(
            query_string(&[("user", "v01"), ("action", ""), ("page", "2")]),
            "user=v01&page=2"
        );
    }
}
