//! Store behaviour: migrations, scope isolation, version conflicts, the
//! audit trail, the change sequence and user accounts.

use crate::*;
use hearth_core::household::{HouseholdFlags, NewHousehold};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_core::scope::Scope;
use hearth_store::audit::AuditFilter;
use hearth_store::register::{self, PersonFilter};
use hearth_store::{StoreError, audit, migrate, users};

fn household(db: &hearth_store::Db, scope: &Scope, village: &str, number: &str) -> String {
    let h = NewHousehold::validate(village, number, "古邵镇1组", HouseholdFlags::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    register::create_household(db, scope, None, &h)
        .unwrap_or_else(|e| panic!("{e}"))
        .id
}

both!(migrations_run_from_empty_and_once, |kind| {
    let t = TestDb::new(kind);
    // TestDb already migrated: a second run applies nothing.
    assert_eq!(migrate::migrate(&t.db).ok(), Some(vec![]));
    let n =
        t.db.read(|tx| {
            Ok(tx
                .query_one("SELECT COUNT(*) FROM schema_migrations", &[])?
                .i64(0))
        })
        .ok();
    assert_eq!(n, Some(migrate::versions().len() as i64));
    for table in [
        "org_unit",
        "household",
        "person",
        "couple",
        "birth_registration",
        "app_user",
        "audit_log",
    ] {
        let r = t.db.read(|tx| {
            Ok(tx
                .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
                .i64(0))
        });
        assert_eq!(r.ok(), Some(0), "{table}");
    }
});

both!(
    village_scope_cannot_read_or_change_another_village,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        let sys = Scope::system("test");
        let h1 = household(&t.db, &sys, V1, "0001");
        let h2 = household(&t.db, &sys, V2, "0001");
        let p1 = register::create_person(
            &t.db,
            &sys,
            None,
            &person("张晓梅", &rid(1990, 2), V1),
            Some(&h1),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let p2 = register::create_person(
            &t.db,
            &sys,
            None,
            &person("李秀英", &rid(1991, 4), V2),
            Some(&h2),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let v1 = village_scope(V1);

        // Own village: readable.
        assert_eq!(
            register::get_person(&t.db, &v1, &p1.id)
                .ok()
                .map(|p| p.name),
            Some("张晓梅".into())
        );
        assert!(register::get_household(&t.db, &v1, &h1).is_ok());
        // Other village: indistinguishable from missing.
        assert!(matches!(
            register::get_person(&t.db, &v1, &p2.id),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            register::get_household(&t.db, &v1, &h2),
            Err(StoreError::NotFound)
        ));
        let listed = register::list_persons(&t.db, &v1, &PersonFilter::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            listed.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
            vec![p1.id.clone()]
        );
        let by_id = PersonFilter {
            resident_id: Some(p2.resident_id.clone()),
            ..PersonFilter::default()
        };
        assert!(
            register::list_persons(&t.db, &v1, &by_id)
                .unwrap_or_else(|e| panic!("{e}"))
                .is_empty()
        );

        // Other village: cannot change.
        let upd = register::update_person(
            &t.db,
            &v1,
            &p2.id,
            p2.version,
            &person("王芳", &rid(1991, 4), V2),
            None,
        );
        assert!(
            matches!(upd, Err(StoreError::Invalid(ref f)) if f[0].reason == hearth_core::Reason::OutOfScope),
            "{upd:?}"
        );
        let upd = register::update_person(
            &t.db,
            &v1,
            &p2.id,
            p2.version,
            &person("王芳", &rid(1991, 4), V1),
            None,
        );
        assert!(matches!(upd, Err(StoreError::NotFound)), "{upd:?}");
        let hh = register::update_household(&t.db, &v1, &h2, 1, "改", HouseholdFlags::default());
        assert!(matches!(hh, Err(StoreError::NotFound)), "{hh:?}");
        // Cannot create in another village, nor attach to its household.
        let c = register::create_person(&t.db, &v1, None, &person("赵敏", &rid(1992, 6), V2), None);
        assert!(
            matches!(c, Err(StoreError::Invalid(ref f)) if f[0].field == "village_code"),
            "{c:?}"
        );
        let c = register::create_person(
            &t.db,
            &v1,
            None,
            &person("赵敏", &rid(1992, 6), V1),
            Some(&h2),
        );
        assert!(
            matches!(c, Err(StoreError::Invalid(ref f)) if f[0].field == "household_id"),
            "{c:?}"
        );

        // Nothing of the other village changed.
        let still = register::get_person(&t.db, &sys, &p2.id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((still.name.as_str(), still.version), ("李秀英", 1));

        // An auditor cannot read the register at all.
        let auditor = Scope::for_user(
            "a",
            "auditor",
            hearth_core::user::Role::Auditor,
            "370404",
            false,
            "x",
        );
        assert!(matches!(
            register::get_person(&t.db, &auditor, &p1.id),
            Err(StoreError::Forbidden)
        ));
    }
);

both!(stale_edit_is_a_conflict_not_an_overwrite, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let p = register::create_person(&t.db, &v1, None, &person("张晓梅", &rid(1990, 2), V1), None)
        .unwrap_or_else(|e| panic!("{e}"));
    let first = register::update_person(
        &t.db,
        &v1,
        &p.id,
        1,
        &person("张小梅", &rid(1990, 2), V1),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.version, 2);
    assert!(first.change_seq > p.change_seq);
    // A second editor still holding version 1.
    let stale = register::update_person(
        &t.db,
        &v1,
        &p.id,
        1,
        &person("张大梅", &rid(1990, 2), V1),
        None,
    );
    assert!(
        matches!(stale, Err(StoreError::Conflict { current: 2 })),
        "{stale:?}"
    );
    let now = register::get_person(&t.db, &v1, &p.id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(now.name, "张小梅");

    let h = household(&t.db, &v1, V1, "0009");
    let ok = register::update_household(
        &t.db,
        &v1,
        &h,
        1,
        "新地址",
        HouseholdFlags {
            family_planning: true,
            ..HouseholdFlags::default()
        },
    );
    assert_eq!(
        ok.as_ref()
            .map(|h| (h.version, h.flags.family_planning))
            .ok(),
        Some((2, true))
    );
    let stale = register::update_household(&t.db, &v1, &h, 1, "旧", HouseholdFlags::default());
    assert!(matches!(stale, Err(StoreError::Conflict { current: 2 })));
});

both!(duplicates_and_retries, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let id = hearth_store::new_id();
    let a = register::create_person(
        &t.db,
        &v1,
        Some(&id),
        &person("张晓梅", &rid(1990, 2), V1),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The same request retried (same client id): same record, no duplicate.
    let b = register::create_person(
        &t.db,
        &v1,
        Some(&id),
        &person("张晓梅", &rid(1990, 2), V1),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((a.id.clone(), a.version), (b.id, b.version));
    // Another record with the same resident ID is refused on that field.
    let dup = register::create_person(&t.db, &v1, None, &person("张三", &rid(1990, 2), V1), None);
    assert!(
        matches!(dup, Err(StoreError::Invalid(ref f)) if f[0].field == "resident_id" && f[0].reason == hearth_core::Reason::Duplicate)
    );
    let n = register::list_persons(&t.db, &v1, &PersonFilter::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .len();
    assert_eq!(n, 1);
});

both!(
    views_and_changes_are_audited_and_the_trail_is_append_only,
    |kind| {
        let t = TestDb::new(kind);
        seed_orgs(&t.db);
        let v1 = village_scope(V1);
        let p =
            register::create_person(&t.db, &v1, None, &person("张晓梅", &rid(1990, 2), V1), None)
                .unwrap_or_else(|e| panic!("{e}"));
        register::get_person(&t.db, &v1, &p.id).unwrap_or_else(|e| panic!("{e}"));
        let auditor = Scope::for_user(
            "a",
            "auditor",
            hearth_core::user::Role::Auditor,
            "370404",
            false,
            "x",
        );
        let f = AuditFilter {
            entity_id: Some(p.id.clone()),
            ..AuditFilter::default()
        };
        let entries = audit::list(&t.db, &auditor, &f).unwrap_or_else(|e| panic!("{e}"));
        let mut actions: Vec<_> = entries
            .iter()
            .map(|e| (e.action.as_str(), e.username.as_str(), e.origin.as_str()))
            .collect();
        actions.sort();
        assert_eq!(
            actions,
            vec![("create", "v01", "127.0.0.1"), ("view", "v01", "127.0.0.1")]
        );
        // A village specialist cannot read the trail.
        assert!(matches!(
            audit::list(&t.db, &v1, &f),
            Err(StoreError::Forbidden)
        ));
        // The database itself refuses to edit or delete entries.
        let upd =
            t.db.write(|tx| tx.exec("UPDATE audit_log SET username = 'x'", &[]));
        assert!(upd.is_err());
        let del = t.db.write(|tx| tx.exec("DELETE FROM audit_log", &[]));
        assert!(del.is_err());
        assert_eq!(
            audit::list(&t.db, &auditor, &AuditFilter::default())
                .map(|v| v.len())
                .ok(),
            Some(entries.len() + 1)
        );
    }
);

both!(birth_registration_lifecycle, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let wife =
        register::create_person(&t.db, &v1, None, &person("张晓梅", &rid(1995, 2), V1), None)
            .unwrap_or_else(|e| panic!("{e}"));
    let husband =
        register::create_person(&t.db, &v1, None, &person("王建国", &rid(1993, 3), V1), None)
            .unwrap_or_else(|e| panic!("{e}"));
    // A man cannot be the wife.
    assert!(register::create_couple(&t.db, &v1, &husband.id, &wife.id, None).is_err());
    let c = register::create_couple(&t.db, &v1, &wife.id, &husband.id, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let r = NewRegistration::validate(1, "SY-0001", "2026-01-10", today())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let reg =
        register::create_registration(&t.db, &v1, &c.id, &r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (reg.status, reg.review_due.as_str()),
        (RegistrationStatus::Current, "2027-01-10")
    );
    let dup = register::create_registration(&t.db, &v1, &c.id, &r);
    assert!(matches!(dup, Err(StoreError::Invalid(ref f)) if f[0].field == "number"));
    let reviewed = register::review_registration(
        &t.db,
        &v1,
        &reg.id,
        1,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reviewed.review_due, "2027-11-01");
    let no_reason = register::set_registration_status(
        &t.db,
        &v1,
        &reg.id,
        2,
        RegistrationStatus::Cancelled,
        Some(" "),
    );
    assert!(matches!(no_reason, Err(StoreError::Invalid(ref f)) if f[0].field == "reason"));
    let cancelled = register::set_registration_status(
        &t.db,
        &v1,
        &reg.id,
        2,
        RegistrationStatus::Cancelled,
        Some("夫妻双方自愿放弃"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cancelled.status_reason.as_deref(), Some("夫妻双方自愿放弃"));
    let again =
        register::set_registration_status(&t.db, &v1, &reg.id, 3, RegistrationStatus::Used, None);
    assert!(matches!(again, Err(StoreError::Invalid(ref f)) if f[0].field == "status"));
    // Another village cannot see it.
    assert!(matches!(
        register::get_registration(&t.db, &village_scope(V2), &reg.id),
        Err(StoreError::NotFound)
    ));
});

both!(users_hash_passwords_and_change_sequence_grows, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    let hash = hearth_core::user::hash_password("correct horse").unwrap_or_default();
    let u = users::create(
        &t.db,
        &sys,
        &users::NewUser {
            username: "v01",
            display_name: "专干",
            role: hearth_core::user::Role::VillageSpecialist,
            org_code: V1,
            password_hash: &hash,
            named_access: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (found, stored) = users::find_for_login(&t.db, "v01")
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no user"));
    assert_eq!(found.id, u.id);
    assert!(stored.starts_with("$argon2id$"));
    assert!(hearth_core::user::verify_password("correct horse", &stored));
    assert!(!hearth_core::user::verify_password("wrong", &stored));
    // A village specialist cannot create accounts; a name is taken once.
    assert!(matches!(
        users::create(
            &t.db,
            &village_scope(V1),
            &users::NewUser {
                username: "x1",
                display_name: "x",
                role: hearth_core::user::Role::Admin,
                org_code: V1,
                password_hash: &hash,
                named_access: false,
            }
        ),
        Err(StoreError::Forbidden)
    ));
    let dup = users::create(
        &t.db,
        &sys,
        &users::NewUser {
            username: "v01",
            display_name: "x",
            role: hearth_core::user::Role::Auditor,
            org_code: V1,
            password_hash: &hash,
            named_access: false,
        },
    );
    assert!(matches!(dup, Err(StoreError::Invalid(ref f)) if f[0].field == "username"));
    let seqs: Vec<i64> = (0..3)
        .map(|_| t.db.write(|tx| tx.next_seq()).unwrap_or(0))
        .collect();
    assert!(seqs[0] < seqs[1] && seqs[1] < seqs[2], "{seqs:?}");
});

/// A county that creates its database with a Chinese locale still gets
/// correct town and county scopes (codes compare byte-wise).
#[test]
fn town_scope_works_in_a_chinese_locale_database() {
    let t = TestDb::with_pg_options(
        Kind::Postgres,
        "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'",
    );
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    register::create_person(
        &t.db,
        &sys,
        None,
        &person("张晓梅", &rid(1990, 2), V1),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let town = Scope::for_user(
        "t",
        "town",
        hearth_core::user::Role::TownStaff,
        TOWN,
        false,
        "x",
    );
    let seen = register::list_persons(&t.db, &town, &PersonFilter::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.len(), 1);
}

fn with_relation(
    name: &str,
    id: &str,
    village: &str,
    relation: &str,
) -> hearth_core::person::ValidPerson {
    hearth_core::person::PersonInput {
        name: name.into(),
        resident_id: id.into(),
        village_code: village.into(),
        relation: relation.into(),
        ..hearth_core::person::PersonInput::default()
    }
    .validate(today())
    .unwrap_or_else(|e| panic!("{e:?}"))
}

both!(editing_a_person_keeps_one_head_per_household, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let h = household(&t.db, &v1, V1, "0001");
    let h2 = household(&t.db, &v1, V1, "0002");
    let head = |hh: &str| {
        register::get_household(&t.db, &v1, hh)
            .unwrap_or_else(|e| panic!("{e}"))
            .household
            .head_person_id
    };
    let a = register::create_person(
        &t.db,
        &v1,
        None,
        &with_relation("王建国", &rid(1970, 1), V1, "户主"),
        Some(&h),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let b = register::create_person(
        &t.db,
        &v1,
        None,
        &with_relation("张秀英", &rid(1972, 2), V1, "配偶"),
        Some(&h),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(head(&h), Some(a.id.clone()));
    // A second head in the same household is refused on the relation field.
    let two = register::update_person(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &with_relation("张秀英", &rid(1972, 2), V1, "户主"),
        Some(&h),
    );
    assert!(
        matches!(two, Err(StoreError::Invalid(ref f)) if f[0].field == "relation"),
        "{two:?}"
    );
    // The head moves to another household as its head: both heads follow.
    register::update_person(
        &t.db,
        &v1,
        &a.id,
        a.version,
        &with_relation("王建国", &rid(1970, 1), V1, "户主"),
        Some(&h2),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(head(&h), None);
    assert_eq!(head(&h2), Some(a.id.clone()));
    // Now the spouse can become head of the first household.
    register::update_person(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &with_relation("张秀英", &rid(1972, 2), V1, "户主"),
        Some(&h),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(head(&h), Some(b.id.clone()));
});
