//! API tokens: issue one for a user name and password (throttled and
//! audited by the store like a sign-in), and revoke the one presented.

use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiLang, Caller, Origin};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::{FieldError, Reason};
use hearth_store::auth::SignInError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Issue an API token.
///
/// Wrong user name, wrong password and a disabled account are one answer
/// (401 `invalid_credentials`). Five failures within 15 minutes for the
/// account or the address lock both for 15 minutes (429 `locked`, with
/// `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A new token", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 422, description = "User name or password missing", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody,
            headers(("Retry-After" = i64, description = "Seconds until the lock ends"))),
    )
)]
pub async fn issue_token(
    State(st): State<AppState>,
    ApiLang(lang): ApiLang,
    Origin(origin): Origin,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    let mut errs = Vec::new();
    if body.username.trim().is_empty() {
        errs.push(FieldError::new("username", Reason::Required));
    }
    if body.password.is_empty() {
        errs.push(FieldError::new("password", Reason::Required));
    }
    if !errs.is_empty() {
        return Err(ApiError::invalid(errs, lang));
    }
    let db = st.db.clone();
    let cfg = st.auth.clone();
    let res = tokio::task::spawn_blocking(move || {
        hearth_store::auth::issue_token(
            &db,
            &cfg,
            &body.username,
            &body.password,
            body.name.as_deref().unwrap_or(""),
            &origin,
            chrono::Utc::now(),
        )
    })
    .await
    .unwrap_or_else(|e| {
        Err(SignInError::Store(hearth_store::StoreError::Db(
            e.to_string(),
        )))
    });
    match res {
        Ok(t) => Ok((
            StatusCode::OK,
            axum::Json(TokenResponse {
                token: t.token,
                token_id: t.id,
                expires_at: t
                    .expires_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }),
        )
            .into_response()),
        Err(SignInError::Store(e)) => Err(ApiError::store(e, lang)),
        Err(e @ SignInError::Invalid) => {
            Err(
                ApiError::api(StatusCode::UNAUTHORIZED, "invalid_credentials", lang)
                    .with_message(e.message(lang)),
            )
        }
        Err(SignInError::Locked { until }) => {
            let wait = chrono::DateTime::parse_from_rfc3339(&until)
                .map(|u| (u.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds())
                .unwrap_or(60)
                .max(1);
            let msg = SignInError::Locked {
                until: until.clone(),
            }
            .message(lang);
            Err(ApiError::api(StatusCode::TOO_MANY_REQUESTS, "locked", lang)
                .with_message(msg)
                .with_header(header::RETRY_AFTER, wait.to_string()))
        }
    }
}

/// Revoke the presented token.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/token",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token no longer works"),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn revoke_token(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let token = caller.token.clone();
    caller
        .run(&st, move |db, scope| {
            hearth_store::auth::revoke_token(db, scope, &token)
        })
        .await
        .map_err(|e| caller.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A request for an API token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[serde(default)]
    #[schema(example = "v01")]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// A label for the token, e.g. the device (default `api`).
    #[serde(default)]
    pub name: Option<String>,
}

/// A new API token. The token is shown once; only its hash is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The token's id (its SHA-256 hex): safe to show and log.
    pub token_id: String,
    /// When the token stops working (RFC 3339, UTC).
    #[schema(example = "2026-06-01T06:30:00Z")]
    pub expires_at: String,
}
