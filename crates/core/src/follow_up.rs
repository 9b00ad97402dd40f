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

fn date_field(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match parse_date(raw) {
        Ok(d) => Some(d),
        Err(r) => {
            errors.push(FieldError::new(field, r));
            None
        }
    }
}

/// A trimmed optional text of at most `max` characters.
fn opt_text(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let t = raw.trim();
    if t.chars().count() > max {
        errors.push(FieldError::new(field, Reason::TooLong { max }));
    }
    Some(t.to_string()).filter(|s| !s.is_empty())
}

/// A need raised at a visit, as typed.
#[derive(Debug, Clone, Default)]
pub struct NeedInput {
    pub category: String,
    pub text: String,
    /// Hand it to the service window.
    pub for_window: bool,
}

/// A visit as typed, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub person_id: String,
    pub visited_on: String,
    pub mode: String,
    /// Topic codes (see the store's `list_topics`).
    pub topics: Vec<String>,
    pub findings: String,
    pub needs: Vec<NeedInput>,
    /// May be empty.
    pub next_appointment: String,
}

/// A checked need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNeed {
    pub category: NeedCategory,
    pub text: String,
    pub for_window: bool,
}

/// A checked visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVisit {
    pub person_id: String,
    pub visited_on: NaiveDate,
    pub mode: VisitMode,
    pub topics: Vec<String>,
    pub findings: Option<String>,
    pub needs: Vec<ValidNeed>,
    pub next_appointment: Option<NaiveDate>,
}

impl VisitInput {
    /// Checks a visit on `today`: the woman named; the date real, not in the
    /// future and not more than 90 days back; a known mode; known topics
    /// (`topics_allowed`); findings and need texts at most 500 characters,
    /// each need with a category and a text; a next appointment after the
    /// visit and at most a year after it. Field names: `person_id`,
    /// `visited_on`, `mode`, `topics`, `findings`, `needs[i].category`,
    /// `needs[i].text`, `next_appointment`.
    pub fn validate(
        &self,
        today: NaiveDate,
        topics_allowed: &[&str],
    ) -> Result<ValidVisit, Vec<FieldError>> {
        let mut errors = Vec::new();
        let person_id = self.person_id.trim().to_string();
        if person_id.is_empty() {
            errors.push(FieldError::new("person_id", Reason::Required));
        }
        let visited_on = date_field("visited_on", &self.visited_on, &mut errors);
        if let Some(d) = visited_on {
            if d > today {
                errors.push(FieldError::new("visited_on", Reason::FutureDate));
            } else if (today - d).num_days() > MAX_BACKDATE_DAYS {
                errors.push(FieldError::new(
                    "visited_on",
                    Reason::NotBefore {
                        zh: "90 天前",
                        en: "date 90 days ago",
                    },
                ));
            }
        }
        let mode = match VisitMode::parse(&self.mode) {
            Ok(m) => Some(m),
            Err(r) => {
                errors.push(FieldError::new("mode", r));
                None
            }
        };
        let mut topics: Vec<String> = Vec::new();
        for t in self
            .topics
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            if !topics_allowed.contains(&t) {
                errors.push(FieldError::new(
                    "topics",
                    Reason::UnknownValue {
                        allowed: "已配置的宣传服务内容 / a configured topic",
                    },
                ));
                break;
            }
            if !topics.iter().any(|x| x == t) {
                topics.push(t.to_string());
            }
        }
        let findings = opt_text("findings", &self.findings, MAX_TEXT, &mut errors);
        let mut needs = Vec::new();
        for (i, n) in self.needs.iter().enumerate() {
            if n.category.trim().is_empty() && n.text.trim().is_empty() {
                continue;
            }
            let category = match NeedCategory::parse(&n.category) {
                Ok(c) => Some(c),
                Err(r) => {
                    errors.push(FieldError::new(format!("needs[{i}].category"), r));
                    None
                }
            };
            let field = format!("needs[{i}].text");
            let text = opt_text(&field, &n.text, MAX_TEXT, &mut errors);
            if text.is_none() {
                errors.push(FieldError::new(field, Reason::Required));
            }
            if let (Some(category), Some(text)) = (category, text) {
                needs.push(ValidNeed {
                    category,
                    text,
                    for_window: n.for_window,
                });
            }
        }
        let next_appointment = match self.next_appointment.trim() {
            "" => None,
            raw => date_field("next_appointment", raw, &mut errors),
        };
        if let (Some(next), Some(on)) = (next_appointment, visited_on) {
            if next <= on {
                errors.push(FieldError::new(
                    "next_appointment",
                    Reason::NotBefore {
                        zh: "随访次日",
                        en: "day after the visit",
                    },
                ));
            } else if (next - on).num_days() > MAX_APPOINTMENT_DAYS {
                errors.push(FieldError::new(
                    "next_appointment",
                    Reason::NotAfter {
                        zh: "随访日期一年后",
                        en: "date one year after the visit",
                    },
                ));
            }
        }
        match (visited_on, mode) {
            (Some(visited_on), Some(mode)) if errors.is_empty() => Ok(ValidVisit {
                person_id,
                visited_on,
                mode,
                topics,
                findings,
                needs,
                next_appointment,
            }),
            _ => Err(errors),
        }
    }
}

/// A contraceptive procedure as typed.
#[derive(Debug, Clone, Default)]
pub struct ProcedureInput {
    pub kind: String,
    pub done_on: String,
    pub place: String,
}

/// A checked procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProcedure {
    pub kind: ProcedureKind,
    pub done_on: NaiveDate,
    pub place: String,
}

impl ProcedureInput {
    /// Checks a procedure on `today`: a known kind, a real date not in the
    /// future and at most a year back, a place of 1–60 characters.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidProcedure, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = match ProcedureKind::parse(&self.kind) {
            Ok(k) => Some(k),
            Err(r) => {
                errors.push(FieldError::new("kind", r));
                None
            }
        };
        let done_on = date_field("done_on", &self.done_on, &mut errors);
        if let Some(d) = done_on {
            if d > today {
                errors.push(FieldError::new("done_on", Reason::FutureDate));
            } else if today
                .checked_sub_months(Months::new(12))
                .is_some_and(|year_ago| d < year_ago)
            {
                errors.push(FieldError::new(
                    "done_on",
                    Reason::NotBefore {
                        zh: "一年前",
                        en: "date one year ago",
                    },
                ));
            }
        }
        let place = self.place.trim().to_string();
        if place.is_empty() {
            errors.push(FieldError::new("place", Reason::Required));
        } else if place.chars().count() > 60 {
            errors.push(FieldError::new("place", Reason::TooLong { max: 60 }));
        }
        match (kind, done_on) {
            (Some(kind), Some(done_on)) if errors.is_empty() => Ok(ValidProcedure {
                kind,
                done_on,
                place,
            }),
            _ => Err(errors),
        }
    }
}

/// A schedule rule's changeable part as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    /// Empty for the monthly rules.
    pub from_day: String,
    pub to_day: String,
    /// Mode codes, comma separated.
    pub modes: String,
    pub active: bool,
}

/// A checked rule change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRule {
    pub from_day: Option<i64>,
    pub to_day: Option<i64>,
    pub modes: Vec<VisitMode>,
    pub active: bool,
}

impl RuleInput {
    /// Checks a change of a rule of `kind`: monthly rules take no days;
    /// others need 0 ≤ from ≤ to ≤ 365; at least one mode.
    pub fn validate(&self, kind: RuleKind) -> Result<ValidRule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let modes = match parse_modes(&self.modes) {
            Ok(m) => Some(m),
            Err(r) => {
                errors.push(FieldError::new("modes", r));
                None
            }
        };
        let (from_day, to_day) = match kind {
            RuleKind::Routine | RuleKind::Pregnant => (None, None),
            RuleKind::Postpartum | RuleKind::Procedure => {
                let day = |field: &str, raw: &str, errors: &mut Vec<FieldError>| match raw.trim() {
                    "" => {
                        errors.push(FieldError::new(field, Reason::Required));
                        None
                    }
                    t => match t.parse::<i64>() {
                        Ok(n) if (0..=365).contains(&n) => Some(n),
                        Ok(_) => {
                            errors.push(FieldError::new(
                                field,
                                Reason::OutOfRange { min: 0, max: 365 },
                            ));
                            None
                        }
                        Err(_) => {
                            errors.push(FieldError::new(field, Reason::NotANumber));
                            None
                        }
                    },
                };
                let f = day("from_day", &self.from_day, &mut errors);
                let t = day("to_day", &self.to_day, &mut errors);
                if let (Some(f), Some(t)) = (f, t)
                    && t < f
                {
                    errors.push(FieldError::new(
                        "to_day",
                        Reason::NotBefore {
                            zh: "开始天数",
                            en: "first day",
                        },
                    ));
                }
                (f, t)
            }
        };
        match modes {
            Some(modes) if errors.is_empty() => Ok(ValidRule {
                from_day,
                to_day,
                modes,
                active: self.active,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn rule(code: &str, kind: RuleKind, days: Option<(i64, i64)>, modes: &str) -> ScheduleRule {
        ScheduleRule {
            code: code.into(),
            kind,
            label_zh: code.into(),
            label_en: code.into(),
            from_day: days.map(|x| x.0),
            to_day: days.map(|x| x.1),
            modes: parse_modes(modes).unwrap_or_default(),
            reminder: code == "postpartum_d42",
            active: true,
            sort: 0,
            version: 1,
        }
    }

    fn rules() -> Vec<ScheduleRule> {
        vec![
            rule("routine", RuleKind::Routine, None, "home,phone,clinic"),
            rule("pregnant", RuleKind::Pregnant, None, "home,phone,clinic"),
            rule("postpartum_d3", RuleKind::Postpartum, Some((3, 7)), "home"),
            rule(
                "postpartum_d42",
                RuleKind::Postpartum,
                Some((42, 49)),
                "home",
            ),
            rule(
                "procedure_m1",
                RuleKind::Procedure,
                Some((30, 37)),
                "home,phone",
            ),
        ]
    }

    fn facts(birth: &str) -> Facts {
        Facts {
            birth_date: d(birth),
            pregnancies: vec![],
            births: vec![],
            procedures: vec![],
            visits: vec![],
        }
    }

    fn visit(date: &str, mode: VisitMode) -> VisitFact {
        VisitFact {
            date: d(date),
            mode,
            covered: vec![],
        }
    }

    #[test]
    fn monthly_contacts_follow_age_and_pregnancy() {
        let rules = rules();
        // Turns 50 on 2026-03-10: March is still due (49 on 1 March), April not.
        let f = facts("1976-03-10");
        let keys: Vec<String> = due_contacts(&rules, &f, d("2026-02-15"), d("2026-04-30"))
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(keys, vec!["monthly:2026-02", "monthly:2026-03"]);
        let mut f = facts("1996-03-14");
        f.pregnancies.push(PregnancyFact {
            lmp: d("2026-01-20"),
            outcome_on: None,
        });
        let c = due_contacts(&rules, &f, d("2025-12-01"), d("2026-01-31"));
        assert_eq!(c[0].rule_code, "routine");
        assert_eq!(c[1].rule_code, "pregnant");
        assert_eq!(
            (c[1].window_from, c[1].window_to),
            (d("2026-01-01"), d("2026-01-31"))
        );
    }

    #[test]
    fn postpartum_window_and_status() {
        let rules = rules();
        let mut f = facts("1996-03-14");
        f.births.push(BirthFact {
            id: "b2".into(),
            born_on: d("2026-05-01"),
        });
        f.births.push(BirthFact {
            id: "b1".into(),
            born_on: d("2026-05-01"),
        });
        f.births.push(BirthFact {
            id: "b0".into(),
            born_on: d("2026-05-02"),
        });
        let c: Vec<DueContact> = due_contacts(&rules, &f, d("2026-05-01"), d("2026-05-31"))
            .into_iter()
            .filter(|c| c.rule_code == "postpartum_d3")
            .collect();
        assert_eq!(c.len(), 1, "twins share one schedule");
        let c = &c[0];
        assert_eq!(c.key, "postpartum_d3:b1");
        assert_eq!(
            (c.window_from, c.window_to),
            (d("2026-05-04"), d("2026-05-08"))
        );
        let today = d("2026-06-30");
        let st = |v: VisitFact| status_on(c, &[v], &rules, today);
        assert_eq!(
            st(visit("2026-05-04", VisitMode::Home)),
            ContactStatus::Done
        );
        assert_eq!(
            st(visit("2026-05-08", VisitMode::Home)),
            ContactStatus::Done
        );
        assert_eq!(
            st(visit("2026-05-09", VisitMode::Home)),
            ContactStatus::DoneLate
        );
        assert_eq!(
            st(visit("2026-05-03", VisitMode::Home)),
            ContactStatus::Missed
        );
        assert_eq!(
            st(visit("2026-05-05", VisitMode::Phone)),
            ContactStatus::Missed
        );
        assert_eq!(
            status_on(c, &[], &rules, d("2026-05-08")),
            ContactStatus::Due
        );
        assert_eq!(
            status_on(c, &[], &rules, d("2026-05-09")),
            ContactStatus::Overdue
        );
        assert_eq!(
            status_on(c, &[], &rules, d("2026-05-13")),
            ContactStatus::Overdue
        );
        assert_eq!(
            status_on(c, &[], &rules, d("2026-05-14")),
            ContactStatus::Missed
        );
        let all = due_contacts(&rules, &f, d("2026-05-06"), d("2026-05-06"));
        assert_eq!(
            covered_by(&rules, &all, d("2026-05-06"), VisitMode::Home),
            vec!["monthly:2026-05", "postpartum_d3:b1"]
        );
        assert_eq!(
            covered_by(&rules, &all, d("2026-05-06"), VisitMode::Phone),
            vec!["monthly:2026-05"]
        );
    }

    #[test]
    fn visit_input_checks() {
        let today = d("2026-06-30");
        let ok = VisitInput {
            person_id: "p".into(),
            visited_on: "2026-06-30".into(),
            mode: "home".into(),
            topics: vec!["policy_law".into()],
            next_appointment: "2027-06-30".into(),
            ..VisitInput::default()
        };
        assert!(ok.validate(today, &["policy_law"]).is_ok());
        let bad = VisitInput {
            person_id: String::new(),
            visited_on: "2026-03-31".into(),
            mode: "fax".into(),
            topics: vec!["astrology".into()],
            findings: "字".repeat(501),
            needs: vec![NeedInput {
                category: "policy".into(),
                text: String::new(),
                for_window: false,
            }],
            next_appointment: "2026-03-31".into(),
        };
        let errs = bad
            .validate(today, &["policy_law"])
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "person_id",
                "visited_on",
                "mode",
                "topics",
                "findings",
                "needs[0].text",
                "next_appointment"
            ]
        );
        let far = VisitInput {
            next_appointment: "2027-07-01".into(),
            ..ok.clone()
        };
        assert!(far.validate(today, &["policy_law"]).is_err());
        let future = VisitInput {
            visited_on: "2026-07-01".into(),
            next_appointment: String::new(),
            ..ok
        };
        assert_eq!(
            future
                .validate(today, &["policy_law"])
                .err()
                .map(|e| e[0].reason.clone()),
            Some(Reason::FutureDate)
        );
    }

    #[test]
    fn rule_input_checks() {
        let r = RuleInput {
            from_day: "7".into(),
            to_day: "5".into(),
            modes: "home".into(),
            active: true,
        };
        assert!(r.validate(RuleKind::Procedure).is_err());
        let r = RuleInput {
            to_day: "10".into(),
            ..r
        };
        assert_eq!(
            r.validate(RuleKind::Procedure)
                .map(|v| (v.from_day, v.to_day)),
            Ok((Some(7), Some(10)))
        );
        assert_eq!(
            YearMonth::parse("2026-02").map(|m| m.last_day()),
            Ok(d("2026-02-28"))
        );
    }
}
