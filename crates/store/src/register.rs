//! The register (一户式管理): households, persons, couples and birth
//! registrations. Every function takes the caller's [`Scope`] and can only
//! see or change rows whose village lies inside it; a row outside the scope
//! answers `NotFound`, exactly as a missing row does. Every view of a named
//! record and every change is written to the audit trail in the same
//! transaction.

use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{check_village, conflict_or_missing, require};
use crate::{Db, new_id};
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::household::{Household, HouseholdFlags, NewHousehold};
use hearth_core::person::{MaritalStatus, Person, Relation, Sex, ValidPerson};
use hearth_core::pinyin::initials;
use hearth_core::registration::{
    BirthRegistration, Couple, NewRegistration, RegistrationStatus, cancellation_reason,
    next_review,
};
use hearth_core::scope::{Permission, Scope};

// ---- households -------------------------------------------------------------

const HH_COLS: &str = "id, village_code, number, address, head_person_id, family_planning, \
     poor_family_planning, only_child, two_daughters, girl_family, version, change_seq";

fn household_from(r: &Row) -> Household {
    Household {
        id: r.str(0),
        village_code: r.str(1),
        number: r.str(2),
        address: r.str(3),
        head_person_id: r.opt_str(4),
        flags: HouseholdFlags {
            family_planning: r.bool(5),
            poor_family_planning: r.bool(6),
            only_child: r.bool(7),
            two_daughters: r.bool(8),
            girl_family: r.bool(9),
        },
        version: r.i64(10),
        change_seq: r.i64(11),
    }
}

fn load_household(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Household, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {HH_COLS} FROM household WHERE id = $1 AND village_code >= $2 AND village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| household_from(&r))
    .ok_or(StoreError::NotFound)
}

/// Creates a household. `id` may be supplied by an offline client; a retry
/// with the same id and content returns the existing record.
pub fn create_household(
    db: &Db,
    scope: &Scope,
    id: Option<&str>,
    h: &NewHousehold,
) -> Result<Household, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        check_village(tx, scope, h.village_code.as_str())?;
        let id = id.map_or_else(new_id, str::to_string);
        if let Ok(existing) = load_household(tx, scope, &id) {
            if existing.village_code == h.village_code.as_str() && existing.number == h.number {
                return Ok(existing);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM household WHERE village_code = $1 AND number = $2",
                &[P::T(h.village_code.as_str()), P::T(&h.number)],
            )?
            .is_some()
        {
            return Err(StoreError::field("number", Reason::Duplicate));
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        let f = h.flags;
        tx.exec(
            "INSERT INTO household (id, village_code, number, address, head_person_id,
                 family_planning, poor_family_planning, only_child, two_daughters, girl_family,
                 version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, 1, $10, $11, $11)",
            &[
                P::T(&id),
                P::T(h.village_code.as_str()),
                P::T(&h.number),
                P::T(&h.address),
                f.family_planning.into(),
                f.poor_family_planning.into(),
                f.only_child.into(),
                f.two_daughters.into(),
                f.girl_family.into(),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "household", Some(&id), None)?;
        load_household(tx, scope, &id)
    })
}

/// A household with its members, as the household page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdView {
    pub household: Household,
    pub members: Vec<Person>,
}

/// Reads a household and its members; the view is audited.
pub fn get_household(db: &Db, scope: &Scope, id: &str) -> Result<HouseholdView, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let household = load_household(tx, scope, id)?;
        let members = tx
            .query(
                &format!(
                    "SELECT {P_COLS} FROM person WHERE household_id = $1 ORDER BY birth_date, id"
                ),
                &[P::T(id)],
            )?
            .iter()
            .map(person_from)
            .collect();
        audit::record(tx, scope, Action::View, "household", Some(id), None)?;
        Ok(HouseholdView { household, members })
    })
}

/// Changes a household's address and flags, refusing a stale version.
pub fn update_household(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    address: &str,
    flags: HouseholdFlags,
) -> Result<Household, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let address = address.trim();
    if address.chars().count() > 100 {
        return Err(StoreError::field("address", Reason::TooLong { max: 100 }));
    }
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE household SET address = $1, family_planning = $2, poor_family_planning = $3,
                 only_child = $4, two_daughters = $5, girl_family = $6,
                 version = version + 1, change_seq = $7, updated_at = $8
             WHERE id = $9 AND version = $10 AND village_code >= $11 AND village_code < $12",
            &[
                P::T(address),
                flags.family_planning.into(),
                flags.poor_family_planning.into(),
                flags.only_child.into(),
                flags.two_daughters.into(),
                flags.girl_family.into(),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "household", id, scope));
        }
        audit::record(tx, scope, Action::Update, "household", Some(id), None)?;
        load_household(tx, scope, id)
    })
}

// ---- persons ----------------------------------------------------------------

const P_COLS: &str = "id, resident_id, name, sex, birth_date, phone, marital_status, \
     household_id, relation, village_code, version, change_seq";

fn person_from(r: &Row) -> Person {
    Person {
        id: r.str(0),
        resident_id: r.str(1),
        name: r.str(2),
        sex: Sex::from_code(r.i64(3)).unwrap_or(Sex::Female),
        birth_date: r.str(4),
        phone: r.opt_str(5),
        marital_status: r.opt_str(6).and_then(|s| MaritalStatus::parse(&s).ok()),
        household_id: r.opt_str(7),
        relation: r.opt_str(8).and_then(|s| Relation::parse(&s).ok()),
        village_code: r.str(9),
        version: r.i64(10),
        change_seq: r.i64(11),
    }
}

fn load_person(tx: &mut Tx<'_>, scope: &Scope, id: &str) -> Result<Person, StoreError> {
    let (lo, hi) = scope.code_range();
    tx.query_opt(
        &format!(
            "SELECT {P_COLS} FROM person WHERE id = $1 AND village_code >= $2 AND village_code < $3"
        ),
        &[P::T(id), P::T(&lo), P::T(&hi)],
    )?
    .map(|r| person_from(&r))
    .ok_or(StoreError::NotFound)
}

/// Checks that a household lies in the scope and in the person's village.
fn check_household(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: &str,
    village: &str,
) -> Result<(), StoreError> {
    match load_household(tx, scope, household_id) {
        Ok(h) if h.village_code == village => Ok(()),
        Ok(_) => Err(StoreError::field("household_id", Reason::OrgParentMismatch)),
        Err(StoreError::NotFound) => Err(StoreError::field(
            "household_id",
            Reason::UnknownValue {
                allowed: "a household of this village",
            },
        )),
        Err(e) => Err(e),
    }
}

/// Adds a person to the register. The resident ID must be new; a household,
/// when given, must be in the same village. `id` may come from an offline
/// client; a retry with the same id and resident ID returns the record.
pub fn create_person(
    db: &Db,
    scope: &Scope,
    id: Option<&str>,
    p: &ValidPerson,
    household_id: Option<&str>,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let village = p.village_code.as_str();
        check_village(tx, scope, village)?;
        let id = id.map_or_else(new_id, str::to_string);
        if let Ok(existing) = load_person(tx, scope, &id) {
            if existing.resident_id == p.resident_id.as_str() {
                return Ok(existing);
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM person WHERE resident_id = $1",
                &[P::T(p.resident_id.as_str())],
            )?
            .is_some()
        {
            return Err(StoreError::field("resident_id", Reason::Duplicate));
        }
        if let Some(h) = household_id {
            check_household(tx, scope, h, village)?;
        }
        let seq = tx.next_seq()?;
        let now = now_utc();
        tx.exec(
            "INSERT INTO person (id, resident_id, name, sex, birth_date, phone, marital_status,
                 household_id, relation, village_code, version, change_seq, created_at, updated_at,
                 name_initials)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $12, $13)",
            &[
                P::T(&id),
                P::T(p.resident_id.as_str()),
                P::T(p.name.as_str()),
                P::I(p.sex.code()),
                P::T(&fmt_date(p.birth_date)),
                p.phone.as_ref().map(|x| x.as_str()).into(),
                p.marital_status.map(|m| m.code()).into(),
                household_id.into(),
                p.relation.map(|r| r.code()).into(),
                P::T(village),
                P::I(seq),
                P::T(&now),
                P::T(&initials(p.name.as_str())),
            ],
        )?;
        if let (Some(h), Some(Relation::Head)) = (household_id, p.relation) {
            tx.exec(
                "UPDATE household SET head_person_id = $1 WHERE id = $2",
                &[P::T(&id), P::T(h)],
            )?;
        }
        audit::record(tx, scope, Action::Create, "person", Some(&id), None)?;
        load_person(tx, scope, &id)
    })
}

/// Reads one person's record; the view is audited.
pub fn get_person(db: &Db, scope: &Scope, id: &str) -> Result<Person, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let p = load_person(tx, scope, id)?;
        audit::record(tx, scope, Action::View, "person", Some(id), None)?;
        Ok(p)
    })
}

/// Replaces a person's details, refusing a stale version. A changed resident
/// ID must still be unique; the village may change only within the scope.
pub fn update_person(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
    p: &ValidPerson,
    household_id: Option<&str>,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let village = p.village_code.as_str();
        check_village(tx, scope, village)?;
        if tx
            .query_opt(
                "SELECT 1 FROM person WHERE resident_id = $1 AND id <> $2",
                &[P::T(p.resident_id.as_str()), P::T(id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("resident_id", Reason::Duplicate));
        }
        if let Some(h) = household_id {
            check_household(tx, scope, h, village)?;
        }
        // The household as it was, and the one the person now belongs to, so
        // that each keeps exactly one head.
        let before = load_person(tx, scope, id).ok();
        let target = match household_id {
            Some(h) => Some(load_household(tx, scope, h)?),
            None => None,
        };
        if let (Some(h), Some(r)) = (&target, p.relation) {
            check_head(tx, h, r, id)?;
        }
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE person SET resident_id = $1, name = $2, sex = $3, birth_date = $4, phone = $5,
                 marital_status = $6, household_id = $7, relation = $8, village_code = $9,
                 version = version + 1, change_seq = $10, updated_at = $11, name_initials = $16
             WHERE id = $12 AND version = $13 AND village_code >= $14 AND village_code < $15",
            &[
                P::T(p.resident_id.as_str()),
                P::T(p.name.as_str()),
                P::I(p.sex.code()),
                P::T(&fmt_date(p.birth_date)),
                p.phone.as_ref().map(|x| x.as_str()).into(),
                p.marital_status.map(|m| m.code()).into(),
                household_id.into(),
                p.relation.map(|r| r.code()).into(),
                P::T(village),
                P::I(seq),
                P::T(&now_utc()),
                P::T(id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
                P::T(&initials(p.name.as_str())),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "person", id, scope));
        }
        let old_household = before.as_ref().and_then(|b| b.household_id.as_deref());
        fix_heads(tx, scope, id, old_household, target.as_ref(), p.relation)?;
        audit::record(tx, scope, Action::Update, "person", Some(id), None)?;
        load_person(tx, scope, id)
    })
}

/// Filters for listing persons. Results are always inside the scope.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub village_code: Option<String>,
    pub household_id: Option<String>,
    pub resident_id: Option<String>,
    pub sex: Option<Sex>,
    pub limit: i64,
    pub offset: i64,
}

/// Lists persons in the scope, by village then name. Lists carry the full
/// values; pages and the API mask ID numbers and phones before showing them.
pub fn list_persons(db: &Db, scope: &Scope, f: &PersonFilter) -> Result<Vec<Person>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
    db.read(|tx| {
        Ok(tx
            .query(
                &format!(
                    "SELECT {P_COLS} FROM person
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                       AND (CAST($4 AS TEXT) IS NULL OR household_id = $4)
                       AND (CAST($5 AS TEXT) IS NULL OR resident_id = $5)
                       AND (CAST($6 AS BIGINT) IS NULL OR sex = $6)
                     ORDER BY village_code, name, id
                     LIMIT $7 OFFSET $8"
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&f.village_code).into(),
                    (&f.household_id).into(),
                    (&f.resident_id).into(),
                    f.sex.map_or(P::Null, |s| P::I(s.code())),
                    P::I(limit),
                    P::I(f.offset.max(0)),
                ],
            )?
            .iter()
            .map(person_from)
            .collect())
    })
}

// ---- couples and birth registrations ----------------------------------------

const C_COLS: &str = "id, wife_id, husband_id, marriage_date, village_code, version, change_seq";

fn couple_from(r: &Row) -> Couple {
    Couple {
        id: r.str(0),
        wife_id: r.str(1),
        husband_id: r.str(2),
        marriage_date: r.opt_str(3),
        village_code: r.str(4),
        version: r.i64(5),
        change_seq: r.i64(6),
    }
}

/// Links a wife and a husband as a couple (育龄夫妇). The wife must be a
/// woman in the scope (the couple belongs to her village), the husband a man
/// in the register.
pub fn create_couple(
    db: &Db,
    scope: &Scope,
    wife_id: &str,
    husband_id: &str,
    marriage_date: Option<chrono::NaiveDate>,
) -> Result<Couple, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let wife = load_person(tx, scope, wife_id).map_err(|_| {
            StoreError::field(
                "wife_id",
                Reason::UnknownValue {
                    allowed: "a woman of your area",
                },
            )
        })?;
        if wife.sex != Sex::Female {
            return Err(StoreError::field("wife_id", Reason::SexMismatch));
        }
        let husband = tx
            .query_opt("SELECT sex FROM person WHERE id = $1", &[P::T(husband_id)])?
            .ok_or(StoreError::field(
                "husband_id",
                Reason::UnknownValue {
                    allowed: "a man in the register",
                },
            ))?;
        if husband.i64(0) != Sex::Male.code() {
            return Err(StoreError::field("husband_id", Reason::SexMismatch));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM couple WHERE wife_id = $1 AND husband_id = $2",
                &[P::T(wife_id), P::T(husband_id)],
            )?
            .is_some()
        {
            return Err(StoreError::field("husband_id", Reason::Duplicate));
        }
        let id = new_id();
        let seq = tx.next_seq()?;
        let now = now_utc();
        let md = marriage_date.map(fmt_date);
        tx.exec(
            "INSERT INTO couple (id, wife_id, husband_id, marriage_date, village_code,
                 version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
            &[
                P::T(&id),
                P::T(wife_id),
                P::T(husband_id),
                (&md).into(),
                P::T(&wife.village_code),
                P::I(seq),
                P::T(&now),
            ],
        )?;
        audit::record(tx, scope, Action::Create, "couple", Some(&id), None)?;
        let r = tx.query_one(
            &format!("SELECT {C_COLS} FROM couple WHERE id = $1"),
            &[P::T(&id)],
        )?;
        Ok(couple_from(&r))
    })
}

const R_COLS: &str = "id, couple_id, village_code, child_order, number, issued_on, status, \
     status_reason, review_due, last_reviewed_on, version, change_seq";

fn registration_from(r: &Row) -> BirthRegistration {
    BirthRegistration {
        id: r.str(0),
        couple_id: r.str(1),
        village_code: r.str(2),
        child_order: r.i64(3),
        number: r.str(4),
        issued_on: r.str(5),
        status: RegistrationStatus::from_code(&r.str(6)).unwrap_or(RegistrationStatus::Current),
        status_reason: r.opt_str(7),
        review_due: r.str(8),
        last_reviewed_on: r.opt_str(9),
        version: r.i64(10),
        change_seq: r.i64(11),
    }
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
    .map(|r| registration_from(&r))
    .ok_or(StoreError::NotFound)
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
                P::T(&couple.str(0)),
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

// =============================================================================
// ---- for the JSON API: lists, couples, household deletion, client ids -------
// =============================================================================
// Added with `hearth_web::api`. Scoped exactly like the functions above: the
// permission first, then the scope's village range on every query, the audit
// entry in the same transaction as a view or a change, the version checked
// on a change.

/// A page of a register list, optionally narrowed to one village. Results
/// are always inside the scope.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub village_code: Option<String>,
    /// Rows per page: 50 when zero or negative, at most 500.
    pub limit: i64,
    pub offset: i64,
}

/// The page size and offset a list uses, as [`list_persons`] does.
fn page_of(limit: i64, offset: i64) -> (i64, i64) {
    let limit = if limit <= 0 { 50 } else { limit.min(500) };
    (limit, offset.max(0))
}

/// Lists households in the scope, by village then number. Not audited: a
/// household list names no person.
pub fn list_households(
    db: &Db,
    scope: &Scope,
    f: &ListFilter,
) -> Result<Vec<Household>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let (limit, offset) = page_of(f.limit, f.offset);
    db.read(|tx| {
        Ok(tx
            .query(
                &format!(
                    "SELECT {HH_COLS} FROM household
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                     ORDER BY village_code, number, id
                     LIMIT $4 OFFSET $5"
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&f.village_code).into(),
                    P::I(limit),
                    P::I(offset),
                ],
            )?
            .iter()
            .map(household_from)
            .collect())
    })
}

/// What [`delete_household`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdDeletion {
    Deleted,
    /// Nothing was deleted: persons still belong to the household.
    HasMembers {
        members: i64,
    },
}

/// Deletes an empty household (a mistaken or duplicate entry), refusing a
/// stale version. A household that still has members is left alone. The
/// deletion is audited; the row is gone, so no change sequence is stamped.
pub fn delete_household(
    db: &Db,
    scope: &Scope,
    id: &str,
    expected_version: i64,
) -> Result<HouseholdDeletion, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let cur = load_household(tx, scope, id)?;
        if cur.version != expected_version {
            return Err(StoreError::Conflict {
                current: cur.version,
            });
        }
        let members = tx
            .query_one(
                "SELECT COUNT(*) FROM person WHERE household_id = $1",
                &[P::T(id)],
            )?
            .i64(0);
        if members > 0 {
            return Ok(HouseholdDeletion::HasMembers { members });
        }
        let n = tx.exec(
            "DELETE FROM household
             WHERE id = $1 AND version = $2 AND village_code >= $3 AND village_code < $4",
            &[P::T(id), P::I(expected_version), P::T(&lo), P::T(&hi)],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "household", id, scope));
        }
        audit::record(tx, scope, Action::Delete, "household", Some(id), None)?;
        Ok(HouseholdDeletion::Deleted)
    })
}

/// Reads one couple (audited).
pub fn get_couple(db: &Db, scope: &Scope, id: &str) -> Result<Couple, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let c = tx
            .query_opt(
                &format!(
                    "SELECT {C_COLS} FROM couple
                     WHERE id = $1 AND village_code >= $2 AND village_code < $3"
                ),
                &[P::T(id), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| couple_from(&r))
            .ok_or(StoreError::NotFound)?;
        audit::record(tx, scope, Action::View, "couple", Some(id), None)?;
        Ok(c)
    })
}

/// Lists couples in the scope, by village then id. Not audited: a couple
/// row carries ids, no names.
pub fn list_couples(db: &Db, scope: &Scope, f: &ListFilter) -> Result<Vec<Couple>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let (limit, offset) = page_of(f.limit, f.offset);
    db.read(|tx| {
        Ok(tx
            .query(
                &format!(
                    "SELECT {C_COLS} FROM couple
                     WHERE village_code >= $1 AND village_code < $2
                       AND (CAST($3 AS TEXT) IS NULL OR village_code = $3)
                     ORDER BY village_code, id
                     LIMIT $4 OFFSET $5"
                ),
                &[
                    P::T(&lo),
                    P::T(&hi),
                    (&f.village_code).into(),
                    P::I(limit),
                    P::I(offset),
                ],
            )?
            .iter()
            .map(couple_from)
            .collect())
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
        Ok(tx
            .query(
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
            .collect())
    })
}

/// A register table whose rows a client may create with its own id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIdTable {
    Household,
    Person,
    Pregnancy,
    AntenatalCheck,
    Birth,
    InfantDeath,
    /// A follow-up zone (WriteRegister).
    Zone,
    /// A follow-up visit (RecordVisit).
    Visit,
    /// A contraceptive procedure (RecordVisit).
    Procedure,
}

/// Where a client-chosen id stands before a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIdUse {
    /// No record has this id.
    Free,
    /// A record in the caller's scope has it: the create is a retry (or a
    /// clash the create function refuses as a duplicate id).
    InScope,
    /// A record outside the scope has it; the id cannot be used.
    Elsewhere,
}

/// Says whether a client-chosen id is free, so that the API can answer a
/// retried offline create with the first record (200, not 201) and refuse
/// an id taken outside the scope as a field error rather than a failed
/// insert. Reads no personal data; not audited.
pub fn client_id_use(
    db: &Db,
    scope: &Scope,
    table: ClientIdTable,
    id: &str,
) -> Result<ClientIdUse, StoreError> {
    let needs = match table {
        ClientIdTable::Visit | ClientIdTable::Procedure => Permission::RecordVisit,
        _ => Permission::WriteRegister,
    };
    require(scope, needs)?;
    let table = match table {
        ClientIdTable::Household => "household",
        ClientIdTable::Person => "person",
        ClientIdTable::Pregnancy => "pregnancy",
        ClientIdTable::AntenatalCheck => "antenatal_check",
        ClientIdTable::Birth => "birth",
        ClientIdTable::InfantDeath => "infant_death",
        ClientIdTable::Zone => "zone",
        ClientIdTable::Visit => "visit",
        ClientIdTable::Procedure => "contraceptive_procedure",
    };
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        let found = tx.query_opt(
            &format!("SELECT village_code FROM {table} WHERE id = $1"),
            &[P::T(id)],
        )?;
        Ok(match found.map(|r| r.str(0)) {
            None => ClientIdUse::Free,
            Some(v) if v >= lo && v < hi => ClientIdUse::InScope,
            Some(_) => ClientIdUse::Elsewhere,
        })
    })
}

// =============================================================================
// ---- for the register screens: members, lookups, couples, work lists --------
// =============================================================================
// Added with `hearth_web::screens`. Scoped like the functions above: the
// permission first, the scope's village range on every query, the audit
// entry in the same transaction as a view or a change, the version checked
// on a change (no row changed → `Conflict` or `NotFound`).

/// A register record kind whose version [`version_in_scope`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenEntity {
    Person,
    Household,
    Couple,
    Registration,
}

/// The current version of a record inside the scope, reading nothing else
/// and auditing nothing (it shows no personal data). Lets a page answer
/// `NotFound` for a record the caller cannot see before it looks at the
/// form that came with the request.
pub fn version_in_scope(
    db: &Db,
    scope: &Scope,
    entity: ScreenEntity,
    id: &str,
) -> Result<i64, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let table = match entity {
        ScreenEntity::Person => "person",
        ScreenEntity::Household => "household",
        ScreenEntity::Couple => "couple",
        ScreenEntity::Registration => "birth_registration",
    };
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        tx.query_opt(
            &format!(
                "SELECT version FROM {table}
                 WHERE id = $1 AND village_code >= $2 AND village_code < $3"
            ),
            &[P::T(id), P::T(&lo), P::T(&hi)],
        )?
        .map(|r| r.i64(0))
        .ok_or(StoreError::NotFound)
    })
}

/// The household of `household_id` if it is inside the scope.
fn household_in_scope(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: Option<&str>,
) -> Result<Option<Household>, StoreError> {
    match household_id {
        None => Ok(None),
        Some(h) => match load_household(tx, scope, h) {
            Ok(h) => Ok(Some(h)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// A person's record for an edit form, with their household's number. The
/// form shows the full ID number and phone, so opening it is audited as a
/// view (detail `edit`) and as a `reveal` of each full value it shows.
pub fn person_for_edit(
    db: &Db,
    scope: &Scope,
    id: &str,
) -> Result<(Person, Option<String>), StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let p = load_person(tx, scope, id)?;
        let number = household_in_scope(tx, scope, p.household_id.as_deref())?.map(|h| h.number);
        audit::record(tx, scope, Action::View, "person", Some(id), Some("edit"))?;
        audit::record(
            tx,
            scope,
            Action::Reveal,
            "person",
            Some(id),
            Some("resident_id"),
        )?;
        if p.phone.is_some() {
            audit::record(tx, scope, Action::Reveal, "person", Some(id), Some("phone"))?;
        }
        Ok((p, number))
    })
}

/// The household with `number` in `village`, inside the scope, if any. Not
/// audited: a household row names no person.
pub fn household_by_number(
    db: &Db,
    scope: &Scope,
    village: &str,
    number: &str,
) -> Result<Option<Household>, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        Ok(tx
            .query_opt(
                &format!(
                    "SELECT {HH_COLS} FROM household
                     WHERE village_code = $1 AND number = $2
                       AND village_code >= $3 AND village_code < $4"
                ),
                &[P::T(village), P::T(number), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| household_from(&r)))
    })
}

/// Refuses `relation = head` in a household whose head is someone else
/// still living there.
fn check_head(
    tx: &mut Tx<'_>,
    h: &Household,
    relation: Relation,
    person_id: &str,
) -> Result<(), StoreError> {
    if relation != Relation::Head {
        return Ok(());
    }
    if let Some(head) = h.head_person_id.as_deref().filter(|x| *x != person_id)
        && tx
            .query_opt(
                "SELECT 1 FROM person WHERE id = $1 AND household_id = $2",
                &[P::T(head), P::T(&h.id)],
            )?
            .is_some()
    {
        return Err(StoreError::field("relation", Reason::Duplicate));
    }
    Ok(())
}

/// Sets a household's head (or clears it), bumping its version and change
/// sequence and auditing the change.
fn set_head(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: &str,
    head: Option<&str>,
) -> Result<(), StoreError> {
    let seq = tx.next_seq()?;
    tx.exec(
        "UPDATE household SET head_person_id = $1, version = version + 1, change_seq = $2,
             updated_at = $3
         WHERE id = $4",
        &[head.into(), P::I(seq), P::T(&now_utc()), P::T(household_id)],
    )?;
    audit::record(
        tx,
        scope,
        Action::Update,
        "household",
        Some(household_id),
        Some("head"),
    )
}

/// Keeps household heads right after person `person_id` left household
/// `old` (if any) for `to` with `relation`: the old household loses them as
/// head unless they stay its head; the new one gets them when they are its
/// head.
fn fix_heads(
    tx: &mut Tx<'_>,
    scope: &Scope,
    person_id: &str,
    old: Option<&str>,
    to: Option<&Household>,
    relation: Option<Relation>,
) -> Result<(), StoreError> {
    if let Some(old) = old
        && tx
            .query_opt(
                "SELECT 1 FROM household WHERE id = $1 AND head_person_id = $2",
                &[P::T(old), P::T(person_id)],
            )?
            .is_some()
        && to.is_none_or(|h| h.id != old || relation != Some(Relation::Head))
    {
        set_head(tx, scope, old, None)?;
    }
    if let (Some(h), Some(Relation::Head)) = (to, relation)
        && h.head_person_id.as_deref() != Some(person_id)
    {
        set_head(tx, scope, &h.id, Some(person_id))?;
    }
    Ok(())
}

/// Moves `p` (as read in this transaction) into household `to` (or out of
/// any) with `relation`, keeping both households' heads right. The person's
/// version is checked against the one read.
fn set_membership(
    tx: &mut Tx<'_>,
    scope: &Scope,
    p: &Person,
    to: Option<&Household>,
    relation: Option<Relation>,
    detail: &str,
) -> Result<Person, StoreError> {
    let (lo, hi) = scope.code_range();
    let seq = tx.next_seq()?;
    let n = tx.exec(
        "UPDATE person SET household_id = $1, relation = $2, version = version + 1,
             change_seq = $3, updated_at = $4
         WHERE id = $5 AND version = $6 AND village_code >= $7 AND village_code < $8",
        &[
            to.map(|h| h.id.as_str()).into(),
            relation.map(|r| r.code()).into(),
            P::I(seq),
            P::T(&now_utc()),
            P::T(&p.id),
            P::I(p.version),
            P::T(&lo),
            P::T(&hi),
        ],
    )?;
    if n == 0 {
        return Err(conflict_or_missing(tx, "person", &p.id, scope));
    }
    fix_heads(tx, scope, &p.id, p.household_id.as_deref(), to, relation)?;
    audit::record(
        tx,
        scope,
        Action::Update,
        "person",
        Some(&p.id),
        Some(detail),
    )?;
    load_person(tx, scope, &p.id)
}

/// Adds a person of the register, found by resident ID inside the scope, to
/// a household of the same village with their relation to its head. A
/// person already in this household is a duplicate; one living in another
/// household is refused (`BadTransition`) — they are moved from that
/// household's page, so nobody leaves a household unseen. Audited on the
/// person (detail `household_add`).
pub fn household_add_member(
    db: &Db,
    scope: &Scope,
    household_id: &str,
    resident_id: &str,
    relation: Relation,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let h = load_household(tx, scope, household_id)?;
        let rid = hearth_core::id_number::ResidentId::parse(resident_id)
            .map_err(|r| StoreError::field("resident_id", r))?;
        let p = tx
            .query_opt(
                &format!(
                    "SELECT {P_COLS} FROM person
                     WHERE resident_id = $1 AND village_code >= $2 AND village_code < $3"
                ),
                &[P::T(rid.as_str()), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| person_from(&r))
            .ok_or(StoreError::field(
                "resident_id",
                Reason::UnknownValue {
                    allowed: "a person of your area",
                },
            ))?;
        if p.village_code != h.village_code {
            return Err(StoreError::field("resident_id", Reason::OrgParentMismatch));
        }
        match p.household_id.as_deref() {
            Some(x) if x == h.id => {
                return Err(StoreError::field("resident_id", Reason::Duplicate));
            }
            Some(_) => return Err(StoreError::field("resident_id", Reason::BadTransition)),
            None => {}
        }
        check_head(tx, &h, relation, &p.id)?;
        set_membership(tx, scope, &p, Some(&h), Some(relation), "household_add")
    })
}

/// Loads a member of a household for a change, checking the version the
/// caller read first (`Conflict`), then that the person still lives there
/// (`NotFound` otherwise).
fn load_member(
    tx: &mut Tx<'_>,
    scope: &Scope,
    household_id: &str,
    person_id: &str,
    expected_version: i64,
) -> Result<(Household, Person), StoreError> {
    let h = load_household(tx, scope, household_id)?;
    let p = load_person(tx, scope, person_id)?;
    if p.version != expected_version {
        return Err(StoreError::Conflict { current: p.version });
    }
    if p.household_id.as_deref() != Some(h.id.as_str()) {
        return Err(StoreError::NotFound);
    }
    Ok((h, p))
}

/// Moves a member of a household to another household of the same village,
/// named by its number, with their relation there. Refuses a stale version
/// of the person. Audited on the person (detail `household_move`).
pub fn household_move_member(
    db: &Db,
    scope: &Scope,
    household_id: &str,
    person_id: &str,
    expected_version: i64,
    to_number: &str,
    relation: Relation,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let (from, p) = load_member(tx, scope, household_id, person_id, expected_version)?;
        let number = hearth_core::household::parse_household_number(to_number)
            .map_err(|r| StoreError::field("to_number", r))?;
        let to = tx
            .query_opt(
                &format!(
                    "SELECT {HH_COLS} FROM household
                     WHERE village_code = $1 AND number = $2
                       AND village_code >= $3 AND village_code < $4"
                ),
                &[
                    P::T(&from.village_code),
                    P::T(&number),
                    P::T(&lo),
                    P::T(&hi),
                ],
            )?
            .map(|r| household_from(&r))
            .ok_or(StoreError::field(
                "to_number",
                Reason::UnknownValue {
                    allowed: "a household of this village",
                },
            ))?;
        if to.id == from.id {
            return Err(StoreError::field("to_number", Reason::Duplicate));
        }
        check_head(tx, &to, relation, &p.id)?;
        set_membership(tx, scope, &p, Some(&to), Some(relation), "household_move")
    })
}

/// Takes a member out of a household (the person stays in the register,
/// without a household or relation). Refuses a stale version of the person.
/// Audited on the person (detail `household_remove`).
pub fn household_remove_member(
    db: &Db,
    scope: &Scope,
    household_id: &str,
    person_id: &str,
    expected_version: i64,
) -> Result<Person, StoreError> {
    require(scope, Permission::WriteRegister)?;
    db.write(|tx| {
        let (_, p) = load_member(tx, scope, household_id, person_id, expected_version)?;
        set_membership(tx, scope, &p, None, None, "household_remove")
    })
}

/// One side of a couple as a person page shows it: `None` when that person
/// lies outside the caller's scope.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoupleMember {
    pub id: String,
    pub name: String,
}

/// A couple with both sides (as far as the scope shows them) and its birth
/// registrations, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoupleView {
    pub couple: Couple,
    pub wife: Option<CoupleMember>,
    pub husband: Option<CoupleMember>,
    pub registrations: Vec<BirthRegistration>,
}

/// A person's household and couples, for the person page. Not audited on
/// its own: the page audits the view with [`get_person`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonContext {
    pub household: Option<Household>,
    pub couples: Vec<CoupleView>,
}

/// Reads the household and the couples (with their registrations) of a
/// person in the scope.
pub fn person_context(
    db: &Db,
    scope: &Scope,
    person_id: &str,
) -> Result<PersonContext, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    db.read(|tx| {
        let p = load_person(tx, scope, person_id)?;
        let household = household_in_scope(tx, scope, p.household_id.as_deref())?;
        let couples: Vec<Couple> = tx
            .query(
                &format!(
                    "SELECT {C_COLS} FROM couple
                     WHERE (wife_id = $1 OR husband_id = $1)
                       AND village_code >= $2 AND village_code < $3
                     ORDER BY created_at, id"
                ),
                &[P::T(person_id), P::T(&lo), P::T(&hi)],
            )?
            .iter()
            .map(couple_from)
            .collect();
        let mut out = Vec::with_capacity(couples.len());
        for couple in couples {
            let mut side = |id: &str| -> Result<Option<CoupleMember>, StoreError> {
                Ok(tx
                    .query_opt(
                        "SELECT id, name FROM person
                         WHERE id = $1 AND village_code >= $2 AND village_code < $3",
                        &[P::T(id), P::T(&lo), P::T(&hi)],
                    )?
                    .map(|r| CoupleMember {
                        id: r.str(0),
                        name: r.str(1),
                    }))
            };
            let wife = side(&couple.wife_id)?;
            let husband = side(&couple.husband_id)?;
            let registrations = tx
                .query(
                    &format!(
                        "SELECT {R_COLS} FROM birth_registration
                         WHERE couple_id = $1 AND village_code >= $2 AND village_code < $3
                         ORDER BY issued_on, id"
                    ),
                    &[P::T(&couple.id), P::T(&lo), P::T(&hi)],
                )?
                .iter()
                .map(registration_from)
                .collect();
            out.push(CoupleView {
                couple,
                wife,
                husband,
                registrations,
            });
        }
        Ok(PersonContext {
            household,
            couples: out,
        })
    })
}

/// Links a person in the scope with a spouse of the other sex, found by
/// resident ID inside the scope, as a couple (育龄夫妇), through
/// [`create_couple`]. Errors name the field `spouse_resident_id`.
pub fn couple_with_spouse(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    spouse_resident_id: &str,
    marriage_date: Option<chrono::NaiveDate>,
) -> Result<Couple, StoreError> {
    require(scope, Permission::WriteRegister)?;
    const FIELD: &str = "spouse_resident_id";
    let (lo, hi) = scope.code_range();
    let (me, spouse) = db.read(|tx| {
        let me = load_person(tx, scope, person_id)?;
        let rid = hearth_core::id_number::ResidentId::parse(spouse_resident_id)
            .map_err(|r| StoreError::field(FIELD, r))?;
        let spouse = tx
            .query_opt(
                "SELECT id, sex FROM person
                 WHERE resident_id = $1 AND village_code >= $2 AND village_code < $3",
                &[P::T(rid.as_str()), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| (r.str(0), Sex::from_code(r.i64(1))))
            .ok_or(StoreError::field(
                FIELD,
                Reason::UnknownValue {
                    allowed: "a person of your area",
                },
            ))?;
        Ok((me, spouse))
    })?;
    let (wife, husband) = match (me.sex, spouse.1) {
        (Sex::Female, Some(Sex::Male)) => (me.id.as_str(), spouse.0.as_str()),
        (Sex::Male, Some(Sex::Female)) => (spouse.0.as_str(), me.id.as_str()),
        _ => return Err(StoreError::field(FIELD, Reason::SexMismatch)),
    };
    create_couple(db, scope, wife, husband, marriage_date).map_err(|e| match e {
        StoreError::Invalid(fields) => StoreError::Invalid(
            fields
                .into_iter()
                .map(|f| hearth_core::FieldError::new(FIELD, f.reason))
                .collect(),
        ),
        other => other,
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
        .map(|r| couple_from(&r))
        .ok_or(StoreError::NotFound)
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
            .i64(0);
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
            .map(|r| DueRegistration {
                registration: registration_from(r),
                wife: r.opt_str(12).map(|id| CoupleMember {
                    id,
                    name: r.str(13),
                }),
                wife_masked_id: r.opt_str(14).map(|x| hearth_core::id_number::mask_id(&x)),
            })
            .collect();
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
