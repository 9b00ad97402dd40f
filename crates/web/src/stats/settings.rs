//! The incentive settings page for administrators (`/admin/settings`): the
//! reward per timely pregnancy report and the deduction per late one, with
//! the version the store checks so two administrators cannot overwrite
//! each other unseen.

use crate::AppState;
use crate::i18n::{Tr, t};
use crate::kit::form::{Errors, version_of};
use crate::kit::page::{PageResult, other_lang, render, see_other};
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use hearth_core::Reason;
use hearth_core::scope::Permission;
use hearth_store::StoreError;
use hearth_store::settings::{self, Incentives};
use serde::Deserialize;

/// The highest amount accepted, in yuan (the store checks it too).
const MAX_YUAN: i64 = 100_000;

#[derive(Template)]
#[template(path = "stats/settings.html")]
struct SettingsPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    version: i64,
    reward: String,
    deduction: String,
    errs: Errors,
    notice: Option<String>,
    conflict: Option<Incentives>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/settings`.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    me.require(Permission::Administer)?;
    let cur = me.run(&st, settings::incentives).await?;
    let saved = q.is_ok_and(|Query(q)| q.done.is_some());
    Ok(render(
        &SettingsPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            csrf: me.csrf.clone(),
            version: cur.version,
            reward: cur.reward_per_timely.to_string(),
            deduction: cur.deduction_per_late.to_string(),
            errs: Errors::default(),
            notice: saved.then(|| t(me.ctx.lang, "stats.settings.saved").to_string()),
            conflict: None,
        },
        StatusCode::OK,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reward_per_timely: String,
    #[serde(default)]
    deduction_per_late: String,
}

/// An amount in whole yuan as typed.
fn amount(s: &str) -> Result<i64, Reason> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Reason::Required);
    }
    match s.parse::<i64>() {
        Ok(n) if (0..=MAX_YUAN).contains(&n) => Ok(n),
        Ok(_) => Err(Reason::OutOfRange {
            min: 0,
            max: MAX_YUAN,
        }),
        Err(_) => Err(Reason::NotANumber),
    }
}

/// `POST /admin/settings`.
pub async fn save(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<SettingsForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::Administer)?;
    let lang = me.ctx.lang;
    let version = version_of(&f.version);
    let again = |errs: Errors,
                 notice: Option<String>,
                 conflict: Option<Incentives>,
                 version: i64,
                 status: StatusCode| {
        Ok(render(
            &SettingsPage {
                tr: me.ctx.tr(),
                me: Some(me.me()),
                other_lang: other_lang(lang),
                csrf: me.csrf.clone(),
                version,
                reward: f.reward_per_timely.clone(),
                deduction: f.deduction_per_late.clone(),
                errs,
                notice,
                conflict,
            },
            status,
        ))
    };
    let mut errs = Errors::default();
    let reward = amount(&f.reward_per_timely)
        .map_err(|r| errs.add("reward_per_timely", r.message(lang)))
        .ok();
    let deduction = amount(&f.deduction_per_late)
        .map_err(|r| errs.add("deduction_per_late", r.message(lang)))
        .ok();
    let (Some(reward), Some(deduction)) = (reward, deduction) else {
        return again(errs, None, None, version, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let res = me
        .attempt(&st, move |db, scope| {
            settings::set_incentives(db, scope, version, reward, deduction)
        })
        .await?;
    match res {
        Ok(_) => Ok(see_other("/admin/settings?done=1")),
        Err(StoreError::Invalid(fields)) => {
            let errs = Errors::from_fields(
                &fields,
                lang,
                &["reward_per_timely", "deduction_per_late"],
                &[
                    ("reward", "reward_per_timely"),
                    ("deduction", "deduction_per_late"),
                ],
            );
            again(errs, None, None, version, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(StoreError::Conflict { .. }) => {
            let cur = me.run(&st, settings::incentives).await?;
            again(
                Errors::default(),
                Some(t(lang, "stats.settings.conflict").to_string()),
                Some(cur.clone()),
                cur.version,
                StatusCode::CONFLICT,
            )
        }
        Err(e) => Err(me.fail(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(amount(" 500 "), Ok(500));
        assert_eq!(amount(""), Err(Reason::Required));
        assert_eq!(amount("5x"), Err(Reason::NotANumber));
        assert!(matches!(amount("-1"), Err(Reason::OutOfRange { .. })));
        assert!(matches!(amount("100001"), Err(Reason::OutOfRange { .. })));
    }
}
