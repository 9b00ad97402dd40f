//! The pregnancy list (open, overdue, all; by village for town staff) and
//! the report form from a woman's page.

use super::{
    PAGE, enum_options, form_errors, list_error, org_names, org_param, outcome_label, pager,
    source_label, village_filter, village_name,
};
use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{Errors, Opt, client_id, options, page_number, path_id};
use crate::kit::page::{OrPage, PageResult, other_lang, render, see_other};
use crate::kit::params::tx;
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_core::dates::{fmt_date, today};
use hearth_core::pregnancy::{PregnancyInput, PregnancySource};
use hearth_core::registration::RegistrationStatus;
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::pregnancy::{self as store, PregnancyFilter};
use hearth_store::register;
use serde::Deserialize;

// ---- the list ----------------------------------------------------------------

#[derive(Deserialize)]
pub struct ListParams {
    tab: Option<String>,
    org: Option<String>,
    page: Option<String>,
}

pub(crate) struct TabV {
    href: String,
    label: String,
    current: bool,
}

pub(crate) struct PregRowV {
    id: String,
    woman_name: String,
    village: String,
    lmp: String,
    weeks: String,
    edd: String,
    reported_on: String,
    timely: bool,
    outcome: String,
    open: bool,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "pregnancy/pregnancies.html")]
struct ListPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    tab: &'static str,
    tabs: Vec<TabV>,
    village_opts: Vec<Opt>,
    rows: Vec<PregRowV>,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /pregnancies?tab=open|overdue|all&org=&page=`: the pregnancies in
/// the caller's area (a village specialist's village; town staff may pick a
/// village), newest report first; overdue ones marked.
pub async fn list(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListParams>,
) -> PageResult {
    let lang = me.ctx.lang;
    let tab: &'static str = match q.tab.as_deref().map(str::trim) {
        Some("overdue") => "overdue",
        Some("all") => "all",
        _ => "open",
    };
    let org = org_param(q.org.as_deref());
    let page = page_number(q.page.as_deref());
    let filter = PregnancyFilter {
        org_code: org.clone(),
        open_only: tab == "open",
        overdue_only: tab == "overdue",
        limit: PAGE + 1,
        offset: (page - 1) * PAGE,
        ..PregnancyFilter::default()
    };
    let mut rows = me
        .run(&st, move |db, scope| {
            store::list_pregnancies(db, scope, &filter, today()).map_err(list_error)
        })
        .await?;
    let (units, names) = org_names(&st, &me).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let org_q = org
        .as_deref()
        .map(|o| format!("&org={o}"))
        .unwrap_or_default();
    let tabs = ["open", "overdue", "all"]
        .into_iter()
        .map(|t| TabV {
            href: format!("/pregnancies?tab={t}{org_q}"),
            label: tx(lang, &format!("maternal.tab.{t}")),
            current: t == tab,
        })
        .collect();
    let (prev, next) = pager(&format!("/pregnancies?tab={tab}{org_q}"), page, more);
    let view = ListPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        tab,
        tabs,
        village_opts: village_filter(&units, org.as_deref().unwrap_or(""), lang),
        rows: rows
            .into_iter()
            .map(|p| PregRowV {
                village: village_name(&names, &p.village_code),
                weeks: p.gest_week.map(|w| w.to_string()).unwrap_or_default(),
                outcome: p
                    .outcome
                    .map(|o| outcome_label(lang, o))
                    .unwrap_or_default(),
                open: p.outcome.is_none(),
                overdue: p.overdue,
                timely: p.timely,
                id: p.id,
                woman_name: p.woman_name,
                lmp: p.lmp,
                edd: p.edd,
                reported_on: p.reported_on,
            })
            .collect(),
        prev,
        next,
    };
    Ok(render(&view, StatusCode::OK))
}

// ---- the report form -----------------------------------------------------------

/// A pregnancy report as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    lmp: String,
    #[serde(default)]
    reported_on: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    registration_id: String,
}

#[derive(Template)]
#[template(path = "pregnancy/pregnancy_new.html")]
struct NewPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    woman_id: String,
    woman_name: String,
    f: ReportForm,
    errs: Errors,
    source_opts: Vec<Opt>,
    reg_opts: Vec<Opt>,
}

const REPORT_FIELDS: [&str; 5] = ["woman", "lmp", "reported_on", "source", "registration_id"];

/// The report form for the woman `id` (404 outside the scope): her current
/// birth registrations to choose from.
async fn new_page(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    f: ReportForm,
    errs: Errors,
    status: StatusCode,
) -> PageResult {
    let lang = me.ctx.lang;
    let pid = id.to_string();
    let (p, ctx) = me
        .run(st, move |db, scope| {
            let p = register::get_person(db, scope, &pid)?;
            let ctx = register::person_context(db, scope, &pid)?;
            Ok((p, ctx))
        })
        .await?;
    let wife = p.id.clone();
    let regs = ctx
        .couples
        .into_iter()
        .filter(|c| c.couple.wife_id == wife)
        .flat_map(|c| c.registrations)
        .filter(|r| r.status == RegistrationStatus::Current || r.id == f.registration_id)
        .map(|r| {
            (
                r.id,
                format!(
                    "{} · {} {}",
                    r.number,
                    tx(lang, "screens.reg.child_order"),
                    r.child_order
                ),
            )
        });
    let view = NewPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        woman_id: p.id,
        woman_name: p.name,
        source_opts: enum_options(
            lang,
            &f.source,
            PregnancySource::ALL.iter().copied(),
            PregnancySource::code,
            source_label,
        ),
        reg_opts: options(
            &f.registration_id,
            Some(tx(lang, "maternal.preg.no_registration")),
            regs,
        ),
        f,
        errs,
    };
    Ok(render(&view, status))
}

/// `GET /persons/{id}/pregnancies/new`.
pub async fn new_form(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    let f = ReportForm {
        client_id: hearth_store::new_id(),
        reported_on: fmt_date(today()),
        ..ReportForm::default()
    };
    new_page(&st, &me, &id, f, Errors::default(), StatusCode::OK).await
}

/// `POST /persons/{id}/pregnancies/new`: the store checks the woman is in
/// the area (404), a woman, without an open pregnancy, and the dates.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReportForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    let lang = me.ctx.lang;
    let input = PregnancyInput {
        lmp: f.lmp.clone(),
        reported_on: f.reported_on.clone(),
        source: f.source.clone(),
        registration_id: f.registration_id.clone(),
    };
    let wid = id.clone();
    let cid = client_id(&f.client_id);
    // The store's refusal comes back as a value, to re-render the form.
    let res = me
        .run(&st, move |db, scope| {
            Ok(store::report_pregnancy(
                db,
                scope,
                cid.as_deref(),
                &wid,
                &input,
                today(),
            ))
        })
        .await?;
    match res {
        Ok((p, _)) => Ok(see_other(&format!("/pregnancies/{}", p.id))),
        Err(StoreError::Invalid(fields)) => {
            let errs = form_errors(&fields, lang, &REPORT_FIELDS, &[("woman_id", "woman")]);
            new_page(&st, &me, &id, f, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(me.fail(e)),
    }
}
