//! Hearth's web server: the HTTP entry point. For now it serves a health
//! check and a placeholder home page; the register's screens and the JSON
//! API build on this router.
#![forbid(unsafe_code)]

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use hearth_store::{Backend, Db};
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub mod i18n;
pub mod security;

/// Shared state handed to every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .with_state(state)
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
            Ok(tx
                .query_one("SELECT COUNT(*) FROM schema_migrations", &[])?
                .i64(0))
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

async fn home() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Html(include_str!("home.html")),
    )
}
