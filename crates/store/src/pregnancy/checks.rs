//! Antenatal checks (产前检查) of an open pregnancy, with the gestational
//! week computed from the LMP.

use super::rows::{load_check, load_pregnancy, prior_owner};
use super::types::AntenatalCheck;
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{client, require, stored_date};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::pregnancy::CheckInput;
use hearth_core::scope::{Permission, Scope};

/// Records an antenatal check of an open pregnancy (gestational week
/// computed from the LMP). With a `client_id` already used for this
/// pregnancy it returns the first check and `true` (a retry).
pub fn add_check(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    pregnancy_id: &str,
    input: &CheckInput,
    today: NaiveDate,
) -> Result<(AntenatalCheck, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    db.write(|tx| {
        let prior = match client_id {
            Some(cid) => prior_owner(tx, scope, "antenatal_check", "pregnancy_id", cid)?,
            None => None,
        };
        let p = load_pregnancy(tx, scope, pregnancy_id, today)?;
        if let (Some(cid), Some(owner)) = (client_id, prior) {
            if owner == p.id {
                return Ok((load_check(tx, scope, cid)?, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if p.outcome.is_some() {
            return Err(StoreError::field("pregnancy_id", Reason::BadTransition));
        }
        let lmp = stored_date(&p.lmp)?;
        let v = input.validate(lmp, today).map_err(StoreError::Invalid)?;
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO antenatal_check (id, pregnancy_id, village_code, checked_on, gest_week,
                 place, note, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
            &[
                P::T(&id),
                P::T(&p.id),
                P::T(&p.village_code),
                P::T(&fmt_date(v.checked_on)),
                P::I(v.gest_week),
                P::T(&v.place),
                (&v.note).into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Create,
            "antenatal_check",
            Some(&id),
            Some(&p.id),
        )?;
        Ok((load_check(tx, scope, &id)?, false))
    })
}
