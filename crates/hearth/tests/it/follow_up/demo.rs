//! The demo's follow-up service as the database holds it after `load_demo`:
//! zones with their worker accounts in every village, nobody who needs a
//! worker left unassigned, five years of visits whose monthly coverage is
//! realistic, a worker who signs in and finds her work list, determinism;
//! both backends.

use crate::*;
use chrono::{Months, NaiveDate};
use hearth_core::demo::DemoConfig;
use hearth_core::follow_up::YearMonth;
use hearth_core::scope::Scope;
use hearth_store::bulk;
use hearth_store::db::P;
use hearth_store::follow_up::{self, CoverageBy};
use std::collections::HashMap;

/// A fixed "today", so every figure is the same on every day the suite runs.
fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default()
}

fn cfg(persons: usize, seed: u64) -> DemoConfig {
    DemoConfig {
        persons,
        seed,
        today: day0(),
        followup_months: hearth_core::demo::FOLLOWUP_MONTHS,
    }
}

const PW: &str = "demo-pass-123";

fn load(t: &TestDb, c: &DemoConfig) -> bulk::LoadStats {
    let hash = hearth_core::user::hash_password(PW).unwrap_or_else(|e| panic!("{e}"));
    bulk::load_demo(&t.db, c, &hash, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn count(t: &TestDb, sql: &str, params: &[P<'_>]) -> i64 {
    t.db.read(|tx| Ok(tx.query_one(sql, params)?.i64(0)))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn villages(t: &TestDb) -> Vec<String> {
    t.db.read(|tx| {
        Ok(tx
            .query(
                "SELECT code FROM org_unit WHERE level = 'village' ORDER BY code",
                &[],
            )?
            .iter()
            .map(|r| r.str(0))
            .collect())
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn town_scope() -> Scope {
    Scope::for_user(
        "u-town",
        "town",
        Role::TownStaff,
        "370404100",
        false,
        "127.0.0.1",
    )
}

both!(followup_demo_zones_workers_and_assignments, |kind| {
    let t = TestDb::new(kind);
    let stats = load(&t, &cfg(3_000, 5));
    let vs = villages(&t);
    assert!(vs.len() >= 3, "villages {vs:?}");
    assert!(stats.zones >= 3 * vs.len() as u64);
    for v in &vs {
        let zones = count(
            &t,
            "SELECT COUNT(*) FROM zone WHERE village_code = $1",
            &[P::T(v)],
        );
        assert!((3..=6).contains(&zones), "{v}: {zones} zones");
        // Every zone has a follow-up worker of the village.
        let staffed = count(
            &t,
            "SELECT COUNT(*) FROM zone z JOIN app_user u ON u.id = z.worker_id
             WHERE z.village_code = $1 AND u.role = 'follow_up_worker' AND u.org_code = $1",
            &[P::T(v)],
        );
        assert_eq!(staffed, zones, "{v}: zones with a worker");
        let names = count(
            &t,
            "SELECT COUNT(*) FROM zone WHERE village_code = $1 AND name = '一片区'",
            &[P::T(v)],
        );
        assert_eq!(names, 1, "{v}: 一片区");
        // Nobody who needs a worker is left without one.
        let open = follow_up::unassigned(&t.db, &town_scope(), v, day0())
            .unwrap_or_else(|e| panic!("{v}: {e}"));
        assert!(open.is_empty(), "{v}: {} unassigned", open.len());
        let assigned = count(
            &t,
            "SELECT COUNT(*) FROM follow_up_assignment WHERE village_code = $1",
            &[P::T(v)],
        );
        assert!(assigned > 0, "{v}: nobody assigned");
    }
    // Each woman's zone is her household's: a household never spans zones.
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM (SELECT p.household_id FROM follow_up_assignment a
                 JOIN person p ON p.id = a.person_id
                 GROUP BY p.household_id HAVING COUNT(DISTINCT a.zone_id) > 1) x",
            &[],
        ),
        0
    );
    // The assigned worker is the zone's.
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM follow_up_assignment a JOIN zone z ON z.id = a.zone_id
             WHERE z.worker_id <> a.worker_id",
            &[],
        ),
        0
    );
});

both!(followup_demo_visits_and_coverage, |kind| {
    let t = TestDb::new(kind);
    let stats = load(&t, &cfg(6_000, 5));
    assert!(stats.visits > 10_000, "visits {}", stats.visits);
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM visit", &[]) as u64,
        stats.visits
    );
    // Visits in every one of the sixty months up to today's.
    let mut m = YearMonth::of(day0());
    for i in 0..60 {
        let (f, l) = (m.first_day().to_string(), m.last_day().to_string());
        let n = count(
            &t,
            "SELECT COUNT(*) FROM visit WHERE visited_on >= $1 AND visited_on <= $2",
            &[P::T(&f), P::T(&l)],
        );
        assert!(n > 50, "month {m} ({i} back): {n} visits");
        m = m.prev();
    }
    let first = (YearMonth::of(day0()).first_day() - Months::new(59)).to_string();
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM visit WHERE visited_on < $1 OR visited_on > $2",
            &[P::T(&first), P::T(&day0().to_string())],
        ),
        0,
        "visits outside the five years"
    );
    // Modes: mostly home, phone common in pregnancy, some clinic.
    let mode = |m: &str| count(&t, "SELECT COUNT(*) FROM visit WHERE mode = $1", &[P::T(m)]);
    let (home, phone, clinic) = (mode("home"), mode("phone"), mode("clinic"));
    assert!(
        home > phone * 3 && phone > 0 && clinic > 0,
        "{home}/{phone}/{clinic}"
    );
    let preg_phone = count(
        &t,
        "SELECT COUNT(*) FROM visit v JOIN visit_contact c ON c.visit_id = v.id
         WHERE c.rule_code = 'pregnant' AND v.mode = 'phone'",
        &[],
    );
    let preg = count(
        &t,
        "SELECT COUNT(*) FROM visit_contact WHERE rule_code = 'pregnant'",
        &[],
    );
    assert!(
        preg_phone * 5 > preg,
        "pregnant by phone {preg_phone}/{preg}"
    );
    // Every covered contact lies in its window and its visit's mode is allowed.
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM visit_contact c JOIN visit v ON v.id = c.visit_id
             WHERE v.visited_on < c.window_from OR v.visited_on > c.window_to
                OR (c.rule_code IN ('postpartum_d3', 'postpartum_d14', 'postpartum_d28')
                    AND v.mode <> 'home')",
            &[],
        ),
        0
    );
    // Postpartum home visits for most births, procedures with follow-ups.
    let d3 = count(
        &t,
        "SELECT COUNT(*) FROM visit_contact WHERE rule_code = 'postpartum_d3'",
        &[],
    );
    let births = count(
        &t,
        "SELECT COUNT(DISTINCT mother_id || born_on) FROM birth WHERE born_on >= $1 AND born_on <= $2",
        &[
            P::T(&first),
            P::T(&(day0() - chrono::Duration::days(8)).to_string()),
        ],
    );
    assert!(
        d3 * 100 > births * 85 && d3 <= births,
        "d3 {d3} of {births}"
    );
    assert!(stats.procedures > 0);
    assert!(
        count(
            &t,
            "SELECT COUNT(*) FROM visit_contact WHERE rule_code LIKE 'procedure%'",
            &[]
        ) > 0
    );
    // Needs on 3–5 % of visits, mostly closed, some open and for the window.
    let needs = count(&t, "SELECT COUNT(*) FROM visit_need", &[]);
    assert!(
        needs * 100 > stats.visits as i64 * 3 && needs * 100 < stats.visits as i64 * 5,
        "needs {needs}"
    );
    let status = |s: &str| {
        count(
            &t,
            "SELECT COUNT(*) FROM visit_need WHERE status = $1",
            &[P::T(s)],
        )
    };
    assert!(status("closed") * 10 > needs * 8);
    assert!(status("open") > 0 && status("for_window") > 0);

    // Coverage of past months, overall and by village: realistic.
    let scope = town_scope();
    for back in [2u32, 14, 40] {
        let month = YearMonth::of(day0() - Months::new(back));
        let r = follow_up::coverage(
            &t.db,
            &scope,
            "370404100",
            month,
            CoverageBy::Village,
            day0(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = r.total.coverage.unwrap_or(0.0);
        assert!((0.80..=0.97).contains(&c), "{month}: coverage {c}");
        assert!(r.total.late > 0, "{month}: no late visit");
        assert_eq!(r.total.pending, 0);
        for row in &r.rows {
            let c = row.coverage.unwrap_or(0.0);
            assert!((0.6..=1.0).contains(&c), "{month} {}: {c}", row.key);
        }
    }
    // Some zones are clearly worse than their village over a year.
    let mut zones: HashMap<String, (i64, i64, String)> = HashMap::new();
    let mut by_village: HashMap<String, (i64, i64)> = HashMap::new();
    let zone_village: HashMap<String, String> =
        t.db.read(|tx| {
            Ok(tx
                .query("SELECT id, village_code FROM zone", &[])?
                .iter()
                .map(|r| (r.str(0), r.str(1)))
                .collect())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    for back in 2..14u32 {
        let month = YearMonth::of(day0() - Months::new(back));
        let r = follow_up::coverage(&t.db, &scope, "370404100", month, CoverageBy::Zone, day0())
            .unwrap_or_else(|e| panic!("{e}"));
        for z in &r.rows {
            let v = zone_village.get(&z.key).cloned().unwrap_or_default();
            let e = zones.entry(z.key.clone()).or_insert((0, 0, v.clone()));
            e.0 += z.due;
            e.1 += z.on_time;
            let e = by_village.entry(v).or_default();
            e.0 += z.due;
            e.1 += z.on_time;
        }
    }
    let rate = |(due, on): (i64, i64)| on as f64 / due.max(1) as f64;
    let worse = zones
        .values()
        .filter(|(due, on, v)| {
            *due >= 60
                && rate((*due, *on)) < 0.82
                && by_village
                    .get(v)
                    .is_some_and(|x| rate(*x) > rate((*due, *on)) + 0.05)
        })
        .count();
    assert!(worse > 0, "no worse zone among {}", zones.len());
});

both!(followup_demo_worker_signs_in_to_her_work_list, |kind| {
    let t = TestDb::new(kind);
    load(&t, &cfg(3_000, 5));
    let signed = hearth_store::auth::sign_in(
        &t.db,
        &hearth_store::auth::AuthConfig::default(),
        "v01w1",
        PW,
        "127.0.0.1",
        chrono::Utc::now(),
    )
    .unwrap_or_else(|e| panic!("sign in: {e:?}"));
    let u = &signed.user;
    assert_eq!(u.role, Role::FollowUpWorker);
    let scope = Scope::for_user(
        &u.id,
        &u.username,
        u.role,
        u.org_code.as_str(),
        false,
        "127.0.0.1",
    );
    let list = follow_up::work_list(&t.db, &scope, None, day0()).unwrap_or_else(|e| panic!("{e}"));
    assert!(list.women > 0);
    assert!(
        list.due_today.total + list.overdue.total + list.this_week.total > 0,
        "empty work list"
    );
    // Another village's worker sees none of her women.
    let other = hearth_store::auth::sign_in(
        &t.db,
        &hearth_store::auth::AuthConfig::default(),
        "v02w1",
        PW,
        "127.0.0.1",
        chrono::Utc::now(),
    )
    .unwrap_or_else(|e| panic!("sign in: {e:?}"));
    assert_ne!(other.user.org_code, u.org_code);
});

both!(followup_demo_is_deterministic, |kind| {
    let a = TestDb::new(kind);
    let b = TestDb::new(kind);
    let sa = load(&a, &cfg(1_500, 9));
    let sb = load(&b, &cfg(1_500, 9));
    assert_eq!(sa.visits, sb.visits);
    assert_eq!(sa.visit_contacts, sb.visit_contacts);
    assert_eq!(sa.needs, sb.needs);
    let dates = |t: &TestDb| {
        t.db.read(|tx| {
            Ok(tx
                .query(
                    "SELECT visited_on, mode, COUNT(*) FROM visit GROUP BY visited_on, mode
                     ORDER BY visited_on, mode",
                    &[],
                )?
                .iter()
                .map(|r| (r.str(0), r.str(1), r.i64(2)))
                .collect::<Vec<_>>())
        })
        .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(dates(&a), dates(&b));
});
