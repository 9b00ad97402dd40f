//! What an API handler takes from a request, each refusal a JSON
//! [`ApiError`] (never axum's plain-text rejections): the caller behind a
//! bearer token with their `Scope` and language, a JSON body whose bad
//! fields are named, query and path parameters, and the `If-Match` version.

use super::error::{ApiError, wrong_type};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use hearth_core::scope::Scope;
use hearth_core::user::User;
use hearth_core::{Lang, Reason};
use hearth_store::{Db, StoreError};
use serde::de::DeserializeOwned;

/// The API's language: `Accept-Language` starting with `en` gives English,
/// anything else (or nothing) Chinese.
pub fn api_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map_or(Lang::Zh, |first| {
            let tag = first.split(';').next().unwrap_or("").trim();
            if tag.to_ascii_lowercase().starts_with("en") {
                Lang::En
            } else {
                Lang::Zh
            }
        })
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// The signed-in API caller: their account, the `Scope` the store needs,
/// the token they presented and the language to answer in.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub scope: Scope,
    pub token: String,
    pub lang: Lang,
}

impl Caller {
    /// Runs a store call on a blocking thread with the caller's scope.
    pub async fn run<T, F>(&self, st: &AppState, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Db, &Scope) -> Result<T, StoreError> + Send + 'static,
    {
        let db = st.db.clone();
        let scope = self.scope.clone();
        tokio::task::spawn_blocking(move || f(&db, &scope))
            .await
            .unwrap_or_else(|e| Err(StoreError::Db(e.to_string())))
    }

    /// A store error in the caller's language.
    pub fn err(&self, e: StoreError) -> ApiError {
        ApiError::store(e, self.lang)
    }
}

fn unauthorized(code: &'static str, lang: Lang) -> ApiError {
    let challenge = match code {
        "invalid_token" => "Bearer realm=\"hearth\", error=\"invalid_token\"",
        _ => "Bearer realm=\"hearth\"",
    };
    ApiError::api(StatusCode::UNAUTHORIZED, code, lang)
        .with_header(header::WWW_AUTHENTICATE, challenge)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let lang = api_lang(&parts.headers);
        let token = bearer(&parts.headers).ok_or_else(|| unauthorized("unauthorized", lang))?;
        let db = st.db.clone();
        let presented = token.clone();
        let found = tokio::task::spawn_blocking(move || {
            hearth_store::auth::token_user(&db, &presented, chrono::Utc::now())
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Db(e.to_string())))
        .map_err(|e| ApiError::store(e, lang))?;
        let user = found.ok_or_else(|| unauthorized("invalid_token", lang))?;
        let origin = crate::session::origin_of(parts);
        let scope = Scope::for_user(
            &user.id,
            &user.username,
            user.role,
            &user.org_code,
            user.named_access,
            &origin,
        );
        Ok(Caller {
            user,
            scope,
            token,
            lang,
        })
    }
}

/// The language of a request, for handlers without a caller.
#[derive(Debug, Clone, Copy)]
pub struct ApiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ApiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ApiLang(api_lang(&parts.headers)))
    }
}

/// The client's address (without port), for the throttle and the audit
/// trail.
#[derive(Debug, Clone)]
pub struct Origin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Origin(crate::session::origin_of(parts)))
    }
}

/// The version an `If-Match` header names: `"3"`, `W/"3"` or `3`. A change
/// without it is refused with 428, one with something else with 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = api_lang(&parts.headers);
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Err(ApiError::api(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                lang,
            ));
        };
        let bad = || {
            ApiError::api(StatusCode::BAD_REQUEST, "bad_if_match", lang)
                .with_field("If-Match", Reason::NotANumber.message(lang))
        };
        let text = v.to_str().map_err(|_| bad())?.trim();
        let text = text.strip_prefix("W/").unwrap_or(text);
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        match text.parse::<i64>() {
            Ok(n) if n > 0 => Ok(IfMatch(n)),
            _ => Err(bad()),
        }
    }
}

/// A JSON body. Malformed JSON is 400 `malformed_json`; a value of the
/// wrong type or a missing field is 422 `invalid` naming the field by its
/// JSON path; a non-JSON content type is 415.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &S) -> Result<Self, Self::Rejection> {
        let lang = api_lang(req.headers());
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or("").trim();
            if !(essence == "application/json" || essence.ends_with("+json")) {
                return Err(ApiError::api(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    lang,
                ));
            }
        }
        let bytes = Bytes::from_request(req, st).await.map_err(|e| {
            ApiError::api(e.status(), "bad_request", lang).with_field("body", e.body_text())
        })?;
        parse_json(&bytes, lang).map(ApiJson)
    }
}

/// Strips serde_json's " at line L column C" from a message.
fn without_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

/// Parses a JSON body, naming the field a bad value sits in.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], lang: Lang) -> Result<T, ApiError> {
    // Every body is an object (serde would also read a struct from an array).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => ApiError::web(crate::error::WebError::Invalid(Vec::new()), lang)
                    .with_field("body", wrong_type(lang, "a JSON object is expected")),
                Err(e) => ApiError::api(StatusCode::BAD_REQUEST, "malformed_json", lang)
                    .with_field("body", without_position(&e.to_string())),
            },
        );
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let msg = inner.to_string();
            let msg = without_position(&msg);
            return Err(match inner.classify() {
                serde_json::error::Category::Data => {
                    // A missing field is reported at its parent.
                    let (field, message) = match msg
                        .strip_prefix("missing field `")
                        .and_then(|m| m.split('`').next())
                    {
                        Some(name) if path == "." => {
                            (name.to_string(), Reason::Required.message(lang))
                        }
                        Some(name) => (format!("{path}.{name}"), Reason::Required.message(lang)),
                        None if path == "." => ("body".to_string(), wrong_type(lang, msg)),
                        None => (path, wrong_type(lang, msg)),
                    };
                    ApiError::web(crate::error::WebError::Invalid(Vec::new()), lang)
                        .with_field(field, message)
                }
                _ => ApiError::api(StatusCode::BAD_REQUEST, "malformed_json", lang)
                    .with_field("body", msg),
            });
        }
    };
    // Anything after the value is malformed too.
    de.end().map_err(|e| {
        ApiError::api(StatusCode::BAD_REQUEST, "malformed_json", lang)
            .with_field("body", without_position(&e.to_string()))
    })?;
    Ok(value)
}

/// Query parameters; a parameter that does not parse is 400 naming it.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, Self::Rejection> {
        let lang = api_lang(&parts.headers);
        Query::<T>::from_request_parts(parts, st)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text)
                    .to_string();
                ApiError::api(StatusCode::BAD_REQUEST, "bad_request", lang)
                    .with_field("query", detail)
            })
    }
}

/// A path parameter; one that does not decode is 400.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, Self::Rejection> {
        let lang = api_lang(&parts.headers);
        Path::<T>::from_request_parts(parts, st)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|e| {
                ApiError::api(StatusCode::BAD_REQUEST, "bad_request", lang)
                    .with_field("path", e.body_text())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        child_order: i64,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn fields(r: Result<Body, ApiError>) -> (u16, String, Vec<String>) {
        match r {
            Ok(b) => panic!("parsed {b:?}"),
            Err(e) => (
                e.status().as_u16(),
                e.body().error.clone(),
                e.body().fields.keys().cloned().collect(),
            ),
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        let en = Lang::En;
        assert_eq!(
            fields(parse_json(br#"{"name":"a","child_order":"x"}"#, en)),
            (422, "invalid".into(), vec!["child_order".into()])
        );
        assert_eq!(
            fields(parse_json(br#"{"child_order":1}"#, en)),
            (422, "invalid".into(), vec!["name".into()])
        );
        assert_eq!(
            fields(parse_json(
                br#"{"name":"a","child_order":1,"inner":{"flag":3}}"#,
                en
            )),
            (422, "invalid".into(), vec!["inner.flag".into()])
        );
        assert_eq!(
            fields(parse_json(br#"{"name":"a","#, en)),
            (400, "malformed_json".into(), vec!["body".into()])
        );
        assert_eq!(
            fields(parse_json(br#"{"name":"a","child_order":1} x"#, en)),
            (400, "malformed_json".into(), vec!["body".into()])
        );
        assert_eq!(
            fields(parse_json(b"[1]", en)),
            (422, "invalid".into(), vec!["body".into()])
        );
        assert_eq!(
            fields(parse_json(b"", en)),
            (400, "malformed_json".into(), vec!["body".into()])
        );
    }

    #[test]
    fn languages_and_bearer() {
        let mut h = HeaderMap::new();
        assert_eq!(api_lang(&h), Lang::Zh);
        h.insert(
            header::ACCEPT_LANGUAGE,
            header::HeaderValue::from_static("en-GB,en;q=0.9"),
        );
        assert_eq!(api_lang(&h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            header::HeaderValue::from_static("zh-CN,en;q=0.5"),
        );
        assert_eq!(api_lang(&h), Lang::Zh);
        h.insert(
            header::AUTHORIZATION,
            header::HeaderValue::from_static("bearer abc "),
        );
        assert_eq!(bearer(&h), Some("abc".into()));
        h.insert(
            header::AUTHORIZATION,
            header::HeaderValue::from_static("Basic abc"),
        );
        assert_eq!(bearer(&h), None);
    }
}
