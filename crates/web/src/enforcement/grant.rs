//! The administrator's switch on the users page that grants or withdraws a
//! user's access to the register.

use crate::AppState;
use crate::error::WebError;
use crate::kit::form::path_id;
use crate::kit::page::{OrPage, PageResult, see_other};
use crate::kit::params::query_string;
use crate::session::SignedIn;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use hearth_core::scope::Permission;
use hearth_store::enforcement;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    granted: String,
}

/// `POST /admin/users/{id}/enforcement` (administrators): grants (`granted=1`)
/// or withdraws (`granted=0`) the user's access to the register.
pub async fn grant(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<GrantForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::Administer)?;
    let id = path_id(&id).page(&me)?.to_string();
    let on = match f.granted.trim() {
        "1" => true,
        "0" => false,
        _ => {
            return Err(me.fail(WebError::Invalid(vec![hearth_core::FieldError::new(
                "granted",
                hearth_core::Reason::UnknownValue { allowed: "1/0" },
            )])));
        }
    };
    let name = me
        .run(&st, move |db, scope| {
            enforcement::set_grant(db, scope, &id, on)?;
            let users = hearth_store::users::list(db, scope)?;
            Ok(users
                .into_iter()
                .find(|u| u.id == id)
                .map(|u| u.username)
                .unwrap_or_default())
        })
        .await?;
    Ok(see_other(&format!(
        "/admin/users?{}",
        query_string(&[
            ("done", if on { "granted" } else { "withdrawn" }),
            ("name", &name),
        ])
    )))
}

/// `GET /admin/users/{id}/enforcement`: back to the users page.
pub async fn back_to_users() -> Response {
    see_other("/admin/users")
}
