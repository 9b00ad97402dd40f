//! The register of each village: households, persons with valid
//! synthetic resident ID numbers, couples and birth registrations, drawn
//! from the seed by [`Gen`] household by household (`family` holds the
//! shapes of a household; `names` the name pools). Besides the batch it
//! keeps what the register does not hold but the history needs
//! ([`Lineage`]); it knows nothing of the history or the follow-up service.

mod family;
mod names;
#[cfg(test)]
mod tests;

use crate::records::VillageBatch;
use crate::seed::{DemoConfig, HISTORY_YEARS, add_days, code_num, fmt_date, mix, uuid_v7};
use crate::town::Village;
use chrono::{Datelike, Months, NaiveDate};
use hearth_core::dates::age_on;
use hearth_core::id_number::ResidentId;
use hearth_core::person::{MaritalStatus, Person, Relation, Sex};
use names::{GIVEN, HEAD_AGE_BANDS, PHONE_PREFIXES, SURNAMES};
use std::fmt::Write as _;

/// Birth dates are tracked for ID sequence numbers this many days back.
const SEQ_DAYS: usize = 40_000;

/// A child of a family: birth date and sex.
#[derive(Clone, Copy)]
struct Kid {
    birth: NaiveDate,
    male: bool,
}

/// What a couple's registration needs to know about their children.
#[derive(Clone, Copy)]
struct KidSummary {
    count: usize,
    youngest: Option<(NaiveDate, usize)>,
}

impl KidSummary {
    fn of(kids: &[Kid]) -> Self {
        KidSummary {
            count: kids.len(),
            youngest: kids.last().map(|k| (k.birth, kids.len())),
        }
    }
}

/// A mother living in the household with her children: her person index,
/// the birth dates of all her children (in the household or not) and the
/// children in the household as (person index, birth order).
pub(crate) struct Family {
    pub mother: usize,
    pub births: Vec<NaiveDate>,
    pub members: Vec<(usize, i64)>,
}

/// What the history of a generated village needs that its batch does not
/// hold.
pub(crate) struct Lineage<'a> {
    /// Birth dates of `batch.persons`, index for index.
    pub births: &'a [NaiveDate],
    /// Mothers living with their children.
    pub families: &'a [Family],
    /// The wife's person index of each of `batch.couples`.
    pub couple_wives: &'a [usize],
    /// The couple index of each of `batch.registrations`.
    pub reg_couples: &'a [usize],
}

/// The population generator: the run-wide state (the stream, the UUID
/// clock, the ID sequence numbers) and the village being generated.
pub(crate) struct Gen {
    today: NaiveDate,
    rng: fastrand::Rng,
    uuid_counter: u64,
    /// Sequence counters per (county, days before today, sex).
    seq: Vec<u16>,
    counties: Vec<&'static str>,
    surname_cum: Vec<u32>,
    head_age_cum: Vec<u32>,
    // Per village:
    region_idx: usize,
    region: &'static str,
    village_code: String,
    addr_prefix: String,
    clans: [usize; 3],
    group: u32,
    group_cap: u32,
    in_group: u32,
    hh_no: u32,
    reg_no: u32,
    batch: VillageBatch,
    /// Birth dates of `batch.persons`, index for index.
    births: Vec<NaiveDate>,
    /// The village's own stream for twins and its boy share (the
    /// population's stream draws only for the persons twins add).
    hrng: fastrand::Rng,
    /// The village's chance (per mille) that a child born in the history
    /// years is a boy: drawn around 524 (SRB ≈ 110), ±20.
    male_share: u32,
    /// Children born after this are in the history years.
    history_from: NaiveDate,
    /// Mothers living with their children, for the history.
    families: Vec<Family>,
    /// The wife's person index of each couple, and each registration's couple.
    couple_wives: Vec<usize>,
    reg_couples: Vec<usize>,
}

fn cumulative(weights: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut acc = 0u32;
    weights
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

impl Gen {
    /// A generator for the run of `cfg` over the villages of `counties`.
    pub(crate) fn new(cfg: &DemoConfig, counties: Vec<&'static str>) -> Self {
        Gen {
            today: cfg.today,
            rng: fastrand::Rng::with_seed(cfg.seed),
            uuid_counter: 0,
            seq: vec![0; counties.len() * SEQ_DAYS * 2],
            counties,
            surname_cum: cumulative(SURNAMES.iter().map(|(_, w)| *w)),
            head_age_cum: cumulative(HEAD_AGE_BANDS.iter().copied()),
            region_idx: 0,
            region: "370404",
            village_code: String::new(),
            addr_prefix: String::new(),
            clans: [0; 3],
            group: 1,
            group_cap: 60,
            in_group: 0,
            hh_no: 0,
            reg_no: 0,
            batch: VillageBatch::default(),
            births: Vec::new(),
            hrng: fastrand::Rng::with_seed(cfg.seed),
            male_share: 524,
            history_from: cfg
                .today
                .checked_sub_months(Months::new(12 * HISTORY_YEARS))
                .unwrap_or(cfg.today),
            families: Vec::new(),
            couple_wives: Vec::new(),
            reg_couples: Vec::new(),
        }
    }

    fn start_village(&mut self, seed: u64, v: &Village<'_>) {
        self.rng = fastrand::Rng::with_seed(mix(seed ^ mix(code_num(v.code))));
        self.region_idx = self
            .counties
            .iter()
            .position(|c| *c == v.county)
            .unwrap_or(0);
        self.region = self
            .counties
            .get(self.region_idx)
            .copied()
            .unwrap_or("370404");
        self.village_code = v.code.to_string();
        self.addr_prefix = format!("{}{}", v.town, v.name);
        // One to three lineage surnames dominate a village.
        for i in 0..3 {
            self.clans[i] = self.surname_idx();
        }
        self.group = 1;
        self.group_cap = self.rng.u32(45..=90);
        self.in_group = 0;
        self.hh_no = 0;
        self.reg_no = 0;
        let hh = v.target / 3 + 8;
        self.births.clear();
        self.families.clear();
        self.couple_wives.clear();
        self.reg_couples.clear();
        self.hrng = fastrand::Rng::with_seed(mix(seed ^ mix(code_num(v.code) ^ 0x5352_4242)));
        // About normal: the sum of four uniforms, scaled to unit variance.
        let z: f64 = (0..4).map(|_| self.hrng.f64() - 0.5).sum::<f64>() * 3f64.sqrt();
        self.male_share = (524.0 + 20.0 * z).round().clamp(464.0, 584.0) as u32;
        self.batch = VillageBatch {
            village_code: v.code.to_string(),
            households: Vec::with_capacity(hh),
            persons: Vec::with_capacity(v.target + 8),
            couples: Vec::with_capacity(v.target / 5 + 4),
            registrations: Vec::with_capacity(v.target / 30 + 4),
            ..VillageBatch::default()
        };
    }

    /// Generates village `v`'s households until it holds its persons.
    pub(crate) fn village(&mut self, seed: u64, v: &Village<'_>) {
        self.start_village(seed, v);
        while self.batch.persons.len() < v.target {
            self.household();
        }
    }

    /// The village just generated, for the parts drawn after it: its batch
    /// (to add to and take), the run's UUID clock, and its [`Lineage`].
    pub(crate) fn parts(&mut self) -> (&mut VillageBatch, &mut u64, Lineage<'_>) {
        let lineage = Lineage {
            births: &self.births,
            families: &self.families,
            couple_wives: &self.couple_wives,
            reg_couples: &self.reg_couples,
        };
        (&mut self.batch, &mut self.uuid_counter, lineage)
    }

    /// A surname index by Shandong frequency.
    fn surname_idx(&mut self) -> usize {
        pick_cum(&mut self.rng, &self.surname_cum)
    }

    /// A surname for a family's male line: often one of the village's clans.
    fn line_surname(&mut self) -> usize {
        let r = self.rng.u32(0..100);
        if r < 30 {
            self.clans[0]
        } else if r < 42 {
            self.clans[1]
        } else if r < 48 {
            self.clans[2]
        } else {
            self.surname_idx()
        }
    }

    fn uuid(&mut self) -> String {
        uuid_v7(&mut self.uuid_counter, &mut self.rng)
    }

    fn age(&self, birth: NaiveDate) -> i32 {
        age_on(birth, self.today)
    }

    /// A birth date for someone `age` whole years old today.
    fn birth_for_age(&mut self, age: i32) -> NaiveDate {
        let age = i64::from(age.max(0));
        let back = age * 365 + age / 4 + self.rng.i64(0..365);
        add_days(self.today, -back)
    }

    fn head_age(&mut self) -> i32 {
        let band = pick_cum(&mut self.rng, &self.head_age_cum) as i32;
        (20 + band * 5 + self.rng.i32(0..5)).max(22)
    }

    /// A valid resident ID for the birth date, unique across the run. When a
    /// day's sequence numbers run out the birth date moves a day earlier.
    fn resident_id(&mut self, birth: &mut NaiveDate, sex: Sex) -> String {
        let male = usize::from(sex == Sex::Male);
        for _ in 0..4000 {
            if *birth > self.today {
                *birth = self.today;
            }
            let days = usize::try_from((self.today - *birth).num_days()).unwrap_or(0);
            let idx = (self.region_idx * SEQ_DAYS + days.min(SEQ_DAYS - 1)) * 2 + male;
            if days < SEQ_DAYS
                && let Some(c) = self.seq.get_mut(idx)
                && *c < 500
            {
                let k = u64::from(*c);
                *c += 1;
                let off = mix(code_num(self.region) ^ ((days as u64) << 20)) % 500;
                let seq = ((k + off) % 500) * 2 + male as u64;
                if let Some(id) = ResidentId::compose(self.region, *birth, seq as u16) {
                    return id.to_string();
                }
            }
            *birth = if days + 1 < SEQ_DAYS {
                add_days(*birth, -1)
            } else {
                add_days(*birth, 1)
            };
        }
        String::new()
    }

    fn phone(&mut self, age: i32) -> Option<String> {
        let p = match age {
            ..16 => return None,
            16..18 => 30,
            18..30 => 90,
            30..60 => 86,
            60..70 => 62,
            70..80 => 35,
            _ => 12,
        };
        if self.rng.u32(0..100) >= p {
            return None;
        }
        let prefix = PHONE_PREFIXES
            .get(self.rng.usize(..PHONE_PREFIXES.len()))
            .copied()
            .unwrap_or("138");
        let mut s = String::with_capacity(11);
        s.push_str(prefix);
        let _ = write!(s, "{:08}", self.rng.u32(0..100_000_000));
        Some(s)
    }

    fn name(&mut self, surname: usize, sex: Sex, birth_year: i32) -> String {
        let gen_idx = match birth_year {
            ..1955 => 0,
            1955..1970 => 1,
            1970..1985 => 2,
            1985..2000 => 3,
            _ => 4,
        };
        let pool = GIVEN[gen_idx][usize::from(sex == Sex::Female)];
        let given = pool
            .get(self.rng.usize(..pool.len()))
            .copied()
            .unwrap_or("明");
        let sur = SURNAMES.get(surname).map(|s| s.0).unwrap_or("王");
        let mut s = String::with_capacity(sur.len() + given.len());
        s.push_str(sur);
        s.push_str(given);
        s
    }

    /// Adds a person to the batch and returns their index. Marital status is
    /// dropped under 20 and defaults to unmarried from 20.
    fn person(
        &mut self,
        household_id: &str,
        surname: usize,
        sex: Sex,
        birth: NaiveDate,
        relation: Relation,
        marital: Option<MaritalStatus>,
    ) -> usize {
        let mut birth = birth;
        let resident_id = self.resident_id(&mut birth, sex);
        let age = self.age(birth);
        let marital = if age < 20 {
            None
        } else {
            Some(marital.unwrap_or(MaritalStatus::Unmarried))
        };
        let p = Person {
            id: self.uuid(),
            resident_id,
            name: self.name(surname, sex, birth.year()),
            sex,
            birth_date: fmt_date(birth),
            phone: self.phone(age),
            marital_status: marital,
            household_id: Some(household_id.to_string()),
            relation: Some(relation),
            village_code: self.village_code.clone(),
            version: 1,
            change_seq: 0,
        };
        self.batch.persons.push(p);
        self.births.push(birth);
        self.batch.persons.len() - 1
    }

    fn person_id(&self, idx: usize) -> String {
        self.batch
            .persons
            .get(idx)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    }

    fn birth_of(&self, idx: usize) -> NaiveDate {
        self.births.get(idx).copied().unwrap_or(self.today)
    }
}

/// Picks from a cumulative table of `(upper bound, value)` by `r`.
fn pick_table<T: Copy + Default>(r: u32, table: &[(u32, T)]) -> T {
    table
        .iter()
        .find(|(bound, _)| r < *bound)
        .or(table.last())
        .map(|(_, v)| *v)
        .unwrap_or_default()
}

/// Unmarried below `unmarried`, divorced below `divorced`, else widowed.
fn pick_status(r: u32, unmarried: u32, divorced: u32) -> MaritalStatus {
    if r < unmarried {
        MaritalStatus::Unmarried
    } else if r < divorced {
        MaritalStatus::Divorced
    } else {
        MaritalStatus::Widowed
    }
}

fn pick_cum(rng: &mut fastrand::Rng, cum: &[u32]) -> usize {
    let total = cum.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = rng.u32(0..total);
    cum.partition_point(|&c| c <= r)
}
