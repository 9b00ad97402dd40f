//! The birth and infant-death screens through real HTTP on 127.0.0.1:0,
//! on both backends: antenatal checks, twins, two-person verification,
//! amendments, naming, stale versions and infant deaths.

use super::screens::{birth_ids, form_field, id_of, report, report_births, verify_birth};
use crate::kit::http::{add_user, client, field_value};
use crate::kit::http::{field_block, get, page_session as sign_in, post, section};
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::dates::fmt_date;
use hearth_core::user::Role;

both!(
    maternal_screens_check_twins_and_two_person_verification,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", Role::VillageSpecialist, V1);
        add_user(&t.db, "town", Role::TownStaff, TOWN);
        add_user(&t.db, "admin", Role::Admin, "370404");
        let w = add_woman(&t.db, V1, "王秀兰", 1);
        let household = w.household_id.clone().unwrap_or_default();
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = sign_in(&c, &base, "v01").await;
            let preg = report(&c, &base, &s, &csrf, &w.id, &days_ago(270), &days_ago(200)).await;

            // An antenatal check with its gestational week computed (200 - 270 = week 10).
            let (status, location, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{preg}/checks"),
                &[
                    ("csrf", &csrf),
                    ("checked_on", &days_ago(200)),
                    ("place", "古邵镇卫生院"),
                ],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            assert!(location.ends_with("#checks"));
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            let checks = section(&page, "checks");
            assert!(
                checks.contains("古邵镇卫生院") && checks.contains("<td>10</td>"),
                "{checks}"
            );
            // A check with no place: the message beside the field.
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{preg}/checks"),
                &[("csrf", &csrf), ("checked_on", &days_ago(100))],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-check-place").contains("必填"),
                "{body}"
            );

            // The form offers twins by re-rendering with two child blocks.
            let (_, twins_form) =
                get(&c, &base, &s, &format!("/pregnancies/{preg}?children=2")).await;
            assert!(
                twins_form.contains("name=\"sex_1\"") && twins_form.contains("name=\"sex_2\""),
                "{twins_form}"
            );

            // A bad weight for the second child lands beside that child's field.
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            let version = form_field(&page, &format!("/pregnancies/{preg}/births"), "version");
            let born = days_ago(1);
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{preg}/births"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("children", "2"),
                    ("sex_1", "male"),
                    ("born_on_1", &born),
                    ("place_1", "home"),
                    ("sex_2", "female"),
                    ("born_on_2", &born),
                    ("place_2", "home"),
                    ("weight_g_2", "90000"),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-weight_g-2").contains("应在 300 到 7000 之间"),
                "{body}"
            );
            assert!(!field_block(&body, "field-weight_g-1").contains("field-error"));

            // Twins: two births, one pregnancy closed as a live birth.
            let (status, location, body) =
                report_births(&c, &base, &s, &csrf, &preg, &born, &["male", "female"]).await;
            assert_eq!(status, 303, "{body}");
            assert!(location.starts_with(&format!("/pregnancies/{preg}")));
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            assert!(section(&page, "pregnancy").contains("活产"), "{page}");
            let births = birth_ids(&page);
            assert_eq!(births.len(), 2, "{page}");
            assert!(!page.contains(&format!("action=\"/pregnancies/{preg}/outcome\"")));

            // Both listed as unverified, with the split counted.
            let (_, list) = get(&c, &base, &s, "/births").await;
            for b in &births {
                let row = section(&list, &format!("birth-{b}"));
                assert!(row.contains("未核实"), "{row}");
            }
            assert!(
                list.contains("王秀兰之子") && list.contains("王秀兰之女"),
                "{list}"
            );
            let split = section(&list, "verification-split");
            assert!(split.contains("未核实 <b class=\"count\">2</b>"), "{split}");
            assert!(split.contains("已核实 <b class=\"count\">0</b>"), "{split}");
            // The children are members of her household.
            let (_, hh) = get(&c, &base, &s, &format!("/households/{household}")).await;
            assert!(
                hh.contains("王秀兰之子") && hh.contains("王秀兰之女"),
                "{hh}"
            );

            // First birth: the village specialist verifies the village step…
            let first = births[0].clone();
            let (_, page) = get(&c, &base, &s, &format!("/births/{first}")).await;
            assert!(page.contains("name=\"step\" value=\"village\""), "{page}");
            let (status, _, body) = verify_birth(&c, &base, &s, &csrf, &first, "village").await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &s, &format!("/births/{first}")).await;
            assert!(section(&page, "birth").contains("村已核实"), "{page}");
            // …and is told she cannot do the town step herself.
            assert!(!page.contains("name=\"step\""), "{page}");
            assert!(
                section(&page, "verification").contains("两次核实须由不同的人完成"),
                "{page}"
            );
            // Posting it anyway is refused with the reason.
            let (status, _, body) = verify_birth(&c, &base, &s, &csrf, &first, "town").await;
            assert_eq!(status, 422, "{body}");
            assert!(
                section(&body, "verification").contains("class=\"error\""),
                "{body}"
            );

            // A town staff member does the town step: verified.
            let (ts, tcsrf) = sign_in(&c, &base, "town").await;
            let (_, page) = get(&c, &base, &ts, &format!("/births/{first}")).await;
            assert!(page.contains("name=\"step\" value=\"town\""), "{page}");
            let (status, _, body) = verify_birth(&c, &base, &ts, &tcsrf, &first, "town").await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &ts, &format!("/births/{first}")).await;
            assert!(section(&page, "birth").contains("已核实"), "{page}");
            assert!(!section(&page, "birth").contains("村已核实"), "{page}");
            let steps = section(&page, "verification");
            assert!(
                steps.contains("村级核实") && steps.contains("镇级核实"),
                "{steps}"
            );

            // Second birth: one user attempting both steps is refused with the message.
            let second = births[1].clone();
            let (a, acsrf) = sign_in(&c, &base, "admin").await;
            let (status, _, body) = verify_birth(&c, &base, &a, &acsrf, &second, "village").await;
            assert_eq!(status, 303, "{body}");
            let (status, _, body) = verify_birth(&c, &base, &a, &acsrf, &second, "town").await;
            assert_eq!(status, 422, "{body}");
            assert!(body.contains("两次核实须由不同的人完成"), "{body}");
            let (_, page) = get(&c, &base, &a, &format!("/births/{second}")).await;
            assert!(section(&page, "birth").contains("村已核实"), "{page}");

            // The list's split follows.
            let (_, list) = get(&c, &base, &ts, "/births?v=unverified").await;
            let split = section(&list, "verification-split");
            assert!(split.contains("未核实 <b class=\"count\">0</b>"), "{split}");
            assert!(
                split.contains("村已核实 <b class=\"count\">1</b>"),
                "{split}"
            );
            assert!(split.contains("已核实 <b class=\"count\">1</b>"), "{split}");
            assert!(!list.contains(&format!("birth-{first}")), "{list}");
            let (_, verified) = get(&c, &base, &ts, "/births?v=verified").await;
            assert!(verified.contains(&format!("birth-{first}")), "{verified}");
            assert!(!verified.contains(&format!("birth-{second}")), "{verified}");
        });
    }
);

both!(
    maternal_screens_amendment_naming_and_stale_outcome,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", Role::VillageSpecialist, V1);
        add_user(&t.db, "town", Role::TownStaff, TOWN);
        let w = add_woman(&t.db, V1, "王秀兰", 1);
        let w2 = add_woman(&t.db, V1, "刘敏", 2);
        let w3 = add_woman(&t.db, V1, "孙静", 3);
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (s, csrf) = sign_in(&c, &base, "v01").await;
            let preg = report(&c, &base, &s, &csrf, &w.id, &days_ago(270), &days_ago(200)).await;
            let (status, _, body) =
                report_births(&c, &base, &s, &csrf, &preg, &days_ago(2), &["male"]).await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{preg}")).await;
            let birth = birth_ids(&page).pop().unwrap_or_default();

            // An amendment of the sex, with its reason, shows in the list.
            let (_, page) = get(&c, &base, &s, &format!("/births/{birth}")).await;
            let version = form_field(&page, &format!("/births/{birth}/amend"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/births/{birth}/amend"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("field", "sex"),
                    ("new_value", "女"),
                    ("reason", "出生医学证明记为女"),
                ],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (_, page) = get(&c, &base, &s, &format!("/births/{birth}")).await;
            let amendments = section(&page, "amendments");
            assert!(
                amendments.contains("出生医学证明记为女")
                    && amendments.contains("<td>男</td><td>女</td>"),
                "{amendments}"
            );
            assert!(
                section(&page, "birth").contains("id=\"birth-sex\">女<"),
                "{page}"
            );
            // An amendment without a reason: the message beside the reason.
            let version = form_field(&page, &format!("/births/{birth}/amend"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/births/{birth}/amend"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("field", "born_on"),
                    ("new_value", &days_ago(3)),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-amend-reason").contains("必填"),
                "{body}"
            );

            // Naming the child.
            let version = form_field(&page, &format!("/births/{birth}/name"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/births/{birth}/name"),
                &[("csrf", &csrf), ("version", &version), ("name", "张可欣")],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (_, list) = get(&c, &base, &s, "/births").await;
            assert!(
                list.contains("张可欣") && !list.contains("王秀兰之女"),
                "{list}"
            );

            // A stale version on the outcome form: refused with the conflict message.
            let p2 = report(&c, &base, &s, &csrf, &w2.id, &days_ago(60), "").await;
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p2}")).await;
            let action = format!("/pregnancies/{p2}/outcome");
            let stale = form_field(&page, &action, "version");
            // Meanwhile town staff record the outcome from the same version.
            let (ts, tcsrf) = sign_in(&c, &base, "town").await;
            let (status, _, body) = post(
                &c,
                &base,
                &ts,
                &action,
                &[
                    ("csrf", &tcsrf),
                    ("version", &stale),
                    ("outcome", "moved_out"),
                    ("outcome_on", &days_ago(5)),
                ],
            )
            .await;
            assert_eq!(status, 303, "{body}");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &action,
                &[
                    ("csrf", &csrf),
                    ("version", &stale),
                    ("outcome", "miscarriage"),
                    ("outcome_on", &days_ago(3)),
                ],
            )
            .await;
            assert_eq!(status, 409, "{body}");
            assert!(body.contains("他人修改了这条孕情"), "{body}");
            // The page shows the outcome as it is now; nothing was overwritten.
            assert!(section(&body, "pregnancy").contains("迁出"), "{body}");
            assert!(!section(&body, "pregnancy").contains("自然流产"), "{body}");

            // An outcome with a bad date: the message beside it, in English too.
            let p3 = report(&c, &base, &s, &csrf, &w3.id, &days_ago(60), "").await;
            let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p3}")).await;
            let version = form_field(&page, &format!("/pregnancies/{p3}/outcome"), "version");
            let (status, _, body) = post(
                &c,
                &base,
                &s,
                &format!("/pregnancies/{p3}/outcome?lang=en"),
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("outcome", "induced_termination"),
                    ("outcome_on", &days_ago(90)),
                ],
            )
            .await;
            assert_eq!(status, 422);
            assert!(
                field_block(&body, "field-outcome_on")
                    .contains("cannot be before the day after the last menstrual period"),
                "{body}"
            );
            assert!(
                field_block(&body, "field-termination_record").contains("is required"),
                "{body}"
            );
        });
    }
);

both!(maternal_screens_infant_deaths, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "town", Role::TownStaff, TOWN);
    let young = add_woman(&t.db, V1, "王秀兰", 1);
    let older = add_woman(&t.db, V1, "刘敏", 2);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;

        // A child born 400 days ago: a death now is not an infant death.
        let p = report(
            &c,
            &base,
            &s,
            &csrf,
            &older.id,
            &days_ago(680),
            &days_ago(600),
        )
        .await;
        let (status, _, body) =
            report_births(&c, &base, &s, &csrf, &p, &days_ago(400), &["male"]).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p}")).await;
        let old_birth = birth_ids(&page).pop().unwrap_or_default();
        let (_, page) = get(&c, &base, &s, &format!("/births/{old_birth}")).await;
        assert!(
            page.contains(&format!("action=\"/births/{old_birth}/death\"")),
            "{page}"
        );
        let (status, _, body) = post(
            &c,
            &base,
            &s,
            &format!("/births/{old_birth}/death"),
            &[
                ("csrf", &csrf),
                ("died_on", &days_ago(3)),
                ("cause", "pneumonia"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            field_block(&body, "field-died_on").contains("婴儿死亡仅限出生后一年内"),
            "{body}"
        );

        // A child born 30 days ago: the death is reported and listed.
        let p = report(
            &c,
            &base,
            &s,
            &csrf,
            &young.id,
            &days_ago(300),
            &days_ago(250),
        )
        .await;
        let (status, _, body) =
            report_births(&c, &base, &s, &csrf, &p, &days_ago(30), &["female"]).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &s, &format!("/pregnancies/{p}")).await;
        let birth = birth_ids(&page).pop().unwrap_or_default();
        let (status, location, body) = post(
            &c,
            &base,
            &s,
            &format!("/births/{birth}/death"),
            &[
                ("csrf", &csrf),
                ("died_on", &days_ago(2)),
                ("cause", "asphyxia"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        assert!(location.starts_with("/deaths/"), "{location}");
        let death = id_of(&location);
        let (status, page) = get(&c, &base, &s, &location).await;
        assert_eq!(status, 200);
        let facts = section(&page, "death");
        assert!(
            facts.contains("出生窒息") && facts.contains("<dd>28</dd>"),
            "{facts}"
        );
        assert!(facts.contains("未核实"), "{facts}");
        // The birth page links to it and offers no second report.
        let (_, page) = get(&c, &base, &s, &format!("/births/{birth}")).await;
        assert!(page.contains(&format!("/deaths/{death}")), "{page}");
        assert!(
            !page.contains(&format!("action=\"/births/{birth}/death\"")),
            "{page}"
        );
        let (_, list) = get(&c, &base, &s, "/deaths").await;
        assert!(
            list.contains(&format!("/deaths/{death}")) && list.contains("王秀兰之女"),
            "{list}"
        );

        // Verified by the village, then by the town.
        let (_, page) = get(&c, &base, &s, &format!("/deaths/{death}")).await;
        let version = field_value(&page, "version");
        let (status, _, body) = post(
            &c,
            &base,
            &s,
            &format!("/deaths/{death}/verify"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("step", "village"),
                ("verified_on", &fmt_date(today())),
                ("check_death", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (ts, tcsrf) = sign_in(&c, &base, "town").await;
        let (_, page) = get(&c, &base, &ts, &format!("/deaths/{death}")).await;
        let version = field_value(&page, "version");
        // Nothing ticked and no note: the store wants to know what was checked.
        let (status, _, body) = post(
            &c,
            &base,
            &ts,
            &format!("/deaths/{death}/verify"),
            &[
                ("csrf", &tcsrf),
                ("version", &version),
                ("step", "town"),
                ("verified_on", &fmt_date(today())),
            ],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(section(&body, "verification").contains("必填"), "{body}");
        let (status, _, body) = post(
            &c,
            &base,
            &ts,
            &format!("/deaths/{death}/verify"),
            &[
                ("csrf", &tcsrf),
                ("version", &version),
                ("step", "town"),
                ("verified_on", &fmt_date(today())),
                ("check_death", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = get(&c, &base, &ts, &format!("/deaths/{death}")).await;
        assert!(
            section(&page, "death").contains("id=\"verification-status\">已核实<"),
            "{page}"
        );
    });
});
