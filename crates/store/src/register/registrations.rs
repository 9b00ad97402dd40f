//! Birth registrations (生育登记): issuing one to a couple, reading and
//! listing them, moving one to a new status (used, lapsed, cancelled with a
//! reason), the annual review (年审), the couple a registration belongs to,
//! and the audited work list of reviews due.

use super::couples::{CoupleMember, couple_from};
use super::page_of;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::require;
use crate::{Db, new_id};
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::registration::{
    BirthRegistration, Couple, NewRegistration, RegistrationStatus, cancellation_reason,
    next_review,
};
use hearth_core::scope::{Permission, Scope};

pub(super) const R_COLS: &str = "id, couple_id, village_code, child_order, number, issued_on, status, \
     status_reason, review_due, last_reviewed_on, version, change_seq";

pub(super) fn registration_from(r: &Row) -> Result<BirthRegistration, StoreError> {
    Ok(BirthRegistration {
        id: r.text(0)?,
        couple_id: r.text(1)?,
        village_code: r.text(2)?,
        child_order: r.int(3)?,
        number: r.text(4)?,
        issued_on: r.text(5)?,
        status: r.coded(6, |s| RegistrationStatus::from_code(s).ok_or(()))?,
        status_reason: r.opt_text(7)?,
        review_due: r.text(8)?,
        last_reviewed_on: r.opt_text(9)?,
        version: r.int(10)?,
        change_seq: r.int(11)?,
    })
}

fn load_registration(
    tx: &mut Tx<'_>,
    scope: &Scope,
    id: &str,
) -> Result<BirthRegistration, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {R_COLS} FROM birth_registration
             WHERE id = $1 AND village_code >= $2 AND village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .ok_or(StoreError::NotFound)
    .and_then(|r| registration_from(&r))
}

/// Issues a birth registration (生育登记) to a couple in the scope.
pub fn create_registration(
    db: &Db,
    scope: &Scope,
    couple_id: &str,
    r: &NewRegistration,
) -> Result<BirthRegistration, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let couple = tx
            .query_opt(
                "SELECT village_code FROM couple WHERE id = $1 AND village_code >= $2 AND village_code < $3",
                &[P::T(couple_id), P::T(&lo), P::T(&hi)],
            )?
            .ok_or(StoreError::NotFound)?;
        if tx
            .query_opt("SELECT 1 FROM birth_registration WHERE number = $1", &[P::T(&r.number)])?
            .is_some()
        {
            return Err(StoreError::field("number", Reason::Duplicate));
        }
        let id = new_id();
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO birth_registration (id, couple_id, village_code, child_order, number,
                 issued_on, status, status_reason, review_due, last_reviewed_on,
                 version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'current', NULL, $7, NULL, 1, $8, $9, $9)",
            &[
                P::T(&id),
                P::T(couple_id),
                P::T(&couple.text(0)?),
                P::I(r.child_order),
                P::T(&r.number),
                P::T(&fmt_date(r.issued_on)),
                P::T(&fmt_date(r.review_due)),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "birth_registration", Some(&id), None)?;
        load_registration(tx, scope, &id)
    })
}

/// Reads one registration (audited).
pub fn get_registration(db: &Db, scope: &Scope, id: &str) -> Result<BirthRegistration, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let r = load_registration(tx, scope, id)?;
        audit::record(
            tx,
            scope,
            Action::View,
            "birth_registration",
            Some(id),
            None,
        )?;
        Ok(r)
    })
}

/// Moves a registration to a new status (used / lapsed / cancelled). Only a
/// current registration may change; a cancellation needs a reason.
pub fn set_registration_status(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    status: RegistrationStatus,
    reason: Option<&str>,
) -> Result<BirthRegistration, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let reason = match status {
        RegistrationStatus::Cancelled => Some(
            cancellation_reason(reason.unwrap_or("")).map_err(|e| StoreError::Invalid(vec![e]))?,
        ),
        _ => reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
    };
    db.write(|tx| {
        let cur = load_registration(tx, scope, id)?;
        if cur.version != expected_version {
            return Err(StoreError::Conflict {
                current: cur.version,
            });
        }
        if !cur.status.can_become(status) {
            return Err(StoreError::field("status", Reason::BadTransition));
        }
        let seq = tx.next_seq()?;
        tx.exec(
            "UPDATE birth_registration SET status = $1, status_reason = $2,
                 version = version + 1, change_seq = $3, updated_at = $4
             WHERE id = $5 AND version = $6",
            &[
                P::T(status.code()),
                (&reason).into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "birth_registration",
            Some(id),
            Some(status.code()),
        )?;
        load_registration(tx, scope, id)
    })
}

/// Records the annual review (年审) of a current registration on `on`; the
/// next review falls a year later.
pub fn review_registration(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    on: chrono::NaiveDate,
) -> Result<BirthRegistration, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let cur = load_registration(tx, scope, id)?;
        if cur.version != expected_version {
            return Err(StoreError::Conflict {
                current: cur.version,
            });
        }
        if cur.status != RegistrationStatus::Current {
            return Err(StoreError::field("status", Reason::BadTransition));
        }
        let seq = tx.next_seq()?;
        tx.exec(
            "UPDATE birth_registration SET last_reviewed_on = $1, review_due = $2,
                 version = version + 1, change_seq = $3, updated_at = $4
             WHERE id = $5 AND version = $6",
            &[
                P::T(&fmt_date(on)),
                P::T(&fmt_date(next_review(on))),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "birth_registration",
            Some(id),
            Some("review"),
        )?;
        load_registration(tx, scope, id)
    })
}

/// Filters for listing birth registrations.
#[derive(Debug, Clone, Default)]
pub struct RegistrationFilter {
    pub village_code: Option<String>,
    pub status: Option<RegistrationStatus>,
    /// Rows per page: 50 when zero or negative, at most 500.
    pub limit: i64,
    pub offset: i64,
}

/// Lists birth registrations in the scope, by village then number. Not
/// audited, like the other lists.
pub fn list_registrations(
    db: &Db,
    scope: &Scope,
    f: &RegistrationFilter,
) -> Result<Vec<BirthRegistration>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let (limit, offset) = page_of(f.limit, f.offset);
    db.read(|tx| {
        tx.query(
            &format!(
                "SELECT {R_COLS} FROM birth_registration
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                       AND (CAST($4 AS TEXT) IS NULL OR status = $4)
                     ORDER BY village_code, number, id
                     LIMIT $5 OFFSET $6"
            ),
            &[
                P::T(&lo),
                P::T(&hi),
                (&f.village_code).into(),
                f.status.map(|s| s.code()).into(),
                P::I(limit),
                P::I(offset),
            ],
        )?
        .iter()
        .map(registration_from)
        .collect()
    })
}

/// The couple a birth registration in the scope belongs to. Not audited:
/// a couple row carries ids, no names.
pub fn registration_couple(
    db: &Db,
    scope: &Scope,
    registration_id: &str,
) -> Result<Couple, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        tx.query_opt(
            "SELECT c.id, c.wife_id, c.husband_id, c.marriage_date, c.village_code, c.version,
                    c.change_seq
             FROM birth_registration r JOIN couple c ON c.id = r.couple_id
             WHERE r.id = $1 AND r.village_code >= $2 AND r.village_code < $3
               AND c.village_code >= $2 AND c.village_code < $3",
            &[P::T(registration_id), P::T(&lo), P::T(&hi)],
        )?
        .ok_or(StoreError::NotFound)
        .and_then(|r| couple_from(&r))
    })
}

/// A current registration due for its annual review, as the work list
/// shows it: the wife's name and masked ID number only (`None` when she
/// now lives outside the scope).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DueRegistration {
    pub registration: BirthRegistration,
    pub wife: Option<CoupleMember>,
    pub wife_masked_id: Option<String>,
}

/// Current registrations in the scope whose review falls on or before
/// `by` (overdue ones included), by review date then number, with the count
/// of all of them. The work list names women, so reading it is audited once
/// (action `view`, entity `birth_registration_due`, detail the date).
pub fn registrations_due(
    db: &Db,
    scope: &Scope,
    by: chrono::NaiveDate,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DueRegistration>, i64), StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let (limit, offset) = page_of(limit, offset);
    let by = fmt_date(by);
    let cols = R_COLS
        .split(',')
        .map(|c| format!("r.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    db.write(|tx| {
        let filter = "FROM birth_registration r
             JOIN couple c ON c.id = r.couple_id
             LEFT JOIN person p ON p.id = c.wife_id
                 AND p.village_code >= $1 AND p.village_code < $2
             WHERE r.village_code >= $1 AND r.village_code < $2
               AND r.status = 'current' AND r.review_due <= $3";
        let total = tx
            .query_one(
                &format!("SELECT COUNT(*) {filter}"),
                &[P::T(&lo), P::T(&hi), P::T(&by)],
            )?
            .int(0)?;
        let rows = tx.query(
            &format!(
                "SELECT {cols}, p.id, p.name, p.resident_id {filter}
                 ORDER BY r.review_due, r.number, r.id
                 LIMIT $4 OFFSET $5"
            ),
            &[P::T(&lo), P::T(&hi), P::T(&by), P::I(limit), P::I(offset)],
        )?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(DueRegistration {
                    registration: registration_from(r)?,
                    wife: match r.opt_text(12)? {
                        Some(id) => Some(CoupleMember {
                            id,
                            name: r.text(13)?,
                        }),
                        None => None,
                    },
                    wife_masked_id: r.opt_text(14)?.map(|x| hearth_core::id_number::mask_id(&x)),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        audit::record(
            tx,
            scope,
            Action::View,
            "birth_registration_due",
            None,
            Some(&by),
        )?;
        Ok((list, total))
    })
}
