//! Follow-up store tests: zones and assignments, visits and their covered
//! contacts, retries, scope, on both backends; and the fixture the other
//! store tests share (`schedule`, `indicators`).

use crate::kit::http::add_user;
use crate::{TestDb, V1, V2, add_resident, add_woman, seed_orgs};
use chrono::{Duration, NaiveDate};
use hearth_core::dates::{fmt_date, parse_date};
use hearth_core::follow_up::{ContactStatus, NeedInput, NeedStatus, VisitInput};
use hearth_core::person::Person;
use hearth_core::pregnancy::{BirthInput, PregnancyInput};
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_store::StoreError;
use hearth_store::follow_up::{self as fu, NeedsWorker, Visit, Zone};
use hearth_store::pregnancy as preg;

pub(super) fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

/// Two follow-up workers of V1 with a zone each, the village specialist,
/// town staff and an administrator.
pub(super) struct Fx {
    pub(super) t: TestDb,
    pub(super) w1: String,
    pub(super) w1s: Scope,
    pub(super) w2: String,
    pub(super) w2s: Scope,
    pub(super) spec: Scope,
    pub(super) town: Scope,
    pub(super) admin: Scope,
    pub(super) z1: Zone,
    pub(super) z2: Zone,
}

pub(super) fn scope_of(id: &str, name: &str, role: Role, org: &str) -> Scope {
    Scope::for_user(id, name, role, org, false, "127.0.0.1")
}

pub(super) fn setup(kind: crate::Kind) -> Fx {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let w1 = add_user(&t.db, "worker1", Role::FollowUpWorker, V1);
    let w2 = add_user(&t.db, "worker2", Role::FollowUpWorker, V1);
    let spec_id = add_user(&t.db, "spec1", Role::VillageSpecialist, V1);
    let town_id = add_user(&t.db, "town1", Role::TownStaff, crate::TOWN);
    let admin_id = add_user(&t.db, "admin1", Role::Admin, crate::TOWN);
    let spec = scope_of(&spec_id, "spec1", Role::VillageSpecialist, V1);
    let z1 = fu::create_zone(&t.db, &spec, None, V1, "东片", Some(&w1))
        .unwrap()
        .0;
    let z2 = fu::create_zone(&t.db, &spec, None, V1, "西片", Some(&w2))
        .unwrap()
        .0;
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
    pub(super) fn woman(&self, name: &str, seq: u16, zone: &Zone) -> Person {
        let w = add_woman(&self.t.db, V1, name, seq);
        fu::assign(&self.t.db, &self.spec, &w.id, &zone.id).unwrap();
        w
    }

    /// A visit recorded on its own day (so it is never backdated).
    pub(super) fn visit(
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
        .map(|c| c.0)
    }

    /// A pregnancy of `woman` ended by one live birth on `born_on`; the
    /// birth id.
    pub(super) fn birth(&self, woman: &Person, born_on: &str) -> String {
        let sys = Scope::system("test");
        let born = d(born_on);
        let lmp = born - Duration::days(270);
        let reported = lmp + Duration::days(60);
        let (p, _) = preg::report_pregnancy(
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
        )
        .unwrap();
        let (b, _) = preg::report_births(
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
        )
        .unwrap();
        b[0].id.clone()
    }

    /// The statuses of a woman's contacts whose window meets `[from, to]`.
    pub(super) fn statuses(
        &self,
        w: &Person,
        from: &str,
        to: &str,
        today: &str,
    ) -> Vec<(String, ContactStatus)> {
        fu::schedule(&self.t.db, &self.spec, &w.id, d(from), d(to), d(today))
            .unwrap()
            .into_iter()
            .map(|c| (c.contact.key, c.status))
            .collect()
    }
}

pub(super) fn keys(v: &Visit) -> Vec<String> {
    v.covered.iter().map(|c| c.key.clone()).collect()
}

pub(super) fn status_of(list: &[(String, ContactStatus)], key: &str) -> Option<ContactStatus> {
    list.iter().find(|(k, _)| k == key).map(|(_, s)| *s)
}

both!(reassigning_a_zone_moves_all_its_women, |kind| {
    let fx = setup(kind);
    let women: Vec<Person> = (1..=3)
        .map(|i| fx.woman(["郑一", "郑二", "郑三"][usize::from(i) - 1], i, &fx.z1))
        .collect();
    let other = fx.woman("王西", 9, &fx.z2);
    let today = d("2026-05-20");
    assert_eq!(
        fu::work_list(&fx.t.db, &fx.w1s, None, today).unwrap().women,
        3
    );
    // W2 may not visit W1's women.
    assert!(matches!(
        fx.visit(&fx.w2s, &women[0], "2026-05-20", "home"),
        Err(StoreError::Forbidden)
    ));
    // Give the east zone to W2: one action.
    let z = fu::get_zone(&fx.t.db, &fx.spec, &fx.z1.id).unwrap();
    assert_eq!(z.women, 3);
    let z = fu::update_zone(&fx.t.db, &fx.spec, &z.id, z.version, "东片", Some(&fx.w2)).unwrap();
    assert_eq!(z.worker_id.as_deref(), Some(fx.w2.as_str()));
    for w in &women {
        let a = fu::assignment_of(&fx.t.db, &fx.spec, &w.id)
            .unwrap()
            .unwrap_or_else(|| panic!("{} lost her worker", w.name));
        assert_eq!(a.worker_id, fx.w2);
        assert_eq!(a.zone_id, fx.z1.id);
    }
    assert_eq!(
        fu::assignment_of(&fx.t.db, &fx.spec, &other.id)
            .unwrap()
            .map(|a| a.worker_id),
        Some(fx.w2.clone())
    );
    assert!(
        fu::unassigned(&fx.t.db, &fx.spec, V1, today)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        fu::work_list(&fx.t.db, &fx.w1s, None, today).unwrap().women,
        0
    );
    assert_eq!(
        fu::work_list(&fx.t.db, &fx.w2s, None, today).unwrap().women,
        4
    );
    assert!(matches!(
        fx.visit(&fx.w1s, &women[0], "2026-05-20", "home"),
        Err(StoreError::Forbidden)
    ));
    fx.visit(&fx.w2s, &women[0], "2026-05-20", "home").unwrap();
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
        assert!(
            fu::unassigned(&fx.t.db, &fx.spec, V1, today)
                .unwrap()
                .is_empty()
        );
        let new = add_woman(&fx.t.db, V1, "冯新", 1);
        add_resident(&fx.t.db, V1, "冯男", 1990, 2, "1");
        add_resident(&fx.t.db, V1, "冯老", 1960, 3, "2");
        add_woman(&fx.t.db, V2, "冯外", 4);
        let list = fu::unassigned(&fx.t.db, &fx.spec, V1, today).unwrap();
        let ids: Vec<&str> = list.iter().map(|u| u.person_id.as_str()).collect();
        assert_eq!(ids, vec![new.id.as_str()], "only the woman 15–49 of V1");
        assert_eq!(list[0].why, NeedsWorker::OfAge);
        let a = fu::assign(&fx.t.db, &fx.spec, &new.id, &fx.z2.id).unwrap();
        assert_eq!(a.worker_id, fx.w2);
        assert!(
            fu::unassigned(&fx.t.db, &fx.spec, V1, today)
                .unwrap()
                .is_empty()
        );
        // Everyone at once.
        add_woman(&fx.t.db, V1, "冯甲", 5);
        add_woman(&fx.t.db, V1, "冯乙", 6);
        assert_eq!(
            fu::unassigned(&fx.t.db, &fx.spec, V1, today).unwrap().len(),
            2
        );
        assert_eq!(
            fu::assign_all_unassigned(&fx.t.db, &fx.spec, V1, &fx.z1.id, today).unwrap(),
            2
        );
        assert!(
            fu::unassigned(&fx.t.db, &fx.spec, V1, today)
                .unwrap()
                .is_empty()
        );
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
    fx.visit(&fx.w1s, &mine, "2026-05-20", "home").unwrap();
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
    fx.visit(&fx.spec, &hers, "2026-05-20", "phone").unwrap();
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
    let all = fu::list_visits(
        &fx.t.db,
        &fx.spec,
        &fu::VisitFilter {
            person_id: Some(mine.id.clone()),
            ..fu::VisitFilter::default()
        },
    )
    .unwrap();
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
    let first = fu::record_visit(&fx.t.db, &fx.w1s, Some(&cid), &input, d("2026-05-20")).unwrap();
    let again = fu::record_visit(&fx.t.db, &fx.w1s, Some(&cid), &input, d("2026-05-20")).unwrap();
    assert!(!first.1 && again.1);
    let (first, again) = (first.0, again.0);
    assert_eq!(first, again);
    assert_eq!(first.id, cid);
    assert_eq!(first.needs.len(), 1);
    assert_eq!(first.topics, vec!["policy_law", "child_rearing"]);
    assert_eq!(first.worker_id.as_deref(), Some(fx.w1.as_str()));
    let listed = fu::list_visits(&fx.t.db, &fx.spec, &fu::VisitFilter::default()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].covered, 1);
    let needs = fu::list_needs(&fx.t.db, &fx.spec, &fu::NeedFilter::default()).unwrap();
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
    let closed =
        fu::set_need_status(&fx.t.db, &fx.w1s, &n.id, n.version, NeedStatus::Closed).unwrap();
    assert_eq!(closed.status, NeedStatus::Closed);
    assert!(matches!(
        fu::set_need_status(&fx.t.db, &fx.w1s, &n.id, n.version, NeedStatus::Closed),
        Err(StoreError::Conflict { .. })
    ));
    let got = fu::get_visit(&fx.t.db, &fx.spec, &cid).unwrap();
    assert_eq!(got.needs[0].status, NeedStatus::Closed);
});
