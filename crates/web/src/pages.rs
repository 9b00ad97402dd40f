//! Server-rendered pages: sign-in and sign-out, password change, the home
//! page. Handlers are thin: extract, call the store on a blocking thread,
//! render a template.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::session::{
    Ctx, Me, PRE_CSRF_COOKIE, SESSION_COOKIE, SignedIn, constant_time_eq, cookie, set_cookie,
};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_store::auth::SignInError;
use serde::Deserialize;

use crate::kit::page::{error_page, other_lang, render};

// ---- sign-in ------------------------------------------------------------

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    message: Option<String>,
    username: String,
    pre_csrf: String,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    expired: Option<String>,
}

fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn sign_in_page(
    ctx: &Ctx,
    message: Option<String>,
    username: String,
    status: StatusCode,
) -> Response {
    let pre_csrf = random_token();
    let mut res = render(
        &SignInPage {
            tr: ctx.tr(),
            me: None,
            other_lang: other_lang(ctx.lang),
            message,
            username,
            pre_csrf: pre_csrf.clone(),
        },
        status,
    );
    if let Ok(v) = set_cookie(PRE_CSRF_COOKIE, &pre_csrf, Some(3600), ctx.secure).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub async fn sign_in_form(ctx: Ctx, Query(q): Query<SignInQuery>) -> Response {
    let msg = q
        .expired
        .map(|_| crate::i18n::t(ctx.lang, "sign_in.expired").to_string());
    sign_in_page(&ctx, msg, String::new(), StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn sign_in(
    State(st): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    // Login CSRF: the form must carry the token its page set as a cookie.
    let pre = cookie(&headers, PRE_CSRF_COOKIE).unwrap_or_default();
    if pre.is_empty() || !constant_time_eq(pre.as_bytes(), f.csrf.as_bytes()) {
        return error_page(&ctx, WebError::Csrf, None);
    }
    let db = st.db.clone();
    let cfg = st.auth.clone();
    let origin = ctx.origin.clone();
    let username = f.username.clone();
    let res = tokio::task::spawn_blocking(move || {
        hearth_store::auth::sign_in(
            &db,
            &cfg,
            &f.username,
            &f.password,
            &origin,
            chrono::Utc::now(),
        )
    })
    .await;
    match res {
        Ok(Ok(s)) => {
            let mut r = Redirect::to("/").into_response();
            let age = st.auth.absolute_timeout.as_secs() as i64;
            if let Ok(v) = set_cookie(SESSION_COOKIE, &s.token, Some(age), ctx.secure).parse() {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Ok(Err(SignInError::Store(e))) => error_page(&ctx, e.into(), None),
        Ok(Err(e)) => sign_in_page(
            &ctx,
            Some(e.message(ctx.lang)),
            username,
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => error_page(&ctx, e.into(), None),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(st): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return error_page(&me.ctx, e, Some(me.me()));
    }
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let db = st.db.clone();
    let origin = me.ctx.origin.clone();
    let _ = tokio::task::spawn_blocking(move || hearth_store::auth::sign_out(&db, &token, &origin))
        .await;
    let mut r = Redirect::to("/sign-in").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", Some(0), me.ctx.secure).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ---- home ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    area: String,
    households: i64,
    residents: i64,
    women: i64,
}

pub async fn home(State(st): State<AppState>, me: SignedIn) -> Response {
    let db = st.db.clone();
    let scope = me.scope.clone();
    let res = tokio::task::spawn_blocking(move || {
        let counts = hearth_store::orgs::village_counts(&db, &scope, hearth_core::dates::today())?;
        let units = hearth_store::orgs::list(&db, &scope)?;
        Ok::<_, hearth_store::StoreError>((counts, units))
    })
    .await;
    match res {
        Ok(Ok((counts, units))) => {
            let area = units
                .iter()
                .find(|u| u.code == me.user.org_code)
                .map_or_else(|| me.user.org_code.clone(), |u| u.name.clone());
            render(
                &HomePage {
                    tr: me.ctx.tr(),
                    me: Some(me.me()),
                    other_lang: other_lang(me.ctx.lang),
                    area,
                    households: counts.iter().map(|c| c.households).sum(),
                    residents: counts.iter().map(|c| c.residents).sum(),
                    women: counts.iter().map(|c| c.women_15_49).sum(),
                },
                StatusCode::OK,
            )
        }
        // An auditor has no register to count: send them to the trail.
        Ok(Err(hearth_store::StoreError::Forbidden)) => Redirect::to("/audit").into_response(),
        Ok(Err(e)) => error_page(&me.ctx, e.into(), Some(me.me())),
        Err(e) => error_page(&me.ctx, e.into(), Some(me.me())),
    }
}

// ---- password change ----------------------------------------------------

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    message: Option<String>,
    done: bool,
}

fn password_page(
    me: &SignedIn,
    message: Option<String>,
    done: bool,
    status: StatusCode,
) -> Response {
    render(
        &PasswordPage {
            tr: me.ctx.tr(),
            me: Some(me.me()),
            other_lang: other_lang(me.ctx.lang),
            message,
            done,
        },
        status,
    )
}

pub async fn password_form(me: SignedIn) -> Response {
    password_page(&me, None, false, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

pub async fn change_password(
    State(st): State<AppState>,
    me: SignedIn,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Err(e) = me.check_csrf(&f.csrf) {
        return error_page(&me.ctx, e, Some(me.me()));
    }
    if f.new_password != f.new_password_again {
        let msg = crate::i18n::t(me.ctx.lang, "password.mismatch").to_string();
        return password_page(&me, Some(msg), false, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let db = st.db.clone();
    let cfg = st.auth.clone();
    let session = me.session.clone();
    let origin = me.ctx.origin.clone();
    let res = tokio::task::spawn_blocking(move || {
        hearth_store::auth::change_password(
            &db,
            &cfg,
            &session,
            &f.old_password,
            &f.new_password,
            &origin,
            chrono::Utc::now(),
        )
    })
    .await;
    match res {
        Ok(Ok(())) => password_page(&me, None, true, StatusCode::OK),
        Ok(Err(SignInError::Store(hearth_store::StoreError::Invalid(fields)))) => {
            let msg = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}{}",
                        crate::i18n::t(me.ctx.lang, "password.new"),
                        f.message(me.ctx.lang)
                    )
                })
                .collect::<Vec<_>>()
                .join("；");
            password_page(&me, Some(msg), false, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(Err(SignInError::Store(e))) => error_page(&me.ctx, e.into(), Some(me.me())),
        Ok(Err(e)) => password_page(
            &me,
            Some(e.message(me.ctx.lang)),
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => error_page(&me.ctx, e.into(), Some(me.me())),
    }
}
