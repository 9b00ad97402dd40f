//! The JSON shapes of the statistics resources: the filters and the
//! answers (sex ratio at birth, timeliness, the incentive ledger), each
//! documented for the OpenAPI document. Aggregates only; no names.

use hearth_core::srb::SexRatio;
use hearth_store::stats::{Ledger, LedgerRow, SrbReport, SrbRow, TimelinessReport, TimelinessRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A sex ratio at birth with its 95 % interval (Wilson on the male share).
#[derive(Debug, Serialize, ToSchema)]
pub struct SexRatioDto {
    pub males: i64,
    pub females: i64,
    /// Males per 100 females; absent with no female births.
    pub ratio: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// `too_few` (under 100 births), `high` (interval wholly above 107),
    /// `low` (wholly below 103) or `normal`.
    pub flag: String,
}

impl From<SexRatio> for SexRatioDto {
    fn from(s: SexRatio) -> Self {
        SexRatioDto {
            males: s.males,
            females: s.females,
            ratio: s.ratio,
            low: s.low,
            high: s.high,
            flag: s.flag.code().to_string(),
        }
    }
}

/// Live births by sex for one org unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct SrbRowDto {
    pub org_code: String,
    pub org_name: String,
    pub srb: SexRatioDto,
    /// First, second, third and later births.
    pub by_order: Vec<SexRatioDto>,
    /// Births in the period not yet verified by both steps.
    pub unverified: i64,
}

impl From<SrbRow> for SrbRowDto {
    fn from(r: SrbRow) -> Self {
        SrbRowDto {
            org_code: r.org_code,
            org_name: r.org_name,
            srb: r.srb.into(),
            by_order: r.by_order.into_iter().map(Into::into).collect(),
            unverified: r.unverified,
        }
    }
}

/// Sex ratio at birth for an org unit and each of its villages.
#[derive(Debug, Serialize, ToSchema)]
pub struct SrbReportDto {
    pub from: String,
    pub to: String,
    pub include_unverified: bool,
    pub total: SrbRowDto,
    pub villages: Vec<SrbRowDto>,
}

impl From<SrbReport> for SrbReportDto {
    fn from(r: SrbReport) -> Self {
        SrbReportDto {
            from: hearth_core::dates::fmt_date(r.period.from),
            to: hearth_core::dates::fmt_date(r.period.to),
            include_unverified: r.include_unverified,
            total: r.total.into(),
            villages: r.villages.into_iter().map(Into::into).collect(),
        }
    }
}

/// One year's sex ratio at birth.
#[derive(Debug, Serialize, ToSchema)]
pub struct SrbYearDto {
    pub year: i32,
    pub srb: SexRatioDto,
}

/// The statistics' filters: an org unit of your area and a period.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// An org code of your area (default: your own).
    pub org: Option<String>,
    /// YYYY-MM-DD (default: 1 January of this year).
    pub from: Option<String>,
    /// YYYY-MM-DD (default: today).
    pub to: Option<String>,
    /// `true` to count births not yet verified by both steps.
    pub include_unverified: Option<String>,
}

/// The yearly statistics' filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearsQuery {
    /// An org code of your area (default: your own).
    pub org: Option<String>,
    /// First year (default: four years before this one).
    #[param(value_type = Option<i32>)]
    pub from_year: Option<String>,
    /// Last year (default: this year); at most 30 years in all.
    #[param(value_type = Option<i32>)]
    pub to_year: Option<String>,
    /// `true` to count births not yet verified by both steps.
    pub include_unverified: Option<String>,
}

/// Pregnancy report timeliness for one org unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinessRowDto {
    pub org_code: String,
    pub org_name: String,
    /// Pregnancies reported in the period.
    pub reported: i64,
    /// Of which reported no more than 91 days after the LMP.
    pub timely: i64,
    /// `timely / reported`; absent with nothing reported.
    pub rate: Option<f64>,
}

impl From<TimelinessRow> for TimelinessRowDto {
    fn from(r: TimelinessRow) -> Self {
        TimelinessRowDto {
            org_code: r.org_code,
            org_name: r.org_name,
            reported: r.reported,
            timely: r.timely,
            rate: r.rate,
        }
    }
}

/// Timeliness for an org unit and each of its villages.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinessDto {
    pub from: String,
    pub to: String,
    pub total: TimelinessRowDto,
    pub villages: Vec<TimelinessRowDto>,
}

impl From<TimelinessReport> for TimelinessDto {
    fn from(r: TimelinessReport) -> Self {
        TimelinessDto {
            from: hearth_core::dates::fmt_date(r.period.from),
            to: hearth_core::dates::fmt_date(r.period.to),
            total: r.total.into(),
            villages: r.villages.into_iter().map(Into::into).collect(),
        }
    }
}

/// One reporter's line of the incentive ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerRowDto {
    pub village_code: String,
    pub village_name: String,
    pub reporter: String,
    pub timely: i64,
    pub late: i64,
    pub reward_yuan: i64,
    pub deduction_yuan: i64,
    pub net_yuan: i64,
}

impl From<LedgerRow> for LedgerRowDto {
    fn from(r: LedgerRow) -> Self {
        LedgerRowDto {
            village_code: r.village_code,
            village_name: r.village_name,
            reporter: r.reporter_name,
            timely: r.timely,
            late: r.late,
            reward_yuan: r.reward_yuan,
            deduction_yuan: r.deduction_yuan,
            net_yuan: r.net_yuan,
        }
    }
}

/// The reporting-incentive ledger with the amounts in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerDto {
    pub from: String,
    pub to: String,
    pub reward_per_timely: i64,
    pub deduction_per_late: i64,
    pub rows: Vec<LedgerRowDto>,
    pub total_net_yuan: i64,
}

impl From<Ledger> for LedgerDto {
    fn from(l: Ledger) -> Self {
        LedgerDto {
            from: hearth_core::dates::fmt_date(l.period.from),
            to: hearth_core::dates::fmt_date(l.period.to),
            reward_per_timely: l.reward_per_timely,
            deduction_per_late: l.deduction_per_late,
            rows: l.rows.into_iter().map(Into::into).collect(),
            total_net_yuan: l.total_net_yuan,
        }
    }
}
