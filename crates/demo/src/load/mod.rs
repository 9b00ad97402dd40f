//! The demo loader: builds the generated town into an empty, migrated
//! database in one transaction through the store's bulk lane
//! (`hearth_store::bulk`): org units and accounts first, then village by
//! village the register (`register`), its five years of history
//! (`history`) and its follow-up service (`follow_up`) as the generator
//! streams them, then the town's enforcement cases and the audit entry.

mod follow_up;
mod history;
mod register;

use crate::{
    DemoConfig, VillageBatch, demo_accounts, enforcement_cases, generate, org_units,
    worker_accounts,
};
use hearth_core::dates::now_utc;
use hearth_core::scope::Scope;
use hearth_store::audit::{self, Action};
use hearth_store::db::{Backend, P, Tx};
use hearth_store::{Db, StoreError, bulk, new_id, orgs};
use std::collections::HashMap;

/// What a demo load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub org_units: u64,
    pub households: u64,
    pub persons: u64,
    pub couples: u64,
    pub registrations: u64,
    pub users: u64,
    pub pregnancies: u64,
    pub antenatal_checks: u64,
    pub births: u64,
    pub infant_deaths: u64,
    pub enforcement_cases: u64,
    pub zones: u64,
    pub assignments: u64,
    pub procedures: u64,
    pub visits: u64,
    pub visit_contacts: u64,
    pub needs: u64,
}

impl LoadStats {
    /// Rows of the register: households, persons, couples, registrations.
    pub fn register_rows(&self) -> u64 {
        self.households + self.persons + self.couples + self.registrations
    }

    /// Rows of the five years' history: pregnancies, antenatal checks,
    /// births and infant deaths.
    pub fn history_rows(&self) -> u64 {
        self.pregnancies + self.antenatal_checks + self.births + self.infant_deaths
    }
}

/// Builds the demo town into an empty, migrated database in one
/// transaction: org units, demo accounts (all with `password_hash`), the
/// generated population with its five years of history (reported and
/// verified by the village's `vNN` and the `town` account where the demo
/// has them), the town's enforcement cases, and the enforcement grant of
/// the `town` account. `progress` is called after each village with the
/// number of persons written so far.
pub fn load_demo(
    db: &Db,
    cfg: &DemoConfig,
    password_hash: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<LoadStats, StoreError> {
    let scope = Scope::system("demo");
    db.write(|tx| {
        let mut stats = LoadStats::default();
        let units = org_units(cfg);
        orgs::upsert_in(tx, &units)?;
        stats.org_units = units.len() as u64;
        let now = now_utc();
        // The demo accounts, then the follow-up workers of the villages
        // outside Gushao (Gushao's are demo accounts already).
        let workers = worker_accounts(&units, true)
            .into_iter()
            .filter(|a| !a.org_code.starts_with("370404100"));
        for a in demo_accounts(&units).into_iter().chain(workers) {
            let seq = tx.next_seq()?;
            tx.exec(
                "INSERT INTO app_user (id, username, display_name, password_hash, role, org_code,
                     disabled, named_access, version, change_seq, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 1, $7, $8, $8)
                 ON CONFLICT (username) DO NOTHING",
                &[
                    P::T(&new_id()),
                    P::T(&a.username),
                    P::T(&a.display_name),
                    P::T(password_hash),
                    P::T(a.role.code()),
                    P::T(&a.org_code),
                    P::I(seq),
                    P::T(&now),
                ],
            )?;
            stats.users += 1;
        }
        // The history names its reporters and verifiers by user name.
        let accounts: HashMap<String, String> = tx
            .query("SELECT username, id FROM app_user", &[])?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?)))
            .collect::<Result<_, StoreError>>()?;
        if let Some(town) = accounts.get("town") {
            grant_enforcement_in(tx, &scope, town, &now)?;
        }
        // Secondary indexes are cheaper to build once after the load than to
        // maintain row by row during it (measured: ~2.5x for the search indexes).
        let deferred = if bulk::is_fresh(tx)? {
            tx.defer_indexes(&[
                "household",
                "person",
                "couple",
                "birth_registration",
                "pregnancy",
                "antenatal_check",
                "birth",
                "infant_death",
                "follow_up_assignment",
                "contraceptive_procedure",
                "visit",
                "visit_contact",
                "visit_need",
            ])?
        } else {
            Vec::new()
        };
        generate(cfg, |batch: VillageBatch| {
            register::write(tx, &batch, &now, &mut stats)?;
            history::write(tx, &batch, &now, &accounts, &mut stats)?;
            follow_up::write(tx, &batch, &now, &accounts, &mut stats)?;
            progress(stats.persons);
            Ok::<(), StoreError>(())
        })?;
        for ddl in &deferred {
            tx.batch(ddl)?;
        }
        if tx.backend() == Backend::Postgres {
            // A bulk load leaves the planner without statistics until
            // autovacuum comes round; without them it plans the coverage and
            // statistics queries as if the tables were empty (measured:
            // 12.8 s against 80 ms for the same answer). SQLite keeps none.
            tx.batch("ANALYZE")?;
        }
        stats.enforcement_cases = write_cases(tx, cfg, &now)?;
        audit::record(
            tx,
            &scope,
            Action::Create,
            "demo",
            None,
            Some(&format!("{} persons, seed {}", stats.persons, cfg.seed)),
        )?;
        Ok(stats)
    })
}

/// The town's enforcement cases and their seized items (a handful of rows).
fn write_cases(tx: &mut Tx<'_>, cfg: &DemoConfig, now: &str) -> Result<u64, StoreError> {
    let cases = enforcement_cases(cfg);
    // Only where the demo holds the town (it always does; a guard all the same).
    let known = |code: &str, tx: &mut Tx<'_>| -> Result<bool, StoreError> {
        Ok(tx
            .query_opt("SELECT 1 FROM org_unit WHERE code = $1", &[P::T(code)])?
            .is_some())
    };
    let mut n = 0;
    for c in &cases {
        if !known(&c.org_code, tx)? {
            continue;
        }
        let seq = tx.next_seq()?;
        tx.exec(
            "INSERT INTO enforcement_case (id, org_code, kind, occurred_on, place, description,
                 penalty, fine_yuan, status, version, change_seq, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11)",
            &[
                P::T(&c.id),
                P::T(&c.org_code),
                P::T(c.kind.code()),
                P::T(&c.occurred_on),
                P::T(c.place),
                P::T(c.description),
                c.penalty.into(),
                c.fine_yuan.map_or(P::Null, P::I),
                P::T(c.status.code()),
                P::I(seq),
                P::T(now),
            ],
        )?;
        for (id, kind, count) in &c.items {
            tx.exec(
                "INSERT INTO enforcement_item (id, case_id, kind, count) VALUES ($1, $2, $3, $4)",
                &[P::T(id), P::T(&c.id), P::T(kind), P::I(*count)],
            )?;
        }
        n += 1;
    }
    Ok(n)
}

/// Grants a user the enforcement register (两非案件) inside the demo load's
/// transaction, audited as `enforcement::set_grant` audits a grant; a user
/// who holds it already keeps the first grant.
fn grant_enforcement_in(
    tx: &mut Tx<'_>,
    scope: &Scope,
    user_id: &str,
    now: &str,
) -> Result<(), StoreError> {
    let added = tx.exec(
        "INSERT INTO enforcement_grant (user_id, granted_by, granted_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO NOTHING",
        &[P::T(user_id), P::T(&scope.username), P::T(now)],
    )?;
    if added > 0 {
        audit::record(
            tx,
            scope,
            Action::Update,
            "enforcement_grant",
            Some(user_id),
            Some("granted"),
        )?;
    }
    Ok(())
}
