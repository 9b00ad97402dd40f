//! One woman's responsible worker (谁随访谁管理) from her own page:
//! `GET /persons/{id}/assignment` shows her zone and worker and the form
//! that moves her to another zone of her village; `POST` moves her (her
//! responsible worker becomes the zone's; audited by the store). Each
//! request reads her through one store call (`assignment_form`).

use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{Errors, Opt, options, path_id};
use crate::kit::page::{OrPage, PageResult, other_lang, render, see_other};
use crate::kit::params::tx;
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::follow_up as fu;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "follow_up/assignment.html")]
struct AssignmentPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    person_id: String,
    name: String,
    village: String,
    zone: String,
    worker: String,
    zone_opts: Vec<Opt>,
    notice: Option<String>,
    errs: Errors,
}

async fn assignment_page(
    st: &AppState,
    me: &SignedIn,
    person: &str,
    typed_zone: Option<String>,
    notice: Option<String>,
    errs: Errors,
    status: StatusCode,
) -> PageResult {
    let pid = person.to_string();
    let form = me
        .run(st, move |db, scope| fu::assignment_form(db, scope, &pid))
        .await?;
    let a = form.assignment;
    let current =
        typed_zone.unwrap_or_else(|| a.as_ref().map(|a| a.zone_id.clone()).unwrap_or_default());
    let view = AssignmentPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(me.ctx.lang),
        csrf: me.csrf.clone(),
        person_id: form.person_id,
        name: form.name,
        village: form.village_code,
        zone: a.as_ref().map(|a| a.zone_name.clone()).unwrap_or_default(),
        worker: a.map(|a| a.worker_name).unwrap_or_default(),
        zone_opts: options(
            &current,
            Some(tx(me.ctx.lang, "followup.choose")),
            form.zones
                .into_iter()
                .filter(|z| z.worker_id.is_some())
                .map(|z| {
                    (
                        z.id,
                        format!("{}（{}）", z.name, z.worker_name.unwrap_or_default()),
                    )
                }),
        ),
        notice,
        errs,
    };
    Ok(render(&view, status))
}

#[derive(Debug, Default, Deserialize)]
pub struct AssignmentQuery {
    notice: Option<String>,
}

/// `GET /persons/{id}/assignment`: her zone and worker, and the form that
/// moves her to another zone of her village.
pub async fn assignment(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<AssignmentQuery>,
) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    let notice = (q.notice.as_deref() == Some("moved"))
        .then(|| tx(me.ctx.lang, "followup.assignment.moved"));
    assignment_page(
        &st,
        &me,
        &id,
        None,
        notice,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    zone_id: String,
}

/// `POST /persons/{id}/assignment`: into the chosen zone. The store checks
/// that she is in the scope (404 otherwise) as it moves her; a zone not
/// chosen re-renders the form, which reads her the same way.
pub async fn move_woman(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    let lang = me.ctx.lang;
    let zone = f.zone_id.trim().to_string();
    if path_id(&zone).is_err() {
        let mut errs = Errors::default();
        errs.add("zone_id", hearth_core::Reason::Required.message(lang));
        return assignment_page(
            &st,
            &me,
            &id,
            Some(zone),
            None,
            errs,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (pid, z) = (id.clone(), zone.clone());
    // The store's answer itself: a refused zone re-renders the form.
    let res = me
        .run(&st, move |db, scope| Ok(fu::assign(db, scope, &pid, &z)))
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/persons/{id}/assignment?notice=moved"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["zone_id"], &[]);
            assignment_page(
                &st,
                &me,
                &id,
                Some(zone),
                None,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(me.fail(e)),
    }
}
