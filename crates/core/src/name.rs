//! Chinese personal names (姓名): 1–20 Han characters, with the middle dot
//! that separates parts of a minority name.

use crate::error::Reason;
use std::fmt;

/// A validated personal name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

/// True for a Han character (CJK unified ideographs and their extensions,
/// compatibility ideographs, and 〇).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EBEF | 0x30000..=0x3134F | 0x3007)
}

/// Folds the look-alikes of the middle dot that separates the parts of a
/// minority name to `·` (U+00B7); any other character is returned as is.
pub fn fold_dot(c: char) -> char {
    match c {
        '•' | '・' | '．' | '.' | '･' | '‧' | '∙' | '⋅' | '●' => '·',
        other => other,
    }
}

impl PersonName {
    /// Trims, folds the various dot look-alikes to `·` (U+00B7), and checks
    /// that the name is 1–20 characters of Han script with single dots
    /// between parts.
    pub fn parse(input: &str) -> Result<Self, Reason> {
        let s: String = input.trim().chars().map(fold_dot).collect();
        if s.is_empty() {
            return Err(Reason::Required);
        }
        let n = s.chars().count();
        if n > 20 {
            return Err(Reason::TooLong { max: 20 });
        }
        let mut prev_dot = true; // a name cannot start with a dot
        for c in s.chars() {
            if c == '·' {
                if prev_dot {
                    return Err(Reason::BadName);
                }
                prev_dot = true;
            } else if is_han(c) {
                prev_dot = false;
            } else {
                return Err(Reason::BadName);
            }
        }
        if prev_dot {
            return Err(Reason::BadName);
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts() {
        assert!(PersonName::parse("张晓梅").is_ok());
        assert!(PersonName::parse("王").is_ok());
        assert_eq!(
            PersonName::parse("阿依古丽•买买提").map(|n| n.0),
            Ok("阿依古丽·买买提".into())
        );
    }

    #[test]
    fn rejects() {
        assert_eq!(PersonName::parse(""), Err(Reason::Required));
        assert_eq!(PersonName::parse("·张"), Err(Reason::BadName));
        assert_eq!(PersonName::parse("张·"), Err(Reason::BadName));
        assert_eq!(PersonName::parse("张··三"), Err(Reason::BadName));
        assert_eq!(PersonName::parse("Zhang San"), Err(Reason::BadName));
        assert_eq!(
            PersonName::parse(&"张".repeat(21)),
            Err(Reason::TooLong { max: 20 })
        );
    }
}
