//! The statistics tests' fixtures, one copy for the store and the screen
//! tests. Women, couples, birth registrations and pregnancies that end in
//! anything but a live birth are made through the store, so its own rules
//! hold for them (timeliness from the LMP, the first review a year after
//! issue, status changes). A live birth is written as rows: the store
//! reports at most four children a delivery, derives each child's birth
//! order and verifies a birth in two steps by two users, so the hundreds of
//! births of a chosen order and verification state these counts need cannot
//! be made through it.

use crate::*;
use chrono::NaiveDate;
use hearth_core::pregnancy::{OutcomeInput, PregnancyInput};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_store::StoreError;
use hearth_store::db::{P, Tx};
use hearth_store::{pregnancy, register};

/// `created_at` of the rows written here.
const NOW: &str = "2025-01-01T00:00:00Z";

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The scope a report is made in; the ledger shows `name` as its reporter.
pub fn reporter(name: &str) -> Scope {
    Scope {
        username: name.to_string(),
        ..Scope::system("test")
    }
}

// ---- through the store --------------------------------------------------------

/// A pregnancy of `woman` with this LMP, reported by `by` on `reported_on`,
/// ended by `outcome` (`(code, date)`, not a live birth) when given;
/// returns its id. Timely or not follows from the dates, as in the store.
pub fn report_for(
    db: &Db,
    woman: &str,
    lmp: &str,
    reported_on: &str,
    by: &str,
    outcome: Option<(&str, &str)>,
) -> String {
    let scope = reporter(by);
    let input = PregnancyInput {
        lmp: lmp.into(),
        reported_on: reported_on.into(),
        source: "self".into(),
        registration_id: String::new(),
    };
    let (p, _) = pregnancy::report_pregnancy(db, &scope, None, woman, &input, today()).unwrap();
    if let Some((code, on)) = outcome {
        let end = OutcomeInput {
            outcome: code.into(),
            outcome_on: on.into(),
            termination_record: "病历-0001".into(),
            termination_reason: "personal".into(),
            note: String::new(),
        };
        pregnancy::record_outcome(db, &scope, &p.id, p.version, &end, today()).unwrap();
    }
    p.id
}

/// A pregnancy of a new woman of `village` (see [`report_for`]); returns
/// `(pregnancy, woman)`.
pub fn report(
    db: &Db,
    village: &str,
    lmp: &str,
    reported_on: &str,
    by: &str,
    outcome: Option<(&str, &str)>,
) -> (String, String) {
    let woman = new_person(db, village, "孕妇", 2).id;
    (report_for(db, &woman, lmp, reported_on, by, outcome), woman)
}

/// A birth registration as made: its id, its wife and its version.
pub struct Reg {
    pub id: String,
    pub wife: String,
    pub version: i64,
}

/// A couple of `village` (a new wife named `wife`, a new husband) and one
/// birth registration `number` for a first child, issued on `issued_on`.
pub fn registration(db: &Db, village: &str, wife: &str, number: &str, issued_on: &str) -> Reg {
    let sys = Scope::system("test");
    let w = new_person(db, village, wife, 2).id;
    let h = new_person(db, village, "丈夫", 1).id;
    let couple = register::create_couple(db, &sys, &w, &h, None).unwrap();
    let new = NewRegistration::validate(1, number, issued_on, today()).unwrap();
    let r = register::create_registration(db, &sys, &couple.id, &new).unwrap();
    Reg {
        id: r.id,
        wife: w,
        version: r.version,
    }
}

impl Reg {
    /// Moves the registration to `status` (a cancellation with a reason).
    pub fn set_status(&mut self, db: &Db, status: RegistrationStatus) {
        let reason = (status == RegistrationStatus::Cancelled).then_some("夫妇申请注销");
        let r = register::set_registration_status(
            db,
            &Scope::system("test"),
            &self.id,
            self.version,
            status,
            reason,
        )
        .unwrap();
        self.version = r.version;
    }

    /// Records its annual review on `on` (the next falls a year later).
    pub fn review(&mut self, db: &Db, on: &str) {
        let r = register::review_registration(
            db,
            &Scope::system("test"),
            &self.id,
            self.version,
            d(on),
        )
        .unwrap();
        self.version = r.version;
    }
}

/// The infant death of `child` on `died_on` (asphyxia).
pub fn infant_death(db: &Db, child: &str, died_on: &str) {
    let input = hearth_core::pregnancy::DeathInput {
        died_on: died_on.into(),
        cause: "asphyxia".into(),
        note: String::new(),
    };
    pregnancy::report_infant_death(db, &reporter("专干"), None, child, &input, today()).unwrap();
}

// ---- live births as rows ----------------------------------------------------------

/// A newborn's person row (no resident ID yet, as the store makes it).
fn child_row(
    tx: &mut Tx<'_>,
    sex: i64,
    born_on: &str,
    village: &str,
) -> Result<String, StoreError> {
    let id = hearth_store::new_id();
    tx.exec(
        "INSERT INTO person (id, resident_id, name, sex, birth_date, village_code, version,
             change_seq, created_at, updated_at, name_initials)
         VALUES ($1, NULL, '新生儿', $2, $3, $4, 1, 0, $5, $5, '')",
        &[
            P::T(&id),
            P::I(sex),
            P::T(born_on),
            P::T(village),
            P::T(NOW),
        ],
    )?;
    Ok(id)
}

/// A pregnancy of `mother` that ended in a live birth on `born_on`.
pub fn live_birth(
    tx: &mut Tx<'_>,
    mother: &str,
    village: &str,
    lmp: &str,
    reported_on: &str,
    born_on: &str,
) -> Result<String, StoreError> {
    let id = hearth_store::new_id();
    let timely = (d(reported_on) - d(lmp)).num_days() <= hearth_core::pregnancy::TIMELY_DAYS;
    tx.exec(
        "INSERT INTO pregnancy (id, woman_id, village_code, lmp, reported_on, source, edd,
             timely, reported_by_name, outcome, outcome_on, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'self', $4, $6, '专干', 'live_birth', $7, 1, 0, $8, $8)",
        &[
            P::T(&id),
            P::T(mother),
            P::T(village),
            P::T(lmp),
            P::T(reported_on),
            P::I(i64::from(timely)),
            P::T(born_on),
            P::T(NOW),
        ],
    )?;
    Ok(id)
}

/// One live birth of a pregnancy.
pub struct BirthRow<'a> {
    pub pregnancy: &'a str,
    pub mother: &'a str,
    pub village: &'a str,
    /// 1 a boy, 2 a girl.
    pub sex: i64,
    pub born_on: &'a str,
    pub order: i64,
    pub verified: bool,
    pub registration: Option<&'a str>,
}

/// Writes the birth and its child; returns `(birth, child)`.
pub fn birth_row(tx: &mut Tx<'_>, b: &BirthRow<'_>) -> Result<(String, String), StoreError> {
    let child = child_row(tx, b.sex, b.born_on, b.village)?;
    let id = hearth_store::new_id();
    tx.exec(
        "INSERT INTO birth (id, pregnancy_id, mother_id, child_id, village_code, sex, born_on,
             place, birth_order, registration_id, reported_by_name, verified, version,
             change_seq, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'county_hospital', $8, $9, '专干', $10, 1, 0,
             $11, $11)",
        &[
            P::T(&id),
            P::T(b.pregnancy),
            P::T(b.mother),
            P::T(&child),
            P::T(b.village),
            P::I(b.sex),
            P::T(b.born_on),
            P::I(b.order),
            b.registration.into(),
            P::I(i64::from(b.verified)),
            P::T(NOW),
        ],
    )?;
    Ok((id, child))
}

/// One child of a delivery: sex (1 a boy, 2 a girl), birth order, verified.
pub type Child = (i64, i64, bool);

/// A delivery as written: the `(birth, child)` ids of its children.
pub struct Delivered {
    pub births: Vec<(String, String)>,
}

/// A delivery on `born_on` in `village` by `mother` (a new woman when
/// `None`): the pregnancy (LMP 280 days before, reported on time 60 days
/// after it) ended in a live birth, and a birth for each child.
pub fn delivery(
    db: &Db,
    village: &str,
    born_on: &str,
    mother: Option<&str>,
    children: &[Child],
    registration: Option<&str>,
) -> Delivered {
    let mother = mother.map_or_else(|| new_person(db, village, "母亲", 2).id, str::to_string);
    let lmp = d(born_on) - chrono::Duration::days(280);
    let reported = lmp + chrono::Duration::days(60);
    let (lmp, reported) = (lmp.to_string(), reported.to_string());
    db.write(|tx| {
        let pregnancy = live_birth(tx, &mother, village, &lmp, &reported, born_on)?;
        let mut births = Vec::new();
        for &(sex, order, verified) in children {
            births.push(birth_row(
                tx,
                &BirthRow {
                    pregnancy: &pregnancy,
                    mother: &mother,
                    village,
                    sex,
                    born_on,
                    order,
                    verified,
                    registration,
                },
            )?);
        }
        Ok(Delivered { births })
    })
    .unwrap()
}

/// `boys` and `girls` of one delivery, all of birth order `order`.
pub fn births(
    db: &Db,
    village: &str,
    born_on: &str,
    (boys, girls): (usize, usize),
    order: i64,
    verified: bool,
) {
    let children: Vec<Child> = std::iter::repeat_n((1, order, verified), boys)
        .chain(std::iter::repeat_n((2, order, verified), girls))
        .collect();
    delivery(db, village, born_on, None, &children, None);
}
