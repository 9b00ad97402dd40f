//! Pregnancy to outcome (孕情), births and infant deaths: their coded values,
//! the dates derived from the last menstrual period, and the rules a report,
//! an outcome, a birth, a verification and an infant death must satisfy.

use crate::dates::parse_date;
use crate::error::{FieldError, Reason};
use crate::person::{Sex, coded_enum};
use chrono::NaiveDate;
use serde::Serialize;

/// Days from the LMP to the expected delivery date (Naegele: 40 weeks).
pub const GESTATION_DAYS: i64 = 280;
/// A report no later than this many days after the LMP is timely (13 weeks).
pub const TIMELY_DAYS: i64 = 91;
/// An open pregnancy this many days after its LMP is overdue (44 weeks).
pub const OVERDUE_DAYS: i64 = 308;
/// An LMP more than this many days before the report is refused (45 weeks).
pub const MAX_LMP_DAYS: i64 = 315;
/// An infant death is one before the first birthday: 365 days, or 366 when
/// the year after the birth holds a 29 February.
pub const INFANT_DAYS: i64 = 365;

/// The first birthday of a child born on `born` (28 February for a child
/// born on 29 February).
pub fn first_birthday(born: NaiveDate) -> NaiveDate {
    born.checked_add_months(chrono::Months::new(12))
        .unwrap_or(born + chrono::Duration::days(INFANT_DAYS))
}

coded_enum!(
    /// Who told the village specialist of the pregnancy (孕情来源).
    PregnancySource, "本人/医疗机构/随访", {
        SelfReport => "self", "本人";
        Clinic => "clinic", "医疗机构";
        Visit => "visit", "随访";
    }
);

coded_enum!(
    /// How a pregnancy ended (妊娠结局), or why it left the village's care.
    Outcome, "活产/死胎死产/自然流产/人工终止妊娠/迁出/失访", {
        LiveBirth => "live_birth", "活产";
        Stillbirth => "stillbirth", "死胎死产";
        Miscarriage => "miscarriage", "自然流产";
        InducedTermination => "induced_termination", "人工终止妊娠" | "引流产";
        MovedOut => "moved_out", "迁出";
        Lost => "lost", "失访";
    }
);

coded_enum!(
    /// The reason category recorded with an induced termination.
    TerminationReason, "医学需要/胎儿异常/避孕失败/本人意愿/其他", {
        Medical => "medical", "医学需要";
        FetalAnomaly => "fetal_anomaly", "胎儿异常";
        ContraceptiveFailure => "contraceptive_failure", "避孕失败";
        Personal => "personal", "本人意愿";
        Other => "other", "其他";
    }
);

coded_enum!(
    /// Cause category of an infant death (婴儿死亡原因分类).
    DeathCause, "早产低体重/出生窒息/先天异常/肺炎/腹泻/意外伤害/其他", {
        Prematurity => "prematurity", "早产低体重";
        Asphyxia => "asphyxia", "出生窒息";
        CongenitalAnomaly => "congenital_anomaly", "先天异常";
        Pneumonia => "pneumonia", "肺炎";
        Diarrhoea => "diarrhoea", "腹泻";
        Injury => "injury", "意外伤害";
        Other => "other", "其他";
    }
);

coded_enum!(
    /// Where a child was born.
    BirthPlace, "县级及以上医院/乡镇卫生院/妇幼保健院/家中/其他", {
        CountyHospital => "county_hospital", "县级及以上医院";
        TownshipHospital => "township_hospital", "乡镇卫生院";
        MaternalChildHospital => "mch_hospital", "妇幼保健院";
        Home => "home", "家中";
        Other => "other", "其他";
    }
);

coded_enum!(
    /// What kind of 两非 case: illegal fetal sex identification or
    /// sex-selective termination of pregnancy.
    CaseKind, "非医学需要胎儿性别鉴定/非医学需要选择性别人工终止妊娠", {
        SexIdentification => "sex_identification", "非医学需要胎儿性别鉴定";
        SexSelectiveTermination => "sex_selective_termination", "非医学需要选择性别人工终止妊娠";
    }
);

coded_enum!(
    /// Where an enforcement case stands.
    CaseStatus, "立案/调查中/已结案", {
        Open => "open", "立案";
        Investigating => "investigating", "调查中";
        Closed => "closed", "已结案";
    }
);

/// The two in-person verification steps of a birth or infant death.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStep {
    /// First: the village specialist (村级核实).
    Village,
    /// Second: a town staff member other than the first verifier (镇级核实).
    Town,
}

impl VerifyStep {
    pub fn code(self) -> &'static str {
        match self {
            VerifyStep::Village => "village",
            VerifyStep::Town => "town",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Reason> {
        match s.trim() {
            "village" | "村级" => Ok(VerifyStep::Village),
            "town" | "镇级" => Ok(VerifyStep::Town),
            "" => Err(Reason::Required),
            _ => Err(Reason::UnknownValue {
                allowed: "village/town",
            }),
        }
    }
}

/// Where a birth or infant-death report stands in its verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Reported, not yet verified by anyone.
    Unverified,
    /// Verified by the village specialist, awaiting the town.
    VillageVerified,
    /// Verified by both: counts as a verified event.
    Verified,
}

impl Verification {
    /// Every state, from reported to verified.
    pub const ALL: &'static [Verification] = &[
        Verification::Unverified,
        Verification::VillageVerified,
        Verification::Verified,
    ];

    /// The state with this code (`unverified`, `village_verified`,
    /// `verified`), as a list filter names it.
    pub fn from_code(s: &str) -> Option<Self> {
        Verification::ALL
            .iter()
            .copied()
            .find(|v| v.code() == s.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            Verification::Unverified => "unverified",
            Verification::VillageVerified => "village_verified",
            Verification::Verified => "verified",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Verification::Unverified => "未核实",
            Verification::VillageVerified => "村已核实",
            Verification::Verified => "已核实",
        }
    }
    /// From the two recorded steps.
    pub fn of(village_done: bool, town_done: bool) -> Self {
        match (village_done, town_done) {
            (true, true) => Verification::Verified,
            (true, false) => Verification::VillageVerified,
            _ => Verification::Unverified,
        }
    }
}

/// The expected delivery date: LMP + 280 days.
pub fn edd(lmp: NaiveDate) -> NaiveDate {
    lmp + chrono::Duration::days(GESTATION_DAYS)
}

/// Completed weeks of gestation on `on` (0 before the LMP).
pub fn gest_week(lmp: NaiveDate, on: NaiveDate) -> i64 {
    ((on - lmp).num_days() / 7).max(0)
}

/// True when a report on `reported_on` is timely for this LMP (≤ 91 days).
pub fn is_timely(lmp: NaiveDate, reported_on: NaiveDate) -> bool {
    (reported_on - lmp).num_days() <= TIMELY_DAYS
}

/// True when an open pregnancy is past 44 weeks on `today`.
pub fn is_overdue(lmp: NaiveDate, today: NaiveDate) -> bool {
    (today - lmp).num_days() >= OVERDUE_DAYS
}

fn date_field(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match parse_date(raw) {
        Ok(d) => Some(d),
        Err(r) => {
            errors.push(FieldError::new(field, r));
            None
        }
    }
}

fn not_future(field: &str, d: Option<NaiveDate>, today: NaiveDate, errors: &mut Vec<FieldError>) {
    if d.is_some_and(|d| d > today) {
        errors.push(FieldError::new(field, Reason::FutureDate));
    }
}

/// A pregnancy report as typed, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct PregnancyInput {
    pub lmp: String,
    /// Empty means today.
    pub reported_on: String,
    pub source: String,
    /// Optional: the birth registration this pregnancy is planned under.
    pub registration_id: String,
}

/// A checked pregnancy report.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPregnancy {
    pub lmp: NaiveDate,
    pub reported_on: NaiveDate,
    pub edd: NaiveDate,
    pub timely: bool,
    pub source: PregnancySource,
    pub registration_id: Option<String>,
}

impl PregnancyInput {
    /// Checks the report of a pregnancy of a person of sex `sex` on `today`:
    /// a woman; LMP and report date real, not in the future; the report not
    /// before the LMP; the LMP not more than 45 weeks before the report.
    pub fn validate(&self, sex: Sex, today: NaiveDate) -> Result<ValidPregnancy, Vec<FieldError>> {
        let mut errors = Vec::new();
        if sex != Sex::Female {
            errors.push(FieldError::new("woman_id", Reason::NotFemale));
        }
        let lmp = date_field("lmp", &self.lmp, &mut errors);
        let reported_on = if self.reported_on.trim().is_empty() {
            Some(today)
        } else {
            date_field("reported_on", &self.reported_on, &mut errors)
        };
        not_future("lmp", lmp, today, &mut errors);
        not_future("reported_on", reported_on, today, &mut errors);
        if let (Some(l), Some(r)) = (lmp, reported_on) {
            if r < l {
                errors.push(FieldError::new(
                    "reported_on",
                    Reason::NotBefore {
                        zh: "末次月经日期",
                        en: "last menstrual period",
                    },
                ));
            } else if (r - l).num_days() > MAX_LMP_DAYS {
                errors.push(FieldError::new("lmp", Reason::LmpTooOld));
            }
        }
        let source = match PregnancySource::parse(&self.source) {
            Ok(s) => Some(s),
            Err(r) => {
                errors.push(FieldError::new("source", r));
                None
            }
        };
        let registration_id =
            Some(self.registration_id.trim().to_string()).filter(|s| !s.is_empty());
        match (lmp, reported_on, source) {
            (Some(lmp), Some(reported_on), Some(source)) if errors.is_empty() => {
                Ok(ValidPregnancy {
                    lmp,
                    reported_on,
                    edd: edd(lmp),
                    timely: is_timely(lmp, reported_on),
                    source,
                    registration_id,
                })
            }
            _ => Err(errors),
        }
    }
}

/// An outcome as typed (not a live birth: that comes with a birth report).
#[derive(Debug, Clone, Default)]
pub struct OutcomeInput {
    pub outcome: String,
    pub outcome_on: String,
    /// Induced termination: the medical record reference (病历号).
    pub termination_record: String,
    /// Induced termination: a [`TerminationReason`] code.
    pub termination_reason: String,
    pub note: String,
}

/// A checked outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOutcome {
    pub outcome: Outcome,
    pub outcome_on: NaiveDate,
    pub termination_record: Option<String>,
    pub termination_reason: Option<TerminationReason>,
    pub note: Option<String>,
}

impl OutcomeInput {
    /// Checks an outcome of a pregnancy with this LMP on `today`. A live
    /// birth is refused here: it is recorded by reporting the birth.
    pub fn validate(
        &self,
        lmp: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidOutcome, Vec<FieldError>> {
        let mut errors = Vec::new();
        let outcome = match Outcome::parse(&self.outcome) {
            Ok(Outcome::LiveBirth) => {
                errors.push(FieldError::new(
                    "outcome",
                    Reason::UnknownValue {
                        allowed: "死胎死产/自然流产/人工终止妊娠/迁出/失访（活产请填报出生）",
                    },
                ));
                None
            }
            Ok(o) => Some(o),
            Err(r) => {
                errors.push(FieldError::new("outcome", r));
                None
            }
        };
        let on = date_field("outcome_on", &self.outcome_on, &mut errors);
        not_future("outcome_on", on, today, &mut errors);
        if on.is_some_and(|d| d <= lmp) {
            errors.push(FieldError::new("outcome_on", after_lmp()));
        }
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let mut record = None;
        let mut reason = None;
        if outcome == Some(Outcome::InducedTermination) {
            record = text(&self.termination_record);
            match &record {
                None => errors.push(FieldError::new("termination_record", Reason::Required)),
                Some(r) if r.chars().count() > 40 => errors.push(FieldError::new(
                    "termination_record",
                    Reason::TooLong { max: 40 },
                )),
                Some(_) => {}
            }
            match TerminationReason::parse(&self.termination_reason) {
                Ok(r) => reason = Some(r),
                Err(r) => errors.push(FieldError::new("termination_reason", r)),
            }
        }
        let note = text(&self.note);
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            errors.push(FieldError::new("note", Reason::TooLong { max: 200 }));
        }
        match (outcome, on) {
            (Some(outcome), Some(outcome_on)) if errors.is_empty() => Ok(ValidOutcome {
                outcome,
                outcome_on,
                termination_record: record,
                termination_reason: reason,
                note,
            }),
            _ => Err(errors),
        }
    }
}

fn after_lmp() -> Reason {
    Reason::NotBefore {
        zh: "末次月经日期之后",
        en: "day after the last menstrual period",
    }
}

/// An antenatal check as typed.
#[derive(Debug, Clone, Default)]
pub struct CheckInput {
    pub checked_on: String,
    pub place: String,
    pub note: String,
}

/// A checked antenatal check with its computed gestational week.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCheck {
    pub checked_on: NaiveDate,
    pub gest_week: i64,
    pub place: String,
    pub note: Option<String>,
}

impl CheckInput {
    pub fn validate(
        &self,
        lmp: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidCheck, Vec<FieldError>> {
        let mut errors = Vec::new();
        let on = date_field("checked_on", &self.checked_on, &mut errors);
        not_future("checked_on", on, today, &mut errors);
        if on.is_some_and(|d| d <= lmp) {
            errors.push(FieldError::new("checked_on", after_lmp()));
        }
        let place = self.place.trim().to_string();
        if place.is_empty() {
            errors.push(FieldError::new("place", Reason::Required));
        } else if place.chars().count() > 60 {
            errors.push(FieldError::new("place", Reason::TooLong { max: 60 }));
        }
        let note = Some(self.note.trim().to_string()).filter(|s| !s.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            errors.push(FieldError::new("note", Reason::TooLong { max: 200 }));
        }
        match on {
            Some(checked_on) if errors.is_empty() => Ok(ValidCheck {
                checked_on,
                gest_week: gest_week(lmp, checked_on),
                place,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// One child of a birth report as typed.
#[derive(Debug, Clone, Default)]
pub struct BirthInput {
    /// May be empty: the name often comes later.
    pub child_name: String,
    pub sex: String,
    pub born_on: String,
    /// `HH:MM`, 24-hour; may be empty.
    pub born_time: String,
    /// Grams; may be empty.
    pub weight_g: String,
    pub place: String,
    /// 1 for a first child; may be empty to derive it from the register.
    pub birth_order: String,
    /// The medical birth certificate number (出生医学证明编号); may be empty.
    pub certificate_no: String,
}

/// A checked child of a birth report.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidBirth {
    pub child_name: Option<String>,
    pub sex: Sex,
    pub born_on: NaiveDate,
    pub born_time: Option<String>,
    pub weight_g: Option<i64>,
    pub place: BirthPlace,
    pub birth_order: Option<i64>,
    pub certificate_no: Option<String>,
}

/// Checks a birth certificate number: one capital letter then nine digits.
pub fn parse_certificate(s: &str) -> Result<String, Reason> {
    let t = s.trim().to_ascii_uppercase();
    let b = t.as_bytes();
    if b.len() != 10 {
        return Err(Reason::BadLength { expected: "10" });
    }
    if !b[0].is_ascii_uppercase() || !b[1..].iter().all(u8::is_ascii_digit) {
        return Err(Reason::BadCharacter);
    }
    Ok(t)
}

fn parse_time(s: &str) -> Result<String, Reason> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| Reason::BadCharacter)
}

impl BirthInput {
    /// Checks one child born of a pregnancy with this LMP, on `today`.
    pub fn validate(
        &self,
        lmp: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidBirth, Vec<FieldError>> {
        let mut errors = Vec::new();
        let child_name = Some(self.child_name.trim().to_string()).filter(|s| !s.is_empty());
        if let Some(n) = &child_name
            && let Err(r) = crate::name::PersonName::parse(n)
        {
            errors.push(FieldError::new("child_name", r));
        }
        let sex = match Sex::parse(&self.sex) {
            Ok(s) => Some(s),
            Err(r) => {
                errors.push(FieldError::new("sex", r));
                None
            }
        };
        let born_on = date_field("born_on", &self.born_on, &mut errors);
        not_future("born_on", born_on, today, &mut errors);
        if born_on.is_some_and(|d| d <= lmp) {
            errors.push(FieldError::new("born_on", after_lmp()));
        }
        let born_time = match self.born_time.trim() {
            "" => None,
            t => match parse_time(t) {
                Ok(t) => Some(t),
                Err(r) => {
                    errors.push(FieldError::new("born_time", r));
                    None
                }
            },
        };
        let weight_g = match self.weight_g.trim() {
            "" => None,
            w => match w.parse::<i64>() {
                Ok(g) if (300..=7000).contains(&g) => Some(g),
                Ok(_) => {
                    errors.push(FieldError::new(
                        "weight_g",
                        Reason::OutOfRange {
                            min: 300,
                            max: 7000,
                        },
                    ));
                    None
                }
                Err(_) => {
                    errors.push(FieldError::new("weight_g", Reason::NotANumber));
                    None
                }
            },
        };
        let place = match BirthPlace::parse(&self.place) {
            Ok(p) => Some(p),
            Err(r) => {
                errors.push(FieldError::new("place", r));
                None
            }
        };
        let birth_order = match self.birth_order.trim() {
            "" => None,
            o => match o.parse::<i64>() {
                Ok(n) if (1..=15).contains(&n) => Some(n),
                Ok(_) => {
                    errors.push(FieldError::new(
                        "birth_order",
                        Reason::OutOfRange { min: 1, max: 15 },
                    ));
                    None
                }
                Err(_) => {
                    errors.push(FieldError::new("birth_order", Reason::NotANumber));
                    None
                }
            },
        };
        let certificate_no = match self.certificate_no.trim() {
            "" => None,
            c => match parse_certificate(c) {
                Ok(c) => Some(c),
                Err(r) => {
                    errors.push(FieldError::new("certificate_no", r));
                    None
                }
            },
        };
        match (sex, born_on, place) {
            (Some(sex), Some(born_on), Some(place)) if errors.is_empty() => Ok(ValidBirth {
                child_name,
                sex,
                born_on,
                born_time,
                weight_g,
                place,
                birth_order,
                certificate_no,
            }),
            _ => Err(errors),
        }
    }
}

/// What a verifier checked in person, as typed.
#[derive(Debug, Clone, Default)]
pub struct VerifyInput {
    pub step: String,
    pub verified_on: String,
    /// Each item the verifier confirmed: `time_of_birth`, `sex`,
    /// `certificate`, `death` (free text allowed after them).
    pub checks: String,
}

/// An infant death as typed.
#[derive(Debug, Clone, Default)]
pub struct DeathInput {
    pub died_on: String,
    pub cause: String,
    pub note: String,
}

/// A checked infant death.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDeath {
    pub died_on: NaiveDate,
    pub age_days: i64,
    pub cause: DeathCause,
    pub note: Option<String>,
}

impl DeathInput {
    /// Checks the death of a child born on `born_on`, reported on `today`.
    pub fn validate(
        &self,
        born_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<ValidDeath, Vec<FieldError>> {
        let mut errors = Vec::new();
        let died_on = date_field("died_on", &self.died_on, &mut errors);
        not_future("died_on", died_on, today, &mut errors);
        if let Some(d) = died_on {
            if d < born_on {
                errors.push(FieldError::new(
                    "died_on",
                    Reason::NotBefore {
                        zh: "出生日期",
                        en: "date of birth",
                    },
                ));
            } else if d >= first_birthday(born_on) {
                errors.push(FieldError::new("died_on", Reason::NotAnInfant));
            }
        }
        let cause = match DeathCause::parse(&self.cause) {
            Ok(c) => Some(c),
            Err(r) => {
                errors.push(FieldError::new("cause", r));
                None
            }
        };
        let note = Some(self.note.trim().to_string()).filter(|s| !s.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            errors.push(FieldError::new("note", Reason::TooLong { max: 200 }));
        }
        match (died_on, cause) {
            (Some(died_on), Some(cause)) if errors.is_empty() => Ok(ValidDeath {
                died_on,
                age_days: (died_on - born_on).num_days(),
                cause,
                note,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests;
