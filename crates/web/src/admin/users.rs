//! User accounts for administrators: the list, creating an account,
//! resetting a password, disabling and re-enabling. The store checks the
//! permission again and writes every change to the audit trail.

use super::role_label;
use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, t};
use crate::kit::page::{OrPage, PageFail, PageResult, other_lang, render, see_other};
use crate::kit::params::query_string;
use crate::session::{Me, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::scope::Permission;
use hearth_core::user::{Role, check_password_strength, hash_password, parse_username};
use hearth_core::{Lang, Reason};
use hearth_store::StoreError;
use hearth_store::users::{self, NewUser};
use serde::Deserialize;

/// The longest display name accepted, in characters.
const MAX_DISPLAY_NAME: usize = 50;

/// The create form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    named_access: Option<String>,
}

fn wants_named_access(f: &CreateForm) -> bool {
    f.named_access.as_deref().is_some_and(|v| !v.is_empty())
}

/// Errors of the create form, each shown under its field.
#[derive(Debug, Default)]
struct CreateErrors {
    username: Option<String>,
    display_name: Option<String>,
    role: Option<String>,
    org_code: Option<String>,
    password: Option<String>,
}

impl CreateErrors {
    fn any(&self) -> bool {
        self.username.is_some()
            || self.display_name.is_some()
            || self.role.is_some()
            || self.org_code.is_some()
            || self.password.is_some()
    }

    fn set(&mut self, field: &str, msg: String) {
        let slot = match field {
            "username" => &mut self.username,
            "display_name" => &mut self.display_name,
            "role" => &mut self.role,
            "org_code" => &mut self.org_code,
            _ => &mut self.password,
        };
        if slot.is_none() {
            *slot = Some(msg);
        }
    }
}

/// A refusal on one account's row (reset or disable), shown in that row.
struct RowError {
    user_id: String,
    message: String,
}

struct RoleOption {
    code: &'static str,
    label: String,
    selected: bool,
}

struct UserRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    org: String,
    disabled: bool,
    is_me: bool,
    error: Option<String>,
    /// Whether the user holds the enforcement register grant; `None` for
    /// roles that cannot hold one (administrators always may).
    enforcement: Option<bool>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    csrf: String,
    notice: Option<String>,
    users: Vec<UserRow>,
    form: CreateForm,
    named_access: bool,
    errors: CreateErrors,
    roles: Vec<RoleOption>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    name: String,
}

/// Renders the page: the account list (with an optional refusal on one
/// row), the create form as typed, and a notice.
async fn users_page(
    st: &AppState,
    me: &SignedIn,
    form: CreateForm,
    errors: CreateErrors,
    row_error: Option<RowError>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let (listing, grants) = me
        .run(st, move |db, scope| {
            let listing = users::list_with_org(db, scope)?;
            // The enforcement grant of the roles that may hold one, asked as
            // the store asks it for that user.
            let mut grants = std::collections::HashMap::new();
            for l in &listing {
                if matches!(l.user.role, Role::TownStaff | Role::Supervisor) {
                    let theirs = hearth_core::scope::Scope::for_user(
                        &l.user.id,
                        &l.user.username,
                        l.user.role,
                        &l.user.org_code,
                        false,
                        &scope.origin,
                    );
                    grants.insert(
                        l.user.id.clone(),
                        hearth_store::enforcement::has_grant(db, &theirs)?,
                    );
                }
            }
            Ok((listing, grants))
        })
        .await?;
    let lang = me.ctx.lang;
    let users = listing
        .into_iter()
        .map(|l| {
            let error = row_error
                .as_ref()
                .filter(|e| e.user_id == l.user.id)
                .map(|e| e.message.clone());
            UserRow {
                enforcement: grants.get(&l.user.id).copied(),
                is_me: l.user.id == me.user.id,
                org: match l.org_name {
                    Some(n) => format!("{n}（{}）", l.user.org_code),
                    None => l.user.org_code.clone(),
                },
                role: role_label(lang, l.user.role),
                id: l.user.id,
                username: l.user.username,
                display_name: l.user.display_name,
                disabled: l.user.disabled,
                error,
            }
        })
        .collect();
    let chosen = Role::parse(&form.role).ok();
    let roles = Role::ALL
        .into_iter()
        .map(|r| RoleOption {
            code: r.code(),
            label: role_label(lang, r),
            selected: chosen == Some(r),
        })
        .collect();
    Ok(render(
        &UsersPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(lang),
            csrf: me.csrf.clone(),
            notice,
            users,
            named_access: wants_named_access(&form),
            form,
            errors,
            roles,
        },
        status,
    ))
}

/// `GET /admin/users`.
pub async fn page(
    State(st): State<AppState>,
    me: SignedIn,
    q: Result<Query<UsersQuery>, QueryRejection>,
) -> PageResult {
    me.require(Permission::Administer)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let notice = match q.done.as_str() {
        "created" | "reset" | "disabled" | "enabled" | "granted" | "withdrawn" => Some(format!(
            "{}{}",
            t(
                me.ctx.lang,
                &if matches!(q.done.as_str(), "granted" | "withdrawn") {
                    format!("enforcement.grant.done.{}", q.done)
                } else {
                    format!("admin.users.done.{}", q.done)
                }
            ),
            if q.name.is_empty() {
                String::new()
            } else {
                format!("：{}", q.name.chars().take(32).collect::<String>())
            }
        )),
        _ => None,
    };
    users_page(
        &st,
        &me,
        CreateForm::default(),
        CreateErrors::default(),
        None,
        notice,
        StatusCode::OK,
    )
    .await
}

fn done(what: &str, name: &str) -> Response {
    see_other(&format!(
        "/admin/users?{}",
        query_string(&[("done", what), ("name", name)])
    ))
}

fn message(lang: Lang, field: &str, reason: &Reason) -> String {
    match (field, reason) {
        ("username", Reason::Duplicate) => t(lang, "admin.users.username_taken").to_string(),
        ("org_code", Reason::UnknownOrg) => t(lang, "admin.users.unknown_org").to_string(),
        _ => reason.message(lang),
    }
}

/// Checks the create form field by field, so every problem shows at once.
fn check(f: &CreateForm, lang: Lang) -> (Option<(String, Role)>, CreateErrors) {
    let mut errs = CreateErrors::default();
    let username = parse_username(&f.username)
        .map_err(|r| errs.set("username", message(lang, "username", &r)))
        .ok();
    let display = f.display_name.trim();
    if display.is_empty() {
        errs.set("display_name", Reason::Required.message(lang));
    } else if display.chars().count() > MAX_DISPLAY_NAME {
        errs.set(
            "display_name",
            Reason::TooLong {
                max: MAX_DISPLAY_NAME,
            }
            .message(lang),
        );
    }
    let role = if f.role.trim().is_empty() {
        errs.set("role", Reason::Required.message(lang));
        None
    } else {
        Role::parse(&f.role)
            .map_err(|r| errs.set("role", r.message(lang)))
            .ok()
    };
    if f.org_code.trim().is_empty() {
        errs.set("org_code", Reason::Required.message(lang));
    }
    if let Err(r) = check_password_strength(&f.password) {
        errs.set("password", r.message(lang));
    }
    match (username, role) {
        (Some(u), Some(r)) if !errs.any() => (Some((u, r)), errs),
        _ => (None, errs),
    }
}

/// `POST /admin/users`: creates an account; on a problem the form comes
/// back as typed (without the password) with the message under the field.
pub async fn create(
    State(st): State<AppState>,
    me: SignedIn,
    Form(mut f): Form<CreateForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::Administer)?;
    let lang = me.ctx.lang;
    let (ok, errors) = check(&f, lang);
    let password = std::mem::take(&mut f.password);
    let Some((username, role)) = ok else {
        return users_page(
            &st,
            &me,
            f,
            errors,
            None,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let (display, org, named) = (
        f.display_name.trim().to_string(),
        f.org_code.trim().to_string(),
        wants_named_access(&f),
    );
    let name = username.clone();
    let res = me
        .run(&st, move |db, scope| {
            let hash = hash_password(&password).map_err(StoreError::Db)?;
            Ok(users::create(
                db,
                scope,
                &NewUser {
                    username: &name,
                    display_name: &display,
                    role,
                    org_code: &org,
                    password_hash: &hash,
                    named_access: named,
                },
            ))
        })
        .await?;
    match res {
        Ok(u) => Ok(done("created", &u.username)),
        Err(StoreError::Invalid(fields)) => {
            let mut errors = CreateErrors::default();
            for fe in &fields {
                errors.set(&fe.field, message(lang, &fe.field, &fe.reason));
            }
            users_page(
                &st,
                &me,
                f,
                errors,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(me.fail(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// The user name of an account, for the notice after a change.
async fn username_of(st: &AppState, me: &SignedIn, id: &str) -> Result<String, PageFail> {
    let all = me.run(st, users::list).await?;
    all.into_iter()
        .find(|u| u.id == id)
        .map(|u| u.username)
        .ok_or(WebError::NotFound)
        .page(me)
}

/// `POST /admin/users/{id}/reset-password`: sets a new password; every
/// session and API token of the user ends.
pub async fn reset_password(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ResetForm>,
) -> PageResult {
    me.change_allowed(&f.csrf, Permission::Administer)?;
    let name = username_of(&st, &me, &id).await?;
    if let Err(r) = check_password_strength(&f.password) {
        let row = RowError {
            user_id: id,
            message: r.message(me.ctx.lang),
        };
        return users_page(
            &st,
            &me,
            CreateForm::default(),
            CreateErrors::default(),
            Some(row),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    me.run(&st, move |db, scope| {
        let hash = hash_password(&f.password).map_err(StoreError::Db)?;
        hearth_store::auth::admin_reset_password(db, scope, &id, &hash)
    })
    .await?;
    Ok(done("reset", &name))
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn set_disabled(
    st: AppState,
    me: SignedIn,
    id: String,
    csrf: &str,
    disabled: bool,
) -> PageResult {
    me.change_allowed(csrf, Permission::Administer)?;
    let target = id.clone();
    let res = me
        .attempt(&st, move |db, scope| {
            hearth_store::auth::set_disabled(db, scope, &target, disabled)
        })
        .await?;
    match res {
        Ok(u) => Ok(done(
            if disabled { "disabled" } else { "enabled" },
            &u.username,
        )),
        Err(StoreError::Invalid(_)) => {
            // The one refusal: an administrator disabling their own account.
            let row = RowError {
                user_id: id,
                message: t(me.ctx.lang, "admin.users.cannot_disable_self").to_string(),
            };
            users_page(
                &st,
                &me,
                CreateForm::default(),
                CreateErrors::default(),
                Some(row),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(me.fail(e)),
    }
}

/// `POST /admin/users/{id}/disable`: the account can no longer sign in;
/// its sessions and API tokens end at once.
pub async fn disable(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> PageResult {
    set_disabled(st, me, id, &f.csrf, true).await
}

/// `POST /admin/users/{id}/enable`.
pub async fn enable(
    State(st): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> PageResult {
    set_disabled(st, me, id, &f.csrf, false).await
}
