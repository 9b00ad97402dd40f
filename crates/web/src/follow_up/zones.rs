//! Zones and assignments (片区负责制, 谁随访谁管理): a village's zones with
//! their worker and number of women, creating a zone, renaming it or
//! changing its worker (one action; when the zone holds women a
//! confirmation first says that all of them move), the village's
//! unassigned women shown as a problem with "assign to zone" per woman and
//! for all. Moving one woman to another zone from her own page is
//! `assignment`.

use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{Errors, Opt, client_id, options, path_id, version_of};
use crate::kit::org::{names, units, village_options};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render, see_other};
use crate::kit::params::{ParamError, encode, tx};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::follow_up::{self as fu, NeedsWorker, VillageZones, WorkerOption, Zone};
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
fn village_param(me: &SignedIn, s: &str) -> Result<String, PageFail> {
    let v = s.trim();
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v.to_string())
    } else {
        let e = ParamError::new(
            "village",
            hearth_core::Reason::BadOrgCode.message(me.ctx.lang),
        );
        Err(me.bad_params(vec![e], "/zones"))
    }
}

async fn zones_page(st: &AppState, me: &SignedIn, village: &str, x: ZonesExtras) -> PageResult {
    let lang = me.ctx.lang;
    let units = units(st, me).await?;
    let VillageZones {
        zones,
        workers,
        unassigned: un,
    } = if village.is_empty() {
        VillageZones {
            zones: Vec::new(),
            workers: Vec::new(),
            unassigned: Vec::new(),
        }
    } else {
        let (v, now) = (village.to_string(), today());
        me.run(st, move |db, scope| fu::village_zones(db, scope, &v, now))
            .await?
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
    Ok(render(&view, x.status.unwrap_or(StatusCode::OK)))
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
) -> PageResult {
    me.require(Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let village = match q
        .village
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => village_param(&me, v)?,
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
) -> PageResult {
    let id = path_id(&id).page(&me)?.to_string();
    let z = me
        .run(&st, move |db, scope| fu::get_zone(db, scope, &id))
        .await?;
    Ok(see_other(&format!(
        "/zones?village={}",
        encode(&z.village_code)
    )))
}

/// `POST /zones`: a new zone of the village.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<ZoneForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let village = village_param(&me, &f.village)?;
    let cid = client_id(&f.client_id);
    let (v, name) = (village.clone(), f.name.clone());
    let worker = Some(f.worker_id.trim().to_string()).filter(|w| !w.is_empty());
    // The store's answer itself (a retry is the first zone): a refusal
    // re-renders the page.
    let res = me
        .run(&st, move |db, scope| {
            Ok(fu::create_zone(
                db,
                scope,
                cid.as_deref(),
                &v,
                &name,
                worker.as_deref(),
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&zones_href(&village, "created"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["name", "worker_id"], &[]);
            let x = ZonesExtras {
                create: Some((f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => Err(me.fail(e)),
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
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let id = path_id(&id).page(&me)?.to_string();
    let lang = me.ctx.lang;
    let zid = id.clone();
    let (zone, workers) = me
        .run(&st, move |db, scope| {
            let z = fu::get_zone(db, scope, &zid)?;
            let workers = fu::workers_for(db, scope, &z.village_code)?;
            Ok((z, workers))
        })
        .await?;
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
            return Ok(render(&view, StatusCode::OK));
        }
    }
    let (zid, name) = (id.clone(), f.name.clone());
    let version = version_of(&f.version);
    let res = me
        .run(&st, move |db, scope| {
            Ok(fu::update_zone(
                db,
                scope,
                &zid,
                version,
                &name,
                worker.as_deref(),
            ))
        })
        .await?;
    let village = zone.village_code.clone();
    match res {
        Ok(_) => Ok(see_other(&zones_href(&village, "saved"))),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["name", "worker_id"], &[]);
            let x = ZonesExtras {
                edit: Some((id, f, errs)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(StoreError::Conflict { .. }) => {
            let x = ZonesExtras {
                notice: Some(tx(lang, "followup.zones.conflict")),
                status: Some(StatusCode::CONFLICT),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => Err(me.fail(e)),
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
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let village = village_param(&me, &f.village)?;
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
    let res = me
        .run(&st, move |db, scope| {
            Ok(fu::assign(db, scope, &person, &zone))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&zones_href(&village, "assigned"))),
        Err(StoreError::Invalid(fields)) => {
            let x = ZonesExtras {
                notice: Some(refusal(lang, &fields)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => Err(me.fail(e)),
    }
}

/// `POST /zones/assign-all`: every unassigned woman of the village into
/// one zone, in one transaction.
pub async fn assign_all(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<AssignForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::WriteRegister)?;
    let lang = me.ctx.lang;
    let village = village_param(&me, &f.village)?;
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
    let (v, now) = (village.clone(), today());
    let res = me
        .run(&st, move |db, scope| {
            Ok(fu::assign_all_unassigned(db, scope, &v, &zone, now))
        })
        .await?;
    match res {
        Ok(n) => Ok(see_other(&format!(
            "{}&n={n}",
            zones_href(&village, "assigned_all")
        ))),
        Err(StoreError::Invalid(fields)) => {
            let x = ZonesExtras {
                notice: Some(refusal(lang, &fields)),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..ZonesExtras::default()
            };
            zones_page(&st, &me, &village, x).await
        }
        Err(e) => Err(me.fail(e)),
    }
}
