//! The API's request and response bodies, with their OpenAPI schemas. They
//! are written here, not derived on `core` types, so the wire format is a
//! decision of the API: lists and records show masked ID numbers and
//! phones, a full value appears only when revealed. Request bodies default
//! every text field to empty so that `core` validation can report every
//! missing field at once.

use hearth_core::household::{Household, HouseholdFlags};
use hearth_core::id_number::mask_id;
use hearth_core::person::{Person, Sex};
use hearth_core::phone::mask_phone;
use hearth_core::registration::{BirthRegistration, Couple, RegistrationStatus};
use hearth_store::search::SearchHit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- paging -----------------------------------------------------------------

/// Paging of a list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// Paging and a village filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VillageQuery {
    /// Only this village (12-digit code); still inside your area.
    pub village: Option<String>,
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// The person list's search and filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Search text: a resident ID, a mobile number, a household number,
    /// pinyin initials (`zxm`) or the start of a name. Without it, the
    /// persons of your area by village and name.
    pub q: Option<String>,
    /// Only this village (12-digit code); still inside your area.
    pub village: Option<String>,
    /// Rows per page: 1–500 (default 50); with `q`, at most 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// The registration list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    /// Only this village (12-digit code); still inside your area.
    pub village: Option<String>,
    /// Only this status: `current`, `used`, `lapsed` or `cancelled`.
    pub status: Option<String>,
    /// Rows per page, 1–500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// Which full value of a person to show.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// `resident_id`, `phone`, or both comma-separated: the full value is
    /// returned and the reveal is written to the audit trail.
    pub reveal: Option<String>,
}

// ---- org units ----------------------------------------------------------------

/// Counts of one village.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgCountsDto {
    pub households: i64,
    pub residents: i64,
    /// Women aged 15–49.
    pub women_15_49: i64,
}

/// An org unit (区划): a county, town or village.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgUnitDto {
    #[schema(example = "370404100201")]
    pub code: String,
    pub parent_code: Option<String>,
    /// `county`, `town` or `village`.
    pub level: String,
    pub name: String,
    /// False for the units above your area, listed as context.
    pub in_scope: bool,
    /// A village's counts, when your role may see them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<OrgCountsDto>,
}

/// The org units of your area and those above it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgUnitList {
    pub items: Vec<OrgUnitDto>,
}

// ---- households ---------------------------------------------------------------

/// A household's programme flags.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FlagsDto {
    /// 计生户.
    pub family_planning: bool,
    /// 贫困计生户.
    pub poor_family_planning: bool,
    /// 独生子女家庭.
    pub only_child: bool,
    /// 双女家庭.
    pub two_daughters: bool,
    /// 女孩家庭.
    pub girl_family: bool,
}

impl From<HouseholdFlags> for FlagsDto {
    fn from(f: HouseholdFlags) -> Self {
        FlagsDto {
            family_planning: f.family_planning,
            poor_family_planning: f.poor_family_planning,
            only_child: f.only_child,
            two_daughters: f.two_daughters,
            girl_family: f.girl_family,
        }
    }
}

impl From<FlagsDto> for HouseholdFlags {
    fn from(f: FlagsDto) -> Self {
        HouseholdFlags {
            family_planning: f.family_planning,
            poor_family_planning: f.poor_family_planning,
            only_child: f.only_child,
            two_daughters: f.two_daughters,
            girl_family: f.girl_family,
        }
    }
}

/// A household (户).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdDto {
    pub id: String,
    pub village_code: String,
    /// 户编号, unique within the village.
    pub number: String,
    pub address: String,
    pub head_person_id: Option<String>,
    pub flags: FlagsDto,
    /// Send back in `If-Match` to change or delete the household.
    pub version: i64,
    pub change_seq: i64,
}

impl From<Household> for HouseholdDto {
    fn from(h: Household) -> Self {
        HouseholdDto {
            id: h.id,
            village_code: h.village_code,
            number: h.number,
            address: h.address,
            head_person_id: h.head_person_id,
            flags: h.flags.into(),
            version: h.version,
            change_seq: h.change_seq,
        }
    }
}

/// A household with its members (masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdDetail {
    #[serde(flatten)]
    pub household: HouseholdDto,
    pub members: Vec<PersonListItem>,
}

/// A page of households.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdDto>,
    pub limit: i64,
    pub offset: i64,
}

/// A new household.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewHouseholdBody {
    /// A UUID chosen by an offline client. Sending the same create again
    /// with the same id returns the first record (200) instead of a copy.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    #[schema(example = "370404100201")]
    pub village_code: String,
    #[serde(default)]
    #[schema(example = "0001")]
    pub number: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub flags: FlagsDto,
}

/// A household's new address and flags (the whole of both).
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateHouseholdBody {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub flags: FlagsDto,
}

// ---- persons ------------------------------------------------------------------

/// Sex.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SexDto {
    Male,
    Female,
}

impl From<Sex> for SexDto {
    fn from(s: Sex) -> Self {
        match s {
            Sex::Male => SexDto::Male,
            Sex::Female => SexDto::Female,
        }
    }
}

/// A person as a list shows them: masked ID number and phone only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonListItem {
    pub id: String,
    pub name: String,
    pub sex: SexDto,
    #[schema(example = "1990-03-14")]
    pub birth_date: String,
    #[schema(example = "370404********0021")]
    pub masked_resident_id: String,
    pub masked_phone: Option<String>,
    pub village_code: String,
    pub household_id: Option<String>,
    /// Given by a search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household_number: Option<String>,
}

impl From<&Person> for PersonListItem {
    fn from(p: &Person) -> Self {
        PersonListItem {
            id: p.id.clone(),
            name: p.name.clone(),
            sex: p.sex.into(),
            birth_date: p.birth_date.clone(),
            masked_resident_id: mask_id(&p.resident_id),
            masked_phone: p.phone.as_deref().map(mask_phone),
            village_code: p.village_code.clone(),
            household_id: p.household_id.clone(),
            household_number: None,
        }
    }
}

impl From<SearchHit> for PersonListItem {
    fn from(h: SearchHit) -> Self {
        PersonListItem {
            id: h.id,
            name: h.name,
            sex: h.sex.into(),
            birth_date: h.birth_date,
            masked_resident_id: h.masked_resident_id,
            masked_phone: h.masked_phone,
            village_code: h.village_code,
            household_id: h.household_id,
            household_number: h.household_number,
        }
    }
}

/// A page of persons.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<PersonListItem>,
    pub limit: i64,
    pub offset: i64,
    /// With `q`: matches in all pages, counted up to 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// With `q`: what the text was taken for (`resident_id`, `phone`,
    /// `household_number`, `initials` or `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// One person (人口). The ID number and phone are masked; the full value is
/// present only when asked for with `?reveal=` (and audited).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: String,
    pub name: String,
    pub sex: SexDto,
    pub birth_date: String,
    pub masked_resident_id: String,
    pub masked_phone: Option<String>,
    /// The full resident ID, only when revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident_id: Option<String>,
    /// The full phone number, only when revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `unmarried`, `first_marriage`, `remarried`, `divorced` or `widowed`.
    pub marital_status: Option<String>,
    /// Relation to the head of household: `head`, `spouse`, `son`, …
    pub relation: Option<String>,
    pub household_id: Option<String>,
    pub village_code: String,
    /// Send back in `If-Match` to change the person.
    pub version: i64,
    pub change_seq: i64,
}

impl From<&Person> for PersonDto {
    fn from(p: &Person) -> Self {
        PersonDto {
            id: p.id.clone(),
            name: p.name.clone(),
            sex: p.sex.into(),
            birth_date: p.birth_date.clone(),
            masked_resident_id: mask_id(&p.resident_id),
            masked_phone: p.phone.as_deref().map(mask_phone),
            resident_id: None,
            phone: None,
            marital_status: p.marital_status.map(|m| m.code().to_string()),
            relation: p.relation.map(|r| r.code().to_string()),
            household_id: p.household_id.clone(),
            village_code: p.village_code.clone(),
            version: p.version,
            change_seq: p.change_seq,
        }
    }
}

/// A new person. Sex and birth date may be left out (they are read from
/// the ID number); when given they must agree with it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPersonBody {
    /// A UUID chosen by an offline client. Sending the same create again
    /// with the same id returns the first record (200) instead of a copy.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    #[schema(example = "张晓梅")]
    pub name: String,
    /// GB 11643 resident ID, 18 characters (15-digit old numbers accepted).
    #[serde(default)]
    pub resident_id: String,
    /// `男`/`女`, `male`/`female`, `1`/`2`.
    #[serde(default)]
    pub sex: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub birth_date: String,
    /// Mainland mobile number, 11 digits.
    #[serde(default)]
    pub phone: String,
    /// A code (`first_marriage`) or the Chinese label (`初婚`).
    #[serde(default)]
    pub marital_status: String,
    #[serde(default)]
    #[schema(example = "370404100201")]
    pub village_code: String,
    /// A code (`head`) or the Chinese label (`户主`).
    #[serde(default)]
    pub relation: String,
    /// A household of the same village.
    #[serde(default)]
    pub household_id: Option<String>,
}

/// A person's details, replacing the stored ones. Because clients hold
/// only masked copies, a left-out `resident_id` or `phone` keeps the stored
/// value (an empty `phone` removes it); every other field is replaced, a
/// left-out one by nothing.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdatePersonBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub resident_id: Option<String>,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub marital_status: String,
    #[serde(default)]
    pub village_code: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub household_id: Option<String>,
}

// ---- couples ------------------------------------------------------------------

/// A couple of reproductive age (育龄夫妇).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoupleDto {
    pub id: String,
    pub wife_id: String,
    pub husband_id: String,
    pub marriage_date: Option<String>,
    /// The wife's village.
    pub village_code: String,
    pub version: i64,
    pub change_seq: i64,
}

impl From<Couple> for CoupleDto {
    fn from(c: Couple) -> Self {
        CoupleDto {
            id: c.id,
            wife_id: c.wife_id,
            husband_id: c.husband_id,
            marriage_date: c.marriage_date,
            village_code: c.village_code,
            version: c.version,
            change_seq: c.change_seq,
        }
    }
}

/// A page of couples.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouplePage {
    pub items: Vec<CoupleDto>,
    pub limit: i64,
    pub offset: i64,
}

/// A new couple: a woman of your area and a man in the register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCoupleBody {
    #[serde(default)]
    pub wife_id: String,
    #[serde(default)]
    pub husband_id: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub marriage_date: Option<String>,
}

// ---- birth registrations --------------------------------------------------------

/// A birth registration's status.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatusDto {
    /// 有效.
    Current,
    /// 已使用.
    Used,
    /// 已失效.
    Lapsed,
    /// 已注销.
    Cancelled,
}

impl From<RegistrationStatus> for RegistrationStatusDto {
    fn from(s: RegistrationStatus) -> Self {
        match s {
            RegistrationStatus::Current => RegistrationStatusDto::Current,
            RegistrationStatus::Used => RegistrationStatusDto::Used,
            RegistrationStatus::Lapsed => RegistrationStatusDto::Lapsed,
            RegistrationStatus::Cancelled => RegistrationStatusDto::Cancelled,
        }
    }
}

/// A birth registration (生育登记).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationDto {
    pub id: String,
    pub couple_id: String,
    pub village_code: String,
    /// Which child (1 = first).
    pub child_order: i64,
    /// The certificate number.
    pub number: String,
    pub issued_on: String,
    pub status: RegistrationStatusDto,
    pub status_reason: Option<String>,
    /// The next annual review (年审).
    pub review_due: String,
    pub last_reviewed_on: Option<String>,
    /// Send back in `If-Match` to review it or change its status.
    pub version: i64,
    pub change_seq: i64,
}

impl From<BirthRegistration> for RegistrationDto {
    fn from(r: BirthRegistration) -> Self {
        RegistrationDto {
            id: r.id,
            couple_id: r.couple_id,
            village_code: r.village_code,
            child_order: r.child_order,
            number: r.number,
            issued_on: r.issued_on,
            status: r.status.into(),
            status_reason: r.status_reason,
            review_due: r.review_due,
            last_reviewed_on: r.last_reviewed_on,
            version: r.version,
            change_seq: r.change_seq,
        }
    }
}

/// A page of birth registrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationPage {
    pub items: Vec<RegistrationDto>,
    pub limit: i64,
    pub offset: i64,
}

/// A new birth registration for a couple of your area.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegistrationBody {
    #[serde(default)]
    pub couple_id: String,
    /// 1–9.
    #[serde(default)]
    pub child_order: i64,
    /// The certificate number: letters, digits and dashes.
    #[serde(default)]
    pub number: String,
    /// YYYY-MM-DD, not in the future.
    #[serde(default)]
    pub issued_on: String,
}

/// The annual review (年审) of a current registration.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewBody {
    /// The review date, YYYY-MM-DD, not in the future.
    #[serde(default)]
    #[schema(example = "2026-05-01")]
    pub on: String,
}

/// A registration's new status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusBody {
    /// `used`, `lapsed` or `cancelled`.
    #[serde(default)]
    #[schema(example = "cancelled")]
    pub status: String,
    /// Required for `cancelled`: 1–200 characters.
    #[serde(default)]
    pub reason: Option<String>,
}
