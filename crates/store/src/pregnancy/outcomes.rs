//! The outcome (妊娠结局) that closes an open pregnancy other than by a live
//! birth: stillbirth, miscarriage, induced termination (with its record and
//! reason), moved out or lost. A live birth closes it through
//! [`super::report_births`].

use super::rows::load_pregnancy;
use super::types::Pregnancy;
use crate::Db;
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{conflict_or_missing, require, stale, stored_date};
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::pregnancy::OutcomeInput;
use hearth_core::scope::{Permission, Scope};

/// Closes an open pregnancy with an outcome other than a live birth.
pub fn record_outcome(
    db: &Db,
    scope: &Scope,
    pregnancy_id: &str,
    expected_version: i64,
    input: &OutcomeInput,
    today: NaiveDate,
) -> Result<Pregnancy, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let p = load_pregnancy(tx, scope, pregnancy_id, today)?;
        stale(p.version, expected_version)?;
        if p.outcome.is_some() {
            return Err(StoreError::field("outcome", Reason::BadTransition));
        }
        let lmp = stored_date(&p.lmp)?;
        let v = input.validate(lmp, today).map_err(StoreError::Invalid)?;
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE pregnancy SET outcome = $1, outcome_on = $2, termination_record = $3,
                 termination_reason = $4, outcome_note = $5, version = version + 1,
                 change_seq = $6, updated_at = $7
             WHERE id = $8 AND version = $9 AND outcome IS NULL
               AND village_code >= $10 AND village_code < $11",
            &[
                P::T(v.outcome.code()),
                P::T(&fmt_date(v.outcome_on)),
                (&v.termination_record).into(),
                v.termination_reason.map(|r| r.code()).into(),
                (&v.note).into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(pregnancy_id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "pregnancy", pregnancy_id, scope));
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "pregnancy",
            Some(pregnancy_id),
            Some(v.outcome.code()),
        )?;
        load_pregnancy(tx, scope, pregnancy_id, today)
    })
}
