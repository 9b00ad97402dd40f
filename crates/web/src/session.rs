//! Who is asking: the session cookie (pages) or bearer token (API) turned
//! into the signed-in user and their store `Scope`, plus the per-request
//! language and the small cookie helpers.

use crate::AppState;
use crate::i18n::Tr;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::Lang;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::User;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "hearth_session";
pub const LANG_COOKIE: &str = "hearth_lang";
pub const PRE_CSRF_COOKIE: &str = "hearth_pre_csrf";

/// The value of one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when the
/// request came over TLS (directly or through a proxy that says so).
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// True when the request arrived over TLS.
pub fn is_secure(headers: &HeaderMap, st: &AppState) -> bool {
    st.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The request's language: `?lang=` wins, then the language cookie, then
/// Chinese.
pub fn lang_of(parts: &Parts) -> Lang {
    if let Some(q) = parts.uri.query() {
        for kv in q.split('&') {
            if let Some(v) = kv.strip_prefix("lang=") {
                return Lang::from_tag(v);
            }
        }
    }
    cookie(&parts.headers, LANG_COOKIE).map_or(Lang::Zh, |v| Lang::from_tag(&v))
}

/// The client's address for the audit trail.
pub fn origin_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// The request's language and address, available to every handler.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub origin: String,
    pub secure: bool,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr { lang: self.lang }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            lang: lang_of(parts),
            origin: origin_of(parts),
            secure: is_secure(&parts.headers, st),
        })
    }
}

/// A signed-in user of the pages, from the session cookie.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub csrf: String,
    pub scope: Scope,
    pub ctx: Ctx,
    pub session: hearth_store::auth::Session,
}

impl SignedIn {
    /// What the page header shows of the user.
    pub fn me(&self) -> Me {
        Me {
            display_name: self.user.display_name.clone(),
            role_label: match self.ctx.lang {
                Lang::Zh => self.user.role.label_zh().to_string(),
                Lang::En => self.user.role.code().replace('_', " "),
            },
            csrf: self.csrf.clone(),
            is_admin: self.scope.can(Permission::Administer),
            can_write: self.scope.can(Permission::WriteRegister),
            can_audit: self.scope.can(Permission::ReadAudit),
            can_read: self.scope.can(Permission::ReadRegister),
            can_stats: self.scope.can(Permission::ReadStatistics),
            can_visit: self.scope.can(Permission::RecordVisit),
            // The register itself checks the grant; the link is offered to
            // the roles that may hold one.
            may_enforce: matches!(
                self.user.role,
                hearth_core::user::Role::Admin
                    | hearth_core::user::Role::TownStaff
                    | hearth_core::user::Role::Supervisor
            ),
        }
    }

    /// Refuses a state-changing form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), crate::error::WebError> {
        if !token.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(crate::error::WebError::Csrf)
        }
    }
}

/// The user as the page header shows them.
#[derive(Debug, Clone)]
pub struct Me {
    pub display_name: String,
    pub role_label: String,
    pub csrf: String,
    pub is_admin: bool,
    pub can_write: bool,
    pub can_audit: bool,
    pub can_read: bool,
    pub can_stats: bool,
    pub can_visit: bool,
    pub may_enforce: bool,
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = Ctx {
            lang: lang_of(parts),
            origin: origin_of(parts),
            secure: is_secure(&parts.headers, st),
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        let db = st.db.clone();
        let cfg = st.auth.clone();
        let found = tokio::task::spawn_blocking(move || {
            hearth_store::auth::session_user(&db, &cfg, &token, chrono::Utc::now())
        })
        .await;
        match found {
            Ok(Ok(Some(s))) => {
                let scope = s.scope(&ctx.origin);
                Ok(SignedIn {
                    user: s.user.clone(),
                    csrf: s.csrf_token.clone(),
                    scope,
                    ctx,
                    session: s,
                })
            }
            Ok(Ok(None)) => Err(Redirect::to("/sign-in?expired=1").into_response()),
            Ok(Err(e)) => Err(crate::kit::page::error_page(&ctx, e.into(), None)),
            Err(e) => Err(crate::kit::page::error_page(&ctx, e.into(), None)),
        }
    }
}

/// Remembers a `?lang=` choice in a cookie so the next pages keep it.
pub async fn remember_lang(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let chosen = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(|v| Lang::from_tag(v).to_string())
    });
    let mut res = next.run(req).await;
    if let Some(l) = chosen
        && let Ok(v) = set_cookie(LANG_COOKIE, &l, Some(365 * 24 * 3600), false).parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
