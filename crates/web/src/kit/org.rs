//! The org units a page offers and accepts: the caller's units, the report
//! unit picked from a typed code (refused, naming `org`, when outside the
//! caller's area), and the org and village selects.

use crate::AppState;
use crate::kit::form::{Opt, options};
use crate::kit::page::PageFail;
use crate::kit::params::{ParamError, given};
use crate::session::SignedIn;
use hearth_core::Reason;
use hearth_store::orgs::OrgRow;
use std::collections::HashMap;

/// The org units the caller sees (her area and the units above it).
pub(crate) async fn units(st: &AppState, me: &SignedIn) -> Result<Vec<OrgRow>, PageFail> {
    me.run(st, hearth_store::orgs::list).await
}

/// The org unit a report is for: the typed code when it is a unit inside
/// the caller's area; by default the user's own unit (or the widest unit
/// of her area).
pub(crate) fn pick_org(
    me: &SignedIn,
    units: &[OrgRow],
    typed: &Option<String>,
) -> Result<OrgRow, ParamError> {
    let lang = me.ctx.lang;
    let inside = |u: &&OrgRow| me.scope.covers(&u.code);
    match given(typed) {
        Some(code) => {
            if code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParamError::new("org", Reason::BadOrgCode.message(lang)));
            }
            match units.iter().find(|u| u.code == code) {
                Some(u) if me.scope.covers(&u.code) => Ok(u.clone()),
                Some(_) => Err(ParamError::new("org", Reason::OutOfScope.message(lang))),
                None if me.scope.covers(code) => {
                    Err(ParamError::new("org", Reason::UnknownOrg.message(lang)))
                }
                None => Err(ParamError::new("org", Reason::OutOfScope.message(lang))),
            }
        }
        None => units
            .iter()
            .filter(inside)
            .find(|u| u.code == me.user.org_code)
            .or_else(|| units.iter().filter(inside).min_by_key(|u| u.code.len()))
            .cloned()
            .ok_or_else(|| ParamError::new("org", Reason::UnknownOrg.message(lang))),
    }
}

/// The org select of a report's filter: every unit of the caller's area
/// (district, towns, villages), the chosen one selected.
pub(crate) fn org_options(me: &SignedIn, units: &[OrgRow], current: &str) -> Vec<Opt> {
    options(
        current,
        None,
        units.iter().filter(|u| me.scope.covers(&u.code)).map(|u| {
            let indent = match u.level.as_str() {
                "village" => "　　",
                "town" => "　",
                _ => "",
            };
            (u.code.clone(), format!("{indent}{}（{}）", u.name, u.code))
        }),
    )
}

/// Village names by code, from the org list.
pub(crate) fn names(units: &[OrgRow]) -> HashMap<String, String> {
    units
        .iter()
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect()
}

/// The villages a user may write to, as select options.
pub(crate) fn village_options(me: &SignedIn, units: &[OrgRow], current: &str) -> Vec<Opt> {
    options(
        current,
        Some(crate::kit::params::tx(me.ctx.lang, "screens.choose")),
        units
            .iter()
            .filter(|u| u.level == hearth_core::org::OrgLevel::Village && me.scope.covers(&u.code))
            .map(|u| (u.code.clone(), format!("{}（{}）", u.name, u.code))),
    )
}
