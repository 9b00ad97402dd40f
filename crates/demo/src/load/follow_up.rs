//! Writes a village's follow-up service through the bulk lane: zones,
//! assignments, contraceptive procedures, visits, the contacts they
//! covered, and needs.

use super::LoadStats;
use crate::VillageBatch;
use hearth_core::follow_up::NeedStatus;
use hearth_store::StoreError;
use hearth_store::bulk::{BulkWriter, reserve_seqs};
use hearth_store::db::{P, Tx};
use std::collections::HashMap;

/// Writes a village's follow-up service through the fast lanes: zones
/// (their workers by user name), assignments, procedures, visits, the
/// contacts they covered, and needs.
pub(super) fn write(
    tx: &mut Tx<'_>,
    b: &VillageBatch,
    now: &str,
    accounts: &HashMap<String, String>,
    stats: &mut LoadStats,
) -> Result<(), StoreError> {
    let n =
        b.zones.len() + b.assignments.len() + b.procedures.len() + b.visits.len() + b.needs.len();
    let seqs = reserve_seqs(tx, n)?;
    let mut seq = seqs.into_iter();
    let mut next = || seq.next().map_or(P::Null, P::I);
    let id_of = |name: &Option<String>| -> P<'_> {
        name.as_deref()
            .and_then(|n| accounts.get(n))
            .map(String::as_str)
            .into()
    };

    let mut w = BulkWriter::open(
        tx,
        "zone",
        &[
            "id",
            "village_code",
            "name",
            "worker_id",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for z in &b.zones {
        w.row(&[
            P::T(&z.id),
            P::T(&z.village_code),
            P::T(&z.name),
            id_of(&z.worker_username),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.zones += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "follow_up_assignment",
        &[
            "person_id",
            "village_code",
            "zone_id",
            "worker_id",
            "version",
            "change_seq",
            "updated_at",
        ],
        false,
    )?;
    for a in &b.assignments {
        // A worker without an account leaves the woman unassigned (shown
        // as a problem) rather than breaking the load.
        let Some(worker) = accounts.get(&a.worker_username) else {
            continue;
        };
        w.row(&[
            P::T(&a.person_id),
            P::T(&a.village_code),
            P::T(&a.zone_id),
            P::T(worker),
            P::I(1),
            next(),
            P::T(now),
        ])?;
    }
    stats.assignments += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "contraceptive_procedure",
        &[
            "id",
            "person_id",
            "village_code",
            "kind",
            "done_on",
            "place",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for x in &b.procedures {
        w.row(&[
            P::T(&x.id),
            P::T(&x.person_id),
            P::T(&x.village_code),
            P::T(x.kind.code()),
            P::T(&x.done_on),
            P::T(x.place),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.procedures += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "visit",
        &[
            "id",
            "person_id",
            "village_code",
            "zone_id",
            "worker_id",
            "worker_name",
            "visited_on",
            "mode",
            "topics",
            "findings",
            "next_appointment",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for v in &b.visits {
        w.row(&[
            P::T(&v.id),
            P::T(&v.person_id),
            P::T(&v.village_code),
            P::T(&v.zone_id),
            id_of(&v.worker_username),
            P::T(&v.worker_name),
            P::T(&v.visited_on),
            P::T(v.mode.code()),
            P::T(&v.topics),
            v.findings.into(),
            (&v.next_appointment).into(),
            P::I(1),
            next(),
            P::T(now),
            P::T(now),
        ])?;
    }
    stats.visits += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "visit_contact",
        &[
            "visit_id",
            "person_id",
            "contact_key",
            "rule_code",
            "window_from",
            "window_to",
        ],
        false,
    )?;
    for c in &b.visit_contacts {
        w.row(&[
            P::T(&c.visit_id),
            P::T(&c.person_id),
            P::T(&c.contact_key),
            P::T(&c.rule_code),
            P::T(&c.window_from),
            P::T(&c.window_to),
        ])?;
    }
    stats.visit_contacts += w.finish()?;

    let mut w = BulkWriter::open(
        tx,
        "visit_need",
        &[
            "id",
            "visit_id",
            "person_id",
            "village_code",
            "category",
            "text",
            "status",
            "for_window",
            "version",
            "change_seq",
            "created_at",
            "updated_at",
        ],
        false,
    )?;
    for x in &b.needs {
        let at = format!("{}T09:00:00Z", x.created_on);
        w.row(&[
            P::T(&x.id),
            P::T(&x.visit_id),
            P::T(&x.person_id),
            P::T(&x.village_code),
            P::T(x.category.code()),
            P::T(x.text),
            P::T(x.status.code()),
            (x.status == NeedStatus::ForWindow).into(),
            P::I(1),
            next(),
            P::T(&at),
            P::T(now),
        ])?;
    }
    stats.needs += w.finish()?;
    Ok(())
}
