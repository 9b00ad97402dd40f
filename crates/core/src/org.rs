//! Org units (行政区划): the statistical division codes of county, town and
//! village, their levels, and the parent/child consistency between them.

use crate::error::Reason;
use serde::Serialize;
use std::fmt;

/// The level of an org unit, fixed by the length of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    /// 区县, 6 digits.
    County,
    /// 乡镇/街道, 9 digits.
    Town,
    /// 村/居委会, 12 digits.
    Village,
}

impl OrgLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgLevel::County => "county",
            OrgLevel::Town => "town",
            OrgLevel::Village => "village",
        }
    }

    pub fn code_len(self) -> usize {
        match self {
            OrgLevel::County => 6,
            OrgLevel::Town => 9,
            OrgLevel::Village => 12,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgLevel::County => "县区",
            OrgLevel::Town => "乡镇",
            OrgLevel::Village => "村居",
        }
    }
}

/// A division code of 6, 9 or 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct OrgCode(String);

impl OrgCode {
    pub fn parse(input: &str) -> Result<Self, Reason> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Reason::Required);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) || ![6, 9, 12].contains(&s.len()) {
            return Err(Reason::BadOrgCode);
        }
        Ok(OrgCode(s.to_string()))
    }

    /// Parses a code that must be of the given level.
    pub fn parse_level(input: &str, level: OrgLevel) -> Result<Self, Reason> {
        let c = Self::parse(input)?;
        if c.level() != level {
            return Err(Reason::WrongOrgLevel {
                expected: level.label_zh(),
            });
        }
        Ok(c)
    }

    pub fn level(&self) -> OrgLevel {
        match self.0.len() {
            6 => OrgLevel::County,
            9 => OrgLevel::Town,
            _ => OrgLevel::Village,
        }
    }

    /// The code of the unit above, if any.
    pub fn parent(&self) -> Option<OrgCode> {
        match self.level() {
            OrgLevel::County => None,
            OrgLevel::Town => Some(OrgCode(self.0[..6].to_string())),
            OrgLevel::Village => Some(OrgCode(self.0[..9].to_string())),
        }
    }

    /// True when `other` is this unit or lies beneath it.
    pub fn contains(&self, other: &str) -> bool {
        other.starts_with(&self.0)
    }

    /// Checks that this code sits directly under `parent`.
    pub fn check_parent(&self, parent: &OrgCode) -> Result<(), Reason> {
        match self.parent() {
            Some(p) if p == *parent => Ok(()),
            _ => Err(Reason::OrgParentMismatch),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An org unit of the district → town → village tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgUnit {
    pub code: OrgCode,
    pub name: String,
}

impl OrgUnit {
    pub fn new(code: &str, name: &str) -> Result<Self, crate::FieldError> {
        let code = OrgCode::parse(code).map_err(|r| crate::FieldError::new("code", r))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(crate::FieldError::new("name", Reason::Required));
        }
        if name.chars().count() > 40 {
            return Err(crate::FieldError::new("name", Reason::TooLong { max: 40 }));
        }
        Ok(OrgUnit {
            code,
            name: name.to_string(),
        })
    }

    pub fn level(&self) -> OrgLevel {
        self.code.level()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents() {
        let v = OrgCode::parse("370404100201");
        assert_eq!(v.as_ref().map(|c| c.level()), Ok(OrgLevel::Village));
        let v = v.unwrap_or_else(|_| OrgCode(String::new()));
        assert_eq!(v.parent().map(|p| p.0), Some("370404100".to_string()));
        let town = OrgCode::parse("370404100").unwrap_or_else(|_| OrgCode(String::new()));
        assert_eq!(v.check_parent(&town), Ok(()));
        let other = OrgCode::parse("370404101").unwrap_or_else(|_| OrgCode(String::new()));
        assert_eq!(v.check_parent(&other), Err(Reason::OrgParentMismatch));
        assert!(town.contains("370404100201"));
        assert!(!other.contains("370404100201"));
    }

    #[test]
    fn rejects() {
        assert_eq!(OrgCode::parse("37040"), Err(Reason::BadOrgCode));
        assert_eq!(OrgCode::parse("3704041002a1"), Err(Reason::BadOrgCode));
        assert_eq!(
            OrgCode::parse_level("370404100", OrgLevel::Village),
            Err(Reason::WrongOrgLevel { expected: "村居" })
        );
    }
}
