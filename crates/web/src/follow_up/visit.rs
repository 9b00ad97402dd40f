//! Recording a visit (`/work/visit/new?person=`): date (today by
//! default), mode, the due contacts it covers (a read-only list the store
//! computes for the typed date and mode with core's covering rule;
//! "update" recomputes it without saving), topics, findings, up to three
//! needs and the next appointment. A hidden client id generated with the
//! form makes a retried POST return the first visit instead of a second
//! one. A follow-up worker may open the form only for the women assigned
//! to her (403 otherwise); a woman outside the scope is 404.
//!
//! Each request calls the store once: `visit_form` for the form and the
//! preview, `save_visit` for a save — which checks the scope, the role,
//! the worker and the retry itself and answers the visit (a retry
//! redirects as the first time did) or the refused fields with the form
//! to show them on, so a refusal writes no second view of her.

use super::{category_label, mode_label, modes_label, status_label, window_text};
use crate::AppState;
use crate::i18n::Tr;
use crate::kit::form::{Errors, Opt, client_id, options, path_id};
use crate::kit::page::{OrPage, PageResult, other_lang, render, see_other};
use crate::kit::params::{pick, tx};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Duration;
use hearth_core::Lang;
use hearth_core::dates::{fmt_date, parse_date, today};
use hearth_core::follow_up::{
    ContactStatus, MAX_BACKDATE_DAYS, MAX_TEXT, NeedCategory, NeedInput, VisitInput, VisitMode,
};
use hearth_core::scope::Permission;
use hearth_store::follow_up::{self as fu, CoverState, FormContact, VisitForm, VisitSave};
use serde::Deserialize;

/// Rows of needs the form offers.
const NEED_ROWS: usize = 3;

/// A visit as typed (the form's fields; topics repeat).
#[derive(Debug, Clone, Default)]
pub(crate) struct Typed {
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

impl Typed {
    /// Reads the posted pairs (`topic` may repeat; needs are
    /// `need{i}_category`, `need{i}_text`, `need{i}_window`).
    fn from_pairs(pairs: Vec<(String, String)>) -> Typed {
        let mut f = Typed::default();
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
    errs: Errors,
}

/// A due contact as the "this visit covers" list shows it; the store has
/// said what the visit would do to it.
fn cover_v(lang: Lang, c: &FormContact) -> CoverV {
    let sc = &c.scheduled;
    let reminder = if sc.contact.reminder {
        format!("{} · ", tx(lang, "followup.reminder"))
    } else {
        String::new()
    };
    let (state, note) = match c.state {
        CoverState::Done => ("done", status_label(lang, ContactStatus::Done)),
        CoverState::WrongMode => (
            "no",
            format!(
                "{}{}",
                tx(lang, "followup.visit.needs_mode"),
                modes_label(lang, &c.modes)
            ),
        ),
        CoverState::Covers => ("yes", tx(lang, "followup.visit.will_cover")),
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

/// The page: what the store read for her (`form`) with what was typed.
fn form_page(
    me: &SignedIn,
    form: &VisitForm,
    f: Typed,
    errs: Errors,
    status: StatusCode,
) -> PageResult {
    let lang = me.ctx.lang;
    let now = today();
    let mode = VisitMode::parse(&f.mode).ok();
    let assigned = form.assignment.as_ref().map_or_else(
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
                    .map(|c| (c.code().to_string(), category_label(lang, *c))),
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
        person_id: form.person_id.clone(),
        name: form.name.clone(),
        assigned,
        min_date: fmt_date(now - Duration::days(MAX_BACKDATE_DAYS)),
        today: fmt_date(now),
        modes: VisitMode::ALL
            .iter()
            .map(|m| ModeV {
                code: m.code(),
                label: mode_label(lang, *m),
                checked: mode == Some(*m),
            })
            .collect(),
        topics: form
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
        cover_date: form.on.map(fmt_date).unwrap_or_default(),
        cover: form.contacts.iter().map(|c| cover_v(lang, c)).collect(),
        visited_on: f.visited_on,
        errs,
    };
    Ok(render(&view, status))
}

/// The form of `person` for the typed date and mode, in one store call.
async fn read_form(
    st: &AppState,
    me: &SignedIn,
    person: &str,
    f: &Typed,
) -> Result<VisitForm, crate::kit::page::PageFail> {
    let (pid, now) = (person.to_string(), today());
    let on = parse_date(&f.visited_on).ok();
    let mode = VisitMode::parse(&f.mode).ok();
    me.run(st, move |db, scope| {
        fu::visit_form(db, scope, &pid, on, mode, now)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    person: Option<String>,
}

/// `GET /work/visit/new?person=`.
pub async fn form(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<NewQuery>,
) -> PageResult {
    me.require(Permission::RecordVisit)?;
    let person = path_id(q.person.as_deref().unwrap_or("").trim())
        .page(&me)?
        .to_string();
    let f = Typed {
        client_id: hearth_store::new_id(),
        person: person.clone(),
        visited_on: fmt_date(today()),
        mode: VisitMode::Home.code().to_string(),
        ..Typed::default()
    };
    let form = read_form(&st, &me, &person, &f).await?;
    form_page(&me, &form, f, Errors::default(), StatusCode::OK)
}

/// `POST /work/visit/new`: saves (or, with `action=preview`, shows the
/// contacts the typed date and mode would cover without saving).
pub async fn save(
    State(st): State<AppState>,
    me: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Typed::from_pairs(pairs);
    me.change_allowed(&f.csrf, Permission::RecordVisit)?;
    let person = path_id(f.person.trim()).page(&me)?.to_string();
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
        let form = read_form(&st, &me, &person, &f).await?;
        return form_page(&me, &form, f, errs, status);
    }
    let input = f.input();
    let cid = client_id(&f.client_id);
    let now = today();
    let answer = me
        .run(&st, move |db, scope| {
            fu::save_visit(db, scope, cid.as_deref(), &input, now)
        })
        .await?;
    match answer {
        // A retry answers the first visit: the same redirect as the first time.
        VisitSave::Saved(v, _) => Ok(see_other(&format!("/work?saved={}", v.id))),
        VisitSave::Refused { errors, form } => {
            let errs = Errors::from_fields(&errors, lang, &KNOWN, &RENAME);
            form_page(&me, &form, f, errs, StatusCode::UNPROCESSABLE_ENTITY)
        }
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
        let f = Typed::from_pairs(pairs);
        assert_eq!(f.topics, vec!["policy_law", "benefits"]);
        assert_eq!(f.needs[1].category, "health");
        assert!(f.needs[1].for_window);
        assert!(!f.needs[0].for_window);
        let input = f.input();
        assert_eq!(input.needs.len(), NEED_ROWS);
        assert_eq!(input.person_id, "p1");
    }
}
