//! Couples (育龄夫妇) and birth registrations (生育登记): the record a couple
//! holds for a planned child, its status and the transitions between them,
//! and its annual review (年审).

use crate::error::{FieldError, Reason};
use chrono::{Months, NaiveDate};
use serde::Serialize;

/// A married couple of reproductive age, linking two persons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Couple {
    pub id: String,
    pub wife_id: String,
    pub husband_id: String,
    pub marriage_date: Option<String>,
    pub village_code: String,
    pub version: i64,
    pub change_seq: i64,
}

/// The status of a birth registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// 有效: held for a planned child.
    Current,
    /// 已使用: used by a birth.
    Used,
    /// 已失效: lapsed.
    Lapsed,
    /// 已注销: cancelled, with a reason.
    Cancelled,
}

impl RegistrationStatus {
    pub fn code(self) -> &'static str {
        match self {
            RegistrationStatus::Current => "current",
            RegistrationStatus::Used => "used",
            RegistrationStatus::Lapsed => "lapsed",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Some(match s {
            "current" => RegistrationStatus::Current,
            "used" => RegistrationStatus::Used,
            "lapsed" => RegistrationStatus::Lapsed,
            "cancelled" => RegistrationStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RegistrationStatus::Current => "有效",
            RegistrationStatus::Used => "已使用",
            RegistrationStatus::Lapsed => "已失效",
            RegistrationStatus::Cancelled => "已注销",
        }
    }

    /// Only a current registration can change status; the others are final.
    pub fn can_become(self, next: RegistrationStatus) -> bool {
        self == RegistrationStatus::Current && next != RegistrationStatus::Current
    }
}

/// A birth registration as held in the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BirthRegistration {
    pub id: String,
    pub couple_id: String,
    pub village_code: String,
    /// Which child this registration is for (1 = first child).
    pub child_order: i64,
    /// The registration certificate number, unique.
    pub number: String,
    pub issued_on: String,
    pub status: RegistrationStatus,
    pub status_reason: Option<String>,
    /// The next annual review date (年审).
    pub review_due: String,
    pub last_reviewed_on: Option<String>,
    pub version: i64,
    pub change_seq: i64,
}

/// A new registration's details, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegistration {
    pub child_order: i64,
    pub number: String,
    pub issued_on: NaiveDate,
    pub review_due: NaiveDate,
}

impl NewRegistration {
    /// Validates a registration: child order 1–9, a number of 1–32 letters,
    /// digits or dashes, an issue date not in the future. The first annual
    /// review falls one year after issue.
    pub fn validate(
        child_order: i64,
        number: &str,
        issued_on: &str,
        today: NaiveDate,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errs = Vec::new();
        if !(1..=9).contains(&child_order) {
            errs.push(FieldError::new(
                "child_order",
                Reason::OutOfRange { min: 1, max: 9 },
            ));
        }
        let number = crate::household::parse_household_number(number)
            .map_err(|r| errs.push(FieldError::new("number", r)))
            .ok();
        let issued = match crate::dates::parse_date(issued_on) {
            Ok(d) if d > today => {
                errs.push(FieldError::new("issued_on", Reason::FutureDate));
                None
            }
            Ok(d) => Some(d),
            Err(r) => {
                errs.push(FieldError::new("issued_on", r));
                None
            }
        };
        match (number, issued) {
            (Some(number), Some(issued_on)) if errs.is_empty() => Ok(NewRegistration {
                child_order,
                number,
                issued_on,
                review_due: next_review(issued_on),
            }),
            _ => Err(errs),
        }
    }
}

/// The review date one year after `from` (29 February falls to 28 February).
pub fn next_review(from: NaiveDate) -> NaiveDate {
    from.checked_add_months(Months::new(12)).unwrap_or(from)
}

/// Checks a cancellation: a reason of 1–200 characters is required.
pub fn cancellation_reason(reason: &str) -> Result<String, FieldError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(FieldError::new("reason", Reason::Required));
    }
    if r.chars().count() > 200 {
        return Err(FieldError::new("reason", Reason::TooLong { max: 200 }));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use RegistrationStatus::*;
        assert!(Current.can_become(Used));
        assert!(Current.can_become(Cancelled));
        assert!(!Used.can_become(Current));
        assert!(!Cancelled.can_become(Lapsed));
        assert!(!Current.can_become(Current));
    }

    #[test]
    fn review_date_and_validation() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default();
        assert_eq!(
            next_review(d),
            NaiveDate::from_ymd_opt(2025, 2, 28).unwrap_or_default()
        );
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        let r = NewRegistration::validate(0, "", "2027-01-01", today);
        let codes: Vec<_> = r
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(codes, vec!["child_order", "number", "issued_on"]);
        assert!(cancellation_reason("  ").is_err());
    }
}
