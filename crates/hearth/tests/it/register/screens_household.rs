//! The register screens for households and birth registrations through
//! real HTTP on 127.0.0.1:0, on both backends: members added, moved and
//! removed; registrations created, reviewed and cancelled.

use super::screens::*;
use crate::kit::http::{add_user, client, field_value};
use crate::kit::http::{field_block, get, page_session as sign_in, post};
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::id_number::mask_id;
use hearth_core::person::Relation;
use hearth_core::registration::RegistrationStatus;
use hearth_core::user::Role;
use hearth_store::register;

both!(screens_household_members_add_move_remove, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let h1 = add_household(&t.db, V1, "0001");
    let h2 = add_household(&t.db, V1, "0002");
    let head = add_person(
        &t.db,
        "张大山",
        &rid(1965, 3),
        V1,
        "",
        Some((&h1, Relation::Head)),
    );
    let rid_b = rid(1990, 2);
    let b = add_person(&t.db, "张晓梅", &rid_b, V1, "", None);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;
        let add = format!("/households/{h1}/members/add");
        // Add an existing person by resident ID.
        let (status, location, _) = post(
            &c,
            &base,
            &s,
            &add,
            &[
                ("csrf", &csrf),
                ("resident_id", &rid_b),
                ("relation", "daughter"),
            ],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, format!("/households/{h1}").as_str())
        );
        let (_, page) = get(&c, &base, &s, &format!("/households/{h1}")).await;
        assert!(page.contains("张晓梅") && page.contains(&mask_id(&rid_b)));
        assert!(!page.contains(&rid_b), "members show masked IDs only");
        // Twice is refused beside the field; an unknown ID too.
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &add,
            &[
                ("csrf", &csrf),
                ("resident_id", &rid_b),
                ("relation", "daughter"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(field_block(&html, "field-add-resident_id").contains("已是本户成员"));
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &add,
            &[
                ("csrf", &csrf),
                ("resident_id", &rid(1970, 40)),
                ("relation", "son"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(field_block(&html, "field-add-resident_id").contains("field-error"));

        // Move her to household 0002 as its head.
        let v = reload(&t.db, &b.id).version.to_string();
        let mv = format!("/households/{h1}/members/{}/move", b.id);
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &mv,
            &[
                ("csrf", &csrf),
                ("version", &v),
                ("to_number", "0404"),
                ("relation", "head"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            field_block(&html, &format!("field-to_number-{}", b.id)).contains("没有这个户编号")
        );
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &mv,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("to_number", "0002"),
                ("relation", "head"),
            ],
        )
        .await;
        assert_eq!(status, 409, "a stale member version is refused");
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &mv,
            &[
                ("csrf", &csrf),
                ("version", &v),
                ("to_number", "0002"),
                ("relation", "head"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let now = reload(&t.db, &b.id);
        assert_eq!(now.household_id.as_deref(), Some(h2.as_str()));
        assert_eq!(now.relation, Some(Relation::Head));
        let hv = sync(|| register::get_household(&t.db, &sys(), &h2)).unwrap();
        assert_eq!(hv.household.head_person_id.as_deref(), Some(b.id.as_str()));

        // Remove her from household 0002.
        let v = now.version.to_string();
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &format!("/households/{h2}/members/{}/remove", b.id),
            &[("csrf", &csrf), ("version", &v)],
        )
        .await;
        assert_eq!(status, 303);
        let now = reload(&t.db, &b.id);
        assert_eq!((now.household_id, now.relation), (None, None));
        let hv = sync(|| register::get_household(&t.db, &sys(), &h2)).unwrap();
        assert_eq!(hv.household.head_person_id, None);
        assert!(hv.members.is_empty());
        // The head of household 0001 is untouched.
        assert_eq!(
            reload(&t.db, &head.id).household_id.as_deref(),
            Some(h1.as_str())
        );

        // Address and flags, version-checked.
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &format!("/households/{h1}/edit"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("address", "新地址 8 号"),
                ("girl_family", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &format!("/households/{h1}/edit"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("address", "旧页面的地址"),
            ],
        )
        .await;
        assert_eq!(status, 409);
        assert!(
            html.contains("新地址 8 号") && html.contains("旧页面的地址"),
            "{html}"
        );

        // A new household, then a new person created in it.
        let (_, form) = get(&c, &base, &s, "/households/new").await;
        let cid = field_value(&form, "client_id");
        let (status, location, _) = post(
            &c,
            &base,
            &s,
            "/households/new",
            &[
                ("csrf", &csrf),
                ("client_id", &cid),
                ("village_code", V1),
                ("number", "0003"),
                ("address", "三号院"),
                ("family_planning", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let h3 = location.trim_start_matches("/households/").to_string();
        let (status, form) = get(&c, &base, &s, &format!("/persons/new?household={h3}")).await;
        assert_eq!(status, 200);
        assert_eq!(field_value(&form, "household_number"), "0003");
        let rid_c = rid(2015, 6);
        let (status, location, _) = post(
            &c,
            &base,
            &s,
            "/persons/new",
            &[
                ("csrf", &csrf),
                ("client_id", &field_value(&form, "client_id")),
                ("name", "张小雨"),
                ("resident_id", &rid_c),
                ("village_code", V1),
                ("household_number", "0003"),
                ("relation", "head"),
            ],
        )
        .await;
        assert_eq!((status, location), (303, format!("/households/{h3}")));
        let (_, page) = get(&c, &base, &s, &format!("/households/{h3}")).await;
        assert!(page.contains("张小雨") && page.contains("计生户"));
    });
    for detail in ["household_add", "household_move", "household_remove"] {
        assert!(has_entry(&t.db, "update", &b.id, detail), "{detail}");
    }
});

both!(screens_registration_create_review_cancel, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let rid_w = rid(1990, 2);
    let w = add_person(&t.db, "张晓梅", &rid_w, V1, "", None);
    let rid_h = rid(1988, 9);
    add_person(&t.db, "王强", &rid_h, V1, "", None);
    // An old registration of another couple, overdue for review.
    let w2 = add_person(&t.db, "刘芳", &rid(1992, 12), V1, "", None);
    let h2 = add_person(&t.db, "赵伟", &rid(1991, 11), V1, "", None);
    let (_, old) = add_couple_with_registration(&t.db, &w2.id, &h2.id, "SY-OLD", "2020-03-01");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;
        let person = format!("/persons/{}", w.id);
        // Link the husband as a couple from her page.
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &format!("{person}/couples"),
            &[
                ("csrf", &csrf),
                ("spouse_resident_id", &rid_h),
                ("marriage_date", "2015-05-01"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let ctx = sync(|| register::person_context(&t.db, &sys(), &w.id)).unwrap();
        let couple = ctx.couples[0].couple.id.clone();
        let create = format!("/couples/{couple}/registrations");
        // Bad input: each message beside its field, nothing created.
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &create,
            &[
                ("csrf", &csrf),
                ("from", &w.id),
                ("child_order", "x"),
                ("number", "SY-1"),
                ("issued_on", "2999-01-01"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(field_block(&html, &format!("field-child_order-{couple}")).contains("应为数字"));
        assert!(field_block(&html, &format!("field-issued_on-{couple}")).contains("不能晚于今天"));
        assert!(field_block(&html, &format!("field-number-{couple}")).contains("value=\"SY-1\""));
        let (status, location, _) = post(
            &c,
            &base,
            &s,
            &create,
            &[
                ("csrf", &csrf),
                ("from", &w.id),
                ("child_order", "1"),
                ("number", "SY-1"),
                ("issued_on", "2024-01-10"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert!(location.starts_with(&person), "{location}");
        let ctx = sync(|| register::person_context(&t.db, &sys(), &w.id)).unwrap();
        let r = ctx.couples[0].registrations[0].clone();
        assert_eq!(
            (r.number.as_str(), r.review_due.as_str()),
            ("SY-1", "2025-01-10")
        );
        let (_, page) = get(&c, &base, &s, &person).await;
        assert!(page.contains("SY-1") && page.contains(&format!("/registrations/{}/review", r.id)));

        // Annual review, the date defaulting to today.
        let review = format!("/registrations/{}/review", r.id);
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &review,
            &[
                ("csrf", &csrf),
                ("from", &w.id),
                ("version", "1"),
                ("on", ""),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let now = sync(|| register::get_registration(&t.db, &sys(), &r.id)).unwrap();
        let today_s = hearth_core::dates::fmt_date(today());
        assert_eq!(
            (now.last_reviewed_on.as_deref(), now.version),
            (Some(today_s.as_str()), 2)
        );
        // The same form again (stale): refused with a notice.
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &review,
            &[
                ("csrf", &csrf),
                ("from", &w.id),
                ("version", "1"),
                ("on", ""),
            ],
        )
        .await;
        assert_eq!(status, 409);
        assert!(html.contains("class=\"notice\""));

        // Cancel: a reason is required, beside its field.
        let cancel = format!("/registrations/{}/cancel", r.id);
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &cancel,
            &[
                ("csrf", &csrf),
                ("from", &w.id),
                ("version", "2"),
                ("reason", "  "),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            field_block(&html, &format!("field-reason-{}", r.id)).contains("必填"),
            "{html}"
        );
        let now = sync(|| register::get_registration(&t.db, &sys(), &r.id)).unwrap();
        assert_eq!(now.status, RegistrationStatus::Current);
        let (status, _, _) = post(
            &c,
            &base,
            &s,
            &cancel,
            &[
                ("csrf", &csrf),
                ("from", &w.id),
                ("version", "2"),
                ("reason", "夫妻双方自愿放弃"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let now = sync(|| register::get_registration(&t.db, &sys(), &r.id)).unwrap();
        assert_eq!(now.status, RegistrationStatus::Cancelled);
        assert_eq!(now.status_reason.as_deref(), Some("夫妻双方自愿放弃"));

        // The work list: the overdue registration, masked; not the cancelled one.
        let (status, html) = get(&c, &base, &s, "/registrations?due=1").await;
        assert_eq!(status, 200);
        assert!(html.contains("SY-OLD") && html.contains("刘芳"), "{html}");
        assert!(html.contains(&mask_id(&rid(1992, 12))));
        assert!(!html.contains(&rid(1992, 12)), "masked only");
        assert!(!html.contains("SY-1<"), "cancelled is not due");
        // A registration's own address leads to its page.
        let (status, _, _) =
            post(&c, &base, &s, "/registrations/x/review", &[("csrf", &csrf)]).await;
        assert_eq!(status, 404);
        let res = c
            .get(format!("{base}/registrations/{old}"))
            .header("cookie", &s)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    });
    assert!(
        sync(|| audit_trail(&t.db))
            .iter()
            .any(|e| e.entity == "birth_registration_due")
    );
    assert!(
        sync(|| audit_trail(&t.db))
            .iter()
            .any(|e| e.entity == "birth_registration" && e.detail.as_deref() == Some("review"))
    );
});
