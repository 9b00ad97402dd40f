//! What every workflow's JSON handlers share: the generic list page, ETags
//! and created/retried answers, paging parameters, client-chosen ids and
//! their retries, optional dates, and renaming a store field to the
//! parameter the caller sent.

use crate::api::error::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use hearth_core::dates::parse_date;
use hearth_core::{FieldError, Lang, Reason};
use hearth_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list: the items and the paging that produced them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
}

/// The ETag of a record version: `"3"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A single record: its JSON and `ETag`.
pub(crate) fn record<T: Serialize>(status: StatusCode, body: &T, version: i64) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// A newly created record (201, or 200 for a retried create) with its
/// `ETag` and, when new, its `Location`.
pub(crate) fn created<T: Serialize>(
    existed: bool,
    body: &T,
    version: i64,
    location: &str,
) -> Response {
    if existed {
        return record(StatusCode::OK, body, version);
    }
    let mut res = record(StatusCode::CREATED, body, version);
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Parses `limit` and `offset`: `limit` 1–`max` (`default` when absent),
/// `offset` 0 or more; every bad one is reported.
pub(crate) fn paging(
    limit: Option<&str>,
    offset: Option<&str>,
    default: i64,
    max: i64,
    lang: Lang,
) -> Result<(i64, i64), ApiError> {
    let mut errs = Vec::new();
    let mut num =
        |name: &str, v: Option<&str>, min: i64, max: i64, dflt: i64| match v.map(str::trim) {
            None | Some("") => dflt,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                Ok(_) => {
                    errs.push(FieldError::new(name, Reason::OutOfRange { min, max }));
                    dflt
                }
                Err(_) => {
                    errs.push(FieldError::new(name, Reason::NotANumber));
                    dflt
                }
            },
        };
    let l = num("limit", limit, 1, max, default);
    let o = num("offset", offset, 0, i64::from(i32::MAX), 0);
    if errs.is_empty() {
        Ok((l, o))
    } else {
        Err(ApiError::invalid(errs, lang))
    }
}

/// A `village` filter: trimmed, empty meaning none.
pub(crate) fn village_filter(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A store error with one field renamed: the store names an org unit
/// `org_code`, an API parameter may call it `village` or `org`.
pub(crate) fn renamed(e: StoreError, from: &str, to: &str) -> StoreError {
    match e {
        StoreError::Invalid(fields) => StoreError::Invalid(
            fields
                .into_iter()
                .map(|mut f| {
                    if f.field == from {
                        f.field = to.to_string();
                    }
                    f
                })
                .collect(),
        ),
        e => e,
    }
}

/// A client-chosen record id must be a UUID.
pub(crate) fn client_id(id: Option<&str>) -> Result<Option<String>, FieldError> {
    match id.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => uuid::Uuid::parse_str(s)
            .map(|u| Some(u.hyphenated().to_string()))
            .map_err(|_| FieldError::new("id", Reason::UnknownValue { allowed: "a UUID" })),
    }
}

/// An optional date parameter: absent or empty is `None`; anything else
/// must be a real date.
pub(crate) fn opt_date(
    name: &str,
    v: Option<&str>,
    errs: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match v.map(str::trim) {
        None | Some("") => None,
        Some(s) => parse_date(s)
            .map_err(|r| errs.push(FieldError::new(name, r)))
            .ok(),
    }
}

/// A client id from a body, refused as a field error when not a UUID.
pub(crate) fn body_id(id: Option<&str>, lang: Lang) -> Result<Option<String>, ApiError> {
    client_id(id).map_err(|e| ApiError::invalid(vec![e], lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_and_ids() {
        assert_eq!(paging(None, None, 50, 500, Lang::En).ok(), Some((50, 0)));
        assert_eq!(
            paging(Some("10"), Some("20"), 50, 500, Lang::En).ok(),
            Some((10, 20))
        );
        let e = paging(Some("x"), Some("-1"), 50, 500, Lang::En).err();
        let fields: Vec<String> = e
            .map(|e| e.body().fields.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(fields, vec!["limit".to_string(), "offset".to_string()]);
        assert!(client_id(Some("nope")).is_err());
        assert_eq!(client_id(Some(" ")), Ok(None));
    }
}
