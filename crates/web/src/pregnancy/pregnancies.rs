//! The pregnancy list (open, overdue, all; by village for town staff), the
//! report form from a woman's page, and the pregnancy page with its
//! antenatal checks, outcome form and birth report (one block per child).

use super::{
    Errors, Opt, blocking, change_allowed, fail, options, page_number, path_id, require_write,
    see_other, sex_label, tx, version_of,
};
use super::{
    PAGE, coded, coded_options, form_errors, general, list_error, org_names, org_param, pager,
    verification_label, village_filter, village_name,
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
use hearth_core::dates::{fmt_date, parse_date, today};
use hearth_core::person::Sex;
use hearth_core::pregnancy::{
    BirthInput, BirthPlace, CheckInput, Outcome, OutcomeInput, PregnancyInput, PregnancySource,
    TerminationReason,
};
use hearth_core::registration::RegistrationStatus;
use hearth_core::scope::Permission;
use hearth_store::pregnancy::{self as store, PregnancyFilter};
use hearth_store::register;
use serde::Deserialize;
use std::collections::HashMap;

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
) -> Response {
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
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let mut rows =
        match blocking(move || store::list_pregnancies(&db, &scope, &filter, today())).await {
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
                    .as_deref()
                    .map(|o| coded(lang, "outcome", o))
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
    render(&view, StatusCode::OK)
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
) -> Response {
    let lang = me.ctx.lang;
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.to_string());
    let res = blocking(move || {
        let p = register::get_person(&db, &scope, &pid)?;
        let ctx = register::person_context(&db, &scope, &pid)?;
        Ok((p, ctx))
    })
    .await;
    let (p, ctx) = match res {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
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
        source_opts: coded_options(
            lang,
            "source",
            &f.source,
            &PregnancySource::ALL
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>(),
        ),
        reg_opts: options(
            &f.registration_id,
            Some(tx(lang, "maternal.preg.no_registration")),
            regs,
        ),
        f,
        errs,
    };
    render(&view, status)
}

/// `GET /persons/{id}/pregnancies/new`.
pub async fn new_form(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = require_write(&me) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
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
) -> Response {
    if let Err(e) = change_allowed(&me, &f.csrf) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let input = PregnancyInput {
        lmp: f.lmp.clone(),
        reported_on: f.reported_on.clone(),
        source: f.source.clone(),
        registration_id: f.registration_id.clone(),
    };
    let (db, scope, wid) = (st.db.clone(), me.scope.clone(), id.clone());
    let cid = super::client_id(&f.client_id);
    let res = blocking(move || {
        store::report_pregnancy(&db, &scope, cid.as_deref(), &wid, &input, today())
    })
    .await;
    match res {
        Ok(p) => see_other(&format!("/pregnancies/{}", p.id)),
        Err(WebError::Invalid(fields)) => {
            let errs = form_errors(&fields, lang, &REPORT_FIELDS, &[("woman_id", "woman")]);
            new_page(&st, &me, &id, f, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => fail(&me, e),
    }
}

// ---- the pregnancy page --------------------------------------------------------

/// An antenatal check as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    checked_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    note: String,
}

/// An outcome as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    outcome_on: String,
    #[serde(default)]
    termination_record: String,
    #[serde(default)]
    termination_reason: String,
    #[serde(default)]
    note: String,
}

/// One child of the birth report as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChildTyped {
    child_name: String,
    sex: String,
    born_on: String,
    born_time: String,
    weight_g: String,
    place: String,
    birth_order: String,
    certificate_no: String,
}

const CHILD_FIELDS: [&str; 8] = [
    "child_name",
    "sex",
    "born_on",
    "born_time",
    "weight_g",
    "place",
    "birth_order",
    "certificate_no",
];

/// At most this many children in one report (the select offers 1–3).
const MAX_CHILDREN: usize = 3;

impl ChildTyped {
    fn from_form(f: &HashMap<String, String>, n: usize) -> ChildTyped {
        let v = |k: &str| f.get(&format!("{k}_{n}")).cloned().unwrap_or_default();
        ChildTyped {
            child_name: v("child_name"),
            sex: v("sex"),
            born_on: v("born_on"),
            born_time: v("born_time"),
            weight_g: v("weight_g"),
            place: v("place"),
            birth_order: v("birth_order"),
            certificate_no: v("certificate_no"),
        }
    }

    fn input(&self) -> BirthInput {
        BirthInput {
            child_name: self.child_name.clone(),
            sex: self.sex.clone(),
            born_on: self.born_on.clone(),
            born_time: self.born_time.clone(),
            weight_g: self.weight_g.clone(),
            place: self.place.clone(),
            birth_order: self.birth_order.clone(),
            certificate_no: self.certificate_no.clone(),
        }
    }
}

/// The number of children from the form's select: 1 unless 2 or 3.
fn children_count(s: &str) -> usize {
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_CHILDREN).contains(n))
        .unwrap_or(1)
}

/// A store error about one child: `children[1].sex`, `children.1.sex`,
/// `child_2_sex`… The first number names the child — counted from 0 when
/// the name has brackets or dots (array style), from 1 otherwise — and the
/// last known field name the field. Without a number: the first child.
fn child_of(field: &str, n: usize) -> (usize, Option<&'static str>) {
    let digits: String = field
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let array_style = field.contains('[') || field.contains('.');
    let index = digits
        .parse::<usize>()
        .ok()
        .map(|i| if array_style { i } else { i.saturating_sub(1) })
        .unwrap_or(0)
        .min(n.saturating_sub(1));
    let name = CHILD_FIELDS
        .iter()
        .copied()
        .filter(|f| field.ends_with(f))
        .max_by_key(|f| f.len());
    (index, name)
}

/// What a re-rendered pregnancy page carries besides the record.
#[derive(Debug, Default)]
pub(crate) struct PregExtras {
    check: Option<(CheckForm, Errors)>,
    outcome: Option<(OutcomeForm, Errors)>,
    /// The typed children, their errors, errors of the whole report.
    births: Option<(Vec<ChildTyped>, Vec<Errors>, Errors)>,
    children: Option<usize>,
    notice: Option<String>,
    status: Option<StatusCode>,
}

pub(crate) struct PregV {
    id: String,
    woman_id: String,
    woman_name: String,
    village: String,
    lmp: String,
    edd: String,
    weeks: String,
    overdue: bool,
    reported_on: String,
    timely: bool,
    source: String,
    reporter: String,
    registration_id: String,
    open: bool,
    outcome: String,
    outcome_on: String,
    termination_record: String,
    termination_reason: String,
    outcome_note: String,
    version: i64,
}

pub(crate) struct CheckV {
    checked_on: String,
    gest_week: i64,
    place: String,
    note: String,
}

pub(crate) struct BirthLineV {
    id: String,
    child: String,
    sex: String,
    born_on: String,
    verification: String,
    verification_code: &'static str,
}

pub(crate) struct ChildV {
    n: usize,
    child_name: String,
    sex_opts: Vec<Opt>,
    born_on: String,
    born_time: String,
    weight_g: String,
    place_opts: Vec<Opt>,
    birth_order: String,
    certificate_no: String,
    errs: Errors,
}

#[derive(Template)]
#[template(path = "pregnancy/pregnancy.html")]
struct PregPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    can_write: bool,
    notice: Option<String>,
    p: PregV,
    checks: Vec<CheckV>,
    births: Vec<BirthLineV>,
    check_client_id: String,
    check_on: String,
    check_place: String,
    check_note: String,
    check_errs: Errors,
    check_open: bool,
    out: OutcomeForm,
    out_errs: Errors,
    out_open: bool,
    outcome_opts: Vec<Opt>,
    reason_opts: Vec<Opt>,
    birth_client_id: String,
    children: Vec<ChildV>,
    children_opts: Vec<Opt>,
    birth_errs: Errors,
    birth_open: bool,
}

fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

/// Renders the pregnancy page (the read is audited by `get_pregnancy`).
pub(crate) async fn show_pregnancy(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    x: PregExtras,
) -> Response {
    let lang = me.ctx.lang;
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.to_string());
    let view = match blocking(move || store::get_pregnancy(&db, &scope, &pid, today())).await {
        Ok(v) => v,
        Err(e) => return fail(me, e),
    };
    let (_, names) = match org_names(st, me).await {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
    let p = view.pregnancy;
    let (check, check_errs) = x.check.unwrap_or_default();
    let check_open = !check_errs.is_empty();
    let (out, out_errs) = x.outcome.unwrap_or_default();
    let out_open = !out_errs.is_empty() || x.notice.is_some();
    let n = x.children.unwrap_or(1);
    let (typed, child_errs, birth_errs) = x.births.unwrap_or_else(|| {
        (
            vec![ChildTyped::default(); n],
            Vec::new(),
            Errors::default(),
        )
    });
    let birth_open =
        x.children.is_some() || !birth_errs.is_empty() || child_errs.iter().any(|e| !e.is_empty());
    let sex_choices = |cur: &str| {
        options(
            cur,
            Some(tx(lang, "screens.choose")),
            [Sex::Male, Sex::Female]
                .into_iter()
                .map(|s| (sex_code(s).to_string(), sex_label(lang, s))),
        )
    };
    let places: Vec<&str> = BirthPlace::ALL.iter().map(|b| b.code()).collect();
    let children = typed
        .into_iter()
        .enumerate()
        .map(|(i, c)| ChildV {
            n: i + 1,
            sex_opts: sex_choices(&c.sex),
            place_opts: coded_options(lang, "place", &c.place, &places),
            errs: child_errs.get(i).cloned().unwrap_or_default(),
            child_name: c.child_name,
            born_on: c.born_on,
            born_time: c.born_time,
            weight_g: c.weight_g,
            birth_order: c.birth_order,
            certificate_no: c.certificate_no,
        })
        .collect::<Vec<_>>();
    let count = children.len().to_string();
    let view = PregPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        can_write: me.scope.can(Permission::WriteRegister),
        notice: x.notice,
        checks: view
            .checks
            .into_iter()
            .map(|c| CheckV {
                checked_on: c.checked_on,
                gest_week: c.gest_week,
                place: c.place,
                note: c.note.unwrap_or_default(),
            })
            .collect(),
        births: view
            .births
            .into_iter()
            .map(|b| BirthLineV {
                child: super::births::child_label(b.child_name, &b.mother_name, b.sex).0,
                sex: sex_label(lang, b.sex),
                verification: verification_label(lang, b.verification),
                verification_code: b.verification.code(),
                id: b.id,
                born_on: b.born_on,
            })
            .collect(),
        check_client_id: if check.client_id.is_empty() {
            hearth_store::new_id()
        } else {
            check.client_id
        },
        check_on: if check.checked_on.is_empty() && !check_open {
            fmt_date(today())
        } else {
            check.checked_on
        },
        check_place: check.place,
        check_note: check.note,
        check_errs,
        check_open,
        outcome_opts: coded_options(
            lang,
            "outcome",
            &out.outcome,
            &Outcome::ALL
                .iter()
                .filter(|o| **o != Outcome::LiveBirth)
                .map(|o| o.code())
                .collect::<Vec<_>>(),
        ),
        reason_opts: coded_options(
            lang,
            "reason",
            &out.termination_reason,
            &TerminationReason::ALL
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>(),
        ),
        out,
        out_errs,
        out_open,
        birth_client_id: hearth_store::new_id(),
        children_opts: options(
            &count,
            None,
            (1..=MAX_CHILDREN)
                .map(|k| (k.to_string(), tx(lang, &format!("maternal.children.{k}")))),
        ),
        children,
        birth_errs,
        birth_open,
        p: PregV {
            village: village_name(&names, &p.village_code),
            weeks: p.gest_week.map(|w| w.to_string()).unwrap_or_default(),
            source: coded(lang, "source", &p.source),
            outcome: p
                .outcome
                .as_deref()
                .map(|o| coded(lang, "outcome", o))
                .unwrap_or_default(),
            open: p.outcome.is_none(),
            termination_reason: p
                .termination_reason
                .as_deref()
                .map(|r| coded(lang, "reason", r))
                .unwrap_or_default(),
            outcome_on: p.outcome_on.unwrap_or_default(),
            termination_record: p.termination_record.unwrap_or_default(),
            outcome_note: p.outcome_note.unwrap_or_default(),
            registration_id: p.registration_id.unwrap_or_default(),
            reporter: p.reported_by_name,
            overdue: p.overdue,
            timely: p.timely,
            id: p.id,
            woman_id: p.woman_id,
            woman_name: p.woman_name,
            lmp: p.lmp,
            edd: p.edd,
            reported_on: p.reported_on,
            version: p.version,
        },
    };
    render(&view, x.status.unwrap_or(StatusCode::OK))
}

#[derive(Deserialize)]
pub struct ShowParams {
    children: Option<String>,
}

/// `GET /pregnancies/{id}?children=`: the page; `children` (2 or 3) opens
/// the birth report with that many child blocks.
pub async fn show(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ShowParams>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let x = PregExtras {
        children: q.children.as_deref().map(children_count),
        ..PregExtras::default()
    };
    show_pregnancy(&st, &me, &id, x).await
}

/// `GET` on the pregnancy's form-only paths: back to its page (404 outside
/// the scope).
pub async fn back_to_pregnancy(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    match blocking(move || store::get_pregnancy(&db, &scope, &pid, today())).await {
        Ok(_) => see_other(&format!("/pregnancies/{id}")),
        Err(e) => fail(&me, e),
    }
}

/// The pregnancy id of a changing form, after the CSRF token and the role.
fn start(me: &SignedIn, csrf: &str, id: &str) -> Result<String, WebError> {
    change_allowed(me, csrf)?;
    Ok(path_id(id)?.to_string())
}

/// `POST /pregnancies/{id}/checks`: an antenatal check of an open pregnancy.
pub async fn add_check(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CheckForm>,
) -> Response {
    let id = match start(&me, &f.csrf, &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let input = CheckInput {
        checked_on: f.checked_on.clone(),
        place: f.place.clone(),
        note: f.note.clone(),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    let cid = super::client_id(&f.client_id);
    let res =
        blocking(move || store::add_check(&db, &scope, cid.as_deref(), &pid, &input, today()))
            .await;
    match res {
        Ok(_) => see_other(&format!("/pregnancies/{id}#checks")),
        Err(WebError::Invalid(fields)) => {
            let errs = form_errors(&fields, lang, &["checked_on", "place", "note"], &[]);
            let x = PregExtras {
                check: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(WebError::Conflict { .. }) => {
            let x = PregExtras {
                check: Some((f, general(tx(lang, "maternal.conflict.pregnancy")))),
                status: Some(StatusCode::CONFLICT),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(e) => fail(&me, e),
    }
}

const OUTCOME_FIELDS: [&str; 5] = [
    "outcome",
    "outcome_on",
    "termination_record",
    "termination_reason",
    "note",
];

/// `POST /pregnancies/{id}/outcome`: closes an open pregnancy with an
/// outcome other than a live birth, at the version the page showed.
pub async fn outcome(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<OutcomeForm>,
) -> Response {
    let id = match start(&me, &f.csrf, &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let input = OutcomeInput {
        outcome: f.outcome.clone(),
        outcome_on: f.outcome_on.clone(),
        termination_record: f.termination_record.clone(),
        termination_reason: f.termination_reason.clone(),
        note: f.note.clone(),
    };
    let version = version_of(&f.version);
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    let res =
        blocking(move || store::record_outcome(&db, &scope, &pid, version, &input, today())).await;
    match res {
        Ok(_) => see_other(&format!("/pregnancies/{id}")),
        Err(WebError::Invalid(fields)) => {
            let errs = form_errors(&fields, lang, &OUTCOME_FIELDS, &[("outcome_note", "note")]);
            let x = PregExtras {
                outcome: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(WebError::Conflict { .. }) => {
            // The page shows the record as it is now with its new version;
            // the form keeps what was typed, so saving again is deliberate.
            let x = PregExtras {
                outcome: Some((f, Errors::default())),
                notice: Some(tx(lang, "maternal.conflict.pregnancy")),
                status: Some(StatusCode::CONFLICT),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(e) => fail(&me, e),
    }
}

/// `POST /pregnancies/{id}/births`: the live birth of one child or more
/// (`children` blocks, fields `sex_1`, `born_on_1`, …). Each child is
/// checked first against the pregnancy's LMP, so every message lands
/// beside its child's field; the store then closes the pregnancy, creates
/// each child in the mother's household and marks the registration used.
pub async fn report_births(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let val = |k: &str| f.get(k).cloned().unwrap_or_default();
    let id = match start(&me, &val("csrf"), &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let n = children_count(&val("children"));
    let typed: Vec<ChildTyped> = (1..=n).map(|i| ChildTyped::from_form(&f, i)).collect();
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    let lmp = match blocking(move || store::get_pregnancy(&db, &scope, &pid, today())).await {
        Ok(v) => parse_date(&v.pregnancy.lmp).ok(),
        Err(e) => return fail(&me, e),
    };
    let inputs: Vec<BirthInput> = typed.iter().map(ChildTyped::input).collect();
    let back = |child_errs: Vec<Errors>, all: Errors, status: StatusCode| PregExtras {
        births: Some((typed.clone(), child_errs, all)),
        status: Some(status),
        ..PregExtras::default()
    };
    if let Some(lmp) = lmp {
        let child_errs: Vec<Errors> = inputs
            .iter()
            .map(|i| match i.validate(lmp, today()) {
                Ok(_) => Errors::default(),
                Err(fields) => form_errors(&fields, lang, &CHILD_FIELDS, &[]),
            })
            .collect();
        if child_errs.iter().any(|e| !e.is_empty()) {
            let x = back(
                child_errs,
                Errors::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            return show_pregnancy(&st, &me, &id, x).await;
        }
    }
    let version = version_of(&val("version"));
    let cid = super::client_id(&val("client_id"));
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    let res = blocking(move || {
        store::report_births(&db, &scope, cid.as_deref(), &pid, version, &inputs, today())
    })
    .await;
    match res {
        Ok(_) => see_other(&format!("/pregnancies/{id}#births")),
        Err(WebError::Invalid(fields)) => {
            let mut child_errs = vec![Errors::default(); n];
            let mut all = Errors::default();
            for e in &fields {
                match child_of(&e.field, n) {
                    (i, Some(name)) => {
                        if let Some(c) = child_errs.get_mut(i) {
                            c.add(name, e.message(lang));
                        }
                    }
                    (_, None) => all.general.push(e.message(lang)),
                }
            }
            let x = back(child_errs, all, StatusCode::UNPROCESSABLE_ENTITY);
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(WebError::Conflict { .. }) => {
            let x = back(
                Vec::new(),
                general(tx(lang, "maternal.conflict.pregnancy")),
                StatusCode::CONFLICT,
            );
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(e) => fail(&me, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_errors_find_their_child() {
        assert_eq!(child_of("sex", 2), (0, Some("sex")));
        assert_eq!(child_of("children[1].sex", 2), (1, Some("sex")));
        assert_eq!(child_of("children.0.born_on", 2), (0, Some("born_on")));
        assert_eq!(
            child_of("child_2_certificate_no", 2),
            (1, Some("certificate_no"))
        );
        assert_eq!(child_of("children[5].place", 2), (1, Some("place")));
        assert_eq!(child_of("pregnancy_id", 2), (0, None));
        assert_eq!(children_count("2"), 2);
        assert_eq!(children_count("9"), 1);
        assert_eq!(children_count(""), 1);
    }
}
