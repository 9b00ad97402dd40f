//! Persons in the register (人口): identity, sex and birth date checked
//! against the ID number, phone, marital status, household relation.

use crate::dates::{fmt_date, parse_date};
use crate::error::{FieldError, Reason};
use crate::id_number::ResidentId;
use crate::name::PersonName;
use crate::org::{OrgCode, OrgLevel};
use crate::phone::MobilePhone;
use chrono::NaiveDate;
use serde::Serialize;

/// Sex as GB/T 2261.1 codes it: 1 male, 2 female.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> i64 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }

    pub fn from_code(c: i64) -> Option<Sex> {
        match c {
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            _ => None,
        }
    }

    /// Accepts 男/女, 1/2, M/F, male/female.
    pub fn parse(s: &str) -> Result<Sex, Reason> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" => Err(Reason::Required),
            "男" | "1" | "m" | "male" => Ok(Sex::Male),
            "女" | "2" | "f" | "female" => Ok(Sex::Female),
            _ => Err(Reason::UnknownValue { allowed: "男/女" }),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $allowed:literal, { $($variant:ident => $code:literal, $zh:literal $(| $alias:literal)*;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code stored in the database and used by the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// The Chinese label shown in the UI and used in import files.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }

            /// Accepts the code, the Chinese label or a common alias.
            pub fn parse(s: &str) -> Result<Self, Reason> {
                let t = s.trim();
                if t.is_empty() {
                    return Err(Reason::Required);
                }
                $(if t == $code || t == $zh $(|| t == $alias)* { return Ok($name::$variant); })*
                Err(Reason::UnknownValue { allowed: $allowed })
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// Marital status (婚姻状况).
    MaritalStatus, "未婚/初婚/再婚/离婚/丧偶", {
        Unmarried => "unmarried", "未婚";
        FirstMarriage => "first_marriage", "初婚" | "已婚";
        Remarried => "remarried", "再婚";
        Divorced => "divorced", "离婚";
        Widowed => "widowed", "丧偶";
    }
);

impl MaritalStatus {
    pub fn is_married(self) -> bool {
        matches!(
            self,
            MaritalStatus::FirstMarriage | MaritalStatus::Remarried
        )
    }
}

coded_enum!(
    /// Relation to the head of household (与户主关系).
    Relation, "户主/配偶/子/女/父母/公婆岳父母/祖父母/孙子女/兄弟姐妹/儿媳/女婿/其他", {
        Head => "head", "户主" | "本人";
        Spouse => "spouse", "配偶" | "妻" | "夫" | "妻子" | "丈夫";
        Son => "son", "子" | "儿子" | "长子" | "次子";
        Daughter => "daughter", "女" | "女儿" | "长女" | "次女";
        Parent => "parent", "父母" | "父亲" | "母亲";
        ParentInLaw => "parent_in_law", "公婆岳父母" | "公婆" | "岳父母" | "公公" | "婆婆" | "岳父" | "岳母";
        Grandparent => "grandparent", "祖父母" | "祖父" | "祖母";
        Grandchild => "grandchild", "孙子女" | "孙子" | "孙女" | "外孙子" | "外孙女";
        Sibling => "sibling", "兄弟姐妹" | "兄" | "弟" | "姐" | "妹";
        DaughterInLaw => "daughter_in_law", "儿媳";
        SonInLaw => "son_in_law", "女婿";
        Other => "other", "其他";
    }
);

/// A person as held in the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub id: String,
    /// The 18-character resident ID; empty for a newborn registered from a
    /// birth report before the police assign one (stored as NULL).
    pub resident_id: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: String,
    pub phone: Option<String>,
    pub marital_status: Option<MaritalStatus>,
    pub household_id: Option<String>,
    pub relation: Option<Relation>,
    pub village_code: String,
    pub version: i64,
    pub change_seq: i64,
}

/// A person's details as typed into a form or read from an import row, not
/// yet validated. Empty strings count as absent for optional fields.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub name: String,
    pub resident_id: String,
    pub sex: String,
    pub birth_date: String,
    pub phone: String,
    pub marital_status: String,
    pub village_code: String,
    pub relation: String,
}

/// Field names used in [`FieldError`]s for a person, stable for the API.
pub mod field {
    pub const NAME: &str = "name";
    pub const RESIDENT_ID: &str = "resident_id";
    pub const SEX: &str = "sex";
    pub const BIRTH_DATE: &str = "birth_date";
    pub const PHONE: &str = "phone";
    pub const MARITAL_STATUS: &str = "marital_status";
    pub const VILLAGE_CODE: &str = "village_code";
    pub const RELATION: &str = "relation";
}

/// A person whose every field passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPerson {
    pub name: PersonName,
    pub resident_id: ResidentId,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub phone: Option<MobilePhone>,
    pub marital_status: Option<MaritalStatus>,
    pub village_code: OrgCode,
    pub relation: Option<Relation>,
}

impl ValidPerson {
    pub fn birth_date_str(&self) -> String {
        fmt_date(self.birth_date)
    }
}

impl PersonInput {
    /// Validates every field, collecting all errors rather than stopping at
    /// the first, so a form or an import report can show them together. Sex
    /// and birth date are optional (derived from the ID number) but, when
    /// given, must agree with it.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidPerson, Vec<FieldError>> {
        let mut errs = Vec::new();
        let name = PersonName::parse(&self.name)
            .map_err(|r| errs.push(FieldError::new(field::NAME, r)))
            .ok();
        let rid = ResidentId::parse_on(&self.resident_id, today)
            .map_err(|r| errs.push(FieldError::new(field::RESIDENT_ID, r)))
            .ok();
        let sex = if self.sex.trim().is_empty() {
            None
        } else {
            Sex::parse(&self.sex)
                .map_err(|r| errs.push(FieldError::new(field::SEX, r)))
                .ok()
        };
        let birth = if self.birth_date.trim().is_empty() {
            None
        } else {
            match parse_date(&self.birth_date) {
                Ok(d) if d > today => {
                    errs.push(FieldError::new(field::BIRTH_DATE, Reason::FutureDate));
                    None
                }
                Ok(d) => Some(d),
                Err(r) => {
                    errs.push(FieldError::new(field::BIRTH_DATE, r));
                    None
                }
            }
        };
        if let Some(id) = &rid {
            if sex.is_some_and(|s| s != id.sex()) {
                errs.push(FieldError::new(field::SEX, Reason::SexMismatch));
            }
            if birth.is_some_and(|b| b != id.birth_date()) {
                errs.push(FieldError::new(
                    field::BIRTH_DATE,
                    Reason::BirthDateMismatch,
                ));
            }
        }
        let phone = if self.phone.trim().is_empty() {
            None
        } else {
            MobilePhone::parse(&self.phone)
                .map_err(|r| errs.push(FieldError::new(field::PHONE, r)))
                .ok()
        };
        let marital = if self.marital_status.trim().is_empty() {
            None
        } else {
            MaritalStatus::parse(&self.marital_status)
                .map_err(|r| errs.push(FieldError::new(field::MARITAL_STATUS, r)))
                .ok()
        };
        let village = OrgCode::parse_level(&self.village_code, OrgLevel::Village)
            .map_err(|r| errs.push(FieldError::new(field::VILLAGE_CODE, r)))
            .ok();
        let relation = if self.relation.trim().is_empty() {
            None
        } else {
            Relation::parse(&self.relation)
                .map_err(|r| errs.push(FieldError::new(field::RELATION, r)))
                .ok()
        };
        match (name, rid, village) {
            (Some(name), Some(resident_id), Some(village_code)) if errs.is_empty() => {
                Ok(ValidPerson {
                    sex: resident_id.sex(),
                    birth_date: resident_id.birth_date(),
                    name,
                    resident_id,
                    phone,
                    marital_status: marital,
                    village_code,
                    relation,
                })
            }
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    fn input() -> PersonInput {
        PersonInput {
            name: "张晓梅".into(),
            resident_id: "11010519491231002X".into(),
            sex: "女".into(),
            birth_date: "1949-12-31".into(),
            phone: "13812345678".into(),
            marital_status: "初婚".into(),
            village_code: "370404100201".into(),
            relation: "户主".into(),
        }
    }

    #[test]
    fn valid_person_derives_sex_and_birth() {
        let p = input().validate(today());
        assert!(p.is_ok(), "{p:?}");
        let mut i = input();
        i.sex.clear();
        i.birth_date.clear();
        let p = i.validate(today()).map(|p| (p.sex, p.birth_date_str()));
        assert_eq!(p, Ok((Sex::Female, "1949-12-31".to_string())));
    }

    #[test]
    fn collects_every_error() {
        let mut i = input();
        i.sex = "男".into();
        i.birth_date = "1950-01-01".into();
        i.phone = "123".into();
        i.village_code = "370404100".into();
        let errs = i.validate(today()).err().unwrap_or_default();
        let fields: Vec<_> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.reason.code()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("sex", "sex_mismatch"),
                ("birth_date", "birth_date_mismatch"),
                ("phone", "bad_phone"),
                ("village_code", "wrong_org_level"),
            ]
        );
    }

    #[test]
    fn relation_aliases() {
        assert_eq!(Relation::parse("儿子"), Ok(Relation::Son));
        assert_eq!(Relation::parse("spouse"), Ok(Relation::Spouse));
        assert!(Relation::parse("邻居").is_err());
    }
}
