//! Zones (片区) of a village, each with one responsible worker, and the
//! users who may be named a zone's worker. Changing a zone's worker moves
//! every woman of the zone to the new worker in the same transaction.

use super::shared::worker_arg;
use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{check_village, claim_id, require};
use hearth_core::Reason;
use hearth_core::dates::now_utc;
use hearth_core::scope::{Permission, Scope};
use hearth_core::user::Role;
use serde::Serialize;

/// A zone (片区) of a village with its responsible worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    pub id: String,
    pub village_code: String,
    pub name: String,
    /// The responsible follow-up worker (an `app_user` id); `None` until
    /// one is named (no woman can be assigned to the zone until then).
    pub worker_id: Option<String>,
    pub worker_name: Option<String>,
    /// Women assigned to the zone.
    pub women: i64,
    pub version: i64,
}

/// A user who may be named a zone's worker: an enabled account that may
/// record visits and whose area covers the village.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerOption {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}
// ---- zones and workers -----------------------------------------------------

const ZONE_SQL: &str = "SELECT z.id, z.village_code, z.name, z.worker_id, u.display_name,
        (SELECT COUNT(*) FROM follow_up_assignment a WHERE a.zone_id = z.id), z.version
     FROM zone z LEFT JOIN app_user u ON u.id = z.worker_id";

fn zone_from(r: &Row) -> Result<Zone, StoreError> {
    Ok(Zone {
        id: r.text(0)?,
        village_code: r.text(1)?,
        name: r.text(2)?,
        worker_id: r.opt_text(3)?,
        worker_name: r.opt_text(4)?,
        women: r.int(5)?,
        version: r.int(6)?,
    })
}

pub(super) fn load_zone(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Zone, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!("{ZONE_SQL} WHERE z.id = $1 AND z.village_code >= $2 AND z.village_code < $3"),
        &[P::T(id.trim()), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| zone_from(&r))
    .ok_or(StoreError::NotFound)?
}

/// The zones of a village inside the scope, by name, with their workers
/// and how many women each holds.
pub fn list_zones(db: &Db, scope: &Scope, village: &str) -> Result<Vec<Zone>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| {
        let v = check_village(tx, scope, village)?;
        zones_in(tx, &v)
    })
}

/// The zones of a village already checked against the scope, by name.
pub(super) fn zones_in(tx: &mut Tx<'_>, village: &str) -> Result<Vec<Zone>, StoreError> {
    tx.query(
        &format!("{ZONE_SQL} WHERE z.village_code = $1 ORDER BY z.name, z.id"),
        &[P::T(village)],
    )?
    .iter()
    .map(zone_from)
    .collect()
}

/// One zone inside the scope.
pub fn get_zone(db: &Db, scope: &Scope, id: &str) -> Result<Zone, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| load_zone(tx, scope, id))
}

/// Roles whose users may be named a zone's worker.
const WORKER_ROLES: &str = "'follow_up_worker', 'village_specialist', 'town_staff'";

/// The users whose area covers the village and whose role may be named
/// a zone's worker.
pub(super) fn worker_options(
    tx: &mut Tx<'_>,
    village: &str,
) -> Result<Vec<WorkerOption>, StoreError> {
    // The org units whose users' areas cover the village: its county, town
    // and the village itself.
    let prefixes: Vec<&str> = [6, 9, 12]
        .into_iter()
        .filter_map(|n| village.get(..n))
        .collect();
    let (a, b, c) = (
        prefixes.first().copied().unwrap_or(""),
        prefixes.get(1).copied().unwrap_or(""),
        prefixes.get(2).copied().unwrap_or(""),
    );
    tx
        .query(
            &format!(
                "SELECT id, username, display_name, role FROM app_user
                 WHERE disabled = 0 AND role IN ({WORKER_ROLES}) AND org_code IN ($1, $2, $3)
                 ORDER BY CASE WHEN role = 'follow_up_worker' THEN 0 ELSE 1 END, display_name, username"
            ),
            &[P::T(a), P::T(b), P::T(c)],
        )?
        .iter()
        .map(|r| {
            Ok(WorkerOption {
                id: r.text(0)?,
                username: r.text(1)?,
                display_name: r.text(2)?,
                role: r.coded(3, Role::parse)?,
            })
        })
        .collect::<Result<_, StoreError>>()
}

/// The users who may be named a worker of a zone in `village`.
pub fn workers_for(db: &Db, scope: &Scope, village: &str) -> Result<Vec<WorkerOption>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.read(|tx| {
        let v = check_village(tx, scope, village)?;
        worker_options(tx, &v)
    })
}

fn check_worker(tx: &mut Tx<'_>, village: &str, worker_id: &str) -> Result<(), StoreError> {
    if worker_options(tx, village)?
        .iter()
        .any(|w| w.id == worker_id)
    {
        Ok(())
    } else {
        Err(StoreError::field(
            "worker_id",
            Reason::UnknownValue {
                allowed: "本村的随访员、计生专干或镇计生办人员 / a follow-up worker, specialist or town staff member of the village",
            },
        ))
    }
}

fn zone_name(name: &str) -> Result<String, StoreError> {
    let n = name.trim();
    if n.is_empty() {
        Err(StoreError::field("name", Reason::Required))
    } else if n.chars().count() > 40 {
        Err(StoreError::field("name", Reason::TooLong { max: 40 }))
    } else {
        Ok(n.to_string())
    }
}

/// Creates a zone of a village (WriteRegister). The name is 1–40
/// characters, unique in the village; the worker, when named, must be a
/// [`workers_for`] user. `client_id` makes a retry return the first
/// (`retried`); an id already used otherwise is a field error `id`.
pub fn create_zone(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    village: &str,
    name: &str,
    worker_id: Option<&str>,
) -> Result<(Zone, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    let worker_id = worker_arg(worker_id);
    db.write(|tx| {
        let v = check_village(tx, scope, village)?;
        let name = zone_name(name)?;
        let (id, taken) = claim_id(tx, scope, "zone", client_id)?;
        if taken {
            // A retry only when it is the same zone again.
            let z = load_zone(tx, scope, &id)?;
            if z.village_code == v && z.name == name {
                return Ok((z, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM zone WHERE village_code = $1 AND name = $2",
                &[P::T(&v), P::T(&name)],
            )?
            .is_some()
        {
            return Err(StoreError::field("name", Reason::Duplicate));
        }
        if let Some(w) = worker_id {
            check_worker(tx, &v, w)?;
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO zone (id, village_code, name, worker_id, version, change_seq,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, 1, $5, $6, $6)",
            &[
                P::T(&id),
                P::T(&v),
                P::T(&name),
                worker_id.into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "zone", Some(&id), None)?;
        Ok((load_zone(tx, scope, &id)?, false))
    })
}

/// Renames a zone and/or names its worker (WriteRegister). Changing the
/// worker moves every woman of the zone to the new worker in the same
/// transaction (reassigning a zone is one action, audited). A zone that
/// holds women cannot be left without a worker.
pub fn update_zone(
    db: &Db,
    scope: &Scope,
    id: &str,
    version: i64,
    name: &str,
    worker_id: Option<&str>,
) -> Result<Zone, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let worker_id = worker_arg(worker_id);
    db.write(|tx| {
        let zone = load_zone(tx, scope, id)?;
        if zone.version != version {
            return Err(StoreError::Conflict {
                current: zone.version,
            });
        }
        let name = zone_name(name)?;
        if name != zone.name
            && tx
                .query_opt(
                    "SELECT 1 FROM zone WHERE village_code = $1 AND name = $2 AND id <> $3",
                    &[P::T(&zone.village_code), P::T(&name), P::T(&zone.id)],
                )?
                .is_some()
        {
            return Err(StoreError::field("name", Reason::Duplicate));
        }
        match worker_id {
            None if zone.women > 0 => {
                return Err(StoreError::field("worker_id", Reason::Required));
            }
            Some(w) if Some(w) != zone.worker_id.as_deref() => {
                check_worker(tx, &zone.village_code, w)?;
            }
            _ => {}
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        let n = tx.exec(
            "UPDATE zone SET name = $1, worker_id = $2, version = version + 1, change_seq = $3,
                 updated_at = $4
             WHERE id = $5 AND version = $6",
            &[
                P::T(&name),
                worker_id.into(),
                P::I(seq),
                P::T(&now),
                P::T(&zone.id),
                P::I(version),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                current: zone.version + 1,
            });
        }
        let mut detail = None;
        if let Some(w) = worker_id
            && Some(w) != zone.worker_id.as_deref()
        {
            let moved = tx.exec(
                "UPDATE follow_up_assignment SET worker_id = $1, version = version + 1,
                     change_seq = $2, updated_at = $3
                 WHERE zone_id = $4",
                &[P::T(w), P::I(seq), P::T(&now), P::T(&zone.id)],
            )?;
            detail = Some(format!("worker={w} women_moved={moved}"));
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "zone",
            Some(&zone.id),
            detail.as_deref(),
        )?;
        load_zone(tx, scope, &zone.id)
    })
}
