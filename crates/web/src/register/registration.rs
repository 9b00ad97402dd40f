//! Birth registrations (生育登记) from the person page: create, annual
//! review (年审), cancel with a reason; and the work list of this year's
//! registrations due for review — masked, inside the scope, audited.

use super::person::{PersonExtras, RegValues, show_person};
use super::{
    Errors, blocking, change_allowed, fail, names, page_number, path_id, require_write, see_other,
    tx,
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
use chrono::Datelike;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, parse_date, today};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_store::register::{self, ScreenEntity};
use serde::Deserialize;

/// The person page a registration form returns to: the `from` field when
/// it is one side of the couple, otherwise the wife.
fn return_to(from: &str, couple: &hearth_core::registration::Couple) -> String {
    let from = from.trim();
    if from == couple.husband_id || from == couple.wife_id {
        from.to_string()
    } else {
        couple.wife_id.clone()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    child_order: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issued_on: String,
}

/// `POST /couples/{id}/registrations`.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CreateForm>,
) -> Response {
    if let Err(e) = change_allowed(&me, &f.csrf) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope, cid) = (st.db.clone(), me.scope.clone(), id.clone());
    let couple = match blocking(move || register::get_couple(&db, &scope, &cid)).await {
        Ok(c) => c,
        Err(e) => return fail(&me, e),
    };
    let person = return_to(&f.from, &couple);
    let lang = me.ctx.lang;
    let known = ["child_order", "number", "issued_on"];
    let typed = RegValues {
        child_order: f.child_order.clone(),
        number: f.number.clone(),
        issued_on: f.issued_on.clone(),
    };
    let back = |errs: Errors| PersonExtras {
        reg_form: Some((id.clone(), typed.clone(), errs)),
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..PersonExtras::default()
    };
    let order = match f.child_order.trim().parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            let mut errs = match NewRegistration::validate(1, &f.number, &f.issued_on, today()) {
                Ok(_) => Errors::default(),
                Err(fields) => Errors::from_fields(&fields, lang, &known, &[]),
            };
            let reason = if f.child_order.trim().is_empty() {
                Reason::Required
            } else {
                Reason::NotANumber
            };
            errs.add("child_order", reason.message(lang));
            return show_person(&st, &me, &person, back(errs)).await;
        }
    };
    let valid = match NewRegistration::validate(order, &f.number, &f.issued_on, today()) {
        Ok(v) => v,
        Err(fields) => {
            let errs = Errors::from_fields(&fields, lang, &known, &[]);
            return show_person(&st, &me, &person, back(errs)).await;
        }
    };
    let (db, scope, cid) = (st.db.clone(), me.scope.clone(), id.clone());
    match blocking(move || register::create_registration(&db, &scope, &cid, &valid)).await {
        Ok(r) => see_other(&format!("/persons/{person}#reg-{}", r.id)),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &known, &[]);
            show_person(&st, &me, &person, back(errs)).await
        }
        Err(e) => fail(&me, e),
    }
}

/// `GET /couples/{id}/registrations`: back to the wife's page.
pub async fn back_to_couple(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    match blocking(move || register::get_couple(&db, &scope, &id)).await {
        Ok(c) => see_other(&format!("/persons/{}", c.wife_id)),
        Err(e) => fail(&me, e),
    }
}

/// `GET /registrations/{id}`: the registration on its wife's page (the
/// read is audited by `get_registration`).
pub async fn show(State(st): State<AppState>, me: SignedIn, Path(id): Path<String>) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let res = blocking(move || {
        register::get_registration(&db, &scope, &id)?;
        let c = register::registration_couple(&db, &scope, &id)?;
        Ok((id, c))
    })
    .await;
    match res {
        Ok((id, c)) => see_other(&format!("/persons/{}#reg-{id}", c.wife_id)),
        Err(e) => fail(&me, e),
    }
}

/// The common start of a registration POST: CSRF, a role that writes, a
/// registration inside the scope (404 otherwise), and the person page to
/// return to.
async fn start(
    st: &AppState,
    me: &SignedIn,
    csrf: &str,
    id: &str,
    from: &str,
) -> Result<(String, String), WebError> {
    me.check_csrf(csrf)?;
    let id = path_id(id)?.to_string();
    require_write(me)?;
    let (db, scope, rid) = (st.db.clone(), me.scope.clone(), id.clone());
    let couple = blocking(move || {
        register::version_in_scope(&db, &scope, ScreenEntity::Registration, &rid)?;
        register::registration_couple(&db, &scope, &rid)
    })
    .await?;
    Ok((id, return_to(from, &couple)))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    on: String,
}

/// `POST /registrations/{id}/review`: the annual review on a date (today
/// unless another is typed; not in the future).
pub async fn review(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Response {
    let (id, person) = match start(&st, &me, &f.csrf, &id, &f.from).await {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let back = |errs: Errors, status: StatusCode| PersonExtras {
        review: Some((id.clone(), f.on.clone(), errs)),
        status: Some(status),
        ..PersonExtras::default()
    };
    let on = if f.on.trim().is_empty() {
        Ok(today())
    } else {
        match parse_date(&f.on) {
            Ok(d) if d > today() => Err(Reason::FutureDate),
            other => other,
        }
    };
    let on = match on {
        Ok(d) => d,
        Err(r) => {
            let mut errs = Errors::default();
            errs.add("on", r.message(lang));
            return show_person(
                &st,
                &me,
                &person,
                back(errs, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await;
        }
    };
    let (db, scope, rid) = (st.db.clone(), me.scope.clone(), id.clone());
    let version = super::version_of(&f.version);
    match blocking(move || register::review_registration(&db, &scope, &rid, version, on)).await {
        Ok(_) => see_other(&format!("/persons/{person}#reg-{id}")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["on"], &[]);
            show_person(
                &st,
                &me,
                &person,
                back(errs, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
        Err(WebError::Conflict { .. }) => {
            let mut x = back(Errors::default(), StatusCode::CONFLICT);
            x.notice = Some(tx(lang, "screens.conflict.registration"));
            show_person(&st, &me, &person, x).await
        }
        Err(e) => fail(&me, e),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

/// `POST /registrations/{id}/cancel`: needs a reason.
pub async fn cancel(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CancelForm>,
) -> Response {
    let (id, person) = match start(&st, &me, &f.csrf, &id, &f.from).await {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let back = |errs: Errors, status: StatusCode| PersonExtras {
        cancel: Some((id.clone(), f.reason.clone(), errs)),
        status: Some(status),
        ..PersonExtras::default()
    };
    if let Err(e) = hearth_core::registration::cancellation_reason(&f.reason) {
        let errs = Errors::from_fields(&[e], lang, &["reason"], &[]);
        return show_person(
            &st,
            &me,
            &person,
            back(errs, StatusCode::UNPROCESSABLE_ENTITY),
        )
        .await;
    }
    let (db, scope, rid, reason) = (
        st.db.clone(),
        me.scope.clone(),
        id.clone(),
        f.reason.clone(),
    );
    let version = super::version_of(&f.version);
    let res = blocking(move || {
        register::set_registration_status(
            &db,
            &scope,
            &rid,
            version,
            RegistrationStatus::Cancelled,
            Some(&reason),
        )
    })
    .await;
    match res {
        Ok(_) => see_other(&format!("/persons/{person}#reg-{id}")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["reason"], &[]);
            show_person(
                &st,
                &me,
                &person,
                back(errs, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
        Err(WebError::Conflict { .. }) => {
            let mut x = back(Errors::default(), StatusCode::CONFLICT);
            x.notice = Some(tx(lang, "screens.conflict.registration"));
            show_person(&st, &me, &person, x).await
        }
        Err(e) => fail(&me, e),
    }
}

// ---- the annual-review work list --------------------------------------------

pub(crate) struct DueV {
    id: String,
    number: String,
    child_order: i64,
    review_due: String,
    overdue: bool,
    village: String,
    wife_id: String,
    wife_name: String,
    wife_masked_id: String,
}

#[derive(Template)]
#[template(path = "register/due.html")]
struct DuePage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    by: String,
    rows: Vec<DueV>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct DueParams {
    page: Option<String>,
}

const DUE_PAGE: i64 = 50;

/// `GET /registrations?due=1&page=`: current registrations whose review
/// falls this year or earlier, inside the scope. A work list for the
/// signed-in staff, never a public list: names with masked ID numbers,
/// and its reading is audited.
pub async fn due(State(st): State<AppState>, me: SignedIn, Query(q): Query<DueParams>) -> Response {
    let lang = me.ctx.lang;
    let page = page_number(q.page.as_deref());
    let t = today();
    let by = chrono::NaiveDate::from_ymd_opt(t.year(), 12, 31).unwrap_or(t);
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let res = blocking(move || {
        let (rows, total) =
            register::registrations_due(&db, &scope, by, DUE_PAGE, (page - 1) * DUE_PAGE)?;
        let units = hearth_store::orgs::list(&db, &scope)?;
        Ok((rows, total, units))
    })
    .await;
    let (rows, total, units) = match res {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let village_names = names(&units);
    let today_s = fmt_date(t);
    let link = |n: i64| format!("/registrations?due=1&page={n}");
    let view = DuePage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        by: fmt_date(by),
        rows: rows
            .into_iter()
            .map(|d| {
                let r = d.registration;
                DueV {
                    overdue: r.review_due < today_s,
                    village: village_names
                        .get(&r.village_code)
                        .cloned()
                        .unwrap_or_else(|| r.village_code.clone()),
                    wife_id: d.wife.as_ref().map(|w| w.id.clone()).unwrap_or_default(),
                    wife_name: d.wife.map(|w| w.name).unwrap_or_default(),
                    wife_masked_id: d.wife_masked_id.unwrap_or_default(),
                    id: r.id,
                    number: r.number,
                    child_order: r.child_order,
                    review_due: r.review_due,
                }
            })
            .collect(),
        total,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * DUE_PAGE < total).then(|| link(page + 1)),
    };
    render(&view, StatusCode::OK)
}
