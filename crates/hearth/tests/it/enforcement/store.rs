//! The enforcement case register (两非案件) in the store, on both
//! backends: the grant (only administrators give it, withdrawn at once),
//! every field checked at once, retries by client id, stale versions, the
//! scope and the audit of every view.

use crate::kit::http::add_user;
use crate::*;
use hearth_store::StoreError;
use hearth_store::enforcement::{self, CaseInput, SeizedItem};

fn case_input(org: &str, items: &[(&str, &str)]) -> CaseInput {
    CaseInput {
        org_code: org.into(),
        kind: "sex_identification".into(),
        occurred_on: "2025-03-02".into(),
        place: "某诊所".into(),
        description: "非医学需要为孕妇鉴定胎儿性别".into(),
        penalty: String::new(),
        fine_yuan: String::new(),
        status: String::new(),
        items: items
            .iter()
            .map(|(k, c)| (k.to_string(), c.to_string()))
            .collect(),
    }
}

fn item(kind: &str, count: i64) -> SeizedItem {
    SeizedItem {
        kind: kind.into(),
        count,
    }
}

both!(enforcement_register, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let db = &t.db;
    let staff_id = add_user(db, "staff", Role::TownStaff, TOWN);
    let staff = Scope::for_user(
        &staff_id,
        "staff",
        Role::TownStaff,
        TOWN,
        false,
        "127.0.0.1",
    );
    let admin = admin_scope();

    // No grant: refused everywhere.
    assert!(!enforcement::has_grant(db, &staff).unwrap());
    assert!(enforcement::has_grant(db, &admin).unwrap());
    let forbidden = |r: Result<_, StoreError>| matches!(r, Err(StoreError::Forbidden));
    assert!(forbidden(
        enforcement::create_case(db, &staff, None, &case_input(V1, &[])).map(|_| ())
    ));
    assert!(forbidden(enforcement::list_cases(db, &staff).map(|_| ())));
    assert!(forbidden(
        enforcement::get_case(db, &staff, "x").map(|_| ())
    ));
    // Only an administrator grants, and only to an existing user.
    assert!(forbidden(enforcement::set_grant(
        db, &staff, &staff_id, true
    )));
    assert!(matches!(
        enforcement::set_grant(db, &admin, "no-such-user", true),
        Err(StoreError::NotFound)
    ));
    enforcement::set_grant(db, &admin, &staff_id, true).unwrap();
    assert!(enforcement::has_grant(db, &staff).unwrap());
    assert_eq!(audit_count(db, "enforcement_grant", "update"), 1);

    // Every bad field at once, items by their position as typed.
    let mut bad = case_input(
        V1,
        &[
            ("", "3"),
            ("B超机", "0"),
            ("", ""),
            ("药品", "abc"),
            ("x", ""),
        ],
    );
    bad.kind = "theft".into();
    bad.occurred_on = "2999-01-01".into();
    bad.place = " ".into();
    bad.fine_yuan = "-5".into();
    bad.status = "done".into();
    bad.penalty = "罚".repeat(201);
    assert_eq!(
        field_errors(enforcement::create_case(db, &staff, None, &bad)),
        vec![
            pair("kind", "unknown_value"),
            pair("occurred_on", "future_date"),
            pair("place", "required"),
            pair("penalty", "too_long"),
            pair("fine_yuan", "out_of_range"),
            pair("status", "unknown_value"),
            pair("items[0].kind", "required"),
            pair("items[1].count", "out_of_range"),
            pair("items[3].count", "not_a_number"),
            pair("items[4].count", "required"),
        ]
    );
    let mut outside = case_input("370404200", &[]);
    outside.description = "x".repeat(1001);
    assert_eq!(
        field_errors(enforcement::create_case(db, &staff, None, &outside)),
        vec![pair("description", "too_long")]
    );
    assert_eq!(
        field_errors(enforcement::create_case(
            db,
            &staff,
            None,
            &case_input("370404200", &[])
        )),
        vec![pair("org_code", "out_of_scope")]
    );
    assert_eq!(
        field_errors(enforcement::create_case(
            db,
            &staff,
            None,
            &case_input("370404100299", &[])
        )),
        vec![pair("org_code", "unknown_org")]
    );

    // Create; a retry with the same client id returns the first.
    let id = hearth_store::new_id();
    let input = case_input(V1, &[("B超机", "2"), ("", ""), ("药品", " 10 ")]);
    let c = enforcement::create_case(db, &staff, Some(&id), &input).unwrap();
    assert_eq!(c.id, id);
    assert_eq!(c.org_name, "万年闸村");
    assert_eq!((c.status.code(), c.version), ("open", 1));
    assert_eq!(c.items, vec![item("B超机", 2), item("药品", 10)]);
    assert_eq!((c.penalty.clone(), c.fine_yuan), (None, None));
    let again = enforcement::create_case(db, &staff, Some(&id), &input).unwrap();
    assert_eq!(again, c);
    assert_eq!(audit_count(db, "enforcement_case", "create"), 1);

    // Update replaces details and items; a stale version is a conflict.
    let mut change = case_input(V1, &[("手术器械", "1")]);
    change.kind = "非医学需要选择性别人工终止妊娠".into();
    change.status = "closed".into();
    change.penalty = "没收器械并罚款".into();
    change.fine_yuan = "50000".into();
    let u = enforcement::update_case(db, &staff, &id, 1, &change).unwrap();
    assert_eq!(u.version, 2);
    assert_eq!(u.kind.code(), "sex_selective_termination");
    assert_eq!(u.status.code(), "closed");
    assert_eq!(u.fine_yuan, Some(50_000));
    assert_eq!(u.items, vec![item("手术器械", 1)]);
    assert!(matches!(
        enforcement::update_case(db, &staff, &id, 1, &change),
        Err(StoreError::Conflict { current: 2 })
    ));
    let mut bad_items = change.clone();
    bad_items.items = vec![("手术器械".into(), "100001".into())];
    assert_eq!(
        field_errors(enforcement::update_case(db, &staff, &id, 2, &bad_items)),
        vec![pair("items[0].count", "out_of_range")]
    );
    assert!(matches!(
        enforcement::update_case(db, &staff, "no-such-case", 1, &change),
        Err(StoreError::NotFound)
    ));

    // A second, older case; the list is newest first.
    let mut older = case_input(V2, &[]);
    older.occurred_on = "2024-11-11".into();
    let o = enforcement::create_case(db, &staff, None, &older).unwrap();
    let got = enforcement::get_case(db, &staff, &id).unwrap();
    assert_eq!(got, u);
    let list = enforcement::list_cases(db, &staff).unwrap();
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec![id.as_str(), o.id.as_str()]);
    assert_eq!(list[0].items, vec![item("手术器械", 1)]);
    assert!(list[1].items.is_empty());

    // A granted village specialist of V2 sees V2's case only.
    let v_id = add_user(db, "v02", Role::VillageSpecialist, V2);
    let v2 = Scope::for_user(&v_id, "v02", Role::VillageSpecialist, V2, false, "x");
    enforcement::set_grant(db, &admin, &v_id, true).unwrap();
    assert!(matches!(
        enforcement::get_case(db, &v2, &id),
        Err(StoreError::NotFound)
    ));
    let theirs = enforcement::list_cases(db, &v2).unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].id, o.id);

    // Every view and list was audited (one get and two lists that answered).
    assert_eq!(audit_count(db, "enforcement_case", "view"), 3);

    // Withdrawn: refused again at once.
    enforcement::set_grant(db, &admin, &staff_id, false).unwrap();
    assert!(!enforcement::has_grant(db, &staff).unwrap());
    assert!(forbidden(
        enforcement::get_case(db, &staff, &id).map(|_| ())
    ));
});
