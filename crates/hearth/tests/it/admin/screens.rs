//! Administration and oversight screens through real HTTP on 127.0.0.1:0,
//! on both backends: the audit trail and its export, user management, and
//! the import page (dry run, report, confirmation).

use crate::kit::http::*;
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::audit::{self, AuditFilter};
use hearth_store::users;

// ---- helpers ----------------------------------------------------------------

/// A multipart body with an optional `csrf` field and one file.
pub(super) fn multipart(csrf: Option<&str>, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let b = "----hearth-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    if let Some(c) = csrf {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

pub(super) async fn upload(
    c: &reqwest::Client,
    base: &str,
    cookie: &str,
    csrf: Option<&str>,
    file_name: &str,
    bytes: &[u8],
) -> (u16, String) {
    let (ct, body) = multipart(csrf, file_name, bytes);
    let res = c
        .post(format!("{base}/import"))
        .header("cookie", cookie)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

pub(super) fn auditor_scope() -> Scope {
    Scope::for_user("a", "audit-check", Role::Auditor, "370404", false, "x")
}

/// Runs a store call off the async threads (the PostgreSQL client blocks).
pub(super) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

pub(super) async fn trail(db: &hearth_store::Db, action: &str) -> Vec<audit::AuditEntry> {
    let (db, action) = (db.clone(), action.to_string());
    blocking(move || {
        audit::list(
            &db,
            &auditor_scope(),
            &AuditFilter {
                action: Some(action),
                ..AuditFilter::default()
            },
        )
        .unwrap()
    })
    .await
}

pub(super) async fn persons(db: &hearth_store::Db) -> i64 {
    let db = db.clone();
    blocking(move || {
        db.read(|tx| tx.query_one("SELECT COUNT(*) FROM person", &[])?.int(0))
            .unwrap_or(-1)
    })
    .await
}

pub(super) async fn user_id(db: &hearth_store::Db, username: &str) -> String {
    let (db, username) = (db.clone(), username.to_string());
    blocking(move || {
        users::list(&db, &Scope::system("test"))
            .unwrap()
            .into_iter()
            .find(|u| u.username == username)
            .map(|u| u.id)
            .unwrap_or_else(|| panic!("no user {username}"))
    })
    .await
}

// ---- the audit trail ------------------------------------------------------------

both!(auditor_reads_filters_and_exports_the_trail, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "auditor", Role::Auditor, "370404");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        assert_eq!(
            sign_in(&c, &base, "v01", "wrong-password").await.status(),
            401
        );
        let v01 = session(&c, &base, "v01", PASSWORD).await;
        let aud = session(&c, &base, "auditor", PASSWORD).await;

        // The home page sends an auditor to the trail.
        let res = c
            .get(format!("{base}/"))
            .header("cookie", &aud)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/audit")
        );

        // The whole trail: sign-ins in words, who, from where, in Beijing time.
        let (status, html) = get(&c, &base, &aud, "/audit").await;
        assert_eq!(status, 200);
        assert!(html.contains("<td>登录</td>"), "{html}");
        assert!(html.contains("<td>登录失败</td>"), "{html}");
        assert!(html.contains("<td>v01</td>"), "{html}");
        assert!(html.contains("127.0.0.1"), "{html}");
        let today = hearth_core::dates::fmt_date(hearth_core::dates::today());
        assert!(html.contains(&format!("<td>{today} ")), "{html}");
        // The trail has no edit or delete anywhere.
        assert!(!html.contains("method=\"post\" action=\"/audit"), "{html}");

        // Filtered by action: only failed sign-ins.
        let (status, html) = get(&c, &base, &aud, "/audit?action=sign_in_failed").await;
        assert_eq!(status, 200);
        assert!(html.contains("<td>登录失败</td>"), "{html}");
        assert!(!html.contains("<td>登录</td>"), "{html}");
        // By user and date range.
        let (_, html) = get(
            &c,
            &base,
            &aud,
            &format!("/audit?user=auditor&action=sign_in&from={today}&to={today}"),
        )
        .await;
        assert!(
            html.contains("<td>auditor</td>") && !html.contains("<td>v01</td>"),
            "{html}"
        );
        let (_, html) = get(&c, &base, &aud, "/audit?from=2999-01-01").await;
        assert!(html.contains("没有符合条件的记录"), "{html}");
        // A date that is not one is shown next to its field, never a 500.
        let (status, html) = get(&c, &base, &aud, "/audit?from=2024-13-45&page=x").await;
        assert_eq!(status, 422);
        assert!(html.contains("field-error"), "{html}");
        // English.
        let (_, html) = get(&c, &base, &aud, "/audit?lang=en&action=sign_in").await;
        assert!(html.contains("<td>Signed in</td>"), "{html}");

        // Reading the trail is not recorded; exporting it is.
        assert!(trail(&t.db, "export").await.is_empty());
        let res = c
            .get(format!("{base}/audit/export.csv?action=sign_in&lang=zh-CN"))
            .header("cookie", &aud)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(ct.starts_with("text/csv"), "{ct}");
        let csv = res.text().await.unwrap_or_default();
        assert!(csv.starts_with('\u{feff}'), "{csv}");
        assert!(csv.contains("\"v01\",\"sign_in\",\"登录\""), "{csv}");
        assert!(!csv.contains("sign_in_failed"), "{csv}");
        let exports = trail(&t.db, "export").await;
        assert_eq!(exports.len(), 1, "{exports:?}");
        assert_eq!(exports[0].username, "auditor");
        assert_eq!(exports[0].entity, "audit_log");
        assert_eq!(exports[0].origin, "127.0.0.1");
        assert!(
            exports[0]
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("action=sign_in")),
            "{exports:?}"
        );

        // A village specialist may neither read nor export the trail.
        assert_eq!(get(&c, &base, &v01, "/audit").await.0, 403);
        assert_eq!(get(&c, &base, &v01, "/audit/export.csv").await.0, 403);
        assert_eq!(trail(&t.db, "export").await.len(), 1);
        // And the trail has no write route at all.
        let (status, _, _) = post(&c, &base, &aud, "/audit", &[]).await;
        assert_eq!(status, 405);
    });
});

both!(the_trail_pages, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "auditor", Role::Auditor, "370404");
    // 60 entries beyond the sign-in: more than one page of 50.
    let sys = Scope::system("test");
    for i in 0..60 {
        t.db.write(|tx| {
            audit::record(
                tx,
                &sys,
                audit::Action::View,
                "person",
                Some(&format!("p{i:03}")),
                None,
            )
        })
        .unwrap();
    }
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let aud = session(&c, &base, "auditor", PASSWORD).await;
        let (_, p1) = get(&c, &base, &aud, "/audit?entity=person").await;
        assert_eq!(p1.matches("<td>查看</td>").count(), 50, "{p1}");
        // The next page keeps the filters (`&` escaped in the attribute).
        assert!(
            p1.contains("href=\"/audit?entity=person&#38;page=2\"")
                || p1.contains("href=\"/audit?entity=person&amp;page=2\""),
            "{p1}"
        );
        let (_, p2) = get(&c, &base, &aud, "/audit?entity=person&page=2").await;
        assert_eq!(p2.matches("<td>查看</td>").count(), 10, "{p2}");
        assert!(p2.contains("page=1"), "{p2}");
        // The export streams them all, oldest last.
        let csv = c
            .get(format!("{base}/audit/export.csv?entity=person"))
            .header("cookie", &aud)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        assert_eq!(csv.lines().count(), 61, "{csv}");
        // A query that cannot be read is refused, not widened to everything.
        assert_eq!(
            get(
                &c,
                &base,
                &aud,
                "/audit/export.csv?entity=person&entity=user"
            )
            .await
            .0,
            422
        );
    });
    // The keyset cursor the export pages with: no entry twice, none lost,
    // even within one second.
    let page = |before: Option<(String, String)>| {
        audit::list(
            &t.db,
            &auditor_scope(),
            &AuditFilter {
                entity: Some("person".into()),
                limit: 25,
                before,
                ..AuditFilter::default()
            },
        )
        .unwrap()
    };
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let batch = page(before.clone());
        let Some(last) = batch.last() else { break };
        before = Some((last.at.clone(), last.id.clone()));
        seen.extend(batch.into_iter().map(|e| e.entity_id.unwrap_or_default()));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((seen.len(), sorted.len()), (60, 60), "{seen:?}");
});

// ---- roles ------------------------------------------------------------------------

both!(a_village_specialist_is_refused_the_admin_screens, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    let vid = rt.block_on(user_id(&t.db, "v01"));
    rt.block_on(async {
        let c = client();
        let v01 = session(&c, &base, "v01", PASSWORD).await;
        assert_eq!(get(&c, &base, &v01, "/audit").await.0, 403);
        assert_eq!(get(&c, &base, &v01, "/admin/users").await.0, 403);
        // With her own valid CSRF token she still cannot change accounts.
        let (_, home) = get(&c, &base, &v01, "/").await;
        let csrf = csrf_of(&home);
        let (status, _, _) = post(
            &c,
            &base,
            &v01,
            &format!("/admin/users/{vid}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 403);
        // Not signed in: sent to sign in.
        let res = c.get(format!("{base}/admin/users")).send().await.unwrap();
        assert_eq!(res.status(), 303);
    });
});

// ---- users --------------------------------------------------------------------------

both!(admin_creates_resets_disables_and_enables_users, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "admin", Role::Admin, "370404");
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let adm = session(&c, &base, "admin", PASSWORD).await;
        let (status, html) = get(&c, &base, &adm, "/admin/users").await;
        assert_eq!(status, 200);
        assert!(html.contains("<td>v01</td>"), "{html}");
        assert!(html.contains("村计生专干"), "{html}");
        assert!(html.contains("万年闸村（370404100201）"), "{html}");
        let csrf = csrf_of(&html);
        let users_url = "/admin/users".to_string();

        // A taken user name: the message sits under the user name field,
        // and the form comes back as typed.
        let (status, _, html) = post(
            &c,
            &base,
            &adm,
            &users_url,
            &[
                ("csrf", &csrf),
                ("username", "v01"),
                ("display_name", "王芳"),
                ("role", "village_specialist"),
                ("org_code", V2),
                ("password", "new-user-pass"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("id=\"username-error\" role=\"alert\">该用户名已被使用"),
            "{html}"
        );
        assert!(html.contains("value=\"王芳\""), "{html}");
        // Several problems at once, each under its field.
        let (status, _, html) = post(
            &c,
            &base,
            &adm,
            &users_url,
            &[
                ("csrf", &csrf),
                ("username", "Bad Name"),
                ("display_name", ""),
                ("role", "boss"),
                ("org_code", "370404100299"),
                ("password", "short"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        for field in ["username", "display_name", "role", "password"] {
            assert!(
                html.contains(&format!("id=\"{field}-error\"")),
                "{field}: {html}"
            );
        }
        // An org unit that does not exist.
        let (status, _, html) = post(
            &c,
            &base,
            &adm,
            &users_url,
            &[
                ("csrf", &csrf),
                ("username", "v02"),
                ("display_name", "王芳"),
                ("role", "village_specialist"),
                ("org_code", "370404100299"),
                ("password", "new-user-pass"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"org_code-error\""), "{html}");

        // Created; the new account signs in.
        let (status, loc, _) = post(
            &c,
            &base,
            &adm,
            &users_url,
            &[
                ("csrf", &csrf),
                ("username", "v02"),
                ("display_name", "王芳"),
                ("role", "village_specialist"),
                ("org_code", V2),
                ("password", "new-user-pass"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert!(loc.starts_with("/admin/users?done=created"), "{loc}");
        let (_, html) = get(&c, &base, &adm, &loc).await;
        assert!(html.contains("已创建用户：v02"), "{html}");
        let v02_old = session(&c, &base, "v02", "new-user-pass").await;
        let v02 = user_id(&t.db, "v02").await;

        // Reset: a weak password is refused on that user's row.
        let reset = format!("/admin/users/{v02}/reset-password");
        let (status, _, html) = post(
            &c,
            &base,
            &adm,
            &reset,
            &[("csrf", &csrf), ("password", "short")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("field-error"), "{html}");
        let (status, loc, _) = post(
            &c,
            &base,
            &adm,
            &reset,
            &[("csrf", &csrf), ("password", "reset-pass-22")],
        )
        .await;
        assert_eq!(status, 303, "{loc}");
        // The old session and the old password are gone; the new one works.
        assert_eq!(get(&c, &base, &v02_old, "/").await.0, 303);
        assert_eq!(
            sign_in(&c, &base, "v02", "new-user-pass").await.status(),
            401
        );
        let v02_session = session(&c, &base, "v02", "reset-pass-22").await;
        assert_eq!(get(&c, &base, &v02_session, "/").await.0, 200);

        // Disabled: the live session stops working and sign-in fails.
        let (status, _, _) = post(
            &c,
            &base,
            &adm,
            &format!("/admin/users/{v02}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 303);
        let res = c
            .get(format!("{base}/"))
            .header("cookie", &v02_session)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/sign-in?expired=1")
        );
        assert_eq!(
            sign_in(&c, &base, "v02", "reset-pass-22").await.status(),
            401
        );
        let (_, html) = get(&c, &base, &adm, &users_url).await;
        assert!(html.contains("已停用"), "{html}");

        // Enabled again: she signs in.
        let (status, _, _) = post(
            &c,
            &base,
            &adm,
            &format!("/admin/users/{v02}/enable"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 303);
        session(&c, &base, "v02", "reset-pass-22").await;

        // An administrator cannot disable their own account.
        let me = user_id(&t.db, "admin").await;
        let (status, _, html) = post(
            &c,
            &base,
            &adm,
            &format!("/admin/users/{me}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("不能停用自己的账号"), "{html}");
        // An unknown account: 404, not 500.
        let (status, _, _) = post(
            &c,
            &base,
            &adm,
            "/admin/users/nobody/reset-password",
            &[("csrf", &csrf), ("password", "reset-pass-22")],
        )
        .await;
        assert_eq!(status, 404);
    });
    // Every change is on the trail, with who did it.
    let updates = rt.block_on(trail(&t.db, "update"));
    for detail in ["password_reset", "disabled", "enabled"] {
        assert!(
            updates
                .iter()
                .any(|e| e.username == "admin" && e.detail.as_deref() == Some(detail)),
            "{detail}: {updates:?}"
        );
    }
    assert!(
        rt.block_on(trail(&t.db, "create"))
            .iter()
            .any(|e| e.entity == "user" && e.detail.as_deref() == Some("v02"))
    );
});

// ---- CSRF ------------------------------------------------------------------------

both!(every_admin_post_needs_the_csrf_token, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "admin", Role::Admin, "370404");
    let vid = add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let csv = format!("姓名,身份证号,村代码\n王建国,{},{V1}\n", rid(1985, 11));
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let adm = session(&c, &base, "admin", PASSWORD).await;
        let (_, page) = get(&c, &base, &adm, "/import").await;
        let csrf = csrf_of(&page);
        // A real upload to have a real id to confirm.
        let (status, html) =
            upload(&c, &base, &adm, Some(&csrf), "persons.csv", csv.as_bytes()).await;
        assert_eq!(status, 200, "{html}");
        let id = html
            .split("name=\"id\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("")
            .to_string();

        let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/admin/users".to_string(),
                vec![
                    ("username", "v09"),
                    ("display_name", "王芳"),
                    ("role", "village_specialist"),
                    ("org_code", V1),
                    ("password", "new-user-pass"),
                ],
            ),
            (
                format!("/admin/users/{vid}/reset-password"),
                vec![("password", "reset-pass-22")],
            ),
            (format!("/admin/users/{vid}/disable"), vec![]),
            (format!("/admin/users/{vid}/enable"), vec![]),
            ("/import/confirm".to_string(), vec![("id", id.as_str())]),
        ];
        for (url, fields) in &forms {
            // Without a token, and with a wrong one.
            let (status, _, _) = post(&c, &base, &adm, url, fields).await;
            assert_eq!(status, 403, "{url}");
            let mut forged = fields.clone();
            forged.push(("csrf", "forged"));
            let (status, _, _) = post(&c, &base, &adm, url, &forged).await;
            assert_eq!(status, 403, "{url}");
        }
        let (status, _) = upload(&c, &base, &adm, None, "persons.csv", csv.as_bytes()).await;
        assert_eq!(status, 403);
        let (status, _) = upload(
            &c,
            &base,
            &adm,
            Some("forged"),
            "persons.csv",
            csv.as_bytes(),
        )
        .await;
        assert_eq!(status, 403);
    });
    // Nothing happened.
    assert!(
        users::list(&t.db, &Scope::system("test"))
            .unwrap_or_default()
            .iter()
            .all(|u| u.username != "v09" && !u.disabled)
    );
    assert_eq!(rt.block_on(persons(&t.db)), 0);
    assert!(
        sign_in_works(&t.db, "v01", PASSWORD),
        "the password was not reset"
    );
});

pub(super) fn sign_in_works(db: &hearth_store::Db, user: &str, pw: &str) -> bool {
    hearth_store::auth::sign_in(
        db,
        &hearth_store::auth::AuthConfig::default(),
        user,
        pw,
        "test",
        chrono::Utc::now(),
    )
    .is_ok()
}
