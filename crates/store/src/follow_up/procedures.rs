//! Contraceptive procedures (节育手术): recording one starts the procedure
//! schedule (follow-ups days and months after it).

use super::shared::{check_own_woman, load_woman};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row};
use crate::error::StoreError;
use crate::scoped::{claim_id, require};
use chrono::NaiveDate;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::follow_up::{ProcedureInput, ProcedureKind};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// A contraceptive procedure (节育手术).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Procedure {
    pub id: String,
    pub person_id: String,
    pub village_code: String,
    pub kind: ProcedureKind,
    pub done_on: String,
    pub place: String,
    pub version: i64,
}

const PROCEDURE_COLS: &str = "id, person_id, village_code, kind, done_on, place, version";

fn procedure_from(r: &Row) -> Result<Procedure, StoreError> {
    Ok(Procedure {
        id: r.text(0)?,
        person_id: r.text(1)?,
        village_code: r.text(2)?,
        kind: r.coded(3, ProcedureKind::parse)?,
        done_on: r.text(4)?,
        place: r.text(5)?,
        version: r.int(6)?,
    })
}

/// Records a contraceptive procedure of a person in scope (RecordVisit; a
/// follow-up worker only for her assigned women); it starts the procedure
/// schedule. `client_id` makes a retry return the first (`retried`); an
/// id already used otherwise is a field error `id`.
pub fn record_procedure(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    person_id: &str,
    input: &ProcedureInput,
    today: NaiveDate,
) -> Result<(Procedure, bool), StoreError> {
    require(scope, Permission::RecordVisit)?;
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let (id, taken) = claim_id(tx, scope, "contraceptive_procedure", client_id)?;
        if taken {
            // A retry only when it is her procedure again.
            let r = tx.query_one(
                &format!("SELECT {PROCEDURE_COLS} FROM contraceptive_procedure WHERE id = $1"),
                &[P::T(&id)],
            )?;
            let p = procedure_from(&r)?;
            if p.person_id == w.id {
                return Ok((p, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        check_own_woman(tx, scope, &w.id)?;
        let v = input.validate(today).map_err(StoreError::Invalid)?;
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO contraceptive_procedure (id, person_id, village_code, kind, done_on,
                 place, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)",
            &[
                P::T(&id),
                P::T(&w.id),
                P::T(&w.village_code),
                P::T(v.kind.code()),
                P::T(&fmt_date(v.done_on)),
                P::T(&v.place),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Create,
            "contraceptive_procedure",
            Some(&id),
            None,
        )?;
        let r = tx.query_one(
            &format!("SELECT {PROCEDURE_COLS} FROM contraceptive_procedure WHERE id = $1"),
            &[P::T(&id)],
        )?;
        Ok((procedure_from(&r)?, false))
    })
}

/// A person's procedures, newest first (audited as a view).
pub fn list_procedures(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<Vec<Procedure>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let out: Vec<Procedure> = tx
            .query(
                &format!(
                    "SELECT {PROCEDURE_COLS} FROM contraceptive_procedure
                     WHERE person_id = $1 ORDER BY done_on DESC, id"
                ),
                &[P::T(&w.id)],
            )?
            .iter()
            .map(procedure_from)
            .collect::<Result<_, _>>()?;
        audit::record(
            tx,
            scope,
            Action::View,
            "contraceptive_procedure",
            None,
            Some(&format!("person={}", w.id)),
        )?;
        Ok(out)
    })
}
