//! The org units of the caller's area, with per-village counts for roles
//! that may see them.

use super::dto::{OrgCountsDto, OrgUnitDto, OrgUnitList};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::Caller;
use axum::Json;
use axum::extract::State;
use hearth_store::StoreError;
use std::collections::HashMap;

/// List the org units of your area.
///
/// Your area's units, and the units above it as context (`in_scope`
/// false). Villages carry their households, residents and women aged 15–49
/// when your role may read the register or statistics.
#[utoipa::path(
    get,
    path = "/api/v1/org-units",
    tag = "org-units",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The org units by code", body = OrgUnitList),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn list_org_units(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Json<OrgUnitList>, ApiError> {
    let (units, counts) = caller
        .run(&st, |db, scope| {
            let units = hearth_store::orgs::list(db, scope)?;
            let counts =
                match hearth_store::orgs::village_counts(db, scope, hearth_core::dates::today()) {
                    Ok(c) => Some(c),
                    Err(StoreError::Forbidden) => None,
                    Err(e) => return Err(e),
                };
            Ok((units, counts))
        })
        .await
        .map_err(|e| caller.err(e))?;
    let by_code: Option<HashMap<String, OrgCountsDto>> = counts.map(|c| {
        c.into_iter()
            .map(|c| {
                (
                    c.code,
                    OrgCountsDto {
                        households: c.households,
                        residents: c.residents,
                        women_15_49: c.women_15_49,
                    },
                )
            })
            .collect()
    });
    let items = units
        .into_iter()
        .map(|u| {
            let in_scope = caller.scope.covers(&u.code);
            let counts = match &by_code {
                Some(m) if in_scope && u.level == hearth_core::org::OrgLevel::Village => {
                    Some(m.get(&u.code).cloned().unwrap_or(OrgCountsDto {
                        households: 0,
                        residents: 0,
                        women_15_49: 0,
                    }))
                }
                _ => None,
            };
            OrgUnitDto {
                code: u.code,
                parent_code: u.parent_code,
                level: u.level.as_str().to_string(),
                name: u.name,
                in_scope,
                counts,
            }
        })
        .collect();
    Ok(Json(OrgUnitList { items }))
}
