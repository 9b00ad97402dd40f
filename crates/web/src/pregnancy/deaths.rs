//! The infant-death list (by village and verification state) and the
//! death page with its verification steps and the form for the step the
//! signed-in user may record.

use super::{
    Errors, Opt, blocking, change_allowed, fail, page_number, path_id, see_other, tx, version_of,
};
use super::{
    PAGE, StepV, VerifyForm, VerifyV, coded, form_errors, general, list_error, org_names,
    org_param, pager, step_view, verification_label, verify_state, village_filter, village_name,
};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::page::{other_lang, render};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::dates::today;
use hearth_core::pregnancy::{Verification, VerifyStep};
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
) -> Response {
    let lang = me.ctx.lang;
    let org = org_param(q.org.as_deref());
    let v = match q.v.as_deref().map(str::trim) {
        Some("unverified") => Some(Verification::Unverified),
        Some("village_verified") => Some(Verification::VillageVerified),
        Some("verified") => Some(Verification::Verified),
        _ => None,
    };
    let page = page_number(q.page.as_deref());
    let filter = DeathFilter {
        org_code: org.clone(),
        verification: v,
        limit: PAGE + 1,
        offset: (page - 1) * PAGE,
        ..DeathFilter::default()
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let mut rows = match blocking(move || store::list_infant_deaths(&db, &scope, &filter)).await {
        Ok(r) => r,
        Err(e) => return fail(&me, list_error(e)),
    };
    let (units, names) = match org_names(&st, &me).await {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let org_q = org
        .as_deref()
        .map(|o| format!("org={o}&"))
        .unwrap_or_default();
    let v_code = v.map_or("all", Verification::code);
    let filters = ["all", "unverified", "village_verified", "verified"]
        .into_iter()
        .map(|c| FilterV {
            href: format!("/deaths?{org_q}v={c}"),
            label: coded(lang, "verification", c),
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
                cause: coded(lang, "cause", &d.cause),
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
    render(&view, StatusCode::OK)
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
) -> Response {
    let lang = me.ctx.lang;
    let (db, scope, did) = (st.db.clone(), me.scope.clone(), id.to_string());
    let d = match blocking(move || store::get_infant_death(&db, &scope, &did)).await {
        Ok(v) => v,
        Err(e) => return fail(me, e),
    };
    let (_, names) = match org_names(st, me).await {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
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
            cause: coded(lang, "cause", &d.cause),
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
    render(&view, status)
}

/// `GET /deaths/{id}`.
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> Response {
    match path_id(&id) {
        Ok(id) => show_death(&st, &me, id, None, StatusCode::OK).await,
        Err(e) => fail(&me, e),
    }
}

/// `GET /deaths/{id}/verify`: back to the death page (404 outside the scope).
pub async fn back_to_death(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, did) = (st.db.clone(), me.scope.clone(), id.clone());
    match blocking(move || store::get_infant_death(&db, &scope, &did)).await {
        Ok(_) => see_other(&format!("/deaths/{id}")),
        Err(e) => fail(&me, e),
    }
}

/// `POST /deaths/{id}/verify`: one verification step of an infant death.
pub async fn verify(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<VerifyForm>,
) -> Response {
    if let Err(e) = change_allowed(&me, &f.csrf) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let input = f.input();
    let version = version_of(&f.version);
    let (db, scope, did) = (st.db.clone(), me.scope.clone(), id.clone());
    let res =
        blocking(move || store::verify_infant_death(&db, &scope, &did, version, &input, today()))
            .await;
    match res {
        Ok(_) => see_other(&format!("/deaths/{id}#verification")),
        Err(WebError::Invalid(fields)) => {
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
        Err(WebError::Conflict { .. }) => {
            let errs = general(tx(lang, "maternal.conflict.death"));
            show_death(&st, &me, &id, Some((f, errs)), StatusCode::CONFLICT).await
        }
        Err(e) => fail(&me, e),
    }
}
