//! The person page (identity, household, couples and their birth
//! registrations; ID number and phone masked with audited "show" buttons),
//! the person edit form (version-checked: a stale edit shows the record as
//! it is now beside what was typed) and the new-person form.

use super::{
    DiffRow, Errors, Opt, blocking, change_allowed, client_id, fail, marital_label, names, options,
    path_id, relation_label, relation_options, require_write, see_other, sex_label, status_label,
    tx, version_of, village_options,
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
use hearth_core::dates::{fmt_date, today};
use hearth_core::id_number::mask_id;
use hearth_core::person::{MaritalStatus, Person, PersonInput, Relation, Sex};
use hearth_core::phone::mask_phone;
use hearth_core::registration::RegistrationStatus;
use hearth_core::scope::Permission;
use hearth_store::register::{self, ScreenEntity};
use hearth_store::search::RevealField;
use serde::Deserialize;

// ---- the person page -----------------------------------------------------------

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
    is_woman: bool,
    /// A woman with no open pregnancy: the page offers to report one.
    may_report: bool,
    pregnancies: Vec<PregLineV>,
    /// Follow-up (随访): her zone and responsible worker, for the users
    /// who visit or manage zones.
    follow_up: Option<FollowUpV>,
}

/// A woman's responsible worker on her page, and what the user may do.
pub(crate) struct FollowUpV {
    zone: String,
    worker: String,
    may_visit: bool,
}

/// One of a woman's pregnancies on her page (part of the page's one view,
/// audited by `get_person`).
pub(crate) struct PregLineV {
    id: String,
    lmp: String,
    edd: String,
    outcome: String,
    overdue: bool,
}

/// Renders the person page for `id` (the view audited by `get_person`).
pub(crate) async fn show_person(
    st: &AppState,
    me: &SignedIn,
    id: &str,
    extras: PersonExtras,
) -> Response {
    let lang = me.ctx.lang;
    let db = st.db.clone();
    let scope = me.scope.clone();
    let pid = id.to_string();
    let res = blocking(move || {
        let p = register::get_person(&db, &scope, &pid)?;
        let ctx = register::person_context(&db, &scope, &pid)?;
        let units = hearth_store::orgs::list(&db, &scope)?;
        let pregnancies = if p.sex == Sex::Female {
            hearth_store::pregnancy::of_woman_for_person_page(&db, &scope, &pid, today())?
        } else {
            Vec::new()
        };
        let follow_up = if p.sex == Sex::Female
            && (scope.can(Permission::RecordVisit) || scope.can(Permission::WriteRegister))
        {
            Some(hearth_store::follow_up::assignment_of(&db, &scope, &pid)?)
        } else {
            None
        };
        Ok((p, ctx, units, pregnancies, follow_up))
    })
    .await;
    let (p, ctx, units, pregnancies, follow_up) = match res {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
    let village_names = names(&units);
    let today_s = fmt_date(today());
    let x = extras;
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
                .map(|r| {
                    let review = x.review.as_ref().filter(|(rid, _, _)| *rid == r.id);
                    let cancel = x.cancel.as_ref().filter(|(rid, _, _)| *rid == r.id);
                    RegV {
                        status: status_label(lang, r.status),
                        status_code: r.status.code(),
                        reason: r.status_reason.clone().unwrap_or_default(),
                        current: r.status == RegistrationStatus::Current,
                        due: r.status == RegistrationStatus::Current && r.review_due <= today_s,
                        last_reviewed: r.last_reviewed_on.clone().unwrap_or_default(),
                        review_on: review.map_or_else(|| today_s.clone(), |(_, v, _)| v.clone()),
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
                })
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
        today: today_s.clone(),
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
        is_woman: p.sex == Sex::Female,
        may_report: p.sex == Sex::Female
            && me.scope.can(Permission::WriteRegister)
            && pregnancies.iter().all(|g| g.outcome.is_some()),
        pregnancies: pregnancies
            .into_iter()
            .map(|g| PregLineV {
                outcome: match &g.outcome {
                    Some(o) => tx(lang, &format!("maternal.outcome.{o}")),
                    None => tx(lang, "maternal.preg.open"),
                },
                overdue: g.overdue,
                id: g.id,
                lmp: g.lmp,
                edd: g.edd,
            })
            .collect(),
        follow_up: follow_up.map(|a| {
            // A follow-up worker visits only the women assigned to her.
            let mine = me.user.role != hearth_core::user::Role::FollowUpWorker
                || a.as_ref().is_some_and(|a| a.worker_id == me.user.id);
            FollowUpV {
                may_visit: me.scope.can(Permission::RecordVisit) && mine,
                zone: a.as_ref().map(|a| a.zone_name.clone()).unwrap_or_default(),
                worker: a.map(|a| a.worker_name).unwrap_or_default(),
            }
        }),
    };
    render(&view, x.status.unwrap_or(StatusCode::OK))
}

/// `GET /persons/{id}`.
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> Response {
    match path_id(&id) {
        Ok(id) => show_person(&st, &me, id, PersonExtras::default()).await,
        Err(e) => fail(&me, e),
    }
}

/// `GET` on a person's form-only paths: back to the person page (404 for
/// a person outside the scope, like every other screen route).
pub async fn back_to_person(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    match blocking(move || register::version_in_scope(&db, &scope, ScreenEntity::Person, &pid))
        .await
    {
        Ok(_) => see_other(&format!("/persons/{id}")),
        Err(e) => fail(&me, e),
    }
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
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let field = match RevealField::parse(&f.field) {
        Ok(x) => x,
        Err(r) => {
            return fail(
                &me,
                WebError::Invalid(vec![hearth_core::FieldError::new("field", r)]),
            );
        }
    };
    let db = st.db.clone();
    let scope = me.scope.clone();
    let pid = id.clone();
    let value = match blocking(move || hearth_store::search::reveal(&db, &scope, &pid, field)).await
    {
        Ok(v) => v,
        Err(e) => return fail(&me, e),
    };
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
) -> Response {
    if let Err(e) = change_allowed(&me, &f.csrf) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    if let Err(e) =
        blocking(move || register::version_in_scope(&db, &scope, ScreenEntity::Person, &pid)).await
    {
        return fail(&me, e);
    }
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
    let marriage = match marriage {
        Ok(m) => m,
        Err(r) => {
            let mut errs = Errors::default();
            errs.add("marriage_date", r.message(lang));
            let extras = PersonExtras {
                couple_form: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..PersonExtras::default()
            };
            return show_person(&st, &me, &id, extras).await;
        }
    };
    let (db, scope, pid, rid) = (
        st.db.clone(),
        me.scope.clone(),
        id.clone(),
        f.spouse_resident_id.clone(),
    );
    match blocking(move || register::couple_with_spouse(&db, &scope, &pid, &rid, marriage)).await {
        Ok(_) => see_other(&format!("/persons/{id}")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &known, &[]);
            let extras = PersonExtras {
                couple_form: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..PersonExtras::default()
            };
            show_person(&st, &me, &id, extras).await
        }
        Err(e) => fail(&me, e),
    }
}

// ---- the person form (edit and create) ---------------------------------------

const PERSON_FIELDS: [&str; 9] = [
    "name",
    "resident_id",
    "sex",
    "birth_date",
    "phone",
    "marital_status",
    "village_code",
    "household_number",
    "relation",
];

/// A person as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    resident_id: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    marital_status: String,
    #[serde(default)]
    village_code: String,
    #[serde(default)]
    household_number: String,
    #[serde(default)]
    relation: String,
}

impl PersonForm {
    fn of(p: &Person, household_number: Option<String>) -> PersonForm {
        PersonForm {
            version: p.version.to_string(),
            name: p.name.clone(),
            resident_id: p.resident_id.clone(),
            sex: sex_code(p.sex).into(),
            birth_date: p.birth_date.clone(),
            phone: p.phone.clone().unwrap_or_default(),
            marital_status: p
                .marital_status
                .map(|m| m.code().into())
                .unwrap_or_default(),
            village_code: p.village_code.clone(),
            household_number: household_number.unwrap_or_default(),
            relation: p.relation.map(|r| r.code().into()).unwrap_or_default(),
            ..PersonForm::default()
        }
    }

    fn input(&self) -> PersonInput {
        PersonInput {
            name: self.name.clone(),
            resident_id: self.resident_id.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            phone: self.phone.clone(),
            marital_status: self.marital_status.clone(),
            village_code: self.village_code.clone(),
            relation: self.relation.clone(),
        }
    }
}

fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

#[derive(Template)]
#[template(path = "register/person_form.html")]
struct PersonFormPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    is_edit: bool,
    action: String,
    back: String,
    f: PersonForm,
    errs: Errors,
    notice: Option<String>,
    conflict: Vec<DiffRow>,
    sex_opts: Vec<Opt>,
    marital_opts: Vec<Opt>,
    village_opts: Vec<Opt>,
    relation_opts: Vec<Opt>,
}

struct FormState {
    is_edit: bool,
    action: String,
    back: String,
    errs: Errors,
    notice: Option<String>,
    conflict: Vec<DiffRow>,
    status: StatusCode,
}

async fn person_form_page(st: &AppState, me: &SignedIn, f: PersonForm, s: FormState) -> Response {
    let lang = me.ctx.lang;
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let units = match blocking(move || hearth_store::orgs::list(&db, &scope)).await {
        Ok(u) => u,
        Err(e) => return fail(me, e),
    };
    let view = PersonFormPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        is_edit: s.is_edit,
        action: s.action,
        back: s.back,
        sex_opts: options(
            &f.sex,
            Some(tx(lang, "screens.person.sex_from_id")),
            [Sex::Female, Sex::Male]
                .into_iter()
                .map(|x| (sex_code(x).to_string(), sex_label(lang, x))),
        ),
        marital_opts: options(
            &f.marital_status,
            Some(tx(lang, "screens.choose")),
            MaritalStatus::ALL
                .iter()
                .map(|m| (m.code().to_string(), marital_label(lang, *m))),
        ),
        village_opts: village_options(me, &units, &f.village_code),
        relation_opts: relation_options(lang, &f.relation),
        f,
        errs: s.errs,
        notice: s.notice,
        conflict: s.conflict,
    };
    render(&view, s.status)
}

/// A typed select value in words, for the conflict view.
fn typed_label<T: Copy>(
    s: &str,
    parse: fn(&str) -> Result<T, hearth_core::Reason>,
    label: impl Fn(T) -> String,
) -> String {
    if s.trim().is_empty() {
        String::new()
    } else {
        parse(s).map_or_else(|_| s.to_string(), label)
    }
}

/// The record as stored now beside what the user typed, field by field.
fn diff(
    lang: hearth_core::Lang,
    now: &Person,
    now_household: Option<&str>,
    typed: &PersonForm,
    village_names: &std::collections::HashMap<String, String>,
) -> Vec<DiffRow> {
    let l = |k: &str| tx(lang, k);
    let village = |c: &str| {
        village_names
            .get(c)
            .map_or_else(|| c.to_string(), |n| format!("{n}（{c}）"))
    };
    // Sex and birth date follow the ID number when left blank.
    let typed_sex = if typed.sex.trim().is_empty() {
        sex_label(lang, now.sex)
    } else {
        typed_label(&typed.sex, Sex::parse, |x| sex_label(lang, x))
    };
    let typed_birth = if typed.birth_date.trim().is_empty() {
        now.birth_date.clone()
    } else {
        typed.birth_date.clone()
    };
    vec![
        DiffRow::new(
            l("screens.person.name"),
            now.name.clone(),
            typed.name.clone(),
        ),
        DiffRow::new(
            l("screens.person.resident_id"),
            now.resident_id.clone(),
            typed.resident_id.trim().to_ascii_uppercase(),
        ),
        DiffRow::new(l("screens.person.sex"), sex_label(lang, now.sex), typed_sex),
        DiffRow::new(
            l("screens.person.birth_date"),
            now.birth_date.clone(),
            typed_birth,
        ),
        DiffRow::new(
            l("screens.person.phone"),
            now.phone.clone().unwrap_or_default(),
            typed.phone.clone(),
        ),
        DiffRow::new(
            l("screens.person.marital_status"),
            now.marital_status
                .map(|m| marital_label(lang, m))
                .unwrap_or_default(),
            typed_label(&typed.marital_status, MaritalStatus::parse, |m| {
                marital_label(lang, m)
            }),
        ),
        DiffRow::new(
            l("screens.person.village"),
            village(&now.village_code),
            village(typed.village_code.trim()),
        ),
        DiffRow::new(
            l("screens.person.household"),
            now_household.unwrap_or_default().to_string(),
            typed.household_number.clone(),
        ),
        DiffRow::new(
            l("screens.person.relation"),
            now.relation
                .map(|r| relation_label(lang, r))
                .unwrap_or_default(),
            typed_label(&typed.relation, Relation::parse, |r| {
                relation_label(lang, r)
            }),
        ),
    ]
}

/// Validates the typed person and resolves the household number in the
/// typed village: the valid person and household id, or every error.
async fn check_form(
    st: &AppState,
    me: &SignedIn,
    f: &PersonForm,
) -> Result<Result<(hearth_core::person::ValidPerson, Option<String>), Errors>, WebError> {
    let lang = me.ctx.lang;
    let valid = f.input().validate(today());
    let mut errs = match &valid {
        Ok(_) => Errors::default(),
        Err(fields) => Errors::from_fields(fields, lang, &PERSON_FIELDS, &[]),
    };
    let number = f.household_number.trim();
    let mut household = None;
    if !number.is_empty() {
        match hearth_core::household::parse_household_number(number) {
            Err(r) => errs.add("household_number", r.message(lang)),
            Ok(n) if !errs.has("village_code") => {
                let (db, scope, v) = (
                    st.db.clone(),
                    me.scope.clone(),
                    f.village_code.trim().to_string(),
                );
                match blocking(move || register::household_by_number(&db, &scope, &v, &n)).await? {
                    Some(h) => household = Some(h.id),
                    None => errs.add(
                        "household_number",
                        tx(lang, "screens.person.no_such_household"),
                    ),
                }
            }
            Ok(_) => {}
        }
    }
    Ok(match valid {
        Ok(v) if errs.is_empty() => Ok((v, household)),
        _ => Err(errs),
    })
}

/// `GET /persons/{id}/edit`: the form with the record's full values (the
/// store audits that as a view and a reveal).
pub async fn edit_form(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    match blocking(move || register::person_for_edit(&db, &scope, &pid)).await {
        Ok((p, number)) => {
            let state = FormState {
                is_edit: true,
                action: format!("/persons/{id}/edit"),
                back: format!("/persons/{id}"),
                errs: Errors::default(),
                notice: None,
                conflict: Vec::new(),
                status: StatusCode::OK,
            };
            person_form_page(&st, &me, PersonForm::of(&p, number), state).await
        }
        Err(e) => fail(&me, e),
    }
}

/// `POST /persons/{id}/edit`: saves with the version the form was loaded
/// at; a stale version shows the conflict instead of overwriting.
pub async fn edit(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<PersonForm>,
) -> Response {
    if let Err(e) = change_allowed(&me, &f.csrf) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    if let Err(e) =
        blocking(move || register::version_in_scope(&db, &scope, ScreenEntity::Person, &pid)).await
    {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let state = |errs: Errors, status: StatusCode| FormState {
        is_edit: true,
        action: format!("/persons/{id}/edit"),
        back: format!("/persons/{id}"),
        errs,
        notice: None,
        conflict: Vec::new(),
        status,
    };
    let (valid, household) = match check_form(&st, &me, &f).await {
        Ok(Ok(x)) => x,
        Ok(Err(errs)) => {
            return person_form_page(&st, &me, f, state(errs, StatusCode::UNPROCESSABLE_ENTITY))
                .await;
        }
        Err(e) => return fail(&me, e),
    };
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    let version = version_of(&f.version);
    let res = blocking(move || {
        register::update_person(&db, &scope, &pid, version, &valid, household.as_deref())
    })
    .await;
    match res {
        Ok(_) => see_other(&format!("/persons/{id}")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(
                &fields,
                lang,
                &PERSON_FIELDS,
                &[("household_id", "household_number")],
            );
            person_form_page(&st, &me, f, state(errs, StatusCode::UNPROCESSABLE_ENTITY)).await
        }
        Err(WebError::Conflict { .. }) => {
            // Show what is stored now beside what was typed; the form keeps
            // the typed values and takes the new version, so saving again is
            // a deliberate choice.
            let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
            let now = blocking(move || {
                let now = register::person_for_edit(&db, &scope, &pid)?;
                let units = hearth_store::orgs::list(&db, &scope)?;
                Ok((now, units))
            })
            .await;
            match now {
                Ok(((p, number), units)) => {
                    let conflict = diff(lang, &p, number.as_deref(), &f, &names(&units));
                    let mut f = f;
                    f.version = p.version.to_string();
                    let mut s = state(Errors::default(), StatusCode::CONFLICT);
                    s.notice = Some(tx(lang, "screens.conflict.person"));
                    s.conflict = conflict;
                    person_form_page(&st, &me, f, s).await
                }
                Err(e) => fail(&me, e),
            }
        }
        Err(e) => fail(&me, e),
    }
}

#[derive(Deserialize)]
pub struct NewParams {
    household: Option<String>,
}

/// `GET /persons/new?household=`: an empty form, in a household when one
/// is named (which must be inside the scope).
pub async fn new_form(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<NewParams>,
) -> Response {
    if let Err(e) = require_write(&me) {
        return fail(&me, e);
    }
    let mut f = PersonForm {
        client_id: hearth_store::new_id(),
        ..PersonForm::default()
    };
    let mut back = "/search".to_string();
    if let Some(h) = q.household.as_deref().filter(|h| !h.trim().is_empty()) {
        let hid = match path_id(h.trim()) {
            Ok(h) => h.to_string(),
            Err(e) => return fail(&me, e),
        };
        let (db, scope) = (st.db.clone(), me.scope.clone());
        match blocking(move || register::get_household(&db, &scope, &hid)).await {
            Ok(v) => {
                f.village_code = v.household.village_code;
                f.household_number = v.household.number;
                back = format!("/households/{}", v.household.id);
            }
            Err(e) => return fail(&me, e),
        }
    } else if let Some(only) = single_village(&me) {
        f.village_code = only;
    }
    let state = FormState {
        is_edit: false,
        action: "/persons/new".into(),
        back,
        errs: Errors::default(),
        notice: None,
        conflict: Vec::new(),
        status: StatusCode::OK,
    };
    person_form_page(&st, &me, f, state).await
}

/// A village specialist's one village, to preselect in forms.
fn single_village(me: &SignedIn) -> Option<String> {
    (me.scope.org_prefix.len() == 12).then(|| me.scope.org_prefix.clone())
}

/// `POST /persons/new`.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<PersonForm>,
) -> Response {
    if let Err(e) = change_allowed(&me, &f.csrf) {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let state = |errs: Errors| FormState {
        is_edit: false,
        action: "/persons/new".into(),
        back: "/search".into(),
        errs,
        notice: None,
        conflict: Vec::new(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (valid, household) = match check_form(&st, &me, &f).await {
        Ok(Ok(x)) => x,
        Ok(Err(errs)) => return person_form_page(&st, &me, f, state(errs)).await,
        Err(e) => return fail(&me, e),
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let cid = client_id(&f.client_id);
    let hid = household.clone();
    let res = blocking(move || {
        // An id taken outside the scope cannot be reused; take a fresh one.
        let id = match cid {
            Some(c)
                if register::client_id_use(&db, &scope, register::ClientIdTable::Person, &c)?
                    != register::ClientIdUse::Elsewhere =>
            {
                Some(c)
            }
            _ => None,
        };
        register::create_person(&db, &scope, id.as_deref(), &valid, hid.as_deref())
    })
    .await;
    match res {
        Ok(p) => match household {
            Some(h) => see_other(&format!("/households/{h}")),
            None => see_other(&format!("/persons/{}", p.id)),
        },
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(
                &fields,
                lang,
                &PERSON_FIELDS,
                &[("household_id", "household_number")],
            );
            person_form_page(&st, &me, f, state(errs)).await
        }
        Err(e) => fail(&me, e),
    }
}
