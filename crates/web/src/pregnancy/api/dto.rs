//! The JSON shapes of the pregnancy, birth and infant-death resources:
//! request bodies, query filters and answers, each documented for the
//! OpenAPI document. Codes are the stable ones of
//! `hearth_core::pregnancy` (e.g. `live_birth`, `township_hospital`).

use hearth_store::pregnancy::{
    AntenatalCheck, Birth, BirthView, InfantDeath, Pregnancy, PregnancyView, VerifyRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- pregnancies --------------------------------------------------------------

/// A pregnancy (孕情).
#[derive(Debug, Serialize, ToSchema)]
pub struct PregnancyDto {
    pub id: String,
    pub woman_id: String,
    pub woman_name: String,
    pub village_code: String,
    /// Last menstrual period, YYYY-MM-DD.
    pub lmp: String,
    pub reported_on: String,
    /// `self`, `clinic` or `visit`.
    pub source: String,
    /// Expected delivery date (LMP + 280 days).
    pub edd: String,
    /// Reported no more than 91 days after the LMP.
    pub timely: bool,
    pub registration_id: Option<String>,
    pub reported_by: String,
    /// `live_birth`, `stillbirth`, `miscarriage`, `induced_termination`,
    /// `moved_out`, `lost`; absent while open.
    pub outcome: Option<String>,
    pub outcome_on: Option<String>,
    pub termination_record: Option<String>,
    pub termination_reason: Option<String>,
    pub outcome_note: Option<String>,
    /// Open 44 weeks or more after the LMP.
    pub overdue: bool,
    /// Completed weeks since the LMP today (open pregnancies).
    pub gest_week: Option<i64>,
    /// Send back in `If-Match` to record the outcome or the births.
    pub version: i64,
    pub change_seq: i64,
}

impl From<Pregnancy> for PregnancyDto {
    fn from(p: Pregnancy) -> Self {
        PregnancyDto {
            id: p.id,
            woman_id: p.woman_id,
            woman_name: p.woman_name,
            village_code: p.village_code,
            lmp: p.lmp,
            reported_on: p.reported_on,
            source: p.source.code().to_string(),
            edd: p.edd,
            timely: p.timely,
            registration_id: p.registration_id,
            reported_by: p.reported_by_name,
            outcome: p.outcome.map(|o| o.code().to_string()),
            outcome_on: p.outcome_on,
            termination_record: p.termination_record,
            termination_reason: p.termination_reason.map(|r| r.code().to_string()),
            outcome_note: p.outcome_note,
            overdue: p.overdue,
            gest_week: p.gest_week,
            version: p.version,
            change_seq: p.change_seq,
        }
    }
}

/// An antenatal check (产前检查).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckDto {
    pub id: String,
    pub pregnancy_id: String,
    pub checked_on: String,
    /// Completed weeks of gestation on the check date.
    pub gest_week: i64,
    pub place: String,
    pub note: Option<String>,
    pub version: i64,
}

impl From<AntenatalCheck> for CheckDto {
    fn from(c: AntenatalCheck) -> Self {
        CheckDto {
            id: c.id,
            pregnancy_id: c.pregnancy_id,
            checked_on: c.checked_on,
            gest_week: c.gest_week,
            place: c.place,
            note: c.note,
            version: c.version,
        }
    }
}

/// A pregnancy with its antenatal checks and births.
#[derive(Debug, Serialize, ToSchema)]
pub struct PregnancyViewDto {
    #[serde(flatten)]
    pub pregnancy: PregnancyDto,
    pub checks: Vec<CheckDto>,
    pub births: Vec<BirthDto>,
}

impl From<PregnancyView> for PregnancyViewDto {
    fn from(v: PregnancyView) -> Self {
        PregnancyViewDto {
            pregnancy: v.pregnancy.into(),
            checks: v.checks.into_iter().map(Into::into).collect(),
            births: v.births.into_iter().map(Into::into).collect(),
        }
    }
}

/// The pregnancy list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PregnancyQuery {
    /// Only this village (or any org code of your area: its subtree).
    pub village: Option<String>,
    /// Only this woman's pregnancies.
    pub woman_id: Option<String>,
    /// `open` (no outcome yet), `overdue` (open, 44 weeks or more after the
    /// LMP) or `all` (default).
    pub state: Option<String>,
    /// Reported on or after this date, YYYY-MM-DD.
    pub reported_from: Option<String>,
    /// Reported on or before this date, YYYY-MM-DD.
    pub reported_to: Option<String>,
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// A pregnancy report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPregnancyBody {
    /// Optional client-chosen UUID: a retry with the same id returns the
    /// first report (200) instead of making a second.
    pub id: Option<String>,
    /// The woman (a person of your area).
    #[serde(default)]
    pub woman_id: String,
    /// Last menstrual period, YYYY-MM-DD: not in the future, not more than
    /// 45 weeks before the report.
    #[serde(default)]
    #[schema(example = "2026-09-01")]
    pub lmp: String,
    /// YYYY-MM-DD; today when left out.
    #[serde(default)]
    pub reported_on: String,
    /// `self`, `clinic` or `visit`.
    #[serde(default)]
    #[schema(example = "visit")]
    pub source: String,
    /// A current birth registration of her couple, if the pregnancy is
    /// planned under one.
    #[serde(default)]
    pub registration_id: String,
}

/// An antenatal check to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCheckBody {
    /// Optional client-chosen UUID (a retry returns the first).
    pub id: Option<String>,
    /// YYYY-MM-DD, after the LMP and not in the future.
    #[serde(default)]
    pub checked_on: String,
    /// Where (1–60 characters).
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub note: String,
}

/// The outcome of an open pregnancy other than a live birth (births are
/// reported with `POST /api/v1/pregnancies/{id}/births`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct OutcomeBody {
    /// `stillbirth`, `miscarriage`, `induced_termination`, `moved_out`, `lost`.
    #[serde(default)]
    #[schema(example = "miscarriage")]
    pub outcome: String,
    /// YYYY-MM-DD, after the LMP and not in the future.
    #[serde(default)]
    pub outcome_on: String,
    /// Induced termination: the medical record reference.
    #[serde(default)]
    pub termination_record: String,
    /// Induced termination: `medical`, `fetal_anomaly`,
    /// `contraceptive_failure`, `personal` or `other`.
    #[serde(default)]
    pub termination_reason: String,
    #[serde(default)]
    pub note: String,
}

/// One child of a birth report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChildBody {
    /// May be left out: the name often comes later.
    #[serde(default)]
    pub name: String,
    /// `1` (male) or `2` (female), or 男 / 女.
    #[serde(default)]
    #[schema(example = "2")]
    pub sex: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub born_on: String,
    /// HH:MM, 24-hour.
    #[serde(default)]
    pub born_time: String,
    /// Grams, 300–7000.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "3200")]
    pub weight_g: String,
    /// `county_hospital`, `township_hospital`, `mch_hospital`, `home`, `other`.
    #[serde(default)]
    #[schema(example = "township_hospital")]
    pub place: String,
    /// 1 for a first child; derived when left out.
    #[serde(default)]
    pub birth_order: String,
    /// The medical birth certificate number: a letter and nine digits.
    #[serde(default)]
    pub certificate_no: String,
}

/// The live birth(s) of a pregnancy: one child, or several for twins.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BirthsBody {
    /// Optional client-chosen UUID of the first birth (a retry returns the
    /// births already made).
    pub id: Option<String>,
    #[serde(default)]
    pub children: Vec<ChildBody>,
}

// ---- births and infant deaths -----------------------------------------------------

/// One in-person verification step as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyDto {
    pub by: String,
    pub on: String,
    /// What the verifier checked (time of birth, sex, certificate…).
    pub checks: String,
}

impl From<VerifyRecord> for VerifyDto {
    fn from(v: VerifyRecord) -> Self {
        VerifyDto {
            by: v.by_name,
            on: v.on,
            checks: v.checks,
        }
    }
}

/// A child born alive.
#[derive(Debug, Serialize, ToSchema)]
pub struct BirthDto {
    pub id: String,
    pub pregnancy_id: String,
    pub mother_id: String,
    pub mother_name: String,
    /// The child's person record (in the mother's household).
    pub child_id: String,
    pub village_code: String,
    /// Absent until the child is named.
    pub child_name: Option<String>,
    /// `1` male, `2` female.
    pub sex: i64,
    pub born_on: String,
    pub born_time: Option<String>,
    pub weight_g: Option<i64>,
    pub place: String,
    pub birth_order: i64,
    pub certificate_no: Option<String>,
    pub registration_id: Option<String>,
    pub reported_by: String,
    pub village_verification: Option<VerifyDto>,
    pub town_verification: Option<VerifyDto>,
    /// `unverified`, `village_verified` or `verified`.
    pub verification: String,
    /// Send back in `If-Match` to verify, amend or name.
    pub version: i64,
    pub change_seq: i64,
}

impl From<Birth> for BirthDto {
    fn from(b: Birth) -> Self {
        BirthDto {
            id: b.id,
            pregnancy_id: b.pregnancy_id,
            mother_id: b.mother_id,
            mother_name: b.mother_name,
            child_id: b.child_id,
            village_code: b.village_code,
            child_name: b.child_name,
            sex: b.sex.code(),
            born_on: b.born_on,
            born_time: b.born_time,
            weight_g: b.weight_g,
            place: b.place.code().to_string(),
            birth_order: b.birth_order,
            certificate_no: b.certificate_no,
            registration_id: b.registration_id,
            reported_by: b.reported_by_name,
            village_verification: b.village_verification.map(Into::into),
            town_verification: b.town_verification.map(Into::into),
            verification: b.verification.code().to_string(),
            version: b.version,
            change_seq: b.change_seq,
        }
    }
}

/// A correction of a birth's sex or date.
#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentDto {
    pub id: String,
    /// `sex` or `born_on`.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// A birth with its amendments and any infant death.
#[derive(Debug, Serialize, ToSchema)]
pub struct BirthViewDto {
    #[serde(flatten)]
    pub birth: BirthDto,
    pub amendments: Vec<AmendmentDto>,
    pub infant_death: Option<DeathDto>,
}

impl From<BirthView> for BirthViewDto {
    fn from(v: BirthView) -> Self {
        BirthViewDto {
            birth: v.birth.into(),
            amendments: v
                .amendments
                .into_iter()
                .map(|a| AmendmentDto {
                    id: a.id,
                    field: a.field,
                    old_value: a.old_value,
                    new_value: a.new_value,
                    reason: a.reason,
                    by: a.by_name,
                    at: a.at,
                })
                .collect(),
            infant_death: v.death.map(Into::into),
        }
    }
}

/// The birth list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BirthQuery {
    /// Only this village (or any org code of your area: its subtree).
    pub village: Option<String>,
    pub mother_id: Option<String>,
    /// Born on or after, YYYY-MM-DD.
    pub born_from: Option<String>,
    /// Born on or before, YYYY-MM-DD.
    pub born_to: Option<String>,
    /// `unverified`, `village_verified` or `verified`.
    pub verification: Option<String>,
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// One in-person verification step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyBody {
    /// `village` (the village specialist, first) or `town` (a town staff
    /// member other than the village verifier, second).
    #[serde(default)]
    #[schema(example = "village")]
    pub step: String,
    /// YYYY-MM-DD, not before the event and not in the future.
    #[serde(default)]
    pub verified_on: String,
    /// What was checked in person (1–200 characters).
    #[serde(default)]
    #[schema(example = "核对出生时间、性别、出生医学证明")]
    pub checks: String,
}

/// A correction of a birth's sex or date of birth.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AmendBody {
    /// `sex` or `born_on`.
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub new_value: String,
    /// Why (1–200 characters).
    #[serde(default)]
    pub reason: String,
}

/// The child's name, given after the birth report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NameBody {
    #[serde(default)]
    pub name: String,
}

/// An infant death (婴儿死亡).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeathDto {
    pub id: String,
    pub child_id: String,
    pub child_name: String,
    pub birth_id: Option<String>,
    pub village_code: String,
    pub died_on: String,
    /// Age at death in days.
    pub age_days: i64,
    pub cause: String,
    pub note: Option<String>,
    pub reported_by: String,
    pub village_verification: Option<VerifyDto>,
    pub town_verification: Option<VerifyDto>,
    /// `unverified`, `village_verified` or `verified`.
    pub verification: String,
    pub version: i64,
    pub change_seq: i64,
}

impl From<InfantDeath> for DeathDto {
    fn from(d: InfantDeath) -> Self {
        DeathDto {
            id: d.id,
            child_id: d.child_id,
            child_name: d.child_name,
            birth_id: d.birth_id,
            village_code: d.village_code,
            died_on: d.died_on,
            age_days: d.age_days,
            cause: d.cause.code().to_string(),
            note: d.note,
            reported_by: d.reported_by_name,
            village_verification: d.village_verification.map(Into::into),
            town_verification: d.town_verification.map(Into::into),
            verification: d.verification.code().to_string(),
            version: d.version,
            change_seq: d.change_seq,
        }
    }
}

/// The infant-death list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeathQuery {
    pub village: Option<String>,
    /// Died on or after, YYYY-MM-DD.
    pub died_from: Option<String>,
    /// Died on or before, YYYY-MM-DD.
    pub died_to: Option<String>,
    /// `unverified`, `village_verified` or `verified`.
    pub verification: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// An infant death to report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDeathBody {
    /// Optional client-chosen UUID (a retry returns the first).
    pub id: Option<String>,
    /// The child (a person of your area, under one year old at death).
    #[serde(default)]
    pub child_id: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub died_on: String,
    /// `prematurity`, `asphyxia`, `congenital_anomaly`, `pneumonia`,
    /// `diarrhoea`, `injury`, `other`.
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub note: String,
}
