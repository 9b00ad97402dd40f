//! Sex ratio at birth (出生人口性别比): males per 100 females, its 95 %
//! interval (Wilson score interval on the male share, transformed to a
//! ratio), the "too few births to judge" rule and the 103–107 normal range.

use serde::Serialize;

/// The two-sided 95 % normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;
/// Fewer live births than this are too few to judge.
pub const MIN_BIRTHS: i64 = 100;
/// The normal range of the ratio.
pub const NORMAL_LOW: f64 = 103.0;
pub const NORMAL_HIGH: f64 = 107.0;

/// Where an interval lies against the normal range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SrbFlag {
    /// Under 100 births: no judgement.
    TooFew,
    /// The whole interval lies above 107.
    High,
    /// The whole interval lies below 103.
    Low,
    /// The interval touches the normal range.
    Normal,
}

impl SrbFlag {
    pub fn code(self) -> &'static str {
        match self {
            SrbFlag::TooFew => "too_few",
            SrbFlag::High => "high",
            SrbFlag::Low => "low",
            SrbFlag::Normal => "normal",
        }
    }
}

/// A sex ratio with its interval. `ratio`, `low` and `high` are `None`
/// where they do not exist (no female births: the ratio is unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SexRatio {
    pub males: i64,
    pub females: i64,
    pub ratio: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub flag: SrbFlag,
}

/// The Wilson score interval `(low, high)` of a proportion `k / n` at
/// quantile `z`; `None` when `n` is 0.
pub fn wilson(k: i64, n: i64, z: f64) -> Option<(f64, f64)> {
    if n <= 0 || k < 0 || k > n {
        return None;
    }
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((center - half).max(0.0), (center + half).min(1.0)))
}

/// Males per 100 females for a male share `p`; `None` at `p = 1`.
fn to_ratio(p: f64) -> Option<f64> {
    (p < 1.0).then(|| p / (1.0 - p) * 100.0)
}

impl SexRatio {
    /// The ratio of `males` to `females` live births with its 95 % interval.
    pub fn of(males: i64, females: i64) -> SexRatio {
        let n = males + females;
        let ratio = (females > 0).then(|| males as f64 / females as f64 * 100.0);
        let (low, high) = match wilson(males, n, Z95) {
            Some((lo, hi)) => (to_ratio(lo), to_ratio(hi)),
            None => (None, None),
        };
        let flag = if n < MIN_BIRTHS {
            SrbFlag::TooFew
        } else if low.is_some_and(|l| l > NORMAL_HIGH) {
            SrbFlag::High
        } else if high.is_some_and(|h| h < NORMAL_LOW) {
            SrbFlag::Low
        } else {
            SrbFlag::Normal
        };
        SexRatio {
            males,
            females,
            ratio,
            low,
            high,
            flag,
        }
    }

    pub fn births(&self) -> i64 {
        self.males + self.females
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 0.01)
    }

    #[test]
    fn hand_checked_interval() {
        // 550 boys, 450 girls: p = 0.55, n = 1000. Wilson by hand:
        // centre 0.549809, half-width 0.030776 → share 0.519033–0.580585,
        // ratio 122.22 (107.91–138.43): wholly above 107.
        let r = SexRatio::of(550, 450);
        assert!(close(r.ratio, 122.22), "{r:?}");
        assert!(close(r.low, 107.91), "{r:?}");
        assert!(close(r.high, 138.43), "{r:?}");
        assert_eq!(r.flag, SrbFlag::High);
    }

    #[test]
    fn too_few_and_edges() {
        assert_eq!(SexRatio::of(60, 39).flag, SrbFlag::TooFew);
        assert_eq!(SexRatio::of(52, 48).flag, SrbFlag::Normal);
        let none = SexRatio::of(0, 0);
        assert_eq!((none.ratio, none.low, none.high), (None, None, None));
        let all_boys = SexRatio::of(120, 0);
        assert_eq!(all_boys.ratio, None);
        assert_eq!(all_boys.high, None);
        assert!(all_boys.low.is_some());
        // 4,500 boys, 5,500 girls: ratio 81.8, interval wholly below 103.
        assert_eq!(SexRatio::of(4500, 5500).flag, SrbFlag::Low);
    }
}
