//! Households (户): "one household, one record" (一户式管理) — the number,
//! address, village, head and the programme flags a household carries.

use crate::error::{FieldError, Reason};
use crate::org::{OrgCode, OrgLevel};
use serde::Serialize;

/// Programme flags of a household, stored as 0/1 integers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HouseholdFlags {
    /// 计生户: a family-planning household.
    pub family_planning: bool,
    /// 贫困计生户: a poor family-planning household.
    pub poor_family_planning: bool,
    /// 独生子女家庭.
    pub only_child: bool,
    /// 双女家庭.
    pub two_daughters: bool,
    /// 女孩家庭.
    pub girl_family: bool,
}

/// A household as held in the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Household {
    pub id: String,
    pub village_code: String,
    /// 户编号: unique within the village.
    pub number: String,
    pub address: String,
    pub head_person_id: Option<String>,
    pub flags: HouseholdFlags,
    pub version: i64,
    pub change_seq: i64,
}

/// A validated household number: 1–32 ASCII letters, digits or dashes.
pub fn parse_household_number(s: &str) -> Result<String, Reason> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    if t.len() > 32 {
        return Err(Reason::TooLong { max: 32 });
    }
    if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Reason::BadCharacter);
    }
    Ok(t.to_string())
}

/// A new household's details, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHousehold {
    pub village_code: OrgCode,
    pub number: String,
    pub address: String,
    pub flags: HouseholdFlags,
}

impl NewHousehold {
    pub fn validate(
        village_code: &str,
        number: &str,
        address: &str,
        flags: HouseholdFlags,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errs = Vec::new();
        let village = OrgCode::parse_level(village_code, OrgLevel::Village)
            .map_err(|r| errs.push(FieldError::new("village_code", r)))
            .ok();
        let number = parse_household_number(number)
            .map_err(|r| errs.push(FieldError::new("number", r)))
            .ok();
        let address = address.trim();
        if address.chars().count() > 100 {
            errs.push(FieldError::new("address", Reason::TooLong { max: 100 }));
        }
        match (village, number) {
            (Some(village_code), Some(number)) if errs.is_empty() => Ok(NewHousehold {
                village_code,
                number,
                address: address.to_string(),
                flags,
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_numbers() {
        assert_eq!(parse_household_number(" 0001 "), Ok("0001".into()));
        assert_eq!(parse_household_number("01 02"), Err(Reason::BadCharacter));
        assert_eq!(parse_household_number(""), Err(Reason::Required));
        let e = NewHousehold::validate("3704041", "1", "", HouseholdFlags::default());
        assert_eq!(
            e.err().map(|v| v[0].field.clone()),
            Some("village_code".into())
        );
    }
}
