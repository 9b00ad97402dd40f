//! The org unit a JSON request names: the parameter's code, or the
//! caller's own unit when it is absent; refused as a field error naming
//! the parameter when it is missing, not a code, or outside the caller's
//! area. (Pages pick theirs from the unit list with `kit::org::pick_org`.)

use crate::api::extract::Caller;
use hearth_core::{FieldError, Reason};

/// The org code parameter `name` gives (`v`), or the caller's own; every
/// refusal is pushed onto `errs` under `name`.
pub(crate) fn org_param(
    caller: &Caller,
    name: &str,
    v: Option<&str>,
    errs: &mut Vec<FieldError>,
) -> String {
    let code = v
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map_or_else(|| caller.user.org_code.clone(), str::to_string);
    if code.is_empty() {
        errs.push(FieldError::new(name, Reason::Required));
    } else if !code.chars().all(|c| c.is_ascii_digit()) {
        errs.push(FieldError::new(name, Reason::BadOrgCode));
    } else if !caller.scope.covers(&code) {
        errs.push(FieldError::new(name, Reason::OutOfScope));
    }
    code
}
