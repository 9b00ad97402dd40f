//! The resident identity number (公民身份号码, GB 11643-1999): parsing,
//! the ISO 7064 MOD 11-2 check character, the 15→18 conversion, the birth
//! date and sex it encodes, and the masked form shown in lists.

use crate::error::Reason;
use crate::person::Sex;
use chrono::{Datelike, NaiveDate};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// A valid 18-character resident ID number, upper-case, ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId(String);

/// The check character for the first 17 digits (ASCII digits only).
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, b) in first17.iter().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        sum += u32::from(b - b'0') * WEIGHTS[i];
    }
    Some(CHECK[(sum % 11) as usize])
}

/// Folds full-width digits and `Ｘ`/`x` to ASCII, dropping surrounding spaces.
fn normalise(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'x' | 'Ｘ' | 'ｘ' => 'X',
            other => other,
        })
        .collect()
}

impl ResidentId {
    /// Parses an ID number, checking length, characters, the birth date (a
    /// real date, not after `today`) and the check character. A 15-digit
    /// legacy number is converted to 18 digits.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, Reason> {
        let s = normalise(input);
        if s.is_empty() {
            return Err(Reason::Required);
        }
        let b = s.as_bytes();
        let s18 = match b.len() {
            18 => {
                if !b[..17].iter().all(u8::is_ascii_digit)
                    || !(b[17].is_ascii_digit() || b[17] == b'X')
                {
                    return Err(Reason::BadCharacter);
                }
                s
            }
            15 => {
                if !b.iter().all(u8::is_ascii_digit) {
                    return Err(Reason::BadCharacter);
                }
                let mut first17 = Vec::with_capacity(18);
                first17.extend_from_slice(&b[..6]);
                first17.extend_from_slice(b"19");
                first17.extend_from_slice(&b[6..]);
                let c = check_char(&first17).ok_or(Reason::BadCharacter)?;
                first17.push(c);
                String::from_utf8(first17).map_err(|_| Reason::BadCharacter)?
            }
            _ => return Err(Reason::BadLength { expected: "18" }),
        };
        let bytes = s18.as_bytes();
        let birth = birth_date_of(bytes).ok_or(Reason::BadDate)?;
        if birth > today {
            return Err(Reason::FutureDate);
        }
        if check_char(&bytes[..17]) != Some(bytes[17]) {
            return Err(Reason::BadChecksum);
        }
        Ok(ResidentId(s18))
    }

    /// Parses against today's date in Asia/Shanghai.
    pub fn parse(input: &str) -> Result<Self, Reason> {
        Self::parse_on(input, crate::dates::today())
    }

    /// Builds a valid ID from a 6-digit region code, a birth date and a
    /// 3-digit sequence number (odd for men, even for women).
    pub fn compose(region: &str, birth: NaiveDate, seq: u16) -> Option<Self> {
        if region.len() != 6 || !region.bytes().all(|b| b.is_ascii_digit()) || seq > 999 {
            return None;
        }
        let mut s = format!(
            "{region}{:04}{:02}{:02}{seq:03}",
            birth.year(),
            birth.month(),
            birth.day()
        );
        if s.len() != 17 {
            return None;
        }
        let c = check_char(s.as_bytes())?;
        s.push(char::from(c));
        Some(ResidentId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit region code of the issuing place.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date the number encodes.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(self.0.as_bytes()).unwrap_or_default()
    }

    /// The sex the number encodes: the 17th digit is odd for a man.
    pub fn sex(&self) -> Sex {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// The masked form for lists: `3704041990****123X`.
    pub fn masked(&self) -> String {
        mask_id(&self.0)
    }
}

/// Masks an ID number stored as text: region and birth year kept, the month
/// and day hidden, the last four kept.
pub fn mask_id(s: &str) -> String {
    if s.is_empty() {
        // A newborn not yet given an ID by the police: nothing to mask.
        String::new()
    } else if s.len() == 18 && s.is_ascii() {
        format!("{}****{}", &s[..10], &s[14..])
    } else {
        "******".into()
    }
}

fn birth_date_of(b: &[u8]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(b.get(r)?).ok()?.parse().ok()
    };
    let y = num(6..10)?;
    let m = num(10..12)?;
    let d = num(12..14)?;
    if y < 1850 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    #[test]
    fn known_vectors() {
        let ok = ResidentId::parse_on("11010519491231002X", today());
        assert_eq!(ok.as_ref().map(|i| i.as_str()), Ok("11010519491231002X"));
        let id = ok.unwrap_or_else(|_| ResidentId(String::new()));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap_or_default()
        );
        assert_eq!(
            ResidentId::parse_on("110105194912310021", today()),
            Err(Reason::BadChecksum)
        );
        assert_eq!(
            ResidentId::parse_on("110105491231002", today()).map(|i| i.0),
            Ok("11010519491231002X".to_string())
        );
    }

    #[test]
    fn normalises_lower_x_and_full_width() {
        assert_eq!(
            ResidentId::parse_on(" 11010519491231002x ", today()).map(|i| i.0),
            Ok("11010519491231002X".to_string())
        );
        assert_eq!(
            ResidentId::parse_on("１１０１０５１９４９１２３１００２Ｘ", today()).map(|i| i.0),
            Ok("11010519491231002X".to_string())
        );
    }

    #[test]
    fn rejects_bad_dates_lengths_and_characters() {
        // 1949-02-30 does not exist; recompute the check so only the date is wrong.
        let mut s = b"11010519490230002".to_vec();
        s.push(check_char(&s).unwrap_or(b'0'));
        let s = String::from_utf8(s).unwrap_or_default();
        assert_eq!(ResidentId::parse_on(&s, today()), Err(Reason::BadDate));
        let future = ResidentId::compose(
            "370404",
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default(),
            12,
        )
        .map(|i| i.0)
        .unwrap_or_default();
        assert_eq!(
            ResidentId::parse_on(&future, today()),
            Err(Reason::FutureDate)
        );
        assert_eq!(
            ResidentId::parse_on("1234", today()),
            Err(Reason::BadLength { expected: "18" })
        );
        assert_eq!(
            ResidentId::parse_on("11010519491231002Y", today()),
            Err(Reason::BadCharacter)
        );
        assert_eq!(ResidentId::parse_on("", today()), Err(Reason::Required));
    }

    #[test]
    fn retired_region_codes_are_still_valid() {
        // 370499 is not a current division; issued numbers never change.
        let id = ResidentId::compose(
            "370499",
            NaiveDate::from_ymd_opt(1980, 5, 5).unwrap_or_default(),
            101,
        );
        let s = id.map(|i| i.0).unwrap_or_default();
        assert!(ResidentId::parse_on(&s, today()).is_ok());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_id("37040419901231123X"), "3704041990****123X");
    }

    fn arb_id() -> impl Strategy<Value = ResidentId> {
        ("[1-6][0-9]{5}", 0i64..(365 * 120), 0u16..1000).prop_filter_map(
            "valid",
            |(region, days, seq)| {
                let birth = NaiveDate::from_ymd_opt(1906, 1, 1)?
                    .checked_add_signed(chrono::Duration::days(days))?;
                if birth > today() {
                    return None;
                }
                ResidentId::compose(&region, birth, seq)
            },
        )
    }

    proptest! {
        #[test]
        fn generated_ids_are_accepted(id in arb_id()) {
            let parsed = ResidentId::parse_on(id.as_str(), today());
            prop_assert_eq!(parsed, Ok(id.clone()));
        }

        #[test]
        fn any_single_digit_change_is_rejected(id in arb_id(), pos in 0usize..18, delta in 1u8..10) {
            let mut b = id.as_str().as_bytes().to_vec();
            if pos == 17 {
                // Change the check character to another valid check character.
                let all = b"0123456789X";
                let i = all.iter().position(|c| *c == b[17]).unwrap_or(0);
                b[17] = all[(i + usize::from(delta)) % 11];
            } else {
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            }
            let s = String::from_utf8(b).unwrap_or_default();
            prop_assert!(ResidentId::parse_on(&s, today()).is_err(), "{} accepted", s);
        }

        #[test]
        fn fifteen_converts_to_eighteen(region in "[1-6][0-9]{5}", days in 0i64..(365 * 99), seq in 0u16..1000) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default() + chrono::Duration::days(days);
            let legacy = format!("{region}{}{seq:03}", birth.format("%y%m%d"));
            let id = ResidentId::parse_on(&legacy, today());
            prop_assert!(id.is_ok());
            let id = id.unwrap_or_else(|_| ResidentId(String::new()));
            prop_assert_eq!(&id.as_str()[..6], region.as_str());
            prop_assert_eq!(&id.as_str()[6..8], "19");
            prop_assert_eq!(id.birth_date().format("%y%m%d").to_string(), birth.format("%y%m%d").to_string());
            prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
        }
    }
}
