//! The demo's five years of maternal history (孕情到结局), drawn from the
//! seed village by village after its population: deliveries of the
//! children the population placed in their mothers' households, open and
//! overdue pregnancies, pregnancies that ended otherwise at their rates,
//! infant deaths, and the use of birth registrations (`events` writes each
//! pregnancy with its antenatal checks, births and two-person verification;
//! `cases` the town's 两非 enforcement cases). It reads the population's
//! batch and [`Lineage`](crate::population::Lineage); nothing before it
//! reads it.

mod cases;
mod events;
#[cfg(test)]
mod tests;

pub use cases::{DemoCase, enforcement_cases};

use crate::population::Family;
use crate::records::{DemoDeath, VillageBatch};
use crate::seed::{HISTORY_YEARS, add_days, days, fmt_date, mix, uuid_v7};
use chrono::{Months, NaiveDate};
use hearth_core::dates::{age_on, parse_date};
use hearth_core::person::{MaritalStatus, Sex};
use hearth_core::pregnancy::{DeathCause, Outcome, PregnancySource};
use hearth_core::registration::RegistrationStatus;
use std::collections::HashMap;

/// What the history of one village needs from the population generator.
pub(crate) struct VillageInput<'a> {
    pub today: NaiveDate,
    pub town_name: &'a str,
    pub county_name: &'a str,
    pub village_name: &'a str,
    /// The village's demo account, if it has one (Gushao: v01, v02, …).
    pub specialist: Option<String>,
    /// The town's demo account, if it has one (Gushao: `town`).
    pub town_account: Option<&'a str>,
    /// Birth dates of `batch.persons`, index for index.
    pub births: &'a [NaiveDate],
    pub families: &'a [Family],
    /// The wife's person index of each of `batch.couples`.
    pub couple_wives: &'a [usize],
    /// The couple index of each of `batch.registrations`.
    pub reg_couples: &'a [usize],
}

/// The share of live deliveries (closed pregnancies 83.4 %) against which
/// the other outcomes are drawn: miscarriage ~10 %, induced termination
/// ~5 %, stillbirth ~0.3 %, moved out ~0.6 %, lost ~0.4 % of all.
const LIVE_SHARE: f64 = 0.834;
const OTHER_OUTCOMES: [(Outcome, f64); 5] = [
    (Outcome::Miscarriage, 0.10),
    (Outcome::InducedTermination, 0.05),
    (Outcome::Stillbirth, 0.003),
    (Outcome::MovedOut, 0.006),
    (Outcome::Lost, 0.004),
];
/// Infant deaths per live birth.
const INFANT_DEATH_RATE: f64 = 0.005;
/// Open pregnancies (reported, not overdue) per birth of a year.
const OPEN_PER_YEARLY_BIRTH: f64 = 0.62;
/// Days kept free around a pregnancy of the same woman (recovery).
pub(super) const GAP_DAYS: i64 = 30;

pub(super) const CHECK_WEEKS: [i64; 10] = [16, 20, 24, 28, 32, 34, 36, 37, 38, 39];
pub(super) const CHECK_NOTES: [&str; 4] = [
    "血压、宫高、胎心正常",
    "血常规、尿常规未见异常",
    "B超提示胎儿发育正常",
    "建议补充铁剂、钙剂",
];
pub(super) const BIRTH_CHECKS_VILLAGE: &str = "核对出生时间、性别、出生医学证明";
pub(super) const BIRTH_CHECKS_TOWN: &str = "入户核对出生时间、性别、出生医学证明";
pub(super) const BIRTH_CHECKS_NO_CERT: &str = "核对出生时间、性别";
const DEATH_CHECKS_VILLAGE: &str = "核对死亡日期、死亡原因";
const DEATH_CHECKS_TOWN: &str = "入户核对死亡日期、死亡原因、死亡医学证明";

/// The run-wide state of the history: its random stream is reseeded per
/// village; the accumulators and counters carry over so rare events keep
/// their rates across small villages.
pub(crate) struct History {
    seed: u64,
    rng: fastrand::Rng,
    /// Fractional outcomes owed, per entry of `OTHER_OUTCOMES`.
    owed: [f64; 5],
    deaths_owed: f64,
    certificates: u64,
    records: u64,
    /// Per village, reused: occupied spans per person index.
    busy: Vec<Vec<(NaiveDate, NaiveDate)>>,
}

impl History {
    /// The history's state for a run from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(mix(seed ^ 0x4849_5354));
        let mut owed = [0.0; 5];
        for o in &mut owed {
            *o = rng.f64();
        }
        let deaths_owed = rng.f64();
        History {
            seed,
            rng,
            owed,
            deaths_owed,
            certificates: 0,
            records: 0,
            busy: Vec::new(),
        }
    }

    fn uuid(&mut self, counter: &mut u64) -> String {
        uuid_v7(counter, &mut self.rng)
    }

    fn free(&self, w: usize, from: NaiveDate, to: NaiveDate) -> bool {
        self.busy
            .get(w)
            .is_none_or(|spans| spans.iter().all(|(a, b)| to < *a || from > *b))
    }

    fn occupy(&mut self, w: usize, from: NaiveDate, to: NaiveDate) {
        if let Some(spans) = self.busy.get_mut(w) {
            spans.push((from, to));
        }
    }

    /// Days from LMP to report: ~90 % within 13 weeks (35–85 days), the
    /// rest late (92–200 days), never past `latest`.
    fn report_delay(&mut self, latest: i64) -> i64 {
        if self.rng.u32(0..100) < 90 || latest < 92 {
            days(&mut self.rng, 35, latest.min(85))
        } else {
            days(&mut self.rng, 92, latest.min(200))
        }
    }

    fn source(&mut self) -> PregnancySource {
        match self.rng.u32(0..100) {
            0..45 => PregnancySource::Visit,
            45..80 => PregnancySource::SelfReport,
            _ => PregnancySource::Clinic,
        }
    }

    /// Women who may carry a pregnancy not ending in a birth in the
    /// register: married, 20–45 at some point of the five years.
    fn candidates(v: &VillageInput<'_>, batch: &VillageBatch) -> Vec<usize> {
        batch
            .persons
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.sex == Sex::Female
                    && p.marital_status.is_some_and(MaritalStatus::is_married)
                    && v.births
                        .get(*i)
                        .is_some_and(|b| (20..=50).contains(&age_on(*b, v.today)))
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn pick(&mut self, pool: &[usize]) -> Option<usize> {
        if pool.is_empty() {
            None
        } else {
            pool.get(self.rng.usize(..pool.len())).copied()
        }
    }

    /// Generates the village's history into `batch` (which holds its
    /// generated population; registrations used by a birth become `used`).
    pub(crate) fn village(
        &mut self,
        counter: &mut u64,
        v: &VillageInput<'_>,
        batch: &mut VillageBatch,
    ) {
        self.rng = fastrand::Rng::with_seed(mix(
            self.seed ^ mix(batch.village_code.parse::<u64>().unwrap_or(0) ^ 0x4849_5354)
        ));
        let today = v.today;
        let start = today
            .checked_sub_months(Months::new(12 * HISTORY_YEARS))
            .unwrap_or(today);
        self.busy.clear();
        self.busy.resize(batch.persons.len(), Vec::new());

        // Registrations by wife.
        let mut regs_of: HashMap<usize, Vec<usize>> = HashMap::new();
        for (r, c) in v.reg_couples.iter().enumerate() {
            if let Some(w) = v.couple_wives.get(*c) {
                regs_of.entry(*w).or_default().push(r);
            }
        }
        let mut reg_taken = vec![false; batch.registrations.len()];

        // Every birth of a mother in the household keeps her other
        // pregnancies away from it.
        for f in v.families {
            for b in &f.births {
                self.occupy(f.mother, add_days(*b, -290), add_days(*b, 42));
            }
        }

        // 1. Deliveries: the household's children born in the five years,
        //    twins (same birth date) as one pregnancy.
        let mut deliveries = 0usize;
        for f in v.families {
            let mut k = 0;
            while k < f.members.len() {
                let Some(&(first, order)) = f.members.get(k) else {
                    break;
                };
                let born = v.births.get(first).copied().unwrap_or(today);
                let mut group = vec![(first, order)];
                k += 1;
                while let Some(&(next, o)) = f.members.get(k) {
                    if v.births.get(next).copied() != Some(born) {
                        break;
                    }
                    group.push((next, o));
                    k += 1;
                }
                if born <= start || born > today {
                    continue;
                }
                deliveries += 1;
                self.delivery(
                    counter,
                    v,
                    batch,
                    f.mother,
                    &group,
                    born,
                    &regs_of,
                    &mut reg_taken,
                );
            }
        }

        // 2. Open pregnancies under a current registration; the rest of the
        //    current registrations older than a year stay without one.
        let pool = Self::candidates(v, batch);
        let mut open = 0usize;
        for (r, taken) in reg_taken.iter_mut().enumerate() {
            let Some(reg) = batch.registrations.get(r) else {
                continue;
            };
            if reg.status != RegistrationStatus::Current || *taken || self.rng.u32(0..100) >= 35 {
                continue;
            }
            let Some(w) = v
                .reg_couples
                .get(r)
                .and_then(|c| v.couple_wives.get(*c))
                .copied()
            else {
                continue;
            };
            let issued = parse_date(&reg.issued_on).unwrap_or(today);
            let id = reg.id.clone();
            // The LMP no earlier than a month before the registration.
            let longest = (today - issued).num_days().min(280) + 30;
            let elapsed = days(&mut self.rng, 40, longest.clamp(40, 280));
            if self.open_pregnancy(counter, v, batch, w, elapsed, Some(id)) {
                *taken = true;
                open += 1;
            }
        }

        // 3. A handful overdue (past 44 weeks, no outcome recorded).
        if self.rng.u32(0..100) < 30 {
            for _ in 0..20 {
                let Some(w) = self.pick(&pool) else { break };
                let elapsed = days(&mut self.rng, 309, 335);
                if self.open_pregnancy(counter, v, batch, w, elapsed, None) {
                    break;
                }
            }
        }

        // 4. Other open pregnancies: about the births of seven months.
        let target =
            (deliveries as f64 / f64::from(HISTORY_YEARS) * OPEN_PER_YEARLY_BIRTH).round() as usize;
        let mut tries = 0;
        while open < target && tries < target * 12 + 12 {
            tries += 1;
            let Some(w) = self.pick(&pool) else { break };
            let elapsed = days(&mut self.rng, 30, 280);
            if self.open_pregnancy(counter, v, batch, w, elapsed, None) {
                open += 1;
            }
        }

        // 5. Pregnancies that ended otherwise, at their rates against the
        //    live deliveries.
        for (i, (outcome, share)) in OTHER_OUTCOMES.iter().enumerate() {
            if let Some(o) = self.owed.get_mut(i) {
                *o += deliveries as f64 * share / LIVE_SHARE;
            }
            while self.owed.get(i).is_some_and(|o| *o >= 1.0) {
                if let Some(o) = self.owed.get_mut(i) {
                    *o -= 1.0;
                }
                for _ in 0..30 {
                    let Some(w) = self.pick(&pool) else { break };
                    if self.closed_pregnancy(counter, v, batch, w, *outcome, start) {
                        break;
                    }
                }
            }
        }

        // 6. Infant deaths, verified, among births old enough to have one.
        let n_births = batch.births.len();
        for b in 0..n_births {
            let Some(born) = batch
                .births
                .get(b)
                .and_then(|x| parse_date(&x.born_on).ok())
            else {
                continue;
            };
            let room = (today - born).num_days() - 20;
            if room < 1 {
                continue;
            }
            self.deaths_owed += INFANT_DEATH_RATE;
            if self.deaths_owed < 1.0 {
                continue;
            }
            self.deaths_owed -= 1.0;
            let neonatal = self.rng.u32(0..100) < 55;
            let age = if neonatal {
                if self.rng.u32(0..100) < 60 {
                    self.rng.i64(0..7)
                } else {
                    self.rng.i64(7..28)
                }
            } else {
                self.rng.i64(28..365)
            }
            .min(room);
            let died = add_days(born, age);
            let r = self.rng.u32(0..100);
            let cause = if age < 28 {
                match r {
                    0..40 => DeathCause::Prematurity,
                    40..65 => DeathCause::Asphyxia,
                    65..90 => DeathCause::CongenitalAnomaly,
                    _ => DeathCause::Other,
                }
            } else {
                match r {
                    0..35 => DeathCause::Pneumonia,
                    35..55 => DeathCause::CongenitalAnomaly,
                    55..65 => DeathCause::Diarrhoea,
                    65..85 => DeathCause::Injury,
                    _ => DeathCause::Other,
                }
            };
            let (village_verify, town_verify) =
                self.verify(v, died, 2, (DEATH_CHECKS_VILLAGE, DEATH_CHECKS_TOWN));
            let id = self.uuid(counter);
            let Some(birth) = batch.births.get(b) else {
                continue;
            };
            batch.infant_deaths.push(DemoDeath {
                id,
                child_id: birth.child_id.clone(),
                birth_id: birth.id.clone(),
                village_code: batch.village_code.clone(),
                died_on: fmt_date(died),
                age_days: age,
                cause,
                reported_by_name: reporter(v),
                village_verify,
                town_verify,
            });
        }
    }
}

/// The village specialist who reports and verifies first.
fn reporter(v: &VillageInput<'_>) -> String {
    v.specialist
        .clone()
        .unwrap_or_else(|| format!("{}计生专干", v.village_name))
}
