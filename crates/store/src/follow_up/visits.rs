//! Visits (随访记录): recording one — in the same transaction the due
//! contacts it covers are computed by `core::follow_up` and stored in
//! `visit_contact` (at most once per contact), and the needs raised are
//! stored —, reading one and listing them.

use super::assignment::load_assignment;
use super::needs::{NEED_SQL, Need, need_from};
use super::schedule::{load_rules, load_topics};
use super::shared::{Woman, actor_name, check_own_woman, facts_of, load_woman, topics_of};
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{claim_id, describe, page_of, range_of, require};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::follow_up::{NeedStatus, VisitInput, VisitMode, covered_by, due_contacts};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// A due contact a visit covered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoveredContact {
    pub key: String,
    pub rule_code: String,
    pub window_from: String,
    pub window_to: String,
}

/// A visit (随访记录) with what it covered and the needs raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    pub zone_id: Option<String>,
    pub worker_id: Option<String>,
    pub worker_name: String,
    pub visited_on: String,
    pub mode: VisitMode,
    /// Topic codes.
    pub topics: Vec<String>,
    pub findings: Option<String>,
    pub next_appointment: Option<String>,
    pub covered: Vec<CoveredContact>,
    pub needs: Vec<Need>,
    pub version: i64,
    pub created_at: String,
}

/// A visit in a list (without findings and needs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub village_code: String,
    pub worker_id: Option<String>,
    pub worker_name: String,
    pub visited_on: String,
    pub mode: VisitMode,
    pub topics: Vec<String>,
    /// How many due contacts it covered.
    pub covered: i64,
}

/// Which visits a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub person_id: Option<String>,
    pub worker_id: Option<String>,
    /// A village (or any org code: its subtree) inside the scope.
    pub org_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Default 100, at most 500.
    pub limit: i64,
    pub offset: i64,
}

const VISIT_COLS: &str = "v.id, v.person_id, p.name, v.village_code, v.zone_id, v.worker_id,
     v.worker_name, v.visited_on, v.mode, v.topics, v.findings, v.next_appointment, v.version,
     v.created_at";

fn load_visit(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Visit, StoreError> {
    let (lo, hi) = scope.code_range();
    let r = tx
        .query_opt(
            &format!(
                "SELECT {VISIT_COLS} FROM visit v JOIN person p ON p.id = v.person_id
                 WHERE v.id = $1 AND v.village_code >= $2 AND v.village_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)?;
    let covered = tx
        .query(
            "SELECT contact_key, rule_code, window_from, window_to FROM visit_contact
             WHERE visit_id = $1 ORDER BY window_from, contact_key",
            &[P::T(id)],
        )?
        .iter()
        .map(|c| {
            Ok(CoveredContact {
                key: c.text(0)?,
                rule_code: c.text(1)?,
                window_from: c.text(2)?,
                window_to: c.text(3)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let needs = tx
        .query(
            &format!("{NEED_SQL} WHERE n.visit_id = $1 ORDER BY n.id"),
            &[P::T(id)],
        )?
        .iter()
        .map(need_from)
        .collect::<Result<_, _>>()?;
    Ok(Visit {
        id: r.text(0)?,
        person_id: r.text(1)?,
        person_name: r.text(2)?,
        village_code: r.text(3)?,
        zone_id: r.opt_text(4)?,
        worker_id: r.opt_text(5)?,
        worker_name: r.text(6)?,
        visited_on: r.text(7)?,
        mode: r.coded(8, VisitMode::parse)?,
        topics: topics_of(&r.text(9)?),
        findings: r.opt_text(10)?,
        next_appointment: r.opt_text(11)?,
        covered,
        needs,
        version: r.int(12)?,
        created_at: r.text(13)?,
    })
}

/// Records a visit (RecordVisit; a follow-up worker only for the women
/// assigned to her, else `Forbidden`). In the same transaction: the due
/// contacts whose window holds the visit date and whose rule allows the
/// mode are marked covered (each once), the needs are stored, the visit is
/// audited. A retry with the same `client_id` returns the first visit with
/// `retried` set; an id already used otherwise is a field error `id`. The
/// one check of the request: the caller need not ask anything first.
pub fn record_visit(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    input: &VisitInput,
    today: NaiveDate,
) -> Result<(Visit, bool), StoreError> {
    require(scope, Permission::RecordVisit)?;
    db.write(|tx| {
        let w = visited_woman(tx, scope, input)?;
        record_in(tx, scope, &w, client_id, input, today)
    })
}

/// The woman a visit is about: named, and inside the scope.
pub(super) fn visited_woman(
    tx: &mut Tx<'_>,
    scope: &Scope,
    input: &VisitInput,
) -> Result<Woman, StoreError> {
    if input.person_id.trim().is_empty() {
        return Err(StoreError::field("person_id", Reason::Required));
    }
    load_woman(tx, scope, &input.person_id)
}

/// [`record_visit`] inside a transaction, for a woman already read in the
/// scope: the retry, the worker and the input checked, then the writes.
/// Everything it refuses is refused before it writes anything.
pub(super) fn record_in(
    tx: &mut Tx<'_>,
    scope: &Scope,
    w: &Woman,
    client_id: Option<&str>,
    input: &VisitInput,
    today: NaiveDate,
) -> Result<(Visit, bool), StoreError> {
    let (id, taken) = claim_id(tx, scope, "visit", client_id)?;
    if taken {
        // A retry only when it is a visit of her again.
        let v = load_visit(tx, scope, &id)?;
        if v.person_id == w.id {
            return Ok((v, true));
        }
        return Err(StoreError::field("id", Reason::Duplicate));
    }
    check_own_woman(tx, scope, &w.id)?;
    let topics: Vec<String> = load_topics(tx)?
        .into_iter()
        .filter(|t| t.active)
        .map(|t| t.code)
        .collect();
    let allowed: Vec<&str> = topics.iter().map(String::as_str).collect();
    let v = input
        .validate(today, &allowed)
        .map_err(StoreError::Invalid)?;
    let zone_id = load_assignment(tx, &w.id)?
        .filter(|a| a.village_code == w.village_code)
        .map(|a| a.zone_id);
    let worker_name = actor_name(tx, scope)?;
    let seq = tx.next_seq()?;
    let now = now_utc();
    let visited_on = fmt_date(v.visited_on);
    let next = v.next_appointment.map(fmt_date);
    tx.exec(
        "INSERT INTO visit (id, person_id, village_code, zone_id, worker_id, worker_name,
             visited_on, mode, topics, findings, next_appointment, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $13)",
        &[
            P::T(&id),
            P::T(&w.id),
            P::T(&w.village_code),
            (&zone_id).into(),
            scope.user_id.as_deref().into(),
            P::T(&worker_name),
            P::T(&visited_on),
            P::T(v.mode.code()),
            P::T(&v.topics.join(",")),
            (&v.findings).into(),
            (&next).into(),
            P::I(seq),
            P::T(&now),
        ],
    )?;
    let rules = load_rules(tx)?;
    let facts = facts_of(tx, w)?;
    let contacts = due_contacts(&rules, &facts, v.visited_on, v.visited_on);
    let keys = covered_by(&rules, &contacts, v.visited_on, v.mode);
    for c in contacts.iter().filter(|c| keys.contains(&c.key)) {
        tx.exec(
            "INSERT INTO visit_contact (visit_id, person_id, contact_key, rule_code,
                 window_from, window_to)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING",
            &[
                P::T(&id),
                P::T(&w.id),
                P::T(&c.key),
                P::T(&c.rule_code),
                P::T(&fmt_date(c.window_from)),
                P::T(&fmt_date(c.window_to)),
            ],
        )?;
    }
    for n in &v.needs {
        let status = if n.for_window {
            NeedStatus::ForWindow
        } else {
            NeedStatus::Open
        };
        tx.exec(
            "INSERT INTO visit_need (id, visit_id, person_id, village_code, category, text,
                 status, for_window, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10)",
            &[
                P::T(&new_id()),
                P::T(&id),
                P::T(&w.id),
                P::T(&w.village_code),
                P::T(n.category.code()),
                P::T(&n.text),
                P::T(status.code()),
                n.for_window.into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
    }
    audit::record(tx, scope, Action::Create, "visit", Some(&id), None)?;
    Ok((load_visit(tx, scope, &id)?, false))
}

/// One visit with what it covered and its needs; the view is audited.
pub fn get_visit(db: &Db, scope: &Scope, id: &str) -> Result<Visit, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let v = load_visit(tx, scope, id.trim())?;
        audit::record(tx, scope, Action::View, "visit", Some(&v.id), None)?;
        Ok(v)
    })
}

/// Visits in the scope, newest first; the list is audited as one entry.
pub fn list_visits(db: &Db, scope: &Scope, f: &VisitFilter) -> Result<Vec<VisitRow>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = range_of(scope, f.org_code.as_deref())?;
    let (limit, offset) = page_of(f.limit, f.offset);
    let from = f.from.map(fmt_date);
    let to = f.to.map(fmt_date);
    let person = f
        .person_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let worker = f
        .worker_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    db.write(|tx| {
        let mut sql = format!(
            "SELECT v.id, v.person_id, p.name, v.village_code, v.worker_id, v.worker_name,
                    v.visited_on, v.mode, v.topics,
                    (SELECT COUNT(*) FROM visit_contact c WHERE c.visit_id = v.id)
             FROM visit v{} JOIN person p ON p.id = v.person_id
             WHERE v.village_code >= $1 AND v.village_code < $2",
            if person.is_some() {
                tx.backend().index_hint("visit_person")
            } else if worker.is_some() {
                tx.backend().index_hint("visit_worker")
            } else {
                String::new()
            }
        );
        let mut params: Vec<P<'_>> = vec![P::T(&lo), P::T(&hi)];
        if let Some(x) = person {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.person_id = ${}", params.len()));
        }
        if let Some(x) = worker {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.worker_id = ${}", params.len()));
        }
        if let Some(x) = &from {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.visited_on >= ${}", params.len()));
        }
        if let Some(x) = &to {
            params.push(P::T(x));
            sql.push_str(&format!(" AND v.visited_on <= ${}", params.len()));
        }
        params.push(P::I(limit));
        params.push(P::I(offset));
        sql.push_str(&format!(
            " ORDER BY v.visited_on DESC, v.id DESC LIMIT ${} OFFSET ${}",
            params.len() - 1,
            params.len()
        ));
        let out = tx
            .query(&sql, &params)?
            .iter()
            .map(|r| {
                Ok(VisitRow {
                    id: r.text(0)?,
                    person_id: r.text(1)?,
                    person_name: r.text(2)?,
                    village_code: r.text(3)?,
                    worker_id: r.opt_text(4)?,
                    worker_name: r.text(5)?,
                    visited_on: r.text(6)?,
                    mode: r.coded(7, VisitMode::parse)?,
                    topics: topics_of(&r.text(8)?),
                    covered: r.int(9)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let detail = describe(&[
            ("org", f.org_code.clone()),
            ("person", person.map(str::to_string)),
            ("worker", worker.map(str::to_string)),
            ("from", from.clone()),
            ("to", to.clone()),
        ]);
        audit::record(tx, scope, Action::View, "visit", None, Some(&detail))?;
        Ok(out)
    })
}
