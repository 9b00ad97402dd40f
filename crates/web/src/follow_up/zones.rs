//! Zones and assignments (片区负责制, 谁随访谁管理): a village's zones with
//! their worker and number of women, creating a zone, renaming it or
//! changing its worker (one action; when the zone holds women a
//! confirmation first says that all of them move), the village's
//! unassigned women shown as a problem with "assign to zone" per woman and
//! for all, and moving one woman to another zone from her own page.

use super::{ParamError, bad_params, require};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::page::{other_lang, render};
use crate::register::{
    Errors, Opt, blocking, client_id, encode, fail, names, options, path_id, see_other, tx,
    version_of, village_options,
};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::scope::Permission;
use hearth_store::follow_up::{self as fu, NeedsWorker, WorkerOption, Zone};
use hearth_store::register::{self, ClientIdTable, ClientIdUse, ScreenEntity};
use serde::Deserialize;

// ---- the zones page -----------------------------------------------------------------

pub(crate) struct ZoneV {
    id: String,
    name: String,
    worker: String,
    has_worker: bool,
    women: i64,
    version: i64,
    edit_name: String,
    worker_opts: Vec<Opt>,
    errs: Errors,
    open: bool,
}

pub(crate) struct UnassignedV {
    person_id: String,
    name: String,
    birth_date: String,
    household_number: String,
    why: String,
}

#[derive(Template)]
#[template(path = "follow_up/zones.html")]
struct ZonesPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    village: String,
    village_name: String,
    village_opts: Vec<Opt>,
    notice: Option<String>,
    zones: Vec<ZoneV>,
    new_client_id: String,
    new_name: String,
    new_worker_opts: Vec<Opt>,
    new_errs: Errors,
    new_open: bool,
    unassigned: Vec<UnassignedV>,
    assign_opts: Vec<Opt>,
}

/// A re-rendered zones page: a notice, a form that came back.
#[derive(Debug, Default)]
struct ZonesExtras {
    notice: Option<String>,
    create: Option<(ZoneForm, Errors)>,
    edit: Option<(String, ZoneForm, Errors)>,
    status: Option<StatusCode>,
}

/// A zone form: create (client id, village, name, worker) or edit
/// (version, name, worker, confirmation).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ZoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    worker_id: String,
    #[serde(default)]
    confirm: String,
}

fn why_label(lang: Lang, w: NeedsWorker) -> String {
    tx(
        lang,
        match w {
            NeedsWorker::OfAge => "followup.why.of_age",
            NeedsWorker::Pregnant => "followup.why.pregnant",
            NeedsWorker::Postpartum => "followup.why.postpartum",
        },
    )
}

fn worker_options(lang: Lang, workers: &[WorkerOption], current: &str) -> Vec<Opt> {
    options(
        current,
        Some(tx(lang, "followup.zones.no_worker")),
        workers.iter().map(|w| {
            (
                w.id.clone(),
                format!("{}（{}）", w.display_name, w.username),
            )
        }),
    )
}

/// A village code as typed: twelve digits, else the 400 page.
fn village_param(lang: Lang, s: &str) -> Result<String, ParamError> {
    let v = s.trim();
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v.to_string())
    } else {
        Err(ParamError {
            param: "village".into(),
            message: hearth_core::Reason::BadOrgCode.message(lang),
        })
    }
}

async fn zones_page(st: &AppState, me: &SignedIn, village: &str, x: ZonesExtras) -> Response {
    let lang = me.ctx.lang;
    let (db, scope, v) = (st.db.clone(), me.scope.clone(), village.to_string());
    let now = today();
    let res = blocking(move || {
        let units = hearth_store::orgs::list(&db, &scope)?;
        if v.is_empty() {
            return Ok((units, Vec::new(), Vec::new(), Vec::new()));
        }
        let zones = fu::list_zones(&db, &scope, &v)?;
        let workers = fu::workers_for(&db, &scope, &v)?;
        let un = fu::unassigned(&db, &scope, &v, now)?;
        Ok((units, zones, workers, un))
    })
    .await;
    let (units, zones, workers, un) = match res {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
    let zone_list: Vec<ZoneV> = zones
        .iter()
        .map(|z: &Zone| {
            let typed = x.edit.as_ref().filter(|(id, _, _)| *id == z.id);
            let current_worker = z.worker_id.clone().unwrap_or_default();
            ZoneV {
                id: z.id.clone(),
                name: z.name.clone(),
                worker: z.worker_name.clone().unwrap_or_default(),
                has_worker: z.worker_id.is_some(),
                women: z.women,
                version: typed.map_or(z.version, |(_, f, _)| version_of(&f.version)),
                edit_name: typed.map_or_else(|| z.name.clone(), |(_, f, _)| f.name.clone()),
                worker_opts: worker_options(
                    lang,
                    &workers,
                    typed.map_or(current_worker.as_str(), |(_, f, _)| f.worker_id.as_str()),
                ),
                errs: typed.map(|(_, _, e)| e.clone()).unwrap_or_default(),
                open: typed.is_some(),
            }
        })
        .collect();
    let (new_form, new_errs) = x.create.unwrap_or_else(|| {
        (
            ZoneForm {
                client_id: hearth_store::new_id(),
                ..ZoneForm::default()
            },
            Errors::default(),
        )
    });
    let view = ZonesPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        village_name: names(&units).get(village).cloned().unwrap_or_default(),
        village_opts: village_options(me, &units, village),
        village: village.to_string(),
        notice: x.notice,
        new_open: !new_errs.is_empty() || zones.is_empty(),
        new_client_id: new_form.client_id,
        new_name: new_form.name,
        new_worker_opts: worker_options(lang, &workers, &new_form.worker_id),
        new_errs,
        unassigned: un
            .into_iter()
            .map(|u| UnassignedV {
                why: why_label(lang, u.why),
                person_id: u.person_id,
                name: u.name,
                birth_date: u.birth_date,
                household_number: u.household_number.unwrap_or_default(),
            })
            .collect(),
        assign_opts: options(
            "",
            None,
            zones.iter().filter(|z| z.worker_id.is_some()).map(|z| {
                (
                    z.id.clone(),
                    format!(
                        "{}（{}）",
                        z.name,
                        z.worker_name.clone().unwrap_or_default()
                    ),
                )
            }),
        ),
        zones: zone_list,
    };
    render(&view, x.status.unwrap_or(StatusCode::OK))
}

#[derive(Debug, Default, Deserialize)]
pub struct ZonesQuery {
    village: Option<String>,
    notice: Option<String>,
    n: Option<String>,
}

/// `GET /zones?village=`: without a village, the user's own village (or a
/// choice of villages).
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<ZonesQuery>,
) -> Response {
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let village = match q
        .village
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => match village_param(lang, v) {
            Ok(v) => v,
            Err(e) => return bad_params(&me, vec![e], "/zones"),
        },
        None if me.user.org_code.len() == 12 && me.scope.covers(&me.user.org_code) => {
            me.user.org_code.clone()
        }
        None => String::new(),
    };
    let notice = q.notice.as_deref().and_then(|n| {
        let key = match n {
            "created" => "followup.zones.created",
            "saved" => "followup.zones.saved",
            "assigned" => "followup.zones.assigned",
            "assigned_all" => "followup.zones.assigned_all",
            _ => return None,
        };
        let count =
            q.n.as_deref()
                .and_then(|n| n.trim().parse::<usize>().ok())
                .map(|n| format!(" {n}"))
                .unwrap_or_default();
        Some(format!("{}{count}", tx(lang, key)))
    });
    let x = ZonesExtras {
        notice,
        ..ZonesExtras::default()
    };
    zones_page(&st, &me, &village, x).await
}

fn zones_href(village: &str, notice: &str) -> String {
    format!("/zones?village={}&notice={notice}", encode(village))
}

/// `GET` on the form-only paths: back to the zones page.
pub async fn back() -> Response {
    see_other("/zones")
}

/// `GET /zones/{id}/edit`: back to the zone's village (404 outside).
pub async fn back_to_zone(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    match blocking(move || fu::get_zone(&db, &scope, &id)).await {
        Ok(z) => see_other(&format!("/zones?village={}", encode(&z.village_code))),
        Err(e) => fail(&me, e),
    }
}

/// `POST /zones`: a new zone of the village.
pub async fn create(State(st): State<AppState>, me: SignedIn, Form(f): Form<ZoneForm>) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let village = match village_param(lang, &f.village) {
        Ok(v) => v,
        Err(e) => return bad_params(&me, vec![e], "/zones"),
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let cid = client_id(&f.client_id);
    let (v, name) = (village.clone(), f.name.clone());
    let worker = Some(f.worker_id.trim().to_string()).filter(|w| !w.is_empty());
    let res = blocking(move || {
        let id = match cid {
            Some(c)
                if register::client_id_use(&db, &scope, ClientIdTable::Zone, &c)?
                    != ClientIdUse::Elsewhere =>
            {
                Some(c)
            }
            _ => None,
        };
        fu::create_zone(&db, &scope, id.as_deref(), &v, &name, worker.as_deref())
    })
    .await;
    match res {
        Ok(_) => see_other(&zones_href(&village, "created")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["name", "worker_id"], &[]);
            let x = ZonesExtras {
                create: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => fail(&me, e),
    }
}

#[derive(Template)]
#[template(path = "follow_up/zone_confirm.html")]
struct ConfirmPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    id: String,
    village: String,
    version: String,
    name: String,
    worker_id: String,
    zone_name: String,
    women: i64,
    old_worker: String,
    new_worker: String,
}

/// `POST /zones/{id}/edit`: rename and/or change the worker. A change of
/// worker of a zone that holds women asks for a confirmation first (all
/// its women move to the new worker in the same action).
pub async fn update(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ZoneForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let (db, scope, zid) = (st.db.clone(), me.scope.clone(), id.clone());
    let res = blocking(move || {
        let z = fu::get_zone(&db, &scope, &zid)?;
        let workers = fu::workers_for(&db, &scope, &z.village_code)?;
        Ok((z, workers))
    })
    .await;
    let (zone, workers) = match res {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let typed_worker = f.worker_id.trim().to_string();
    let worker = Some(typed_worker.clone()).filter(|w| !w.is_empty());
    let changes_worker = worker != zone.worker_id;
    if changes_worker && zone.women > 0 && f.confirm != "1" {
        let new_worker = workers
            .iter()
            .find(|w| w.id == typed_worker)
            .map(|w| w.display_name.clone());
        // A worker the store would refuse goes straight to the store, which
        // names the problem beside the field.
        if let Some(new_worker) = new_worker {
            let view = ConfirmPage {
                tr: me.ctx.tr(),
                me: Some(me.me()),
                other_lang: other_lang(lang),
                csrf: me.csrf.clone(),
                id: zone.id.clone(),
                village: zone.village_code.clone(),
                version: f.version.clone(),
                name: f.name.clone(),
                worker_id: typed_worker,
                zone_name: zone.name.clone(),
                women: zone.women,
                old_worker: zone.worker_name.clone().unwrap_or_default(),
                new_worker,
            };
            return render(&view, StatusCode::OK);
        }
    }
    let (db, scope, zid, name) = (st.db.clone(), me.scope.clone(), id.clone(), f.name.clone());
    let version = version_of(&f.version);
    let res =
        blocking(move || fu::update_zone(&db, &scope, &zid, version, &name, worker.as_deref()))
            .await;
    let village = zone.village_code.clone();
    match res {
        Ok(_) => see_other(&zones_href(&village, "saved")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["name", "worker_id"], &[]);
            let x = ZonesExtras {
                edit: Some((id, f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(WebError::Conflict { .. }) => {
            let x = ZonesExtras {
                notice: Some(tx(lang, "followup.zones.conflict")),
                status: Some(StatusCode::CONFLICT),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => fail(&me, e),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    zone_id: String,
}

/// A refused assignment as the zones page's notice.
fn refusal(lang: Lang, fields: &[hearth_core::FieldError]) -> String {
    let parts: Vec<String> = fields.iter().map(|e| e.message(lang)).collect();
    format!("{}{}", tx(lang, "followup.zones.refused"), parts.join("；"))
}

/// `POST /zones/assign`: one unassigned woman into a zone.
pub async fn assign(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<AssignForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let village = match village_param(lang, &f.village) {
        Ok(v) => v,
        Err(e) => return bad_params(&me, vec![e], "/zones"),
    };
    let (person, zone) = match (path_id(f.person.trim()), path_id(f.zone_id.trim())) {
        (Ok(p), Ok(z)) => (p.to_string(), z.to_string()),
        _ => {
            let x = ZonesExtras {
                notice: Some(tx(lang, "followup.zones.choose_zone")),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            return zones_page(&st, &me, &village, x).await;
        }
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    match blocking(move || fu::assign(&db, &scope, &person, &zone)).await {
        Ok(_) => see_other(&zones_href(&village, "assigned")),
        Err(WebError::Invalid(fields)) => {
            let x = ZonesExtras {
                notice: Some(refusal(lang, &fields)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => fail(&me, e),
    }
}

/// `POST /zones/assign-all`: every unassigned woman of the village into
/// one zone, in one transaction.
pub async fn assign_all(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<AssignForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let village = match village_param(lang, &f.village) {
        Ok(v) => v,
        Err(e) => return bad_params(&me, vec![e], "/zones"),
    };
    let zone = match path_id(f.zone_id.trim()) {
        Ok(z) => z.to_string(),
        Err(_) => {
            let x = ZonesExtras {
                notice: Some(tx(lang, "followup.zones.choose_zone")),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            return zones_page(&st, &me, &village, x).await;
        }
    };
    let (db, scope, v) = (st.db.clone(), me.scope.clone(), village.clone());
    let now = today();
    match blocking(move || fu::assign_all_unassigned(&db, &scope, &v, &zone, now)).await {
        Ok(n) => see_other(&format!("{}&n={n}", zones_href(&village, "assigned_all"))),
        Err(WebError::Invalid(fields)) => {
            let x = ZonesExtras {
                notice: Some(refusal(lang, &fields)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => fail(&me, e),
    }
}

// ---- one woman's assignment ---------------------------------------------------------

#[derive(Template)]
#[template(path = "follow_up/assignment.html")]
struct AssignmentPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    person_id: String,
    name: String,
    village: String,
    zone: String,
    worker: String,
    zone_opts: Vec<Opt>,
    notice: Option<String>,
    errs: Errors,
}

async fn assignment_page(
    st: &AppState,
    me: &SignedIn,
    person: &str,
    typed_zone: Option<String>,
    notice: Option<String>,
    errs: Errors,
    status: StatusCode,
) -> Response {
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), person.to_string());
    let res = blocking(move || {
        register::version_in_scope(&db, &scope, ScreenEntity::Person, &pid)?;
        let p = register::get_person(&db, &scope, &pid)?;
        let a = fu::assignment_of(&db, &scope, &pid)?;
        let zones = fu::list_zones(&db, &scope, &p.village_code)?;
        Ok((p, a, zones))
    })
    .await;
    let (p, a, zones) = match res {
        Ok(x) => x,
        Err(e) => return fail(me, e),
    };
    let current =
        typed_zone.unwrap_or_else(|| a.as_ref().map(|a| a.zone_id.clone()).unwrap_or_default());
    let view = AssignmentPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(me.ctx.lang),
        csrf: me.csrf.clone(),
        person_id: p.id,
        name: p.name,
        village: p.village_code,
        zone: a.as_ref().map(|a| a.zone_name.clone()).unwrap_or_default(),
        worker: a.map(|a| a.worker_name).unwrap_or_default(),
        zone_opts: options(
            &current,
            Some(tx(me.ctx.lang, "followup.choose")),
            zones
                .into_iter()
                .filter(|z| z.worker_id.is_some())
                .map(|z| {
                    (
                        z.id,
                        format!("{}（{}）", z.name, z.worker_name.unwrap_or_default()),
                    )
                }),
        ),
        notice,
        errs,
    };
    render(&view, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct AssignmentQuery {
    notice: Option<String>,
}

/// `GET /persons/{id}/assignment`: her zone and worker, and the form that
/// moves her to another zone of her village.
pub async fn assignment(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<AssignmentQuery>,
) -> Response {
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let notice = (q.notice.as_deref() == Some("moved"))
        .then(|| tx(me.ctx.lang, "followup.assignment.moved"));
    assignment_page(
        &st,
        &me,
        &id,
        None,
        notice,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    zone_id: String,
}

/// `POST /persons/{id}/assignment`: into the chosen zone (her responsible
/// worker becomes its worker; audited by the store).
pub async fn move_woman(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::WriteRegister) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), id.clone());
    if let Err(e) =
        blocking(move || register::version_in_scope(&db, &scope, ScreenEntity::Person, &pid)).await
    {
        return fail(&me, e);
    }
    let zone = f.zone_id.trim().to_string();
    if path_id(&zone).is_err() {
        let mut errs = Errors::default();
        errs.add("zone_id", hearth_core::Reason::Required.message(lang));
        return assignment_page(
            &st,
            &me,
            &id,
            Some(zone),
            None,
            errs,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (db, scope, pid, z) = (st.db.clone(), me.scope.clone(), id.clone(), zone.clone());
    match blocking(move || fu::assign(&db, &scope, &pid, &z)).await {
        Ok(_) => see_other(&format!("/persons/{id}/assignment?notice=moved")),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["zone_id"], &[]);
            assignment_page(
                &st,
                &me,
                &id,
                Some(zone),
                None,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&me, e),
    }
}
