//! Amendments of a birth (出生信息更正): a birth's sex or date of birth
//! changes only through an audited amendment row with its reason, and the
//! child's person record follows; once verified, only town staff or an
//! administrator may amend.

use super::rows::load_birth;
use super::types::Birth;
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{conflict_or_missing, require, stale, stored_date};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::dates::{fmt_date, now_utc, parse_date};
use hearth_core::person::Sex;
use hearth_core::pregnancy::Verification;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use hearth_core::{FieldError, Reason};

/// "Not before the day after the LMP", as the core rules word it.
fn after_lmp() -> Reason {
    Reason::NotBefore {
        zh: "末次月经日期之后",
        en: "day after the last menstrual period",
    }
}

/// Corrects a birth's `sex` or `born_on` as an audited amendment with a
/// reason (the child's person record follows).
#[allow(clippy::too_many_arguments)]
pub fn amend_birth(
    db: &Db,
    scope: &Scope,
    birth_id: &str,
    expected_version: i64,
    field: &str,
    new_value: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<Birth, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let field = field.trim();
    if field != "sex" && field != "born_on" {
        return Err(StoreError::field(
            "field",
            Reason::UnknownValue {
                allowed: "sex/born_on",
            },
        ));
    }
    let reason = reason.trim();
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let b = load_birth(tx, scope, birth_id)?;
        stale(b.version, expected_version)?;
        if b.verification == Verification::Verified
            && !matches!(scope.role, Role::TownStaff | Role::Admin)
        {
            return Err(StoreError::Forbidden);
        }
        let mut errors = Vec::new();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", Reason::Required));
        } else if reason.chars().count() > 200 {
            errors.push(FieldError::new("reason", Reason::TooLong { max: 200 }));
        }
        // The old and new values as stored: the sex as its GB code ("1"
        // male, "2" female), the date as YYYY-MM-DD.
        let (old, new) = if field == "sex" {
            let new = Sex::parse(new_value)
                .map_err(|r| errors.push(FieldError::new("new_value", r)))
                .ok()
                .map(|s| s.code().to_string());
            (b.sex.code().to_string(), new)
        } else {
            let lmp = tx
                .query_one(
                    "SELECT lmp FROM pregnancy WHERE id = $1",
                    &[P::T(&b.pregnancy_id)],
                )?
                .text(0)?;
            let lmp = stored_date(&lmp)?;
            let new = match parse_date(new_value) {
                Ok(d) if d > today => {
                    errors.push(FieldError::new("new_value", Reason::FutureDate));
                    None
                }
                Ok(d) if d <= lmp => {
                    errors.push(FieldError::new("new_value", after_lmp()));
                    None
                }
                Ok(d) => Some(fmt_date(d)),
                Err(r) => {
                    errors.push(FieldError::new("new_value", r));
                    None
                }
            };
            (b.born_on.clone(), new)
        };
        if new.as_deref() == Some(old.as_str()) {
            errors.push(FieldError::new("new_value", Reason::Duplicate));
        }
        let new = match new {
            Some(n) if errors.is_empty() => n,
            _ => return Err(StoreError::Invalid(errors)),
        };
        let now = now_utc();
        let seq = tx.next_seq()?;
        tx.exec(
            "INSERT INTO birth_amendment (id, birth_id, field, old_value, new_value, reason,
                 by_user, by_name, at, change_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                P::T(&new_id()),
                P::T(birth_id),
                P::T(field),
                P::T(&old),
                P::T(&new),
                P::T(reason),
                scope.user_id.as_deref().into(),
                P::T(&scope.username),
                P::T(&now),
                P::I(seq),
            ],
        )?;
        // The column names come from the two accepted fields, never input.
        let (birth_col, person_col, value) = if field == "sex" {
            let code: i64 = if new == "1" { 1 } else { 2 };
            ("sex", "sex", P::I(code))
        } else {
            ("born_on", "birth_date", P::T(&new))
        };
        let seq = tx.next_seq()?;
        let n = tx.exec(
            &format!(
                "UPDATE birth SET {birth_col} = $1, version = version + 1, change_seq = $2,
                     updated_at = $3
                 WHERE id = $4 AND version = $5 AND village_code >= $6 AND village_code < $7"
            ),
            &[
                value,
                P::I(seq),
                P::T(&now),
                P::T(birth_id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "birth", birth_id, scope));
        }
        let seq = tx.next_seq()?;
        tx.exec(
            &format!(
                "UPDATE person SET {person_col} = $1, version = version + 1, change_seq = $2,
                     updated_at = $3
                 WHERE id = $4"
            ),
            &[value, P::I(seq), P::T(&now), P::T(&b.child_id)],
        )?;
        let detail = format!("amend {field}: {old}→{new}");
        audit::record(
            tx,
            scope,
            Action::Update,
            "birth",
            Some(birth_id),
            Some(&detail),
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "person",
            Some(&b.child_id),
            Some(&detail),
        )?;
        load_birth(tx, scope, birth_id)
    })
}
