//! Driving the JSON API: one answer (status, headers, JSON body) and a
//! client holding a bearer token.

use crate::kit::http::PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

/// One answer: status, headers and the JSON body (Null when empty).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    pub(crate) fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    pub(crate) fn fields(&self) -> Vec<String> {
        self.body["fields"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// A client of the API, with or without a token.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) c: reqwest::Client,
    pub(crate) token: Option<String>,
}

impl Api {
    pub(crate) fn new(base: &str) -> Api {
        Api {
            base: base.to_string(),
            c: reqwest::Client::new(),
            token: None,
        }
    }

    /// Sends a request: a JSON body (or raw text with a content type), an
    /// optional If-Match and extra headers.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
        raw: Option<(&str, &str)>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut r = self.c.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        if let Some((ct, text)) = raw {
            r = r.header("content-type", ct).body(text.to_string());
        }
        if let Some(v) = if_match {
            r = r.header("if-match", v);
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let res = r.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {status} {text}"))
        };
        assert_ne!(status, 500, "{path}: {body}");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None, None, &[]).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), None, None, &[])
            .await
    }

    pub(crate) async fn post_if(&self, path: &str, body: Value, version: &str) -> Answer {
        self.send(Method::POST, path, Some(body), Some(version), None, &[])
            .await
    }

    pub(crate) async fn put(&self, path: &str, body: Value, version: Option<&str>) -> Answer {
        self.send(Method::PUT, path, Some(body), version, None, &[])
            .await
    }

    pub(crate) async fn delete(&self, path: &str, version: Option<&str>) -> Answer {
        self.send(Method::DELETE, path, None, version, None, &[])
            .await
    }

    /// Signs in for a token and returns a client that sends it.
    pub(crate) async fn signed_in(&self, username: &str) -> Api {
        let a = self
            .post(
                "/api/v1/auth/token",
                json!({"username": username, "password": PASSWORD, "name": "test"}),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        Api {
            token: a.body["token"].as_str().map(str::to_string),
            ..self.clone()
        }
    }
}
