//! Follow-up store tests: schedule rules at their boundaries, zones and
//! assignments, visits and their covered contacts, scope, work lists and
//! coverage, on both backends.

use crate::kit::http::add_user;
use crate::{TestDb, V1, V2, add_resident, add_woman, seed_orgs};
use chrono::{Duration, NaiveDate};
use hearth_core::dates::{fmt_date, parse_date};
use hearth_core::follow_up::{
    ContactStatus, NeedInput, NeedStatus, ProcedureInput, RuleInput, VisitInput, YearMonth,
};
use hearth_core::person::Person;
use hearth_core::pregnancy::{BirthInput, PregnancyInput};
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::StoreError;
use hearth_store::follow_up::{self as fu, CoverageBy, NeedsWorker, Visit, Zone};
use hearth_store::pregnancy as preg;

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Two follow-up workers of V1 with a zone each, the village specialist,
/// town staff and an administrator.
struct Fx {
    t: TestDb,
    w1: String,
    w1s: Scope,
    w2: String,
    w2s: Scope,
    spec: Scope,
    town: Scope,
    admin: Scope,
    z1: Zone,
    z2: Zone,
}

fn scope_of(id: &str, name: &str, role: Role, org: &str) -> Scope {
    Scope::for_user(id, name, role, org, false, "127.0.0.1")
}

fn setup(kind: crate::Kind) -> Fx {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let w1 = add_user(&t.db, "worker1", Role::FollowUpWorker, V1);
    let w2 = add_user(&t.db, "worker2", Role::FollowUpWorker, V1);
    let spec_id = add_user(&t.db, "spec1", Role::VillageSpecialist, V1);
    let town_id = add_user(&t.db, "town1", Role::TownStaff, crate::TOWN);
    let admin_id = add_user(&t.db, "admin1", Role::Admin, crate::TOWN);
    let spec = scope_of(&spec_id, "spec1", Role::VillageSpecialist, V1);
    let z1 = ok(fu::create_zone(&t.db, &spec, None, V1, "东片", Some(&w1)));
    let z2 = ok(fu::create_zone(&t.db, &spec, None, V1, "西片", Some(&w2)));
    Fx {
        w1s: scope_of(&w1, "worker1", Role::FollowUpWorker, V1),
        w2s: scope_of(&w2, "worker2", Role::FollowUpWorker, V1),
        town: scope_of(&town_id, "town1", Role::TownStaff, crate::TOWN),
        admin: scope_of(&admin_id, "admin1", Role::Admin, crate::TOWN),
        spec,
        w1,
        w2,
        z1,
        z2,
        t,
    }
}

impl Fx {
    /// A woman born in 1996 in V1, assigned to `zone`.
    fn woman(&self, name: &str, seq: u16, zone: &Zone) -> Person {
        let w = add_woman(&self.t.db, V1, name, seq);
        ok(fu::assign(&self.t.db, &self.spec, &w.id, &zone.id));
        w
    }

    /// A visit recorded on its own day (so it is never backdated).
    fn visit(
        &self,
        scope: &Scope,
        person: &Person,
        on: &str,
        mode: &str,
    ) -> Result<Visit, StoreError> {
        fu::record_visit(
            &self.t.db,
            scope,
            None,
            &VisitInput {
                person_id: person.id.clone(),
                visited_on: on.into(),
                mode: mode.into(),
                topics: vec!["policy_law".into()],
                ..VisitInput::default()
            },
            d(on),
        )
    }

    /// A pregnancy of `woman` ended by one live birth on `born_on`; the
    /// birth id.
    fn birth(&self, woman: &Person, born_on: &str) -> String {
        let sys = Scope::system("test");
        let born = d(born_on);
        let lmp = born - Duration::days(270);
        let reported = lmp + Duration::days(60);
        let p = ok(preg::report_pregnancy(
            &self.t.db,
            &sys,
            None,
            &woman.id,
            &PregnancyInput {
                lmp: fmt_date(lmp),
                reported_on: fmt_date(reported),
                source: "self".into(),
                registration_id: String::new(),
            },
            reported,
        ));
        let b = ok(preg::report_births(
            &self.t.db,
            &sys,
            None,
            &p.id,
            p.version,
            &[BirthInput {
                sex: "2".into(),
                born_on: born_on.into(),
                place: "township_hospital".into(),
                ..BirthInput::default()
            }],
            born,
        ));
        b[0].id.clone()
    }

    /// The statuses of a woman's contacts whose window meets `[from, to]`.
    fn statuses(
        &self,
        w: &Person,
        from: &str,
        to: &str,
        today: &str,
    ) -> Vec<(String, ContactStatus)> {
        ok(fu::schedule(
            &self.t.db,
            &self.spec,
            &w.id,
            d(from),
            d(to),
            d(today),
        ))
        .into_iter()
        .map(|c| (c.contact.key, c.status))
        .collect()
    }
}

fn keys(v: &Visit) -> Vec<String> {
    v.covered.iter().map(|c| c.key.clone()).collect()
}

fn status_of(list: &[(String, ContactStatus)], key: &str) -> Option<ContactStatus> {
    list.iter().find(|(k, _)| k == key).map(|(_, s)| *s)
}

both!(postpartum_d3_window_boundaries, |kind| {
    let fx = setup(kind);
    // Born 2026-05-01: the d3 home visit is due on days 3–7 (05-04..05-08).
    let early = fx.woman("赵一", 1, &fx.z1);
    let b_early = fx.birth(&early, "2026-05-01");
    let d3 = |b: &str| format!("postpartum_d3:{b}");
    // Day 2 (home), day 5 by phone, day 8 (home): none covers it.
    let v = ok(fx.visit(&fx.w1s, &early, "2026-05-03", "home"));
    assert!(
        !keys(&v).contains(&d3(&b_early)),
        "day 2 is before the window"
    );
    assert!(keys(&v).contains(&"monthly:2026-05".to_string()));
    let v = ok(fx.visit(&fx.w1s, &early, "2026-05-06", "phone"));
    assert!(
        v.covered.is_empty(),
        "a phone call is not a home visit: {v:?}"
    );
    let v = ok(fx.visit(&fx.w1s, &early, "2026-05-09", "home"));
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
        let v = ok(fx.visit(&fx.w1s, &w, day, "home"));
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
    let v = ok(fx.visit(&fx.w1s, &first, "2026-03-01", "home"));
    assert_eq!(keys(&v), vec!["monthly:2026-03"]);
    assert_eq!(v.covered[0].rule_code, "routine");
    let v = ok(fx.visit(&fx.w1s, &last, "2026-03-31", "clinic"));
    assert_eq!(keys(&v), vec!["monthly:2026-03"]);
    let v = ok(fx.visit(&fx.w1s, &next, "2026-04-01", "phone"));
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
    let v = ok(fx.visit(&fx.w1s, &first, "2026-03-20", "home"));
    assert!(v.covered.is_empty());
});

both!(
    pregnancy_allows_phone_and_one_visit_covers_several,
    |kind| {
        let fx = setup(kind);
        // Routine contacts become home-only; the pregnancy rule keeps phone.
        let rules = ok(fu::list_rules(&fx.t.db, &fx.spec));
        let routine = rules
            .iter()
            .find(|r| r.code == "routine")
            .unwrap_or_else(|| panic!("routine"));
        let change = RuleInput {
            modes: "home,clinic".into(),
            active: true,
            ..RuleInput::default()
        };
        assert!(matches!(
            fu::update_rule(&fx.t.db, &fx.spec, "routine", routine.version, &change),
            Err(StoreError::Forbidden)
        ));
        ok(fu::update_rule(
            &fx.t.db,
            &fx.admin,
            "routine",
            routine.version,
            &change,
        ));
        assert!(matches!(
            fu::update_rule(&fx.t.db, &fx.admin, "routine", routine.version, &change),
            Err(StoreError::Conflict { .. })
        ));

        let plain = fx.woman("李一", 1, &fx.z1);
        let pregnant = fx.woman("李二", 2, &fx.z1);
        ok(preg::report_pregnancy(
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
        ));
        let v = ok(fx.visit(&fx.w1s, &plain, "2026-03-05", "phone"));
        assert!(
            v.covered.is_empty(),
            "routine contacts are home or clinic now"
        );
        let v = ok(fx.visit(&fx.w1s, &pregnant, "2026-03-05", "phone"));
        assert_eq!(keys(&v), vec!["monthly:2026-03"]);
        assert_eq!(v.covered[0].rule_code, "pregnant");

        // One home visit on day 4 after a birth covers the month and the d3 visit.
        let mother = fx.woman("李三", 3, &fx.z1);
        let b = fx.birth(&mother, "2026-06-01");
        let v = ok(fx.visit(&fx.w1s, &mother, "2026-06-05", "home"));
        let mut k = keys(&v);
        k.sort();
        assert_eq!(
            k,
            vec!["monthly:2026-06".to_string(), format!("postpartum_d3:{b}")]
        );
        // Coverage follows the same rules: in March the phone call counts
        // for the pregnant woman only; the mother (pregnant then) had none.
        let r = ok(fu::coverage(
            &fx.t.db,
            &fx.spec,
            V1,
            YearMonth::new(2026, 3).unwrap_or_else(|| panic!("month")),
            CoverageBy::Village,
            d("2026-06-10"),
        ));
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
    ok(fu::assign(&fx.t.db, &fx.spec, &w.id, &fx.z1.id));
    let st = fx.statuses(&w, "2026-02-01", "2026-05-31", "2026-02-10");
    let k: Vec<&str> = st.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(k, vec!["monthly:2026-02", "monthly:2026-03"]);
    let v = ok(fx.visit(&fx.w1s, &w, "2026-04-10", "home"));
    assert!(v.covered.is_empty());
    // Nor is she due in April's coverage.
    let young = fx.woman("周小", 2, &fx.z1);
    let _ = young;
    let c = ok(fu::coverage(
        &fx.t.db,
        &fx.town,
        V1,
        YearMonth::new(2026, 4).unwrap_or_else(|| panic!("month")),
        CoverageBy::Village,
        d("2026-04-10"),
    ));
    assert_eq!(c.total.due, 1);
    let c = ok(fu::coverage(
        &fx.t.db,
        &fx.town,
        V1,
        YearMonth::new(2026, 3).unwrap_or_else(|| panic!("month")),
        CoverageBy::Village,
        d("2026-04-10"),
    ));
    assert_eq!(c.total.due, 2);
});

both!(a_procedure_starts_its_three_contacts, |kind| {
    let fx = setup(kind);
    let w = fx.woman("吴一", 1, &fx.z1);
    let p = ok(fu::record_procedure(
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
    ));
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
    let sched = ok(fu::schedule(
        &fx.t.db,
        &fx.spec,
        &w.id,
        d("2026-01-01"),
        d("2026-06-30"),
        d("2026-01-12"),
    ));
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
    let v = ok(fx.visit(&fx.w1s, &w, "2026-01-17", "phone"));
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

both!(reassigning_a_zone_moves_all_its_women, |kind| {
    let fx = setup(kind);
    let women: Vec<Person> = (1..=3)
        .map(|i| fx.woman(["郑一", "郑二", "郑三"][usize::from(i) - 1], i, &fx.z1))
        .collect();
    let other = fx.woman("王西", 9, &fx.z2);
    let today = d("2026-05-20");
    assert_eq!(ok(fu::work_list(&fx.t.db, &fx.w1s, None, today)).women, 3);
    // W2 may not visit W1's women.
    assert!(matches!(
        fx.visit(&fx.w2s, &women[0], "2026-05-20", "home"),
        Err(StoreError::Forbidden)
    ));
    // Give the east zone to W2: one action.
    let z = ok(fu::get_zone(&fx.t.db, &fx.spec, &fx.z1.id));
    assert_eq!(z.women, 3);
    let z = ok(fu::update_zone(
        &fx.t.db,
        &fx.spec,
        &z.id,
        z.version,
        "东片",
        Some(&fx.w2),
    ));
    assert_eq!(z.worker_id.as_deref(), Some(fx.w2.as_str()));
    for w in &women {
        let a = ok(fu::assignment_of(&fx.t.db, &fx.spec, &w.id))
            .unwrap_or_else(|| panic!("{} lost her worker", w.name));
        assert_eq!(a.worker_id, fx.w2);
        assert_eq!(a.zone_id, fx.z1.id);
    }
    assert_eq!(
        ok(fu::assignment_of(&fx.t.db, &fx.spec, &other.id)).map(|a| a.worker_id),
        Some(fx.w2.clone())
    );
    assert!(ok(fu::unassigned(&fx.t.db, &fx.spec, V1, today)).is_empty());
    assert_eq!(ok(fu::work_list(&fx.t.db, &fx.w1s, None, today)).women, 0);
    assert_eq!(ok(fu::work_list(&fx.t.db, &fx.w2s, None, today)).women, 4);
    assert!(matches!(
        fx.visit(&fx.w1s, &women[0], "2026-05-20", "home"),
        Err(StoreError::Forbidden)
    ));
    ok(fx.visit(&fx.w2s, &women[0], "2026-05-20", "home"));
    // A stale edit is refused; a zone with women cannot lose its worker.
    assert!(matches!(
        fu::update_zone(
            &fx.t.db,
            &fx.spec,
            &z.id,
            z.version - 1,
            "东片",
            Some(&fx.w1)
        ),
        Err(StoreError::Conflict { .. })
    ));
    match fu::update_zone(&fx.t.db, &fx.spec, &z.id, z.version, "东片", None) {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, "worker_id"),
        other => panic!("{other:?}"),
    }
    // A worker cannot reassign zones.
    assert!(matches!(
        fu::update_zone(&fx.t.db, &fx.w2s, &z.id, z.version, "东片", Some(&fx.w1)),
        Err(StoreError::Forbidden)
    ));
});

both!(
    the_unassigned_list_shows_a_woman_until_she_is_assigned,
    |kind| {
        let fx = setup(kind);
        let today = d("2026-05-20");
        assert!(ok(fu::unassigned(&fx.t.db, &fx.spec, V1, today)).is_empty());
        let new = add_woman(&fx.t.db, V1, "冯新", 1);
        add_resident(&fx.t.db, V1, "冯男", 1990, 2, "1");
        add_resident(&fx.t.db, V1, "冯老", 1960, 3, "2");
        add_woman(&fx.t.db, V2, "冯外", 4);
        let list = ok(fu::unassigned(&fx.t.db, &fx.spec, V1, today));
        let ids: Vec<&str> = list.iter().map(|u| u.person_id.as_str()).collect();
        assert_eq!(ids, vec![new.id.as_str()], "only the woman 15–49 of V1");
        assert_eq!(list[0].why, NeedsWorker::OfAge);
        let a = ok(fu::assign(&fx.t.db, &fx.spec, &new.id, &fx.z2.id));
        assert_eq!(a.worker_id, fx.w2);
        assert!(ok(fu::unassigned(&fx.t.db, &fx.spec, V1, today)).is_empty());
        // Everyone at once.
        add_woman(&fx.t.db, V1, "冯甲", 5);
        add_woman(&fx.t.db, V1, "冯乙", 6);
        assert_eq!(ok(fu::unassigned(&fx.t.db, &fx.spec, V1, today)).len(), 2);
        assert_eq!(
            ok(fu::assign_all_unassigned(
                &fx.t.db, &fx.spec, V1, &fx.z1.id, today
            )),
            2
        );
        assert!(ok(fu::unassigned(&fx.t.db, &fx.spec, V1, today)).is_empty());
        // A zone of another village is refused.
        let t2 = scope_of("x", "town", Role::TownStaff, crate::TOWN);
        let v2 = add_woman(&fx.t.db, V2, "冯乙村", 7);
        match fu::assign(&fx.t.db, &t2, &v2.id, &fx.z1.id) {
            Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, "zone_id"),
            other => panic!("{other:?}"),
        }
    }
);

both!(a_worker_stays_in_her_lane, |kind| {
    let fx = setup(kind);
    let mine = fx.woman("陈一", 1, &fx.z1);
    let hers = fx.woman("陈二", 2, &fx.z2);
    let elsewhere = add_woman(&fx.t.db, V2, "陈三", 3);
    ok(fx.visit(&fx.w1s, &mine, "2026-05-20", "home"));
    assert!(matches!(
        fx.visit(&fx.w1s, &hers, "2026-05-20", "home"),
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        fx.visit(&fx.w1s, &elsewhere, "2026-05-20", "home"),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        fu::schedule(
            &fx.t.db,
            &fx.w1s,
            &elsewhere.id,
            d("2026-05-01"),
            d("2026-05-31"),
            d("2026-05-20")
        ),
        Err(StoreError::NotFound)
    ));
    match fu::list_zones(&fx.t.db, &fx.w1s, V2) {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, "village_code"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        fu::work_list(&fx.t.db, &fx.w1s, Some(&fx.w2), d("2026-05-20")),
        Err(StoreError::Forbidden)
    ));
    // The specialist records for anyone in her village.
    ok(fx.visit(&fx.spec, &hers, "2026-05-20", "phone"));
    // A bad visit is refused field by field, with nothing written.
    let bad = fu::record_visit(
        &fx.t.db,
        &fx.w1s,
        None,
        &VisitInput {
            person_id: mine.id.clone(),
            visited_on: "2026-05-21".into(),
            mode: "letter".into(),
            topics: vec!["astrology".into()],
            ..VisitInput::default()
        },
        d("2026-05-20"),
    );
    match bad {
        Err(StoreError::Invalid(e)) => {
            let f: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(f, vec!["visited_on", "mode", "topics"]);
        }
        other => panic!("{other:?}"),
    }
    let all = ok(fu::list_visits(
        &fx.t.db,
        &fx.spec,
        &fu::VisitFilter {
            person_id: Some(mine.id.clone()),
            ..fu::VisitFilter::default()
        },
    ));
    assert_eq!(all.len(), 1);
});

both!(a_retry_with_the_same_client_id_does_not_duplicate, |kind| {
    let fx = setup(kind);
    let w = fx.woman("褚一", 1, &fx.z1);
    let other = fx.woman("褚二", 2, &fx.z1);
    let cid = uuid::Uuid::now_v7().to_string();
    let input = VisitInput {
        person_id: w.id.clone(),
        visited_on: "2026-05-20".into(),
        mode: "home".into(),
        topics: vec!["policy_law".into(), "child_rearing".into()],
        findings: "身体健康".into(),
        needs: vec![NeedInput {
            category: "policy".into(),
            text: "咨询二孩奖励".into(),
            for_window: false,
        }],
        next_appointment: "2026-06-20".into(),
    };
    let first = ok(fu::record_visit(
        &fx.t.db,
        &fx.w1s,
        Some(&cid),
        &input,
        d("2026-05-20"),
    ));
    let again = ok(fu::record_visit(
        &fx.t.db,
        &fx.w1s,
        Some(&cid),
        &input,
        d("2026-05-20"),
    ));
    assert_eq!(first, again);
    assert_eq!(first.id, cid);
    assert_eq!(first.needs.len(), 1);
    assert_eq!(first.topics, vec!["policy_law", "child_rearing"]);
    assert_eq!(first.worker_id.as_deref(), Some(fx.w1.as_str()));
    let listed = ok(fu::list_visits(
        &fx.t.db,
        &fx.spec,
        &fu::VisitFilter::default(),
    ));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].covered, 1);
    let needs = ok(fu::list_needs(
        &fx.t.db,
        &fx.spec,
        &fu::NeedFilter::default(),
    ));
    assert_eq!(needs.len(), 1);
    // The same id for another woman is refused.
    let clash = VisitInput {
        person_id: other.id.clone(),
        ..input
    };
    match fu::record_visit(&fx.t.db, &fx.w1s, Some(&cid), &clash, d("2026-05-20")) {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, "id"),
        other => panic!("{other:?}"),
    }
    // The need closes once.
    let n = &needs[0];
    let closed = ok(fu::set_need_status(
        &fx.t.db,
        &fx.w1s,
        &n.id,
        n.version,
        NeedStatus::Closed,
    ));
    assert_eq!(closed.status, "closed");
    assert!(matches!(
        fu::set_need_status(&fx.t.db, &fx.w1s, &n.id, n.version, NeedStatus::Closed),
        Err(StoreError::Conflict { .. })
    ));
    let got = ok(fu::get_visit(&fx.t.db, &fx.spec, &cid));
    assert_eq!(got.needs[0].status, "closed");
});

both!(coverage_of_a_small_month, |kind| {
    let fx = setup(kind);
    let march = YearMonth::new(2026, 3).unwrap_or_else(|| panic!("month"));
    // W1: on time (home), late (April 2nd), missed. W2: on time by phone.
    let a = fx.woman("蒋甲", 1, &fx.z1);
    let b = fx.woman("蒋乙", 2, &fx.z1);
    let _c = fx.woman("蒋丙", 3, &fx.z1);
    let d_ = fx.woman("蒋丁", 4, &fx.z2);
    // Not due: a woman of 56, a man.
    let old = add_resident(&fx.t.db, V1, "蒋老", 1970, 5, "2");
    add_resident(&fx.t.db, V1, "蒋男", 1990, 6, "1");
    ok(fx.visit(&fx.w1s, &a, "2026-03-05", "home"));
    ok(fx.visit(&fx.w1s, &b, "2026-04-02", "home"));
    ok(fx.visit(&fx.w2s, &d_, "2026-03-10", "phone"));
    ok(fx.visit(&fx.spec, &old, "2026-03-10", "home"));
    // V2: one woman, unvisited.
    add_woman(&fx.t.db, V2, "蒋外", 7);
    // A girl of 14, pregnant since January: due although under 15, and
    // on the unassigned list as a problem until she has a worker.
    let girl = add_resident(&fx.t.db, V1, "蒋少", 2011, 9, "2");
    ok(preg::report_pregnancy(
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
    ));
    ok(fx.visit(&fx.spec, &girl, "2026-03-12", "phone"));
    let un = ok(fu::unassigned(&fx.t.db, &fx.spec, V1, d("2026-03-12")));
    let un: Vec<(&str, NeedsWorker)> = un.iter().map(|u| (u.person_id.as_str(), u.why)).collect();
    assert_eq!(un, vec![(girl.id.as_str(), NeedsWorker::Pregnant)]);

    let after = d("2026-05-15");
    let r = ok(fu::coverage(
        &fx.t.db,
        &fx.town,
        crate::TOWN,
        march,
        CoverageBy::Village,
        after,
    ));
    let v1 = r
        .rows
        .iter()
        .find(|x| x.key == V1)
        .unwrap_or_else(|| panic!("V1 row"));
    assert_eq!(
        (v1.due, v1.on_time, v1.late, v1.missed, v1.pending),
        (5, 3, 1, 1, 0)
    );
    assert_eq!(v1.coverage, Some(0.6));
    let v2 = r
        .rows
        .iter()
        .find(|x| x.key == V2)
        .unwrap_or_else(|| panic!("V2 row"));
    assert_eq!((v2.due, v2.on_time, v2.missed), (1, 0, 1));
    assert_eq!(
        (r.total.due, r.total.on_time, r.total.late, r.total.missed),
        (6, 3, 1, 2)
    );

    let r = ok(fu::coverage(
        &fx.t.db,
        &fx.spec,
        V1,
        march,
        CoverageBy::Worker,
        after,
    ));
    let w1 = r
        .rows
        .iter()
        .find(|x| x.key == fx.w1)
        .unwrap_or_else(|| panic!("W1 row"));
    assert_eq!((w1.due, w1.on_time, w1.late, w1.missed), (3, 1, 1, 1));
    let w2 = r
        .rows
        .iter()
        .find(|x| x.key == fx.w2)
        .unwrap_or_else(|| panic!("W2 row"));
    assert_eq!((w2.due, w2.on_time), (1, 1));
    let nobody = r
        .rows
        .iter()
        .find(|x| x.key.is_empty())
        .unwrap_or_else(|| panic!("unassigned row"));
    assert_eq!((nobody.due, nobody.on_time), (1, 1));
    assert_eq!(r.total.due, 5);
    let r = ok(fu::coverage(
        &fx.t.db,
        &fx.spec,
        V1,
        march,
        CoverageBy::Zone,
        after,
    ));
    let z1 = r
        .rows
        .iter()
        .find(|x| x.key == fx.z1.id)
        .unwrap_or_else(|| panic!("Z1 row"));
    assert_eq!(z1.due, 3);

    // Before the late period ends, the rest is pending, not missed.
    let r = ok(fu::coverage(
        &fx.t.db,
        &fx.spec,
        V1,
        march,
        CoverageBy::Village,
        d("2026-04-10"),
    ));
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

    let chart = ok(fu::coverage_by_month(
        &fx.t.db,
        &fx.spec,
        V1,
        YearMonth::new(2026, 2).unwrap_or_else(|| panic!("month")),
        YearMonth::new(2026, 4).unwrap_or_else(|| panic!("month")),
        after,
    ));
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
    ok(fx.visit(&fx.w1s, &m, "2026-03-05", "home"));
    ok(fx.visit(&fx.w1s, &m, "2026-03-18", "home"));
    let p = ok(fu::postpartum_completion(
        &fx.t.db, &fx.spec, V1, march, after,
    ));
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
    ok(fx.visit(&fx.w1s, &done, "2026-04-10", "home"));
    let v = ok(fu::record_visit(
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
    ));
    // W2's woman is not on W1's list.
    let hers = fx.woman("韩他", 3, &fx.z2);

    let list = ok(fu::work_list(&fx.t.db, &fx.w1s, None, today));
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
    assert_eq!(list.open_needs[0].status, "for_window");

    // A home visit today covers this month's contact and is a late visit
    // for d3 and for April (within one more window length): all three
    // leave the list.
    ok(fx.visit(&fx.w1s, &mother, "2026-05-20", "home"));
    let list = ok(fu::work_list(&fx.t.db, &fx.w1s, None, today));
    assert!(!has(&list.overdue, &mother, &d3));
    assert!(!has(&list.due_today, &mother, "monthly:2026-05"));
    assert!(!has(&list.overdue, &mother, "monthly:2026-04"));
    assert!(has(&list.overdue, &mother, "monthly:2026-03"));
    assert!(has(&list.this_week, &mother, &d14));

    // The specialist sees both workers; with a worker, only hers.
    let all = ok(fu::work_list(&fx.t.db, &fx.spec, None, today));
    assert_eq!(all.women, 3);
    assert!(has(&all.due_today, &hers, "monthly:2026-05"));
    let only = ok(fu::work_list(&fx.t.db, &fx.spec, Some(&fx.w2), today));
    assert_eq!(only.women, 1);
    // Overdue (window closed in the last 90 days, not done, no late visit):
    // W1's mother Feb and Mar, the other woman Feb (her April visit was a
    // late one for March): 3; W2's woman Feb, Mar and Apr: 3 (ties by
    // name, then id).
    let worst = ok(fu::worst_workers(&fx.t.db, &fx.town, crate::TOWN, today, 5));
    let by: Vec<(String, i64, i64)> = worst
        .iter()
        .map(|w| (w.worker_id.clone(), w.women, w.overdue))
        .collect();
    assert_eq!(by, vec![(fx.w1.clone(), 2, 3), (fx.w2.clone(), 1, 3)]);
    let top = ok(fu::worst_workers(&fx.t.db, &fx.town, crate::TOWN, today, 1));
    assert_eq!(top.len(), 1);
});
