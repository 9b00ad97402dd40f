//! The birth list (by village and verification state, with the count of
//! each state so the unverified share is always visible) and the birth
//! page: its verification steps and the form for the step the signed-in
//! user may record, naming the child, amendments of sex or date of birth,
//! and the infant-death report.

use super::{
    Errors, Opt, blocking, change_allowed, fail, page_number, path_id, see_other, sex_label, tx,
    version_of,
};
use super::{
    PAGE, StepV, VerifyForm, VerifyV, coded, coded_options, form_errors, general, list_error,
    org_names, org_param, pager, step_view, verification_label, verify_state, village_filter,
    village_name,
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
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::person::Sex;
use hearth_core::pregnancy::{DeathCause, DeathInput, Verification, VerifyStep};
use hearth_core::scope::Permission;
use hearth_core::user::Role;
use hearth_store::pregnancy::{self as store, BirthFilter};
use serde::Deserialize;

// ---- the list ----------------------------------------------------------------

#[derive(Deserialize)]
pub struct ListParams {
    org: Option<String>,
    v: Option<String>,
    page: Option<String>,
}

/// A verification filter from `?v=`.
fn verification_param(s: Option<&str>) -> Option<Verification> {
    match s.map(str::trim) {
        Some("unverified") => Some(Verification::Unverified),
        Some("village_verified") => Some(Verification::VillageVerified),
        Some("verified") => Some(Verification::Verified),
        _ => None,
    }
}

const STATES: [Verification; 3] = [
    Verification::Unverified,
    Verification::VillageVerified,
    Verification::Verified,
];

pub(crate) struct FilterV {
    href: String,
    label: String,
    count: i64,
    code: &'static str,
    current: bool,
}

pub(crate) struct BirthRowV {
    id: String,
    child: String,
    named: bool,
    mother_id: String,
    mother_name: String,
    village: String,
    born_on: String,
    sex: String,
    verification: String,
    verification_code: &'static str,
}

#[derive(Template)]
#[template(path = "pregnancy/births.html")]
struct ListPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    v: String,
    filters: Vec<FilterV>,
    village_opts: Vec<Opt>,
    rows: Vec<BirthRowV>,
    prev: Option<String>,
    next: Option<String>,
}

/// A child's name; until named, the provisional name the register carries
/// ("<mother>之子" / "<mother>之女") and `false`.
pub(crate) fn child_label(name: Option<String>, mother: &str, sex: Sex) -> (String, bool) {
    match name {
        Some(n) if !n.trim().is_empty() => (n, true),
        _ => (
            match sex {
                Sex::Male => format!("{mother}之子"),
                Sex::Female => format!("{mother}之女"),
            },
            false,
        ),
    }
}

/// `GET /births?org=&v=&page=`: births in the area, newest first, with
/// how many are unverified, verified by the village, and verified.
pub async fn list(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListParams>,
) -> Response {
    let lang = me.ctx.lang;
    let org = org_param(q.org.as_deref());
    let v = verification_param(q.v.as_deref());
    let page = page_number(q.page.as_deref());
    let (db, scope, o) = (st.db.clone(), me.scope.clone(), org.clone());
    let res = blocking(move || {
        let rows = store::list_births(
            &db,
            &scope,
            &BirthFilter {
                org_code: o.clone(),
                verification: v,
                limit: PAGE + 1,
                offset: (page - 1) * PAGE,
                ..BirthFilter::default()
            },
        )?;
        let counts = store::birth_counts(&db, &scope, o.as_deref())?;
        Ok((rows, counts))
    })
    .await;
    let (mut rows, counts) = match res {
        Ok(x) => x,
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
    let total: i64 = counts.iter().sum();
    let mut filters = vec![FilterV {
        href: format!("/births?{org_q}v=all"),
        label: tx(lang, "maternal.verification.all"),
        count: total,
        code: "all",
        current: v.is_none(),
    }];
    filters.extend(STATES.iter().zip(&counts).map(|(s, n)| FilterV {
        href: format!("/births?{org_q}v={}", s.code()),
        label: verification_label(lang, *s),
        count: *n,
        code: s.code(),
        current: v == Some(*s),
    }));
    let v_code = v.map_or("all", Verification::code);
    let (prev, next) = pager(&format!("/births?{org_q}v={v_code}"), page, more);
    let view = ListPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        v: v_code.to_string(),
        filters,
        village_opts: village_filter(&units, org.as_deref().unwrap_or(""), lang),
        rows: rows
            .into_iter()
            .map(|b| {
                let (child, named) = child_label(b.child_name, &b.mother_name, b.sex);
                BirthRowV {
                    child,
                    named,
                    village: village_name(&names, &b.village_code),
                    sex: sex_label(lang, b.sex),
                    verification: verification_label(lang, b.verification),
                    verification_code: b.verification.code(),
                    id: b.id,
                    mother_id: b.mother_id,
                    mother_name: b.mother_name,
                    born_on: b.born_on,
                }
            })
            .collect(),
        prev,
        next,
    };
    render(&view, StatusCode::OK)
}

// ---- the birth page ----------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    new_value: String,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeathForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    died_on: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    note: String,
}

/// What a re-rendered birth page carries besides the record.
#[derive(Debug, Default)]
pub(crate) struct BirthExtras {
    verify: Option<(VerifyForm, Errors)>,
    name: Option<(NameForm, Errors)>,
    amend: Option<(AmendForm, Errors)>,
    death: Option<(DeathForm, Errors)>,
    notice: Option<String>,
    status: Option<StatusCode>,
}

pub(crate) struct BirthV {
    id: String,
    pregnancy_id: String,
    child_id: String,
    child: String,
    named: bool,
    mother_id: String,
    mother_name: String,
    village: String,
    sex: String,
    born_on: String,
    born_time: String,
    weight_g: String,
    place: String,
    birth_order: i64,
    certificate_no: String,
    registration_id: String,
    reporter: String,
    verification: String,
    verification_code: &'static str,
    version: i64,
}

pub(crate) struct AmendV {
    field: String,
    old_value: String,
    new_value: String,
    reason: String,
    by_name: String,
    at: String,
}

pub(crate) struct DeathLineV {
    id: String,
    died_on: String,
    cause: String,
    verification: String,
}

#[derive(Template)]
#[template(path = "pregnancy/birth.html")]
struct BirthPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    can_write: bool,
    can_amend: bool,
    notice: Option<String>,
    b: BirthV,
    steps: Vec<StepV>,
    verify_action: String,
    verify: Option<VerifyV>,
    verify_why: Option<String>,
    verify_errs: Errors,
    name_value: String,
    name_errs: Errors,
    name_open: bool,
    amendments: Vec<AmendV>,
    amend_field_opts: Vec<Opt>,
    amend_new_value: String,
    amend_reason: String,
    amend_errs: Errors,
    amend_open: bool,
    death: Option<DeathLineV>,
    death_client_id: String,
    death_on: String,
    death_note: String,
    cause_opts: Vec<Opt>,
    death_errs: Errors,
    death_open: bool,
}

/// An amended value in words: a sex by its label, a date as it is.
fn amended_value(lang: Lang, field: &str, value: &str) -> String {
    if field == "sex" {
        Sex::parse(value).map_or_else(|_| value.to_string(), |s| sex_label(lang, s))
    } else {
        value.to_string()
    }
}

/// Renders the birth page (the read is audited by `get_birth`).
pub(crate) async fn show_birth(st: &AppState, me: &SignedIn, id: &str, x: BirthExtras) -> Response {
    let lang = me.ctx.lang;
    let (db, scope, bid) = (st.db.clone(), me.scope.clone(), id.to_string());
    let view = match blocking(move || store::get_birth(&db, &scope, &bid)).await {
        Ok(v) => v,
        Err(e) => return fail(me, e),
    };
    let (_, names) = match org_names(st, me).await {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
    let b = view.birth;
    let steps = [
        step_view(lang, VerifyStep::Village, b.village_verification.as_ref()),
        step_view(lang, VerifyStep::Town, b.town_verification.as_ref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let (vf, verify_errs) = match x.verify {
        Some((f, e)) => (Some(f), e),
        None => (None, Errors::default()),
    };
    let (verify, verify_why) = verify_state(
        me,
        b.village_verification.as_ref(),
        b.town_verification.as_ref(),
        &["time_of_birth", "sex", "certificate"],
        vf.as_ref(),
    );
    let (name_f, name_errs) = x.name.unwrap_or_default();
    let (amend_f, amend_errs) = x.amend.unwrap_or_default();
    let (death_f, death_errs) = x.death.unwrap_or_default();
    let (child, named) = child_label(b.child_name.clone(), &b.mother_name, b.sex);
    let view = BirthPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        can_write: me.scope.can(Permission::WriteRegister),
        // A verified birth is corrected by town staff only (the store
        // refuses others); the form is not offered to them.
        can_amend: me.scope.can(Permission::WriteRegister)
            && (b.verification != Verification::Verified
                || matches!(me.user.role, Role::TownStaff | Role::Admin)),
        notice: x.notice,
        steps,
        verify_action: format!("/births/{}/verify", b.id),
        verify,
        verify_why,
        verify_errs,
        name_open: !name_errs.is_empty(),
        name_value: name_f.name,
        name_errs,
        amendments: view
            .amendments
            .into_iter()
            .map(|a| AmendV {
                old_value: amended_value(lang, &a.field, &a.old_value),
                new_value: amended_value(lang, &a.field, &a.new_value),
                field: coded(lang, "amend.field", &a.field),
                reason: a.reason,
                by_name: a.by_name,
                at: a.at,
            })
            .collect(),
        amend_field_opts: coded_options(lang, "amend.field", &amend_f.field, &["sex", "born_on"]),
        amend_open: !amend_errs.is_empty(),
        amend_new_value: amend_f.new_value,
        amend_reason: amend_f.reason,
        amend_errs,
        death: view.death.map(|d| DeathLineV {
            cause: coded(lang, "cause", &d.cause),
            verification: verification_label(lang, d.verification),
            id: d.id,
            died_on: d.died_on,
        }),
        death_client_id: if death_f.client_id.is_empty() {
            hearth_store::new_id()
        } else {
            death_f.client_id
        },
        death_on: death_f.died_on,
        death_note: death_f.note,
        cause_opts: coded_options(
            lang,
            "cause",
            &death_f.cause,
            &DeathCause::ALL.iter().map(|c| c.code()).collect::<Vec<_>>(),
        ),
        death_open: !death_errs.is_empty(),
        death_errs,
        b: BirthV {
            child,
            named,
            village: village_name(&names, &b.village_code),
            sex: sex_label(lang, b.sex),
            born_time: b.born_time.unwrap_or_default(),
            weight_g: b.weight_g.map(|w| w.to_string()).unwrap_or_default(),
            place: coded(lang, "place", &b.place),
            certificate_no: b.certificate_no.unwrap_or_default(),
            registration_id: b.registration_id.unwrap_or_default(),
            reporter: b.reported_by_name,
            verification: verification_label(lang, b.verification),
            verification_code: b.verification.code(),
            id: b.id,
            pregnancy_id: b.pregnancy_id,
            child_id: b.child_id,
            mother_id: b.mother_id,
            mother_name: b.mother_name,
            born_on: b.born_on,
            birth_order: b.birth_order,
            version: b.version,
        },
    };
    render(&view, x.status.unwrap_or(StatusCode::OK))
}

/// `GET /births/{id}`.
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> Response {
    match path_id(&id) {
        Ok(id) => show_birth(&st, &me, id, BirthExtras::default()).await,
        Err(e) => fail(&me, e),
    }
}

/// `GET` on the birth's form-only paths: back to its page (404 outside the
/// scope).
pub async fn back_to_birth(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, bid) = (st.db.clone(), me.scope.clone(), id.clone());
    match blocking(move || store::get_birth(&db, &scope, &bid)).await {
        Ok(_) => see_other(&format!("/births/{id}")),
        Err(e) => fail(&me, e),
    }
}

fn start(me: &SignedIn, csrf: &str, id: &str) -> Result<String, WebError> {
    change_allowed(me, csrf)?;
    Ok(path_id(id)?.to_string())
}

/// The page again after a refused change: field errors (422) or the
/// "changed by someone else" notice (409).
async fn refused(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    e: WebError,
    with: impl FnOnce(Errors) -> BirthExtras,
    known: &[&str],
    rename: &[(&str, &str)],
) -> Response {
    let lang = me.ctx.lang;
    match e {
        WebError::Invalid(fields) => {
            let mut x = with(form_errors(&fields, lang, known, rename));
            x.status = Some(StatusCode::UNPROCESSABLE_ENTITY);
            show_birth(st, me, id, x).await
        }
        WebError::Conflict { .. } => {
            let mut x = with(general(tx(lang, "maternal.conflict.birth")));
            x.status = Some(StatusCode::CONFLICT);
            show_birth(st, me, id, x).await
        }
        e => fail(me, e),
    }
}

/// `POST /births/{id}/verify`: one in-person verification step.
pub async fn verify(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<VerifyForm>,
) -> Response {
    let id = match start(&me, &f.csrf, &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let input = f.input();
    let version = version_of(&f.version);
    let (db, scope, bid) = (st.db.clone(), me.scope.clone(), id.clone());
    let res =
        blocking(move || store::verify_birth(&db, &scope, &bid, version, &input, today())).await;
    match res {
        Ok(_) => see_other(&format!("/births/{id}#verification")),
        Err(e) => {
            let with = |errs| BirthExtras {
                verify: Some((f, errs)),
                ..BirthExtras::default()
            };
            refused(
                &st,
                &me,
                &id,
                e,
                with,
                &["verified_on", "checks"],
                &[("on", "verified_on")],
            )
            .await
        }
    }
}

/// `POST /births/{id}/name`: the child's name (birth and person record).
pub async fn name(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<NameForm>,
) -> Response {
    let id = match start(&me, &f.csrf, &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let version = version_of(&f.version);
    let (db, scope, bid, name) = (st.db.clone(), me.scope.clone(), id.clone(), f.name.clone());
    match blocking(move || store::name_child(&db, &scope, &bid, version, &name)).await {
        Ok(_) => see_other(&format!("/births/{id}")),
        Err(e) => {
            let with = |errs| BirthExtras {
                name: Some((f, errs)),
                ..BirthExtras::default()
            };
            refused(&st, &me, &id, e, with, &["name"], &[("child_name", "name")]).await
        }
    }
}

/// `POST /births/{id}/amend`: a correction of the sex or the date of birth,
/// kept as an amendment with its reason.
pub async fn amend(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<AmendForm>,
) -> Response {
    let id = match start(&me, &f.csrf, &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let version = version_of(&f.version);
    let (db, scope, bid) = (st.db.clone(), me.scope.clone(), id.clone());
    let (field, value, reason) = (f.field.clone(), f.new_value.clone(), f.reason.clone());
    let res = blocking(move || {
        store::amend_birth(&db, &scope, &bid, version, &field, &value, &reason, today())
    })
    .await;
    match res {
        Ok(_) => see_other(&format!("/births/{id}#amendments")),
        Err(e) => {
            let with = |errs| BirthExtras {
                amend: Some((f, errs)),
                ..BirthExtras::default()
            };
            refused(
                &st,
                &me,
                &id,
                e,
                with,
                &["field", "new_value", "reason"],
                &[
                    ("sex", "new_value"),
                    ("born_on", "new_value"),
                    ("value", "new_value"),
                ],
            )
            .await
        }
    }
}

/// `POST /births/{id}/death`: the death of this child before their first
/// birthday.
pub async fn report_death(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<DeathForm>,
) -> Response {
    let id = match start(&me, &f.csrf, &id) {
        Ok(id) => id,
        Err(e) => return fail(&me, e),
    };
    let (db, scope, bid) = (st.db.clone(), me.scope.clone(), id.clone());
    let child = match blocking(move || store::get_birth(&db, &scope, &bid)).await {
        Ok(v) => v.birth.child_id,
        Err(e) => return fail(&me, e),
    };
    let input = DeathInput {
        died_on: f.died_on.clone(),
        cause: f.cause.clone(),
        note: f.note.clone(),
    };
    let cid = super::client_id(&f.client_id);
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let res = blocking(move || {
        store::report_infant_death(&db, &scope, cid.as_deref(), &child, &input, today())
    })
    .await;
    match res {
        Ok(d) => see_other(&format!("/deaths/{}", d.id)),
        Err(e) => {
            let with = |errs| BirthExtras {
                death: Some((f, errs)),
                ..BirthExtras::default()
            };
            refused(&st, &me, &id, e, with, &["died_on", "cause", "note"], &[]).await
        }
    }
}
