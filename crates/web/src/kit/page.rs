//! Page plumbing every workflow's screens share: rendering a template, the
//! one error page (a message, the refused parameters, a way back), and the
//! way a page calls the store — `me.run(&st, |db, scope| …)`, the same
//! shape as the API's `caller.run` — so a handler returns [`PageResult`]
//! and uses `?` instead of matching every store answer by hand.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Tr, t};
use crate::kit::params::ParamError;
use crate::session::{Ctx, Me, SignedIn};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hearth_core::Lang;
use hearth_core::scope::{Permission, Scope};
use hearth_store::{Db, StoreError};

/// What a page handler answers: the page, or the error page.
pub type PageResult = Result<Response, PageFail>;

/// The language switch's target: the other of the two catalogues.
pub(crate) fn other_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "en",
        Lang::En => "zh-CN",
    }
}

/// Renders a template into a response, or a plain error if rendering fails.
pub(crate) fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// A 303 to another page.
pub(crate) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

#[derive(Template)]
#[template(path = "kit/error.html")]
struct ErrorPage {
    tr: Tr,
    me: Option<Me>,
    other_lang: &'static str,
    title: String,
    message: String,
    params: Vec<ParamError>,
    back: String,
    back_label: String,
}

/// A page that could not be shown, as the one error page renders it
/// (boxed: it travels in every page handler's `Err`).
#[derive(Debug)]
pub struct PageFail(Box<Fail>);

#[derive(Debug)]
struct Fail {
    ctx: Ctx,
    me: Option<Me>,
    status: StatusCode,
    message: String,
    params: Vec<ParamError>,
    back: String,
}

impl PageFail {
    /// An error of the web layer (not found, forbidden, conflict, …); a
    /// server fault is logged here and never shown.
    pub fn error(ctx: &Ctx, me: Option<Me>, e: WebError) -> PageFail {
        if let WebError::Server(detail) = &e {
            tracing::error!(%detail, "page failed");
        }
        PageFail(Box::new(Fail {
            message: e.message(ctx.lang),
            status: e.status(),
            ctx: ctx.clone(),
            me,
            params: Vec::new(),
            back: "/".to_string(),
        }))
    }

    /// The HTTP status this failure answers with.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }
}

impl IntoResponse for PageFail {
    fn into_response(self) -> Response {
        let f = *self.0;
        let lang = f.ctx.lang;
        let back_label = if f.back == "/" {
            t(lang, "error.back")
        } else {
            t(lang, "kit.back")
        };
        render(
            &ErrorPage {
                tr: f.ctx.tr(),
                me: f.me,
                other_lang: other_lang(lang),
                title: t(lang, "error.title").to_string(),
                message: f.message,
                params: f.params,
                back: f.back,
                back_label: back_label.to_string(),
            },
            f.status,
        )
    }
}

/// An error as a page in the user's language (for handlers that have no
/// signed-in user yet, e.g. sign-in itself).
pub fn error_page(ctx: &Ctx, e: WebError, me: Option<Me>) -> Response {
    PageFail::error(ctx, me, e).into_response()
}

impl SignedIn {
    /// Runs store work on a blocking thread with this user's scope; any
    /// error becomes the error page with the signed-in header.
    pub async fn run<T, F>(&self, st: &AppState, f: F) -> Result<T, PageFail>
    where
        F: FnOnce(&Db, &Scope) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (db, scope) = (st.db.clone(), self.scope.clone());
        match tokio::task::spawn_blocking(move || f(&db, &scope)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.fail(e)),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// An error as the error page, with the signed-in header.
    pub fn fail(&self, e: impl Into<WebError>) -> PageFail {
        PageFail::error(&self.ctx, Some(self.me()), e.into())
    }

    /// A 400 page naming each refused query parameter and why, with a link
    /// back to `back`.
    pub fn bad_params(&self, params: Vec<ParamError>, back: &str) -> PageFail {
        PageFail(Box::new(Fail {
            ctx: self.ctx.clone(),
            me: Some(self.me()),
            status: StatusCode::BAD_REQUEST,
            message: t(self.ctx.lang, "kit.param.title").to_string(),
            params,
            back: back.to_string(),
        }))
    }

    /// A refusal with its own message (e.g. no grant to a register).
    pub fn refuse(&self, status: StatusCode, message: String) -> PageFail {
        PageFail(Box::new(Fail {
            ctx: self.ctx.clone(),
            me: Some(self.me()),
            status,
            message,
            params: Vec::new(),
            back: "/".to_string(),
        }))
    }

    /// The caller's role allows `p`, else the 403 page. (The store checks
    /// again; this only answers before a form is read.)
    pub fn require(&self, p: Permission) -> Result<(), PageFail> {
        if self.scope.can(p) {
            Ok(())
        } else {
            Err(self.fail(WebError::Forbidden))
        }
    }

    /// The checks every changing form passes first, in this order: the
    /// session's CSRF token (403), then a role with `p` (403).
    pub fn change_allowed(&self, csrf: &str, p: Permission) -> Result<(), PageFail> {
        self.check_csrf(csrf).map_err(|e| self.fail(e))?;
        self.require(p)
    }

    /// A store refusal of query parameters as the 400 page naming them (the
    /// store's `org_code` is the `org` parameter); other errors as usual.
    pub fn report_fail(&self, e: WebError, back: &str) -> PageFail {
        match e {
            WebError::Invalid(fields) if !fields.is_empty() => {
                let params = fields
                    .iter()
                    .map(|f| {
                        let param = match f.field.as_str() {
                            "org_code" => "org",
                            other => other,
                        };
                        ParamError::new(param, f.message(self.ctx.lang))
                    })
                    .collect();
                self.bad_params(params, back)
            }
            e => self.fail(e),
        }
    }
}

/// `.page(&me)?`: a web or store error as the signed-in error page.
pub trait OrPage<T> {
    fn page(self, me: &SignedIn) -> Result<T, PageFail>;
}

impl<T> OrPage<T> for Result<T, WebError> {
    fn page(self, me: &SignedIn) -> Result<T, PageFail> {
        self.map_err(|e| me.fail(e))
    }
}

impl<T> OrPage<T> for Result<T, StoreError> {
    fn page(self, me: &SignedIn) -> Result<T, PageFail> {
        self.map_err(|e| me.fail(e))
    }
}
