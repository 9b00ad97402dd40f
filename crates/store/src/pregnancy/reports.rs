//! Pregnancy reports (孕情报告): reporting a woman's pregnancy (refusing a
//! man, a second open pregnancy and impossible LMPs) and reading one
//! pregnancy with its antenatal checks and births.

use super::rows::{CHECK_COLS, births_of, check_from, load_person, load_pregnancy, prior_owner};
use super::types::{Pregnancy, PregnancyView};
use crate::audit::{self, Action};
use crate::db::P;
use crate::error::StoreError;
use crate::scoped::{client, require, unique_violation};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::pregnancy::PregnancyInput;
use hearth_core::scope::{Permission, Scope};

/// Reports a pregnancy of a woman in the caller's area. Refuses a man, a
/// second open pregnancy, an LMP in the future or more than 45 weeks before
/// the report. With a `client_id` already used for this woman it returns the
/// first report and `true` (a retry); an id used otherwise is refused.
pub fn report_pregnancy(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    woman_id: &str,
    input: &PregnancyInput,
    today: NaiveDate,
) -> Result<(Pregnancy, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    let client_id = client(client_id);
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let prior = match client_id {
            Some(cid) => prior_owner(tx, scope, "pregnancy", "woman_id", cid)?,
            None => None,
        };
        let woman = load_person(tx, scope, woman_id)?;
        if let (Some(cid), Some(owner)) = (client_id, prior) {
            if owner == woman.id {
                return Ok((load_pregnancy(tx, scope, cid, today)?, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        let v = input
            .validate(woman.sex, today)
            .map_err(StoreError::Invalid)?;
        if tx
            .query_opt(
                "SELECT 1 FROM pregnancy WHERE woman_id = $1 AND outcome IS NULL",
                &[P::T(&woman.id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("woman_id", Reason::AlreadyPregnant));
        }
        if let Some(reg) = &v.registration_id
            && tx
                .query_opt(
                    "SELECT 1 FROM birth_registration r JOIN couple c ON c.id = r.couple_id
                     WHERE r.id = $1 AND r.status = 'current' AND c.wife_id = $2
                       AND r.village_code >= $3 AND r.village_code < $4",
                    &[P::T(reg), P::T(&woman.id), P::T(&lo), P::T(&hi)],
                )?
                .is_none()
        {
            return Err(StoreError::field(
                "registration_id",
                Reason::UnknownValue {
                    allowed: "她本人作为妻子持有的有效生育登记 / a current birth registration of hers",
                },
            ));
        }
        let id = client_id.map_or_else(new_id, str::to_string);
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO pregnancy (id, woman_id, village_code, lmp, reported_on, source, edd,
                 timely, registration_id, reported_by, reported_by_name, outcome, outcome_on,
                 termination_record, termination_reason, outcome_note, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL, NULL, NULL,
                 1, $12, $13, $13)",
            &[
                P::T(&id),
                P::T(&woman.id),
                P::T(&woman.village_code),
                P::T(&fmt_date(v.lmp)),
                P::T(&fmt_date(v.reported_on)),
                P::T(v.source.code()),
                P::T(&fmt_date(v.edd)),
                v.timely.into(),
                (&v.registration_id).into(),
                scope.user_id.as_deref().into(),
                P::T(&scope.username),
                P::I(seq),
                P::T(&now),
            ],
        )
        .map_err(|e| {
            if unique_violation(&e, "pregnancy_open", "pregnancy.woman_id") {
                StoreError::field("woman_id", Reason::AlreadyPregnant)
            } else {
                e
            }
        })?;
        audit::record(tx, scope, Action::Create, "pregnancy", Some(&id), None)?;
        Ok((load_pregnancy(tx, scope, &id, today)?, false))
    })
}

/// Reads a pregnancy with its checks and births; the view is audited.
pub fn get_pregnancy(
    db: &Db,
    scope: &Scope,
    id: &str,
    today: NaiveDate,
) -> Result<PregnancyView, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let pregnancy = load_pregnancy(tx, scope, id, today)?;
        let checks = tx
            .query(
                &format!(
                    "SELECT {CHECK_COLS} FROM antenatal_check
                     WHERE pregnancy_id = $1 AND village_code >= $2 AND village_code < $3
                     ORDER BY checked_on, id"
                ),
                &[P::T(id), P::T(&lo), P::T(&hi)],
            )?
            .iter()
            .map(check_from)
            .collect::<Result<_, _>>()?;
        let births = births_of(tx, scope, id)?;
        audit::record(tx, scope, Action::View, "pregnancy", Some(id), None)?;
        Ok(PregnancyView {
            pregnancy,
            checks,
            births,
        })
    })
}
