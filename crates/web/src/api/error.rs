//! The API's error response: always JSON `{error, message, fields}` in the
//! caller's language, built from the web layer's [`WebError`] for what the
//! store can say (not found, forbidden, stale version, invalid input, server
//! fault) plus what only HTTP can say (no or bad token, missing `If-Match`,
//! malformed JSON, too many sign-in attempts, a household with members).

use crate::error::WebError;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::{FieldError, Lang, Reason};
use hearth_store::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code: `not_found`, `forbidden`, `conflict`,
    /// `invalid`, `malformed_json`, `unauthorized`, `invalid_token`,
    /// `invalid_credentials`, `locked`, `precondition_required`,
    /// `bad_if_match`, `has_members`, `method_not_allowed`,
    /// `unsupported_media_type`, `bad_request`, `server_error`.
    #[schema(example = "invalid")]
    pub error: String,
    /// What went wrong, in the caller's language (`Accept-Language`).
    pub message: String,
    /// Each refused field (a JSON path such as `child_order` or
    /// `flags.only_child`) with the reason, in the caller's language.
    pub fields: BTreeMap<String, String>,
    /// On `409 conflict`: the record as it is now, to merge and retry with
    /// its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

/// An API error on its way to the client (boxed: handlers return it in
/// every `Result`).
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    body: ErrorBody,
    headers: Vec<(HeaderName, String)>,
    /// A server fault's detail: logged, never sent.
    detail: Option<String>,
}

/// Messages of the errors only the API gives, in both languages.
fn api_message(code: &str, lang: Lang) -> &'static str {
    match (code, lang) {
        ("unauthorized", Lang::Zh) => "需要登录：请在 Authorization 头中提供 Bearer 令牌",
        ("unauthorized", Lang::En) => {
            "Authentication required: send a Bearer token in the Authorization header"
        }
        ("invalid_token", Lang::Zh) => "令牌无效、已过期或已撤销，请重新获取",
        ("invalid_token", Lang::En) => "The token is invalid, expired or revoked; get a new one",
        ("precondition_required", Lang::Zh) => {
            "修改记录须带 If-Match 头，值为读取时的版本号（ETag）"
        }
        ("precondition_required", Lang::En) => {
            "A change needs an If-Match header carrying the version (ETag) you read"
        }
        ("bad_if_match", Lang::Zh) => "If-Match 头应为记录的版本号，例如 \"3\"",
        ("bad_if_match", Lang::En) => "The If-Match header must be a record version, such as \"3\"",
        ("malformed_json", Lang::Zh) => "请求正文不是有效的 JSON",
        ("malformed_json", Lang::En) => "The request body is not valid JSON",
        ("unsupported_media_type", Lang::Zh) => {
            "请求正文应为 JSON（Content-Type: application/json）"
        }
        ("unsupported_media_type", Lang::En) => {
            "The request body must be JSON (Content-Type: application/json)"
        }
        ("has_members", Lang::Zh) => "该户还有成员，不能删除",
        ("has_members", Lang::En) => "The household still has members and cannot be deleted",
        ("method_not_allowed", Lang::Zh) => "此地址不支持该请求方法",
        ("method_not_allowed", Lang::En) => "This method is not allowed here",
        ("not_found", Lang::Zh) => "没有这个接口",
        ("not_found", Lang::En) => "No such API route",
        (_, Lang::Zh) => "请求有误",
        (_, Lang::En) => "Bad request",
    }
}

/// The message of a JSON value of the wrong type or shape.
pub(crate) fn wrong_type(lang: Lang, detail: &str) -> String {
    match lang {
        Lang::Zh => format!("类型或取值不对（{detail}）"),
        Lang::En => format!("has the wrong type or value ({detail})"),
    }
}

impl ApiError {
    fn new(inner: Inner) -> ApiError {
        ApiError(Box::new(inner))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The JSON body.
    pub fn body(&self) -> &ErrorBody {
        &self.0.body
    }

    /// An error of the API's own (see [`api_message`]).
    pub fn api(status: StatusCode, code: &'static str, lang: Lang) -> ApiError {
        ApiError::new(Inner {
            status,
            body: ErrorBody {
                error: code.to_string(),
                message: api_message(code, lang).to_string(),
                fields: BTreeMap::new(),
                current: None,
            },
            headers: Vec::new(),
            detail: None,
        })
    }

    /// An error the web layer knows, with its status, code and message.
    pub fn web(e: WebError, lang: Lang) -> ApiError {
        let fields = match &e {
            WebError::Invalid(f) => f
                .iter()
                .map(|e| (e.field.clone(), e.message(lang)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let detail = match &e {
            WebError::Server(d) => Some(d.clone()),
            _ => None,
        };
        ApiError::new(Inner {
            status: e.status(),
            body: ErrorBody {
                error: e.code().to_string(),
                message: e.message(lang),
                fields,
                current: None,
            },
            headers: Vec::new(),
            detail,
        })
    }

    /// A store error in the caller's language.
    pub fn store(e: StoreError, lang: Lang) -> ApiError {
        ApiError::web(e.into(), lang)
    }

    /// 422 with every refused field.
    pub fn invalid(fields: Vec<FieldError>, lang: Lang) -> ApiError {
        ApiError::web(WebError::Invalid(fields), lang)
    }

    /// 422 for one field.
    pub fn field(field: &str, reason: Reason, lang: Lang) -> ApiError {
        ApiError::invalid(vec![FieldError::new(field, reason)], lang)
    }

    /// Adds a field and its reason to the body.
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.0.body.fields.insert(field.into(), message.into());
        self
    }

    /// Replaces the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.body.message = message.into();
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.0.headers.push((name, value.into()));
        self
    }

    /// A 409 carrying the record as it is now (and its ETag).
    pub fn conflict_with(lang: Lang, current: serde_json::Value, version: i64) -> ApiError {
        let mut e = ApiError::web(WebError::Conflict { current: version }, lang)
            .with_header(header::ETAG, crate::kit::api::etag(version));
        e.0.body.current = Some(current);
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let inner = *self.0;
        if let Some(detail) = &inner.detail {
            tracing::error!(%detail, "api request failed");
        }
        let mut res = (inner.status, axum::Json(inner.body)).into_response();
        for (name, value) in inner.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().append(name, v);
            }
        }
        res
    }
}
