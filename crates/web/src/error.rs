//! The web layer's one error type: it picks the status, renders a page or a
//! JSON body in the user's language, logs server faults and never shows
//! their text.

use crate::i18n::t;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hearth_core::Lang;
use hearth_store::StoreError;
use std::collections::BTreeMap;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    Csrf,
    Conflict { current: i64 },
    Invalid(Vec<hearth_core::FieldError>),
    Server(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Forbidden => WebError::Forbidden,
            StoreError::Conflict { current } => WebError::Conflict { current },
            StoreError::Invalid(f) => WebError::Invalid(f),
            other => WebError::Server(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for WebError {
    fn from(e: tokio::task::JoinError) -> Self {
        WebError::Server(e.to_string())
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Server(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotFound => "not_found",
            WebError::Forbidden => "forbidden",
            WebError::Csrf => "csrf",
            WebError::Conflict { .. } => "conflict",
            WebError::Invalid(_) => "invalid",
            WebError::Server(_) => "server_error",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let key = match self {
            WebError::NotFound => "error.not_found",
            WebError::Forbidden => "error.forbidden",
            WebError::Csrf => "error.csrf",
            WebError::Conflict { .. } => "error.conflict",
            WebError::Invalid(_) => "error.invalid",
            WebError::Server(_) => "error.server",
        };
        t(lang, key).to_string()
    }

    /// The JSON body of an API error: `{error, message, fields}`.
    pub fn json(&self, lang: Lang) -> serde_json::Value {
        let fields: BTreeMap<String, String> = match self {
            WebError::Invalid(f) => f
                .iter()
                .map(|e| (e.field.clone(), e.message(lang)))
                .collect(),
            _ => BTreeMap::new(),
        };
        serde_json::json!({"error": self.code(), "message": self.message(lang), "fields": fields})
    }

    fn log(&self) {
        if let WebError::Server(detail) = self {
            tracing::error!(%detail, "request failed");
        }
    }

    /// An API response in the given language.
    pub fn into_json_response(self, lang: Lang) -> Response {
        self.log();
        (self.status(), axum::Json(self.json(lang))).into_response()
    }
}

/// Without a known language (no request context), answer in Chinese as JSON.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.into_json_response(Lang::Zh)
    }
}
