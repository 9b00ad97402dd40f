//! The shapes of a household the population generator draws: a married
//! head with wife and children (and sometimes a married son's family or a
//! widowed parent), a single or divorced head, a woman heading it; the
//! children a mother had by her cohort's fertility, couples and their birth
//! registrations.

use super::{Family, Gen, Kid, KidSummary, names::CANCEL_REASONS, pick_status, pick_table};
use crate::seed::{add_days, add_years, fmt_date};
use chrono::{Datelike, Months, NaiveDate};
use hearth_core::household::{Household, HouseholdFlags};
use hearth_core::person::{MaritalStatus, Relation, Sex};
use hearth_core::registration::{BirthRegistration, Couple, RegistrationStatus, next_review};

impl Gen {
    /// The date a couple married: the wife about 22–26, both of legal age
    /// (women 20, men 22), not in the future.
    fn marriage_date(&mut self, wife_birth: NaiveDate, husband_birth: NaiveDate) -> NaiveDate {
        let legal = add_years(wife_birth, 20).max(add_years(husband_birth, 22));
        let at = self.rng.u32(22..=26);
        let d = add_days(add_years(wife_birth, at), self.rng.i64(0..365));
        let latest = add_days(self.today, -self.rng.i64(0..120));
        d.max(legal).min(latest.max(legal)).min(self.today)
    }

    /// The children born to a mother married on `marriage`, by her cohort's
    /// fertility, none after today or after she turns 42.
    fn plan_children(&mut self, mother_birth: NaiveDate, marriage: NaiveDate, out: &mut Vec<Kid>) {
        out.clear();
        let cohort = mother_birth.year();
        let r = self.rng.u32(0..100);
        let mut want = match cohort {
            ..1946 => pick_table(r, &[(10, 2), (35, 3), (70, 4), (95, 5), (100, 6)]),
            1946..1956 => pick_table(r, &[(20, 2), (65, 3), (90, 4), (100, 5)]),
            1956..1966 => pick_table(r, &[(10, 1), (60, 2), (92, 3), (100, 4)]),
            1966..1981 => pick_table(r, &[(30, 1), (90, 2), (100, 3)]),
            1981..1993 => pick_table(r, &[(33, 1), (92, 2), (100, 3)]),
            _ => pick_table(r, &[(10, 0), (55, 1), (96, 2), (100, 3)]),
        };
        let limit = add_years(mother_birth, 42);
        let mut next = add_days(marriage, self.rng.i64(280..900));
        while out.len() < want {
            if next > self.today || next > limit {
                break;
            }
            let y = next.year();
            let p_male = if next > self.history_from {
                self.male_share
            } else if (1985..2015).contains(&y) {
                if out.is_empty() { 535 } else { 560 }
            } else {
                514
            };
            let male = self.rng.u32(0..1000) < p_male;
            out.push(Kid { birth: next, male });
            // Twins, about 1.5 % of deliveries; a third of them identical.
            if self.hrng.u32(0..1000) < 15 {
                let male = if self.hrng.u32(0..3) == 0 {
                    male
                } else {
                    self.hrng.u32(0..1000) < p_male
                };
                out.push(Kid { birth: next, male });
            }
            next = add_days(next, self.rng.i64(640..2200));
            // Son preference: a family of daughters sometimes tries again.
            if out.len() == want
                && want < 3
                && (1950..1995).contains(&cohort)
                && out.iter().all(|k| !k.male)
                && self.rng.u32(0..100) < 40
            {
                want += 1;
            }
        }
    }

    /// Adds the children of a family who are still registered in the
    /// household; with `three_gen` one married son may live in it with his
    /// wife and children. Returns nothing; couples are recorded as found.
    /// With the `mother` living in the household, the family is kept for
    /// the history.
    fn add_children(
        &mut self,
        hh: &str,
        surname: usize,
        kids: &[Kid],
        three_gen: bool,
        minors_stay: bool,
        mother: Option<usize>,
    ) {
        let mut son_at_home = false;
        let mut family = mother.map(|m| Family {
            mother: m,
            births: kids.iter().map(|k| k.birth).collect(),
            members: Vec::new(),
        });
        for (order, k) in (1i64..).zip(kids) {
            let age = self.age(k.birth);
            let sex = if k.male { Sex::Male } else { Sex::Female };
            let rel = if k.male {
                Relation::Son
            } else {
                Relation::Daughter
            };
            if age < 18 {
                if minors_stay {
                    let i = self.person(hh, surname, sex, k.birth, rel, None);
                    if let Some(f) = family.as_mut() {
                        f.members.push((i, order));
                    }
                }
                continue;
            }
            let married_p = match (k.male, age) {
                (true, ..22) => 0,
                (true, 22..25) => 30,
                (true, 25..30) => 68,
                (true, 30..35) => 86,
                (true, _) => 92,
                (false, ..20) => 0,
                (false, 20..23) => 30,
                (false, 23..26) => 62,
                (false, 26..30) => 82,
                (false, _) => 95,
            };
            let married = self.rng.u32(0..100) < married_p;
            if married {
                if k.male && three_gen && !son_at_home && self.rng.u32(0..100) < 55 {
                    son_at_home = true;
                    self.son_family(hh, surname, k.birth);
                }
                continue;
            }
            // Unmarried daughters leave more often than sons (work, study,
            // marrying out).
            let stay = match (k.male, age) {
                (true, ..25) => 65,
                (true, 25..35) => 55,
                (true, _) => 75,
                (false, ..25) => 50,
                (false, 25..35) => 35,
                (false, _) => 50,
            };
            if self.rng.u32(0..100) < stay {
                let status = if age >= 28 && self.rng.u32(0..100) < 6 {
                    MaritalStatus::Divorced
                } else {
                    MaritalStatus::Unmarried
                };
                self.person(hh, surname, sex, k.birth, rel, Some(status));
            }
        }
        if let Some(f) = family
            && !f.births.is_empty()
        {
            self.families.push(f);
        }
    }

    /// A married son living with his parents: son, daughter-in-law,
    /// grandchildren, and their couple record.
    fn son_family(&mut self, hh: &str, surname: usize, son_birth: NaiveDate) {
        let son_age = self.age(son_birth);
        let gap = self.spouse_gap();
        let dil_age = (son_age - gap).min(son_age + 3).max(20);
        let dil_birth = self.birth_for_age(dil_age);
        let s = self.person(
            hh,
            surname,
            Sex::Male,
            son_birth,
            Relation::Son,
            Some(MaritalStatus::FirstMarriage),
        );
        let dil_surname = self.surname_idx();
        let d = self.person(
            hh,
            dil_surname,
            Sex::Female,
            dil_birth,
            Relation::DaughterInLaw,
            Some(MaritalStatus::FirstMarriage),
        );
        let mut grandkids = Vec::new();
        let (son_birth, dil_birth) = (self.birth_of(s), self.birth_of(d));
        let marriage = self.marriage_date(dil_birth, son_birth);
        self.plan_children(dil_birth, marriage, &mut grandkids);
        let mut family = Family {
            mother: d,
            births: grandkids.iter().map(|k| k.birth).collect(),
            members: Vec::new(),
        };
        for (order, g) in (1i64..).zip(&grandkids) {
            let age = self.age(g.birth);
            if age >= 18 && self.rng.u32(0..100) < 50 {
                continue;
            }
            let sex = if g.male { Sex::Male } else { Sex::Female };
            let i = self.person(hh, surname, sex, g.birth, Relation::Grandchild, None);
            family.members.push((i, order));
        }
        if !family.births.is_empty() {
            self.families.push(family);
        }
        self.couple(d, s, marriage, KidSummary::of(&grandkids));
    }

    /// Years the husband is older than the wife.
    fn spouse_gap(&mut self) -> i32 {
        let r = self.rng.u32(0..100);
        pick_table(
            r,
            &[
                (3, -2),
                (9, -1),
                (21, 0),
                (40, 1),
                (60, 2),
                (76, 3),
                (86, 4),
                (93, 5),
                (97, 6),
                (100, 8),
            ],
        )
    }

    /// Records a couple when the wife is 15–49, and sometimes a birth
    /// registration for them.
    fn couple(&mut self, wife: usize, husband: usize, marriage: NaiveDate, kids: KidSummary) {
        let wife_birth = self.birth_of(wife);
        let wife_age = self.age(wife_birth);
        if !(15..=49).contains(&wife_age) {
            return;
        }
        let couple_id = self.uuid();
        self.couple_wives.push(wife);
        self.batch.couples.push(Couple {
            id: couple_id.clone(),
            wife_id: self.person_id(wife),
            husband_id: self.person_id(husband),
            marriage_date: Some(fmt_date(marriage)),
            village_code: self.village_code.clone(),
            version: 1,
            change_seq: 0,
        });
        if (20..=40).contains(&wife_age) && self.rng.u32(0..100) < 15 {
            self.registration(couple_id, kids);
        }
    }

    fn registration(&mut self, couple_id: String, kids: KidSummary) {
        let today = self.today;
        let three_years_ago = today.checked_sub_months(Months::new(36)).unwrap_or(today);
        self.reg_no += 1;
        let number = format!("SY{}{:04}", self.village_code, self.reg_no);
        let mut status = RegistrationStatus::Current;
        let mut reason = None;
        let mut last_reviewed = None;
        let recent = kids.youngest.filter(|(birth, order)| {
            *order <= 3 && add_days(*birth, -280) >= three_years_ago && *birth <= today
        });
        let (child_order, issued) = match recent {
            Some((birth, order)) if self.rng.u32(0..100) < 85 => {
                status = RegistrationStatus::Used;
                let issued = add_days(birth, -self.rng.i64(120..280)).max(three_years_ago);
                (order, issued)
            }
            _ => {
                let order = (kids.count + 1).min(3);
                let issued = add_days(today, -self.rng.i64(0..1095)).max(three_years_ago);
                let r = self.rng.u32(0..100);
                let first_review = next_review(issued);
                if r < 8 {
                    status = RegistrationStatus::Cancelled;
                    let i = self.rng.usize(..CANCEL_REASONS.len());
                    reason = CANCEL_REASONS.get(i).map(|s| (*s).to_string());
                } else if first_review <= today {
                    if r < 45 {
                        status = RegistrationStatus::Lapsed;
                    } else {
                        // Reviewed every year so far.
                        let mut last = first_review;
                        while next_review(last) <= today && next_review(last) > last {
                            last = next_review(last);
                        }
                        last_reviewed = Some(last);
                    }
                }
                (order, issued)
            }
        };
        let review_due = next_review(last_reviewed.unwrap_or(issued));
        let id = self.uuid();
        self.reg_couples
            .push(self.batch.couples.len().saturating_sub(1));
        self.batch.registrations.push(BirthRegistration {
            id,
            couple_id,
            village_code: self.village_code.clone(),
            child_order: child_order as i64,
            number,
            issued_on: fmt_date(issued),
            status,
            status_reason: reason,
            review_due: fmt_date(review_due),
            last_reviewed_on: last_reviewed.map(fmt_date),
            version: 1,
            change_seq: 0,
        });
    }

    /// A widowed parent of the head, living with the family.
    fn elderly_parent(&mut self, hh: &str, head_age: i32, head_surname: usize) {
        let age = head_age + self.rng.i32(22..=32);
        if age > 98 {
            return;
        }
        let birth = self.birth_for_age(age);
        if self.rng.u32(0..100) < 68 {
            let s = self.surname_idx();
            self.person(
                hh,
                s,
                Sex::Female,
                birth,
                Relation::Parent,
                Some(MaritalStatus::Widowed),
            );
        } else {
            self.person(
                hh,
                head_surname,
                Sex::Male,
                birth,
                Relation::Parent,
                Some(MaritalStatus::Widowed),
            );
        }
    }

    /// One household with its members, couples and registrations.
    pub(super) fn household(&mut self) {
        let hh_id = self.uuid();
        self.hh_no += 1;
        if self.in_group >= self.group_cap {
            self.group += 1;
            self.in_group = 0;
            self.group_cap = self.rng.u32(45..=90);
        }
        self.in_group += 1;
        let number = format!("{:04}", self.hh_no);
        let address = format!("{}{}组{}号", self.addr_prefix, self.group, self.in_group);

        let head_age = self.head_age();
        let male_head_p = match head_age {
            ..60 => 91,
            60..75 => 84,
            _ => 68,
        };
        let line = self.line_surname();
        let mut kids = Vec::new();
        let head;
        if self.rng.u32(0..100) < male_head_p {
            let head_birth = self.birth_for_age(head_age);
            let married_p = match head_age {
                ..25 => 60,
                25..30 => 80,
                30..60 => 91,
                60..70 => 88,
                70..80 => 78,
                _ => 58,
            };
            if self.rng.u32(0..100) < married_p {
                let remarried = head_age >= 35 && self.rng.u32(0..100) < 4;
                let status = if remarried {
                    MaritalStatus::Remarried
                } else {
                    MaritalStatus::FirstMarriage
                };
                let gap = self.spouse_gap();
                let wife_age = (head_age - gap).min(head_age + 3).max(20);
                let wife_birth = self.birth_for_age(wife_age);
                head = self.person(
                    &hh_id,
                    line,
                    Sex::Male,
                    head_birth,
                    Relation::Head,
                    Some(status),
                );
                let ws = self.surname_idx();
                let wife = self.person(
                    &hh_id,
                    ws,
                    Sex::Female,
                    wife_birth,
                    Relation::Spouse,
                    Some(status),
                );
                let (hb, wb) = (self.birth_of(head), self.birth_of(wife));
                let first = self.marriage_date(wb, hb);
                self.plan_children(wb, first, &mut kids);
                let recorded = if remarried {
                    // The current marriage came later than the children's plan.
                    let from = add_years(wb, 28).max(first);
                    let span = (self.today - from).num_days().max(1);
                    add_days(from, self.rng.i64(0..span)).min(self.today)
                } else {
                    first
                };
                self.add_children(&hh_id, line, &kids, true, true, Some(wife));
                self.couple(wife, head, recorded, KidSummary::of(&kids));
                if (35..=72).contains(&head_age) && self.rng.u32(0..100) < 20 {
                    self.elderly_parent(&hh_id, head_age, line);
                }
            } else {
                let r = self.rng.u32(0..100);
                let status = match head_age {
                    ..35 => pick_status(r, 80, 100),
                    35..60 => pick_status(r, 35, 80),
                    _ => pick_status(r, 10, 15),
                };
                head = self.person(
                    &hh_id,
                    line,
                    Sex::Male,
                    head_birth,
                    Relation::Head,
                    Some(status),
                );
                let hb = self.birth_of(head);
                match status {
                    MaritalStatus::Unmarried => {
                        if head_age < 60 && self.rng.u32(0..100) < 35 {
                            self.elderly_parent(&hh_id, head_age, line);
                        }
                    }
                    _ => {
                        let gap = self.spouse_gap();
                        let wb = self.birth_for_age((head_age - gap).min(head_age + 3).max(20));
                        let m = self.marriage_date(wb, hb);
                        self.plan_children(wb, m, &mut kids);
                        let divorced = status == MaritalStatus::Divorced;
                        let minors = !divorced || self.rng.u32(0..100) < 45;
                        self.add_children(&hh_id, line, &kids, !divorced, minors, None);
                    }
                }
            }
        } else {
            // A woman heads the household: mostly widows, some divorced.
            let r = self.rng.u32(0..100);
            let status = match head_age {
                ..35 => pick_status(r, 30, 100),
                35..60 => pick_status(r, 10, 60),
                _ => pick_status(r, 3, 8),
            };
            let own = self.surname_idx();
            let hb = self.birth_for_age(head_age);
            head = self.person(&hh_id, own, Sex::Female, hb, Relation::Head, Some(status));
            let hb = self.birth_of(head);
            if status != MaritalStatus::Unmarried {
                let gap = self.spouse_gap();
                let husband_birth = self.birth_for_age(head_age + gap.max(0));
                let m = self.marriage_date(hb, husband_birth);
                self.plan_children(hb, m, &mut kids);
                let divorced = status == MaritalStatus::Divorced;
                let minors = !divorced || self.rng.u32(0..100) < 80;
                self.add_children(&hh_id, line, &kids, !divorced, minors, Some(head));
            }
            if (35..=70).contains(&head_age) && self.rng.u32(0..100) < 6 {
                self.elderly_parent(&hh_id, head_age, own);
            }
        }

        let n = kids.len();
        let daughters = kids.iter().filter(|k| !k.male).count();
        let only_child = n == 1;
        let two_daughters = n == 2 && daughters == 2;
        let girl_family = n >= 1 && daughters == n;
        let fp_p = if only_child || two_daughters { 75 } else { 14 };
        let family_planning = self.rng.u32(0..100) < fp_p;
        let poor_family_planning = family_planning && self.rng.u32(0..100) < 10;
        let head_person_id = Some(self.person_id(head));
        self.batch.households.push(Household {
            id: hh_id,
            village_code: self.village_code.clone(),
            number,
            address,
            head_person_id,
            flags: HouseholdFlags {
                family_planning,
                poor_family_planning,
                only_child,
                two_daughters,
                girl_family,
            },
            version: 1,
            change_seq: 0,
        });
    }
}
