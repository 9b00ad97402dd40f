//! The run: the towns and villages a population needs, then village by
//! village in village-code order its register (`population`), its five
//! years of history (`history`) and its follow-up service (`follow_up`),
//! each part reading what the ones before it produced, the batch handed to
//! the caller before the next village starts.

use crate::accounts::specialist_of;
use crate::follow_up::{FollowInput, FollowUp};
use crate::history::{History, VillageInput};
use crate::population::Gen;
use crate::records::VillageBatch;
use crate::seed::DemoConfig;
use crate::town::{GUSHAO, counties, county_name, plan, villages};

/// Generates the population village by village (streaming: never the whole
/// population in memory), calling `sink` once per village in village-code
/// order. Stops at the first sink error and returns it. Deterministic for a
/// given (persons, seed, today).
pub fn generate<E>(
    cfg: &DemoConfig,
    mut sink: impl FnMut(VillageBatch) -> Result<(), E>,
) -> Result<(), E> {
    let towns = plan(cfg.persons);
    let villages = villages(&towns, cfg);
    let mut g = Gen::new(cfg, counties(&towns));
    let mut history = History::new(cfg.seed);
    let mut follow = FollowUp::new(cfg.seed);
    for v in &villages {
        g.village(cfg.seed, v);
        let (batch, clock, lineage) = g.parts();
        // The village's history, once its population is complete.
        let input = VillageInput {
            today: cfg.today,
            town_name: v.town,
            county_name: county_name(v.county),
            village_name: v.name,
            specialist: specialist_of(v.code),
            town_account: v.code.starts_with(GUSHAO).then_some("town"),
            births: lineage.births,
            families: lineage.families,
            couple_wives: lineage.couple_wives,
            reg_couples: lineage.reg_couples,
        };
        history.village(clock, &input, batch);
        // Its follow-up service, once its history is complete.
        let input = FollowInput {
            seed: cfg.seed,
            today: cfg.today,
            months: cfg.followup_months,
            village_name: v.name,
        };
        follow.village(clock, &input, batch);
        sink(std::mem::take(batch))?;
    }
    Ok(())
}
