//! The follow-up service (随访): visit modes, need categories, procedure
//! kinds, the schedule rules (data), the due contacts computed from a
//! woman's facts, their status on a day, and the rules a visit must satisfy.

use crate::dates::{age_on, parse_date};
use crate::error::{FieldError, Reason};
use crate::person::coded_enum;
use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::Serialize;

/// A visit may be recorded at most this many days after it took place.
pub const MAX_BACKDATE_DAYS: i64 = 90;
/// A next appointment lies at most this many days after the visit.
pub const MAX_APPOINTMENT_DAYS: i64 = 365;
/// Free texts of a visit (findings, a need) hold at most this many characters.
pub const MAX_TEXT: usize = 500;
/// A worker's list shows contacts whose window closed at most this many
/// days ago and which were not done.
pub const OVERDUE_LIST_DAYS: i64 = 90;
/// A woman is followed up monthly from this age…
pub const MIN_AGE: i32 = 15;
/// …to this age (inclusive) on the first day of the month.
pub const MAX_AGE: i32 = 49;

coded_enum!(
    /// How a visit was made (随访方式).
    VisitMode, "入户/电话/门诊", {
        Home => "home", "入户" | "入户随访";
        Phone => "phone", "电话" | "电话随访";
        Clinic => "clinic", "门诊" | "到站" | "服务站";
    }
);

coded_enum!(
    /// What a need raised at a visit is about (需求类别).
    NeedCategory, "政策咨询/健康服务/奖励优惠/育儿指导/经济困难/其他", {
        Policy => "policy", "政策咨询" | "政策";
        Health => "health", "健康服务" | "健康";
        Benefit => "benefit", "奖励优惠" | "奖励";
        ChildRearing => "child_rearing", "育儿指导" | "育儿";
        Economic => "economic", "经济困难" | "经济";
        Other => "other", "其他";
    }
);

coded_enum!(
    /// A contraceptive procedure (节育手术) that starts a schedule.
    ProcedureKind, "放置宫内节育器/取出宫内节育器/皮下埋植/输卵管结扎/输精管结扎/其他", {
        IudInsertion => "iud_insertion", "放置宫内节育器" | "放环";
        IudRemoval => "iud_removal", "取出宫内节育器" | "取环";
        Implant => "implant", "皮下埋植";
        TubalLigation => "tubal_ligation", "输卵管结扎" | "女扎";
        Vasectomy => "vasectomy", "输精管结扎" | "男扎";
        Other => "other", "其他";
    }
);

coded_enum!(
    /// Where a need stands: open on the worker's list, handed to the
    /// service window (a later issue builds it; until then it stays on the
    /// list), or closed.
    NeedStatus, "待办/转服务窗口/已办结", {
        Open => "open", "待办";
        ForWindow => "for_window", "转服务窗口";
        Closed => "closed", "已办结";
    }
);

coded_enum!(
    /// What a schedule rule follows: every month (routine, pregnant) or the
    /// days after a birth or a procedure.
    RuleKind, "常规/孕期/产后/术后", {
        Routine => "routine", "常规";
        Pregnant => "pregnant", "孕期";
        Postpartum => "postpartum", "产后";
        Procedure => "procedure", "术后";
    }
);

/// A schedule rule, as stored in `schedule_rule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRule {
    pub code: String,
    pub kind: RuleKind,
    pub label_zh: String,
    pub label_en: String,
    /// Postpartum and procedure rules: the window's first and last day,
    /// counted from the birth or the procedure (inclusive). `None` for the
    /// monthly rules, whose window is the calendar month.
    pub from_day: Option<i64>,
    pub to_day: Option<i64>,
    /// The visit modes that satisfy a contact of this rule.
    pub modes: Vec<VisitMode>,
    /// Listed on work lists but not a contact the worker makes herself; not
    /// counted in coverage.
    pub reminder: bool,
    pub active: bool,
    pub sort: i64,
    pub version: i64,
}

impl ScheduleRule {
    /// The modes as stored (`home,phone`).
    pub fn modes_text(&self) -> String {
        modes_text(&self.modes)
    }
    pub fn allows(&self, mode: VisitMode) -> bool {
        self.modes.contains(&mode)
    }
}

/// Modes as stored: codes joined by commas.
pub fn modes_text(modes: &[VisitMode]) -> String {
    modes.iter().map(|m| m.code()).collect::<Vec<_>>().join(",")
}

/// Parses stored or typed modes (`home,phone`); unknown parts are refused.
pub fn parse_modes(s: &str) -> Result<Vec<VisitMode>, Reason> {
    let mut out = Vec::new();
    for part in s.split([',', '，', ' ']).filter(|p| !p.trim().is_empty()) {
        let m = VisitMode::parse(part)?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() {
        return Err(Reason::Required);
    }
    Ok(out)
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    /// The month, refusing a month outside 1–12 or a year outside 1900–2100.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1900..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }
    pub fn of(d: NaiveDate) -> YearMonth {
        YearMonth {
            year: d.year(),
            month: d.month(),
        }
    }
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<YearMonth, Reason> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Reason::Required);
        }
        let (y, m) = t.split_once('-').ok_or(Reason::BadDate)?;
        let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>()) else {
            return Err(Reason::BadDate);
        };
        YearMonth::new(y, m).ok_or(Reason::BadDate)
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }
    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
    pub fn prev(self) -> YearMonth {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A pregnancy as the schedule sees it: open until `outcome_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PregnancyFact {
    pub lmp: NaiveDate,
    pub outcome_on: Option<NaiveDate>,
}

/// A live birth (one row per child; twins share a date and one schedule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthFact {
    pub id: String,
    pub born_on: NaiveDate,
}

/// A contraceptive procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureFact {
    pub id: String,
    pub done_on: NaiveDate,
}

/// A visit as the schedule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFact {
    pub date: NaiveDate,
    pub mode: VisitMode,
    /// The contact keys recorded as covered by this visit (may be empty:
    /// a visit inside a window with an allowed mode covers it anyway).
    pub covered: Vec<String>,
}

/// What the schedule of one woman follows from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub birth_date: NaiveDate,
    pub pregnancies: Vec<PregnancyFact>,
    pub births: Vec<BirthFact>,
    pub procedures: Vec<ProcedureFact>,
    pub visits: Vec<VisitFact>,
}

/// A contact due from a woman's facts: `key` names it (`monthly:2026-11`,
/// `postpartum_d3:<birth id>`, `procedure_m1:<procedure id>`), the window
/// is inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DueContact {
    pub key: String,
    pub rule_code: String,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub reminder: bool,
}

impl DueContact {
    /// Days in the window.
    pub fn len_days(&self) -> i64 {
        (self.window_to - self.window_from).num_days() + 1
    }
    /// The last day on which a visit still counts as done late: one more
    /// window length after the window.
    pub fn late_to(&self) -> NaiveDate {
        self.window_to + Duration::days(self.len_days())
    }
}

/// Where a due contact stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactStatus {
    /// The window is open (or not yet open) and no visit covered it.
    Due,
    /// The window has closed, no visit covered it, and a late visit may
    /// still come (until one more window length after the window).
    Overdue,
    /// A visit inside the window with an allowed mode covered it.
    Done,
    /// Not covered in the window, but visited (allowed mode) within one
    /// more window length after it.
    DoneLate,
    /// Neither, and the time for a late visit has passed.
    Missed,
}

impl ContactStatus {
    pub fn code(self) -> &'static str {
        match self {
            ContactStatus::Due => "due",
            ContactStatus::Overdue => "overdue",
            ContactStatus::Done => "done",
            ContactStatus::DoneLate => "done_late",
            ContactStatus::Missed => "missed",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ContactStatus::Due => "待随访",
            ContactStatus::Overdue => "已逾期",
            ContactStatus::Done => "已完成",
            ContactStatus::DoneLate => "逾期完成",
            ContactStatus::Missed => "未完成",
        }
    }
    /// Not done at all (due, overdue or missed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ContactStatus::Due | ContactStatus::Overdue | ContactStatus::Missed
        )
    }
}

/// The contact key of a monthly contact.
pub fn monthly_key(m: YearMonth) -> String {
    format!("monthly:{m}")
}

/// True when a woman with these facts is pregnant at some time during
/// `[from, to]` (a pregnancy lasts from its LMP to its outcome, inclusive).
pub fn pregnant_during(facts: &Facts, from: NaiveDate, to: NaiveDate) -> bool {
    facts
        .pregnancies
        .iter()
        .any(|p| p.lmp <= to && p.outcome_on.is_none_or(|o| o >= from))
}

/// True when a woman born on `birth_date` is 15–49 on the first of month `m`.
pub fn of_age_in(birth_date: NaiveDate, m: YearMonth) -> bool {
    (MIN_AGE..=MAX_AGE).contains(&age_on(birth_date, m.first_day()))
}

/// The births that start a postpartum schedule: twins (births a day or
/// less apart, as when they are born either side of midnight) share one,
/// started by the earliest (then the smallest id).
pub fn scheduled_births(births: &[BirthFact]) -> Vec<&BirthFact> {
    let mut all: Vec<&BirthFact> = births.iter().collect();
    all.sort_by(|a, b| (a.born_on, &a.id).cmp(&(b.born_on, &b.id)));
    let mut out: Vec<&BirthFact> = Vec::with_capacity(all.len());
    for b in all {
        if out
            .last()
            .is_none_or(|k| (b.born_on - k.born_on).num_days() > 1)
        {
            out.push(b);
        }
    }
    out
}

/// Every contact due from `facts` (active rules only) whose window meets
/// `[from, to]`, ordered by window start then key: one monthly contact per
/// calendar month while she is 15–49 on its first day or pregnant during
/// it (rule `pregnant` when pregnant and that rule is active, else
/// `routine`); one per postpartum rule per birth date; one per procedure
/// rule per procedure.
pub fn due_contacts(
    rules: &[ScheduleRule],
    facts: &Facts,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<DueContact> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    let first_of = |kind: RuleKind| rules.iter().find(|r| r.kind == kind && r.active);
    let routine = first_of(RuleKind::Routine);
    let pregnant = first_of(RuleKind::Pregnant);
    let mut m = YearMonth::of(from);
    let last = YearMonth::of(to);
    while m <= last {
        let (f, l) = (m.first_day(), m.last_day());
        let preg = pregnant_during(facts, f, l);
        let rule = match (preg, pregnant) {
            (true, Some(p)) => Some(p),
            (true, None) => routine,
            (false, _) if of_age_in(facts.birth_date, m) => routine,
            _ => None,
        };
        if let Some(r) = rule {
            out.push(DueContact {
                key: monthly_key(m),
                rule_code: r.code.clone(),
                window_from: f,
                window_to: l,
                reminder: r.reminder,
            });
        }
        m = m.next();
    }
    let births = scheduled_births(&facts.births);
    let starts = |kind: RuleKind| -> Vec<(&str, NaiveDate)> {
        match kind {
            RuleKind::Postpartum => births.iter().map(|b| (b.id.as_str(), b.born_on)).collect(),
            RuleKind::Procedure => facts
                .procedures
                .iter()
                .map(|p| (p.id.as_str(), p.done_on))
                .collect(),
            RuleKind::Routine | RuleKind::Pregnant => Vec::new(),
        }
    };
    for r in rules.iter().filter(|r| r.active) {
        let (Some(fd), Some(td)) = (r.from_day, r.to_day) else {
            continue;
        };
        for (id, start) in starts(r.kind) {
            let (wf, wt) = (start + Duration::days(fd), start + Duration::days(td));
            if wf <= to && wt >= from {
                out.push(DueContact {
                    key: format!("{}:{id}", r.code),
                    rule_code: r.code.clone(),
                    window_from: wf,
                    window_to: wt,
                    reminder: r.reminder,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.window_from, &a.key).cmp(&(b.window_from, &b.key)));
    out
}

/// True when the rule of `rule_code` allows `mode` (an unknown rule allows
/// any mode).
fn allows(rules: &[ScheduleRule], rule_code: &str, mode: VisitMode) -> bool {
    rules
        .iter()
        .find(|r| r.code == rule_code)
        .is_none_or(|r| r.allows(mode))
}

/// The status of `contact` on `today` given her visits.
pub fn status_on(
    contact: &DueContact,
    visits: &[VisitFact],
    rules: &[ScheduleRule],
    today: NaiveDate,
) -> ContactStatus {
    let ok = |v: &VisitFact| allows(rules, &contact.rule_code, v.mode);
    let done = visits.iter().any(|v| {
        v.covered.contains(&contact.key)
            || (v.date >= contact.window_from && v.date <= contact.window_to && ok(v))
    });
    if done {
        return ContactStatus::Done;
    }
    let late_to = contact.late_to();
    if visits
        .iter()
        .any(|v| v.date > contact.window_to && v.date <= late_to && ok(v))
    {
        return ContactStatus::DoneLate;
    }
    if today <= contact.window_to {
        ContactStatus::Due
    } else if today <= late_to {
        ContactStatus::Overdue
    } else {
        ContactStatus::Missed
    }
}

/// The keys among `contacts` that a visit on `visit_date` by `mode` covers:
/// the date inside the window and the mode allowed by the contact's rule.
pub fn covered_by(
    rules: &[ScheduleRule],
    contacts: &[DueContact],
    visit_date: NaiveDate,
    mode: VisitMode,
) -> Vec<String> {
    contacts
        .iter()
        .filter(|c| {
            c.window_from <= visit_date
                && visit_date <= c.window_to
                && allows(rules, &c.rule_code, mode)
        })
        .map(|c| c.key.clone())
        .collect()
}

mod input;
pub use input::*;

#[cfg(test)]
mod tests;
