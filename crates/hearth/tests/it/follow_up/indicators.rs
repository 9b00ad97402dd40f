//! Follow-up store tests of the indicators: coverage of a small month
//! counted by hand and the work list's sections, on both backends.

use super::store::{d, setup};
use crate::{V1, V2, add_resident, add_woman};
use hearth_core::follow_up::{ContactStatus, NeedInput, NeedStatus, VisitInput, YearMonth};
use hearth_core::person::Person;
use hearth_core::pregnancy::PregnancyInput;
use hearth_core::scope::Scope;
use hearth_store::StoreError;
use hearth_store::follow_up::{self as fu, CoverageBy, NeedsWorker};
use hearth_store::pregnancy as preg;

both!(coverage_of_a_small_month, |kind| {
    let fx = setup(kind);
    let march = YearMonth::new(2026, 3).expect("month");
    // W1: on time (home), late (April 2nd), missed. W2: on time by phone.
    let a = fx.woman("蒋甲", 1, &fx.z1);
    let b = fx.woman("蒋乙", 2, &fx.z1);
    let _c = fx.woman("蒋丙", 3, &fx.z1);
    let d_ = fx.woman("蒋丁", 4, &fx.z2);
    // Not due: a woman of 56, a man.
    let old = add_resident(&fx.t.db, V1, "蒋老", 1970, 5, "2");
    add_resident(&fx.t.db, V1, "蒋男", 1990, 6, "1");
    fx.visit(&fx.w1s, &a, "2026-03-05", "home").unwrap();
    fx.visit(&fx.w1s, &b, "2026-04-02", "home").unwrap();
    fx.visit(&fx.w2s, &d_, "2026-03-10", "phone").unwrap();
    fx.visit(&fx.spec, &old, "2026-03-10", "home").unwrap();
    // V2: one woman, unvisited.
    add_woman(&fx.t.db, V2, "蒋外", 7);
    // A girl of 14, pregnant since January: due although under 15, and
    // on the unassigned list as a problem until she has a worker.
    let girl = add_resident(&fx.t.db, V1, "蒋少", 2011, 9, "2");
    preg::report_pregnancy(
        &fx.t.db,
        &Scope::system("test"),
        None,
        &girl.id,
        &PregnancyInput {
            lmp: "2026-01-15".into(),
            reported_on: "2026-02-20".into(),
            source: "self".into(),
            registration_id: String::new(),
        },
        d("2026-02-20"),
    )
    .unwrap();
    fx.visit(&fx.spec, &girl, "2026-03-12", "phone").unwrap();
    let un = fu::unassigned(&fx.t.db, &fx.spec, V1, d("2026-03-12")).unwrap();
    let un: Vec<(&str, NeedsWorker)> = un.iter().map(|u| (u.person_id.as_str(), u.why)).collect();
    assert_eq!(un, vec![(girl.id.as_str(), NeedsWorker::Pregnant)]);

    let after = d("2026-05-15");
    let r = fu::coverage(
        &fx.t.db,
        &fx.town,
        crate::TOWN,
        march,
        CoverageBy::Village,
        after,
    )
    .unwrap();
    let v1 = r.rows.iter().find(|x| x.key == V1).expect("V1 row");
    assert_eq!(
        (v1.due, v1.on_time, v1.late, v1.missed, v1.pending),
        (5, 3, 1, 1, 0)
    );
    assert_eq!(v1.coverage, Some(0.6));
    let v2 = r.rows.iter().find(|x| x.key == V2).expect("V2 row");
    assert_eq!((v2.due, v2.on_time, v2.missed), (1, 0, 1));
    assert_eq!(
        (r.total.due, r.total.on_time, r.total.late, r.total.missed),
        (6, 3, 1, 2)
    );

    let r = fu::coverage(&fx.t.db, &fx.spec, V1, march, CoverageBy::Worker, after).unwrap();
    let w1 = r.rows.iter().find(|x| x.key == fx.w1).expect("W1 row");
    assert_eq!((w1.due, w1.on_time, w1.late, w1.missed), (3, 1, 1, 1));
    let w2 = r.rows.iter().find(|x| x.key == fx.w2).expect("W2 row");
    assert_eq!((w2.due, w2.on_time), (1, 1));
    let nobody = r
        .rows
        .iter()
        .find(|x| x.key.is_empty())
        .expect("unassigned row");
    assert_eq!((nobody.due, nobody.on_time), (1, 1));
    assert_eq!(r.total.due, 5);
    let r = fu::coverage(&fx.t.db, &fx.spec, V1, march, CoverageBy::Zone, after).unwrap();
    let z1 = r.rows.iter().find(|x| x.key == fx.z1.id).expect("Z1 row");
    assert_eq!(z1.due, 3);

    // Before the late period ends, the rest is pending, not missed.
    let r = fu::coverage(
        &fx.t.db,
        &fx.spec,
        V1,
        march,
        CoverageBy::Village,
        d("2026-04-10"),
    )
    .unwrap();
    assert_eq!(
        (
            r.total.on_time,
            r.total.late,
            r.total.pending,
            r.total.missed
        ),
        (3, 1, 1, 0)
    );
    // A follow-up worker has no statistics permission.
    assert!(matches!(
        fu::coverage(&fx.t.db, &fx.w1s, V1, march, CoverageBy::Village, after),
        Err(StoreError::Forbidden)
    ));

    let chart = fu::coverage_by_month(
        &fx.t.db,
        &fx.spec,
        V1,
        YearMonth::new(2026, 2).expect("month"),
        YearMonth::new(2026, 4).expect("month"),
        after,
    )
    .unwrap();
    let on_time: Vec<(String, i64, i64)> = chart
        .iter()
        .map(|m| (m.month.to_string(), m.due, m.on_time))
        .collect();
    assert_eq!(
        on_time,
        vec![
            ("2026-02".to_string(), 5, 0),
            ("2026-03".to_string(), 5, 3),
            ("2026-04".to_string(), 5, 1)
        ]
    );

    // Postpartum completion: born 1 March; d3 on time, d14 late, d28 missed.
    let m = fx.woman("蒋产", 8, &fx.z1);
    fx.birth(&m, "2026-03-01");
    fx.visit(&fx.w1s, &m, "2026-03-05", "home").unwrap();
    fx.visit(&fx.w1s, &m, "2026-03-18", "home").unwrap();
    let p = fu::postpartum_completion(&fx.t.db, &fx.spec, V1, march, after).unwrap();
    let by: Vec<(String, i64, i64, i64, i64)> = p
        .rules
        .iter()
        .map(|r| (r.key.clone(), r.due, r.on_time, r.late, r.missed))
        .collect();
    assert_eq!(
        by,
        vec![
            ("postpartum_d3".to_string(), 1, 1, 0, 0),
            ("postpartum_d14".to_string(), 1, 0, 1, 0),
            ("postpartum_d28".to_string(), 1, 0, 0, 1),
        ]
    );
    assert_eq!(
        (p.total.due, p.total.on_time, p.total.late, p.total.missed),
        (3, 1, 1, 1)
    );
});

both!(work_list_sections, |kind| {
    let fx = setup(kind);
    let today = d("2026-05-20");
    // Born 05-10: d3 (05-13..05-17) overdue, d14 (05-24..05-26) this week.
    let mother = fx.woman("韩母", 1, &fx.z1);
    let b = fx.birth(&mother, "2026-05-10");
    // Visited in April and May: nothing due today, nothing overdue in April.
    let done = fx.woman("韩好", 2, &fx.z1);
    fx.visit(&fx.w1s, &done, "2026-04-10", "home").unwrap();
    let v = fu::record_visit(
        &fx.t.db,
        &fx.w1s,
        None,
        &VisitInput {
            person_id: done.id.clone(),
            visited_on: "2026-05-02".into(),
            mode: "home".into(),
            needs: vec![NeedInput {
                category: "economic".into(),
                text: "家庭困难，申请救助".into(),
                for_window: true,
            }],
            ..VisitInput::default()
        },
        d("2026-05-02"),
    )
    .unwrap()
    .0;
    // W2's woman is not on W1's list.
    let hers = fx.woman("韩他", 3, &fx.z2);

    let list = fu::work_list(&fx.t.db, &fx.w1s, None, today).unwrap();
    assert_eq!(list.women, 2);
    let has = |sec: &fu::WorkSection, p: &Person, key: &str| {
        sec.items
            .iter()
            .any(|i| i.person_id == p.id && i.contact_key == key)
    };
    let d3 = format!("postpartum_d3:{b}");
    let d14 = format!("postpartum_d14:{b}");
    assert!(has(&list.due_today, &mother, "monthly:2026-05"));
    assert!(!has(&list.due_today, &done, "monthly:2026-05"));
    assert!(has(&list.this_week, &mother, &d14));
    assert!(has(&list.overdue, &mother, &d3));
    assert!(has(&list.overdue, &mother, "monthly:2026-04"));
    assert!(!has(&list.overdue, &done, "monthly:2026-04"));
    assert!(
        list.overdue
            .items
            .iter()
            .all(|i| i.status != ContactStatus::Done)
    );
    assert!(
        list.due_today
            .items
            .iter()
            .chain(&list.overdue.items)
            .all(|i| i.worker_id == fx.w1 && i.person_id != hers.id)
    );
    assert_eq!(list.open_needs.len(), 1);
    assert_eq!(list.open_needs[0].visit_id, v.id);
    assert_eq!(list.open_needs[0].status, NeedStatus::ForWindow);

    // A home visit today covers this month's contact and is a late visit
    // for d3 and for April (within one more window length): all three
    // leave the list.
    fx.visit(&fx.w1s, &mother, "2026-05-20", "home").unwrap();
    let list = fu::work_list(&fx.t.db, &fx.w1s, None, today).unwrap();
    assert!(!has(&list.overdue, &mother, &d3));
    assert!(!has(&list.due_today, &mother, "monthly:2026-05"));
    assert!(!has(&list.overdue, &mother, "monthly:2026-04"));
    assert!(has(&list.overdue, &mother, "monthly:2026-03"));
    assert!(has(&list.this_week, &mother, &d14));

    // The specialist sees both workers; with a worker, only hers.
    let all = fu::work_list(&fx.t.db, &fx.spec, None, today).unwrap();
    assert_eq!(all.women, 3);
    assert!(has(&all.due_today, &hers, "monthly:2026-05"));
    let only = fu::work_list(&fx.t.db, &fx.spec, Some(&fx.w2), today).unwrap();
    assert_eq!(only.women, 1);
    // Overdue (window closed in the last 90 days, not done, no late visit):
    // W1's mother Feb and Mar, the other woman Feb (her April visit was a
    // late one for March): 3; W2's woman Feb, Mar and Apr: 3 (ties by
    // name, then id).
    let worst = fu::worst_workers(&fx.t.db, &fx.town, crate::TOWN, today, 5).unwrap();
    let by: Vec<(String, i64, i64)> = worst
        .iter()
        .map(|w| (w.worker_id.clone(), w.women, w.overdue))
        .collect();
    assert_eq!(by, vec![(fx.w1.clone(), 2, 3), (fx.w2.clone(), 1, 3)]);
    let top = fu::worst_workers(&fx.t.db, &fx.town, crate::TOWN, today, 1).unwrap();
    assert_eq!(top.len(), 1);
});
