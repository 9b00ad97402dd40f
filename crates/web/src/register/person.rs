//! The person page (identity, household, couples and their birth
//! registrations; ID number and phone masked with audited "show" buttons),
//! then each workflow's panel through the kit's seam (`crate::PERSON_PANELS`)
//! — the page knows no other workflow — and linking a spouse. The edit and
//! new-person forms are in `person_form`.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::form::{Errors, path_id};
use crate::kit::labels::{
    marital_label, registration_status_label as status_label, relation_label, sex_label,
};
use crate::kit::org::names;
use crate::kit::page::{OrPage, PageResult, other_lang, render, see_other};
use crate::kit::panel::{PanelCtx, PersonPanel, person_panels};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hearth_core::dates::{fmt_date, today};
use hearth_core::id_number::mask_id;
use hearth_core::phone::mask_phone;
use hearth_core::registration::RegistrationStatus;
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::register::{self, ScreenEntity};
use hearth_store::search::RevealField;
use serde::Deserialize;

/// What a re-rendered person page carries besides the record: a revealed
/// value, a notice, and a form that came back with errors.
#[derive(Debug, Default)]
pub(crate) struct PersonExtras {
    pub revealed_id: Option<String>,
    pub revealed_phone: Option<String>,
    pub notice: Option<String>,
    pub couple_form: Option<(CoupleForm, Errors)>,
    /// Couple id, the typed registration, its errors.
    pub reg_form: Option<(String, RegValues, Errors)>,
    /// Registration id, the typed review date, its errors.
    pub review: Option<(String, String, Errors)>,
    /// Registration id, the typed reason, its errors.
    pub cancel: Option<(String, String, Errors)>,
    pub status: Option<StatusCode>,
}

/// A new registration as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegValues {
    pub child_order: String,
    pub number: String,
    pub issued_on: String,
}

pub(crate) struct PersonV {
    id: String,
    name: String,
    sex: String,
    birth_date: String,
    id_value: String,
    id_revealed: bool,
    phone_value: String,
    phone_revealed: bool,
    marital: String,
    village: String,
    household_id: String,
    household_number: String,
    relation: String,
}

pub(crate) struct RegV {
    id: String,
    number: String,
    child_order: i64,
    issued_on: String,
    status: String,
    status_code: &'static str,
    reason: String,
    review_due: String,
    last_reviewed: String,
    current: bool,
    due: bool,
    version: i64,
    review_on: String,
    review_errs: Errors,
    cancel_reason: String,
    cancel_errs: Errors,
    cancel_open: bool,
}

pub(crate) struct CoupleV {
    id: String,
    spouse_id: String,
    spouse_name: String,
    spouse_hidden: bool,
    marriage_date: String,
    regs: Vec<RegV>,
    form: RegValues,
    form_errs: Errors,
    form_open: bool,
}

#[derive(Template)]
#[template(path = "register/person.html")]
struct PersonPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    can_write: bool,
    today: String,
    p: PersonV,
    notice: Option<String>,
    couples: Vec<CoupleV>,
    spouse_resident_id: String,
    marriage_date: String,
    couple_errs: Errors,
    couple_open: bool,
    /// The other workflows' sections, rendered by their panels, in order.
    panels: Vec<PersonPanel>,
}

/// One registration of a couple on the page, with a review or cancel form
/// that came back for it.
fn reg_view(
    r: hearth_core::registration::BirthRegistration,
    x: &PersonExtras,
    lang: hearth_core::Lang,
    today_s: &str,
) -> RegV {
    let review = x.review.as_ref().filter(|(rid, _, _)| *rid == r.id);
    let cancel = x.cancel.as_ref().filter(|(rid, _, _)| *rid == r.id);
    RegV {
        status: status_label(lang, r.status),
        status_code: r.status.code(),
        reason: r.status_reason.clone().unwrap_or_default(),
        current: r.status == RegistrationStatus::Current,
        due: r.status == RegistrationStatus::Current && r.review_due.as_str() <= today_s,
        last_reviewed: r.last_reviewed_on.clone().unwrap_or_default(),
        review_on: review.map_or_else(|| today_s.to_string(), |(_, v, _)| v.clone()),
        review_errs: review.map(|(_, _, e)| e.clone()).unwrap_or_default(),
        cancel_reason: cancel.map(|(_, v, _)| v.clone()).unwrap_or_default(),
        cancel_errs: cancel.map(|(_, _, e)| e.clone()).unwrap_or_default(),
        cancel_open: cancel.is_some(),
        id: r.id,
        number: r.number,
        child_order: r.child_order,
        issued_on: r.issued_on,
        review_due: r.review_due,
        version: r.version,
    }
}

/// Renders the person page for `id`: one view, audited once by
/// `get_person`; the household, couples and the panels are read with it
/// and write no audit entry of their own.
pub(crate) async fn show_person(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    x: PersonExtras,
) -> PageResult {
    let lang = me.ctx.lang;
    let (pid, user_id, role, csrf) = (
        id.to_string(),
        me.user.id.clone(),
        me.user.role,
        me.csrf.clone(),
    );
    let (p, ctx, units, panels) = me
        .run(st, move |db, scope| {
            let p = register::get_person(db, scope, &pid)?;
            let ctx = register::person_context(db, scope, &pid)?;
            let units = hearth_store::orgs::list(db, scope)?;
            let panel_ctx = PanelCtx {
                db,
                scope,
                user_id: &user_id,
                role,
                lang,
                csrf: &csrf,
                person: &p,
            };
            let panels = person_panels(crate::PERSON_PANELS, &panel_ctx)?;
            Ok((p, ctx, units, panels))
        })
        .await?;
    let village_names = names(&units);
    let today_s = fmt_date(today());
    let couples = ctx
        .couples
        .into_iter()
        .map(|c| {
            let spouse = if c.couple.wife_id == p.id {
                c.husband
            } else {
                c.wife
            };
            let regs = c
                .registrations
                .into_iter()
                .map(|r| reg_view(r, &x, lang, &today_s))
                .collect();
            let form = x
                .reg_form
                .as_ref()
                .filter(|(cid, _, _)| *cid == c.couple.id);
            CoupleV {
                spouse_hidden: spouse.is_none(),
                spouse_id: spouse.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
                spouse_name: spouse.map(|s| s.name).unwrap_or_default(),
                marriage_date: c.couple.marriage_date.unwrap_or_default(),
                regs,
                form: form.map(|(_, v, _)| v.clone()).unwrap_or_default(),
                form_errs: form.map(|(_, _, e)| e.clone()).unwrap_or_default(),
                form_open: form.is_some(),
                id: c.couple.id,
            }
        })
        .collect();
    let (household_id, household_number) =
        ctx.household.map(|h| (h.id, h.number)).unwrap_or_default();
    let (couple_values, couple_errs) = x.couple_form.unwrap_or_default();
    let view = PersonPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        can_write: me.scope.can(Permission::WriteRegister),
        today: today_s,
        p: PersonV {
            id_revealed: x.revealed_id.is_some(),
            id_value: x.revealed_id.unwrap_or_else(|| mask_id(&p.resident_id)),
            phone_revealed: x.revealed_phone.is_some(),
            phone_value: match (x.revealed_phone, &p.phone) {
                (Some(v), _) => v,
                (None, Some(ph)) => mask_phone(ph),
                (None, None) => String::new(),
            },
            sex: sex_label(lang, p.sex),
            marital: p
                .marital_status
                .map(|m| marital_label(lang, m))
                .unwrap_or_default(),
            relation: p
                .relation
                .map(|r| relation_label(lang, r))
                .unwrap_or_default(),
            village: village_names
                .get(&p.village_code)
                .cloned()
                .unwrap_or_else(|| p.village_code.clone()),
            household_id,
            household_number,
            id: p.id,
            name: p.name,
            birth_date: p.birth_date,
        },
        notice: x.notice,
        couples,
        couple_open: !couple_errs.is_empty(),
        spouse_resident_id: couple_values.spouse_resident_id,
        marriage_date: couple_values.marriage_date,
        couple_errs,
        panels,
    };
    Ok(render(&view, x.status.unwrap_or(StatusCode::OK)))
}

/// `GET /persons/{id}`.
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id).page(&me)?;
    show_person(&st, &me, id, PersonExtras::default()).await
}

/// 404 unless the person lies inside the caller's scope; reads nothing
/// else and audits nothing.
pub(crate) async fn visible(
    st: &AppState,
    me: &SignedIn,
    id: &str,
) -> Result<(), crate::kit::page::PageFail> {
    let pid = id.to_string();
    me.run(st, move |db, scope| {
        register::version_in_scope(db, scope, ScreenEntity::Person, &pid)
    })
    .await?;
    Ok(())
}

/// `GET` on a person's form-only paths: back to the person page (404 for
/// a person outside the scope, like every other screen route).
pub async fn back_to_person(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id).page(&me)?;
    visible(&st, &me, id).await?;
    Ok(see_other(&format!("/persons/{id}")))
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    field: String,
}

/// `POST /persons/{id}/reveal`: the page again, with one full value (the
/// store audits the reveal).
pub async fn reveal(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<RevealForm>,
) -> PageResult {
    me.check_csrf(&f.csrf).page(&me)?;
    let id = path_id(&id).page(&me)?.to_string();
    let field = RevealField::parse(&f.field).map_err(|r| {
        me.fail(WebError::Invalid(vec![hearth_core::FieldError::new(
            "field", r,
        )]))
    })?;
    let pid = id.clone();
    let value = me
        .run(&st, move |db, scope| {
            hearth_store::search::reveal(db, scope, &pid, field)
        })
        .await?;
    let extras = match field {
        RevealField::ResidentId => PersonExtras {
            revealed_id: Some(value),
            ..PersonExtras::default()
        },
        RevealField::Phone => PersonExtras {
            revealed_phone: Some(value),
            ..PersonExtras::default()
        },
    };
    show_person(&st, &me, &id, extras).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CoupleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    spouse_resident_id: String,
    #[serde(default)]
    marriage_date: String,
}

/// `POST /persons/{id}/couples`: links a spouse (by resident ID, inside the
/// scope) to this person as a couple.
pub async fn add_couple(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CoupleForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    visible(&st, &me, &id).await?;
    let lang = me.ctx.lang;
    let known = ["spouse_resident_id", "marriage_date"];
    let marriage = if f.marriage_date.trim().is_empty() {
        Ok(None)
    } else {
        match hearth_core::dates::parse_date(&f.marriage_date) {
            Ok(d) if d > today() => Err(hearth_core::Reason::FutureDate),
            Ok(d) => Ok(Some(d)),
            Err(r) => Err(r),
        }
    };
    let back = |f: CoupleForm, errs: Errors| PersonExtras {
        couple_form: Some((f, errs)),
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..PersonExtras::default()
    };
    let marriage = match marriage {
        Ok(m) => m,
        Err(r) => {
            let mut errs = Errors::default();
            errs.add("marriage_date", r.message(lang));
            return show_person(&st, &me, &id, back(f, errs)).await;
        }
    };
    let (pid, rid) = (id.clone(), f.spouse_resident_id.clone());
    // A refused field comes back to the form, so the answer is matched here.
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::couple_with_spouse(
                db, scope, &pid, &rid, marriage,
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/persons/{id}"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &known, &[]);
            show_person(&st, &me, &id, back(f, errs)).await
        }
        Err(e) => Err(me.fail(e)),
    }
}
