//! The case form: as typed (with its five item rows), filled from a stored
//! case, as the template shows it (selects, item rows, field errors), the
//! store's field errors sorted onto it, the conflict view's rows, and the
//! form page itself.

use super::{CaseV, case_v, kind_label, status_label, typed_label};
use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::{DiffRow, Errors, Opt, options};
use crate::kit::org::units;
use crate::kit::page::{PageResult, other_lang, render};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::http::StatusCode;
use hearth_core::Lang;
use hearth_core::org::OrgLevel;
use hearth_core::pregnancy::{CaseKind, CaseStatus};
use hearth_store::enforcement::{Case, CaseInput};
use hearth_store::orgs::OrgRow;
use serde::Deserialize;

/// Item rows a case form offers.
pub const ITEM_ROWS: usize = 5;

/// The form's fields besides the items, as the store names them.
const FIELDS: &[&str] = &[
    "org_code",
    "kind",
    "occurred_on",
    "place",
    "description",
    "penalty",
    "fine_yuan",
    "status",
];

/// A case form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) version: String,
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    penalty: String,
    #[serde(default)]
    fine_yuan: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    item_kind_1: String,
    #[serde(default)]
    item_count_1: String,
    #[serde(default)]
    item_kind_2: String,
    #[serde(default)]
    item_count_2: String,
    #[serde(default)]
    item_kind_3: String,
    #[serde(default)]
    item_count_3: String,
    #[serde(default)]
    item_kind_4: String,
    #[serde(default)]
    item_count_4: String,
    #[serde(default)]
    item_kind_5: String,
    #[serde(default)]
    item_count_5: String,
}

impl CaseForm {
    fn items(&self) -> [(String, String); ITEM_ROWS] {
        [
            (self.item_kind_1.clone(), self.item_count_1.clone()),
            (self.item_kind_2.clone(), self.item_count_2.clone()),
            (self.item_kind_3.clone(), self.item_count_3.clone()),
            (self.item_kind_4.clone(), self.item_count_4.clone()),
            (self.item_kind_5.clone(), self.item_count_5.clone()),
        ]
    }

    /// The empty form of a new case: a fresh client id, status open.
    pub(super) fn blank() -> CaseForm {
        CaseForm {
            client_id: uuid::Uuid::new_v4().hyphenated().to_string(),
            status: CaseStatus::Open.code().to_string(),
            ..CaseForm::default()
        }
    }

    /// The form filled from a stored case.
    pub(super) fn of(c: &Case) -> CaseForm {
        let item = |i: usize| {
            c.items
                .get(i)
                .map(|it| (it.kind.clone(), it.count.to_string()))
                .unwrap_or_default()
        };
        let (item_kind_1, item_count_1) = item(0);
        let (item_kind_2, item_count_2) = item(1);
        let (item_kind_3, item_count_3) = item(2);
        let (item_kind_4, item_count_4) = item(3);
        let (item_kind_5, item_count_5) = item(4);
        CaseForm {
            csrf: String::new(),
            client_id: String::new(),
            version: c.version.to_string(),
            org_code: c.org_code.clone(),
            kind: c.kind.code().to_string(),
            occurred_on: c.occurred_on.clone(),
            place: c.place.clone(),
            description: c.description.clone(),
            penalty: c.penalty.clone().unwrap_or_default(),
            fine_yuan: c.fine_yuan.map(|f| f.to_string()).unwrap_or_default(),
            status: c.status.code().to_string(),
            item_kind_1,
            item_count_1,
            item_kind_2,
            item_count_2,
            item_kind_3,
            item_count_3,
            item_kind_4,
            item_count_4,
            item_kind_5,
            item_count_5,
        }
    }

    pub(super) fn input(&self) -> CaseInput {
        CaseInput {
            org_code: self.org_code.trim().to_string(),
            kind: self.kind.trim().to_string(),
            occurred_on: self.occurred_on.trim().to_string(),
            place: self.place.clone(),
            description: self.description.clone(),
            penalty: self.penalty.clone(),
            fine_yuan: self.fine_yuan.trim().to_string(),
            status: self.status.trim().to_string(),
            items: self
                .items()
                .into_iter()
                .map(|(k, c)| (k, c.trim().to_string()))
                .collect(),
        }
    }
}

/// One item row of the form.
struct ItemV {
    n: usize,
    kind: String,
    count: String,
    kind_err: Option<String>,
    count_err: Option<String>,
}

/// The form as the template shows it.
struct FormV {
    action: String,
    client_id: String,
    version: String,
    org_opts: Vec<Opt>,
    kind_opts: Vec<Opt>,
    status_opts: Vec<Opt>,
    occurred_on: String,
    place: String,
    description: String,
    penalty: String,
    fine_yuan: String,
    items: Vec<ItemV>,
    errs: Errors,
}

/// The store's name for an item field (`items[0].kind`, `items.0.count`,
/// `item_kind_1`…) turned into the row (1-based) and `kind` or `count`.
fn item_field(field: &str) -> Option<(usize, &'static str)> {
    let part = if field.contains("count") {
        "count"
    } else if field.contains("kind") {
        "kind"
    } else {
        return None;
    };
    if !field.starts_with("item") {
        return None;
    }
    let digits: String = field.chars().filter(char::is_ascii_digit).collect();
    let n: usize = digits.parse().ok()?;
    // `items[0]` and `items.0` count from zero, `item_kind_1` from one.
    let row = if field.starts_with("items") { n + 1 } else { n };
    (1..=ITEM_ROWS).contains(&row).then_some((row, part))
}

/// Sorts the store's field errors onto the form (items onto their row).
pub(super) fn form_errors(fields: &[hearth_core::FieldError], lang: Lang) -> Errors {
    let mut errs = Errors::default();
    let mut rest = Vec::new();
    for e in fields {
        match item_field(&e.field) {
            Some((row, part)) => errs.add(&format!("item_{part}_{row}"), e.message(lang)),
            None => rest.push(e.clone()),
        }
    }
    let more = Errors::from_fields(
        &rest,
        lang,
        FIELDS,
        &[("org", "org_code"), ("fine", "fine_yuan")],
    );
    for f in FIELDS {
        if let Some(m) = more.get(f) {
            errs.add(f, m.to_string());
        }
    }
    errs.general.extend(more.general);
    errs
}

/// The towns and villages of the caller's area, for the case's org select.
fn case_org_options(me: &SignedIn, units: &[OrgRow], current: &str) -> Vec<Opt> {
    options(
        current,
        Some(t(me.ctx.lang, "screens.choose").to_string()),
        units
            .iter()
            .filter(|u| {
                me.scope.covers(&u.code) && matches!(u.level, OrgLevel::Town | OrgLevel::Village)
            })
            .map(|u| {
                let indent = if u.level == OrgLevel::Village {
                    "　"
                } else {
                    ""
                };
                (u.code.clone(), format!("{indent}{}（{}）", u.name, u.code))
            }),
    )
}

fn form_v(me: &SignedIn, units: &[OrgRow], f: &CaseForm, action: String, errs: Errors) -> FormV {
    let lang = me.ctx.lang;
    let items = f
        .items()
        .into_iter()
        .enumerate()
        .map(|(i, (kind, count))| ItemV {
            n: i + 1,
            kind_err: errs
                .get(&format!("item_kind_{}", i + 1))
                .map(str::to_string),
            count_err: errs
                .get(&format!("item_count_{}", i + 1))
                .map(str::to_string),
            kind,
            count,
        })
        .collect();
    FormV {
        action,
        client_id: f.client_id.clone(),
        version: f.version.clone(),
        org_opts: case_org_options(me, units, f.org_code.trim()),
        kind_opts: options(
            f.kind.trim(),
            Some(t(lang, "screens.choose").to_string()),
            CaseKind::ALL
                .iter()
                .map(|k| (k.code().to_string(), kind_label(lang, *k))),
        ),
        status_opts: options(
            f.status.trim(),
            Some(t(lang, "screens.choose").to_string()),
            CaseStatus::ALL
                .iter()
                .map(|s| (s.code().to_string(), status_label(lang, *s))),
        ),
        occurred_on: f.occurred_on.clone(),
        place: f.place.clone(),
        description: f.description.clone(),
        penalty: f.penalty.clone(),
        fine_yuan: f.fine_yuan.clone(),
        items,
        errs,
    }
}

#[derive(Template)]
#[template(path = "enforcement/form.html")]
struct FormPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    title: String,
    /// The case as stored (its page), `None` for a new case.
    case: Option<CaseV>,
    form: FormV,
    notice: Option<String>,
    diff: Vec<DiffRow>,
}

/// What a form page shows besides the case and the form's values.
pub(super) struct Extras {
    pub(super) errs: Errors,
    pub(super) notice: Option<String>,
    pub(super) diff: Vec<DiffRow>,
    pub(super) status: StatusCode,
}

impl Extras {
    pub(super) fn ok(notice: Option<String>) -> Extras {
        Extras {
            errs: Errors::default(),
            notice,
            diff: Vec::new(),
            status: StatusCode::OK,
        }
    }

    pub(super) fn invalid(errs: Errors) -> Extras {
        Extras {
            errs,
            notice: None,
            diff: Vec::new(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

pub(super) async fn form_page(
    st: &AppState,
    me: &SignedIn,
    case: Option<&Case>,
    f: &CaseForm,
    x: Extras,
) -> PageResult {
    let units = units(st, me).await?;
    let lang = me.ctx.lang;
    let action = case.map_or_else(
        || "/enforcement/new".to_string(),
        |c| format!("/enforcement/{}", c.id),
    );
    Ok(render(
        &FormPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            csrf: me.csrf.clone(),
            title: match case {
                Some(_) => t(lang, "enforcement.case.title").to_string(),
                None => t(lang, "enforcement.new.title").to_string(),
            },
            case: case.map(|c| case_v(lang, c)),
            form: form_v(me, &units, f, action, x.errs),
            notice: x.notice,
            diff: x.diff,
        },
        x.status,
    ))
}

/// What differs between the stored case and the form as typed.
pub(super) fn diff(lang: Lang, now: &Case, typed: &CaseForm) -> Vec<DiffRow> {
    let stored = CaseForm::of(now);
    let items = |f: &CaseForm| {
        f.items()
            .iter()
            .filter(|(k, c)| !k.trim().is_empty() || !c.trim().is_empty())
            .map(|(k, c)| format!("{} × {}", k.trim(), c.trim()))
            .collect::<Vec<_>>()
            .join("；")
    };
    let l = |k: &str| t(lang, k).to_string();
    vec![
        DiffRow::new(
            l("enforcement.col.org"),
            stored.org_code.clone(),
            typed.org_code.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.kind"),
            kind_label(lang, now.kind),
            typed_label(&typed.kind, CaseKind::parse, |k| kind_label(lang, k)),
        ),
        DiffRow::new(
            l("enforcement.col.occurred_on"),
            stored.occurred_on.clone(),
            typed.occurred_on.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.place"),
            stored.place.clone(),
            typed.place.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.description"),
            stored.description.clone(),
            typed.description.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.penalty"),
            stored.penalty.clone(),
            typed.penalty.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.fine"),
            stored.fine_yuan.clone(),
            typed.fine_yuan.clone(),
        ),
        DiffRow::new(
            l("enforcement.col.status"),
            status_label(lang, now.status),
            typed_label(&typed.status, CaseStatus::parse, |s| status_label(lang, s)),
        ),
        DiffRow::new(l("enforcement.col.items"), items(&stored), items(typed)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_fields_find_their_row() {
        assert_eq!(item_field("items[0].kind"), Some((1, "kind")));
        assert_eq!(item_field("items.4.count"), Some((5, "count")));
        assert_eq!(item_field("item_count_2"), Some((2, "count")));
        assert_eq!(item_field("items[7].kind"), None);
        assert_eq!(item_field("kind"), None);
        assert_eq!(item_field("place"), None);
    }

    #[test]
    fn forms_round_trip_items() {
        let f = CaseForm {
            item_kind_2: "B 超机".into(),
            item_count_2: " 2 ".into(),
            ..CaseForm::default()
        };
        let input = f.input();
        assert_eq!(input.items.len(), ITEM_ROWS);
        assert_eq!(input.items[1], ("B 超机".to_string(), "2".to_string()));
    }
}
