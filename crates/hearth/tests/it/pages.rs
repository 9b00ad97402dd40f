//! Sign-in, sessions, CSRF and the home page through real HTTP on
//! 127.0.0.1:0, on both backends.

use super::*;
use crate::kit::http::*;
use crate::kit::server::spawn_app;
use hearth_core::scope::Scope;

both!(sign_in_home_and_sign_out, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", hearth_core::user::Role::VillageSpecialist, V1);
    let sys = Scope::system("test");
    hearth_store::register::create_person(
        &t.db,
        &sys,
        None,
        &person("张晓梅", &rid(1990, 2), V1),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    hearth_store::register::create_person(
        &t.db,
        &sys,
        None,
        &person("李秀英", &rid(1991, 4), V2),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        // Not signed in: the home page sends you to sign in.
        let res = c
            .get(format!("{base}/"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 303);
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/sign-in")
        );

        // Wrong password: same page, a message, no session.
        let res = sign_in(&c, &base, "v01", "wrong-password").await;
        assert_eq!(res.status(), 401);
        assert!(set_cookie(&res, "hearth_session").is_none());
        assert!(
            res.text()
                .await
                .unwrap_or_default()
                .contains("用户名或密码错误")
        );
        // Unknown user: the very same message.
        let res = sign_in(&c, &base, "nobody", "wrong-password").await;
        assert_eq!(res.status(), 401);
        assert!(
            res.text()
                .await
                .unwrap_or_default()
                .contains("用户名或密码错误")
        );

        // A sign-in without the form's token is refused.
        let res = c
            .post(format!("{base}/sign-in"))
            .form(&[("username", "v01"), ("password", PASSWORD), ("csrf", "x")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 403);

        // Right password: a session cookie, HttpOnly and SameSite=Strict.
        let res = sign_in(&c, &base, "v01", PASSWORD).await;
        assert_eq!(res.status(), 303);
        let raw = set_cookie_header(&res, "hearth_session").unwrap_or_else(|| panic!("no session"));
        let session = set_cookie(&res, "hearth_session").unwrap_or_default();
        assert!(
            raw.contains("HttpOnly") && raw.contains("SameSite=Strict"),
            "{raw}"
        );

        // Home shows her village only: one resident, not two.
        let res = c
            .get(format!("{base}/"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap_or_default();
        assert!(html.contains("万年闸村"), "{html}");
        assert!(html.contains("<b>1</b>"), "{html}");
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("")
            .to_string();
        assert!(!csrf.is_empty());

        // English on request.
        let res = c
            .get(format!("{base}/?lang=en"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            res.text()
                .await
                .unwrap_or_default()
                .contains("Women aged 15–49")
        );

        // Sign-out needs the session's CSRF token.
        let res = c
            .post(format!("{base}/sign-out"))
            .header("cookie", &session)
            .form(&[("csrf", "forged")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 403);
        let res = c
            .post(format!("{base}/sign-out"))
            .header("cookie", &session)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 303);
        // The old cookie no longer works.
        let res = c
            .get(format!("{base}/"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 303);
    });
    // Sign-in, failures and sign-out are on the audit trail with the address.
    let auditor = Scope::for_user(
        "a",
        "auditor",
        hearth_core::user::Role::Auditor,
        "370404",
        false,
        "x",
    );
    let trail = hearth_store::audit::list(
        &t.db,
        &auditor,
        &hearth_store::audit::AuditFilter::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for action in ["sign_in", "sign_in_failed", "sign_out"] {
        assert!(
            trail
                .iter()
                .any(|e| e.action == action && e.origin == "127.0.0.1"),
            "{action}: {trail:?}"
        );
    }
});

both!(repeated_failures_lock_the_account, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", hearth_core::user::Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        for _ in 0..5 {
            let res = sign_in(&c, &base, "v01", "wrong-password").await;
            assert_eq!(res.status(), 401);
        }
        // Now even the right password is refused for a while.
        let res = sign_in(&c, &base, "v01", PASSWORD).await;
        assert_eq!(res.status(), 401);
        assert!(set_cookie(&res, "hearth_session").is_none());
        assert!(
            res.text()
                .await
                .unwrap_or_default()
                .contains("登录失败次数过多")
        );
    });
});

both!(
    password_change_needs_the_old_password_and_takes_effect,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", hearth_core::user::Role::VillageSpecialist, V1);
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let res = sign_in(&c, &base, "v01", PASSWORD).await;
            let session =
                set_cookie(&res, "hearth_session").unwrap_or_else(|| panic!("no session"));
            let page = c
                .get(format!("{base}/password"))
                .header("cookie", &session)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .text()
                .await
                .unwrap_or_default();
            let csrf = page
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .to_string();
            let post = |old: &'static str, new: &'static str, again: &'static str| {
                let c = c.clone();
                let (base, session, csrf) = (base.clone(), session.clone(), csrf.clone());
                async move {
                    c.post(format!("{base}/password"))
                        .header("cookie", session)
                        .form(&[
                            ("csrf", csrf.as_str()),
                            ("old_password", old),
                            ("new_password", new),
                            ("new_password_again", again),
                        ])
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{e}"))
                }
            };
            let res = post("not-the-old-one", "brand-new-pass", "brand-new-pass").await;
            assert_eq!(res.status(), 422);
            let res = post(PASSWORD, "brand-new-pass", "brand-new-pasX").await;
            assert_eq!(res.status(), 422);
            assert!(
                res.text()
                    .await
                    .unwrap_or_default()
                    .contains("两次输入的新密码不一致")
            );
            let res = post(PASSWORD, "short", "short").await;
            assert_eq!(res.status(), 422);
            let res = post(PASSWORD, "brand-new-pass", "brand-new-pass").await;
            assert_eq!(res.status(), 200);
            assert_eq!(sign_in(&c, &base, "v01", PASSWORD).await.status(), 401);
            assert_eq!(
                sign_in(&c, &base, "v01", "brand-new-pass").await.status(),
                303
            );
        });
    }
);

both!(an_idle_session_expires, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", hearth_core::user::Role::VillageSpecialist, V1);
    let mut state = hearth_web::AppState::new(t.db.clone());
    state.auth.idle_timeout = std::time::Duration::from_secs(1);
    let (base, rt) = crate::kit::server::spawn_app_with(state);
    rt.block_on(async {
        let c = client();
        let res = sign_in(&c, &base, "v01", PASSWORD).await;
        let session = set_cookie(&res, "hearth_session").unwrap_or_else(|| panic!("no session"));
        let res = c
            .get(format!("{base}/"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let res = c
            .get(format!("{base}/"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 303);
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/sign-in?expired=1")
        );
    });
});
