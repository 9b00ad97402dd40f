//! The pregnancy page: the record with its antenatal checks and births,
//! the check form, the outcome form (closing it other than by a live
//! birth) and the birth report's blocks (see `birth_report`).

use super::birth_report::{ChildTyped, ChildV, child_blocks, children_count, children_opts};
use super::{
    enum_options, form_errors, general, org_names, outcome_label, reason_label, source_label,
    verification_label, village_name,
};
use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{Errors, Opt, client_id, path_id, version_of};
use crate::kit::labels::sex_label;
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render, see_other};
use crate::kit::params::tx;
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_core::dates::{fmt_date, today};
use hearth_core::pregnancy::{CheckInput, Outcome, OutcomeInput, TerminationReason};
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::pregnancy as store;
use serde::Deserialize;

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

/// What a re-rendered pregnancy page carries besides the record.
#[derive(Debug, Default)]
pub(super) struct PregExtras {
    pub(super) check: Option<(CheckForm, Errors)>,
    pub(super) outcome: Option<(OutcomeForm, Errors)>,
    /// The typed children, their errors, errors of the whole report.
    pub(super) births: Option<(Vec<ChildTyped>, Vec<Errors>, Errors)>,
    pub(super) children: Option<usize>,
    pub(super) notice: Option<String>,
    pub(super) status: Option<StatusCode>,
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

/// Renders the pregnancy page (the read is audited by `get_pregnancy`).
pub(crate) async fn show_pregnancy(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    x: PregExtras,
) -> PageResult {
    let lang = me.ctx.lang;
    let pid = id.to_string();
    let view = me
        .run(st, move |db, scope| {
            store::get_pregnancy(db, scope, &pid, today())
        })
        .await?;
    let (_, names) = org_names(st, me).await?;
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
    let children = child_blocks(lang, typed, &child_errs);
    let count = children.len();
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
        outcome_opts: enum_options(
            lang,
            &out.outcome,
            Outcome::ALL
                .iter()
                .copied()
                .filter(|o| *o != Outcome::LiveBirth),
            Outcome::code,
            outcome_label,
        ),
        reason_opts: enum_options(
            lang,
            &out.termination_reason,
            TerminationReason::ALL.iter().copied(),
            TerminationReason::code,
            reason_label,
        ),
        out,
        out_errs,
        out_open,
        birth_client_id: hearth_store::new_id(),
        children_opts: children_opts(lang, count),
        children,
        birth_errs,
        birth_open,
        p: PregV {
            village: village_name(&names, &p.village_code),
            weeks: p.gest_week.map(|w| w.to_string()).unwrap_or_default(),
            source: source_label(lang, p.source),
            outcome: p
                .outcome
                .map(|o| outcome_label(lang, o))
                .unwrap_or_default(),
            open: p.outcome.is_none(),
            termination_reason: p
                .termination_reason
                .map(|r| reason_label(lang, r))
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
    Ok(render(&view, x.status.unwrap_or(StatusCode::OK)))
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
) -> PageResult {
    let id = path_id(&id).page(&me)?.to_string();
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
) -> PageResult {
    let id = path_id(&id).page(&me)?.to_string();
    let pid = id.clone();
    me.run(&st, move |db, scope| {
        store::get_pregnancy(db, scope, &pid, today())
    })
    .await?;
    Ok(see_other(&format!("/pregnancies/{id}")))
}

/// The pregnancy id of a changing form, after the CSRF token and the role.
pub(super) fn start(me: &SignedIn, csrf: &str, id: &str) -> Result<String, PageFail> {
    me.change_allowed(csrf, Permission::WriteRegister)?;
    Ok(path_id(id).page(me)?.to_string())
}

/// `POST /pregnancies/{id}/checks`: an antenatal check of an open pregnancy.
pub async fn add_check(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CheckForm>,
) -> PageResult {
    let id = start(&me, &f.csrf, &id)?;
    let lang = me.ctx.lang;
    let input = CheckInput {
        checked_on: f.checked_on.clone(),
        place: f.place.clone(),
        note: f.note.clone(),
    };
    let pid = id.clone();
    let cid = client_id(&f.client_id);
    let res = me
        .run(&st, move |db, scope| {
            Ok(store::add_check(
                db,
                scope,
                cid.as_deref(),
                &pid,
                &input,
                today(),
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/pregnancies/{id}#checks"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = form_errors(&fields, lang, &["checked_on", "place", "note"], &[]);
            let x = PregExtras {
                check: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(StoreError::Conflict { .. }) => {
            let x = PregExtras {
                check: Some((f, general(tx(lang, "maternal.conflict.pregnancy")))),
                status: Some(StatusCode::CONFLICT),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(e) => Err(me.fail(e)),
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
) -> PageResult {
    let id = start(&me, &f.csrf, &id)?;
    let lang = me.ctx.lang;
    let input = OutcomeInput {
        outcome: f.outcome.clone(),
        outcome_on: f.outcome_on.clone(),
        termination_record: f.termination_record.clone(),
        termination_reason: f.termination_reason.clone(),
        note: f.note.clone(),
    };
    let version = version_of(&f.version);
    let pid = id.clone();
    let res = me
        .run(&st, move |db, scope| {
            Ok(store::record_outcome(
                db,
                scope,
                &pid,
                version,
                &input,
                today(),
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/pregnancies/{id}"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = form_errors(&fields, lang, &OUTCOME_FIELDS, &[("outcome_note", "note")]);
            let x = PregExtras {
                outcome: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..PregExtras::default()
            };
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(StoreError::Conflict { .. }) => {
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
        Err(e) => Err(me.fail(e)),
    }
}
