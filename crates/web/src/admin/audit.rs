//! The audit trail (审计日志) for auditors and administrators: a filtered,
//! paged table, and the same filters as a streamed CSV export. The trail is
//! read-only here as everywhere: no edit or delete exists.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::form::page_number;
use crate::kit::page::{PageResult, other_lang, render};
use crate::kit::params::{query_string, word};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::Lang;
use hearth_core::scope::Permission;
use hearth_store::audit::{self, AuditEntry, AuditFilter};
use serde::Deserialize;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Entries per screen page.
const PAGE_SIZE: i64 = 50;
/// Entries read per database round trip while exporting.
const EXPORT_BATCH: i64 = 1000;

/// The actions the filter offers, in the order shown.
const ACTIONS: &[&str] = &[
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "view",
    "reveal",
    "create",
    "update",
    "delete",
    "import",
    "export",
];

/// The filter form as typed (all text, so no input is ever refused by the
/// extractor).
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

/// What is wrong with the filters, next to their fields.
#[derive(Debug, Default)]
struct FilterErrors {
    from: Option<String>,
    to: Option<String>,
}

impl FilterErrors {
    fn any(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.chars().take(200).collect())
}

/// Turns the typed filters into a store filter, or the field errors.
fn parse(q: &AuditQuery, lang: Lang) -> (AuditFilter, FilterErrors) {
    let mut errs = FilterErrors::default();
    let date = |s: &str, slot: &mut Option<String>| match opt(s) {
        None => None,
        Some(v) => match hearth_core::dates::parse_date(&v) {
            Ok(d) => Some(d),
            Err(r) => {
                *slot = Some(r.message(lang));
                None
            }
        },
    };
    let from = date(&q.from, &mut errs.from);
    let to = date(&q.to, &mut errs.to);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errs.to = Some(crate::i18n::t(lang, "admin.audit.to_before_from").to_string());
    }
    let f = AuditFilter {
        username: opt(&q.user),
        action: opt(&q.action),
        entity: opt(&q.entity),
        entity_id: opt(&q.entity_id),
        from,
        to,
        ..AuditFilter::default()
    };
    (f, errs)
}

/// An instant as stored (RFC 3339 UTC) shown in Asia/Shanghai time.
fn beijing(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| {
            (t.naive_utc() + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// One entry as the table shows it.
struct Row {
    at: String,
    username: String,
    action: String,
    entity: String,
    entity_id: String,
    origin: String,
    detail: String,
}

fn row(e: &AuditEntry, lang: Lang) -> Row {
    Row {
        at: beijing(&e.at),
        username: e.username.clone(),
        action: word(lang, "admin.audit.action", &e.action),
        entity: word(lang, "admin.audit.entity", &e.entity),
        entity_id: e.entity_id.clone().unwrap_or_default(),
        origin: e.origin.clone(),
        detail: e.detail.clone().unwrap_or_default(),
    }
}

struct ActionOption {
    code: &'static str,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    q: AuditQuery,
    actions: Vec<ActionOption>,
    errors: FilterErrors,
    rows: Vec<Row>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    export: String,
}

/// The filters as a query string (without the page).
fn filters_qs(q: &AuditQuery) -> String {
    query_string(&[
        ("user", q.user.trim()),
        ("action", q.action.trim()),
        ("entity", q.entity.trim()),
        ("entity_id", q.entity_id.trim()),
        ("from", q.from.trim()),
        ("to", q.to.trim()),
    ])
}

fn with_page(qs: &str, page: i64) -> String {
    if qs.is_empty() {
        format!("/audit?page={page}")
    } else {
        format!("/audit?{qs}&page={page}")
    }
}

fn audit_page(
    me: &SignedIn,
    q: AuditQuery,
    errors: FilterErrors,
    entries: &[AuditEntry],
    page: i64,
    has_next: bool,
    status: StatusCode,
) -> Response {
    let lang = me.ctx.lang;
    let qs = filters_qs(&q);
    let actions = ACTIONS
        .iter()
        .map(|code| ActionOption {
            code,
            label: word(lang, "admin.audit.action", code),
            selected: q.action.trim() == *code,
        })
        .collect();
    render(
        &AuditPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            actions,
            errors,
            rows: entries.iter().map(|e| row(e, lang)).collect(),
            page,
            prev: (page > 1).then(|| with_page(&qs, page - 1)),
            next: has_next.then(|| with_page(&qs, page + 1)),
            export: if qs.is_empty() {
                "/audit/export.csv".to_string()
            } else {
                format!("/audit/export.csv?{qs}")
            },
            q,
        },
        status,
    )
}

/// `GET /audit`: the trail, newest first, filtered and paged.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::ReadAudit)?;
    let Ok(Query(q)) = q else {
        return Err(me.fail(WebError::Invalid(Vec::new())));
    };
    let (mut f, errors) = parse(&q, me.ctx.lang);
    let page = page_number(Some(&q.page));
    if errors.any() {
        return Ok(audit_page(
            &me,
            q,
            errors,
            &[],
            page,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    f.limit = PAGE_SIZE + 1;
    f.offset = (page - 1) * PAGE_SIZE;
    let mut entries = me
        .run(&st, move |db, scope| audit::list(db, scope, &f))
        .await?;
    let has_next = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    Ok(audit_page(
        &me,
        q,
        errors,
        &entries,
        page,
        has_next,
        StatusCode::OK,
    ))
}

// ---- CSV export ---------------------------------------------------------------

/// The response body: chunks handed over from the blocking reader.
struct Chunks(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// One CSV cell: always quoted; a cell a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`, since user
/// names typed at the sign-in form reach the trail as they were typed.
fn cell(out: &mut String, v: &str) {
    out.push('"');
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    out.push_str(&v.replace('"', "\"\""));
    out.push('"');
}

fn csv_line(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, c);
    }
    out.push_str("\r\n");
}

fn csv_header(lang: Lang) -> String {
    let t = |k: &str| crate::i18n::t(lang, k).to_string();
    let mut out = String::from("\u{feff}");
    let cols = [
        t("admin.audit.col.at"),
        t("admin.audit.col.user"),
        t("admin.audit.col.action_code"),
        t("admin.audit.col.action"),
        t("admin.audit.col.entity"),
        t("admin.audit.col.entity_id"),
        t("admin.audit.col.origin"),
        t("admin.audit.col.detail"),
        t("admin.audit.col.at_utc"),
    ];
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    csv_line(&mut out, &refs);
    out
}

fn csv_rows(entries: &[AuditEntry], lang: Lang) -> String {
    let mut out = String::new();
    for e in entries {
        let r = row(e, lang);
        csv_line(
            &mut out,
            &[
                &r.at,
                &r.username,
                &e.action,
                &r.action,
                &e.entity,
                &r.entity_id,
                &r.origin,
                &r.detail,
                &e.at,
            ],
        );
    }
    out
}

/// `GET /audit/export.csv`: the filtered trail as CSV (UTF-8 with BOM),
/// streamed in batches. The export is recorded on the trail before the
/// first row is sent.
pub async fn export(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::ReadAudit)?;
    // A query that cannot be read must not widen an export to everything.
    let Ok(Query(q)) = q else {
        return Err(me.fail(WebError::Invalid(Vec::new())));
    };
    let lang = me.ctx.lang;
    let (mut f, errors) = parse(&q, lang);
    if errors.any() {
        return Ok(audit_page(
            &me,
            q,
            errors,
            &[],
            1,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let recorded = f.clone();
    me.run(&st, move |db, scope| {
        audit::record_export(db, scope, &recorded)
    })
    .await?;
    // The rows stream from a blocking reader of its own, batch by batch,
    // while the response is being sent.
    let (send, recv) = tokio::sync::mpsc::channel(4);
    let db = st.db.clone();
    let scope = me.scope.clone();
    tokio::task::spawn_blocking(move || {
        if send
            .blocking_send(Ok(Bytes::from(csv_header(lang))))
            .is_err()
        {
            return;
        }
        f.limit = EXPORT_BATCH;
        f.offset = 0;
        loop {
            match audit::list(&db, &scope, &f) {
                Ok(entries) => {
                    let Some(last) = entries.last() else { break };
                    f.before = Some((last.at.clone(), last.id.clone()));
                    let full = entries.len() as i64 == EXPORT_BATCH;
                    if send
                        .blocking_send(Ok(Bytes::from(csv_rows(&entries, lang))))
                        .is_err()
                    {
                        return; // the client went away
                    }
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed");
                    // Ends the body with an error, so the download is seen
                    // as broken rather than complete.
                    let _ = send.blocking_send(Err(std::io::Error::other("export failed")));
                    return;
                }
            }
        }
    });
    let name = format!(
        "audit-{}.csv",
        hearth_core::dates::fmt_date(hearth_core::dates::today())
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(Chunks(recv)),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        let mut s = String::new();
        csv_line(&mut s, &["a\"b", "=1+1", "x"]);
        assert_eq!(s, "\"a\"\"b\",\"'=1+1\",\"x\"\r\n");
    }

    #[test]
    fn shows_beijing_time() {
        assert_eq!(beijing("2024-03-01T16:30:00Z"), "2024-03-02 00:30:00");
        assert_eq!(beijing("garbage"), "garbage");
    }

    #[test]
    fn pages_are_clamped() {
        let page_no = |s: &str| page_number(Some(s));
        assert_eq!(page_no(""), 1);
        assert_eq!(page_no("-3"), 1);
        assert_eq!(page_no("abc"), 1);
        assert_eq!(page_no("7"), 7);
        assert_eq!(page_no("99999999999"), 10_000);
    }
}
