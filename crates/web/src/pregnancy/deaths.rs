//! The infant-death list (by village and verification state) and the
//! death page with its verification steps and the form for the step the
//! signed-in user may record.

use super::verify::{StepV, VerifyForm, VerifyV, step_view, verify_state};
use super::{
    PAGE, cause_label, form_errors, general, list_error, org_names, org_param, pager,
    verification_label, village_filter, village_name,
};
use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{Errors, Opt, page_number, path_id, version_of};
use crate::kit::page::{OrPage, PageResult, other_lang, render, see_other};
use crate::kit::params::{tx, word};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_core::dates::today;
use hearth_core::pregnancy::{Verification, VerifyStep};
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::pregnancy::{self as store, DeathFilter};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListParams {
    org: Option<String>,
    v: Option<String>,
    page: Option<String>,
}

pub(crate) struct FilterV {
    href: String,
    label: String,
    current: bool,
}

pub(crate) struct DeathRowV {
    id: String,
    child: String,
    village: String,
    died_on: String,
    age_days: i64,
    cause: String,
    verification: String,
    verification_code: &'static str,
}

#[derive(Template)]
#[template(path = "pregnancy/deaths.html")]
struct ListPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    v: String,
    filters: Vec<FilterV>,
    village_opts: Vec<Opt>,
    rows: Vec<DeathRowV>,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /deaths?org=&v=&page=`: infant deaths in the area, newest first.
pub async fn list(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListParams>,
) -> PageResult {
    let lang = me.ctx.lang;
    let org = org_param(q.org.as_deref());
    let v = q.v.as_deref().and_then(Verification::from_code);
    let page = page_number(q.page.as_deref());
    let filter = DeathFilter {
        org_code: org.clone(),
        verification: v,
        limit: PAGE + 1,
        offset: (page - 1) * PAGE,
        ..DeathFilter::default()
    };
    let mut rows = me
        .run(&st, move |db, scope| {
            store::list_infant_deaths(db, scope, &filter).map_err(list_error)
        })
        .await?;
    let (units, names) = org_names(&st, &me).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let org_q = org
        .as_deref()
        .map(|o| format!("org={o}&"))
        .unwrap_or_default();
    let v_code = v.map_or("all", Verification::code);
    let filters = std::iter::once(("all", word(lang, "maternal.verification", "all")))
        .chain(
            Verification::ALL
                .iter()
                .map(|s| (s.code(), verification_label(lang, *s))),
        )
        .map(|(c, label)| FilterV {
            href: format!("/deaths?{org_q}v={c}"),
            label,
            current: c == v_code,
        })
        .collect();
    let (prev, next) = pager(&format!("/deaths?{org_q}v={v_code}"), page, more);
    let view = ListPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        v: v_code.to_string(),
        filters,
        village_opts: village_filter(&units, org.as_deref().unwrap_or(""), lang),
        rows: rows
            .into_iter()
            .map(|d| DeathRowV {
                child: d.child_name,
                village: village_name(&names, &d.village_code),
                cause: cause_label(lang, d.cause),
                verification: verification_label(lang, d.verification),
                verification_code: d.verification.code(),
                id: d.id,
                died_on: d.died_on,
                age_days: d.age_days,
            })
            .collect(),
        prev,
        next,
    };
    Ok(render(&view, StatusCode::OK))
}

pub(crate) struct DeathV {
    child_id: String,
    child: String,
    birth_id: String,
    village: String,
    died_on: String,
    age_days: i64,
    cause: String,
    note: String,
    reporter: String,
    verification: String,
    verification_code: &'static str,
    version: i64,
}

#[derive(Template)]
#[template(path = "pregnancy/death.html")]
struct DeathPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    d: DeathV,
    steps: Vec<StepV>,
    verify_action: String,
    verify: Option<VerifyV>,
    verify_why: Option<String>,
    verify_errs: Errors,
}

/// Renders the death page (the read is audited by `get_infant_death`).
async fn show_death(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    typed: Option<(VerifyForm, Errors)>,
    status: StatusCode,
) -> PageResult {
    let lang = me.ctx.lang;
    let did = id.to_string();
    let d = me
        .run(st, move |db, scope| {
            store::get_infant_death(db, scope, &did)
        })
        .await?;
    let (_, names) = org_names(st, me).await?;
    let steps = [
        step_view(lang, VerifyStep::Village, d.village_verification.as_ref()),
        step_view(lang, VerifyStep::Town, d.town_verification.as_ref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let (vf, verify_errs) = match typed {
        Some((f, e)) => (Some(f), e),
        None => (None, Errors::default()),
    };
    let (verify, verify_why) = verify_state(
        me,
        d.village_verification.as_ref(),
        d.town_verification.as_ref(),
        &["death"],
        vf.as_ref(),
    );
    let view = DeathPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        steps,
        verify_action: format!("/deaths/{}/verify", d.id),
        verify,
        verify_why,
        verify_errs,
        d: DeathV {
            child: d.child_name,
            village: village_name(&names, &d.village_code),
            cause: cause_label(lang, d.cause),
            note: d.note.unwrap_or_default(),
            birth_id: d.birth_id.unwrap_or_default(),
            reporter: d.reported_by_name,
            verification: verification_label(lang, d.verification),
            verification_code: d.verification.code(),
            child_id: d.child_id,
            died_on: d.died_on,
            age_days: d.age_days,
            version: d.version,
        },
    };
    Ok(render(&view, status))
}

/// `GET /deaths/{id}`.
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id).page(&me)?;
    show_death(&st, &me, id, None, StatusCode::OK).await
}

/// `GET /deaths/{id}/verify`: back to the death page (404 outside the scope).
pub async fn back_to_death(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id).page(&me)?.to_string();
    let did = id.clone();
    me.run(&st, move |db, scope| {
        store::get_infant_death(db, scope, &did)
    })
    .await?;
    Ok(see_other(&format!("/deaths/{id}")))
}

/// `POST /deaths/{id}/verify`: one verification step of an infant death.
pub async fn verify(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<VerifyForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    let lang = me.ctx.lang;
    let input = f.input();
    let version = version_of(&f.version);
    let did = id.clone();
    let res = me
        .run(&st, move |db, scope| {
            Ok(store::verify_infant_death(
                db,
                scope,
                &did,
                version,
                &input,
                today(),
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/deaths/{id}#verification"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = form_errors(
                &fields,
                lang,
                &["verified_on", "checks"],
                &[("on", "verified_on")],
            );
            show_death(
                &st,
                &me,
                &id,
                Some((f, errs)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { .. }) => {
            let errs = general(tx(lang, "maternal.conflict.death"));
            show_death(&st, &me, &id, Some((f, errs)), StatusCode::CONFLICT).await
        }
        Err(e) => Err(me.fail(e)),
    }
}
