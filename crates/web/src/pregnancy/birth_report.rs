//! The birth report on a pregnancy's page: one block of fields per child
//! (twins: two), each child checked against the LMP first so every message
//! lands beside its child's field, then the store's report that closes the
//! pregnancy as a live birth.

use super::pregnancy_page::{PregExtras, show_pregnancy, start};
use super::{form_errors, general};
use crate::AppState;
use crate::kit::form::{Errors, Opt, client_id, options, version_of};
use crate::kit::labels::sex_label;
use crate::kit::page::{PageResult, see_other};
use crate::kit::params::tx;
use crate::session::SignedIn;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hearth_core::Lang;
use hearth_core::dates::{parse_date, today};
use hearth_core::person::Sex;
use hearth_core::pregnancy::{BirthInput, BirthPlace};
use hearth_store::StoreError;
use hearth_store::pregnancy as store;
use std::collections::HashMap;

/// One child of the birth report as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct ChildTyped {
    child_name: String,
    sex: String,
    born_on: String,
    born_time: String,
    weight_g: String,
    place: String,
    birth_order: String,
    certificate_no: String,
}

const CHILD_FIELDS: [&str; 8] = [
    "child_name",
    "sex",
    "born_on",
    "born_time",
    "weight_g",
    "place",
    "birth_order",
    "certificate_no",
];

/// At most this many children in one report (the select offers 1–3).
const MAX_CHILDREN: usize = 3;

impl ChildTyped {
    fn from_form(f: &HashMap<String, String>, n: usize) -> ChildTyped {
        let v = |k: &str| f.get(&format!("{k}_{n}")).cloned().unwrap_or_default();
        ChildTyped {
            child_name: v("child_name"),
            sex: v("sex"),
            born_on: v("born_on"),
            born_time: v("born_time"),
            weight_g: v("weight_g"),
            place: v("place"),
            birth_order: v("birth_order"),
            certificate_no: v("certificate_no"),
        }
    }

    fn input(&self) -> BirthInput {
        BirthInput {
            child_name: self.child_name.clone(),
            sex: self.sex.clone(),
            born_on: self.born_on.clone(),
            born_time: self.born_time.clone(),
            weight_g: self.weight_g.clone(),
            place: self.place.clone(),
            birth_order: self.birth_order.clone(),
            certificate_no: self.certificate_no.clone(),
        }
    }
}

/// The number of children from the form's select: 1 unless 2 or 3.
pub(super) fn children_count(s: &str) -> usize {
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_CHILDREN).contains(n))
        .unwrap_or(1)
}

/// A store error about one child: `children[1].sex`, `children.1.sex`,
/// `child_2_sex`… The first number names the child — counted from 0 when
/// the name has brackets or dots (array style), from 1 otherwise — and the
/// last known field name the field. Without a number: the first child.
fn child_of(field: &str, n: usize) -> (usize, Option<&'static str>) {
    let digits: String = field
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let array_style = field.contains('[') || field.contains('.');
    let index = digits
        .parse::<usize>()
        .ok()
        .map(|i| if array_style { i } else { i.saturating_sub(1) })
        .unwrap_or(0)
        .min(n.saturating_sub(1));
    let name = CHILD_FIELDS
        .iter()
        .copied()
        .filter(|f| field.ends_with(f))
        .max_by_key(|f| f.len());
    (index, name)
}

/// One child's block of the birth report, as the page shows it.
pub(super) struct ChildV {
    pub(super) n: usize,
    pub(super) child_name: String,
    pub(super) sex_opts: Vec<Opt>,
    pub(super) born_on: String,
    pub(super) born_time: String,
    pub(super) weight_g: String,
    pub(super) place_opts: Vec<Opt>,
    pub(super) birth_order: String,
    pub(super) certificate_no: String,
    pub(super) errs: Errors,
}

fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

/// The child blocks as typed, each with its errors.
pub(super) fn child_blocks(lang: Lang, typed: Vec<ChildTyped>, errs: &[Errors]) -> Vec<ChildV> {
    let sex_choices = |cur: &str| {
        options(
            cur,
            Some(tx(lang, "screens.choose")),
            [Sex::Male, Sex::Female]
                .into_iter()
                .map(|s| (sex_code(s).to_string(), sex_label(lang, s))),
        )
    };
    typed
        .into_iter()
        .enumerate()
        .map(|(i, c)| ChildV {
            n: i + 1,
            sex_opts: sex_choices(&c.sex),
            place_opts: super::enum_options(
                lang,
                &c.place,
                BirthPlace::ALL.iter().copied(),
                BirthPlace::code,
                super::place_label,
            ),
            errs: errs.get(i).cloned().unwrap_or_default(),
            child_name: c.child_name,
            born_on: c.born_on,
            born_time: c.born_time,
            weight_g: c.weight_g,
            birth_order: c.birth_order,
            certificate_no: c.certificate_no,
        })
        .collect()
}

/// The select of how many children the report has (1–3).
pub(super) fn children_opts(lang: Lang, count: usize) -> Vec<Opt> {
    options(
        &count.to_string(),
        None,
        (1..=MAX_CHILDREN).map(|k| (k.to_string(), tx(lang, &format!("maternal.children.{k}")))),
    )
}

/// `POST /pregnancies/{id}/births`: the live birth of one child or more
/// (`children` blocks, fields `sex_1`, `born_on_1`, …). Each child is
/// checked first against the pregnancy's LMP, so every message lands
/// beside its child's field; the store then closes the pregnancy, creates
/// each child in the mother's household and marks the registration used.
pub async fn report_births(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let val = |k: &str| f.get(k).cloned().unwrap_or_default();
    let id = start(&me, &val("csrf"), &id)?;
    let lang = me.ctx.lang;
    let n = children_count(&val("children"));
    let typed: Vec<ChildTyped> = (1..=n).map(|i| ChildTyped::from_form(&f, i)).collect();
    let pid = id.clone();
    let lmp = me
        .run(&st, move |db, scope| {
            store::get_pregnancy(db, scope, &pid, today())
        })
        .await
        .map(|v| parse_date(&v.pregnancy.lmp).ok())?;
    let inputs: Vec<BirthInput> = typed.iter().map(ChildTyped::input).collect();
    let back = |child_errs: Vec<Errors>, all: Errors, status: StatusCode| PregExtras {
        births: Some((typed.clone(), child_errs, all)),
        status: Some(status),
        ..PregExtras::default()
    };
    if let Some(lmp) = lmp {
        let child_errs: Vec<Errors> = inputs
            .iter()
            .map(|i| match i.validate(lmp, today()) {
                Ok(_) => Errors::default(),
                Err(fields) => form_errors(&fields, lang, &CHILD_FIELDS, &[]),
            })
            .collect();
        if child_errs.iter().any(|e| !e.is_empty()) {
            let x = back(
                child_errs,
                Errors::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            return show_pregnancy(&st, &me, &id, x).await;
        }
    }
    let version = version_of(&val("version"));
    let cid = client_id(&val("client_id"));
    let pid = id.clone();
    let res = me
        .run(&st, move |db, scope| {
            Ok(store::report_births(
                db,
                scope,
                cid.as_deref(),
                &pid,
                version,
                &inputs,
                today(),
            ))
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other(&format!("/pregnancies/{id}#births"))),
        Err(StoreError::Invalid(fields)) => {
            let mut child_errs = vec![Errors::default(); n];
            let mut all = Errors::default();
            for e in &fields {
                match child_of(&e.field, n) {
                    (i, Some(name)) => {
                        if let Some(c) = child_errs.get_mut(i) {
                            c.add(name, e.message(lang));
                        }
                    }
                    (_, None) => all.general.push(e.message(lang)),
                }
            }
            let x = back(child_errs, all, StatusCode::UNPROCESSABLE_ENTITY);
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(StoreError::Conflict { .. }) => {
            let x = back(
                Vec::new(),
                general(tx(lang, "maternal.conflict.pregnancy")),
                StatusCode::CONFLICT,
            );
            show_pregnancy(&st, &me, &id, x).await
        }
        Err(e) => Err(me.fail(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_errors_find_their_child() {
        assert_eq!(child_of("sex", 2), (0, Some("sex")));
        assert_eq!(child_of("children[1].sex", 2), (1, Some("sex")));
        assert_eq!(child_of("children.0.born_on", 2), (0, Some("born_on")));
        assert_eq!(
            child_of("child_2_certificate_no", 2),
            (1, Some("certificate_no"))
        );
        assert_eq!(child_of("children[5].place", 2), (1, Some("place")));
        assert_eq!(child_of("pregnancy_id", 2), (0, None));
        assert_eq!(children_count("2"), 2);
        assert_eq!(children_count("9"), 1);
        assert_eq!(children_count(""), 1);
    }
}
