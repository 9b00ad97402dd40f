//! What a run is drawn from — [`DemoConfig`]: about how many persons, the
//! seed, the day the demo is as of; the years of history it holds — and the seeded helpers every part of
//! the generator shares: the mixer that derives a stream per village, the
//! UUIDv7s on a fixed clock, day arithmetic and the date format.

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use std::fmt::Write as _;

/// What to generate: about `persons` people, from `seed`, as of `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    pub persons: usize,
    pub seed: u64,
    pub today: NaiveDate,
    /// Months of follow-up visits, ending with `today`'s month (default
    /// [`FOLLOWUP_MONTHS`](crate::FOLLOWUP_MONTHS), five years; 0 for zones
    /// and assignments only).
    pub followup_months: u32,
}

/// Years of history the demo holds: the population draws the children born
/// in them with the village's boy share, the history their pregnancies.
pub const HISTORY_YEARS: u32 = 5;

/// A 64-bit mixer (SplitMix64 finaliser).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// An org unit code as a number, to seed from (0 when it is not digits).
pub(crate) fn code_num(code: &str) -> u64 {
    code.parse().unwrap_or(0)
}

/// A fixed base for the UUIDv7 timestamps: 2024-01-01T00:00:00Z.
const UUID_BASE_MS: u64 = 1_704_067_200_000;

/// A UUIDv7 with a timestamp `counter` milliseconds after the fixed base
/// and random bits from `rng`.
pub(crate) fn uuid_v7(counter: &mut u64, rng: &mut fastrand::Rng) -> String {
    let ms = UUID_BASE_MS + *counter;
    *counter += 1;
    let mut b = [0u8; 10];
    b[..8].copy_from_slice(&rng.u64(..).to_le_bytes());
    b[8..].copy_from_slice(&rng.u16(..).to_le_bytes());
    uuid::Builder::from_unix_timestamp_millis(ms, &b)
        .into_uuid()
        .to_string()
}

/// A random day offset in `lo..=hi` (`lo` when the range is empty).
pub(crate) fn days(rng: &mut fastrand::Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo { lo } else { rng.i64(lo..=hi) }
}

/// `n` days after `d` (before, for a negative `n`); `d` itself at the edge
/// of the calendar.
pub(crate) fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

/// `y` years after `d` (29 February → 28 February).
pub(crate) fn add_years(d: NaiveDate, y: u32) -> NaiveDate {
    d.checked_add_months(Months::new(12 * y)).unwrap_or(d)
}

/// `YYYY-MM-DD`, the register's date text (as `hearth_core::dates::fmt_date`
/// gives it), written without a format parser: it runs for every date of a
/// million persons.
pub(crate) fn fmt_date(d: NaiveDate) -> String {
    let mut s = String::with_capacity(10);
    let _ = write!(s, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
    s
}
