//! The maternal store (`hearth_store::pregnancy`): pregnancy reports and
//! their rules, outcomes and antenatal checks, birth reports (twins, the
//! child's person record, the birth registration used), two-person
//! verification, amendments of a verified birth, infant deaths, scope,
//! version conflicts, client-id retries and the audit trail — each on
//! SQLite and PostgreSQL.

use crate::*;
use chrono::NaiveDate;
use hearth_core::person::{Relation, Sex};
use hearth_core::pregnancy::{
    BirthInput, CheckInput, DeathInput, OutcomeInput, PregnancyInput, Verification, VerifyInput,
};
use hearth_core::registration::{NewRegistration, RegistrationStatus};
use hearth_store::audit::{self, AuditFilter};
use hearth_store::pregnancy::{
    self as preg, Birth, BirthFilter, DeathFilter, Pregnancy, PregnancyFilter,
};
use hearth_store::{StoreError, register};

/// The day every test acts on (the store takes "today" as an argument).
fn today() -> NaiveDate {
    day("2026-06-01")
}

fn day(s: &str) -> NaiveDate {
    hearth_core::dates::parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn days_before(n: i64) -> String {
    hearth_core::dates::fmt_date(today() - chrono::Duration::days(n))
}

/// A town staff member of 古邵镇.
fn town_scope(user_id: &str, username: &str) -> Scope {
    Scope::for_user(user_id, username, Role::TownStaff, TOWN, false, "127.0.0.1")
}

fn report_input(lmp: &str, reported_on: &str) -> PregnancyInput {
    PregnancyInput {
        lmp: lmp.into(),
        reported_on: reported_on.into(),
        source: "self".into(),
        registration_id: String::new(),
    }
}

fn report(
    db: &hearth_store::Db,
    scope: &Scope,
    woman_id: &str,
    lmp: &str,
    reported_on: &str,
) -> Result<Pregnancy, StoreError> {
    preg::report_pregnancy(
        db,
        scope,
        None,
        woman_id,
        &report_input(lmp, reported_on),
        today(),
    )
}

fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// The (field, reason code) pairs of an `Invalid` answer.
fn fields<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(v)) => v
            .into_iter()
            .map(|f| (f.field.clone(), f.reason.code()))
            .collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, StoreError>, field: &str, code: &str) {
    let f = fields(r);
    assert!(
        f.iter().any(|(n, c)| n == field && *c == code),
        "expected {field}: {code}, got {f:?}"
    );
}

fn child(sex: &str, born_on: &str) -> BirthInput {
    BirthInput {
        sex: sex.into(),
        born_on: born_on.into(),
        born_time: "08:30".into(),
        weight_g: "3100".into(),
        place: "township_hospital".into(),
        ..BirthInput::default()
    }
}

fn verify(step: &str, on: &str, checks: &str) -> VerifyInput {
    VerifyInput {
        step: step.into(),
        verified_on: on.into(),
        checks: checks.into(),
    }
}

/// A pregnancy of `woman_id` (LMP 2025-08-01, reported 2025-09-15) and one
/// child born on 2026-05-01 of sex `sex`, reported by `scope`.
fn one_birth(db: &hearth_store::Db, scope: &Scope, woman_id: &str, sex: &str) -> Birth {
    let p = ok(report(db, scope, woman_id, "2025-08-01", "2025-09-15"));
    let mut b = ok(preg::report_births(
        db,
        scope,
        None,
        &p.id,
        p.version,
        &[child(sex, "2026-05-01")],
        today(),
    ));
    b.remove(0)
}

fn audit_entries(db: &hearth_store::Db, entity: &str, id: Option<&str>) -> Vec<audit::AuditEntry> {
    ok(audit::list(
        db,
        &Scope::system("test"),
        &AuditFilter {
            entity: Some(entity.into()),
            entity_id: id.map(str::to_string),
            ..AuditFilter::default()
        },
    ))
}

both!(pregnancy_report_rules, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w1 = add_woman(&t.db, V1, "王芳", 1);
    let w2 = add_woman(&t.db, V1, "李娜", 2);
    let w3 = add_woman(&t.db, V1, "赵敏", 3);
    let man = add_resident(&t.db, V1, "张伟", 1990, 4, "1");

    // A man cannot be reported pregnant.
    refused(
        report(&t.db, &v1, &man.id, &days_before(30), ""),
        "woman_id",
        "not_female",
    );
    // The LMP cannot lie in the future.
    refused(
        report(&t.db, &v1, &w2.id, "2026-06-02", ""),
        "lmp",
        "future_date",
    );
    // Nor more than 45 weeks (315 days) before the report; 315 is accepted.
    refused(
        report(&t.db, &v1, &w2.id, &days_before(316), ""),
        "lmp",
        "lmp_too_old",
    );
    let p1 = ok(report(&t.db, &v1, &w1.id, &days_before(315), ""));
    assert_eq!(
        p1.reported_on, "2026-06-01",
        "an empty report date is today"
    );
    assert_eq!(p1.woman_name, "王芳");
    assert_eq!(p1.village_code, V1);
    assert_eq!(p1.edd, days_before(315 - 280), "EDD = LMP + 280 days");
    assert_eq!(p1.reported_by_name, "v01");
    assert!(!p1.timely);
    assert!(p1.overdue, "open 45 weeks after the LMP is overdue");
    assert_eq!(p1.gest_week, Some(45));

    // A second open pregnancy of the same woman is refused.
    refused(
        report(&t.db, &v1, &w1.id, &days_before(20), ""),
        "woman_id",
        "already_pregnant",
    );

    // Timely: reported no more than 91 days after the LMP; 92 is late.
    let p2 = ok(report(&t.db, &v1, &w2.id, &days_before(91), ""));
    let p3 = ok(report(&t.db, &v1, &w3.id, &days_before(92), ""));
    assert!(p2.timely);
    assert!(!p3.timely);
    assert!(!p2.overdue && !p3.overdue);
    assert_eq!(p2.gest_week, Some(13));

    // Nothing was written by the refused reports.
    let all = ok(preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter::default(),
        today(),
    ));
    assert_eq!(all.len(), 3);
    let overdue = ok(preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter {
            overdue_only: true,
            ..PregnancyFilter::default()
        },
        today(),
    ));
    assert_eq!(
        overdue.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        vec![p1.id.as_str()]
    );
});

both!(pregnancy_scope_is_the_village, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let v2 = village_scope(V2);
    let w1 = add_woman(&t.db, V1, "王芳", 1);
    let w2 = add_woman(&t.db, V2, "李娜", 2);

    // A village specialist cannot report for a woman of another village.
    assert!(matches!(
        report(&t.db, &v1, &w2.id, &days_before(40), ""),
        Err(StoreError::NotFound)
    ));
    let p1 = ok(report(&t.db, &v1, &w1.id, &days_before(40), ""));
    let p2 = ok(report(&t.db, &v2, &w2.id, &days_before(40), ""));

    // Nor read, change or list another village's pregnancy.
    assert!(matches!(
        preg::get_pregnancy(&t.db, &v1, &p2.id, today()),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        preg::record_outcome(
            &t.db,
            &v1,
            &p2.id,
            p2.version,
            &OutcomeInput {
                outcome: "miscarriage".into(),
                outcome_on: days_before(1),
                ..OutcomeInput::default()
            },
            today(),
        ),
        Err(StoreError::NotFound)
    ));
    let mine = ok(preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter::default(),
        today(),
    ));
    assert_eq!(
        mine.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        vec![p1.id.as_str()]
    );
    refused(
        preg::list_pregnancies(
            &t.db,
            &v1,
            &PregnancyFilter {
                org_code: Some(V2.into()),
                ..PregnancyFilter::default()
            },
            today(),
        ),
        "org_code",
        "out_of_scope",
    );

    // The town sees both, and can narrow to one village.
    let town = town_scope("u-town", "t01");
    assert_eq!(
        ok(preg::list_pregnancies(
            &t.db,
            &town,
            &PregnancyFilter::default(),
            today()
        ))
        .len(),
        2
    );
    let only_v2 = ok(preg::list_pregnancies(
        &t.db,
        &town,
        &PregnancyFilter {
            org_code: Some(V2.into()),
            ..PregnancyFilter::default()
        },
        today(),
    ));
    assert_eq!(
        only_v2.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        vec![p2.id.as_str()]
    );

    // A role without the register permission may not report at all.
    let auditor = Scope::for_user("u-a", "aud", Role::Auditor, TOWN, false, "t");
    assert!(matches!(
        report(&t.db, &auditor, &w1.id, &days_before(40), ""),
        Err(StoreError::Forbidden)
    ));
});

both!(registration_link_must_be_her_current_one, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    let v1 = village_scope(V1);
    let w1 = add_woman(&t.db, V1, "王芳", 1);
    let h1 = add_resident(&t.db, V1, "张伟", 1994, 2, "1");
    let w2 = add_woman(&t.db, V1, "李娜", 3);
    let h2 = add_resident(&t.db, V1, "刘强", 1994, 4, "1");
    let c1 = ok(register::create_couple(&t.db, &sys, &w1.id, &h1.id, None));
    let c2 = ok(register::create_couple(&t.db, &sys, &w2.id, &h2.id, None));
    let reg = |couple: &str, number: &str| {
        let r = NewRegistration::validate(1, number, "2025-06-01", today())
            .unwrap_or_else(|e| panic!("{e:?}"));
        ok(register::create_registration(&t.db, &sys, couple, &r))
    };
    let r1 = reg(&c1.id, "GS-2025-001");
    let r2 = reg(&c2.id, "GS-2025-002");

    let with_reg = |r: &str| PregnancyInput {
        registration_id: r.into(),
        ..report_input(&days_before(50), "")
    };
    // Another couple's registration is refused.
    refused(
        preg::report_pregnancy(&t.db, &v1, None, &w1.id, &with_reg(&r2.id), today()),
        "registration_id",
        "unknown_value",
    );
    let p = ok(preg::report_pregnancy(
        &t.db,
        &v1,
        None,
        &w1.id,
        &with_reg(&r1.id),
        today(),
    ));
    assert_eq!(p.registration_id.as_deref(), Some(r1.id.as_str()));
});

both!(outcomes_and_checks, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let lmp = days_before(100);
    let p = ok(report(&t.db, &v1, &w.id, &lmp, ""));

    // An antenatal check: its gestational week comes from the LMP; a retry
    // with the same client id gives the same check.
    let check = CheckInput {
        checked_on: days_before(30),
        place: "古邵镇卫生院".into(),
        note: String::new(),
    };
    let cid = uuid::Uuid::now_v7().to_string();
    let c = ok(preg::add_check(
        &t.db,
        &v1,
        Some(&cid),
        &p.id,
        &check,
        today(),
    ));
    assert_eq!(c.id, cid);
    assert_eq!(c.gest_week, 10);
    let again = ok(preg::add_check(
        &t.db,
        &v1,
        Some(&cid),
        &p.id,
        &check,
        today(),
    ));
    assert_eq!(again, c);
    refused(
        preg::add_check(
            &t.db,
            &v1,
            None,
            &p.id,
            &CheckInput {
                checked_on: lmp.clone(),
                ..check.clone()
            },
            today(),
        ),
        "checked_on",
        "before_allowed_date",
    );
    let view = ok(preg::get_pregnancy(&t.db, &v1, &p.id, today()));
    assert_eq!(view.checks, vec![c.clone()]);

    let outcome = |kind: &str, on: &str| OutcomeInput {
        outcome: kind.into(),
        outcome_on: on.into(),
        ..OutcomeInput::default()
    };
    // The outcome date must be after the LMP.
    refused(
        preg::record_outcome(
            &t.db,
            &v1,
            &p.id,
            p.version,
            &outcome("miscarriage", &lmp),
            today(),
        ),
        "outcome_on",
        "before_allowed_date",
    );
    // An induced termination needs its medical record and reason.
    let f = fields(preg::record_outcome(
        &t.db,
        &v1,
        &p.id,
        p.version,
        &outcome("induced_termination", &days_before(5)),
        today(),
    ));
    assert!(
        f.contains(&("termination_record".into(), "required")),
        "{f:?}"
    );
    assert!(
        f.contains(&("termination_reason".into(), "required")),
        "{f:?}"
    );
    // A stale version is a conflict.
    assert!(matches!(
        preg::record_outcome(
            &t.db,
            &v1,
            &p.id,
            p.version - 1,
            &outcome("miscarriage", &days_before(5)),
            today(),
        ),
        Err(StoreError::Conflict { current }) if current == p.version
    ));
    let closed = ok(preg::record_outcome(
        &t.db,
        &v1,
        &p.id,
        p.version,
        &OutcomeInput {
            termination_record: "BL2026-0042".into(),
            termination_reason: "medical".into(),
            ..outcome("induced_termination", &days_before(5))
        },
        today(),
    ));
    assert_eq!(closed.outcome.as_deref(), Some("induced_termination"));
    assert_eq!(closed.termination_reason.as_deref(), Some("medical"));
    assert_eq!(closed.version, p.version + 1);
    assert!(closed.change_seq > p.change_seq);
    assert_eq!(closed.gest_week, None, "a closed pregnancy has no week");

    // A closed pregnancy takes no second outcome and no check.
    refused(
        preg::record_outcome(
            &t.db,
            &v1,
            &p.id,
            closed.version,
            &outcome("lost", &days_before(1)),
            today(),
        ),
        "outcome",
        "bad_transition",
    );
    refused(
        preg::add_check(&t.db, &v1, None, &p.id, &check, today()),
        "pregnancy_id",
        "bad_transition",
    );
    // She may now be reported pregnant again.
    ok(report(&t.db, &v1, &w.id, &days_before(2), ""));
});

both!(twins_become_two_children_of_the_household, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let sys = Scope::system("test");
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let husband = add_resident(&t.db, V1, "张伟", 1994, 2, "1");
    let couple = ok(register::create_couple(
        &t.db,
        &sys,
        &w.id,
        &husband.id,
        None,
    ));
    let r = NewRegistration::validate(2, "GS-2025-007", "2025-06-01", today())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let reg = ok(register::create_registration(&t.db, &sys, &couple.id, &r));

    let p = ok(report(&t.db, &v1, &w.id, "2025-08-01", "2025-09-15"));
    let first = uuid::Uuid::now_v7().to_string();
    let twins = [child("男", "2026-05-01"), child("女", "2026-05-02")];
    let births = ok(preg::report_births(
        &t.db,
        &v1,
        Some(&first),
        &p.id,
        p.version,
        &twins,
        today(),
    ));
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
    let hh = ok(register::get_household(
        &t.db,
        &v1,
        w.household_id.as_deref().unwrap_or_default(),
    ));
    assert_eq!(hh.members.len(), 3);
    let son = ok(register::get_person(&t.db, &v1, &births[0].child_id));
    let daughter = ok(register::get_person(&t.db, &v1, &births[1].child_id));
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
    let view = ok(preg::get_pregnancy(&t.db, &v1, &p.id, today()));
    assert_eq!(view.pregnancy.outcome.as_deref(), Some("live_birth"));
    assert_eq!(view.pregnancy.outcome_on.as_deref(), Some("2026-05-01"));
    assert_eq!(view.births.len(), 2);
    let reg_now = ok(register::get_registration(&t.db, &v1, &reg.id));
    assert_eq!(reg_now.status, RegistrationStatus::Used);
    assert_eq!(reg_now.version, reg.version + 1);

    // A retry with the same client id returns the births already made.
    let again = ok(preg::report_births(
        &t.db,
        &v1,
        Some(&first),
        &p.id,
        p.version,
        &twins,
        today(),
    ));
    let mut ids: Vec<_> = again.iter().map(|b| b.id.clone()).collect();
    let mut want: Vec<_> = births.iter().map(|b| b.id.clone()).collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(
        ok(register::get_household(
            &t.db,
            &v1,
            w.household_id.as_deref().unwrap_or_default()
        ))
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
    let p = ok(report(&t.db, &v1, &w.id, "2025-08-01", "2025-09-15"));
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
    let q = ok(report(&t.db, &v1, &other.id, "2025-08-01", "2025-09-15"));
    ok(preg::report_births(
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
    ));
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
    let still = ok(preg::get_pregnancy(&t.db, &v1, &p.id, today()));
    assert_eq!(still.pregnancy.outcome, None);
    assert!(still.births.is_empty());
    let hh = ok(register::get_household(
        &t.db,
        &v1,
        w.household_id.as_deref().unwrap_or_default(),
    ));
    assert_eq!(hh.members.len(), 1);

    // Without a registration, the order follows the mother's births so far.
    let b = ok(births(&[child("1", "2026-05-01")], p.version));
    assert_eq!(b[0].birth_order, 1);
    assert_eq!(b[0].registration_id, None);
    // A closed pregnancy takes no more births.
    let closed = ok(preg::get_pregnancy(&t.db, &v1, &p.id, today()));
    refused(
        births(&[child("2", "2026-05-01")], closed.pregnancy.version),
        "pregnancy_id",
        "bad_transition",
    );
    let p2 = ok(report(&t.db, &v1, &w.id, &days_before(20), ""));
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
    let named = ok(preg::name_child(&t.db, &v1, &b.id, b.version, "张小雨"));
    assert_eq!(named.child_name.as_deref(), Some("张小雨"));
    assert_eq!(named.version, b.version + 1);
    let person = ok(register::get_person(&t.db, &v1, &b.child_id));
    assert_eq!(person.name, "张小雨");
    // The search by pinyin initials finds the new name.
    let initials =
        t.db.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT name_initials FROM person WHERE id = $1",
                    &[hearth_store::db::P::T(&b.child_id)],
                )?
                .str(0))
        })
        .unwrap_or_else(|e| panic!("{e}"));
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
    let b1 = ok(preg::verify_birth(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &verify("village", "2026-05-10", "time_of_birth sex"),
        today(),
    ));
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
    let b2 = ok(preg::verify_birth(
        &t.db,
        &town,
        &b.id,
        b1.version,
        &verify("town", "2026-05-12", "time_of_birth sex certificate"),
        today(),
    ));
    assert_eq!(b2.verification, Verification::Verified);
    assert_eq!(
        b2.town_verification.as_ref().map(|v| v.by_name.as_str()),
        Some("t01")
    );
    let verified = ok(preg::list_births(
        &t.db,
        &town,
        &BirthFilter {
            verification: Some(Verification::Verified),
            ..BirthFilter::default()
        },
    ));
    assert_eq!(verified.len(), 1);
    let unverified = ok(preg::list_births(
        &t.db,
        &town,
        &BirthFilter {
            verification: Some(Verification::Unverified),
            ..BirthFilter::default()
        },
    ));
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
    let c1 = ok(preg::verify_birth(
        &t.db,
        &admin,
        &c.id,
        c.version,
        &verify("village", "2026-05-10", "sex"),
        today(),
    ));
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
    let b = ok(preg::verify_birth(
        &t.db,
        &v1,
        &b.id,
        b.version,
        &verify("village", "2026-05-10", "sex"),
        today(),
    ));
    let b = ok(preg::verify_birth(
        &t.db,
        &town,
        &b.id,
        b.version,
        &verify("town", "2026-05-11", "sex"),
        today(),
    ));
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

    let a = ok(amend(&town, b.version, "sex", "女", "出生医学证明为女"));
    assert_eq!(a.sex, Sex::Female);
    assert_eq!(a.version, b.version + 1);
    let a = ok(amend(
        &town,
        a.version,
        "born_on",
        "2026-04-30",
        "核对出生证",
    ));
    assert_eq!(a.born_on, "2026-04-30");
    let view = ok(preg::get_birth(&t.db, &town, &b.id));
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
    let person = ok(register::get_person(&t.db, &town, &b.child_id));
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
    let p = ok(report(&t.db, &v1, &w.id, "2024-06-01", "2024-08-01"));
    let b = ok(preg::report_births(
        &t.db,
        &v1,
        None,
        &p.id,
        p.version,
        &[child("1", "2025-03-01")],
        today(),
    ))
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
    let d = ok(preg::report_infant_death(
        &t.db,
        &v1,
        Some(&cid),
        &b.child_id,
        &death("2026-02-28"),
        today(),
    ));
    assert_eq!(d.id, cid);
    assert_eq!(d.age_days, 364);
    assert_eq!(d.birth_id.as_deref(), Some(b.id.as_str()));
    assert_eq!(d.child_name, "王芳之子");
    assert_eq!(d.village_code, V1);
    assert_eq!(d.verification, Verification::Unverified);
    // A retry returns the same report; a second report is a duplicate.
    let again = ok(preg::report_infant_death(
        &t.db,
        &v1,
        Some(&cid),
        &b.child_id,
        &death("2026-02-28"),
        today(),
    ));
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
    let d1 = ok(preg::verify_infant_death(
        &t.db,
        &v1,
        &d.id,
        d.version,
        &verify("village", "2026-03-02", "death"),
        today(),
    ));
    assert_eq!(d1.verification, Verification::VillageVerified);
    let d2 = ok(preg::verify_infant_death(
        &t.db,
        &town,
        &d.id,
        d1.version,
        &verify("town", "2026-03-05", "death certificate"),
        today(),
    ));
    assert_eq!(d2.verification, Verification::Verified);

    // Read and listed in scope only; the birth shows its death.
    assert!(matches!(
        preg::get_infant_death(&t.db, &v2, &d.id),
        Err(StoreError::NotFound)
    ));
    assert_eq!(ok(preg::get_infant_death(&t.db, &v1, &d.id)), d2);
    assert_eq!(
        ok(preg::get_birth(&t.db, &v1, &b.id)).death.map(|x| x.id),
        Some(d.id.clone())
    );
    assert!(
        ok(preg::list_infant_deaths(
            &t.db,
            &v2,
            &DeathFilter::default()
        ))
        .is_empty()
    );
    let listed = ok(preg::list_infant_deaths(
        &t.db,
        &town,
        &DeathFilter {
            died_from: Some(day("2026-01-01")),
            verification: Some(Verification::Verified),
            ..DeathFilter::default()
        },
    ));
    assert_eq!(listed, vec![d2]);

    // A person who is no infant at all is refused as well.
    let old = add_resident(&t.db, V1, "张伟", 1990, 2, "1");
    refused(
        preg::report_infant_death(&t.db, &v1, None, &old.id, &death("2026-05-01"), today()),
        "died_on",
        "not_an_infant",
    );
});

both!(retried_report_returns_the_first, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let other = add_woman(&t.db, V1, "李娜", 2);
    let cid = uuid::Uuid::now_v7().to_string();
    let input = report_input(&days_before(40), "");
    let first = ok(preg::report_pregnancy(
        &t.db,
        &v1,
        Some(&cid),
        &w.id,
        &input,
        today(),
    ));
    assert_eq!(first.id, cid);
    let again = ok(preg::report_pregnancy(
        &t.db,
        &v1,
        Some(&cid),
        &w.id,
        &input,
        today(),
    ));
    assert_eq!(again, first);
    // The same id for another woman is refused.
    refused(
        preg::report_pregnancy(&t.db, &v1, Some(&cid), &other.id, &input, today()),
        "id",
        "duplicate",
    );
    let all = ok(preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter::default(),
        today(),
    ));
    assert_eq!(all.len(), 1);
    assert_eq!(audit_entries(&t.db, "pregnancy", Some(&cid)).len(), 1);
});

both!(views_and_lists_are_audited, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let b = one_birth(&t.db, &v1, &w.id, "2");

    ok(preg::get_pregnancy(&t.db, &v1, &b.pregnancy_id, today()));
    ok(preg::get_birth(&t.db, &v1, &b.id));
    let list = ok(preg::list_births(
        &t.db,
        &v1,
        &BirthFilter {
            org_code: Some(V1.into()),
            ..BirthFilter::default()
        },
    ));
    assert_eq!(list.len(), 1);
    ok(preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter {
            open_only: true,
            ..PregnancyFilter::default()
        },
        today(),
    ));

    let views = |entity: &str, id: Option<&str>| {
        audit_entries(&t.db, entity, id)
            .into_iter()
            .filter(|e| e.action == "view")
            .collect::<Vec<_>>()
    };
    let pv = views("pregnancy", Some(&b.pregnancy_id));
    assert_eq!(pv.len(), 1);
    assert_eq!(pv[0].username, "v01");
    assert_eq!(views("birth", Some(&b.id)).len(), 1);
    let bl = views("birth_list", None);
    assert_eq!(bl.len(), 1);
    assert_eq!(bl[0].detail.as_deref(), Some(format!("org={V1}").as_str()));
    let pl = views("pregnancy_list", None);
    assert_eq!(pl.len(), 1);
    assert_eq!(pl[0].detail.as_deref(), Some("open=1"));
    // The changes are in the trail too.
    assert!(
        audit_entries(&t.db, "pregnancy", Some(&b.pregnancy_id))
            .iter()
            .any(|e| e.action == "update" && e.detail.as_deref() == Some("live_birth"))
    );
    assert_eq!(
        audit_entries(&t.db, "birth", Some(&b.id))
            .iter()
            .filter(|e| e.action == "create")
            .count(),
        1
    );
});
