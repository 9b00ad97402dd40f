//! Infant deaths (婴儿死亡): the report of a death before the first
//! birthday (one per child, linked to the child's birth when there is one)
//! and reading one report. Their verification is in
//! [`super::verify_infant_death`].

use super::rows::{load_death, load_person, prior_owner};
use super::types::InfantDeath;
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{client, require, stored_date, unique_violation};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::pregnancy::DeathInput;
use hearth_core::scope::{Permission, Scope};

/// Reports the death of a child under one year old. With a `client_id`
/// already used for this child it returns the first report and `true` (a
/// retry).
pub fn report_infant_death(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    child_id: &str,
    input: &DeathInput,
    today: NaiveDate,
) -> Result<(InfantDeath, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    db.write(|tx| {
        let prior = match client_id {
            Some(cid) => prior_owner(tx, scope, "infant_death", "child_id", cid)?,
            None => None,
        };
        let child = load_person(tx, scope, child_id)?;
        if let (Some(cid), Some(owner)) = (client_id, prior) {
            if owner == child.id {
                let d = load_death(tx, scope, cid, false)?.ok_or(StoreError::NotFound)?;
                return Ok((d, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM infant_death WHERE child_id = $1",
                &[P::T(&child.id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("child_id", Reason::Duplicate));
        }
        let born_on = stored_date(&child.birth_date)?;
        let v = input
            .validate(born_on, today)
            .map_err(StoreError::Invalid)?;
        let birth_id = tx
            .query_opt(
                "SELECT id FROM birth WHERE child_id = $1",
                &[P::T(&child.id)],
            )?
            .map(|r| r.text(0))
            .transpose()?;
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO infant_death (id, child_id, birth_id, village_code, died_on, age_days,
                 cause, note, reported_by, reported_by_name, verified, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 1, $11, $12, $12)",
            &[
                P::T(&id),
                P::T(&child.id),
                (&birth_id).into(),
                P::T(&child.village_code),
                P::T(&fmt_date(v.died_on)),
                P::I(v.age_days),
                P::T(v.cause.code()),
                (&v.note).into(),
                scope.user_id.as_deref().into(),
                P::T(&scope.username),
                P::I(seq),
                P::T(&now),
            ],
        )
        .map_err(|e| {
            if unique_violation(&e, "infant_death_child", "infant_death.child_id") {
                StoreError::field("child_id", Reason::Duplicate)
            } else {
                e
            }
        })?;
        audit::record(tx, scope, Action::Create, "infant_death", Some(&id), None)?;
        let d = load_death(tx, scope, &id, false)?.ok_or(StoreError::NotFound)?;
        Ok((d, false))
    })
}

/// Reads one infant death; audited.
pub fn get_infant_death(db: &Db, scope: &Scope, id: &str) -> Result<InfantDeath, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let d = load_death(tx, scope, id, false)?.ok_or(StoreError::NotFound)?;
        audit::record(tx, scope, Action::View, "infant_death", Some(id), None)?;
        Ok(d)
    })
}
