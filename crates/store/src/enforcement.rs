//! The enforcement case register (两非案件): cases of illegal fetal sex
//! identification and sex-selective termination, with the items seized and
//! the penalty. Only administrators and users granted the register may read
//! or write it (the grant is a row in `enforcement_grant`, checked here in
//! the store); every view is audited.

use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::dates::{fmt_date, now_utc, parse_date, today};
use hearth_core::pregnancy::{CaseKind, CaseStatus};
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use hearth_core::{FieldError, Reason};
use serde::Serialize;

/// An item seized in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeizedItem {
    /// What was seized (e.g. B 超机, 药品).
    pub kind: String,
    pub count: i64,
}

/// A case as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: String,
    pub org_code: String,
    pub org_name: String,
    pub kind: CaseKind,
    pub occurred_on: String,
    pub place: String,
    pub description: String,
    pub penalty: Option<String>,
    pub fine_yuan: Option<i64>,
    pub status: CaseStatus,
    pub items: Vec<SeizedItem>,
    pub version: i64,
}

/// A case as typed (create or update). Items are (kind, count) pairs as
/// typed; empty pairs are ignored.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub org_code: String,
    pub kind: String,
    pub occurred_on: String,
    pub place: String,
    pub description: String,
    pub penalty: String,
    pub fine_yuan: String,
    pub status: String,
    pub items: Vec<(String, String)>,
}

/// Longest place text, in characters.
pub const MAX_PLACE: usize = 100;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 1000;
/// Longest penalty text, in characters.
pub const MAX_PENALTY: usize = 200;
/// Largest fine, in yuan.
pub const MAX_FINE_YUAN: i64 = 10_000_000;
/// Longest item kind, in characters.
pub const MAX_ITEM_KIND: usize = 40;
/// Largest count of one seized item.
pub const MAX_ITEM_COUNT: i64 = 100_000;

/// True when the caller may use the register (administrator or granted).
pub fn has_grant(db: &Db, scope: &Scope) -> Result<bool, StoreError> {
    if scope.role == Role::Admin {
        return Ok(true);
    }
    db.read(|tx| granted_in(tx, scope))
}

fn granted_in(tx: &mut Tx<'_>, scope: &Scope) -> Result<bool, StoreError> {
    if scope.role == Role::Admin {
        return Ok(true);
    }
    let Some(user_id) = scope.user_id.as_deref() else {
        return Ok(false);
    };
    Ok(tx
        .query_opt(
            "SELECT 1 FROM enforcement_grant WHERE user_id = $1",
            &[P::T(user_id)],
        )?
        .is_some())
}

/// Refuses a caller without the grant (checked inside the transaction that
/// then reads or writes, so a withdrawn grant takes effect at once).
fn require_grant(tx: &mut Tx<'_>, scope: &Scope) -> Result<(), StoreError> {
    if granted_in(tx, scope)? {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Grants or withdraws a user's access (administrators only); audited.
pub fn set_grant(db: &Db, scope: &Scope, user_id: &str, granted: bool) -> Result<(), StoreError> {
    if !scope.can(Permission::Administer) {
        return Err(StoreError::Forbidden);
    }
    db.write(|tx| {
        if tx
            .query_opt("SELECT 1 FROM app_user WHERE id = $1", &[P::T(user_id)])?
            .is_none()
        {
            return Err(StoreError::NotFound);
        }
        if granted {
            tx.exec(
                "INSERT INTO enforcement_grant (user_id, granted_by, granted_at)
                 VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING",
                &[P::T(user_id), P::T(&scope.username), P::T(&now_utc())],
            )?;
        } else {
            tx.exec(
                "DELETE FROM enforcement_grant WHERE user_id = $1",
                &[P::T(user_id)],
            )?;
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "enforcement_grant",
            Some(user_id),
            Some(if granted { "granted" } else { "withdrawn" }),
        )
    })
}

/// A case as checked, ready to store.
struct ValidCase {
    org_code: String,
    kind: CaseKind,
    occurred_on: NaiveDate,
    place: String,
    description: String,
    penalty: Option<String>,
    fine_yuan: Option<i64>,
    status: CaseStatus,
    items: Vec<SeizedItem>,
}

/// A required text of at most `max` characters, trimmed.
fn text(field: &str, raw: &str, max: usize, errs: &mut Vec<FieldError>) -> String {
    let t = raw.trim();
    if t.is_empty() {
        errs.push(FieldError::new(field, Reason::Required));
    } else if t.chars().count() > max {
        errs.push(FieldError::new(field, Reason::TooLong { max }));
    }
    t.to_string()
}

/// An optional whole number in `min..=max` (empty is `None`).
fn number(field: &str, raw: &str, min: i64, max: i64, errs: &mut Vec<FieldError>) -> Option<i64> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            errs.push(FieldError::new(field, Reason::OutOfRange { min, max }));
            None
        }
        Err(_) => {
            errs.push(FieldError::new(field, Reason::NotANumber));
            None
        }
    }
}

/// Checks every field of a case at once; item fields are named
/// `items[i].kind` / `items[i].count` by their position as typed.
fn validate(input: &CaseInput, today: NaiveDate) -> Result<ValidCase, Vec<FieldError>> {
    let mut errs = Vec::new();
    let org_code = input.org_code.trim().to_string();
    if org_code.is_empty() {
        errs.push(FieldError::new("org_code", Reason::Required));
    }
    let kind = CaseKind::parse(&input.kind)
        .map_err(|r| errs.push(FieldError::new("kind", r)))
        .ok();
    let occurred_on = match parse_date(&input.occurred_on) {
        Ok(d) if d > today => {
            errs.push(FieldError::new("occurred_on", Reason::FutureDate));
            None
        }
        Ok(d) => Some(d),
        Err(r) => {
            errs.push(FieldError::new("occurred_on", r));
            None
        }
    };
    let place = text("place", &input.place, MAX_PLACE, &mut errs);
    let description = text(
        "description",
        &input.description,
        MAX_DESCRIPTION,
        &mut errs,
    );
    let penalty = input.penalty.trim();
    if penalty.chars().count() > MAX_PENALTY {
        errs.push(FieldError::new(
            "penalty",
            Reason::TooLong { max: MAX_PENALTY },
        ));
    }
    let penalty = (!penalty.is_empty()).then(|| penalty.to_string());
    let fine_yuan = number("fine_yuan", &input.fine_yuan, 0, MAX_FINE_YUAN, &mut errs);
    let status = if input.status.trim().is_empty() {
        Some(CaseStatus::Open)
    } else {
        CaseStatus::parse(&input.status)
            .map_err(|r| errs.push(FieldError::new("status", r)))
            .ok()
    };
    let mut items = Vec::new();
    for (i, (kind, count)) in input.items.iter().enumerate() {
        if kind.trim().is_empty() && count.trim().is_empty() {
            continue;
        }
        let kind = text(&format!("items[{i}].kind"), kind, MAX_ITEM_KIND, &mut errs);
        let field = format!("items[{i}].count");
        if count.trim().is_empty() {
            errs.push(FieldError::new(&field, Reason::Required));
        }
        if let Some(count) = number(&field, count, 1, MAX_ITEM_COUNT, &mut errs) {
            items.push(SeizedItem { kind, count });
        }
    }
    match (kind, occurred_on, status) {
        (Some(kind), Some(occurred_on), Some(status)) if errs.is_empty() => Ok(ValidCase {
            org_code,
            kind,
            occurred_on,
            place,
            description,
            penalty,
            fine_yuan,
            status,
            items,
        }),
        _ => Err(errs),
    }
}

/// Refuses an org unit outside the scope, or one that does not exist.
fn check_org(tx: &mut Tx<'_>, scope: &Scope, org_code: &str) -> Result<(), StoreError> {
    if !scope.covers(org_code) {
        return Err(StoreError::field("org_code", Reason::OutOfScope));
    }
    if tx
        .query_opt("SELECT 1 FROM org_unit WHERE code = $1", &[P::T(org_code)])?
        .is_none()
    {
        return Err(StoreError::field("org_code", Reason::UnknownOrg));
    }
    Ok(())
}

const CASE_COLS: &str = "c.id, c.org_code, o.name, c.kind, c.occurred_on, c.place, c.description, \
     c.penalty, c.fine_yuan, c.status, c.version";

fn case_from(r: &Row) -> Result<Case, StoreError> {
    Ok(Case {
        id: r.text(0)?,
        org_code: r.text(1)?,
        org_name: r.text(2)?,
        kind: r.coded(3, CaseKind::parse)?,
        occurred_on: r.text(4)?,
        place: r.text(5)?,
        description: r.text(6)?,
        penalty: r.opt_text(7)?,
        fine_yuan: r.opt_int(8)?,
        status: r.coded(9, CaseStatus::parse)?,
        items: Vec::new(),
        version: r.int(10)?,
    })
}

fn item_from(r: &Row, at: usize) -> Result<SeizedItem, StoreError> {
    Ok(SeizedItem {
        kind: r.text(at)?,
        count: r.int(at + 1)?,
    })
}

/// One case in the scope with its items, or `NotFound`.
fn load_case(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Case, StoreError> {
    let (lo, hi) = scope.code_range();
    let mut case = tx
        .query_opt(
            &format!(
                "SELECT {CASE_COLS} FROM enforcement_case c
                 JOIN org_unit o ON o.code = c.org_code
                 WHERE c.id = $1 AND c.org_code >= $2 AND c.org_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .map(|r| case_from(&r))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    case.items = tx
        .query(
            "SELECT kind, count FROM enforcement_item WHERE case_id = $1 ORDER BY id",
            &[P::T(id)],
        )?
        .iter()
        .map(|r| item_from(r, 0))
        .collect::<Result<_, _>>()?;
    Ok(case)
}

/// Writes a case's items (the case has none at this point). Item ids are
/// UUIDv7, so ordering by id keeps the order typed.
fn insert_items(tx: &mut Tx<'_>, case_id: &str, items: &[SeizedItem]) -> Result<(), StoreError> {
    for it in items {
        tx.exec(
            "INSERT INTO enforcement_item (id, case_id, kind, count) VALUES ($1, $2, $3, $4)",
            &[
                P::T(&new_id()),
                P::T(case_id),
                P::T(&it.kind),
                P::I(it.count),
            ],
        )?;
    }
    Ok(())
}

/// Opens a case; `client_id` makes a retry return the first.
pub fn create_case(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    input: &CaseInput,
) -> Result<Case, StoreError> {
    let valid = validate(input, today());
    db.write(|tx| {
        require_grant(tx, scope)?;
        let v = valid.map_err(StoreError::Invalid)?;
        let id = client_id
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or_else(new_id, str::to_string);
        if let Some(r) = tx.query_opt(
            "SELECT org_code FROM enforcement_case WHERE id = $1",
            &[P::T(&id)],
        )? {
            // A retry of a create that went through: the first case, as
            // long as the caller may see it.
            return if scope.covers(&r.text(0)?) {
                load_case(tx, scope, &id)
            } else {
                Err(StoreError::field("id", Reason::Duplicate))
            };
        }
        check_org(tx, scope, &v.org_code)?;
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO enforcement_case (id, org_code, kind, occurred_on, place, description,
                 penalty, fine_yuan, status, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11)",
            &[
                P::T(&id),
                P::T(&v.org_code),
                P::T(v.kind.code()),
                P::T(&fmt_date(v.occurred_on)),
                P::T(&v.place),
                P::T(&v.description),
                v.penalty.as_deref().into(),
                v.fine_yuan.map_or(P::Null, P::I),
                P::T(v.status.code()),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        insert_items(tx, &id, &v.items)?;
        audit::record(
            tx,
            scope,
            Action::Create,
            "enforcement_case",
            Some(&id),
            None,
        )?;
        load_case(tx, scope, &id)
    })
}

/// Replaces a case's details and items, refusing a stale version.
pub fn update_case(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    input: &CaseInput,
) -> Result<Case, StoreError> {
    let valid = validate(input, today());
    db.write(|tx| {
        require_grant(tx, scope)?;
        let cur = load_case(tx, scope, id)?;
        if cur.version != expected_version {
            return Err(StoreError::Conflict {
                current: cur.version,
            });
        }
        let v = valid.map_err(StoreError::Invalid)?;
        check_org(tx, scope, &v.org_code)?;
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE enforcement_case SET org_code = $1, kind = $2, occurred_on = $3, place = $4,
                 description = $5, penalty = $6, fine_yuan = $7, status = $8,
                 version = version + 1, change_seq = $9, updated_at = $10
             WHERE id = $11 AND version = $12",
            &[
                P::T(&v.org_code),
                P::T(v.kind.code()),
                P::T(&fmt_date(v.occurred_on)),
                P::T(&v.place),
                P::T(&v.description),
                v.penalty.as_deref().into(),
                v.fine_yuan.map_or(P::Null, P::I),
                P::T(v.status.code()),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
            ],
        )?;
        if n == 0 {
            let current = load_case(tx, scope, id)?.version;
            return Err(StoreError::Conflict { current });
        }
        tx.exec(
            "DELETE FROM enforcement_item WHERE case_id = $1",
            &[P::T(id)],
        )?;
        insert_items(tx, id, &v.items)?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "enforcement_case",
            Some(id),
            None,
        )?;
        load_case(tx, scope, id)
    })
}

/// Reads one case; audited.
pub fn get_case(db: &Db, scope: &Scope, id: &str) -> Result<Case, StoreError> {
    db.write(|tx| {
        require_grant(tx, scope)?;
        let case = load_case(tx, scope, id)?;
        audit::record(tx, scope, Action::View, "enforcement_case", Some(id), None)?;
        Ok(case)
    })
}

/// Lists the cases in the scope, newest first; audited as one entry.
pub fn list_cases(db: &Db, scope: &Scope) -> Result<Vec<Case>, StoreError> {
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        require_grant(tx, scope)?;
        let mut cases: Vec<Case> = tx
            .query(
                &format!(
                    "SELECT {CASE_COLS} FROM enforcement_case c
                     JOIN org_unit o ON o.code = c.org_code
                     WHERE c.org_code >= $1 AND c.org_code < $2
                     ORDER BY c.occurred_on DESC, c.created_at DESC, c.id DESC"
                ),
                &[P::T(&lo), P::T(&hi)],
            )?
            .iter()
            .map(case_from)
            .collect::<Result<_, _>>()?;
        let items = tx.query(
            "SELECT i.case_id, i.kind, i.count FROM enforcement_item i
             JOIN enforcement_case c ON c.id = i.case_id
             WHERE c.org_code >= $1 AND c.org_code < $2
             ORDER BY i.case_id, i.id",
            &[P::T(&lo), P::T(&hi)],
        )?;
        let mut by_case: std::collections::HashMap<String, Vec<SeizedItem>> =
            std::collections::HashMap::new();
        for r in &items {
            by_case
                .entry(r.text(0)?)
                .or_default()
                .push(item_from(r, 1)?);
        }
        for c in &mut cases {
            c.items = by_case.remove(&c.id).unwrap_or_default();
        }
        audit::record(
            tx,
            scope,
            Action::View,
            "enforcement_case",
            None,
            Some(&format!("list {}", cases.len())),
        )?;
        Ok(cases)
    })
}
