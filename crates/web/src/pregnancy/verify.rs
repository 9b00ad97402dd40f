//! The two-person verification form that the birth and infant-death pages
//! share: the steps recorded so far in words, the items a verifier ticks,
//! and which step (if any) the signed-in user may record now.

use crate::kit::params::{tx, word};
use crate::session::SignedIn;
use hearth_core::Lang;
use hearth_core::pregnancy::{VerifyInput, VerifyStep};
use hearth_core::user::Role;
use hearth_store::pregnancy::VerifyRecord;

/// The items a verifier may tick, in the order the form shows them.
const CHECK_ITEMS: [&str; 4] = ["time_of_birth", "sex", "certificate", "death"];

/// What a verifier recorded, in words: known item codes by their label,
/// anything else as written.
fn checks_text(lang: Lang, checks: &str) -> String {
    let (items, note) = checks.split_once(';').unwrap_or((checks, ""));
    let mut parts: Vec<String> = items
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if CHECK_ITEMS.contains(&s) {
                word(lang, "maternal.verify.item", s)
            } else {
                s.to_string()
            }
        })
        .collect();
    let note = note.trim();
    if !note.is_empty() {
        parts.push(note.to_string());
    }
    parts.join(t_sep(lang))
}

fn t_sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// One recorded verification step, as a page shows it.
pub(crate) struct StepV {
    pub(super) label: String,
    pub(super) by_name: String,
    pub(super) on: String,
    pub(super) checks: String,
}

pub(super) fn step_view(lang: Lang, step: VerifyStep, r: Option<&VerifyRecord>) -> Option<StepV> {
    r.map(|r| StepV {
        label: tx(lang, &format!("maternal.verify.step.{}", step.code())),
        by_name: r.by_name.clone(),
        on: r.on.clone(),
        checks: checks_text(lang, &r.checks),
    })
}

/// The verification form as typed (or as first shown).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) version: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    verified_on: String,
    #[serde(default)]
    check_time_of_birth: String,
    #[serde(default)]
    check_sex: String,
    #[serde(default)]
    check_certificate: String,
    #[serde(default)]
    check_death: String,
    #[serde(default)]
    note: String,
}

impl VerifyForm {
    fn ticked(&self, item: &str) -> bool {
        let v = match item {
            "time_of_birth" => &self.check_time_of_birth,
            "sex" => &self.check_sex,
            "certificate" => &self.check_certificate,
            _ => &self.check_death,
        };
        !v.trim().is_empty()
    }

    /// The store's input: the ticked items' codes, then `; ` and the note.
    pub(super) fn input(&self) -> VerifyInput {
        let items: Vec<&str> = CHECK_ITEMS
            .iter()
            .copied()
            .filter(|i| self.ticked(i))
            .collect();
        let mut checks = items.join(",");
        let note = self.note.trim();
        if !note.is_empty() {
            checks.push_str("; ");
            checks.push_str(note);
        }
        VerifyInput {
            step: self.step.trim().to_string(),
            verified_on: self.verified_on.trim().to_string(),
            checks,
        }
    }
}

/// One tick box of the verification form.
pub(crate) struct CheckBoxV {
    pub(super) name: String,
    pub(super) label: String,
    pub(super) checked: bool,
}

/// The verification form on a birth or death page.
pub(crate) struct VerifyV {
    pub(super) step: String,
    pub(super) step_label: String,
    pub(super) verified_on: String,
    pub(super) boxes: Vec<CheckBoxV>,
    pub(super) note: String,
}

/// Who may record which step now: the form for the next step the
/// signed-in user may do, or why they cannot (`None` for both once both
/// steps are recorded). The store decides in the end; this only spares the
/// user a form they would be refused.
pub(super) fn verify_state(
    me: &SignedIn,
    village: Option<&VerifyRecord>,
    town: Option<&VerifyRecord>,
    items: &[&str],
    typed: Option<&VerifyForm>,
) -> (Option<VerifyV>, Option<String>) {
    let lang = me.ctx.lang;
    if town.is_some() {
        return (None, None);
    }
    let mine = |r: &VerifyRecord| r.by_user.as_deref() == Some(me.user.id.as_str());
    let step = match (me.user.role, village) {
        (Role::VillageSpecialist, None) | (Role::Admin, None) => Ok(VerifyStep::Village),
        (Role::VillageSpecialist, Some(v))
        | (Role::TownStaff, Some(v))
        | (Role::Admin, Some(v))
            if mine(v) =>
        {
            Err(hearth_core::Reason::SameVerifier.message(lang))
        }
        (Role::VillageSpecialist, Some(_)) => Err(tx(lang, "maternal.verify.awaiting_town")),
        (Role::TownStaff, None) => Err(tx(lang, "maternal.verify.awaiting_village")),
        (Role::TownStaff, Some(_)) | (Role::Admin, Some(_)) => Ok(VerifyStep::Town),
        _ => Err(tx(lang, "maternal.verify.role")),
    };
    match step {
        Err(why) => (None, Some(why)),
        Ok(step) => {
            let blank = VerifyForm::default();
            let f = typed.unwrap_or(&blank);
            let verified_on = if f.verified_on.is_empty() {
                hearth_core::dates::fmt_date(hearth_core::dates::today())
            } else {
                f.verified_on.clone()
            };
            let boxes = items
                .iter()
                .map(|i| CheckBoxV {
                    name: format!("check_{i}"),
                    label: word(lang, "maternal.verify.item", i),
                    checked: f.ticked(i),
                })
                .collect();
            let form = VerifyV {
                step: step.code().to_string(),
                step_label: tx(lang, &format!("maternal.verify.step.{}", step.code())),
                verified_on,
                boxes,
                note: f.note.clone(),
            };
            (Some(form), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_checks_round_trip() {
        let f = VerifyForm {
            step: "village".into(),
            check_sex: "1".into(),
            check_time_of_birth: "1".into(),
            note: "见出生医学证明".into(),
            ..VerifyForm::default()
        };
        let i = f.input();
        assert_eq!(i.checks, "time_of_birth,sex; 见出生医学证明");
        assert_eq!(
            checks_text(Lang::Zh, &i.checks),
            format!(
                "{}、{}、见出生医学证明",
                word(Lang::Zh, "maternal.verify.item", "time_of_birth"),
                word(Lang::Zh, "maternal.verify.item", "sex")
            )
        );
    }
}
