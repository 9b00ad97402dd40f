//! The enforcement case register screens (两非案件登记簿): the case list, a
//! new case, a case's page with its edit form (with the version the store
//! checks), and the administrator's grant switch on the users page. Only
//! users holding the grant see anything — the others get a 403 page that
//! says so — and the store audits every view.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, t};
use crate::kit::form::{DiffRow, Errors, Opt, client_id, options, path_id, version_of};
use crate::kit::legacy::blocking;
use crate::kit::legacy::{fail, refusal};
use crate::kit::page::see_other;
use crate::kit::page::{other_lang, render};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::Lang;
use hearth_core::org::OrgLevel;
use hearth_core::pregnancy::{CaseKind, CaseStatus};
use hearth_core::scope::Permission;
use hearth_store::enforcement::{self, Case, CaseInput};
use hearth_store::orgs::OrgRow;
use serde::Deserialize;

/// Item rows a case form offers.
pub const ITEM_ROWS: usize = 5;

/// The form's fields besides the items, as the store names them.
const FIELDS: &[&str] = &[
    "org_code",
    "kind",
    "occurred_on",
    "place",
    "description",
    "penalty",
    "fine_yuan",
    "status",
];

/// The enforcement register's routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/enforcement", get(list))
        .route("/enforcement/new", get(new_form).post(create))
        .route("/enforcement/{id}", get(show).post(update))
        .route(
            "/admin/users/{id}/enforcement",
            post(grant).get(back_to_users),
        )
}

/// Refuses a user without the grant with a page that says so.
async fn granted(st: &AppState, me: &SignedIn) -> Result<(), Response> {
    let (db, scope) = (st.db.clone(), me.scope.clone());
    match blocking(move || enforcement::has_grant(&db, &scope)).await {
        Ok(true) => Ok(()),
        Ok(false) | Err(WebError::Forbidden) => Err(not_granted(me)),
        Err(e) => Err(fail(me, e)),
    }
}

fn not_granted(me: &SignedIn) -> Response {
    refusal(
        me,
        StatusCode::FORBIDDEN,
        t(me.ctx.lang, "enforcement.not_granted").to_string(),
    )
}

/// A store error as a page: a refusal of the grant reads as such.
fn store_fail(me: &SignedIn, e: WebError) -> Response {
    match e {
        WebError::Forbidden => not_granted(me),
        WebError::Invalid(f)
            if f.iter()
                .any(|e| e.reason == hearth_core::Reason::NotGranted) =>
        {
            not_granted(me)
        }
        e => fail(me, e),
    }
}

fn kind_label(lang: Lang, code: &str) -> String {
    crate::kit::params::word(lang, "enforcement.kind", code)
}

fn status_label(lang: Lang, code: &str) -> String {
    crate::kit::params::word(lang, "enforcement.status", code)
}

/// A case as the list and its page show it.
struct CaseV {
    id: String,
    org: String,
    kind: String,
    occurred_on: String,
    place: String,
    description: String,
    penalty: String,
    fine: String,
    status: String,
    status_code: String,
    items: Vec<(String, i64)>,
    version: i64,
}

fn case_v(lang: Lang, c: &Case) -> CaseV {
    CaseV {
        id: c.id.clone(),
        org: format!("{}（{}）", c.org_name, c.org_code),
        kind: kind_label(lang, c.kind.code()),
        occurred_on: c.occurred_on.clone(),
        place: c.place.clone(),
        description: c.description.clone(),
        penalty: c.penalty.clone().unwrap_or_default(),
        fine: c.fine_yuan.map(|f| f.to_string()).unwrap_or_default(),
        status: status_label(lang, c.status.code()),
        status_code: c.status.code().to_string(),
        items: c.items.iter().map(|i| (i.kind.clone(), i.count)).collect(),
        version: c.version,
    }
}

// ---- the form -----------------------------------------------------------------

/// A case form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    penalty: String,
    #[serde(default)]
    fine_yuan: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    item_kind_1: String,
    #[serde(default)]
    item_count_1: String,
    #[serde(default)]
    item_kind_2: String,
    #[serde(default)]
    item_count_2: String,
    #[serde(default)]
    item_kind_3: String,
    #[serde(default)]
    item_count_3: String,
    #[serde(default)]
    item_kind_4: String,
    #[serde(default)]
    item_count_4: String,
    #[serde(default)]
    item_kind_5: String,
    #[serde(default)]
    item_count_5: String,
}

impl CaseForm {
    fn items(&self) -> [(String, String); ITEM_ROWS] {
        [
            (self.item_kind_1.clone(), self.item_count_1.clone()),
            (self.item_kind_2.clone(), self.item_count_2.clone()),
            (self.item_kind_3.clone(), self.item_count_3.clone()),
            (self.item_kind_4.clone(), self.item_count_4.clone()),
            (self.item_kind_5.clone(), self.item_count_5.clone()),
        ]
    }

    /// The form filled from a stored case.
    fn of(c: &Case) -> CaseForm {
        let item = |i: usize| {
            c.items
                .get(i)
                .map(|it| (it.kind.clone(), it.count.to_string()))
                .unwrap_or_default()
        };
        let (item_kind_1, item_count_1) = item(0);
        let (item_kind_2, item_count_2) = item(1);
        let (item_kind_3, item_count_3) = item(2);
        let (item_kind_4, item_count_4) = item(3);
        let (item_kind_5, item_count_5) = item(4);
        CaseForm {
            csrf: String::new(),
            client_id: String::new(),
            version: c.version.to_string(),
            org_code: c.org_code.clone(),
            kind: c.kind.code().to_string(),
            occurred_on: c.occurred_on.clone(),
            place: c.place.clone(),
            description: c.description.clone(),
            penalty: c.penalty.clone().unwrap_or_default(),
            fine_yuan: c.fine_yuan.map(|f| f.to_string()).unwrap_or_default(),
            status: c.status.code().to_string(),
            item_kind_1,
            item_count_1,
            item_kind_2,
            item_count_2,
            item_kind_3,
            item_count_3,
            item_kind_4,
            item_count_4,
            item_kind_5,
            item_count_5,
        }
    }

    fn input(&self) -> CaseInput {
        CaseInput {
            org_code: self.org_code.trim().to_string(),
            kind: self.kind.trim().to_string(),
            occurred_on: self.occurred_on.trim().to_string(),
            place: self.place.clone(),
            description: self.description.clone(),
            penalty: self.penalty.clone(),
            fine_yuan: self.fine_yuan.trim().to_string(),
            status: self.status.trim().to_string(),
            items: self
                .items()
                .into_iter()
                .map(|(k, c)| (k, c.trim().to_string()))
                .collect(),
        }
    }
}

/// One item row of the form.
struct ItemV {
    n: usize,
    kind: String,
    count: String,
    kind_err: Option<String>,
    count_err: Option<String>,
}

/// The form as the template shows it.
struct FormV {
    action: String,
    client_id: String,
    version: String,
    org_opts: Vec<Opt>,
    kind_opts: Vec<Opt>,
    status_opts: Vec<Opt>,
    occurred_on: String,
    place: String,
    description: String,
    penalty: String,
    fine_yuan: String,
    items: Vec<ItemV>,
    errs: Errors,
}

/// The store's name for an item field (`items[0].kind`, `items.0.count`,
/// `item_kind_1`…) turned into the row (1-based) and `kind` or `count`.
fn item_field(field: &str) -> Option<(usize, &'static str)> {
    let part = if field.contains("count") {
        "count"
    } else if field.contains("kind") {
        "kind"
    } else {
        return None;
    };
    if !field.starts_with("item") {
        return None;
    }
    let digits: String = field.chars().filter(char::is_ascii_digit).collect();
    let n: usize = digits.parse().ok()?;
    // `items[0]` and `items.0` count from zero, `item_kind_1` from one.
    let row = if field.starts_with("items") { n + 1 } else { n };
    (1..=ITEM_ROWS).contains(&row).then_some((row, part))
}

/// Sorts the store's field errors onto the form (items onto their row).
fn form_errors(fields: &[hearth_core::FieldError], lang: Lang) -> Errors {
    let mut errs = Errors::default();
    let mut rest = Vec::new();
    for e in fields {
        match item_field(&e.field) {
            Some((row, part)) => errs.add(&format!("item_{part}_{row}"), e.message(lang)),
            None => rest.push(e.clone()),
        }
    }
    let more = Errors::from_fields(
        &rest,
        lang,
        FIELDS,
        &[("org", "org_code"), ("fine", "fine_yuan")],
    );
    for f in FIELDS {
        if let Some(m) = more.get(f) {
            errs.add(f, m.to_string());
        }
    }
    errs.general.extend(more.general);
    errs
}

/// The towns and villages of the caller's area, for the case's org select.
fn case_org_options(me: &SignedIn, units: &[OrgRow], current: &str) -> Vec<Opt> {
    options(
        current,
        Some(t(me.ctx.lang, "screens.choose").to_string()),
        units
            .iter()
            .filter(|u| {
                me.scope.covers(&u.code) && matches!(u.level, OrgLevel::Town | OrgLevel::Village)
            })
            .map(|u| {
                let indent = if u.level == OrgLevel::Village {
                    "　"
                } else {
                    ""
                };
                (u.code.clone(), format!("{indent}{}（{}）", u.name, u.code))
            }),
    )
}

fn form_v(me: &SignedIn, units: &[OrgRow], f: &CaseForm, action: String, errs: Errors) -> FormV {
    let lang = me.ctx.lang;
    let items = f
        .items()
        .into_iter()
        .enumerate()
        .map(|(i, (kind, count))| ItemV {
            n: i + 1,
            kind_err: errs
                .get(&format!("item_kind_{}", i + 1))
                .map(str::to_string),
            count_err: errs
                .get(&format!("item_count_{}", i + 1))
                .map(str::to_string),
            kind,
            count,
        })
        .collect();
    FormV {
        action,
        client_id: f.client_id.clone(),
        version: f.version.clone(),
        org_opts: case_org_options(me, units, f.org_code.trim()),
        kind_opts: options(
            f.kind.trim(),
            Some(t(lang, "screens.choose").to_string()),
            CaseKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), kind_label(lang, k.code()))),
        ),
        status_opts: options(
            f.status.trim(),
            Some(t(lang, "screens.choose").to_string()),
            CaseStatus::ALL
                .iter()
                .map(|s| (s.code().to_string(), status_label(lang, s.code()))),
        ),
        occurred_on: f.occurred_on.clone(),
        place: f.place.clone(),
        description: f.description.clone(),
        penalty: f.penalty.clone(),
        fine_yuan: f.fine_yuan.clone(),
        items,
        errs,
    }
}

// ---- the list -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "enforcement/list.html")]
struct ListPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    cases: Vec<CaseV>,
}

/// `GET /enforcement`: the cases of the caller's area, newest first.
pub async fn list(State(st): State<AppState>, me: SignedIn) -> Response {
    if let Err(r) = granted(&st, &me).await {
        return r;
    }
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let cases = match blocking(move || enforcement::list_cases(&db, &scope)).await {
        Ok(c) => c,
        Err(e) => return store_fail(&me, e),
    };
    let lang = me.ctx.lang;
    render(
        &ListPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            cases: cases.iter().map(|c| case_v(lang, c)).collect(),
        },
        StatusCode::OK,
    )
}

// ---- a new case -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "enforcement/form.html")]
struct FormPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    title: String,
    /// The case as stored (its page), `None` for a new case.
    case: Option<CaseV>,
    form: FormV,
    notice: Option<String>,
    diff: Vec<DiffRow>,
}

/// What a form page shows besides the case and the form's values.
struct Extras {
    errs: Errors,
    notice: Option<String>,
    diff: Vec<DiffRow>,
    status: StatusCode,
}

impl Extras {
    fn ok(notice: Option<String>) -> Extras {
        Extras {
            errs: Errors::default(),
            notice,
            diff: Vec::new(),
            status: StatusCode::OK,
        }
    }

    fn invalid(errs: Errors) -> Extras {
        Extras {
            errs,
            notice: None,
            diff: Vec::new(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

async fn form_page(
    st: &AppState,
    me: &SignedIn,
    case: Option<&Case>,
    f: &CaseForm,
    x: Extras,
) -> Response {
    let units = match crate::kit::org::units(st, me).await {
        Ok(u) => u,
        Err(e) => return fail(me, e),
    };
    let lang = me.ctx.lang;
    let action = case.map_or_else(
        || "/enforcement/new".to_string(),
        |c| format!("/enforcement/{}", c.id),
    );
    render(
        &FormPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            csrf: me.csrf.clone(),
            title: match case {
                Some(_) => t(lang, "enforcement.case.title").to_string(),
                None => t(lang, "enforcement.new.title").to_string(),
            },
            case: case.map(|c| case_v(lang, c)),
            form: form_v(me, &units, f, action, x.errs),
            notice: x.notice,
            diff: x.diff,
        },
        x.status,
    )
}

/// `GET /enforcement/new`.
pub async fn new_form(State(st): State<AppState>, me: SignedIn) -> Response {
    if let Err(r) = granted(&st, &me).await {
        return r;
    }
    let f = CaseForm {
        client_id: uuid::Uuid::new_v4().hyphenated().to_string(),
        status: CaseStatus::Open.code().to_string(),
        ..CaseForm::default()
    };
    form_page(&st, &me, None, &f, Extras::ok(None)).await
}

/// `POST /enforcement/new`: opens the case; a retried submit (same client
/// id) answers with the first case.
pub async fn create(State(st): State<AppState>, me: SignedIn, Form(f): Form<CaseForm>) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(r) = granted(&st, &me).await {
        return r;
    }
    let lang = me.ctx.lang;
    let input = f.input();
    let cid = client_id(&f.client_id);
    let (db, scope) = (st.db.clone(), me.scope.clone());
    match blocking(move || enforcement::create_case(&db, &scope, cid.as_deref(), &input)).await {
        Ok(c) => see_other(&format!("/enforcement/{}", c.id)),
        Err(WebError::Invalid(fields))
            if !fields
                .iter()
                .any(|e| e.reason == hearth_core::Reason::NotGranted) =>
        {
            let errs = form_errors(&fields, lang);
            form_page(&st, &me, None, &f, Extras::invalid(errs)).await
        }
        Err(e) => store_fail(&me, e),
    }
}

// ---- a case's page ------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /enforcement/{id}`: the case and its edit form (the view is
/// audited by the store).
pub async fn show(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> Response {
    if let Err(r) = granted(&st, &me).await {
        return r;
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let case = match blocking(move || enforcement::get_case(&db, &scope, &id)).await {
        Ok(c) => c,
        Err(e) => return store_fail(&me, e),
    };
    let saved = q.is_ok_and(|Query(q)| q.saved.is_some());
    let notice = saved.then(|| t(me.ctx.lang, "enforcement.saved").to_string());
    form_page(
        &st,
        &me,
        Some(&case),
        &CaseForm::of(&case),
        Extras::ok(notice),
    )
    .await
}

/// What differs between the stored case and the form as typed.
fn diff(lang: Lang, now: &Case, typed: &CaseForm) -> Vec<DiffRow> {
    let stored = CaseForm::of(now);
    let items = |f: &CaseForm| {
        f.items()
            .iter()
            .filter(|(k, c)| !k.trim().is_empty() || !c.trim().is_empty())
            .map(|(k, c)| format!("{} × {}", k.trim(), c.trim()))
            .collect::<Vec<_>>()
            .join("；")
    };
    let l = |k: &str| t(lang, k).to_string();
    vec![
        DiffRow::new(
            l("enforcement.col.org"),
            stored.org_code.clone(),
            typed.org_code.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.kind"),
            kind_label(lang, &stored.kind),
            kind_label(lang, typed.kind.trim()),
        ),
        DiffRow::new(
            l("enforcement.col.occurred_on"),
            stored.occurred_on.clone(),
            typed.occurred_on.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.place"),
            stored.place.clone(),
            typed.place.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.description"),
            stored.description.clone(),
            typed.description.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.penalty"),
            stored.penalty.clone(),
            typed.penalty.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.fine"),
            stored.fine_yuan.clone(),
            typed.fine_yuan.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.status"),
            status_label(lang, &stored.status),
            status_label(lang, typed.status.trim()),
        ),
        DiffRow::new(l("enforcement.col.items"), items(&stored), items(typed)),
    ]
}

/// `POST /enforcement/{id}`: saves the edit form; a stale version shows
/// the case as it is now beside what was typed, with the new version in
/// the form, so saving again is a deliberate second submit.
pub async fn update(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CaseForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(r) = granted(&st, &me).await {
        return r;
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let input = f.input();
    let version = version_of(&f.version);
    let (db, scope, cid) = (st.db.clone(), me.scope.clone(), id.clone());
    let res = blocking(move || enforcement::update_case(&db, &scope, &cid, version, &input)).await;
    let current = |st: &AppState| {
        let (db, scope, cid) = (st.db.clone(), me.scope.clone(), id.clone());
        blocking(move || enforcement::get_case(&db, &scope, &cid))
    };
    match res {
        Ok(c) => see_other(&format!("/enforcement/{}?saved=1", c.id)),
        Err(WebError::Invalid(fields))
            if !fields
                .iter()
                .any(|e| e.reason == hearth_core::Reason::NotGranted) =>
        {
            let now = match current(&st).await {
                Ok(c) => c,
                Err(e) => return store_fail(&me, e),
            };
            let errs = form_errors(&fields, lang);
            form_page(&st, &me, Some(&now), &f, Extras::invalid(errs)).await
        }
        Err(WebError::Conflict { .. }) => {
            let now = match current(&st).await {
                Ok(c) => c,
                Err(e) => return store_fail(&me, e),
            };
            let mut typed = f.clone();
            typed.version = now.version.to_string();
            let x = Extras {
                errs: Errors::default(),
                notice: Some(t(lang, "enforcement.conflict").to_string()),
                diff: diff(lang, &now, &f),
                status: StatusCode::CONFLICT,
            };
            form_page(&st, &me, Some(&now), &typed, x).await
        }
        Err(e) => store_fail(&me, e),
    }
}

// ---- the grant ----------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    granted: String,
}

/// `POST /admin/users/{id}/enforcement` (administrators): grants (`granted=1`)
/// or withdraws (`granted=0`) the user's access to the register.
pub async fn grant(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<GrantForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if !me.scope.can(Permission::Administer) {
        return fail(&me, WebError::Forbidden);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let on = match f.granted.trim() {
        "1" => true,
        "0" => false,
        _ => {
            return fail(
                &me,
                WebError::Invalid(vec![hearth_core::FieldError::new(
                    "granted",
                    hearth_core::Reason::UnknownValue { allowed: "1/0" },
                )]),
            );
        }
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let res = blocking(move || {
        enforcement::set_grant(&db, &scope, &id, on)?;
        let users = hearth_store::users::list(&db, &scope)?;
        Ok(users
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.username)
            .unwrap_or_default())
    })
    .await;
    match res {
        Ok(name) => see_other(&format!(
            "/admin/users?{}",
            crate::kit::params::query_string(&[
                ("done", if on { "granted" } else { "withdrawn" }),
                ("name", &name),
            ])
        )),
        Err(e) => fail(&me, e),
    }
}

/// `GET /admin/users/{id}/enforcement`: back to the users page.
pub async fn back_to_users() -> Response {
    see_other("/admin/users")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_fields_find_their_row() {
        assert_eq!(item_field("items[0].kind"), Some((1, "kind")));
        assert_eq!(item_field("items.4.count"), Some((5, "count")));
        assert_eq!(item_field("item_count_2"), Some((2, "count")));
        assert_eq!(item_field("items[7].kind"), None);
        assert_eq!(item_field("kind"), None);
        assert_eq!(item_field("place"), None);
    }

    #[test]
    fn forms_round_trip_items() {
        let f = CaseForm {
            item_kind_2: "B 超机".into(),
            item_count_2: " 2 ".into(),
            ..CaseForm::default()
        };
        let input = f.input();
        assert_eq!(input.items.len(), ITEM_ROWS);
        assert_eq!(input.items[1], ("B 超机".to_string(), "2".to_string()));
    }
}
