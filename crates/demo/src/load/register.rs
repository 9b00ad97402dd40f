//! Writes a village's register through the bulk lane: households, persons
//! (with their pinyin initials), couples and birth registrations.

use super::LoadStats;
use crate::VillageBatch;
use hearth_core::pinyin::initials;
use hearth_store::StoreError;
use hearth_store::bulk::BulkWriter;
use hearth_store::db::{P, Tx};

/// Writes the village's households, persons, couples and registrations.
pub(super) fn write(
    tx: &mut Tx<'_>,
    b: &VillageBatch,
    now: &str,
    stats: &mut LoadStats,
) -> Result<(), StoreError> {
    let mut w = BulkWriter::open(
        tx,
        "household",
        &[
            "id",
            "village_code",
            "number",
            "address",
            "head_person_id",
            "family_planning",
            "poor_family_planning",
            "only_child",
            "two_daughters",
            "girl_family",
            "version",
            "created_at",
            "updated_at",
        ],
        true,
    )?;
    for h in &b.households {
        w.row(&[
            P::T(&h.id),
            P::T(&h.village_code),
            P::T(&h.number),
            P::T(&h.address),
            (&h.head_person_id).into(),
            h.flags.family_planning.into(),
            h.flags.poor_family_planning.into(),
            h.flags.only_child.into(),
            h.flags.two_daughters.into(),
            h.flags.girl_family.into(),
            P::I(1),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.households += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "person",
        &[
            "id",
            "resident_id",
            "name",
            "sex",
            "birth_date",
            "phone",
            "marital_status",
            "household_id",
            "relation",
            "village_code",
            "version",
            "created_at",
            "updated_at",
            "name_initials",
        ],
        true,
    )?;
    for p in &b.persons {
        w.row(&[
            P::T(&p.id),
            P::T(&p.resident_id),
            P::T(&p.name),
            P::I(p.sex.code()),
            P::T(&p.birth_date),
            (&p.phone).into(),
            p.marital_status.map(|m| m.code()).into(),
            (&p.household_id).into(),
            p.relation.map(|r| r.code()).into(),
            P::T(&p.village_code),
            P::I(1),
            P::T(now),
            P::T(now),
            P::T(&initials(&p.name)),
        ])?;
    }
    stats.persons += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "couple",
        &[
            "id",
            "wife_id",
            "husband_id",
            "marriage_date",
            "village_code",
            "version",
            "created_at",
            "updated_at",
        ],
        true,
    )?;
    for c in &b.couples {
        w.row(&[
            P::T(&c.id),
            P::T(&c.wife_id),
            P::T(&c.husband_id),
            (&c.marriage_date).into(),
            P::T(&c.village_code),
            P::I(1),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.couples += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "birth_registration",
        &[
            "id",
            "couple_id",
            "village_code",
            "child_order",
            "number",
            "issued_on",
            "status",
            "status_reason",
            "review_due",
            "last_reviewed_on",
            "version",
            "created_at",
            "updated_at",
        ],
        true,
    )?;
    for r in &b.registrations {
        w.row(&[
            P::T(&r.id),
            P::T(&r.couple_id),
            P::T(&r.village_code),
            P::I(r.child_order),
            P::T(&r.number),
            P::T(&r.issued_on),
            P::T(r.status.code()),
            (&r.status_reason).into(),
            P::T(&r.review_due),
            (&r.last_reviewed_on).into(),
            P::I(1),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.registrations += w.finish()?;
    Ok(())
}
