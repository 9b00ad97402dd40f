//! The birth side of the pregnancy store (`hearth_store::pregnancy`): birth
//! reports (twins, the child's person record, the birth registration used),
//! naming a child, two-person verification, amendments of a verified birth
//! and infant deaths — each on SQLite and PostgreSQL.

use super::store::{
    audit_entries, child, day, days_before, fields, one_birth, refused, report, today, town_scope,
    verify,
};
use crate::*;
use hearth_core::person::{Relation, Sex};
use hearth_core::pregnancy::{BirthInput, DeathInput, Outcome, Verification};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_store::pregnancy::{self as preg, BirthFilter, DeathFilter};
use hearth_store::{StoreError, register};

both!(twins_become_two_children_of_the_household, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let husband = add_resident(&t.db, V1, "张伟", 1994, 2, "1");
    let couple = register::create_couple(&t.db, &sys, &w.id, &husband.id, None).unwrap();
    let r = NewRegistration::validate(2, "GS-2025-007", "2025-06-01", today()).unwrap();
    let reg = register::create_registration(&t.db, &sys, &couple.id, &r).unwrap();

    let p = report(&t.db, &v1, &w.id, "2025-08-01", "2025-09-15").unwrap();
    let first = uuid::Uuid::now_v7().to_string();
    let twins = [child("男", "2026-05-01"), child("女", "2026-05-02")];
    let (births, retried) =
        preg::report_births(&t.db, &v1, Some(&first), &p.id, p.version, &twins, today()).unwrap();
    assert!(!retried, "the first report is new");
    assert_eq!(births.len(), 2);
    assert_eq!(births[0].id, first);
    assert_eq!(births[0].sex, Sex::Male);
    assert_eq!(births[1].sex, Sex::Female);
    // Each twin is its own child: the registration's order, then the next.
    assert_eq!(births[0].birth_order, 2, "the registration's child order");
    assert_eq!(
        births[1].birth_order, 3,
        "the second twin is the next child"
    );
    for b in &births {
        assert_eq!(b.mother_id, w.id);
        assert_eq!(b.mother_name, "王芳");
        assert_eq!(b.village_code, V1);
        assert_eq!(b.child_name, None);
        assert_eq!(b.registration_id.as_deref(), Some(reg.id.as_str()));
        assert_eq!(b.verification, Verification::Unverified);
        assert_eq!(b.born_time.as_deref(), Some("08:30"));
        assert_eq!(b.weight_g, Some(3100));
    }

    // Each child is a person of the mother's household with a provisional name.
    let hh =
        register::get_household(&t.db, &v1, w.household_id.as_deref().unwrap_or_default()).unwrap();
    assert_eq!(hh.members.len(), 3);
    let son = register::get_person(&t.db, &v1, &births[0].child_id).unwrap();
    let daughter = register::get_person(&t.db, &v1, &births[1].child_id).unwrap();
    assert_eq!(son.name, "王芳之子");
    assert_eq!(daughter.name, "王芳之女");
    assert_eq!(son.relation, Some(Relation::Son));
    assert_eq!(daughter.relation, Some(Relation::Daughter));
    assert_eq!(son.resident_id, "", "a newborn has no ID number yet");
    assert_eq!(son.birth_date, "2026-05-01");
    assert_eq!(daughter.birth_date, "2026-05-02");
    assert_eq!(son.household_id, w.household_id);
    assert_eq!(son.village_code, V1);

    // The pregnancy is closed as a live birth; the registration is used.
    let view = preg::get_pregnancy(&t.db, &v1, &p.id, today()).unwrap();
    assert_eq!(view.pregnancy.outcome, Some(Outcome::LiveBirth));
    assert_eq!(view.pregnancy.outcome_on.as_deref(), Some("2026-05-01"));
    assert_eq!(view.births.len(), 2);
    let reg_now = register::get_registration(&t.db, &v1, &reg.id).unwrap();
    assert_eq!(reg_now.status, RegistrationStatus::Used);
    assert_eq!(reg_now.version, reg.version + 1);

    // A retry with the same client id returns the births already made.
    let (again, retried) =
        preg::report_births(&t.db, &v1, Some(&first), &p.id, p.version, &twins, today()).unwrap();
    assert!(retried, "the same client id is a retry");
    let mut ids: Vec<_> = again.iter().map(|b| b.id.clone()).collect();
    let mut want: Vec<_> = births.iter().map(|b| b.id.clone()).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(
        register::get_household(&t.db, &v1, w.household_id.as_deref().unwrap_or_default())
            .unwrap()
            .members
            .len(),
        3,
        "the retry made no more children"
    );
});

both!(birth_report_rules, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let other = add_woman(&t.db, V1, "李娜", 2);
    let p = report(&t.db, &v1, &w.id, "2025-08-01", "2025-09-15").unwrap();
    let births = |kids: &[BirthInput], version: i64| {
        preg::report_births(&t.db, &v1, None, &p.id, version, kids, today())
    };

    refused(births(&[], p.version), "children", "out_of_range");
    let five = vec![child("1", "2026-05-01"); 5];
    refused(births(&five, p.version), "children", "out_of_range");
    // Each child's errors name the child.
    refused(
        births(
            &[child("1", "2026-05-01"), child("", "2026-05-01")],
            p.version,
        ),
        "children[1].sex",
        "required",
    );
    refused(
        births(&[child("1", "2025-07-30")], p.version),
        "children[0].born_on",
        "before_allowed_date",
    );
    // Twins are born on the same day, or across midnight: not two days apart.
    refused(
        births(
            &[child("1", "2026-05-01"), child("2", "2026-05-03")],
            p.version,
        ),
        "children[1].born_on",
        "unknown_value",
    );
    // A certificate number is used once.
    let q = report(&t.db, &v1, &other.id, "2025-08-01", "2025-09-15").unwrap();
    preg::report_births(
        &t.db,
        &v1,
        None,
        &q.id,
        q.version,
        &[BirthInput {
            certificate_no: "R440123456".into(),
            ..child("2", "2026-04-20")
        }],
        today(),
    )
    .unwrap();
    refused(
        births(
            &[BirthInput {
                certificate_no: "r440123456".into(),
                ..child("1", "2026-05-01")
            }],
            p.version,
        ),
        "children[0].certificate_no",
        "duplicate",
    );
    // A stale version is a conflict.
    assert!(matches!(
        births(&[child("1", "2026-05-01")], p.version + 1),
        Err(StoreError::Conflict { current }) if current == p.version
    ));
    // Nothing was written by the refusals: still open, no child added.
    let still = preg::get_pregnancy(&t.db, &v1, &p.id, today()).unwrap();
    assert_eq!(still.pregnancy.outcome, None);
    assert!(still.births.is_empty());
    let hh =
        register::get_household(&t.db, &v1, w.household_id.as_deref().unwrap_or_default()).unwrap();
    assert_eq!(hh.members.len(), 1);

    // Without a registration, the order follows the mother's births so far.
    let (b, _) = births(&[child("1", "2026-05-01")], p.version).unwrap();
    assert_eq!(b[0].birth_order, 1);
    assert_eq!(b[0].registration_id, None);
    // A closed pregnancy takes no more births.
    let closed = preg::get_pregnancy(&t.db, &v1, &p.id, today()).unwrap();
    refused(
        births(&[child("2", "2026-05-01")], closed.pregnancy.version),
        "pregnancy_id",
        "bad_transition",
    );
    let p2 = report(&t.db, &v1, &w.id, &days_before(20), "").unwrap();
    assert_eq!(p2.woman_id, w.id);
});

both!(naming_a_child, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let b = one_birth(&t.db, &v1, &w.id, "2");
    refused(
        preg::name_child(&t.db, &v1, &b.id, b.version, "Alice"),
        "child_name",
        "bad_name",
    );
    assert!(matches!(
        preg::name_child(&t.db, &v1, &b.id, b.version + 1, "张小雨"),
        Err(StoreError::Conflict { .. })
    ));
    let named = preg::name_child(&t.db, &v1, &b.id, b.version, "张小雨").unwrap();
    assert_eq!(named.child_name.as_deref(), Some("张小雨"));
    assert_eq!(named.version, b.version + 1);
    let person = register::get_person(&t.db, &v1, &b.child_id).unwrap();
    assert_eq!(person.name, "张小雨");
    // The search by pinyin initials finds the new name.
    let initials =
        t.db.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT name_initials FROM person WHERE id = $1",
                    &[hearth_store::db::P::T(&b.child_id)],
                )?
                .text(0)
                .unwrap())
        })
        .unwrap();
    assert_eq!(initials, "zxy");
});

both!(two_person_verification, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let town = town_scope("u-town", "t01");
    let w = add_woman(&t.db, V1, "王芳", 1);
    let b = one_birth(&t.db, &v1, &w.id, "1");

    // The town cannot go first.
    refused(
        preg::verify_birth(
            &t.db,
            &town,
            &b.id,
            b.version,
            &verify("town", "2026-05-10", "time_of_birth sex"),
            today(),
        ),
        "step",
        "verification_order",
    );
    // The village step's own rules: date, checks.
    let f = fields(preg::verify_birth(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &verify("village", "2026-04-30", ""),
        today(),
    ));
    assert!(
        f.contains(&("verified_on".into(), "before_allowed_date")),
        "{f:?}"
    );
    assert!(f.contains(&("checks".into(), "required")), "{f:?}");
    refused(
        preg::verify_birth(
            &t.db,
            &v1,
            &b.id,
            b.version,
            &verify("village", "2026-06-02", "sex"),
            today(),
        ),
        "verified_on",
        "future_date",
    );
    // Town staff may not take the village step.
    refused(
        preg::verify_birth(
            &t.db,
            &town,
            &b.id,
            b.version,
            &verify("village", "2026-05-10", "sex"),
            today(),
        ),
        "step",
        "verification_order",
    );
    let b1 = preg::verify_birth(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &verify("village", "2026-05-10", "time_of_birth sex"),
        today(),
    )
    .unwrap();
    assert_eq!(b1.verification, Verification::VillageVerified);
    let vv = b1
        .village_verification
        .clone()
        .unwrap_or_else(|| panic!("no village step"));
    assert_eq!(vv.by_name, "v01");
    assert_eq!(vv.on, "2026-05-10");
    assert_eq!(vv.checks, "time_of_birth sex");
    // The village step is done once; a stale version is a conflict.
    refused(
        preg::verify_birth(
            &t.db,
            &v1,
            &b.id,
            b1.version,
            &verify("village", "2026-05-11", "sex"),
            today(),
        ),
        "step",
        "bad_transition",
    );
    assert!(matches!(
        preg::verify_birth(
            &t.db,
            &town,
            &b.id,
            b.version,
            &verify("town", "2026-05-12", "sex"),
            today(),
        ),
        Err(StoreError::Conflict { current }) if current == b1.version
    ));
    // The same person (here promoted to town staff) cannot take the second step.
    let same_user = Scope::for_user("u-village", "v01", Role::TownStaff, TOWN, false, "t");
    refused(
        preg::verify_birth(
            &t.db,
            &same_user,
            &b.id,
            b1.version,
            &verify("town", "2026-05-12", "sex"),
            today(),
        ),
        "step",
        "same_verifier",
    );
    let b2 = preg::verify_birth(
        &t.db,
        &town,
        &b.id,
        b1.version,
        &verify("town", "2026-05-12", "time_of_birth sex certificate"),
        today(),
    )
    .unwrap();
    assert_eq!(b2.verification, Verification::Verified);
    assert_eq!(
        b2.town_verification.as_ref().map(|v| v.by_name.as_str()),
        Some("t01")
    );
    let verified = preg::list_births(
        &t.db,
        &town,
        &BirthFilter {
            verification: Some(Verification::Verified),
            ..BirthFilter::default()
        },
    )
    .unwrap();
    assert_eq!(verified.len(), 1);
    let unverified = preg::list_births(
        &t.db,
        &town,
        &BirthFilter {
            verification: Some(Verification::Unverified),
            ..BirthFilter::default()
        },
    )
    .unwrap();
    assert!(unverified.is_empty());
    let steps = audit_entries(&t.db, "birth", Some(&b.id));
    assert!(
        steps
            .iter()
            .any(|e| e.detail.as_deref() == Some("verify_village"))
    );
    assert!(
        steps
            .iter()
            .any(|e| e.detail.as_deref() == Some("verify_town"))
    );

    // An administrator may take either step, but not both.
    let admin = Scope::for_user("u-admin", "admin", Role::Admin, "", false, "t");
    let other = add_woman(&t.db, V1, "李娜", 2);
    let c = one_birth(&t.db, &v1, &other.id, "2");
    let c1 = preg::verify_birth(
        &t.db,
        &admin,
        &c.id,
        c.version,
        &verify("village", "2026-05-10", "sex"),
        today(),
    )
    .unwrap();
    refused(
        preg::verify_birth(
            &t.db,
            &admin,
            &c.id,
            c1.version,
            &verify("town", "2026-05-11", "sex"),
            today(),
        ),
        "step",
        "same_verifier",
    );
});

both!(amending_a_verified_birth, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let town = town_scope("u-town", "t01");
    let w = add_woman(&t.db, V1, "王芳", 1);
    let b = one_birth(&t.db, &v1, &w.id, "1");
    let b = preg::verify_birth(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &verify("village", "2026-05-10", "sex"),
        today(),
    )
    .unwrap();
    let b = preg::verify_birth(
        &t.db,
        &town,
        &b.id,
        b.version,
        &verify("town", "2026-05-11", "sex"),
        today(),
    )
    .unwrap();
    assert_eq!(b.verification, Verification::Verified);
    let amend = |scope: &Scope, version: i64, field: &str, value: &str, reason: &str| {
        preg::amend_birth(&t.db, scope, &b.id, version, field, value, reason, today())
    };

    // Only the town (or an administrator) corrects a verified birth.
    assert!(matches!(
        amend(&v1, b.version, "sex", "2", "出生医学证明为女"),
        Err(StoreError::Forbidden)
    ));
    refused(
        amend(&town, b.version, "name", "2", "x"),
        "field",
        "unknown_value",
    );
    refused(
        amend(&town, b.version, "sex", "2", " "),
        "reason",
        "required",
    );
    refused(
        amend(&town, b.version, "sex", "男", "核对"),
        "new_value",
        "duplicate",
    );
    refused(
        amend(&town, b.version, "born_on", "2025-08-01", "核对"),
        "new_value",
        "before_allowed_date",
    );
    refused(
        amend(&town, b.version, "born_on", "2026-06-02", "核对"),
        "new_value",
        "future_date",
    );
    assert!(matches!(
        amend(&town, b.version - 1, "sex", "2", "出生医学证明为女"),
        Err(StoreError::Conflict { .. })
    ));

    let a = amend(&town, b.version, "sex", "女", "出生医学证明为女").unwrap();
    assert_eq!(a.sex, Sex::Female);
    assert_eq!(a.version, b.version + 1);
    let a = amend(&town, a.version, "born_on", "2026-04-30", "核对出生证").unwrap();
    assert_eq!(a.born_on, "2026-04-30");
    let view = preg::get_birth(&t.db, &town, &b.id).unwrap();
    let rows: Vec<_> = view
        .amendments
        .iter()
        .map(|x| {
            (
                x.field.as_str(),
                x.old_value.as_str(),
                x.new_value.as_str(),
                x.by_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("sex", "1", "2", "t01"),
            ("born_on", "2026-05-01", "2026-04-30", "t01")
        ]
    );
    assert_eq!(view.amendments[0].reason, "出生医学证明为女");
    let person = register::get_person(&t.db, &town, &b.child_id).unwrap();
    assert_eq!(person.sex, Sex::Female);
    assert_eq!(person.birth_date, "2026-04-30");
    let trail = audit_entries(&t.db, "birth", Some(&b.id));
    assert!(
        trail
            .iter()
            .any(|e| e.detail.as_deref() == Some("amend sex: 1→2")),
        "{trail:?}"
    );
});

both!(infant_death_rules, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let v2 = village_scope(V2);
    let town = town_scope("u-town", "t01");
    let w = add_woman(&t.db, V1, "王芳", 1);
    let p = report(&t.db, &v1, &w.id, "2024-06-01", "2024-08-01").unwrap();
    let b = preg::report_births(
        &t.db,
        &v1,
        None,
        &p.id,
        p.version,
        &[child("1", "2025-03-01")],
        today(),
    )
    .unwrap()
    .0
    .remove(0);
    let death = |on: &str| DeathInput {
        died_on: on.into(),
        cause: "pneumonia".into(),
        note: String::new(),
    };

    // Not a child of another village; not after the first birthday.
    assert!(matches!(
        preg::report_infant_death(&t.db, &v2, None, &b.child_id, &death("2026-02-28"), today()),
        Err(StoreError::NotFound)
    ));
    refused(
        preg::report_infant_death(&t.db, &v1, None, &b.child_id, &death("2026-03-01"), today()),
        "died_on",
        "not_an_infant",
    );
    let cid = uuid::Uuid::now_v7().to_string();
    let (d, retried) = preg::report_infant_death(
        &t.db,
        &v1,
        Some(&cid),
        &b.child_id,
        &death("2026-02-28"),
        today(),
    )
    .unwrap();
    assert!(!retried, "the first report is new");
    assert_eq!(d.id, cid);
    assert_eq!(d.age_days, 364);
    assert_eq!(d.birth_id.as_deref(), Some(b.id.as_str()));
    assert_eq!(d.child_name, "王芳之子");
    assert_eq!(d.village_code, V1);
    assert_eq!(d.verification, Verification::Unverified);
    // A retry returns the same report; a second report is a duplicate.
    let (again, retried) = preg::report_infant_death(
        &t.db,
        &v1,
        Some(&cid),
        &b.child_id,
        &death("2026-02-28"),
        today(),
    )
    .unwrap();
    assert!(retried, "the same client id is a retry");
    assert_eq!(again, d);
    refused(
        preg::report_infant_death(&t.db, &v1, None, &b.child_id, &death("2026-02-27"), today()),
        "child_id",
        "duplicate",
    );

    // Verified in the same two steps; the date not before the death.
    refused(
        preg::verify_infant_death(
            &t.db,
            &v1,
            &d.id,
            d.version,
            &verify("village", "2026-02-27", "death"),
            today(),
        ),
        "verified_on",
        "before_allowed_date",
    );
    let d1 = preg::verify_infant_death(
        &t.db,
        &v1,
        &d.id,
        d.version,
        &verify("village", "2026-03-02", "death"),
        today(),
    )
    .unwrap();
    assert_eq!(d1.verification, Verification::VillageVerified);
    let d2 = preg::verify_infant_death(
        &t.db,
        &town,
        &d.id,
        d1.version,
        &verify("town", "2026-03-05", "death certificate"),
        today(),
    )
    .unwrap();
    assert_eq!(d2.verification, Verification::Verified);

    // Read and listed in scope only; the birth shows its death.
    assert!(matches!(
        preg::get_infant_death(&t.db, &v2, &d.id),
        Err(StoreError::NotFound)
    ));
    assert_eq!(preg::get_infant_death(&t.db, &v1, &d.id).unwrap(), d2);
    assert_eq!(
        preg::get_birth(&t.db, &v1, &b.id)
            .unwrap()
            .death
            .map(|x| x.id),
        Some(d.id.clone())
    );
    assert!(
        preg::list_infant_deaths(&t.db, &v2, &DeathFilter::default())
            .unwrap()
            .is_empty()
    );
    let listed = preg::list_infant_deaths(
        &t.db,
        &town,
        &DeathFilter {
            died_from: Some(day("2026-01-01")),
            verification: Some(Verification::Verified),
            ..DeathFilter::default()
        },
    )
    .unwrap();
    assert_eq!(listed, vec![d2]);

    // A person who is no infant at all is refused as well.
    let old = add_resident(&t.db, V1, "张伟", 1990, 2, "1");
    refused(
        preg::report_infant_death(&t.db, &v1, None, &old.id, &death("2026-05-01"), today()),
        "died_on",
        "not_an_infant",
    );
});
