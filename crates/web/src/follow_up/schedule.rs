//! The schedule rules (rules are data) for administrators:
//! `GET /admin/schedule` lists every rule with its window (days after the
//! birth or the procedure; monthly rules have none), the visit modes that
//! satisfy it and whether it is active; `POST /admin/schedule/{code}`
//! changes one, version-checked (a stale form shows the rule as it is now).

use super::{MODES, mode_label, pick, require};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::kit::page::{other_lang, render};
use crate::register::{Errors, blocking, fail, path_id, see_other, tx, version_of};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::follow_up::{RuleInput, RuleKind, ScheduleRule};
use hearth_core::scope::Permission;
use hearth_store::follow_up as fu;
use serde::Deserialize;

pub(crate) struct ModeBox {
    code: &'static str,
    label: String,
    checked: bool,
}

pub(crate) struct RuleV {
    code: String,
    label: String,
    kind: String,
    monthly: bool,
    reminder: bool,
    window: String,
    modes_text: String,
    active: bool,
    version: i64,
    from_day: String,
    to_day: String,
    modes: Vec<ModeBox>,
    active_box: bool,
    errs: Errors,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "follow_up/schedule.html")]
struct SchedulePage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    notice: Option<String>,
    rules: Vec<RuleV>,
}

/// A rule form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    from_day: String,
    #[serde(default)]
    to_day: String,
    mode_home: Option<String>,
    mode_phone: Option<String>,
    mode_clinic: Option<String>,
    active: Option<String>,
}

impl RuleForm {
    fn mode_codes(&self) -> Vec<&'static str> {
        MODES
            .iter()
            .zip([&self.mode_home, &self.mode_phone, &self.mode_clinic])
            .filter(|(_, v)| v.is_some())
            .map(|(m, _)| m.code())
            .collect()
    }

    fn input(&self) -> RuleInput {
        RuleInput {
            from_day: self.from_day.clone(),
            to_day: self.to_day.clone(),
            modes: self.mode_codes().join(","),
            active: self.active.is_some(),
        }
    }
}

fn kind_label(tr: Tr, k: RuleKind) -> String {
    tr.t(&format!("followup.kind.{}", k.code())).to_string()
}

/// A rule's form came back: its code, what was typed (none: show the
/// rule as it is now), the messages and a notice beside it.
struct Typed {
    code: String,
    form: Option<RuleForm>,
    errs: Errors,
    notice: Option<String>,
}

async fn schedule_page(
    st: &AppState,
    me: &SignedIn,
    notice: Option<String>,
    typed: Option<Typed>,
    status: StatusCode,
) -> Response {
    let tr = me.ctx.tr();
    let lang = me.ctx.lang;
    let (db, scope) = (st.db.clone(), me.scope.clone());
    let rules = match blocking(move || fu::list_rules(&db, &scope)).await {
        Ok(r) => r,
        Err(e) => return fail(me, e),
    };
    let rules = rules
        .into_iter()
        .map(|r: ScheduleRule| {
            let back = typed.as_ref().filter(|t| t.code == r.code);
            let t = back.and_then(|t| t.form.as_ref());
            let day = |d: Option<i64>| d.map(|d| d.to_string()).unwrap_or_default();
            let typed_modes = t.map(RuleForm::mode_codes);
            let monthly = matches!(r.kind, RuleKind::Routine | RuleKind::Pregnant);
            RuleV {
                label: pick(lang, &r.label_zh, &r.label_en),
                kind: kind_label(tr, r.kind),
                monthly,
                reminder: r.reminder,
                window: match (r.from_day, r.to_day) {
                    (Some(f), Some(to)) => format!("{f}–{to}"),
                    _ => tx(lang, "followup.schedule.calendar_month"),
                },
                modes_text: r
                    .modes
                    .iter()
                    .map(|m| mode_label(lang, m.code()))
                    .collect::<Vec<_>>()
                    .join("、"),
                active: r.active,
                version: t.map_or(r.version, |f| version_of(&f.version)),
                from_day: t.map_or_else(|| day(r.from_day), |f| f.from_day.clone()),
                to_day: t.map_or_else(|| day(r.to_day), |f| f.to_day.clone()),
                modes: MODES
                    .iter()
                    .map(|m| ModeBox {
                        code: m.code(),
                        label: mode_label(lang, m.code()),
                        checked: match &typed_modes {
                            Some(codes) => codes.contains(&m.code()),
                            None => r.allows(*m),
                        },
                    })
                    .collect(),
                active_box: t.map_or(r.active, |f| f.active.is_some()),
                errs: back.map(|b| b.errs.clone()).unwrap_or_default(),
                notice: back.and_then(|b| b.notice.clone()),
                code: r.code,
            }
        })
        .collect();
    let view = SchedulePage {
        tr,
        me: Some(me.me()),
        other_lang: other_lang(lang),
        csrf: me.csrf.clone(),
        notice,
        rules,
    };
    render(&view, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct ScheduleQuery {
    saved: Option<String>,
}

/// `GET /admin/schedule` (administrators).
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    Query(q): Query<ScheduleQuery>,
) -> Response {
    if let Err(e) = require(&me, Permission::Administer) {
        return fail(&me, e);
    }
    let notice = q
        .saved
        .filter(|s| !s.trim().is_empty())
        .map(|_| tx(me.ctx.lang, "followup.schedule.saved"));
    schedule_page(&st, &me, notice, None, StatusCode::OK).await
}

/// `GET /admin/schedule/{code}`: back to the list.
pub async fn back() -> Response {
    see_other("/admin/schedule")
}

/// `POST /admin/schedule/{code}`: one rule's window, modes and active flag.
pub async fn save(
    State(st): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
    Form(f): Form<RuleForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return fail(&me, e);
    }
    if let Err(e) = require(&me, Permission::Administer) {
        return fail(&me, e);
    }
    let code = match path_id(&code) {
        Ok(c) => c.to_string(),
        Err(e) => return fail(&me, e),
    };
    let lang = me.ctx.lang;
    let (db, scope, c) = (st.db.clone(), me.scope.clone(), code.clone());
    let input = f.input();
    let version = version_of(&f.version);
    match blocking(move || fu::update_rule(&db, &scope, &c, version, &input)).await {
        Ok(r) => see_other(&format!("/admin/schedule?saved={}#rule-{}", r.code, r.code)),
        Err(WebError::Invalid(fields)) => {
            let errs = Errors::from_fields(&fields, lang, &["from_day", "to_day", "modes"], &[]);
            schedule_page(
                &st,
                &me,
                None,
                Some(Typed {
                    code,
                    form: Some(f),
                    errs,
                    notice: None,
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(WebError::Conflict { .. }) => {
            // The rule as it is now (with its new version); what was typed
            // is named in the notice so it can be entered again.
            let typed = format!(
                "{}{} {}–{} · {}",
                tx(lang, "followup.schedule.conflict"),
                tx(lang, "followup.schedule.you_typed"),
                f.from_day.trim(),
                f.to_day.trim(),
                f.mode_codes()
                    .iter()
                    .map(|c| mode_label(lang, c))
                    .collect::<Vec<_>>()
                    .join("、")
            );
            schedule_page(
                &st,
                &me,
                None,
                Some(Typed {
                    code,
                    form: None,
                    errs: Errors::default(),
                    notice: Some(typed),
                }),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => fail(&me, e),
    }
}
