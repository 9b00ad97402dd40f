//! Writes a village's five years of history through the bulk lane:
//! pregnancies, antenatal checks, births and infant deaths, their reporters
//! and verifiers linked to the demo accounts by user name.

use super::LoadStats;
use crate::{DemoVerify, VillageBatch};
use hearth_store::StoreError;
use hearth_store::bulk::{BulkWriter, reserve_seqs};
use hearth_store::db::{P, Tx};
use std::collections::HashMap;

/// The three columns of a verification step (by whom, their name, when)
/// and what was checked; the user id where the name is a demo account.
fn step<'a>(v: &'a Option<DemoVerify>, accounts: &'a HashMap<String, String>) -> [P<'a>; 4] {
    match v {
        Some(s) => [
            accounts.get(&s.by_name).map(String::as_str).into(),
            P::T(&s.by_name),
            P::T(&s.on),
            P::T(s.checks),
        ],
        None => [P::Null, P::Null, P::Null, P::Null],
    }
}

/// Writes a village's history through the fast lanes: pregnancies (after
/// the registrations they name), antenatal checks, births (after the
/// children's person rows), infant deaths.
pub(super) fn write(
    tx: &mut Tx<'_>,
    b: &VillageBatch,
    now: &str,
    accounts: &HashMap<String, String>,
    stats: &mut LoadStats,
) -> Result<(), StoreError> {
    let n = b.pregnancies.len() + b.checks.len() + b.births.len() + b.infant_deaths.len();
    let seqs = reserve_seqs(tx, n)?;
    let mut seq = seqs.into_iter();
    let mut next = || seq.next().map_or(P::Null, P::I);
    let id_of = |name: &str| -> P<'_> { accounts.get(name).map(String::as_str).into() };

    let mut w = BulkWriter::open(
        tx,
        "pregnancy",
        &[
            "id",
            "woman_id",
            "village_code",
            "lmp",
            "reported_on",
            "source",
            "edd",
            "timely",
            "registration_id",
            "reported_by",
            "reported_by_name",
            "outcome",
            "outcome_on",
            "termination_record",
            "termination_reason",
            "outcome_note",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for p in &b.pregnancies {
        w.row(&[
            P::T(&p.id),
            P::T(&p.woman_id),
            P::T(&p.village_code),
            P::T(&p.lmp),
            P::T(&p.reported_on),
            P::T(p.source.code()),
            P::T(&p.edd),
            p.timely.into(),
            (&p.registration_id).into(),
            id_of(&p.reported_by_name),
            P::T(&p.reported_by_name),
            p.outcome.map(|o| o.code()).into(),
            (&p.outcome_on).into(),
            (&p.termination_record).into(),
            p.termination_reason.map(|r| r.code()).into(),
            p.outcome_note.into(),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.pregnancies += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "antenatal_check",
        &[
            "id",
            "pregnancy_id",
            "village_code",
            "checked_on",
            "gest_week",
            "place",
            "note",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for c in &b.checks {
        w.row(&[
            P::T(&c.id),
            P::T(&c.pregnancy_id),
            P::T(&c.village_code),
            P::T(&c.checked_on),
            P::I(c.gest_week),
            P::T(&c.place),
            c.note.into(),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.antenatal_checks += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "birth",
        &[
            "id",
            "pregnancy_id",
            "mother_id",
            "child_id",
            "village_code",
            "child_name",
            "sex",
            "born_on",
            "born_time",
            "weight_g",
            "place",
            "birth_order",
            "certificate_no",
            "registration_id",
            "reported_by",
            "reported_by_name",
            "village_verified_by",
            "village_verifier_name",
            "village_verified_on",
            "village_checks",
            "town_verified_by",
            "town_verifier_name",
            "town_verified_on",
            "town_checks",
            "verified",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for x in &b.births {
        let [vb, vn, von, vc] = step(&x.village_verify, accounts);
        let [tb, tn, ton, tc] = step(&x.town_verify, accounts);
        w.row(&[
            P::T(&x.id),
            P::T(&x.pregnancy_id),
            P::T(&x.mother_id),
            P::T(&x.child_id),
            P::T(&x.village_code),
            (&x.child_name).into(),
            P::I(x.sex.code()),
            P::T(&x.born_on),
            (&x.born_time).into(),
            x.weight_g.map_or(P::Null, P::I),
            P::T(x.place.code()),
            P::I(x.birth_order),
            (&x.certificate_no).into(),
            (&x.registration_id).into(),
            id_of(&x.reported_by_name),
            P::T(&x.reported_by_name),
            vb,
            vn,
            von,
            vc,
            tb,
            tn,
            ton,
            tc,
            x.verified().into(),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.births += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "infant_death",
        &[
            "id",
            "child_id",
            "birth_id",
            "village_code",
            "died_on",
            "age_days",
            "cause",
            "reported_by",
            "reported_by_name",
            "village_verified_by",
            "village_verifier_name",
            "village_verified_on",
            "village_checks",
            "town_verified_by",
            "town_verifier_name",
            "town_verified_on",
            "town_checks",
            "verified",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for x in &b.infant_deaths {
        let [vb, vn, von, vc] = step(&x.village_verify, accounts);
        let [tb, tn, ton, tc] = step(&x.town_verify, accounts);
        w.row(&[
            P::T(&x.id),
            P::T(&x.child_id),
            P::T(&x.birth_id),
            P::T(&x.village_code),
            P::T(&x.died_on),
            P::I(x.age_days),
            P::T(x.cause.code()),
            id_of(&x.reported_by_name),
            P::T(&x.reported_by_name),
            vb,
            vn,
            von,
            vc,
            tb,
            tn,
            ton,
            tc,
            (x.village_verify.is_some() && x.town_verify.is_some()).into(),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.infant_deaths += w.finish()?;
    Ok(())
}
