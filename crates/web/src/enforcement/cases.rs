//! The case pages: the list of the caller's area, a new case, a case's page
//! with its edit form, and saving it (a stale version shows the case as it
//! is now beside what was typed).

use super::form::{CaseForm, Extras, diff, form_errors, form_page};
use super::{CaseV, case_v, granted, lacks_grant, store_fail};
use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::{Errors, client_id, path_id, version_of};
use crate::kit::page::{OrPage, PageResult, other_lang, render, see_other};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_store::StoreError;
use hearth_store::enforcement;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "enforcement/list.html")]
struct ListPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    cases: Vec<CaseV>,
}

/// `GET /enforcement`: the cases of the caller's area, newest first.
pub async fn list(State(st): State<AppState>, me: SignedIn) -> PageResult {
    granted(&st, &me).await?;
    let cases = me
        .attempt(&st, enforcement::list_cases)
        .await?
        .map_err(|e| store_fail(&me, e))?;
    let lang = me.ctx.lang;
    Ok(render(
        &ListPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            cases: cases.iter().map(|c| case_v(lang, c)).collect(),
        },
        StatusCode::OK,
    ))
}

/// `GET /enforcement/new`.
pub async fn new_form(State(st): State<AppState>, me: SignedIn) -> PageResult {
    granted(&st, &me).await?;
    form_page(&st, &me, None, &CaseForm::blank(), Extras::ok(None)).await
}

/// `POST /enforcement/new`: opens the case; a retried submit (same client
/// id) answers with the first case.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<CaseForm>,
) -> PageResult {
    me.check_csrf(&f.csrf).page(&me)?;
    granted(&st, &me).await?;
    let lang = me.ctx.lang;
    let input = f.input();
    let cid = client_id(&f.client_id);
    let res = me
        .attempt(&st, move |db, scope| {
            enforcement::create_case(db, scope, cid.as_deref(), &input)
        })
        .await?;
    match res {
        Ok(c) => Ok(see_other(&format!("/enforcement/{}", c.id))),
        Err(StoreError::Invalid(fields)) if !lacks_grant(&fields) => {
            let errs = form_errors(&fields, lang);
            form_page(&st, &me, None, &f, Extras::invalid(errs)).await
        }
        Err(e) => Err(store_fail(&me, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The case as it is now (its view is audited by the store).
async fn current(
    st: &AppState,
    me: &SignedIn,
    id: &str,
) -> Result<enforcement::Case, crate::kit::page::PageFail> {
    let id = id.to_string();
    me.attempt(st, move |db, scope| enforcement::get_case(db, scope, &id))
        .await?
        .map_err(|e| store_fail(me, e))
}

/// `GET /enforcement/{id}`: the case and its edit form.
pub async fn show(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> PageResult {
    granted(&st, &me).await?;
    let id = path_id(&id).page(&me)?;
    let case = current(&st, &me, id).await?;
    let saved = q.is_ok_and(|Query(q)| q.saved.is_some());
    let notice = saved.then(|| t(me.ctx.lang, "enforcement.saved").to_string());
    form_page(
        &st,
        &me,
        Some(&case),
        &CaseForm::of(&case),
        Extras::ok(notice),
    )
    .await
}

/// `POST /enforcement/{id}`: saves the edit form; a stale version shows
/// the case as it is now beside what was typed, with the new version in
/// the form, so saving again is a deliberate second submit.
pub async fn update(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CaseForm>,
) -> PageResult {
    me.check_csrf(&f.csrf).page(&me)?;
    granted(&st, &me).await?;
    let id = path_id(&id).page(&me)?.to_string();
    let lang = me.ctx.lang;
    let input = f.input();
    let version = version_of(&f.version);
    let cid = id.clone();
    let res = me
        .attempt(&st, move |db, scope| {
            enforcement::update_case(db, scope, &cid, version, &input)
        })
        .await?;
    match res {
        Ok(c) => Ok(see_other(&format!("/enforcement/{}?saved=1", c.id))),
        Err(StoreError::Invalid(fields)) if !lacks_grant(&fields) => {
            let now = current(&st, &me, &id).await?;
            let errs = form_errors(&fields, lang);
            form_page(&st, &me, Some(&now), &f, Extras::invalid(errs)).await
        }
        Err(StoreError::Conflict { .. }) => {
            let now = current(&st, &me, &id).await?;
            let mut typed = f.clone();
            typed.version = now.version.to_string();
            let x = Extras {
                errs: Errors::default(),
                notice: Some(t(lang, "enforcement.conflict").to_string()),
                diff: diff(lang, &now, &f),
                status: StatusCode::CONFLICT,
            };
            form_page(&st, &me, Some(&now), &typed, x).await
        }
        Err(e) => Err(store_fail(&me, e)),
    }
}
