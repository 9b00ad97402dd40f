//! The work list (`/work`): today, this week, overdue and open needs of
//! the signed-in worker's women (or, for a village specialist or town
//! staff, of everyone in the area with a worker filter and the workers
//! with the most overdue contacts), grouped by zone and household, one tap
//! to record a visit; and the needs list (`/work/needs`) with its status
//! changes.

use super::{
    category_label, is_worker, mode_label, need_status_label, pick, require, status_label,
    window_text,
};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::page::{other_lang, render};
use crate::register::{Opt, blocking, fail, options, path_id, see_other, tx, version_of};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::Lang;
use hearth_core::dates::today;
use hearth_core::follow_up::{ContactStatus, NeedStatus};
use hearth_core::scope::Permission;
use hearth_store::follow_up::{
    self as fu, Need, NeedFilter, VisitFilter, WorkItem, WorkSection, WorkerLoad,
};
use serde::Deserialize;
use std::collections::HashMap;

// ---- view models ----------------------------------------------------------------

pub(crate) struct ContactV {
    label: String,
    window: String,
    status: String,
    overdue: bool,
    reminder: bool,
}

pub(crate) struct WomanV {
    person_id: String,
    name: String,
    contacts: Vec<ContactV>,
}

pub(crate) struct HouseholdV {
    number: String,
    women: Vec<WomanV>,
}

pub(crate) struct ZoneV {
    name: String,
    worker: String,
    households: Vec<HouseholdV>,
}

pub(crate) struct SectionV {
    id: &'static str,
    title: String,
    total: usize,
    shown: usize,
    overdue: bool,
    zones: Vec<ZoneV>,
}

pub(crate) struct NeedV {
    id: String,
    person_id: String,
    name: String,
    category: String,
    text: String,
    status: String,
    status_code: String,
    raised_on: String,
    version: i64,
}

pub(crate) struct DoneV {
    person_id: String,
    name: String,
    mode: String,
    covered: i64,
}

pub(crate) struct LoadV {
    worker_id: String,
    name: String,
    women: i64,
    overdue: i64,
    due_today: i64,
}

/// Groups a section's items by zone, household and woman (the store orders
/// them by zone, household number and name; grouping by key keeps a group
/// whole even if that order were ever broken).
fn group(lang: Lang, items: &[WorkItem], show_worker: bool) -> Vec<ZoneV> {
    let mut zones: Vec<(String, ZoneV)> = Vec::new();
    let mut households: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for it in items {
        let zi = match zones.iter().position(|(id, _)| *id == it.zone_id) {
            Some(i) => i,
            None => {
                zones.push((
                    it.zone_id.clone(),
                    ZoneV {
                        name: it.zone_name.clone(),
                        worker: if show_worker {
                            it.worker_name.clone()
                        } else {
                            String::new()
                        },
                        households: Vec::new(),
                    },
                ));
                zones.len() - 1
            }
        };
        let zone = &mut zones[zi].1;
        let hh_key = (
            it.zone_id.clone(),
            it.household_id
                .clone()
                .unwrap_or_else(|| format!("person:{}", it.person_id)),
        );
        let (_, hi) = *households.entry(hh_key).or_insert_with(|| {
            zone.households.push(HouseholdV {
                number: it.household_number.clone().unwrap_or_default(),
                women: Vec::new(),
            });
            (zi, zone.households.len() - 1)
        });
        let hh = &mut zone.households[hi];
        let wi = match hh.women.iter().position(|w| w.person_id == it.person_id) {
            Some(i) => i,
            None => {
                hh.women.push(WomanV {
                    person_id: it.person_id.clone(),
                    name: it.name.clone(),
                    contacts: Vec::new(),
                });
                hh.women.len() - 1
            }
        };
        hh.women[wi].contacts.push(ContactV {
            label: pick(lang, &it.rule_label_zh, &it.rule_label_en),
            window: window_text(&it.window_from, &it.window_to),
            status: status_label(lang, it.status),
            overdue: matches!(it.status, ContactStatus::Overdue | ContactStatus::Missed),
            reminder: it.reminder,
        });
    }
    zones.into_iter().map(|(_, z)| z).collect()
}

fn section(
    lang: Lang,
    id: &'static str,
    key: &str,
    s: &WorkSection,
    show_worker: bool,
) -> SectionV {
    SectionV {
        id,
        title: tx(lang, key),
        total: s.total,
        shown: s.items.len(),
        overdue: id == "overdue",
        zones: group(lang, &s.items, show_worker),
    }
}

fn need_v(lang: Lang, n: Need) -> NeedV {
    NeedV {
        category: category_label(lang, &n.category),
        status: need_status_label(lang, &n.status),
        status_code: n.status,
        id: n.id,
        person_id: n.person_id,
        name: n.person_name,
        text: n.text,
        raised_on: n.raised_on,
        version: n.version,
    }
}

// ---- the work list ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "follow_up/work.html")]
struct WorkPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    today: String,
    notice: Option<String>,
    area: bool,
    worker_opts: Vec<Opt>,
    worker_name: String,
    women: i64,
    sections: Vec<SectionV>,
    needs: Vec<NeedV>,
    done: Vec<DoneV>,
    worst: Vec<LoadV>,
    can_zones: bool,
    can_stats: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkQuery {
    worker: Option<String>,
    saved: Option<String>,
}

/// How many workers the filter offers and the "most overdue" box shows.
const WORKER_OPTIONS: usize = 200;
const WORST_SHOWN: usize = 5;

/// The org unit an area view is for: the user's own unit when her scope
/// covers it, else her scope's prefix (none for an administrator without
/// a unit).
fn area_org(me: &SignedIn) -> Option<String> {
    let own = me.user.org_code.trim();
    if !own.is_empty() && me.scope.covers(own) {
        Some(own.to_string())
    } else {
        Some(me.scope.org_prefix.clone()).filter(|p| !p.is_empty())
    }
}

/// `GET /work?worker=&saved=`.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<WorkQuery>,
) -> Response {
    if let Err(e) = require(&me, Permission::RecordVisit) {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    let worker_view = is_worker(&me);
    let area = !worker_view;
    let filter = q
        .worker
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| path_id(w).map(str::to_string));
    let filter = match filter {
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => return fail(&me, e),
        None => None,
    };
    let saved = q
        .saved
        .as_deref()
        .and_then(|s| path_id(s.trim()).ok())
        .map(str::to_string);
    let org = if area { area_org(&me) } else { None };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let visits_of = if worker_view {
        Some(me.user.id.clone())
    } else {
        filter.clone()
    };
    let now = today();
    let w = filter.clone();
    let res = blocking(move || {
        let list = fu::work_list(&db, &scope, w.as_deref(), now)?;
        let loads = match &org {
            Some(org) => fu::worst_workers(&db, &scope, org, now, WORKER_OPTIONS)?,
            None => Vec::new(),
        };
        let done = fu::list_visits(
            &db,
            &scope,
            &VisitFilter {
                worker_id: visits_of,
                from: Some(now),
                to: Some(now),
                limit: 100,
                ..VisitFilter::default()
            },
        )?;
        // The confirmation of a visit just recorded; a visit that cannot be
        // read (an odd link) simply shows no confirmation.
        let saved = match saved {
            Some(id) => fu::get_visit(&db, &scope, &id).ok(),
            None => None,
        };
        let rules = if saved.is_some() {
            fu::list_rules(&db, &scope)?
        } else {
            Vec::new()
        };
        Ok((list, loads, done, saved, rules))
    })
    .await;
    let (list, loads, done, saved, rules) = match res {
        Ok(x) => x,
        Err(e) => return fail(&me, e),
    };
    let notice = saved.map(|v| {
        let labels: Vec<String> = v
            .covered
            .iter()
            .map(|c| {
                rules.iter().find(|r| r.code == c.rule_code).map_or_else(
                    || c.rule_code.clone(),
                    |r| pick(lang, &r.label_zh, &r.label_en),
                )
            })
            .collect();
        let covered = if labels.is_empty() {
            tx(lang, "followup.saved.none")
        } else {
            labels.join("、")
        };
        format!(
            "{}{} · {} · {}{}{}",
            tx(lang, "followup.saved.prefix"),
            v.person_name,
            v.visited_on,
            mode_label(lang, &v.mode),
            tx(lang, "followup.saved.covered"),
            covered
        )
    });
    let worker_name = filter
        .as_ref()
        .and_then(|id| loads.iter().find(|l| l.worker_id == *id))
        .map(|l| l.worker_name.clone())
        .unwrap_or_default();
    let mut worker_items: Vec<(String, String)> = loads
        .iter()
        .map(|l: &WorkerLoad| {
            (
                l.worker_id.clone(),
                format!(
                    "{}（{} {}）",
                    l.worker_name,
                    tx(lang, "followup.work.overdue_short"),
                    l.overdue
                ),
            )
        })
        .collect();
    worker_items.sort_by(|a, b| a.1.cmp(&b.1));
    let current = filter.clone().unwrap_or_default();
    let show_worker = area && filter.is_none();
    let sections = vec![
        section(
            lang,
            "today",
            "followup.work.today",
            &list.due_today,
            show_worker,
        ),
        section(
            lang,
            "week",
            "followup.work.week",
            &list.this_week,
            show_worker,
        ),
        section(
            lang,
            "overdue",
            "followup.work.overdue",
            &list.overdue,
            show_worker,
        ),
    ];
    let view = WorkPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        today: list.today.clone(),
        notice,
        area,
        worker_opts: options(
            &current,
            Some(tx(lang, "followup.work.all_workers")),
            worker_items,
        ),
        worker_name,
        women: list.women,
        sections,
        needs: list
            .open_needs
            .into_iter()
            .map(|n| need_v(lang, n))
            .collect(),
        done: done
            .into_iter()
            .map(|v| DoneV {
                mode: mode_label(lang, &v.mode),
                person_id: v.person_id,
                name: v.person_name,
                covered: v.covered,
            })
            .collect(),
        worst: loads
            .into_iter()
            .filter(|l| l.overdue > 0)
            .take(WORST_SHOWN)
            .map(|l| LoadV {
                worker_id: l.worker_id,
                name: l.worker_name,
                women: l.women,
                overdue: l.overdue,
                due_today: l.due_today,
            })
            .collect(),
        can_zones: me.scope.can(Permission::WriteRegister),
        can_stats: me.scope.can(Permission::ReadStatistics),
    };
    render(&view, StatusCode::OK)
}

// ---- needs ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "follow_up/needs.html")]
struct NeedsPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    notice: Option<String>,
    closed_view: bool,
    needs: Vec<NeedV>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NeedsQuery {
    status: Option<String>,
    notice: Option<String>,
}

/// How many needs the list shows.
const NEEDS_MAX: i64 = 300;

async fn needs_page(
    st: &AppState,
    me: &SignedIn,
    closed_view: bool,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    if let Err(e) = require(me, Permission::RecordVisit) {
        return fail(me, e);
    }
    let lang = me.ctx.lang;
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let worker = is_worker(me).then(|| me.user.id.clone());
    let res = blocking(move || {
        let f = |status| NeedFilter {
            worker_id: worker.clone(),
            status: Some(status),
            limit: NEEDS_MAX,
            ..NeedFilter::default()
        };
        if closed_view {
            fu::list_needs(&db, &scope, &f(NeedStatus::Closed))
        } else {
            let mut open = fu::list_needs(&db, &scope, &f(NeedStatus::Open))?;
            open.extend(fu::list_needs(&db, &scope, &f(NeedStatus::ForWindow))?);
            Ok(open)
        }
    })
    .await;
    let needs = match res {
        Ok(n) => n,
        Err(e) => return fail(me, e),
    };
    let view = NeedsPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        notice,
        closed_view,
        needs: needs.into_iter().map(|n| need_v(lang, n)).collect(),
    };
    render(&view, status)
}

/// `GET /work/needs?status=closed`: the open needs (and those handed to
/// the service window), or the closed ones.
pub async fn needs(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<NeedsQuery>,
) -> Response {
    let closed = q.status.as_deref().map(str::trim) == Some("closed");
    let notice = q
        .notice
        .as_deref()
        .filter(|n| *n == "saved")
        .map(|_| tx(me.ctx.lang, "followup.needs.saved"));
    needs_page(&st, &me, closed, notice, StatusCode::OK).await
}

/// `GET /work/needs/{id}/status`: back to the list.
pub async fn back_to_needs() -> Response {
    see_other("/work/needs")
}

#[derive(Debug, Default, Deserialize)]
pub struct NeedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    status: String,
}

/// `POST /work/needs/{id}/status`: closed, for the service window, or
/// open again; version-checked.
pub async fn need_status(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<NeedForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::RecordVisit) {
        return fail(&me, e);
    }
    let id = match path_id(&id) {
        Ok(id) => id.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let status = match NeedStatus::parse(&f.status) {
        Ok(s) => s,
        Err(r) => {
            let msg = format!(
                "{}{}",
                tx(lang, "followup.needs.status_bad"),
                r.message(lang)
            );
            return needs_page(&st, &me, false, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let version = version_of(&f.version);
    match blocking(move || fu::set_need_status(&db, &scope, &id, version, status)).await {
        Ok(_) => see_other("/work/needs?notice=saved"),
        Err(WebError::Conflict { .. }) => {
            let msg = tx(lang, "followup.needs.conflict");
            needs_page(&st, &me, false, Some(msg), StatusCode::CONFLICT).await
        }
        Err(WebError::Invalid(fields)) => {
            let msg = fields
                .iter()
                .map(|e| e.message(lang))
                .collect::<Vec<_>>()
                .join("；");
            needs_page(&st, &me, false, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => fail(&me, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(zone: &str, hh: Option<&str>, person: &str, key: &str) -> WorkItem {
        WorkItem {
            person_id: person.into(),
            name: format!("名{person}"),
            village_code: "370404100201".into(),
            household_id: hh.map(str::to_string),
            household_number: hh.map(|h| format!("No.{h}")),
            zone_id: zone.into(),
            zone_name: format!("片{zone}"),
            worker_id: "w".into(),
            worker_name: "王".into(),
            contact_key: key.into(),
            rule_code: "routine".into(),
            rule_label_zh: "每月常规随访".into(),
            rule_label_en: "Monthly".into(),
            window_from: "2026-11-01".into(),
            window_to: "2026-11-30".into(),
            reminder: false,
            status: ContactStatus::Due,
        }
    }

    #[test]
    fn groups_by_zone_household_and_woman() {
        let items = vec![
            item("z1", Some("h1"), "p1", "monthly:2026-11"),
            item("z1", Some("h1"), "p1", "postpartum_d3:b"),
            item("z1", Some("h1"), "p2", "monthly:2026-11"),
            item("z1", None, "p3", "monthly:2026-11"),
            item("z2", Some("h2"), "p4", "monthly:2026-11"),
        ];
        let g = group(Lang::En, &items, true);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].households.len(), 2);
        assert_eq!(g[0].households[0].women.len(), 2);
        assert_eq!(g[0].households[0].women[0].contacts.len(), 2);
        assert_eq!(g[0].households[0].women[0].contacts[0].label, "Monthly");
        assert_eq!(g[1].worker, "王");
    }
}
