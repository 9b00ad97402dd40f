//! Hearth's web server: the HTTP entry point — routes, shared state,
//! middleware (security headers, language), and serving on a bound listener.
#![forbid(unsafe_code)]

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hearth_store::{Backend, Db};
use std::net::SocketAddr;
use tokio::net::TcpListener;

// The shell: state, sessions, errors, catalogues, the API's shell, the kit.
pub mod api;
pub mod error;
pub mod i18n;
pub mod kit;
pub mod pages;
pub mod security;
pub mod session;
mod xlsx;

// The workflows, one folder each, meeting only through the kit and the
// seams listed here.
pub mod admin;
pub mod enforcement;
pub mod follow_up;
pub mod pregnancy;
pub mod register;
pub mod stats;

/// The person page's panels, one per workflow that shows something on a
/// person's page, in the order they appear (see `kit::panel`).
pub const PERSON_PANELS: &[kit::panel::PanelFn] = &[
    pregnancy::panel::person_panel,
    follow_up::panel::person_panel,
];

/// Shared state handed to every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub auth: hearth_store::auth::AuthConfig,
    /// Mark cookies Secure even without a TLS hint from a proxy.
    pub secure_cookies: bool,
}

impl AppState {
    /// State with the default session and throttling settings.
    pub fn new(db: Db) -> AppState {
        AppState {
            db,
            auth: hearth_store::auth::AuthConfig::default(),
            secure_cookies: false,
        }
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", axum::routing::post(pages::sign_out))
        .route(
            "/password",
            get(pages::password_form).post(pages::change_password),
        )
        .route("/assets/app.css", get(stylesheet))
        .route("/healthz", get(healthz))
        .merge(register::routes())
        .merge(pregnancy::routes())
        .merge(follow_up::routes())
        .merge(stats::routes())
        .merge(enforcement::routes())
        .merge(admin::routes())
        .merge(api::routes())
        .with_state(state)
        .layer(axum::middleware::from_fn(session::remember_lang))
        .layer(axum::middleware::from_fn(security::headers))
}

/// Serves the app on an already-bound listener until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn healthz(State(st): State<AppState>) -> Response {
    let db = st.db.clone();
    let ok = tokio::task::spawn_blocking(move || {
        db.read(|tx| {
            tx.query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .int(0)
        })
    })
    .await;
    let backend = match st.db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    match ok {
        Ok(Ok(n)) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok", "database": backend, "migrations": n})),
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable", "database": backend})),
            )
                .into_response()
        }
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/app.css"),
    )
}
