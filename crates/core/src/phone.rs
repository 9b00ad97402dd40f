//! Mainland mobile numbers (手机号): normalisation, validation and masking.

use crate::error::Reason;
use std::fmt;

/// An 11-digit mainland mobile number starting with 1 and a second digit 3–9.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

impl MobilePhone {
    /// Accepts spaces, dashes, full-width digits and a `+86`/`0086` prefix.
    pub fn parse(input: &str) -> Result<Self, Reason> {
        let mut digits = String::with_capacity(11);
        for c in input.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                ' ' | '-' | '(' | ')' | '+' | '\u{3000}' => {}
                _ => return Err(Reason::BadPhone),
            }
        }
        if digits.is_empty() {
            return Err(Reason::Required);
        }
        let d = digits
            .strip_prefix("0086")
            .or_else(|| {
                if digits.len() == 13 {
                    digits.strip_prefix("86")
                } else {
                    None
                }
            })
            .unwrap_or(&digits);
        let b = d.as_bytes();
        if b.len() != 11 || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(Reason::BadPhone);
        }
        Ok(MobilePhone(d.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks a stored phone number, keeping the first three and last four digits.
pub fn mask_phone(s: &str) -> String {
    if s.len() == 11 && s.is_ascii() {
        format!("{}****{}", &s[..3], &s[7..])
    } else {
        "****".into()
    }
}

impl fmt::Display for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            MobilePhone::parse("138 1234 5678").map(|p| p.0),
            Ok("13812345678".into())
        );
        assert_eq!(
            MobilePhone::parse("+86 138-1234-5678").map(|p| p.0),
            Ok("13812345678".into())
        );
        assert_eq!(
            MobilePhone::parse("１３８１２３４５６７８").map(|p| p.0),
            Ok("13812345678".into())
        );
        assert_eq!(
            MobilePhone::parse("13812345678").map(|p| p.masked()),
            Ok("138****5678".into())
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "0632-1234567",
            "138l2345678",
        ] {
            assert!(MobilePhone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(MobilePhone::parse(""), Err(Reason::Required));
    }
}
