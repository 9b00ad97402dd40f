//! Recording a visit (`/work/visit/new?person=`): date (today by
//! default), mode, the due contacts it covers (a read-only list the store
//! computes for the typed date; "update" recomputes it without saving),
//! topics, findings, up to three needs and the next appointment. A hidden
//! client id generated with the form makes a retried POST return the first
//! visit instead of a second one. A follow-up worker may open the form only
//! for the women assigned to her (403 otherwise); a woman outside the
//! scope is 404.

use super::{
    MODES, category_label, is_worker, mode_label, pick, require, status_label, window_text,
};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::page::{other_lang, render};
use crate::register::{Errors, Opt, blocking, client_id, fail, options, path_id, see_other, tx};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use hearth_core::Lang;
use hearth_core::dates::{fmt_date, parse_date, today};
use hearth_core::follow_up::{
    ContactStatus, MAX_BACKDATE_DAYS, MAX_TEXT, NeedCategory, NeedInput, ScheduleRule, VisitInput,
    VisitMode,
};
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::follow_up::{self as fu, Assignment, ScheduledContact, Topic};
use hearth_store::register::{self, ClientIdTable, ClientIdUse, ScreenEntity};
use serde::Deserialize;

/// Rows of needs the form offers.
const NEED_ROWS: usize = 3;

/// A visit as typed (the form's fields; topics repeat).
#[derive(Debug, Clone, Default)]
pub(crate) struct VisitForm {
    csrf: String,
    client_id: String,
    person: String,
    visited_on: String,
    mode: String,
    topics: Vec<String>,
    findings: String,
    needs: [NeedRow; NEED_ROWS],
    next_appointment: String,
    action: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct NeedRow {
    category: String,
    text: String,
    for_window: bool,
}

impl VisitForm {
    /// Reads the posted pairs (`topic` may repeat; needs are
    /// `need{i}_category`, `need{i}_text`, `need{i}_window`).
    fn from_pairs(pairs: Vec<(String, String)>) -> VisitForm {
        let mut f = VisitForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "client_id" => f.client_id = v,
                "person" => f.person = v,
                "visited_on" => f.visited_on = v,
                "mode" => f.mode = v,
                "topic" => f.topics.push(v),
                "findings" => f.findings = v,
                "next_appointment" => f.next_appointment = v,
                "action" => f.action = v,
                other => {
                    let Some(rest) = other.strip_prefix("need") else {
                        continue;
                    };
                    let Some((i, field)) = rest.split_once('_') else {
                        continue;
                    };
                    let Some(row) = i.parse::<usize>().ok().and_then(|i| f.needs.get_mut(i)) else {
                        continue;
                    };
                    match field {
                        "category" => row.category = v,
                        "text" => row.text = v,
                        "window" => row.for_window = true,
                        _ => {}
                    }
                }
            }
        }
        f
    }

    fn input(&self) -> VisitInput {
        VisitInput {
            person_id: self.person.trim().to_string(),
            visited_on: self.visited_on.clone(),
            mode: self.mode.clone(),
            topics: self.topics.clone(),
            findings: self.findings.clone(),
            needs: self
                .needs
                .iter()
                .map(|n| NeedInput {
                    category: n.category.clone(),
                    text: n.text.clone(),
                    for_window: n.for_window,
                })
                .collect(),
            next_appointment: self.next_appointment.clone(),
        }
    }
}

// ---- the page ---------------------------------------------------------------------

pub(crate) struct ModeV {
    code: &'static str,
    label: String,
    checked: bool,
}

pub(crate) struct TopicV {
    code: String,
    label: String,
    checked: bool,
}

pub(crate) struct NeedRowV {
    i: usize,
    category_opts: Vec<Opt>,
    text: String,
    for_window: bool,
    cat_err: Option<String>,
    text_err: Option<String>,
}

/// One due contact in the "this visit covers" list.
pub(crate) struct CoverV {
    label: String,
    window: String,
    /// `yes` (covered by this visit), `no` (the mode does not satisfy
    /// it), `done` (already covered).
    state: &'static str,
    note: String,
}

#[derive(Template)]
#[template(path = "follow_up/visit.html")]
struct VisitPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    client_id: String,
    person_id: String,
    name: String,
    assigned: String,
    min_date: String,
    today: String,
    visited_on: String,
    modes: Vec<ModeV>,
    topics: Vec<TopicV>,
    findings: String,
    max_text: usize,
    needs: Vec<NeedRowV>,
    next_appointment: String,
    cover_date: String,
    cover: Vec<CoverV>,
    notice: Option<String>,
    errs: Errors,
}

/// What the form shows besides what was typed.
struct Loaded {
    name: String,
    assignment: Option<Assignment>,
    topics: Vec<Topic>,
    rules: Vec<ScheduleRule>,
    contacts: Vec<ScheduledContact>,
}

/// The person inside the scope (404 otherwise) and, for a follow-up
/// worker, assigned to her (403 otherwise); her assignment.
fn may_visit(
    db: &hearth_store::Db,
    scope: &hearth_core::scope::Scope,
    person: &str,
    worker: Option<&str>,
) -> Result<Option<Assignment>, StoreError> {
    register::version_in_scope(db, scope, ScreenEntity::Person, person)?;
    let a = fu::assignment_of(db, scope, person)?;
    if let Some(me) = worker
        && a.as_ref().map(|a| a.worker_id.as_str()) != Some(me)
    {
        return Err(StoreError::Forbidden);
    }
    Ok(a)
}

async fn check(st: &AppState, me: &SignedIn, person: &str) -> Result<(), WebError> {
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), person.to_string());
    let worker = is_worker(me).then(|| me.user.id.clone());
    blocking(move || may_visit(&db, &scope, &pid, worker.as_deref()).map(|_| ())).await
}

async fn load(
    st: &AppState,
    me: &SignedIn,
    person: &str,
    on: Option<NaiveDate>,
) -> Result<Loaded, WebError> {
    let (db, scope, pid) = (st.db.clone(), me.scope.clone(), person.to_string());
    let worker = is_worker(me).then(|| me.user.id.clone());
    let now = today();
    blocking(move || {
        let assignment = may_visit(&db, &scope, &pid, worker.as_deref())?;
        let p = register::get_person(&db, &scope, &pid)?;
        let topics = fu::list_topics(&db, &scope)?;
        let rules = fu::list_rules(&db, &scope)?;
        let contacts = match on {
            Some(d) => fu::schedule(&db, &scope, &pid, d, d, now)?,
            None => Vec::new(),
        };
        Ok(Loaded {
            name: p.name,
            assignment,
            topics,
            rules,
            contacts,
        })
    })
    .await
}

/// The due contacts whose window holds the visit date, and whether this
/// visit (its mode) covers each — the same rule the store applies when it
/// saves.
fn cover_list(lang: Lang, l: &Loaded, mode: Option<VisitMode>) -> Vec<CoverV> {
    l.contacts
        .iter()
        .map(|sc| {
            let rule = l.rules.iter().find(|r| r.code == sc.contact.rule_code);
            let allowed = |m: VisitMode| rule.is_none_or(|r| r.allows(m));
            let modes_text = rule.map_or_else(String::new, |r| {
                r.modes
                    .iter()
                    .map(|m| mode_label(lang, m.code()))
                    .collect::<Vec<_>>()
                    .join("/")
            });
            let reminder = if sc.contact.reminder {
                format!("{} · ", tx(lang, "followup.reminder"))
            } else {
                String::new()
            };
            let (state, note) = match (sc.status, mode) {
                (ContactStatus::Done, _) => ("done", status_label(lang, ContactStatus::Done)),
                (_, Some(m)) if !allowed(m) => (
                    "no",
                    format!("{}{}", tx(lang, "followup.visit.needs_mode"), modes_text),
                ),
                _ => ("yes", tx(lang, "followup.visit.will_cover")),
            };
            CoverV {
                label: format!(
                    "{reminder}{}",
                    pick(lang, &sc.rule_label_zh, &sc.rule_label_en)
                ),
                window: window_text(
                    &fmt_date(sc.contact.window_from),
                    &fmt_date(sc.contact.window_to),
                ),
                state,
                note,
            }
        })
        .collect()
}

/// The form's field names for the store's field names.
const RENAME: [(&str, &str); 6] = [
    ("needs[0].category", "need0_category"),
    ("needs[0].text", "need0_text"),
    ("needs[1].category", "need1_category"),
    ("needs[1].text", "need1_text"),
    ("needs[2].category", "need2_category"),
    ("needs[2].text", "need2_text"),
];

const KNOWN: [&str; 11] = [
    "visited_on",
    "mode",
    "topics",
    "findings",
    "next_appointment",
    "need0_category",
    "need0_text",
    "need1_category",
    "need1_text",
    "need2_category",
    "need2_text",
];

async fn form_page(
    st: &AppState,
    me: &SignedIn,
    person: &str,
    f: VisitForm,
    errs: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = me.ctx.lang;
    let now = today();
    let on = parse_date(&f.visited_on).ok();
    let l = match load(st, me, person, on).await {
        Ok(l) => l,
        Err(e) => return fail(me, e),
    };
    let mode = VisitMode::parse(&f.mode).ok();
    let cover = cover_list(lang, &l, mode);
    let assigned = l.assignment.as_ref().map_or_else(
        || tx(lang, "followup.unassigned"),
        |a| format!("{} · {}", a.zone_name, a.worker_name),
    );
    let needs = f
        .needs
        .iter()
        .enumerate()
        .map(|(i, n)| NeedRowV {
            i,
            category_opts: options(
                &n.category,
                Some(tx(lang, "followup.choose")),
                NeedCategory::ALL
                    .iter()
                    .map(|c| (c.code().to_string(), category_label(lang, c.code()))),
            ),
            text: n.text.clone(),
            for_window: n.for_window,
            cat_err: errs.get(&format!("need{i}_category")).map(str::to_string),
            text_err: errs.get(&format!("need{i}_text")).map(str::to_string),
        })
        .collect();
    let view = VisitPage {
        tr: me.ctx.tr(),
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        client_id: f.client_id.clone(),
        person_id: person.to_string(),
        name: l.name.clone(),
        assigned,
        min_date: fmt_date(now - Duration::days(MAX_BACKDATE_DAYS)),
        today: fmt_date(now),
        modes: MODES
            .iter()
            .map(|m| ModeV {
                code: m.code(),
                label: mode_label(lang, m.code()),
                checked: mode == Some(*m),
            })
            .collect(),
        topics: l
            .topics
            .iter()
            .filter(|t| t.active || f.topics.contains(&t.code))
            .map(|t| TopicV {
                checked: f.topics.contains(&t.code),
                code: t.code.clone(),
                label: pick(lang, &t.label_zh, &t.label_en),
            })
            .collect(),
        findings: f.findings.clone(),
        max_text: MAX_TEXT,
        needs,
        next_appointment: f.next_appointment.clone(),
        cover_date: on.map(fmt_date).unwrap_or_default(),
        cover,
        visited_on: f.visited_on,
        notice,
        errs,
    };
    render(&view, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    person: Option<String>,
}

/// `GET /work/visit/new?person=`.
pub async fn form(State(st): State<AppState>, me: SignedIn, Query(q): Query<NewQuery>) -> Response {
    if let Err(e) = require(&me, Permission::RecordVisit) {
        return fail(&me, e);
    }
    let person = match path_id(q.person.as_deref().unwrap_or("").trim()) {
        Ok(p) => p.to_string(),
        Err(e) => return fail(&me, e),
    };
    let f = VisitForm {
        client_id: hearth_store::new_id(),
        person: person.clone(),
        visited_on: fmt_date(today()),
        mode: VisitMode::Home.code().to_string(),
        ..VisitForm::default()
    };
    form_page(
        &st,
        &me,
        &person,
        f,
        Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /work/visit/new`: saves (or, with `action=preview`, shows the
/// contacts the typed date and mode would cover without saving).
pub async fn save(
    State(st): State<AppState>,
    me: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = VisitForm::from_pairs(pairs);
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::RecordVisit) {
        return fail(&me, e);
    }
    let person = match path_id(f.person.trim()) {
        Ok(p) => p.to_string(),
        Err(e) => return fail(&me, e),
    };
    if let Err(e) = check(&st, &me, &person).await {
        return fail(&me, e);
    }
    let lang = me.ctx.lang;
    if f.action == "preview" {
        let mut errs = Errors::default();
        if let Err(r) = parse_date(&f.visited_on) {
            errs.add("visited_on", r.message(lang));
        }
        let status = if errs.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return form_page(&st, &me, &person, f, errs, None, status).await;
    }
    let input = f.input();
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let cid = client_id(&f.client_id);
    let now = today();
    let res = blocking(move || {
        let id = match cid {
            Some(c)
                if register::client_id_use(&db, &scope, ClientIdTable::Visit, &c)?
                    != ClientIdUse::Elsewhere =>
            {
                Some(c)
            }
            _ => None,
        };
        fu::record_visit(&db, &scope, id.as_deref(), &input, now)
    })
    .await;
    match res {
        Ok(v) => see_other(&format!("/work?saved={}", v.id)),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &KNOWN, &RENAME);
            form_page(
                &st,
                &me,
                &person,
                f,
                errs,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(WebError::Conflict { .. }) => {
            let notice = Some(tx(lang, "followup.visit.conflict"));
            form_page(
                &st,
                &me,
                &person,
                f,
                Errors::default(),
                notice,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => fail(&me, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_and_indexed_fields() {
        let pairs = vec![
            ("person".to_string(), "p1".to_string()),
            ("topic".to_string(), "policy_law".to_string()),
            ("topic".to_string(), "benefits".to_string()),
            ("need1_category".to_string(), "health".to_string()),
            ("need1_text".to_string(), "想做孕检".to_string()),
            ("need1_window".to_string(), "1".to_string()),
            ("need7_text".to_string(), "ignored".to_string()),
            ("needle".to_string(), "ignored".to_string()),
        ];
        let f = VisitForm::from_pairs(pairs);
        assert_eq!(f.topics, vec!["policy_law", "benefits"]);
        assert_eq!(f.needs[1].category, "health");
        assert!(f.needs[1].for_window);
        assert!(!f.needs[0].for_window);
        let input = f.input();
        assert_eq!(input.needs.len(), NEED_ROWS);
        assert_eq!(input.person_id, "p1");
    }
}
