//! The enforcement register's screens through real HTTP on 127.0.0.1:0,
//! signed in through the real /sign-in form, on both backends: refused
//! without the grant, granted on the users page, a case's form with its
//! field errors, a retried submit, an edit and a stale one, the audit of
//! every view, and the grant withdrawn.

use crate::kit::http::*;
use crate::kit::server::spawn_app;
use crate::*;

both!(
    enforcement_register_needs_the_grant_and_refuses_stale_edits,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        let town_id = add_user(&t.db, "town1", Role::TownStaff, TOWN);
        add_user(&t.db, "admin1", Role::Admin, "370404");
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = page_session(&c, &base, "town1").await;
            let (status, html) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 403);
            assert!(html.contains("您没有查看两非案件登记簿的授权"), "{html}");
            let (status, _) = get(&c, &base, &s, "/enforcement/new").await;
            assert_eq!(status, 403);
            // She cannot grant it to herself either.
            let grant_path = format!("/admin/users/{town_id}/enforcement");
            let (status, _, _) = post(
                &c,
                &base,
                &s,
                &grant_path,
                &[("csrf", &csrf), ("granted", "1")],
            )
            .await;
            assert_eq!(status, 403);

            // An administrator grants it on the users page.
            let (a, acsrf) = page_session(&c, &base, "admin1").await;
            let (_, users) = get(&c, &base, &a, "/admin/users").await;
            assert!(
                users.contains(&format!("action=\"{grant_path}\"")),
                "{users}"
            );
            let (status, loc, _) = post(
                &c,
                &base,
                &a,
                &grant_path,
                &[("csrf", &acsrf), ("granted", "1")],
            )
            .await;
            assert_eq!(status, 303);
            assert!(loc.starts_with("/admin/users?done=granted"), "{loc}");
            let (_, users) = get(&c, &base, &a, &loc).await;
            assert!(users.contains("已授予两非案件登记簿查看权"));

            let (status, html) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains("没有案件"));

            // A new case with bad input: the form again, each message by its field.
            let (_, form) = get(&c, &base, &s, "/enforcement/new").await;
            let client_id = field_value(&form, "client_id");
            assert!(!client_id.is_empty());
            let mut fields = vec![
                ("csrf", csrf.clone()),
                ("client_id", client_id.clone()),
                ("org_code", V1.to_string()),
                ("kind", "sex_identification".into()),
                ("occurred_on", "2024-05-06".into()),
                ("place", "".into()),
                ("description", "私人诊所用 B 超鉴定胎儿性别".into()),
                ("penalty", "没收设备".into()),
                ("fine_yuan", "5000".into()),
                ("status", "investigating".into()),
                ("item_kind_1", "B 超机".into()),
                ("item_count_1", "一台".into()),
                ("item_kind_2", "药品".into()),
                ("item_count_2", "30".into()),
            ];
            let send = |f: Vec<(&'static str, String)>| -> Vec<(String, String)> {
                f.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            };
            let post_pairs = |path: String, pairs: Vec<(String, String)>| {
                let c = c.clone();
                let base = base.clone();
                let s = s.clone();
                async move {
                    let refs: Vec<(&str, &str)> = pairs
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    post(&c, &base, &s, &path, &refs).await
                }
            };
            let (status, _, page) =
                post_pairs("/enforcement/new".into(), send(fields.clone())).await;
            assert_eq!(status, 422, "{page}");
            assert!(page.contains("id=\"place-error\""), "{page}");
            assert!(
                page.contains("应为数字"),
                "the item count's message: {page}"
            );
            assert!(
                page.contains("私人诊所用 B 超鉴定胎儿性别"),
                "typed values kept"
            );

            for f in fields.iter_mut() {
                match f.0 {
                    "place" => f.1 = "某镇某诊所".into(),
                    "item_count_1" => f.1 = "1".into(),
                    _ => {}
                }
            }
            let (status, loc, page) =
                post_pairs("/enforcement/new".into(), send(fields.clone())).await;
            assert_eq!(status, 303, "{page}");
            assert!(loc.starts_with("/enforcement/"), "{loc}");
            // A retried submit with the same client id opens no second case.
            let (status, loc2, _) =
                post_pairs("/enforcement/new".into(), send(fields.clone())).await;
            assert_eq!((status, loc2.as_str()), (303, loc.as_str()));

            let (status, list) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 200);
            assert_eq!(list.matches("<tr id=\"case-").count(), 1, "{list}");
            assert!(
                list.contains("某镇某诊所")
                    && list.contains("B 超机 × 1")
                    && list.contains("药品 × 30")
            );
            assert!(list.contains("调查中") && list.contains("非医学需要胎儿性别鉴定"));

            // Edit: the first save works, the same version again is a conflict.
            let (status, page) = get(&c, &base, &s, &loc).await;
            assert_eq!(status, 200, "{page}");
            let version = field_value(&page, "version");
            assert_eq!(version, "1");
            assert_eq!(field_value(&page, "item_kind_2"), "药品");
            let mut edit: Vec<(&'static str, String)> = fields
                .iter()
                .filter(|(k, _)| *k != "client_id")
                .cloned()
                .collect();
            edit.push(("version", version.clone()));
            for f in edit.iter_mut() {
                if f.0 == "status" {
                    f.1 = "closed".into();
                }
            }
            let (status, saved, _) = post_pairs(loc.clone(), send(edit.clone())).await;
            assert_eq!(status, 303);
            assert!(saved.ends_with("?saved=1"));
            let (_, page) = get(&c, &base, &s, &saved).await;
            assert!(page.contains("已结案") && page.contains("已保存"));
            for f in edit.iter_mut() {
                if f.0 == "penalty" {
                    f.1 = "罚款并吊销执业许可".into();
                }
            }
            let (status, _, page) = post_pairs(loc.clone(), send(edit)).await;
            assert_eq!(status, 409, "{page}");
            assert!(page.contains("该案件已被他人修改") && page.contains("id=\"case-conflict\""));
            assert_eq!(field_value(&page, "version"), "2");
            assert!(
                page.contains("罚款并吊销执业许可"),
                "what was typed is kept"
            );

            // Every view was audited.
            let views = audited(&t.db, "view", None, Some("town1")).await;
            assert!(views >= 4, "{views} views audited");

            // Withdrawn: refused again at once.
            let (status, loc, _) = post(
                &c,
                &base,
                &a,
                &grant_path,
                &[("csrf", &acsrf), ("granted", "0")],
            )
            .await;
            assert_eq!(
                (status, loc.starts_with("/admin/users?done=withdrawn")),
                (303, true)
            );
            let (status, _) = get(&c, &base, &s, "/enforcement").await;
            assert_eq!(status, 403);
        });
    }
);
