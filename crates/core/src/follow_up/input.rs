//! Validation of what a follow-up form or API body carries: a visit and
//! its needs, a contraceptive procedure, a schedule rule.

use super::*;

pub(super) fn date_field(
    field: &str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match parse_date(raw) {
        Ok(d) => Some(d),
        Err(r) => {
            errors.push(FieldError::new(field, r));
            None
        }
    }
}

/// A trimmed optional text of at most `max` characters.
pub(super) fn opt_text(
    field: &str,
    raw: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
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
