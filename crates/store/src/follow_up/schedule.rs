//! The schedule rules and visit topics (data, not code), and one woman's
//! schedule: her due contacts in a period with their status on a day.

use super::shared::{Woman, facts_of, load_woman, require_any};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::require;
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::now_utc;
use hearth_core::follow_up::{
    ContactStatus, DueContact, RuleInput, RuleKind, ScheduleRule, due_contacts, modes_text,
    parse_modes, status_on,
};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// A visit topic (宣传服务内容).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub active: bool,
    pub sort: i64,
}

/// A due contact of one woman with its status (her schedule).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledContact {
    pub contact: DueContact,
    pub rule_label_zh: String,
    pub rule_label_en: String,
    pub status: ContactStatus,
}

// ---- rules and topics ------------------------------------------------------

fn rule_from(r: &Row) -> Result<ScheduleRule, StoreError> {
    Ok(ScheduleRule {
        code: r.text(0)?,
        kind: r.coded(1, RuleKind::parse)?,
        label_zh: r.text(2)?,
        label_en: r.text(3)?,
        from_day: r.opt_int(4)?,
        to_day: r.opt_int(5)?,
        modes: r.coded(6, parse_modes)?,
        reminder: r.flag(7)?,
        active: r.flag(8)?,
        sort: r.int(9)?,
        version: r.int(10)?,
    })
}

const RULE_COLS: &str =
    "code, kind, label_zh, label_en, from_day, to_day, modes, reminder, active, sort, version";

pub(super) fn load_rules(tx: &mut Tx<'_>) -> Result<Vec<ScheduleRule>, StoreError> {
    tx.query(
        &format!("SELECT {RULE_COLS} FROM schedule_rule ORDER BY sort, code"),
        &[],
    )?
    .iter()
    .map(rule_from)
    .collect::<Result<_, _>>()
}

/// The longest reach, in days after its start, of the active rules of a
/// kind (how far back a birth or procedure can still have a contact).
pub(super) fn max_to_day(rules: &[ScheduleRule], kind: RuleKind) -> i64 {
    rules
        .iter()
        .filter(|r| r.kind == kind && r.active)
        .filter_map(|r| r.to_day)
        .max()
        .unwrap_or(0)
}

/// A rule's labels (zh, en), or its code twice when it is gone.
pub(super) fn label_of(rules: &[ScheduleRule], code: &str) -> (String, String) {
    rules.iter().find(|r| r.code == code).map_or_else(
        || (code.to_string(), code.to_string()),
        |r| (r.label_zh.clone(), r.label_en.clone()),
    )
}

/// The schedule rules, in display order (any signed-in role).
pub fn list_rules(db: &Db, scope: &Scope) -> Result<Vec<ScheduleRule>, StoreError> {
    require_any(scope)?;
    db.read(load_rules)
}

/// Changes a rule's window, modes or active flag (Administer only).
pub fn update_rule(
    db: &Db,
    scope: &Scope,
    code: &str,
    version: i64,
    input: &RuleInput,
) -> Result<ScheduleRule, StoreError> {
    require(scope, Permission::Administer)?;
    db.write(|tx| {
        let rule = load_rules(tx)?
            .into_iter()
            .find(|r| r.code == code.trim())
            .ok_or(StoreError::NotFound)?;
        if rule.version != version {
            return Err(StoreError::Conflict {
                current: rule.version,
            });
        }
        let v = input.validate(rule.kind).map_err(StoreError::Invalid)?;
        let seq = tx.next_seq()?;
        let from = v.from_day.map_or(P::Null, P::I);
        let to = v.to_day.map_or(P::Null, P::I);
        let modes = modes_text(&v.modes);
        let n = tx.exec(
            "UPDATE schedule_rule SET from_day = $1, to_day = $2, modes = $3, active = $4,
                 version = version + 1, change_seq = $5, updated_at = $6
             WHERE code = $7 AND version = $8",
            &[
                from,
                to,
                P::T(&modes),
                v.active.into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(&rule.code),
                P::I(version),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: rule.version + 1,
            });
        }
        let detail = format!(
            "from={:?} to={:?} modes={modes} active={}",
            v.from_day, v.to_day, v.active
        );
        audit::record(
            tx,
            scope,
            Action::Update,
            "schedule_rule",
            Some(&rule.code),
            Some(&detail),
        )?;
        load_rules(tx)?
            .into_iter()
            .find(|r| r.code == rule.code)
            .ok_or(StoreError::NotFound)
    })
}

pub(super) fn load_topics(tx: &mut Tx<'_>) -> Result<Vec<Topic>, StoreError> {
    tx.query(
        "SELECT code, label_zh, label_en, active, sort FROM visit_topic ORDER BY sort, code",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(Topic {
            code: r.text(0)?,
            label_zh: r.text(1)?,
            label_en: r.text(2)?,
            active: r.flag(3)?,
            sort: r.int(4)?,
        })
    })
    .collect::<Result<_, StoreError>>()
}

/// The visit topics, in display order (active and inactive).
pub fn list_topics(db: &Db, scope: &Scope) -> Result<Vec<Topic>, StoreError> {
    require_any(scope)?;
    db.read(load_topics)
}

// ---- schedule of one woman -------------------------------------------------

/// A woman's due contacts whose window meets `[from, to]`, with their
/// status on `today` (audited as a view of her schedule).
pub fn schedule(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ScheduledContact>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    if to < from {
        return Err(StoreError::field(
            "to",
            Reason::NotBefore {
                zh: "开始日期",
                en: "start date",
            },
        ));
    }
    if (to - from).num_days() > 5 * 366 {
        return Err(StoreError::field(
            "to",
            Reason::NotAfter {
                zh: "开始日期五年后",
                en: "date five years after the start",
            },
        ));
    }
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let rules = load_rules(tx)?;
        let out = scheduled(tx, &w, &rules, from, to, today)?;
        audit::record(tx, scope, Action::View, "schedule", Some(&w.id), None)?;
        Ok(out)
    })
}

/// A woman's due contacts whose window meets `[from, to]`, with their
/// status on `today` and their rules' labels (not audited: the caller
/// audits the view).
pub(super) fn scheduled(
    tx: &mut Tx<'_>,
    w: &Woman,
    rules: &[ScheduleRule],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ScheduledContact>, StoreError> {
    let facts = facts_of(tx, w)?;
    Ok(due_contacts(rules, &facts, from, to)
        .into_iter()
        .map(|c| {
            let status = status_on(&c, &facts.visits, rules, today);
            let (zh, en) = label_of(rules, &c.rule_code);
            ScheduledContact {
                contact: c,
                rule_label_zh: zh,
                rule_label_en: en,
                status,
            }
        })
        .collect())
}
