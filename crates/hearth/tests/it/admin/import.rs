//! The person import page through real HTTP on 127.0.0.1:0, on both
//! backends: dry run, row-by-row report, confirmation, scope and roles.

use super::screens::*;
use crate::kit::http::*;
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::user::Role;

/// A bad check character for a valid ID number.
fn bad_checksum(id: &str) -> String {
    let mut s = id.to_string();
    let last = if s.ends_with('1') { '2' } else { '1' };
    s.pop();
    s.push(last);
    s
}

both!(import_dry_run_report_then_confirm, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "v01b", Role::VillageSpecialist, V1);
    let csv = format!(
        "姓名,身份证号,性别,村代码,户编号,与户主关系\n\
         王建国,{},男,{V1},0001,户主\n\
         张晓梅,{},女,{V1},0001,配偶\n\
         李秀英,{},女,{V1},0002,户主\n",
        rid(1985, 11),
        bad_checksum(&rid(1987, 22)),
        rid(1960, 44),
    );
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let v01 = session(&c, &base, "v01", PASSWORD).await;

        // The page documents the columns and offers the template.
        let (status, html) = get(&c, &base, &v01, "/import").await;
        assert_eq!(status, 200);
        assert!(html.contains("<td>身份证号</td>") && html.contains("<td>resident_id</td>"));
        assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
        let csrf = csrf_of(&html);
        let res = c
            .get(format!("{base}/import/template.csv"))
            .header("cookie", &v01)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.text()
                .await
                .unwrap_or_default()
                .starts_with("\u{feff}姓名,身份证号")
        );

        // Dry run: the bad row by number, column and message; nothing written.
        let (status, html) =
            upload(&c, &base, &v01, Some(&csrf), "persons.csv", csv.as_bytes()).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("<td>3</td><td>身份证号</td><td>校验码错误，请核对号码</td>"),
            "{html}"
        );
        assert!(html.contains("试运行"), "{html}");
        assert_eq!(persons(&t.db).await, 0);
        let id = html
            .split("name=\"id\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("")
            .to_string();
        assert_eq!(id.len(), 32, "{html}");

        // The report as JSON, for its owner only.
        let (status, json) = get(&c, &base, &v01, &format!("/import/report.json?id={id}")).await;
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(json[0]["row"], 3);
        assert_eq!(json[0]["column"], "身份证号");
        let other = session(&c, &base, "v01b", PASSWORD).await;
        let (_, other_home) = get(&c, &base, &other, "/import").await;
        assert_eq!(
            get(&c, &base, &other, &format!("/import/report.json?id={id}"))
                .await
                .0,
            404
        );
        // Nor can someone else confirm it.
        let (status, _, _) = post(
            &c,
            &base,
            &other,
            "/import/confirm",
            &[("csrf", &csrf_of(&other_home)), ("id", &id)],
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(persons(&t.db).await, 0);

        // Confirmed: the valid rows are written, the bad one skipped.
        let (status, _, html) = post(
            &c,
            &base,
            &v01,
            "/import/confirm",
            &[("csrf", &csrf), ("id", &id)],
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("导入结果"), "{html}");
        assert_eq!(persons(&t.db).await, 2);
        // The kept file is gone: a second confirmation imports nothing.
        let (status, _, _) = post(
            &c,
            &base,
            &v01,
            "/import/confirm",
            &[("csrf", &csrf), ("id", &id)],
        )
        .await;
        assert_eq!(status, 404);
        let (status, _, _) = post(
            &c,
            &base,
            &v01,
            "/import/confirm",
            &[("csrf", &csrf), ("id", "../../etc/passwd")],
        )
        .await;
        assert_eq!(status, 404);

        // Files that cannot be imported are explained, never a 500.
        let (status, html) = upload(&c, &base, &v01, Some(&csrf), "persons.txt", b"hello").await;
        assert_eq!(status, 422);
        assert!(html.contains("不支持的文件类型"), "{html}");
        let (status, html) = upload(
            &c,
            &base,
            &v01,
            Some(&csrf),
            "persons.csv",
            "姓名,性别\n王建国,男\n".as_bytes(),
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("缺少必填列"), "{html}");
        let (status, _) = upload(&c, &base, &v01, Some(&csrf), "persons.csv", b"").await;
        assert_eq!(status, 422);
        let (status, _) = upload(&c, &base, &v01, Some(&csrf), "persons.xlsx", b"PK junk").await;
        assert_eq!(status, 422);
        let res = c
            .post(format!("{base}/import"))
            .header("cookie", &v01)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
    });
    // The real import is on the trail. (A dry run's own `import` entry is
    // rolled back with its transaction by the store.)
    let imports = rt.block_on(trail(&t.db, "import"));
    assert!(
        imports
            .iter()
            .any(|e| e.username == "v01"
                && e.detail.as_deref().is_some_and(|d| d.contains("created 2"))),
        "{imports:?}"
    );
});

both!(an_import_row_for_another_village_is_out_of_scope, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let csv = format!(
        "姓名,身份证号,村代码\n\
         王建国,{},{V1}\n\
         李秀英,{},{V2}\n",
        rid(1985, 11),
        rid(1960, 44),
    );
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let v01 = session(&c, &base, "v01", PASSWORD).await;
        let (_, page) = get(&c, &base, &v01, "/import").await;
        let csrf = csrf_of(&page);
        let (status, html) =
            upload(&c, &base, &v01, Some(&csrf), "persons.csv", csv.as_bytes()).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("<td>3</td><td>村代码</td><td>不在您的管辖范围内</td>"),
            "{html}"
        );
        assert!(!html.contains("<td>2</td><td>"), "{html}");
        assert_eq!(persons(&t.db).await, 0);
    });
});

both!(an_auditor_cannot_import, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "auditor", Role::Auditor, "370404");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let aud = session(&c, &base, "auditor", PASSWORD).await;
        assert_eq!(get(&c, &base, &aud, "/import").await.0, 403);
        assert_eq!(get(&c, &base, &aud, "/import/template.csv").await.0, 403);
        let (_, page) = get(&c, &base, &aud, "/audit").await;
        let (status, _) = upload(&c, &base, &aud, Some(&csrf_of(&page)), "persons.csv", b"x").await;
        assert_eq!(status, 403);
    });
});
