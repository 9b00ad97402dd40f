//! The events of the history, one pregnancy at a time: the pregnancy with
//! its report, outcome and termination record; its antenatal checks; a
//! delivery's births with their certificates and the two-person
//! verification (village, then town); an open pregnancy; one that ended
//! otherwise.

use super::{
    BIRTH_CHECKS_NO_CERT, BIRTH_CHECKS_TOWN, BIRTH_CHECKS_VILLAGE, CHECK_NOTES, CHECK_WEEKS,
    GAP_DAYS, History, VillageInput, reporter,
};
use crate::records::{DemoBirth, DemoCheck, DemoPregnancy, DemoVerify, VillageBatch};
use crate::seed::{add_days, days, fmt_date, mix};
use chrono::{Datelike, NaiveDate};
use hearth_core::dates::{age_on, parse_date};
use hearth_core::person::Sex;
use hearth_core::pregnancy::{BirthPlace, GESTATION_DAYS, Outcome, TerminationReason, is_timely};
use hearth_core::registration::RegistrationStatus;
use std::collections::HashMap;

impl History {
    /// Adds a pregnancy to the batch and returns its index.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pregnancy(
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
    pub(super) fn checks(
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
    pub(super) fn verify(
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

    /// One delivery of a mother in the household: its pregnancy (reported
    /// months before), antenatal checks, and a birth row per child.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn delivery(
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
    pub(super) fn open_pregnancy(
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
    pub(super) fn closed_pregnancy(
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
