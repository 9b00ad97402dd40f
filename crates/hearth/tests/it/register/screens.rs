//! The register screens through real HTTP on 127.0.0.1:0, signed in
//! through the real /sign-in form, on both backends: search, person,
//! household and birth-registration pages, their scope (404 outside it),
//! CSRF, field errors, version conflicts and the audit trail.

use crate::kit::http::{add_user, client, field_value};
use crate::kit::http::{field_block, get, page_session as sign_in, post};
use crate::kit::server::spawn_app;
use crate::*;
use hearth_core::household::{HouseholdFlags, NewHousehold};
use hearth_core::id_number::mask_id;
use hearth_core::person::{Person, PersonInput, Relation};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::audit::{AuditEntry, AuditFilter};
use hearth_store::register;

// ---- helpers (the sign-in ones as in pages.rs) --------------------------------------

fn sys() -> Scope {
    Scope::system("test")
}

fn add_person(
    db: &hearth_store::Db,
    name: &str,
    rid: &str,
    village: &str,
    phone: &str,
    household: Option<(&str, Relation)>,
) -> Person {
    let p = PersonInput {
        name: name.into(),
        resident_id: rid.into(),
        village_code: village.into(),
        phone: phone.into(),
        relation: household
            .map(|(_, r)| r.code().to_string())
            .unwrap_or_default(),
        ..PersonInput::default()
    }
    .validate(today())
    .unwrap_or_else(|e| panic!("{e:?}"));
    register::create_person(db, &sys(), None, &p, household.map(|(h, _)| h))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn add_household(db: &hearth_store::Db, village: &str, number: &str) -> String {
    let h = NewHousehold::validate(
        village,
        number,
        "古邵镇某街 1 号",
        HouseholdFlags::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    register::create_household(db, &sys(), None, &h)
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

/// Runs store work from the test's async block: the PostgreSQL client
/// starts its own runtime, which must not happen on a runtime thread.
fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn reload(db: &hearth_store::Db, id: &str) -> Person {
    sync(|| register::get_person(db, &sys(), id)).unwrap_or_else(|e| panic!("{e}"))
}

fn trail(db: &hearth_store::Db) -> Vec<AuditEntry> {
    let auditor = Scope::for_user("a", "auditor", Role::Auditor, "370404", false, "x");
    sync(|| {
        hearth_store::audit::list(
            db,
            &auditor,
            &AuditFilter {
                limit: 1000,
                ..AuditFilter::default()
            },
        )
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn has_entry(db: &hearth_store::Db, action: &str, id: &str, detail: &str) -> bool {
    trail(db).iter().any(|e| {
        e.action == action
            && e.entity_id.as_deref() == Some(id)
            && e.detail.as_deref() == Some(detail)
    })
}

/// A couple and one registration issued on `issued` (YYYY-MM-DD).
fn add_couple_with_registration(
    db: &hearth_store::Db,
    wife: &str,
    husband: &str,
    number: &str,
    issued: &str,
) -> (String, String) {
    let c =
        register::create_couple(db, &sys(), wife, husband, None).unwrap_or_else(|e| panic!("{e}"));
    let r =
        NewRegistration::validate(1, number, issued, today()).unwrap_or_else(|e| panic!("{e:?}"));
    let r = register::create_registration(db, &sys(), &c.id, &r).unwrap_or_else(|e| panic!("{e}"));
    (c.id, r.id)
}

// ---- tests ------------------------------------------------------------------------

both!(screens_pinyin_search_finds_and_masks, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let h = add_household(&t.db, V1, "0001");
    let rid1 = rid(1990, 2);
    let p = add_person(
        &t.db,
        "张晓梅",
        &rid1,
        V1,
        "13812345678",
        Some((&h, Relation::Head)),
    );
    // Same initials, other village: never shown to a village-1 specialist.
    add_person(&t.db, "周小明", &rid(1991, 4), V2, "", None);
    // Enough 张晓… for two pages.
    for i in 0..22u16 {
        let name = format!(
            "张晓{}",
            char::from_u32(0x4E50 + u32::from(i)).unwrap_or('一')
        );
        add_person(&t.db, &name, &rid(1980, 100 + i * 2), V1, "", None);
    }
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, _) = sign_in(&c, &base, "v01").await;

        // An empty query shows the form only.
        let (status, html) = get(&c, &base, &s, "/search").await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"q\"") && !html.contains("class=\"hits\""));

        let (status, html) = get(&c, &base, &s, "/search?q=zxm").await;
        assert_eq!(status, 200);
        assert!(html.contains("张晓梅"), "{html}");
        assert!(html.contains(&format!("/persons/{}", p.id)));
        assert!(html.contains(&mask_id(&rid1)), "{html}");
        assert!(html.contains("138****5678"), "{html}");
        assert!(html.contains("0001"), "household number: {html}");
        assert!(!html.contains(&rid1), "full ID leaked: {html}");
        assert!(!html.contains("13812345678"), "full phone leaked");
        assert!(!html.contains("周小明"), "other village leaked");

        // 23 matches of zx: 20 on the first page with a next link, 3 on the second.
        let (_, page1) = get(&c, &base, &s, "/search?q=zx").await;
        assert_eq!(page1.matches("class=\"hit-name\"").count(), 20, "{page1}");
        assert!(page1.contains("page=2\" rel=\"next\""), "{page1}");
        let (_, page2) = get(&c, &base, &s, "/search?q=zx&page=2").await;
        assert_eq!(page2.matches("class=\"hit-name\"").count(), 3);
        assert!(page2.contains("rel=\"prev\""));
        // Odd paging input is no error.
        let (status, _) = get(&c, &base, &s, "/search?q=zx&page=abc").await;
        assert_eq!(status, 200);

        // A query that is no kind of search: the message beside the box.
        let (status, html) = get(&c, &base, &s, "/search?q=%21%21").await;
        assert_eq!(status, 422);
        assert!(
            field_block(&html, "field-q").contains("field-error"),
            "{html}"
        );
    });
    // The search is on the trail by kind, never by its text.
    assert!(
        trail(&t.db)
            .iter()
            .any(|e| e.entity == "person_search" && e.detail.as_deref() == Some("initials"))
    );
});

both!(screens_org_tree_is_the_callers_subtree, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    add_user(&t.db, "town", Role::TownStaff, TOWN);
    let h = add_household(&t.db, V1, "0001");
    add_person(
        &t.db,
        "张晓梅",
        &rid(1990, 2),
        V1,
        "",
        Some((&h, Relation::Head)),
    );
    add_person(&t.db, "李秀英", &rid(1991, 4), V2, "", None);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, _) = sign_in(&c, &base, "v01").await;
        let (status, html) = get(&c, &base, &s, "/orgs").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("万年闸村") && html.contains("古邵镇"),
            "{html}"
        );
        assert!(!html.contains("乐庄村"), "{html}");
        let (s, _) = sign_in(&c, &base, "town").await;
        let (_, html) = get(&c, &base, &s, "/orgs").await;
        assert!(html.contains("万年闸村") && html.contains("乐庄村"));
        // The town sums its villages: 2 residents.
        let town = &html[html.find("古邵镇").unwrap_or(0)..];
        assert!(town.contains("<b>2</b>"), "{town}");
        // A village's households are one click away.
        let (status, list) = get(&c, &base, &s, &format!("/households?village={V1}")).await;
        assert_eq!(status, 200);
        assert!(list.contains(&format!("/households/{h}")));
    });
});

both!(screens_outside_the_scope_is_not_found_everywhere, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let h2 = add_household(&t.db, V2, "0009");
    let rid2 = rid(1990, 8);
    let p2 = add_person(
        &t.db,
        "李秀英",
        &rid2,
        V2,
        "13900000002",
        Some((&h2, Relation::Head)),
    );
    let m2 = add_person(&t.db, "王强", &rid(1988, 9), V2, "", None);
    let (c2, r2) = add_couple_with_registration(&t.db, &p2.id, &m2.id, "SY-V2-1", "2024-01-10");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;
        let (p, h) = (p2.id.as_str(), h2.as_str());
        for path in [
            format!("/persons/{p}"),
            format!("/persons/{p}/edit"),
            format!("/persons/{p}/reveal"),
            format!("/persons/{p}/couples"),
            format!("/persons/new?household={h}"),
            format!("/households/{h}"),
            format!("/households/{h}/edit"),
            format!("/households/{h}/members/add"),
            format!("/households/{h}/members/{p}/move"),
            format!("/households/{h}/members/{p}/remove"),
            format!("/registrations/{r2}"),
            format!("/registrations/{r2}/review"),
            format!("/registrations/{r2}/cancel"),
            format!("/couples/{c2}/registrations"),
        ] {
            let (status, html) = get(&c, &base, &s, &path).await;
            assert_eq!(status, 404, "GET {path}");
            assert!(
                !html.contains(&rid2) && !html.contains("李秀英"),
                "GET {path}"
            );
        }
        let person_form: Vec<(&str, &str)> = vec![
            ("csrf", csrf.as_str()),
            ("version", "1"),
            ("name", "李秀英"),
            ("resident_id", rid2.as_str()),
            ("phone", "13900000003"),
            ("village_code", V2),
            ("household_number", "0009"),
            ("relation", "head"),
        ];
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                format!("/persons/{p}/reveal"),
                vec![("csrf", &csrf), ("field", "resident_id")],
            ),
            (format!("/persons/{p}/edit"), person_form.clone()),
            (
                format!("/persons/{p}/couples"),
                vec![("csrf", &csrf), ("spouse_resident_id", "")],
            ),
            (
                format!("/households/{h}/edit"),
                vec![("csrf", &csrf), ("version", "1"), ("address", "x")],
            ),
            (
                format!("/households/{h}/members/add"),
                vec![("csrf", &csrf), ("resident_id", &rid2), ("relation", "")],
            ),
            (
                format!("/households/{h}/members/{p}/move"),
                vec![
                    ("csrf", &csrf),
                    ("version", "1"),
                    ("to_number", "0001"),
                    ("relation", ""),
                ],
            ),
            (
                format!("/households/{h}/members/{p}/remove"),
                vec![("csrf", &csrf), ("version", "1")],
            ),
            (
                format!("/couples/{c2}/registrations"),
                vec![
                    ("csrf", &csrf),
                    ("child_order", "x"),
                    ("number", ""),
                    ("issued_on", ""),
                ],
            ),
            (
                format!("/registrations/{r2}/review"),
                vec![("csrf", &csrf), ("version", "1"), ("on", "bad")],
            ),
            (
                format!("/registrations/{r2}/cancel"),
                vec![("csrf", &csrf), ("version", "1"), ("reason", "")],
            ),
        ];
        for (path, form) in &posts {
            let (status, _, html) = post(&c, &base, &s, path, form).await;
            assert_eq!(status, 404, "POST {path}: {html}");
            assert!(!html.contains(&rid2), "POST {path}");
        }
        // A village-1 person cannot be put into a village-2 household either.
        let (status, _, _) = post(&c, &base, &s, "/persons/new", &person_form).await;
        assert_eq!(status, 422);
    });
    // Nothing changed, nothing was revealed or viewed.
    let now = reload(&t.db, &p2.id);
    assert_eq!(
        (now.version, now.phone.as_deref()),
        (1, Some("13900000002"))
    );
    let r =
        sync(|| register::get_registration(&t.db, &sys(), &r2)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.status, r.version), (RegistrationStatus::Current, 1));
    let ids = [
        p2.id.as_str(),
        m2.id.as_str(),
        h2.as_str(),
        c2.as_str(),
        r2.as_str(),
    ];
    let touched: Vec<_> = trail(&t.db)
        .into_iter()
        .filter(|e| e.username == "v01" && e.entity_id.as_deref().is_some_and(|i| ids.contains(&i)))
        .collect();
    assert!(touched.is_empty(), "{touched:?}");
});

both!(screens_forms_without_the_csrf_token_are_refused, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let h = add_household(&t.db, V1, "0001");
    let rid1 = rid(1990, 2);
    let p = add_person(
        &t.db,
        "张晓梅",
        &rid1,
        V1,
        "13812345678",
        Some((&h, Relation::Head)),
    );
    let m = add_person(&t.db, "王强", &rid(1988, 9), V1, "", None);
    let (_, r) = add_couple_with_registration(&t.db, &p.id, &m.id, "SY-1", "2024-01-10");
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, _) = sign_in(&c, &base, "v01").await;
        for token in [None, Some("forged-token")] {
            let with = |mut f: Vec<(&'static str, String)>| {
                if let Some(tok) = token {
                    f.push(("csrf", tok.to_string()));
                }
                f
            };
            let cases: Vec<(String, Vec<(&'static str, String)>)> = vec![
                (
                    format!("/persons/{}/edit", p.id),
                    with(vec![
                        ("version", "1".into()),
                        ("name", "张晓丽".into()),
                        ("resident_id", rid1.clone()),
                        ("village_code", V1.into()),
                    ]),
                ),
                (
                    format!("/persons/{}/reveal", p.id),
                    with(vec![("field", "resident_id".into())]),
                ),
                (
                    format!("/households/{h}/edit"),
                    with(vec![("version", "1".into()), ("address", "改了".into())]),
                ),
                (
                    format!("/households/{h}/members/{}/remove", p.id),
                    with(vec![("version", "1".into())]),
                ),
                (
                    format!("/registrations/{r}/cancel"),
                    with(vec![("version", "1".into()), ("reason", "迁出".into())]),
                ),
                (
                    "/households/new".into(),
                    with(vec![("village_code", V1.into()), ("number", "0002".into())]),
                ),
            ];
            for (path, form) in cases {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let (status, _, html) = post(&c, &base, &s, &path, &form).await;
                assert_eq!(status, 403, "{path} {token:?}");
                assert!(!html.contains(&rid1));
            }
        }
    });
    let now = reload(&t.db, &p.id);
    assert_eq!((now.name.as_str(), now.version), ("张晓梅", 1));
    assert_eq!(now.household_id.as_deref(), Some(h.as_str()));
    let hv = sync(|| register::get_household(&t.db, &sys(), &h)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hv.household.version, 1);
    let reg =
        sync(|| register::get_registration(&t.db, &sys(), &r)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reg.status, RegistrationStatus::Current);
    assert!(!trail(&t.db).iter().any(|e| e.action == "reveal"));
    assert!(
        sync(|| register::household_by_number(&t.db, &sys(), V1, "0002"))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
});

both!(screens_edit_shows_each_error_beside_its_field, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let rid1 = rid(1990, 2);
    let p = add_person(&t.db, "张晓梅", &rid1, V1, "13812345678", None);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;
        let (status, form) = get(&c, &base, &s, &format!("/persons/{}/edit", p.id)).await;
        assert_eq!(status, 200);
        assert_eq!(field_value(&form, "version"), "1");
        assert_eq!(field_value(&form, "resident_id"), rid1);
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &format!("/persons/{}/edit", p.id),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("name", "张晓丽"),
                ("resident_id", &rid1),
                ("phone", "12345"),
                ("village_code", V1),
            ],
        )
        .await;
        assert_eq!(status, 422);
        let phone = field_block(&html, "field-phone");
        assert!(phone.contains("不是有效的大陆手机号"), "{phone}");
        assert!(
            phone.contains("value=\"12345\""),
            "typed value kept: {phone}"
        );
        assert!(phone.contains("aria-invalid=\"true\""));
        let name = field_block(&html, "field-name");
        assert!(name.contains("value=\"张晓丽\"") && !name.contains("field-error"));
        assert!(!field_block(&html, "field-resident_id").contains("field-error"));
        // An unknown household number is refused beside its field too.
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &format!("/persons/{}/edit", p.id),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("name", "张晓梅"),
                ("resident_id", &rid1),
                ("village_code", V1),
                ("household_number", "9999"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(field_block(&html, "field-household_number").contains("没有这个户编号"));
    });
    let now = reload(&t.db, &p.id);
    assert_eq!(
        (now.name.as_str(), now.phone.as_deref(), now.version),
        ("张晓梅", Some("13812345678"), 1)
    );
    // Opening the edit form showed the full values: a view and reveals.
    assert!(has_entry(&t.db, "view", &p.id, "edit"));
    assert!(has_entry(&t.db, "reveal", &p.id, "phone"));
});

both!(
    screens_stale_edit_shows_the_conflict_and_keeps_the_other_change,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        add_user(&t.db, "v01", Role::VillageSpecialist, V1);
        add_user(&t.db, "town", Role::TownStaff, TOWN);
        let rid1 = rid(1990, 2);
        let p = add_person(&t.db, "张晓梅", &rid1, V1, "13812345678", None);
        let (base, rt) = spawn_app(t.db.clone());
        rt.block_on(async {
            let c = client();
            let (a, a_csrf) = sign_in(&c, &base, "v01").await;
            let (b, b_csrf) = sign_in(&c, &base, "town").await;
            let path = format!("/persons/{}/edit", p.id);
            let (_, form_a) = get(&c, &base, &a, &path).await;
            let (_, form_b) = get(&c, &base, &b, &path).await;
            let (va, vb) = (
                field_value(&form_a, "version"),
                field_value(&form_b, "version"),
            );
            assert_eq!((va.as_str(), vb.as_str()), ("1", "1"));
            // A changes the phone and saves.
            let (status, location, _) = post(
                &c,
                &base,
                &a,
                &path,
                &[
                    ("csrf", &a_csrf),
                    ("version", &va),
                    ("name", "张晓梅"),
                    ("resident_id", &rid1),
                    ("phone", "13900001111"),
                    ("village_code", V1),
                ],
            )
            .await;
            assert_eq!(status, 303);
            assert_eq!(location, format!("/persons/{}", p.id));
            // B, still on version 1, changes the name: refused, shown the conflict.
            let b_form = [
                ("csrf", b_csrf.as_str()),
                ("version", vb.as_str()),
                ("name", "张小梅"),
                ("resident_id", rid1.as_str()),
                ("phone", "13812345678"),
                ("village_code", V1),
            ];
            let (status, _, html) = post(&c, &base, &b, &path, &b_form).await;
            assert_eq!(status, 409, "{html}");
            assert!(
                html.contains("13900001111"),
                "the other change is shown: {html}"
            );
            assert!(html.contains("class=\"changed\""));
            assert!(html.contains("value=\"张小梅\""), "typed values kept");
            assert_eq!(
                field_value(&html, "version"),
                "2",
                "the new version to confirm with"
            );
            let now = reload(&t.db, &p.id);
            assert_eq!(
                (now.name.as_str(), now.phone.as_deref(), now.version),
                ("张晓梅", Some("13900001111"), 2)
            );
            // Confirming again with the new version saves, deliberately.
            let mut again = b_form;
            again[1] = ("version", "2");
            let (status, _, _) = post(&c, &base, &b, &path, &again).await;
            assert_eq!(status, 303);
        });
        let now = reload(&t.db, &p.id);
        assert_eq!((now.name.as_str(), now.version), ("张小梅", 3));
    }
);

both!(screens_reveal_shows_the_full_value_and_audits_it, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_user(&t.db, "v01", Role::VillageSpecialist, V1);
    let rid1 = rid(1990, 2);
    let p = add_person(&t.db, "张晓梅", &rid1, V1, "13812345678", None);
    let (base, rt) = spawn_app(t.db.clone());
    rt.block_on(async {
        let c = client();
        let (s, csrf) = sign_in(&c, &base, "v01").await;
        let (status, html) = get(&c, &base, &s, &format!("/persons/{}", p.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains(&mask_id(&rid1)) && !html.contains(&rid1));
        assert!(html.contains("138****5678") && !html.contains("13812345678"));
        let path = format!("/persons/{}/reveal", p.id);
        let (status, _, html) = post(
            &c,
            &base,
            &s,
            &path,
            &[("csrf", &csrf), ("field", "resident_id")],
        )
        .await;
        assert_eq!(status, 200);
        assert!(html.contains(&rid1), "{html}");
        assert!(!html.contains("13812345678"), "only the one value");
        let (status, _, html) =
            post(&c, &base, &s, &path, &[("csrf", &csrf), ("field", "phone")]).await;
        assert_eq!(status, 200);
        assert!(html.contains("13812345678"));
        // An unknown field is refused, not a server error.
        let (status, _, _) =
            post(&c, &base, &s, &path, &[("csrf", &csrf), ("field", "name")]).await;
        assert_eq!(status, 422);
    });
    assert!(has_entry(&t.db, "reveal", &p.id, "resident_id"));
    assert!(has_entry(&t.db, "reveal", &p.id, "phone"));
    assert!(trail(&t.db).iter().any(|e| e.action == "view"
        && e.entity == "person"
        && e.entity_id.as_deref() == Some(&p.id)));
});

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
        let hv =
            sync(|| register::get_household(&t.db, &sys(), &h2)).unwrap_or_else(|e| panic!("{e}"));
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
        let hv =
            sync(|| register::get_household(&t.db, &sys(), &h2)).unwrap_or_else(|e| panic!("{e}"));
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
        let ctx = sync(|| register::person_context(&t.db, &sys(), &w.id))
            .unwrap_or_else(|e| panic!("{e}"));
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
        let ctx = sync(|| register::person_context(&t.db, &sys(), &w.id))
            .unwrap_or_else(|e| panic!("{e}"));
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
        let now = sync(|| register::get_registration(&t.db, &sys(), &r.id))
            .unwrap_or_else(|e| panic!("{e}"));
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
        let now = sync(|| register::get_registration(&t.db, &sys(), &r.id))
            .unwrap_or_else(|e| panic!("{e}"));
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
        let now = sync(|| register::get_registration(&t.db, &sys(), &r.id))
            .unwrap_or_else(|e| panic!("{e}"));
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
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 303);
    });
    assert!(
        trail(&t.db)
            .iter()
            .any(|e| e.entity == "birth_registration_due")
    );
    assert!(
        trail(&t.db)
            .iter()
            .any(|e| e.entity == "birth_registration" && e.detail.as_deref() == Some("review"))
    );
});
