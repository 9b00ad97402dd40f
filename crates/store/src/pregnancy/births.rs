//! Birth reports (出生报告): the live birth(s) that close a pregnancy, each
//! child created as a person in the mother's household (no resident ID yet,
//! a provisional name until named, its birth order 孩次) and the birth
//! registration marked used, all in one transaction; reading a birth with
//! its amendments and any infant death; naming the child.

use super::rows::{births_of, load_birth, load_death, load_person, load_pregnancy, prior_owner};
use super::types::{Amendment, Birth, BirthView};
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::scoped::{client, conflict_or_missing, require, stale, stored_date, unique_violation};
use crate::{Db, new_id};
use chrono::NaiveDate;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::name::PersonName;
use hearth_core::person::{Relation, Sex};
use hearth_core::pinyin::initials;
use hearth_core::pregnancy::{BirthInput, ValidBirth};
use hearth_core::scope::{Permission, Scope};
use hearth_core::{FieldError, Reason};
use std::collections::HashSet;

/// The child's relation to the head of the mother's household.
fn child_relation(mother: Option<Relation>, sex: Sex) -> Relation {
    match mother {
        Some(Relation::Head | Relation::Spouse) => match sex {
            Sex::Male => Relation::Son,
            Sex::Female => Relation::Daughter,
        },
        Some(Relation::DaughterInLaw | Relation::Son | Relation::Daughter) => Relation::Grandchild,
        _ => Relation::Other,
    }
}

/// The name a child carries until named: "<mother>之子" or "<mother>之女"
/// (the child's person record holds it; pages show it for an unnamed child).
pub fn provisional_name(mother: &str, sex: Sex) -> String {
    match sex {
        Sex::Male => format!("{mother}之子"),
        Sex::Female => format!("{mother}之女"),
    }
}

/// Checks every child of a birth report: each one's own rules (errors named
/// `children[i].field`, counting from 0), a shared date of birth (twins may
/// straddle midnight: one day apart at most) and certificate numbers not
/// used before.
fn check_children(
    tx: &mut Tx<'_>,
    children: &[BirthInput],
    lmp: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ValidBirth>, StoreError> {
    let mut errors = Vec::new();
    let mut valid = Vec::with_capacity(children.len());
    for (i, c) in children.iter().enumerate() {
        match c.validate(lmp, today) {
            Ok(v) => valid.push((i, v)),
            Err(es) => errors.extend(
                es.into_iter()
                    .map(|e| FieldError::new(format!("children[{i}].{}", e.field), e.reason)),
            ),
        }
    }
    if let Some(first) = valid.first().map(|(_, v)| v.born_on) {
        for (i, v) in &valid {
            if (v.born_on - first).num_days().abs() > 1 {
                errors.push(FieldError::new(
                    format!("children[{i}].born_on"),
                    Reason::UnknownValue {
                        allowed: "与同胎其他孩子同日或相差一天 / the same day as the other children (±1 day)",
                    },
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    for (i, v) in &valid {
        if let Some(c) = &v.certificate_no {
            let used = !seen.insert(c.clone())
                || tx
                    .query_opt("SELECT 1 FROM birth WHERE certificate_no = $1", &[P::T(c)])?
                    .is_some();
            if used {
                errors.push(FieldError::new(
                    format!("children[{i}].certificate_no"),
                    Reason::Duplicate,
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(valid.into_iter().map(|(_, v)| v).collect())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// Reports the live birth(s) of an open pregnancy: one [`BirthInput`] per
/// child (twins: two). Closes the pregnancy as a live birth, creates each
/// child as a person in the mother's household, and marks the birth
/// registration used. `client_id` is the first birth's id: when it was
/// already used for this pregnancy, the births already made are returned
/// with `true` (a retry).
pub fn report_births(
    db: &Db,
    scope: &Scope,
    client_id: Option<&str>,
    pregnancy_id: &str,
    expected_version: i64,
    children: &[BirthInput],
    today: NaiveDate,
) -> Result<(Vec<Birth>, bool), StoreError> {
    require(scope, Permission::WriteRegister)?;
    if children.is_empty() || children.len() > 4 {
        return Err(StoreError::field(
            "children",
            Reason::OutOfRange { min: 1, max: 4 },
        ));
    }
    let client_id = client(client_id);
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let prior = match client_id {
            Some(cid) => prior_owner(tx, scope, "birth", "pregnancy_id", cid)?,
            None => None,
        };
        let p = load_pregnancy(tx, scope, pregnancy_id, today)?;
        if let Some(owner) = prior {
            if owner == p.id {
                return Ok((births_of(tx, scope, &p.id)?, true));
            }
            return Err(StoreError::field("id", Reason::Duplicate));
        }
        stale(p.version, expected_version)?;
        if p.outcome.is_some() {
            return Err(StoreError::field("pregnancy_id", Reason::BadTransition));
        }
        let lmp = stored_date(&p.lmp)?;
        let valid = check_children(tx, children, lmp, today)?;
        let mother = load_person(tx, scope, &p.woman_id)?;

        // The registration the birth uses: the pregnancy's own, else the
        // mother's current one with the lowest child order.
        let registration = match &p.registration_id {
            Some(r) => tx.query_opt(
                "SELECT id, child_order FROM birth_registration
                 WHERE id = $1 AND village_code >= $2 AND village_code < $3",
                &[P::T(r), P::T(&lo), P::T(&hi)],
            )?,
            None => tx.query_opt(
                "SELECT r.id, r.child_order FROM birth_registration r
                 JOIN couple c ON c.id = r.couple_id
                 WHERE c.wife_id = $1 AND r.status = 'current'
                   AND r.village_code >= $2 AND r.village_code < $3
                 ORDER BY r.child_order, r.issued_on, r.id
                 LIMIT 1",
                &[P::T(&mother.id), P::T(&lo), P::T(&hi)],
            )?,
        }
        .map(|r| Ok::<_, StoreError>((r.text(0)?, r.int(1)?)))
        .transpose()?;
        // The order of the first child: the first one given, else the
        // registration's, else one more than the mother's births so far.
        // 孩次 counts live-born children, not deliveries: a twin born second
        // is the next child (first-delivery twins are the 1st and 2nd).
        let order = match valid.iter().find_map(|v| v.birth_order) {
            Some(o) => o,
            None => match &registration {
                Some((_, o)) => *o,
                None => {
                    tx.query_one(
                        "SELECT COUNT(*) FROM birth WHERE mother_id = $1",
                        &[P::T(&mother.id)],
                    )?
                    .int(0)?
                        + 1
                }
            },
        };
        let now = now_utc();

        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE pregnancy SET outcome = 'live_birth', outcome_on = $1, version = version + 1,
                 change_seq = $2, updated_at = $3
             WHERE id = $4 AND version = $5 AND outcome IS NULL
               AND village_code >= $6 AND village_code < $7",
            &[
                P::T(&fmt_date(valid[0].born_on)),
                P::I(seq),
                P::T(&now),
                P::T(&p.id),
                P::I(expected_version),
                P::T(&lo),
                P::T(&hi),
            ],
        )?;
        if n == 0 {
            return Err(conflict_or_missing(tx, "pregnancy", &p.id, scope));
        }
        audit::record(
            tx,
            scope,
            Action::Update,
            "pregnancy",
            Some(&p.id),
            Some("live_birth"),
        )?;

        if let Some((rid, _)) = &registration {
            let seq = tx.next_seq()?;
            let n = tx.exec(
                "UPDATE birth_registration SET status = 'used', version = version + 1,
                     change_seq = $1, updated_at = $2
                 WHERE id = $3 AND status = 'current'",
                &[P::I(seq), P::T(&now), P::T(rid)],
            )?;
            if n > 0 {
                audit::record(
                    tx,
                    scope,
                    Action::Update,
                    "birth_registration",
                    Some(rid),
                    Some("used"),
                )?;
            }
        }
        let registration_id = registration.map(|(id, _)| id);

        let mut ids = Vec::with_capacity(valid.len());
        for (i, v) in valid.iter().enumerate() {
            let child_id = new_id();
            let name = v
                .child_name
                .clone()
                .unwrap_or_else(|| provisional_name(&mother.name, v.sex));
            let relation = mother
                .household_id
                .as_ref()
                .map(|_| child_relation(mother.relation, v.sex).code());
            let seq = tx.next_seq()?;
            tx.exec(
                "INSERT INTO person (id, resident_id, name, sex, birth_date, phone,
                     marital_status, household_id, relation, village_code, version, change_seq,
                     created_at, updated_at, name_initials)
                 VALUES ($1, NULL, $2, $3, $4, NULL, NULL, $5, $6, $7, 1, $8, $9, $9, $10)",
                &[
                    P::T(&child_id),
                    P::T(&name),
                    P::I(v.sex.code()),
                    P::T(&fmt_date(v.born_on)),
                    (&mother.household_id).into(),
                    relation.into(),
                    P::T(&mother.village_code),
                    P::I(seq),
                    P::T(&now),
                    P::T(&initials(&name)),
                ],
            )?;
            audit::record(
                tx,
                scope,
                Action::Create,
                "person",
                Some(&child_id),
                Some("birth"),
            )?;
            let id = match (i, client_id) {
                (0, Some(cid)) => cid.to_string(),
                _ => new_id(),
            };
            let seq = tx.next_seq()?;
            tx.exec(
                "INSERT INTO birth (id, pregnancy_id, mother_id, child_id, village_code,
                     child_name, sex, born_on, born_time, weight_g, place, birth_order,
                     certificate_no, registration_id, reported_by, reported_by_name, verified,
                     version, change_seq, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                     0, 1, $17, $18, $18)",
                &[
                    P::T(&id),
                    P::T(&p.id),
                    P::T(&mother.id),
                    P::T(&child_id),
                    P::T(&mother.village_code),
                    (&v.child_name).into(),
                    P::I(v.sex.code()),
                    P::T(&fmt_date(v.born_on)),
                    (&v.born_time).into(),
                    v.weight_g.map_or(P::Null, P::I),
                    P::T(v.place.code()),
                    P::I(v.birth_order.unwrap_or(order + i as i64)),
                    (&v.certificate_no).into(),
                    (&registration_id).into(),
                    scope.user_id.as_deref().into(),
                    P::T(&scope.username),
                    P::I(seq),
                    P::T(&now),
                ],
            )
            .map_err(|e| {
                if unique_violation(&e, "birth_certificate", "birth.certificate_no") {
                    StoreError::field(&format!("children[{i}].certificate_no"), Reason::Duplicate)
                } else {
                    e
                }
            })?;
            audit::record(tx, scope, Action::Create, "birth", Some(&id), None)?;
            ids.push(id);
        }
        let births = ids
            .iter()
            .map(|id| load_birth(tx, scope, id))
            .collect::<Result<_, _>>()?;
        Ok((births, false))
    })
}

/// Reads a birth with its amendments and any infant death; audited.
pub fn get_birth(db: &Db, scope: &Scope, id: &str) -> Result<BirthView, StoreError> {
    require(scope, Permission::ReadRegister)?;
    db.write(|tx| {
        let birth = load_birth(tx, scope, id)?;
        let amendments = tx
            .query(
                "SELECT id, birth_id, field, old_value, new_value, reason, by_name, at
                 FROM birth_amendment WHERE birth_id = $1
                 ORDER BY at, change_seq",
                &[P::T(id)],
            )?
            .iter()
            .map(|r| {
                Ok(Amendment {
                    id: r.text(0)?,
                    birth_id: r.text(1)?,
                    field: r.text(2)?,
                    old_value: r.text(3)?,
                    new_value: r.text(4)?,
                    reason: r.text(5)?,
                    by_name: r.text(6)?,
                    at: r.text(7)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let death = load_death(tx, scope, &birth.child_id, true)?;
        audit::record(tx, scope, Action::View, "birth", Some(id), None)?;
        Ok(BirthView {
            birth,
            amendments,
            death,
        })
    })
}

/// Gives a child their name (on the birth and the person record).
pub fn name_child(
    db: &Db,
    scope: &Scope,
    birth_id: &str,
    expected_version: i64,
    name: &str,
) -> Result<Birth, StoreError> {
    require(scope, Permission::WriteRegister)?;
    let name = PersonName::parse(name).map_err(|r| StoreError::field("child_name", r))?;
    let name = name.as_str();
    let (lo, hi) = scope.code_range();
    db.write(|tx| {
        let b = load_birth(tx, scope, birth_id)?;
        stale(b.version, expected_version)?;
        let now = now_utc();
        let seq = tx.next_seq()?;
        let n = tx.exec(
            "UPDATE birth SET child_name = $1, version = version + 1, change_seq = $2,
                 updated_at = $3
             WHERE id = $4 AND version = $5 AND village_code >= $6 AND village_code < $7",
            &[
                P::T(name),
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
            "UPDATE person SET name = $1, name_initials = $2, version = version + 1,
                 change_seq = $3, updated_at = $4
             WHERE id = $5",
            &[
                P::T(name),
                P::T(&initials(name)),
                P::I(seq),
                P::T(&now),
                P::T(&b.child_id),
            ],
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "birth",
            Some(birth_id),
            Some("name"),
        )?;
        audit::record(
            tx,
            scope,
            Action::Update,
            "person",
            Some(&b.child_id),
            Some("name"),
        )?;
        load_birth(tx, scope, birth_id)
    })
}
