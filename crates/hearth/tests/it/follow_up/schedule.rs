//! Follow-up store tests of the schedule: rules at their window
//! boundaries, the monthly contact, turning 50, procedures, on both
//! backends.

use super::store::{d, keys, setup, status_of};
use crate::{V1, add_resident};
use hearth_core::dates::fmt_date;
use hearth_core::follow_up::{ContactStatus, ProcedureInput, RuleInput, YearMonth};
use hearth_core::pregnancy::PregnancyInput;
use hearth_core::scope::Scope;
use hearth_store::StoreError;
use hearth_store::follow_up::{self as fu, CoverageBy};
use hearth_store::pregnancy as preg;

both!(postpartum_d3_window_boundaries, |kind| {
    let fx = setup(kind);
    // Born 2026-05-01: the d3 home visit is due on days 3–7 (05-04..05-08).
    let early = fx.woman("赵一", 1, &fx.z1);
    let b_early = fx.birth(&early, "2026-05-01");
    let d3 = |b: &str| format!("postpartum_d3:{b}");
    // Day 2 (home), day 5 by phone, day 8 (home): none covers it.
    let v = fx.visit(&fx.w1s, &early, "2026-05-03", "home").unwrap();
    assert!(
        !keys(&v).contains(&d3(&b_early)),
        "day 2 is before the window"
    );
    assert!(keys(&v).contains(&"monthly:2026-05".to_string()));
    let v = fx.visit(&fx.w1s, &early, "2026-05-06", "phone").unwrap();
    assert!(
        v.covered.is_empty(),
        "a phone call is not a home visit: {v:?}"
    );
    let v = fx.visit(&fx.w1s, &early, "2026-05-09", "home").unwrap();
    assert!(
        !keys(&v).contains(&d3(&b_early)),
        "day 8 is after the window"
    );
    let st = fx.statuses(&early, "2026-05-01", "2026-05-31", "2026-05-20");
    assert_eq!(
        status_of(&st, &d3(&b_early)),
        Some(ContactStatus::DoneLate),
        "one day outside the window never counts as on time"
    );
    // Day 3 and day 7 (home) cover it.
    for (i, day) in ["2026-05-04", "2026-05-08"].into_iter().enumerate() {
        let w = fx.woman(["钱二", "钱三"][i], 10 + i as u16, &fx.z1);
        let b = fx.birth(&w, "2026-05-01");
        let v = fx.visit(&fx.w1s, &w, day, "home").unwrap();
        assert!(keys(&v).contains(&d3(&b)), "{day}: {:?}", keys(&v));
        let c = v.covered.iter().find(|c| c.key == d3(&b));
        assert_eq!(
            c.map(|c| (c.window_from.as_str(), c.window_to.as_str())),
            Some(("2026-05-04", "2026-05-08"))
        );
        let st = fx.statuses(&w, "2026-05-01", "2026-05-31", "2026-05-20");
        assert_eq!(status_of(&st, &d3(&b)), Some(ContactStatus::Done));
        // d14 (days 14–16) is still due on the 20th? No: 05-15..05-17 closed.
        assert_eq!(
            status_of(&st, &format!("postpartum_d14:{b}")),
            Some(ContactStatus::Overdue)
        );
    }
});

both!(monthly_contact_boundaries, |kind| {
    let fx = setup(kind);
    let first = fx.woman("孙一", 1, &fx.z1);
    let last = fx.woman("孙二", 2, &fx.z1);
    let next = fx.woman("孙三", 3, &fx.z1);
    let v = fx.visit(&fx.w1s, &first, "2026-03-01", "home").unwrap();
    assert_eq!(keys(&v), vec!["monthly:2026-03"]);
    assert_eq!(v.covered[0].rule_code, "routine");
    let v = fx.visit(&fx.w1s, &last, "2026-03-31", "clinic").unwrap();
    assert_eq!(keys(&v), vec!["monthly:2026-03"]);
    let v = fx.visit(&fx.w1s, &next, "2026-04-01", "phone").unwrap();
    assert_eq!(keys(&v), vec!["monthly:2026-04"]);
    let st = fx.statuses(&next, "2026-03-01", "2026-04-30", "2026-05-15");
    assert_eq!(
        status_of(&st, "monthly:2026-03"),
        Some(ContactStatus::DoneLate)
    );
    assert_eq!(status_of(&st, "monthly:2026-04"), Some(ContactStatus::Done));
    let st = fx.statuses(&first, "2026-03-01", "2026-04-30", "2026-04-20");
    assert_eq!(status_of(&st, "monthly:2026-03"), Some(ContactStatus::Done));
    assert_eq!(status_of(&st, "monthly:2026-04"), Some(ContactStatus::Due));
    // A second visit in the month covers nothing new.
    let v = fx.visit(&fx.w1s, &first, "2026-03-20", "home").unwrap();
    assert!(v.covered.is_empty());
});

both!(
    pregnancy_allows_phone_and_one_visit_covers_several,
    |kind| {
        let fx = setup(kind);
        // Routine contacts become home-only; the pregnancy rule keeps phone.
        let rules = fu::list_rules(&fx.t.db, &fx.spec).unwrap();
        let routine = rules.iter().find(|r| r.code == "routine").expect("routine");
        let change = RuleInput {
            modes: "home,clinic".into(),
            active: true,
            ..RuleInput::default()
        };
        assert!(matches!(
            fu::update_rule(&fx.t.db, &fx.spec, "routine", routine.version, &change),
            Err(StoreError::Forbidden)
        ));
        fu::update_rule(&fx.t.db, &fx.admin, "routine", routine.version, &change).unwrap();
        assert!(matches!(
            fu::update_rule(&fx.t.db, &fx.admin, "routine", routine.version, &change),
            Err(StoreError::Conflict { .. })
        ));

        let plain = fx.woman("李一", 1, &fx.z1);
        let pregnant = fx.woman("李二", 2, &fx.z1);
        preg::report_pregnancy(
            &fx.t.db,
            &Scope::system("test"),
            None,
            &pregnant.id,
            &PregnancyInput {
                lmp: "2026-01-10".into(),
                reported_on: "2026-02-20".into(),
                source: "self".into(),
                registration_id: String::new(),
            },
            d("2026-02-20"),
        )
        .unwrap();
        let v = fx.visit(&fx.w1s, &plain, "2026-03-05", "phone").unwrap();
        assert!(
            v.covered.is_empty(),
            "routine contacts are home or clinic now"
        );
        let v = fx.visit(&fx.w1s, &pregnant, "2026-03-05", "phone").unwrap();
        assert_eq!(keys(&v), vec!["monthly:2026-03"]);
        assert_eq!(v.covered[0].rule_code, "pregnant");

        // One home visit on day 4 after a birth covers the month and the d3 visit.
        let mother = fx.woman("李三", 3, &fx.z1);
        let b = fx.birth(&mother, "2026-06-01");
        let v = fx.visit(&fx.w1s, &mother, "2026-06-05", "home").unwrap();
        let mut k = keys(&v);
        k.sort();
        assert_eq!(
            k,
            vec!["monthly:2026-06".to_string(), format!("postpartum_d3:{b}")]
        );
        // Coverage follows the same rules: in March the phone call counts
        // for the pregnant woman only; the mother (pregnant then) had none.
        let r = fu::coverage(
            &fx.t.db,
            &fx.spec,
            V1,
            YearMonth::new(2026, 3).expect("month"),
            CoverageBy::Village,
            d("2026-06-10"),
        )
        .unwrap();
        assert_eq!(
            (r.total.due, r.total.on_time, r.total.late, r.total.missed),
            (3, 1, 0, 2)
        );
    }
);

both!(turning_50_drops_out_of_the_monthly_schedule, |kind| {
    let fx = setup(kind);
    // Born 1976-03-14: 49 on 1 March 2026, 50 on 1 April.
    let w = add_resident(&fx.t.db, V1, "周大", 1976, 1, "2");
    fu::assign(&fx.t.db, &fx.spec, &w.id, &fx.z1.id).unwrap();
    let st = fx.statuses(&w, "2026-02-01", "2026-05-31", "2026-02-10");
    let k: Vec<&str> = st.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(k, vec!["monthly:2026-02", "monthly:2026-03"]);
    let v = fx.visit(&fx.w1s, &w, "2026-04-10", "home").unwrap();
    assert!(v.covered.is_empty());
    // Nor is she due in April's coverage.
    let young = fx.woman("周小", 2, &fx.z1);
    let _ = young;
    let c = fu::coverage(
        &fx.t.db,
        &fx.town,
        V1,
        YearMonth::new(2026, 4).expect("month"),
        CoverageBy::Village,
        d("2026-04-10"),
    )
    .unwrap();
    assert_eq!(c.total.due, 1);
    let c = fu::coverage(
        &fx.t.db,
        &fx.town,
        V1,
        YearMonth::new(2026, 3).expect("month"),
        CoverageBy::Village,
        d("2026-04-10"),
    )
    .unwrap();
    assert_eq!(c.total.due, 2);
});

both!(a_procedure_starts_its_three_contacts, |kind| {
    let fx = setup(kind);
    let w = fx.woman("吴一", 1, &fx.z1);
    let p = fu::record_procedure(
        &fx.t.db,
        &fx.w1s,
        None,
        &w.id,
        &ProcedureInput {
            kind: "iud_insertion".into(),
            done_on: "2026-01-10".into(),
            place: "镇卫生院".into(),
        },
        d("2026-01-10"),
    )
    .unwrap()
    .0;
    let bad = fu::record_procedure(
        &fx.t.db,
        &fx.w1s,
        None,
        &w.id,
        &ProcedureInput {
            kind: "magic".into(),
            done_on: "2026-01-11".into(),
            place: String::new(),
        },
        d("2026-01-10"),
    );
    match bad {
        Err(StoreError::Invalid(errs)) => {
            let f: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(f, vec!["kind", "done_on", "place"]);
        }
        other => panic!("{other:?}"),
    }
    let sched = fu::schedule(
        &fx.t.db,
        &fx.spec,
        &w.id,
        d("2026-01-01"),
        d("2026-06-30"),
        d("2026-01-12"),
    )
    .unwrap();
    let proc: Vec<(String, String, String)> = sched
        .iter()
        .filter(|c| c.contact.rule_code.starts_with("procedure"))
        .map(|c| {
            (
                c.contact.key.clone(),
                fmt_date(c.contact.window_from),
                fmt_date(c.contact.window_to),
            )
        })
        .collect();
    assert_eq!(
        proc,
        vec![
            (
                format!("procedure_d7:{}", p.id),
                "2026-01-17".into(),
                "2026-01-20".into()
            ),
            (
                format!("procedure_m1:{}", p.id),
                "2026-02-09".into(),
                "2026-02-16".into()
            ),
            (
                format!("procedure_m3:{}", p.id),
                "2026-04-10".into(),
                "2026-04-24".into()
            ),
        ]
    );
    let v = fx.visit(&fx.w1s, &w, "2026-01-17", "phone").unwrap();
    let mut k = keys(&v);
    k.sort();
    assert_eq!(
        k,
        vec![
            "monthly:2026-01".to_string(),
            format!("procedure_d7:{}", p.id)
        ]
    );
});
