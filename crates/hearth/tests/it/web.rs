//! The web server answers on 127.0.0.1:0 against a fresh database.

use super::*;
use crate::kit::server::spawn_app;

both!(health_check_reports_the_backend, |kind| {
    let t = TestDb::new(kind);
    let (base, rt) = spawn_app(t.db.clone());
    let body: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let expected = if kind == Kind::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], expected);
    assert_eq!(body["migrations"], hearth_store::migrate::latest_version());
    let (headers, home) = rt.block_on(async {
        let r = reqwest::get(format!("{base}/"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let h = r.headers().clone();
        (h, r.text().await.unwrap_or_default())
    });
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let csp = header("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert!(home.contains("乡镇计生与妇幼健康服务管理系统"));
});
