//! The person import page (人口导入) for users who may write the register:
//! the documented column layout and a template, an upload that runs as a
//! dry run in the user's own scope (rows outside their area are reported),
//! the row-by-row report, and a confirmation that imports the kept file.

use super::{MAX_UPLOAD_BYTES, uploads};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, t};
use crate::kit::page::{OrPage, PageResult, other_lang, render};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::Lang;
use hearth_core::import::{COLUMNS, FileError, Reader, report_json, template_csv};
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::bulk::{self, ImportSummary};
use serde::Deserialize;

/// Report rows shown on the page; the JSON download has them all.
const MAX_SHOWN: usize = 1000;

struct ColumnRow {
    header: &'static str,
    alias: &'static str,
    required: bool,
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    columns: Vec<ColumnRow>,
    max_mb: usize,
    message: Option<String>,
}

struct ErrorRow {
    row: usize,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "admin/import_report.html")]
struct ReportPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    id: String,
    file_name: String,
    dry_run: bool,
    summary: ImportSummary,
    errors: Vec<ErrorRow>,
    more_errors: usize,
}

fn import_page(me: &SignedIn, message: Option<String>, status: StatusCode) -> Response {
    render(
        &ImportPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            csrf: me.csrf.clone(),
            columns: COLUMNS
                .iter()
                .map(|c| ColumnRow {
                    header: c.header,
                    alias: c.alias,
                    required: c.required,
                })
                .collect(),
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
            message,
        },
        status,
    )
}

fn report_page(me: &SignedIn, id: String, file_name: String, summary: ImportSummary) -> Response {
    let errors = summary
        .errors
        .iter()
        .take(MAX_SHOWN)
        .map(|e| ErrorRow {
            row: e.row,
            column: e.column.clone(),
            message: e.message.clone(),
        })
        .collect();
    render(
        &ReportPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            csrf: me.csrf.clone(),
            id,
            file_name,
            dry_run: summary.dry_run,
            more_errors: summary.errors.len().saturating_sub(MAX_SHOWN),
            errors,
            summary,
        },
        StatusCode::OK,
    )
}

/// `GET /import`.
pub async fn page(me: SignedIn) -> PageResult {
    me.require(Permission::WriteRegister)?;
    Ok(import_page(&me, None, StatusCode::OK))
}

/// `GET /import/template.csv`: the header row and one synthetic example.
pub async fn template(me: SignedIn) -> PageResult {
    me.require(Permission::WriteRegister)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"hearth-import-template.csv\"",
            ),
        ],
        template_csv(),
    )
        .into_response())
}

/// Why an upload or a run did not produce a report.
enum Failed {
    /// The file cannot be imported at all (format, header, encoding).
    File(FileError),
    /// The upload id is unknown, expired, used or someone else's.
    Gone,
    Store(StoreError),
    Io(std::io::Error),
}

fn failed_page(me: &SignedIn, f: Failed) -> PageResult {
    let lang = me.ctx.lang;
    match f {
        Failed::File(e) => Ok(import_page(
            me,
            Some(e.message(lang)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Failed::Gone => Ok(import_page(
            me,
            Some(t(lang, "admin.import.gone").to_string()),
            StatusCode::NOT_FOUND,
        )),
        Failed::Store(e) => Err(me.fail(e)),
        Failed::Io(e) => Err(me.fail(WebError::Server(e.to_string()))),
    }
}

/// The page of a finished run, or the page saying why there is none.
fn outcome(me: &SignedIn, res: Result<(String, String, ImportSummary), Failed>) -> PageResult {
    match res {
        Ok((id, name, sum)) => Ok(report_page(me, id, name, sum)),
        Err(f) => failed_page(me, f),
    }
}

/// Keeps only the last path segment of a client-supplied file name.
fn base_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    last.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// Runs an import of `bytes` in `me`'s scope: a dry run or the real one.
fn run(
    db: &hearth_store::Db,
    scope: &hearth_core::scope::Scope,
    name: &str,
    bytes: Vec<u8>,
    lang: Lang,
    dry_run: bool,
) -> Result<ImportSummary, Failed> {
    let mut reader = Reader::from_bytes(name, bytes).map_err(Failed::File)?;
    bulk::import_persons(
        db,
        scope,
        &mut reader,
        hearth_core::dates::today(),
        lang,
        dry_run,
        &mut |_| {},
    )
    .map_err(Failed::Store)
}

/// `POST /import` (multipart: `csrf`, `file`): keeps the file and runs a
/// dry run; the report comes back with a confirmation form.
pub async fn upload(
    State(st): State<AppState>,
    me: SignedIn,
    mp: Result<Multipart, MultipartRejection>,
) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let mut mp = match mp {
        Ok(m) => m,
        Err(_) => {
            return Ok(import_page(
                &me,
                Some(t(lang, "admin.import.no_file").to_string()),
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    let mut csrf_ok = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Ok(upload_failed(&me, e.status())),
        };
        match field.name() {
            Some("csrf") => {
                let token = field.text().await.unwrap_or_default();
                me.check_csrf(&token).page(&me)?;
                csrf_ok = true;
            }
            Some("file") => {
                let name = base_name(field.file_name().unwrap_or(""));
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            if bytes.len() + c.len() > MAX_UPLOAD_BYTES {
                                return Ok(upload_failed(&me, StatusCode::PAYLOAD_TOO_LARGE));
                            }
                            bytes.extend_from_slice(&c);
                        }
                        Ok(None) => break,
                        Err(e) => return Ok(upload_failed(&me, e.status())),
                    }
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(me.fail(WebError::Csrf));
    }
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return Ok(import_page(
            &me,
            Some(t(lang, "admin.import.no_file").to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let user_id = me.user.id.clone();
    let res = me
        .run(&st, move |db, scope| {
            Ok(dry_run(db, scope, &user_id, name, bytes, lang))
        })
        .await?;
    outcome(&me, res)
}

/// Keeps the uploaded file of `user_id` and runs it as a dry run; the kept
/// file goes again when the run fails.
fn dry_run(
    db: &hearth_store::Db,
    scope: &hearth_core::scope::Scope,
    user_id: &str,
    name: String,
    bytes: Vec<u8>,
    lang: Lang,
) -> Result<(String, String, ImportSummary), Failed> {
    let id = uploads::save(user_id, &name, &bytes).map_err(Failed::Io)?;
    match run(db, scope, &name, bytes, lang, true) {
        Ok(sum) => {
            uploads::save_report(&id, &report_json(&sum.errors)).map_err(Failed::Io)?;
            Ok((id, name, sum))
        }
        Err(e) => {
            uploads::discard(&id);
            Err(e)
        }
    }
}

fn upload_failed(me: &SignedIn, status: StatusCode) -> Response {
    let key = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "admin.import.too_large"
    } else {
        "admin.import.bad_upload"
    };
    let msg = t(me.ctx.lang, key).replace("{mb}", &(MAX_UPLOAD_BYTES / (1024 * 1024)).to_string());
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    import_page(me, Some(msg), status)
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
}

/// `POST /import/confirm` (`csrf`, `id`): imports the file kept by the dry
/// run, for real; the kept data is deleted afterwards.
pub async fn confirm(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<ConfirmForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let user_id = me.user.id.clone();
    let id = f.id.trim().to_string();
    let res = me
        .run(&st, move |db, scope| {
            Ok(confirm_run(db, scope, &id, &user_id, lang))
        })
        .await?;
    outcome(&me, res)
}

/// Takes the kept upload of `user_id` and imports it for real; the kept
/// data is deleted on success and restored on failure.
fn confirm_run(
    db: &hearth_store::Db,
    scope: &hearth_core::scope::Scope,
    id: &str,
    user_id: &str,
    lang: Lang,
) -> Result<(String, String, ImportSummary), Failed> {
    let Some(mut taken) = uploads::take(id, user_id).map_err(Failed::Io)? else {
        return Err(Failed::Gone);
    };
    let bytes = std::mem::take(&mut taken.bytes);
    match run(db, scope, &taken.name, bytes, lang, false) {
        Ok(sum) => {
            taken.discard();
            // The import is done; a lost report is logged, not an error.
            if let Err(e) = uploads::save_report(id, &report_json(&sum.errors)) {
                tracing::warn!(error = %e, "import report not kept");
            }
            Ok((id.to_string(), taken.name.clone(), sum))
        }
        Err(e) => {
            if let Err(io) = taken.restore() {
                tracing::warn!(error = %io, "upload not restored");
            }
            Err(e)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    id: String,
}

/// `GET /import/report.json?id=`: the latest run's report as JSON
/// (`[{row, column, code, message}]`).
pub async fn report(me: SignedIn, q: Result<Query<ReportQuery>, QueryRejection>) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let id = q.map(|Query(q)| q.id).unwrap_or_default();
    let user_id = me.user.id.clone();
    let found = tokio::task::spawn_blocking(move || uploads::report(id.trim(), &user_id))
        .await
        .map_err(WebError::from)
        .page(&me)?;
    match found {
        Some(json) => Ok((
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"import-report.json\"",
                ),
            ],
            json,
        )
            .into_response()),
        None => Err(me.fail(WebError::NotFound)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path() {
        assert_eq!(base_name("C:\\Users\\a\\persons.csv"), "persons.csv");
        assert_eq!(base_name("../../x.xlsx"), "x.xlsx");
        assert_eq!(base_name("a\u{0}b.csv"), "ab.csv");
    }
}
