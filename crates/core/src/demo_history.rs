//! The demo's five years of maternal history (孕情到结局): pregnancies with
//! their report timing and outcomes, antenatal checks, births of the
//! children the generator placed in their mothers' households (with the
//! two-person verification), infant deaths, the use of birth registrations,
//! and the town's 两非 enforcement cases — all drawn from the seed, as of
//! the demo's `today`, village by village beside the population.

use crate::dates::{age_on, parse_date};
use crate::demo::{DemoConfig, GUSHAO, VillageBatch, add_days, fmt_date, mix, uuid_v7};
use crate::person::{MaritalStatus, Sex};
use crate::pregnancy::{
    BirthPlace, CaseKind, CaseStatus, DeathCause, GESTATION_DAYS, Outcome, PregnancySource,
    TerminationReason, is_timely,
};
use crate::registration::RegistrationStatus;
use chrono::{Datelike, Months, NaiveDate};
use std::collections::HashMap;

/// Years of history the demo holds.
pub const HISTORY_YEARS: u32 = 5;

/// A pregnancy as the demo writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPregnancy {
    pub id: String,
    pub woman_id: String,
    pub village_code: String,
    pub lmp: String,
    pub reported_on: String,
    pub source: PregnancySource,
    pub edd: String,
    pub timely: bool,
    pub registration_id: Option<String>,
    /// The reporting village specialist (a demo user name where the
    /// village has a demo account, else the post's name).
    pub reported_by_name: String,
    pub outcome: Option<Outcome>,
    pub outcome_on: Option<String>,
    pub termination_record: Option<String>,
    pub termination_reason: Option<TerminationReason>,
    pub outcome_note: Option<&'static str>,
}

/// An antenatal check of a demo pregnancy.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCheck {
    pub id: String,
    pub pregnancy_id: String,
    pub village_code: String,
    pub checked_on: String,
    pub gest_week: i64,
    pub place: String,
    pub note: Option<&'static str>,
}

/// One recorded verification step.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoVerify {
    /// A demo user name (or the post's name where there is no account).
    pub by_name: String,
    pub on: String,
    pub checks: &'static str,
}

/// A child born alive, linked to the child's person record.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoBirth {
    pub id: String,
    pub pregnancy_id: String,
    pub mother_id: String,
    pub child_id: String,
    pub village_code: String,
    pub child_name: Option<String>,
    pub sex: Sex,
    pub born_on: String,
    pub born_time: Option<String>,
    pub weight_g: Option<i64>,
    pub place: BirthPlace,
    pub birth_order: i64,
    pub certificate_no: Option<String>,
    pub registration_id: Option<String>,
    pub reported_by_name: String,
    pub village_verify: Option<DemoVerify>,
    pub town_verify: Option<DemoVerify>,
}

impl DemoBirth {
    /// Both steps recorded.
    pub fn verified(&self) -> bool {
        self.village_verify.is_some() && self.town_verify.is_some()
    }
}

/// An infant death of a demo birth.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoDeath {
    pub id: String,
    pub child_id: String,
    pub birth_id: String,
    pub village_code: String,
    pub died_on: String,
    pub age_days: i64,
    pub cause: DeathCause,
    pub reported_by_name: String,
    pub village_verify: Option<DemoVerify>,
    pub town_verify: Option<DemoVerify>,
}

/// A 两非 case of the demo town.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCase {
    pub id: String,
    pub org_code: String,
    pub kind: CaseKind,
    pub occurred_on: String,
    pub place: &'static str,
    pub description: &'static str,
    pub penalty: Option<&'static str>,
    pub fine_yuan: Option<i64>,
    pub status: CaseStatus,
    /// (item id, kind, count).
    pub items: Vec<(String, &'static str, i64)>,
}

/// A mother living in the household with her children: her person index,
/// the birth dates of all her children (in the household or not) and the
/// children in the household as (person index, birth order).
pub(crate) struct Family {
    pub mother: usize,
    pub births: Vec<NaiveDate>,
    pub members: Vec<(usize, i64)>,
}

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
const GAP_DAYS: i64 = 30;

const CHECK_WEEKS: [i64; 10] = [16, 20, 24, 28, 32, 34, 36, 37, 38, 39];
const CHECK_NOTES: [&str; 4] = [
    "血压、宫高、胎心正常",
    "血常规、尿常规未见异常",
    "B超提示胎儿发育正常",
    "建议补充铁剂、钙剂",
];
const BIRTH_CHECKS_VILLAGE: &str = "核对出生时间、性别、出生医学证明";
const BIRTH_CHECKS_TOWN: &str = "入户核对出生时间、性别、出生医学证明";
const BIRTH_CHECKS_NO_CERT: &str = "核对出生时间、性别";
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

/// A random day offset in `lo..=hi`.
fn days(rng: &mut fastrand::Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo { lo } else { rng.i64(lo..=hi) }
}

impl History {
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

    /// Adds a pregnancy to the batch and returns its index.
    #[allow(clippy::too_many_arguments)]
    fn pregnancy(
        &mut self,
        counter: &mut u64,
        v: &VillageInput<'_>,
        batch: &mut VillageBatch,
        woman: usize,
        lmp: NaiveDate,
        reported: NaiveDate,
        registration_id: Option<String>,
        outcome: Option<(Outcome, NaiveDate)>,
    ) -> usize {
        let id = self.uuid(counter);
        let woman_id = batch
            .persons
            .get(woman)
            .map(|p| p.id.clone())
            .unwrap_or_default();
        let mut p = DemoPregnancy {
            id,
            woman_id,
            village_code: batch.village_code.clone(),
            lmp: fmt_date(lmp),
            reported_on: fmt_date(reported),
            source: self.source(),
            edd: fmt_date(add_days(lmp, GESTATION_DAYS)),
            timely: is_timely(lmp, reported),
            registration_id,
            reported_by_name: reporter(v),
            outcome: outcome.map(|(o, _)| o),
            outcome_on: outcome.map(|(_, d)| fmt_date(d)),
            termination_record: None,
            termination_reason: None,
            outcome_note: None,
        };
        match outcome.map(|(o, _)| o) {
            Some(Outcome::InducedTermination) => {
                self.records += 1;
                let year = outcome.map_or(v.today.year(), |(_, d)| d.year());
                let n = (self.records * 7_919 + mix(self.seed) % 10_000) % 100_000;
                p.termination_record = Some(format!("YC{year}-{n:05}"));
                p.termination_reason = Some(match self.rng.u32(0..100) {
                    0..35 => TerminationReason::Personal,
                    35..65 => TerminationReason::ContraceptiveFailure,
                    65..80 => TerminationReason::Medical,
                    80..95 => TerminationReason::FetalAnomaly,
                    _ => TerminationReason::Other,
                });
            }
            Some(Outcome::MovedOut) => {
                p.outcome_note = Some(match self.rng.u32(0..3) {
                    0 => "随丈夫外出务工",
                    1 => "户籍迁往外地",
                    _ => "回娘家待产，已转出",
                });
            }
            Some(Outcome::Lost) => p.outcome_note = Some("多次随访未见本人，电话无法联系"),
            Some(Outcome::Stillbirth) => p.outcome_note = Some("已进行产后访视"),
            _ => {}
        }
        batch.pregnancies.push(p);
        batch.pregnancies.len() - 1
    }

    /// Antenatal checks: one at booking (weeks 8–13), then `more` of the
    /// usual later visits, all before `until` and not after today.
    #[allow(clippy::too_many_arguments)]
    fn checks(
        &mut self,
        counter: &mut u64,
        v: &VillageInput<'_>,
        batch: &mut VillageBatch,
        pregnancy: usize,
        lmp: NaiveDate,
        until: NaiveDate,
        more: usize,
    ) {
        let Some(pid) = batch.pregnancies.get(pregnancy).map(|p| p.id.clone()) else {
            return;
        };
        // Only the visits the pregnancy lasted long enough for.
        let mut weeks = CHECK_WEEKS;
        let fit = weeks
            .iter()
            .take_while(|w| add_days(lmp, *w * 7 + 6) < until)
            .count();
        let more = more.min(fit);
        for i in 0..more {
            let j = self.rng.usize(i..fit);
            weeks.swap(i, j);
        }
        let mut dates = Vec::with_capacity(more + 1);
        dates.push(add_days(lmp, days(&mut self.rng, 56, 97)));
        for w in weeks.iter().take(more) {
            dates.push(add_days(lmp, w * 7 + self.rng.i64(0..7)));
        }
        dates.sort_unstable();
        for (i, on) in dates.into_iter().enumerate() {
            if on >= until || on > v.today || on <= lmp {
                continue;
            }
            let r = self.rng.u32(0..100);
            let place = if i == 0 {
                if r < 75 {
                    format!("{}卫生院", v.town_name)
                } else {
                    format!("{}妇幼保健院", v.county_name)
                }
            } else if r < 45 {
                format!("{}卫生院", v.town_name)
            } else if r < 85 {
                format!("{}妇幼保健院", v.county_name)
            } else {
                format!("{}人民医院", v.county_name)
            };
            let note = if i == 0 {
                Some("建立母子健康手册")
            } else if self.rng.u32(0..100) < 20 {
                CHECK_NOTES
                    .get(self.rng.usize(..CHECK_NOTES.len()))
                    .copied()
            } else {
                None
            };
            let id = self.uuid(counter);
            batch.checks.push(DemoCheck {
                id,
                pregnancy_id: pid.clone(),
                village_code: batch.village_code.clone(),
                checked_on: fmt_date(on),
                gest_week: (on - lmp).num_days() / 7,
                place,
                note,
            });
        }
    }

    /// A verification of an event on `event`: the village step 3–15 days
    /// after, the town step 1–12 days after that; `steps` of them (0–2),
    /// never after today.
    fn verify(
        &mut self,
        v: &VillageInput<'_>,
        event: NaiveDate,
        steps: u32,
        checks: (&'static str, &'static str),
    ) -> (Option<DemoVerify>, Option<DemoVerify>) {
        if steps == 0 {
            return (None, None);
        }
        let on = add_days(event, days(&mut self.rng, 3, 15));
        if on > v.today {
            return (None, None);
        }
        let village = DemoVerify {
            by_name: reporter(v),
            on: fmt_date(on),
            checks: checks.0,
        };
        if steps < 2 {
            return (Some(village), None);
        }
        let town_on = add_days(on, days(&mut self.rng, 1, 12)).min(v.today);
        let town = DemoVerify {
            by_name: v
                .town_account
                .map_or_else(|| format!("{}计生办", v.town_name), str::to_string),
            on: fmt_date(town_on),
            checks: checks.1,
        };
        (Some(village), Some(town))
    }

    fn certificate(&mut self, born: NaiveDate) -> String {
        self.certificates += 1;
        // A bijection on 0..10^9 (the multiplier is prime to 10): unique per run.
        let n = (self.certificates.wrapping_mul(738_916_081) + mix(self.seed) % 1_000_000_000)
            % 1_000_000_000;
        let letter = char::from(b'M' + (born.year().rem_euclid(10)) as u8);
        format!("{letter}{n:09}")
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

    /// One delivery of a mother in the household: its pregnancy (reported
    /// months before), antenatal checks, and a birth row per child.
    #[allow(clippy::too_many_arguments)]
    fn delivery(
        &mut self,
        counter: &mut u64,
        v: &VillageInput<'_>,
        batch: &mut VillageBatch,
        mother: usize,
        group: &[(usize, i64)],
        born: NaiveDate,
        regs_of: &HashMap<usize, Vec<usize>>,
        reg_taken: &mut [bool],
    ) {
        let today = v.today;
        let twins = group.len() > 1;
        let term = if twins {
            days(&mut self.rng, 245, 266)
        } else {
            days(&mut self.rng, 266, 287)
        };
        let lmp = add_days(born, -term);
        let reported = add_days(lmp, self.report_delay(200));
        let order = group.first().map_or(1, |g| g.1);

        // The registration this child was planned under: one the generator
        // already marked used for this child, or a current one issued
        // before the pregnancy was far along.
        let mut registration = None;
        if let Some(regs) = regs_of.get(&mother) {
            for &r in regs {
                let Some(reg) = batch.registrations.get_mut(r) else {
                    continue;
                };
                if reg_taken.get(r).copied().unwrap_or(true) {
                    continue;
                }
                let issued = parse_date(&reg.issued_on).unwrap_or(today);
                let fits = match reg.status {
                    RegistrationStatus::Used => {
                        group.iter().any(|g| g.1 == reg.child_order) && issued < born
                    }
                    RegistrationStatus::Current => {
                        order <= 3 && issued <= add_days(lmp, 120) && issued < born
                    }
                    _ => false,
                };
                if fits {
                    if reg.status == RegistrationStatus::Current {
                        reg.child_order = order;
                    }
                    reg.status = RegistrationStatus::Used;
                    reg.status_reason = None;
                    registration = Some(reg.id.clone());
                    if let Some(t) = reg_taken.get_mut(r) {
                        *t = true;
                    }
                    break;
                }
            }
        }

        let p = self.pregnancy(
            counter,
            v,
            batch,
            mother,
            lmp,
            reported,
            registration.clone(),
            Some((Outcome::LiveBirth, born)),
        );
        let more = self.rng.usize(2..=7);
        self.checks(counter, v, batch, p, lmp, born, more);
        self.occupy(mother, lmp, add_days(born, 42));

        let age = (today - born).num_days();
        // Older births are verified by both; recent ones partly.
        let steps = if age > 45 {
            2
        } else {
            match self.rng.u32(0..100) {
                0..40 => 0,
                40..75 => 1,
                _ => 2,
            }
        };
        let pregnancy_id = batch
            .pregnancies
            .get(p)
            .map(|x| x.id.clone())
            .unwrap_or_default();
        let mother_id = batch
            .persons
            .get(mother)
            .map(|x| x.id.clone())
            .unwrap_or_default();
        let r = self.rng.u32(0..100);
        let place = match (twins, r) {
            (true, 0..70) | (false, 0..40) => BirthPlace::CountyHospital,
            (true, _) | (false, 40..75) => BirthPlace::MaternalChildHospital,
            (false, 75..97) => BirthPlace::TownshipHospital,
            (false, 97..99) => BirthPlace::Home,
            (false, _) => BirthPlace::Other,
        };
        let cert_pending = age <= 30 && self.rng.u32(0..100) < 50;
        let (village_verify, town_verify) = if cert_pending {
            self.verify(v, born, steps, (BIRTH_CHECKS_NO_CERT, BIRTH_CHECKS_NO_CERT))
        } else {
            self.verify(v, born, steps, (BIRTH_CHECKS_VILLAGE, BIRTH_CHECKS_TOWN))
        };
        for &(child, order) in group {
            let Some(person) = batch.persons.get(child) else {
                continue;
            };
            let (child_id, name, sex) = (person.id.clone(), person.name.clone(), person.sex);
            let weight = if twins {
                self.rng.i64(1900..3100)
            } else {
                let base = self.rng.i64(2600..3700) + self.rng.i64(-400..400);
                if sex == Sex::Male { base + 100 } else { base }
            };
            let id = self.uuid(counter);
            let certificate_no = (!cert_pending).then(|| self.certificate(born));
            let born_time = format!("{:02}:{:02}", self.rng.u32(0..24), self.rng.u32(0..60));
            batch.births.push(DemoBirth {
                id,
                pregnancy_id: pregnancy_id.clone(),
                mother_id: mother_id.clone(),
                child_id,
                village_code: batch.village_code.clone(),
                child_name: Some(name),
                sex,
                born_on: fmt_date(born),
                born_time: Some(born_time),
                weight_g: Some(weight),
                place,
                birth_order: order,
                certificate_no,
                registration_id: registration.clone(),
                reported_by_name: reporter(v),
                village_verify: village_verify.clone(),
                town_verify: town_verify.clone(),
            });
        }
    }

    /// An open pregnancy of woman `w` whose LMP was `elapsed` days ago,
    /// when she is 20–45, free then, and the report has already come in.
    fn open_pregnancy(
        &mut self,
        counter: &mut u64,
        v: &VillageInput<'_>,
        batch: &mut VillageBatch,
        w: usize,
        elapsed: i64,
        registration: Option<String>,
    ) -> bool {
        let today = v.today;
        let lmp = add_days(today, -elapsed);
        let Some(birth) = v.births.get(w).copied() else {
            return false;
        };
        if !(20..=45).contains(&age_on(birth, lmp))
            || !self.free(w, add_days(lmp, -GAP_DAYS), add_days(today, 3650))
        {
            return false;
        }
        let delay = if elapsed > 300 {
            days(&mut self.rng, 35, 85)
        } else {
            self.report_delay(200)
        };
        if delay > elapsed {
            // Not yet known to the village specialist.
            return false;
        }
        let reported = add_days(lmp, delay);
        let p = self.pregnancy(counter, v, batch, w, lmp, reported, registration, None);
        let more = self.rng.usize(2..=7);
        self.checks(counter, v, batch, p, lmp, add_days(today, 1), more);
        self.occupy(w, lmp, add_days(today, 3650));
        true
    }

    /// A pregnancy of woman `w` that ended in `outcome` within the five
    /// years (LMP after `start`), reported before it ended.
    fn closed_pregnancy(
        &mut self,
        counter: &mut u64,
        v: &VillageInput<'_>,
        batch: &mut VillageBatch,
        w: usize,
        outcome: Outcome,
        start: NaiveDate,
    ) -> bool {
        let today = v.today;
        // Days from LMP to the outcome.
        let length = match outcome {
            Outcome::Miscarriage => days(&mut self.rng, 49, 154),
            Outcome::InducedTermination => {
                if self.rng.u32(0..100) < 80 {
                    days(&mut self.rng, 49, 90)
                } else {
                    days(&mut self.rng, 91, 190)
                }
            }
            Outcome::Stillbirth => days(&mut self.rng, 196, 290),
            _ => days(&mut self.rng, 100, 260),
        };
        let span = (today - start).num_days() - length - 2;
        if span < 1 {
            return false;
        }
        let lmp = add_days(start, self.rng.i64(0..span));
        let end = add_days(lmp, length);
        let Some(birth) = v.births.get(w).copied() else {
            return false;
        };
        if !(20..=45).contains(&age_on(birth, lmp))
            || !self.free(w, add_days(lmp, -GAP_DAYS), add_days(end, GAP_DAYS))
        {
            return false;
        }
        let reported = add_days(lmp, self.report_delay(length - 3));
        if reported >= end {
            return false;
        }
        let p = self.pregnancy(
            counter,
            v,
            batch,
            w,
            lmp,
            reported,
            None,
            Some((outcome, end)),
        );
        let more = match outcome {
            Outcome::Stillbirth => self.rng.usize(2..=6),
            _ => self.rng.usize(0..=1),
        };
        self.checks(counter, v, batch, p, lmp, end, more);
        self.occupy(w, lmp, end);
        true
    }
}

/// The village specialist who reports and verifies first.
fn reporter(v: &VillageInput<'_>) -> String {
    v.specialist
        .clone()
        .unwrap_or_else(|| format!("{}计生专干", v.village_name))
}

/// The demo account of a Gushao village (`v01` for 370404100201, …).
pub(crate) fn specialist_of(village_code: &str) -> Option<String> {
    let rest = village_code.strip_prefix(GUSHAO)?;
    let n: u32 = rest.parse().ok()?;
    (201..=299).contains(&n).then(|| format!("v{:02}", n - 200))
}

type CaseTemplate = (
    CaseKind,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    &'static [(&'static str, i64)],
);

const CASES: [CaseTemplate; 8] = [
    (
        CaseKind::SexIdentification,
        "古邵镇某村民家中",
        "群众举报有人使用便携式B超机为孕妇进行胎儿性别鉴定，现场查获B超机及收费记录",
        "没收B超机及违法所得，罚款",
        Some(30_000),
        &[("B超机", 1), ("收费记录本", 1)],
    ),
    (
        CaseKind::SexSelectiveTermination,
        "古邵镇某私人诊所",
        "非医学需要为孕妇实施选择性别人工终止妊娠，查获终止妊娠药品",
        "没收药品及违法所得，吊销执业许可证，罚款",
        Some(50_000),
        &[("药品", 20), ("米索前列醇片", 12)],
    ),
    (
        CaseKind::SexIdentification,
        "古邵镇集市",
        "中介人员招揽孕妇前往外地进行胎儿性别鉴定",
        "警告，罚款",
        Some(10_000),
        &[("宣传卡片", 150)],
    ),
    (
        CaseKind::SexIdentification,
        "古邵镇某个体诊所",
        "未经许可开展B超检查并向孕妇透露胎儿性别",
        "没收设备，罚款，移送卫生监督部门",
        Some(20_000),
        &[("B超机", 1), ("药品", 20)],
    ),
    (
        CaseKind::SexSelectiveTermination,
        "古邵镇某村卫生室",
        "村医违规向孕妇出售终止妊娠药品",
        "没收药品，罚款，暂停执业",
        Some(8_000),
        &[("药品", 20)],
    ),
    (
        CaseKind::SexIdentification,
        "峄城区某宾馆",
        "通过网络联系孕妇采血，邮寄境外进行胎儿性别鉴定",
        "移送公安机关",
        None,
        &[("采血管", 35), ("快递单据", 12)],
    ),
    (
        CaseKind::SexIdentification,
        "古邵镇某村",
        "流动B超车为孕妇鉴定胎儿性别",
        "没收B超机及车辆，罚款",
        Some(40_000),
        &[("B超机", 1), ("车辆", 1)],
    ),
    (
        CaseKind::SexSelectiveTermination,
        "古邵镇某民房",
        "非法为孕妇实施引产手术",
        "没收违法所得，罚款，移送司法机关",
        Some(60_000),
        &[("手术器械", 1), ("药品", 30)],
    ),
];

/// The town's 两非 cases over the five years: 5–8, at 古邵镇 (370404100),
/// older ones closed with their penalty, recent ones still open or under
/// investigation.
pub fn enforcement_cases(cfg: &DemoConfig) -> Vec<DemoCase> {
    let mut rng = fastrand::Rng::with_seed(mix(cfg.seed ^ 0x4341_5345));
    let counter = &mut 0u64;
    let today = cfg.today;
    let start = today
        .checked_sub_months(Months::new(12 * HISTORY_YEARS))
        .unwrap_or(today);
    let n = rng.usize(5..=8);
    let mut order: Vec<usize> = (0..CASES.len()).collect();
    rng.shuffle(&mut order);
    let span = (today - start).num_days().max(1);
    let mut out = Vec::with_capacity(n);
    for (i, t) in order.iter().take(n).enumerate() {
        let Some((kind, place, description, penalty, fine, items)) = CASES.get(*t) else {
            continue;
        };
        // Spread over the years, the latest a few weeks ago.
        let slot = span * (i as i64) / (n as i64);
        let on =
            add_days(start, slot + rng.i64(0..(span / n as i64).max(1))).min(add_days(today, -20));
        let age = (today - on).num_days();
        let status = if age > 365 {
            CaseStatus::Closed
        } else if age > 120 {
            if rng.bool() {
                CaseStatus::Closed
            } else {
                CaseStatus::Investigating
            }
        } else if rng.bool() {
            CaseStatus::Investigating
        } else {
            CaseStatus::Open
        };
        let closed = status == CaseStatus::Closed;
        let id = uuid_v7(counter, &mut rng);
        let items = items
            .iter()
            .map(|(k, c)| (uuid_v7(counter, &mut rng), *k, *c))
            .collect();
        out.push(DemoCase {
            id,
            org_code: GUSHAO.to_string(),
            kind: *kind,
            occurred_on: fmt_date(on),
            place,
            description,
            penalty: closed.then_some(*penalty),
            fine_yuan: if closed { *fine } else { None },
            status,
            items,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate;
    use std::collections::{HashMap, HashSet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default()
    }

    fn cfg(persons: usize, seed: u64) -> DemoConfig {
        DemoConfig {
            persons,
            seed,
            today: today(),
            followup_months: crate::demo::FOLLOWUP_MONTHS,
        }
    }

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap_or_default()
    }

    fn batches(c: &DemoConfig) -> Vec<VillageBatch> {
        let mut out = Vec::new();
        let r: Result<(), ()> = generate(c, |b| {
            out.push(b);
            Ok(())
        });
        assert!(r.is_ok());
        out
    }

    #[test]
    fn history_follows_the_rules() {
        let c = cfg(12_000, 3);
        let start = today() - Months::new(60);
        let (mut births, mut pregnancies) = (0, 0);
        let mut certs = HashSet::new();
        for b in batches(&c) {
            let persons: HashMap<&str, &crate::person::Person> =
                b.persons.iter().map(|p| (p.id.as_str(), p)).collect();
            let pregs: HashMap<&str, &DemoPregnancy> =
                b.pregnancies.iter().map(|p| (p.id.as_str(), p)).collect();
            let regs: HashMap<&str, &crate::registration::BirthRegistration> =
                b.registrations.iter().map(|r| (r.id.as_str(), r)).collect();
            for x in &b.births {
                births += 1;
                let child = persons.get(x.child_id.as_str()).copied();
                let mother = persons.get(x.mother_id.as_str()).copied();
                let (Some(child), Some(mother)) = (child, mother) else {
                    panic!("birth {x:?} without its persons");
                };
                assert_eq!(child.household_id, mother.household_id);
                assert_eq!(child.birth_date, x.born_on);
                assert_eq!(child.sex, x.sex);
                assert_eq!(mother.sex, Sex::Female);
                assert_eq!(x.child_name.as_deref(), Some(child.name.as_str()));
                let born = date(&x.born_on);
                assert!(born > start && born <= today());
                let p = pregs.get(x.pregnancy_id.as_str()).copied();
                assert!(p.is_some_and(|p| p.outcome == Some(Outcome::LiveBirth)
                    && p.outcome_on.as_deref() == Some(x.born_on.as_str())
                    && p.woman_id == x.mother_id));
                if (today() - born).num_days() > 45 {
                    assert!(x.verified(), "{x:?}");
                }
                if let Some(v) = &x.village_verify {
                    assert!(date(&v.on) > born && date(&v.on) <= today());
                }
                if let Some(r) = &x.registration_id {
                    let r = regs.get(r.as_str()).copied();
                    assert!(r.is_some_and(|r| r.status == RegistrationStatus::Used));
                }
                if let Some(n) = &x.certificate_no {
                    assert!(crate::pregnancy::parse_certificate(n).is_ok(), "{n}");
                    assert!(certs.insert(n.clone()), "certificate {n} twice");
                }
            }
            let mut by_woman: HashMap<&str, Vec<&DemoPregnancy>> = HashMap::new();
            for p in &b.pregnancies {
                pregnancies += 1;
                let (lmp, rep) = (date(&p.lmp), date(&p.reported_on));
                assert!(lmp < rep && rep <= today() && (rep - lmp).num_days() <= 315);
                assert_eq!(p.timely, (rep - lmp).num_days() <= 91);
                if let Some(on) = &p.outcome_on {
                    assert!(date(on) > lmp && date(on) >= rep && date(on) <= today());
                }
                assert!(persons.contains_key(p.woman_id.as_str()));
                by_woman.entry(p.woman_id.as_str()).or_default().push(p);
            }
            for (w, ps) in by_woman {
                assert!(
                    ps.iter().filter(|p| p.outcome.is_none()).count() <= 1,
                    "{w}"
                );
                for (i, a) in ps.iter().enumerate() {
                    for b in ps.iter().skip(i + 1) {
                        let end = |p: &DemoPregnancy| {
                            p.outcome_on.clone().unwrap_or_else(|| "9999-12-31".into())
                        };
                        assert!(a.lmp > end(b) || b.lmp > end(a), "overlap {a:?} {b:?}");
                    }
                }
            }
            for d in &b.infant_deaths {
                assert!((0..365).contains(&d.age_days));
                assert!(d.village_verify.is_some() && d.town_verify.is_some());
            }
        }
        assert!(
            births > 200 && pregnancies > births,
            "{births} {pregnancies}"
        );
    }

    #[test]
    fn cases_are_a_handful_at_the_town() {
        let cases = enforcement_cases(&cfg(3_000, 9));
        assert!((5..=8).contains(&cases.len()));
        for c in &cases {
            assert_eq!(c.org_code, GUSHAO);
            assert!(!c.items.is_empty());
            assert_eq!(c.status == CaseStatus::Closed, c.penalty.is_some());
        }
        assert_eq!(cases, enforcement_cases(&cfg(3_000, 9)));
    }

    /// The sex ratio at birth over a county-sized sample: designed at a male
    /// share of 0.524 (SRB 110.1), villages drawn ±0.02 around it. About
    /// 8,300 births from ~100 villages give the share a standard deviation
    /// of sqrt(0.2494/8300 + 0.0004/100) ≈ 0.0058, so 100–122 (shares
    /// 0.500–0.550) lies 4.1 and 4.4 deviations out: no seed or day fails it
    /// by chance (p ≈ 3e-5), while an unweighted coin (share 0.5) or the
    /// old 0.514 fails it.
    #[test]
    fn srb_near_110_at_scale() {
        let (mut boys, mut births, mut villages) = (0usize, 0usize, 0usize);
        let r: Result<(), ()> = generate(&cfg(200_000, 17), |b| {
            let m = b.births.iter().filter(|x| x.sex == Sex::Male).count();
            boys += m;
            births += b.births.len();
            villages += 1;
            Ok(())
        });
        assert!(r.is_ok());
        assert!(
            births > 6_000 && villages > 80,
            "{births} births, {villages} villages"
        );
        let srb = 100.0 * boys as f64 / (births - boys) as f64;
        assert!(
            (100.0..=122.0).contains(&srb),
            "SRB {srb:.1} over {births} births"
        );
    }

    /// Prints the history's shape; run with --ignored --nocapture.
    #[test]
    #[ignore]
    fn history_stats() {
        for (n, seed) in [(20_000, 11), (45_035, 20_261_129)] {
            let (mut pregs, mut timely, mut open, mut overdue, mut checks) = (0, 0, 0, 0, 0);
            let (mut births, mut boys, mut verified, mut deaths) = (0, 0, 0, 0);
            let (mut used, mut unlinked) = (0, 0);
            let mut deliveries = HashSet::new();
            let mut outcomes: HashMap<&str, usize> = HashMap::new();
            let mut shares = Vec::new();
            for b in batches(&cfg(n, seed)) {
                pregs += b.pregnancies.len();
                checks += b.checks.len();
                deaths += b.infant_deaths.len();
                for p in &b.pregnancies {
                    timely += usize::from(p.timely);
                    *outcomes
                        .entry(p.outcome.map_or("open", |o| o.code()))
                        .or_default() += 1;
                    if p.outcome.is_none() {
                        open += 1;
                        overdue += usize::from((today() - date(&p.lmp)).num_days() >= 308);
                    }
                }
                let m = b.births.iter().filter(|x| x.sex == Sex::Male).count();
                shares.push(m as f64 / b.births.len().max(1) as f64);
                let linked: HashSet<&str> = b
                    .births
                    .iter()
                    .filter_map(|x| x.registration_id.as_deref())
                    .collect();
                for r in &b.registrations {
                    if r.status == RegistrationStatus::Used {
                        used += 1;
                        unlinked += usize::from(!linked.contains(r.id.as_str()));
                    }
                }
                for x in &b.births {
                    births += 1;
                    boys += usize::from(x.sex == Sex::Male);
                    verified += usize::from(x.verified());
                    deliveries.insert(x.pregnancy_id.clone());
                }
            }
            let girls = births - boys;
            println!(
                "{n}: pregnancies {pregs} (timely {:.1}%), open {open} overdue {overdue}, checks {checks}",
                100.0 * timely as f64 / pregs as f64
            );
            println!(
                "  births {births} in {} deliveries (twins {}), SRB {:.1}, verified {verified}, infant deaths {deaths}",
                deliveries.len(),
                births - deliveries.len(),
                100.0 * boys as f64 / girls.max(1) as f64
            );
            println!("  outcomes {outcomes:?}");
            println!("  registrations used {used}, of which without a birth {unlinked}");
            println!("  village male shares {shares:.3?}");
        }
    }
}
