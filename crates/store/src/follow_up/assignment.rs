//! Each woman's one responsible worker (谁随访谁管理): her assignment to a
//! zone of her village, the women who need a worker and have none, and
//! assigning them one by one or all at once.

use super::shared::{load_woman, years_before};
use super::zones::{WorkerOption, Zone, load_zone, worker_options, zones_in};
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{check_village, require};
use chrono::{Duration, NaiveDate};
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// A woman's responsible worker (谁随访谁管理).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub person_id: String,
    pub village_code: String,
    pub zone_id: String,
    pub zone_name: String,
    pub worker_id: String,
    pub worker_name: String,
    pub version: i64,
}

/// Why a woman needs a responsible worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedsWorker {
    /// 15–49 in the register.
    OfAge,
    /// An open pregnancy.
    Pregnant,
    /// A birth in the last 60 days.
    Postpartum,
}

/// A woman who needs a responsible worker and has none (in her village).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unassigned {
    pub person_id: String,
    pub name: String,
    pub birth_date: String,
    pub village_code: String,
    pub household_id: Option<String>,
    pub household_number: Option<String>,
    pub why: NeedsWorker,
}

const ASSIGNMENT_SQL: &str = "SELECT a.person_id, a.village_code, a.zone_id, z.name, a.worker_id,
        COALESCE(u.display_name, ''), a.version
     FROM follow_up_assignment a
     JOIN zone z ON z.id = a.zone_id
     LEFT JOIN app_user u ON u.id = a.worker_id";

fn assignment_from(r: &Row) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        person_id: r.text(0)?,
        village_code: r.text(1)?,
        zone_id: r.text(2)?,
        zone_name: r.text(3)?,
        worker_id: r.text(4)?,
        worker_name: r.text(5)?,
        version: r.int(6)?,
    })
}

pub(super) fn load_assignment(
    tx: &mut Tx<'_>,
    person_id: &str,
) -> Result<Option<Assignment>, StoreError> {
    tx.query_opt(
        &format!("{ASSIGNMENT_SQL} WHERE a.person_id = $1"),
        &[P::T(person_id)],
    )?
    .map(|r| assignment_from(&r))
    .transpose()
}

/// A woman's responsible worker, if she has one (in her present village).
pub fn assignment_of(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<Option<Assignment>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        Ok(load_assignment(tx, &w.id)?.filter(|a| a.village_code == w.village_code))
    })
}

/// The page that moves a woman to another zone: her name and village,
/// her assignment there and the zones of her village.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentForm {
    pub person_id: String,
    pub name: String,
    pub village_code: String,
    pub assignment: Option<Assignment>,
    pub zones: Vec<Zone>,
}

/// The form that moves a woman to another zone of her village
/// (WriteRegister; in the scope, else `NotFound`), read in one
/// transaction and audited as a view of her.
pub fn assignment_form(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<AssignmentForm, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        audit::record(tx, scope, Action::View, "person", Some(&w.id), None)?;
        let assignment = load_assignment(tx, &w.id)?.filter(|a| a.village_code == w.village_code);
        let zones = zones_in(tx, &w.village_code)?;
        Ok(AssignmentForm {
            person_id: w.id,
            name: w.name,
            village_code: w.village_code,
            assignment,
            zones,
        })
    })
}

/// A zone a woman of `village` can be put in: in scope, of her village,
/// with a worker. Returns the worker.
fn zone_for(
    tx: &mut Tx<'_>,
    scope: &Scope,
    zone_id: &str,
    village: &str,
) -> Result<Zone, StoreError> {
    let zone = match load_zone(tx, scope, zone_id) {
        Err(StoreError::NotFound) => {
            return Err(StoreError::field(
                "zone_id",
                Reason::UnknownValue {
                    allowed: "她所在村已指定随访员的片区 / a zone of her village with a worker",
                },
            ));
        }
        other => other?,
    };
    if zone.village_code != village || zone.worker_id.is_none() {
        return Err(StoreError::field(
            "zone_id",
            Reason::UnknownValue {
                allowed: "她所在村已指定随访员的片区 / a zone of her village with a worker",
            },
        ));
    }
    Ok(zone)
}

/// Writes a woman's assignment (insert or move); returns true when it
/// changed anything.
fn put_assignment(
    tx: &mut Tx<'_>,
    person_id: &str,
    village: &str,
    zone: &Zone,
    seq: i64,
    now: &str,
) -> Result<bool, StoreError> {
    let worker = zone.worker_id.as_deref().unwrap_or_default();
    let changed = tx.exec(
        "UPDATE follow_up_assignment SET village_code = $1, zone_id = $2, worker_id = $3,
             version = version + 1, change_seq = $4, updated_at = $5
         WHERE person_id = $6
           AND (village_code <> $1 OR zone_id <> $2 OR worker_id <> $3)",
        &[
            P::T(village),
            P::T(&zone.id),
            P::T(worker),
            P::I(seq),
            P::T(now),
            P::T(person_id),
        ],
    )?;
    if changed > 0 {
        return Ok(true);
    }
    let inserted = tx.exec(
        "INSERT INTO follow_up_assignment (person_id, village_code, zone_id, worker_id, version,
             change_seq, updated_at)
         SELECT $1, $2, $3, $4, 1, CAST($5 AS BIGINT), $6
         WHERE NOT EXISTS (SELECT 1 FROM follow_up_assignment WHERE person_id = $1)",
        &[
            P::T(person_id),
            P::T(village),
            P::T(&zone.id),
            P::T(worker),
            P::I(seq),
            P::T(now),
        ],
    )?;
    Ok(inserted > 0)
}

/// Puts a woman in a zone of her village (WriteRegister): her responsible
/// worker becomes the zone's worker. One action, audited.
pub fn assign(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    zone_id: &str,
) -> Result<Assignment, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let w = load_woman(tx, scope, person_id)?;
        let zone = zone_for(tx, scope, zone_id, &w.village_code)?;
        let seq = tx.next_seq()?;
        if put_assignment(tx, &w.id, &w.village_code, &zone, seq, &now_utc())? {
            let detail = format!(
                "zone={} worker={}",
                zone.id,
                zone.worker_id.as_deref().unwrap_or_default()
            );
            audit::record(
                tx,
                scope,
                Action::Update,
                "follow_up_assignment",
                Some(&w.id),
                Some(&detail),
            )?;
        }
        load_assignment(tx, &w.id)?.ok_or(StoreError::NotFound)
    })
}

/// Women of a village who need a worker and have none there.
fn unassigned_in(
    tx: &mut Tx<'_>,
    village: &str,
    today: NaiveDate,
) -> Result<Vec<Unassigned>, StoreError> {
    let born_after = fmt_date(years_before(today, 50));
    let born_by = fmt_date(years_before(today, 15));
    let birth_since = fmt_date(today - Duration::days(60));
    let rows = tx.query(
        "SELECT p.id, p.name, p.birth_date, p.village_code, p.household_id, h.number,
                CASE WHEN p.birth_date > $2 AND p.birth_date <= $3 THEN 1 ELSE 0 END,
                CASE WHEN EXISTS (SELECT 1 FROM pregnancy g
                                  WHERE g.woman_id = p.id AND g.outcome IS NULL)
                     THEN 1 ELSE 0 END
         FROM person p
         LEFT JOIN household h ON h.id = p.household_id
         WHERE p.village_code = $1 AND p.sex = 2
           AND ((p.birth_date > $2 AND p.birth_date <= $3)
                OR EXISTS (SELECT 1 FROM pregnancy g WHERE g.woman_id = p.id AND g.outcome IS NULL)
                OR EXISTS (SELECT 1 FROM birth b WHERE b.mother_id = p.id AND b.born_on >= $4))
           AND NOT EXISTS (SELECT 1 FROM follow_up_assignment a
                           WHERE a.person_id = p.id AND a.village_code = p.village_code)
         ORDER BY h.number, p.name, p.id",
        &[
            P::T(village),
            P::T(&born_after),
            P::T(&born_by),
            P::T(&birth_since),
        ],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Unassigned {
                person_id: r.text(0)?,
                name: r.text(1)?,
                birth_date: r.text(2)?,
                village_code: r.text(3)?,
                household_id: r.opt_text(4)?,
                household_number: r.opt_text(5)?,
                why: if r.flag(6)? {
                    NeedsWorker::OfAge
                } else if r.flag(7)? {
                    NeedsWorker::Pregnant
                } else {
                    NeedsWorker::Postpartum
                },
            })
        })
        .collect()
}

/// The women of a village who need a responsible worker — 15–49 in the
/// register, an open pregnancy, or a birth in the last 60 days — and have
/// none there. Must be empty; the screens show it as a problem otherwise.
/// Audited as one list view.
pub fn unassigned(
    db: &Db,
    scope: &Scope,
    village: &str,
    today: NaiveDate,
) -> Result<Vec<Unassigned>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let out = unassigned_in(tx, &v, today)?;
        let detail = format!("village={v} count={}", out.len());
        audit::record(tx, scope, Action::View, "unassigned", None, Some(&detail))?;
        Ok(out)
    })
}

/// A village's zones page: its zones, the users who may be named their
/// workers and the women who need a worker and have none.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageZones {
    pub zones: Vec<Zone>,
    pub workers: Vec<WorkerOption>,
    pub unassigned: Vec<Unassigned>,
}

/// [`list_zones`](super::list_zones), [`workers_for`](super::workers_for)
/// and [`unassigned`] of one village in one call (ReadRegister; the
/// village checked once); the unassigned list is audited as it is there.
pub fn village_zones(
    db: &Db,
    scope: &Scope,
    village: &str,
    today: NaiveDate,
) -> Result<VillageZones, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let zones = zones_in(tx, &v)?;
        let workers = worker_options(tx, &v)?;
        let unassigned = unassigned_in(tx, &v, today)?;
        let detail = format!("village={v} count={}", unassigned.len());
        audit::record(tx, scope, Action::View, "unassigned", None, Some(&detail))?;
        Ok(VillageZones {
            zones,
            workers,
            unassigned,
        })
    })
}

/// Assigns every [`unassigned`] woman of the village to one zone of it, in
/// one transaction; returns how many.
pub fn assign_all_unassigned(
    db: &Db,
    scope: &Scope,
    village: &str,
    zone_id: &str,
    today: NaiveDate,
) -> Result<usize, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let zone = zone_for(tx, scope, zone_id, &v)?;
        let women = unassigned_in(tx, &v, today)?;
        if women.is_empty() {
            return Ok(0);
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        for w in &women {
            put_assignment(tx, &w.person_id, &v, &zone, seq, &now)?;
        }
        let detail = format!("village={v} zone={} count={}", zone.id, women.len());
        audit::record(
            tx,
            scope,
            Action::Update,
            "follow_up_assignment",
            None,
            Some(&detail),
        )?;
        Ok(women.len())
    })
}
