//! The pregnancy store (`hearth_store::pregnancy`): pregnancy reports and
//! their rules, outcomes and antenatal checks, scope, client-id retries and
//! the audit trail — each on SQLite and PostgreSQL; and the helpers the
//! birth tests (`store_births`) share.

use crate::*;
use chrono::NaiveDate;
use hearth_core::pregnancy::{
    BirthInput, CheckInput, Outcome, OutcomeInput, PregnancyInput, TerminationReason, VerifyInput,
};
use hearth_core::registration::NewRegistration;
use hearth_store::audit::{self, AuditFilter};
use hearth_store::pregnancy::{self as preg, Birth, BirthFilter, Pregnancy, PregnancyFilter};
use hearth_store::{StoreError, register};

/// The day every test acts on (the store takes "today" as an argument).
pub(super) fn today() -> NaiveDate {
    day("2026-06-01")
}

pub(super) fn day(s: &str) -> NaiveDate {
    hearth_core::dates::parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

pub(super) fn days_before(n: i64) -> String {
    hearth_core::dates::fmt_date(today() - chrono::Duration::days(n))
}

/// A town staff member of 古邵镇.
pub(super) fn town_scope(user_id: &str, username: &str) -> Scope {
    Scope::for_user(user_id, username, Role::TownStaff, TOWN, false, "127.0.0.1")
}

pub(super) fn report_input(lmp: &str, reported_on: &str) -> PregnancyInput {
    PregnancyInput {
        lmp: lmp.into(),
        reported_on: reported_on.into(),
        source: "self".into(),
        registration_id: String::new(),
    }
}

pub(super) fn report(
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
    .map(|(p, _)| p)
}

/// The (field, reason code) pairs of an `Invalid` answer.
pub(super) fn fields<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(v)) => v
            .into_iter()
            .map(|f| (f.field.clone(), f.reason.code()))
            .collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[track_caller]
pub(super) fn refused<T: std::fmt::Debug>(r: Result<T, StoreError>, field: &str, code: &str) {
    let f = fields(r);
    assert!(
        f.iter().any(|(n, c)| n == field && *c == code),
        "expected {field}: {code}, got {f:?}"
    );
}

pub(super) fn child(sex: &str, born_on: &str) -> BirthInput {
    BirthInput {
        sex: sex.into(),
        born_on: born_on.into(),
        born_time: "08:30".into(),
        weight_g: "3100".into(),
        place: "township_hospital".into(),
        ..BirthInput::default()
    }
}

pub(super) fn verify(step: &str, on: &str, checks: &str) -> VerifyInput {
    VerifyInput {
        step: step.into(),
        verified_on: on.into(),
        checks: checks.into(),
    }
}

/// A pregnancy of `woman_id` (LMP 2025-08-01, reported 2025-09-15) and one
/// child born on 2026-05-01 of sex `sex`, reported by `scope`.
pub(super) fn one_birth(db: &hearth_store::Db, scope: &Scope, woman_id: &str, sex: &str) -> Birth {
    let p = report(db, scope, woman_id, "2025-08-01", "2025-09-15").unwrap();
    let mut b = preg::report_births(
        db,
        scope,
        None,
        &p.id,
        p.version,
        &[child(sex, "2026-05-01")],
        today(),
    )
    .unwrap();
    b.0.remove(0)
}

pub(super) fn audit_entries(
    db: &hearth_store::Db,
    entity: &str,
    id: Option<&str>,
) -> Vec<audit::AuditEntry> {
    audit::list(
        db,
        &Scope::system("test"),
        &AuditFilter {
            entity: Some(entity.into()),
            entity_id: id.map(str::to_string),
            ..AuditFilter::default()
        },
    )
    .unwrap()
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
    let p1 = report(&t.db, &v1, &w1.id, &days_before(315), "").unwrap();
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
    let p2 = report(&t.db, &v1, &w2.id, &days_before(91), "").unwrap();
    let p3 = report(&t.db, &v1, &w3.id, &days_before(92), "").unwrap();
    assert!(p2.timely);
    assert!(!p3.timely);
    assert!(!p2.overdue && !p3.overdue);
    assert_eq!(p2.gest_week, Some(13));

    // Nothing was written by the refused reports.
    let all = preg::list_pregnancies(&t.db, &v1, &PregnancyFilter::default(), today()).unwrap();
    assert_eq!(all.len(), 3);
    let overdue = preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter {
            overdue_only: true,
            ..PregnancyFilter::default()
        },
        today(),
    )
    .unwrap();
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
    let p1 = report(&t.db, &v1, &w1.id, &days_before(40), "").unwrap();
    let p2 = report(&t.db, &v2, &w2.id, &days_before(40), "").unwrap();

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
    let mine = preg::list_pregnancies(&t.db, &v1, &PregnancyFilter::default(), today()).unwrap();
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
        preg::list_pregnancies(&t.db, &town, &PregnancyFilter::default(), today())
            .unwrap()
            .len(),
        2
    );
    let only_v2 = preg::list_pregnancies(
        &t.db,
        &town,
        &PregnancyFilter {
            org_code: Some(V2.into()),
            ..PregnancyFilter::default()
        },
        today(),
    )
    .unwrap();
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
    let c1 = register::create_couple(&t.db, &sys, &w1.id, &h1.id, None).unwrap();
    let c2 = register::create_couple(&t.db, &sys, &w2.id, &h2.id, None).unwrap();
    let reg = |couple: &str, number: &str| {
        let r = NewRegistration::validate(1, number, "2025-06-01", today()).unwrap();
        register::create_registration(&t.db, &sys, couple, &r).unwrap()
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
    let (p, _) =
        preg::report_pregnancy(&t.db, &v1, None, &w1.id, &with_reg(&r1.id), today()).unwrap();
    assert_eq!(p.registration_id.as_deref(), Some(r1.id.as_str()));
});

both!(outcomes_and_checks, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let lmp = days_before(100);
    let p = report(&t.db, &v1, &w.id, &lmp, "").unwrap();

    // An antenatal check: its gestational week comes from the LMP; a retry
    // with the same client id gives the same check.
    let check = CheckInput {
        checked_on: days_before(30),
        place: "古邵镇卫生院".into(),
        note: String::new(),
    };
    let cid = uuid::Uuid::now_v7().to_string();
    let (c, retried) = preg::add_check(&t.db, &v1, Some(&cid), &p.id, &check, today()).unwrap();
    assert!(!retried, "the first check is new");
    assert_eq!(c.id, cid);
    assert_eq!(c.gest_week, 10);
    let (again, retried) = preg::add_check(&t.db, &v1, Some(&cid), &p.id, &check, today()).unwrap();
    assert!(retried, "the same client id is a retry");
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
    let view = preg::get_pregnancy(&t.db, &v1, &p.id, today()).unwrap();
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
    let closed = preg::record_outcome(
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
    )
    .unwrap();
    assert_eq!(closed.outcome, Some(Outcome::InducedTermination));
    assert_eq!(closed.termination_reason, Some(TerminationReason::Medical));
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
    report(&t.db, &v1, &w.id, &days_before(2), "").unwrap();
});

both!(retried_report_returns_the_first, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let other = add_woman(&t.db, V1, "李娜", 2);
    let cid = uuid::Uuid::now_v7().to_string();
    let input = report_input(&days_before(40), "");
    let (first, retried) =
        preg::report_pregnancy(&t.db, &v1, Some(&cid), &w.id, &input, today()).unwrap();
    assert!(!retried, "the first report is new");
    assert_eq!(first.id, cid);
    let (again, retried) =
        preg::report_pregnancy(&t.db, &v1, Some(&cid), &w.id, &input, today()).unwrap();
    assert!(retried, "the same client id is a retry");
    assert_eq!(again, first);
    // The same id for another woman is refused.
    refused(
        preg::report_pregnancy(&t.db, &v1, Some(&cid), &other.id, &input, today()),
        "id",
        "duplicate",
    );
    let all = preg::list_pregnancies(&t.db, &v1, &PregnancyFilter::default(), today()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(audit_entries(&t.db, "pregnancy", Some(&cid)).len(), 1);
});

both!(views_and_lists_are_audited, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let v1 = village_scope(V1);
    let w = add_woman(&t.db, V1, "王芳", 1);
    let b = one_birth(&t.db, &v1, &w.id, "2");

    preg::get_pregnancy(&t.db, &v1, &b.pregnancy_id, today()).unwrap();
    preg::get_birth(&t.db, &v1, &b.id).unwrap();
    let list = preg::list_births(
        &t.db,
        &v1,
        &BirthFilter {
            org_code: Some(V1.into()),
            ..BirthFilter::default()
        },
    )
    .unwrap();
    assert_eq!(list.len(), 1);
    preg::list_pregnancies(
        &t.db,
        &v1,
        &PregnancyFilter {
            open_only: true,
            ..PregnancyFilter::default()
        },
        today(),
    )
    .unwrap();

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
