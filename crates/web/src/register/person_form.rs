//! The person form: editing a person (version-checked: a stale edit shows
//! the record as it is now beside what was typed) and adding a new one
//! (optionally into a household), with the household named by its number
//! in the typed village.

use super::person::visible;
use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{DiffRow, Errors, Opt, client_id, options, path_id, version_of};
use crate::kit::labels::{marital_label, relation_label, relation_options, sex_label};
use crate::kit::org::{names, units, village_options};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render, see_other};
use crate::kit::params::tx;
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_core::dates::today;
use hearth_core::person::{MaritalStatus, Person, PersonInput, Relation, Sex, ValidPerson};
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::register;
use serde::Deserialize;

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

async fn person_form_page(st: &AppState, me: &SignedIn, f: PersonForm, s: FormState) -> PageResult {
    let lang = me.ctx.lang;
    let units = units(st, me).await?;
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
    Ok(render(&view, s.status))
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

/// The store's refusal of a saved person, beside the form's fields (the
/// store's `household_id` is the form's household number).
fn refused(me: &SignedIn, fields: &[hearth_core::FieldError]) -> Errors {
    Errors::from_fields(
        fields,
        me.ctx.lang,
        &PERSON_FIELDS,
        &[("household_id", "household_number")],
    )
}

/// Validates the typed person and resolves the household number in the
/// typed village: the valid person and household id, or every error.
async fn check_form(
    st: &AppState,
    me: &SignedIn,
    f: &PersonForm,
) -> Result<Result<(ValidPerson, Option<String>), Errors>, PageFail> {
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
                let v = f.village_code.trim().to_string();
                let found = me
                    .run(st, move |db, scope| {
                        register::household_by_number(db, scope, &v, &n)
                    })
                    .await?;
                match found {
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

/// The edit form's frame for person `id`.
fn edit_state(id: &str, errs: Errors, status: StatusCode) -> FormState {
    FormState {
        is_edit: true,
        action: format!("/persons/{id}/edit"),
        back: format!("/persons/{id}"),
        errs,
        notice: None,
        conflict: Vec::new(),
        status,
    }
}

/// `GET /persons/{id}/edit`: the form with the record's full values (the
/// store audits that as a view and a reveal).
pub async fn edit_form(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id).page(&me)?.to_string();
    let pid = id.clone();
    let (p, number) = me
        .run(&st, move |db, scope| {
            register::person_for_edit(db, scope, &pid)
        })
        .await?;
    let state = edit_state(&id, Errors::default(), StatusCode::OK);
    person_form_page(&st, &me, PersonForm::of(&p, number), state).await
}

/// `POST /persons/{id}/edit`: saves with the version the form was loaded
/// at; a stale version shows the conflict instead of overwriting.
pub async fn edit(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<PersonForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    visible(&st, &me, &id).await?;
    let lang = me.ctx.lang;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let (valid, household) = match check_form(&st, &me, &f).await? {
        Ok(x) => x,
        Err(errs) => {
            return person_form_page(&st, &me, f, edit_state(&id, errs, unprocessable)).await;
        }
    };
    let pid = id.clone();
    let version = version_of(&f.version);
    // Refused fields and a stale version come back to the form.
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::update_person(
                db,
                scope,
                &pid,
                version,
                &valid,
                household.as_deref(),
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/persons/{id}"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = refused(&me, &fields);
            person_form_page(&st, &me, f, edit_state(&id, errs, unprocessable)).await
        }
        Err(StoreError::Conflict { .. }) => {
            // Show what is stored now beside what was typed; the form keeps
            // the typed values and takes the new version, so saving again is
            // a deliberate choice.
            let pid = id.clone();
            let ((p, number), units) = me
                .run(&st, move |db, scope| {
                    let now = register::person_for_edit(db, scope, &pid)?;
                    let units = hearth_store::orgs::list(db, scope)?;
                    Ok((now, units))
                })
                .await?;
            let conflict = diff(lang, &p, number.as_deref(), &f, &names(&units));
            let mut f = f;
            f.version = p.version.to_string();
            let mut s = edit_state(&id, Errors::default(), StatusCode::CONFLICT);
            s.notice = Some(tx(lang, "screens.conflict.person"));
            s.conflict = conflict;
            person_form_page(&st, &me, f, s).await
        }
        Err(e) => Err(me.fail(e)),
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
) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let mut f = PersonForm {
        client_id: hearth_store::new_id(),
        ..PersonForm::default()
    };
    let mut back = "/search".to_string();
    if let Some(h) = q.household.as_deref().filter(|h| !h.trim().is_empty()) {
        let hid = path_id(h.trim()).page(&me)?.to_string();
        let v = me
            .run(&st, move |db, scope| {
                register::get_household(db, scope, &hid)
            })
            .await?;
        f.village_code = v.household.village_code;
        f.household_number = v.household.number;
        back = format!("/households/{}", v.household.id);
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
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let state = |errs: Errors| FormState {
        is_edit: false,
        action: "/persons/new".into(),
        back: "/search".into(),
        errs,
        notice: None,
        conflict: Vec::new(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (valid, household) = match check_form(&st, &me, &f).await? {
        Ok(x) => x,
        Err(errs) => return person_form_page(&st, &me, f, state(errs)).await,
    };
    let cid = client_id(&f.client_id);
    let hid = household.clone();
    // The store checks the client id (a retry answers the first record);
    // refused fields come back to the form.
    let res = me
        .run(&st, move |db, scope| {
            Ok(register::create_person(
                db,
                scope,
                cid.as_deref(),
                &valid,
                hid.as_deref(),
            ))
        })
        .await?;
    match res {
        Ok((p, _)) => Ok(match household {
            Some(h) => see_other(&format!("/households/{h}")),
            None => see_other(&format!("/persons/{}", p.id)),
        }),
        Err(StoreError::Invalid(fields)) => {
            let errs = refused(&me, &fields);
            person_form_page(&st, &me, f, state(errs)).await
        }
        Err(e) => Err(me.fail(e)),
    }
}
