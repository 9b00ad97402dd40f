//! The real server on 127.0.0.1:0 against a test's database.

/// Starts the server on a free port; returns its base URL and a runtime
/// that keeps it alive.
pub fn spawn_app(db: hearth_store::Db) -> (String, tokio::runtime::Runtime) {
    spawn_app_with(hearth_web::AppState::new(db))
}

/// Starts the server with the given state (e.g. short session timeouts).
pub fn spawn_app_with(state: hearth_web::AppState) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    rt.spawn(hearth_web::serve(listener, state, std::future::pending()));
    (format!("http://{addr}"), rt)
}
