//! Statistics over pregnancies and births (sex ratio at birth, timeliness
//! and the incentive ledger, reconciliation of birth registrations, the
//! annual review list, the monthly report) and the incentive settings, on
//! both backends, over the fixtures of `seed` (made through the store,
//! live births as rows) so every count is known exactly.

use super::seed::{self, BirthRow, Reg, d, delivery, report, report_for};
use crate::*;
use hearth_core::org::OrgUnit;
use hearth_core::registration::RegistrationStatus;
use hearth_core::srb::{SexRatio, SrbFlag};
use hearth_store::stats::{self, Period};
use hearth_store::{StoreError, settings};

// ---- fixtures -----------------------------------------------------------------

/// A third village of the town, used where a village with nothing to count
/// must still be listed.
const V3: &str = "370404100203";

fn period(from: &str, to: &str) -> Period {
    Period {
        from: d(from),
        to: d(to),
    }
}

fn town_scope() -> Scope {
    Scope::for_user("u-town", "town", Role::TownStaff, TOWN, false, "127.0.0.1")
}

/// A supervisor without named access: statistics, no register.
fn supervisor_scope() -> Scope {
    Scope::for_user("u-sup", "sup", Role::Supervisor, TOWN, false, "127.0.0.1")
}

fn add_v3(db: &Db) {
    let u = OrgUnit::new(V3, "东村").unwrap();
    hearth_store::orgs::upsert(db, &Scope::system("test"), &[u]).unwrap();
}

// ---- sex ratio at birth ---------------------------------------------------------

/// An independent Wilson interval on the male share, as a ratio:
/// (ratio, low, high).
fn wilson_ratio(males: i64, females: i64) -> (f64, f64, f64) {
    // The two-sided 95 % normal quantile (not the rounded 1.96).
    let z: f64 = 1.959_963_984_540_054;
    let n = (males + females) as f64;
    let p = males as f64 / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let to_ratio = |q: f64| q / (1.0 - q) * 100.0;
    (
        males as f64 / females as f64 * 100.0,
        to_ratio(centre - half),
        to_ratio(centre + half),
    )
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 0.01)
}

fn mf(r: &SexRatio) -> (i64, i64) {
    (r.males, r.females)
}

/// V1: 550 boys and 450 girls verified in 2024 (orders: boys 300 first,
/// 200 second, 30 third, 20 fourth; girls 250, 150, 50 third), 20 boys
/// (first) and 10 girls (second) unverified, 5 verified boys on the last
/// day of 2023. V2: 16 boys and 14 girls verified, 3 girls unverified.
fn seed_births(db: &Db) {
    // One mother a village, her pregnancy ended on 1 January 2024; the
    // births are spread over the year.
    let mothers: Vec<(String, &str)> = [V1, V2]
        .into_iter()
        .map(|v| (new_person(db, v, "母亲", 2).id, v))
        .collect();
    db.write(|tx| {
        let mut pregnancies = Vec::new();
        for (mother, v) in &mothers {
            let p = seed::live_birth(tx, mother, v, "2023-01-01", "2023-02-01", "2024-01-01")?;
            pregnancies.push((p, mother.clone(), *v));
        }
        let mut n = 0;
        let mut add = |tx: &mut hearth_store::db::Tx<'_>,
                       v: &str,
                       sex: i64,
                       order: i64,
                       verified: bool,
                       on: &str| {
            n += 1;
            let on = if on.is_empty() {
                format!("2024-{:02}-{:02}", n % 12 + 1, n % 28 + 1)
            } else {
                on.to_string()
            };
            let (p, mother, _) = pregnancies.iter().find(|(_, _, pv)| *pv == v).unwrap();
            seed::birth_row(
                tx,
                &BirthRow {
                    pregnancy: p,
                    mother,
                    village: v,
                    sex,
                    born_on: &on,
                    order,
                    verified,
                    registration: None,
                },
            )
            .map(|_| ())
        };
        for i in 0..550 {
            let order = match i {
                0..300 => 1,
                300..500 => 2,
                500..530 => 3,
                _ => 4,
            };
            add(tx, V1, 1, order, true, "")?;
        }
        for i in 0..450 {
            let order = match i {
                0..250 => 1,
                250..400 => 2,
                _ => 3,
            };
            add(tx, V1, 2, order, true, "")?;
        }
        for _ in 0..20 {
            add(tx, V1, 1, 1, false, "")?;
        }
        for _ in 0..10 {
            add(tx, V1, 2, 2, false, "")?;
        }
        for _ in 0..5 {
            add(tx, V1, 1, 1, true, "2023-12-31")?;
        }
        for _ in 0..16 {
            add(tx, V2, 1, 1, true, "")?;
        }
        for _ in 0..14 {
            add(tx, V2, 2, 1, true, "")?;
        }
        for _ in 0..3 {
            add(tx, V2, 2, 2, false, "")?;
        }
        Ok(())
    })
    .unwrap();
}

both!(srb_by_village_with_known_counts, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    seed_births(&t.db);
    let year = period("2024-01-01", "2024-12-31");

    // The hand-checked interval and an independent computation agree.
    let (ratio, low, high) = wilson_ratio(550, 450);
    assert!((ratio - 122.22).abs() < 0.01, "{ratio}");
    assert!((low - 107.91).abs() < 0.01, "{low}");
    assert!((high - 138.43).abs() < 0.01, "{high}");

    let r = stats::srb_by_village(&t.db, &town_scope(), TOWN, year, false).unwrap();
    assert!(!r.include_unverified);
    let codes: Vec<&str> = r.villages.iter().map(|v| v.org_code.as_str()).collect();
    assert_eq!(codes, vec![V1, V2]);
    let v1 = &r.villages[0];
    assert_eq!(v1.org_name, "万年闸村");
    assert_eq!(mf(&v1.srb), (550, 450));
    assert!(close(v1.srb.ratio, ratio), "{:?}", v1.srb);
    assert!(close(v1.srb.low, low), "{:?}", v1.srb);
    assert!(close(v1.srb.high, high), "{:?}", v1.srb);
    assert_eq!(v1.srb.flag, SrbFlag::High);
    assert_eq!(v1.unverified, 30);
    assert_eq!(
        v1.by_order.iter().map(mf).collect::<Vec<_>>(),
        vec![(300, 250), (200, 150), (50, 50)]
    );
    let v2 = &r.villages[1];
    assert_eq!(mf(&v2.srb), (16, 14));
    assert_eq!(v2.srb.flag, SrbFlag::TooFew);
    assert_eq!(v2.unverified, 3);
    assert_eq!(
        (r.total.org_code.as_str(), r.total.org_name.as_str()),
        (TOWN, "古邵镇")
    );
    assert_eq!(mf(&r.total.srb), (566, 464));
    assert_eq!(r.total.unverified, 33);
    assert_eq!(
        r.total.by_order.iter().map(mf).collect::<Vec<_>>(),
        vec![(316, 264), (200, 150), (50, 50)]
    );

    // Unverified births on request.
    let r = stats::srb_by_village(&t.db, &town_scope(), TOWN, year, true).unwrap();
    assert_eq!(mf(&r.villages[0].srb), (570, 460));
    assert_eq!(mf(&r.villages[0].by_order[0]), (320, 250));
    assert_eq!(mf(&r.villages[0].by_order[1]), (200, 160));
    assert_eq!(mf(&r.villages[1].srb), (16, 17));
    assert_eq!(r.villages[0].unverified, 30);

    // A village specialist: her village only, never the town.
    let r = stats::srb_by_village(&t.db, &village_scope(V2), V2, year, false).unwrap();
    assert_eq!(r.villages.len(), 1);
    assert_eq!(mf(&r.total.srb), (16, 14));
    assert_eq!(
        field_errors(stats::srb_by_village(
            &t.db,
            &village_scope(V2),
            TOWN,
            year,
            false
        )),
        vec![pair("org_code", "out_of_scope")]
    );
    assert_eq!(
        field_errors(stats::srb_by_village(
            &t.db,
            &admin_scope(),
            "370404100299",
            year,
            false
        )),
        vec![pair("org_code", "unknown_org")]
    );
    let auditor = Scope::for_user("u-a", "a", Role::Auditor, TOWN, false, "x");
    assert!(matches!(
        stats::srb_by_village(&t.db, &auditor, TOWN, year, false),
        Err(StoreError::Forbidden)
    ));
    // The births of the last day of 2023 are outside the period.
    let r = stats::srb_by_village(
        &t.db,
        &town_scope(),
        V1,
        period("2023-12-31", "2023-12-31"),
        false,
    )
    .unwrap();
    assert_eq!(mf(&r.total.srb), (5, 0));
    assert_eq!(r.total.srb.ratio, None);
});

both!(srb_by_year_lists_every_year, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    seed_births(&t.db);
    let years = stats::srb_by_year(&t.db, &town_scope(), TOWN, 2022, 2025, false).unwrap();
    let got: Vec<(i32, (i64, i64))> = years.iter().map(|(y, r)| (*y, mf(r))).collect();
    assert_eq!(
        got,
        vec![
            (2022, (0, 0)),
            (2023, (5, 0)),
            (2024, (566, 464)),
            (2025, (0, 0))
        ]
    );
    assert_eq!(years[2].1.flag, SrbFlag::High);
    let all = stats::srb_by_year(&t.db, &town_scope(), V1, 2024, 2024, true).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(mf(&all[0].1), (570, 460));
    assert_eq!(
        field_errors(stats::srb_by_year(
            &t.db,
            &town_scope(),
            TOWN,
            2025,
            2024,
            false
        )),
        vec![pair("to_year", "out_of_range")]
    );
});

// ---- timeliness and the incentive ledger ------------------------------------------

/// V1: 张专干 9 timely and 1 late, 李专干 3 timely and 2 late; V2: 王专干 4
/// timely; all reported in the first half of 2025. Outside it: one in
/// July 2025 and one on the last day of 2024. V3 has none. A timely report
/// comes 30 days after the LMP, a late one 120 days after.
fn seed_reports(db: &Db) {
    let add = |v: &str, who: &str, timely: bool, on: &str| {
        let lmp = d(on) - chrono::Duration::days(if timely { 30 } else { 120 });
        report(
            db,
            v,
            &lmp.to_string(),
            on,
            who,
            Some(("miscarriage", "2025-08-01")),
        );
    };
    for i in 0..9 {
        add(V1, "张专干", true, &format!("2025-0{}-10", i % 6 + 1));
    }
    add(V1, "张专干", false, "2025-06-30");
    for _ in 0..3 {
        add(V1, "李专干", true, "2025-01-01");
    }
    for _ in 0..2 {
        add(V1, "李专干", false, "2025-03-15");
    }
    for _ in 0..4 {
        add(V2, "王专干", true, "2025-02-20");
    }
    add(V1, "张专干", true, "2025-07-01");
    add(V2, "王专干", false, "2024-12-31");
}

both!(timeliness_and_incentive_ledger, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_v3(&t.db);
    seed_reports(&t.db);
    let half = period("2025-01-01", "2025-06-30");
    let town = town_scope();

    let r = stats::timeliness_by_village(&t.db, &town, TOWN, half).unwrap();
    let rows: Vec<(&str, i64, i64, Option<f64>)> = r
        .villages
        .iter()
        .map(|v| (v.org_code.as_str(), v.reported, v.timely, v.rate))
        .collect();
    assert_eq!(
        rows,
        vec![
            (V1, 15, 12, Some(0.8)),
            (V2, 4, 4, Some(1.0)),
            (V3, 0, 0, None)
        ]
    );
    assert_eq!((r.total.reported, r.total.timely), (19, 16));
    assert_eq!(r.total.org_code, TOWN);

    // The ledger with the default amounts (500 a timely report, 2500 a late one).
    let l = stats::incentive_ledger(&t.db, &town, TOWN, half).unwrap();
    assert_eq!((l.reward_per_timely, l.deduction_per_late), (500, 2500));
    let rows: Vec<(&str, &str, i64, i64, i64, i64, i64)> = l
        .rows
        .iter()
        .map(|r| {
            (
                r.village_code.as_str(),
                r.reporter_name.as_str(),
                r.timely,
                r.late,
                r.reward_yuan,
                r.deduction_yuan,
                r.net_yuan,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (V1, "张专干", 9, 1, 4500, 2500, 2000),
            (V1, "李专干", 3, 2, 1500, 5000, -3500),
            (V2, "王专干", 4, 0, 2000, 0, 2000),
        ]
    );
    assert_eq!(l.rows[2].village_name, "乐庄村");
    assert_eq!(l.total_net_yuan, 500);

    // The amounts are settings: only an administrator changes them.
    let cur = settings::incentives(&t.db, &town).unwrap();
    assert_eq!(
        (cur.reward_per_timely, cur.deduction_per_late, cur.version),
        (500, 2500, 0)
    );
    assert!(matches!(
        settings::set_incentives(&t.db, &town, 0, 300, 1000),
        Err(StoreError::Forbidden)
    ));
    let set = settings::set_incentives(&t.db, &admin_scope(), 0, 300, 1000).unwrap();
    assert_eq!(
        (set.reward_per_timely, set.deduction_per_late, set.version),
        (300, 1000, 1)
    );
    assert!(matches!(
        settings::set_incentives(&t.db, &admin_scope(), 0, 400, 1000),
        Err(StoreError::Conflict { current: 1 })
    ));
    assert_eq!(
        field_errors(settings::set_incentives(
            &t.db,
            &admin_scope(),
            1,
            -1,
            100_001
        )),
        vec![
            pair("reward_per_timely", "out_of_range"),
            pair("deduction_per_late", "out_of_range")
        ]
    );
    assert_eq!(audit_count(&t.db, "setting", "update"), 1);
    let l = stats::incentive_ledger(&t.db, &town, TOWN, half).unwrap();
    assert_eq!((l.reward_per_timely, l.deduction_per_late), (300, 1000));
    let nets: Vec<i64> = l.rows.iter().map(|r| r.net_yuan).collect();
    assert_eq!(nets, vec![1700, -1100, 1200]);
    assert_eq!(l.total_net_yuan, 1800);
    // A second change from the current version is accepted.
    let set = settings::set_incentives(&t.db, &admin_scope(), 1, 0, 0).unwrap();
    assert_eq!(set.version, 2);
    // A village specialist's ledger is her village's.
    let l = stats::incentive_ledger(&t.db, &village_scope(V2), V2, half).unwrap();
    assert_eq!(l.rows.len(), 1);
    assert_eq!(l.rows[0].reporter_name, "王专干");
});

// ---- reconciliation of birth registrations ----------------------------------------

/// Month under review: June 2025 (stale means issued before 2024-06-30).
/// The registrations by their fixture names `r1`…`r9`.
fn seed_registrations(db: &Db) -> std::collections::HashMap<&'static str, Reg> {
    let reg = |name: &'static str, wife: &str, v: &str, issued_on: &str| {
        (
            name,
            seed::registration(db, v, wife, &format!("NO-{name}"), issued_on),
        )
    };
    let mut r: std::collections::HashMap<&'static str, Reg> = [
        // R1: 13 months old, no pregnancy: stale.
        reg("r1", "孙丽", V1, "2024-05-01"),
        // R2: as old, with a pregnancy since: not stale.
        reg("r2", "赵敏", V1, "2024-05-01"),
        // R3: as old; her only pregnancy ended before the issue: stale.
        reg("r3", "陈静", V1, "2024-04-20"),
        // R4 in V2: stale.
        reg("r4", "李娜", V2, "2024-03-01"),
        // R5: nine months old: not yet stale.
        reg("r5", "杨洋", V1, "2024-09-01"),
        // R6: issued in the month.
        reg("r6", "刘芳", V1, "2025-06-10"),
        // R7: used by a birth in the month.
        reg("r7", "王秀英", V1, "2024-02-01"),
        // R8 in V2: cancelled, never stale.
        reg("r8", "周婷", V2, "2024-01-01"),
        // R9: stale once, but a birth since issue (mother of the twins below).
        reg("r9", "吴芳", V1, "2023-12-01"),
    ]
    .into_iter()
    .collect();
    report_for(db, &r["r2"].wife, "2025-01-10", "2025-03-01", "专干", None);
    report_for(
        db,
        &r["r3"].wife,
        "2023-01-10",
        "2023-03-01",
        "专干",
        Some(("miscarriage", "2023-04-01")),
    );
    if let Some(r7) = r.get_mut("r7") {
        r7.set_status(db, RegistrationStatus::Used);
    }
    delivery(
        db,
        V1,
        "2025-06-18",
        Some(&r["r7"].wife),
        &[(1, 1, true)],
        Some(&r["r7"].id),
    );
    if let Some(r8) = r.get_mut("r8") {
        r8.set_status(db, RegistrationStatus::Cancelled);
    }
    // Two births in the month without a registration, by R9's wife (twins).
    delivery(
        db,
        V1,
        "2025-06-20",
        Some(&r["r9"].wife),
        &[(2, 1, false), (2, 1, false)],
        None,
    );
    r
}

both!(reconciliation_counts_and_stale_list, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let regs = seed_registrations(&t.db);
    let r = stats::reconciliation(&t.db, &town_scope(), TOWN, 2025, 6).unwrap();
    let rows: Vec<(&str, [i64; 6])> = r
        .villages
        .iter()
        .map(|v| {
            (
                v.village_code.as_str(),
                [
                    v.issued,
                    v.births,
                    v.births_registered,
                    v.births_unregistered,
                    v.used,
                    v.stale,
                ],
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![(V1, [1, 3, 1, 2, 1, 2]), (V2, [0, 0, 0, 0, 0, 1])]
    );
    let total = &r.total;
    assert_eq!(
        (total.village_code.as_str(), total.village_name.as_str()),
        (TOWN, "古邵镇")
    );
    assert_eq!(
        [
            total.issued,
            total.births,
            total.births_registered,
            total.births_unregistered,
            total.used,
            total.stale
        ],
        [1, 3, 1, 2, 1, 3]
    );
    let stale: Vec<(&str, &str, &str)> = r
        .stale
        .iter()
        .map(|s| {
            (
                s.registration_id.as_str(),
                s.wife_name.as_str(),
                s.village_code.as_str(),
            )
        })
        .collect();
    let id = |name: &str| regs[name].id.as_str();
    assert_eq!(
        stale,
        vec![
            (id("r3"), "陈静", V1),
            (id("r1"), "孙丽", V1),
            (id("r4"), "李娜", V2)
        ]
    );
    assert_eq!(r.stale[1].number, "NO-r1");
    assert_eq!(r.stale[1].issued_on, "2024-05-01");
    assert_eq!(r.stale[1].wife_id, regs["r1"].wife);
    assert_eq!(r.stale[2].village_name, "乐庄村");
    assert_eq!(audit_count(&t.db, "reconciliation", "view"), 1);

    // A month later R5 is still under 12 months; in September 2025 it is
    // stale too.
    let later = stats::reconciliation(&t.db, &town_scope(), TOWN, 2025, 9).unwrap();
    assert_eq!(later.total.stale, 4);
    assert_eq!(later.total.births, 0);

    // A village specialist sees her village only, and not the town.
    let mine = stats::reconciliation(&t.db, &village_scope(V2), V2, 2025, 6).unwrap();
    assert_eq!(mine.villages.len(), 1);
    assert_eq!(mine.total.stale, 1);
    let ids: Vec<&str> = mine
        .stale
        .iter()
        .map(|s| s.registration_id.as_str())
        .collect();
    assert_eq!(ids, vec![id("r4")]);
    assert_eq!(
        field_errors(stats::reconciliation(
            &t.db,
            &village_scope(V2),
            TOWN,
            2025,
            6
        )),
        vec![pair("org_code", "out_of_scope")]
    );
    assert_eq!(
        field_errors(stats::reconciliation(&t.db, &town_scope(), V1, 2025, 13)),
        vec![pair("month", "out_of_range")]
    );

    // Without the register: the counts, no names, nothing audited.
    let before = audit_count(&t.db, "reconciliation", "view");
    let sup = stats::reconciliation(&t.db, &supervisor_scope(), TOWN, 2025, 6).unwrap();
    assert_eq!(sup.total.stale, 3);
    assert!(sup.stale.is_empty());
    assert_eq!(audit_count(&t.db, "reconciliation", "view"), before);
});

both!(annual_review_list, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let reg = |wife: &str, v: &str, number: &str, issued_on: &str| {
        seed::registration(&t.db, v, wife, number, issued_on)
    };
    // Due in 2025, not reviewed yet.
    let ra = reg("孙丽", V1, "NO-ra", "2024-03-01");
    // Reviewed in 2025 (its next review moved to 2026).
    let mut rb = reg("赵敏", V1, "NO-rb", "2024-02-01");
    rb.review(&t.db, "2025-02-10");
    // First review in 2026.
    let rc = reg("陈静", V1, "NO-rc", "2025-05-01");
    // Due in 2025 but cancelled: no review.
    let mut rd = reg("李娜", V2, "NO-rd", "2024-07-01");
    rd.set_status(&t.db, RegistrationStatus::Cancelled);
    // Reviewed in 2024, due again in 2025.
    let mut re = reg("杨洋", V2, "NO-re", "2023-06-01");
    re.review(&t.db, "2024-06-01");
    let name = |id: &str| -> String {
        [
            (&ra, "ra"),
            (&rb, "rb"),
            (&rc, "rc"),
            (&rd, "rd"),
            (&re, "re"),
        ]
        .into_iter()
        .find(|(r, _)| r.id == id)
        .map_or_else(|| id.to_string(), |(_, n)| n.to_string())
    };
    let town = town_scope();
    let list = |f: Option<bool>| -> Vec<(String, bool)> {
        stats::annual_review(&t.db, &town, TOWN, 2025, f)
            .unwrap()
            .into_iter()
            .map(|r| (name(&r.registration_id), r.reviewed))
            .collect()
    };
    let s = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
        v.iter().map(|(a, b)| (a.to_string(), *b)).collect()
    };
    assert_eq!(list(None), s(&[("ra", false), ("rb", true), ("re", false)]));
    assert_eq!(list(Some(true)), s(&[("rb", true)]));
    assert_eq!(list(Some(false)), s(&[("ra", false), ("re", false)]));
    let all = stats::annual_review(&t.db, &town, TOWN, 2025, None).unwrap();
    assert_eq!(all[0].wife_name, "孙丽");
    assert_eq!(all[0].village_name, "万年闸村");
    assert_eq!(all[0].status.code(), "current");
    assert_eq!(all[1].last_reviewed_on.as_deref(), Some("2025-02-10"));
    assert_eq!(audit_count(&t.db, "annual_review", "view"), 4);
    // Next year: rb and rc are due, ra and re (never reviewed) are not.
    let next: Vec<String> = stats::annual_review(&t.db, &town, TOWN, 2026, None)
        .unwrap()
        .into_iter()
        .map(|r| name(&r.registration_id))
        .collect();
    assert_eq!(next, vec!["rb", "rc"]);
    // A village specialist's list is her village's.
    let v2: Vec<String> = stats::annual_review(&t.db, &village_scope(V2), V2, 2025, None)
        .unwrap()
        .into_iter()
        .map(|r| name(&r.registration_id))
        .collect();
    assert_eq!(v2, vec!["re"]);
    // Without the register: an empty list, not audited.
    let before = audit_count(&t.db, "annual_review", "view");
    assert!(
        stats::annual_review(&t.db, &supervisor_scope(), TOWN, 2025, None)
            .unwrap()
            .is_empty()
    );
    assert_eq!(audit_count(&t.db, "annual_review", "view"), before);
});

// ---- the monthly report -------------------------------------------------------------

both!(monthly_report_numbers, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_v3(&t.db);
    let db = &t.db;
    let wp = |v: &str, lmp: &str, reported_on: &str, outcome: Option<(&str, &str)>| {
        report(db, v, lmp, reported_on, "专干", outcome)
    };
    // Reported in June: one timely and open, one late and miscarried.
    wp(V1, "2025-04-01", "2025-06-05", None);
    wp(
        V1,
        "2025-01-10",
        "2025-06-20",
        Some(("miscarriage", "2025-06-25")),
    );
    // Open since 2024 and past 44 weeks by 30 June.
    wp(V1, "2024-07-01", "2024-09-01", None);
    // Twins born in June, one verified.
    let twins = delivery(
        db,
        V1,
        "2025-06-12",
        None,
        &[(1, 1, true), (2, 1, false)],
        None,
    );
    // Delivered in July: still open at the end of June, not overdue.
    delivery(db, V1, "2025-07-02", None, &[], None);
    wp(
        V1,
        "2024-10-01",
        "2024-11-01",
        Some(("stillbirth", "2025-06-03")),
    );
    wp(
        V1,
        "2025-03-01",
        "2025-04-01",
        Some(("induced_termination", "2025-06-15")),
    );
    wp(
        V1,
        "2025-03-01",
        "2025-04-01",
        Some(("moved_out", "2025-06-01")),
    );
    wp(V1, "2025-03-01", "2025-04-01", Some(("lost", "2025-06-30")));
    // Born in May: not June's.
    delivery(db, V1, "2025-05-30", None, &[(1, 2, true)], None);
    // The verified twin boy died on 28 June.
    seed::infant_death(db, &twins.births[0].1, "2025-06-28");
    // V2: one late report in June, open.
    wp(V2, "2025-02-01", "2025-06-10", None);
    let r = stats::monthly_report(&t.db, &town_scope(), TOWN, 2025, 6).unwrap();
    let v1 = &r.villages[0];
    assert_eq!(v1.org_code, V1);
    assert_eq!(
        [
            v1.pregnancies_reported,
            v1.reported_timely,
            v1.open_at_end,
            v1.overdue_at_end,
            v1.stillbirths,
            v1.miscarriages,
            v1.terminations,
            v1.moved_out_or_lost,
            v1.live_births,
            v1.live_births_verified,
            v1.males,
            v1.females,
            v1.twins_deliveries,
            v1.infant_deaths
        ],
        [2, 1, 3, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1]
    );
    let v2 = &r.villages[1];
    assert_eq!(
        (
            v2.pregnancies_reported,
            v2.reported_timely,
            v2.open_at_end,
            v2.live_births
        ),
        (1, 0, 1, 0)
    );
    let v3 = &r.villages[2];
    assert_eq!((v3.org_code.as_str(), v3.org_name.as_str()), (V3, "东村"));
    assert_eq!((v3.pregnancies_reported, v3.open_at_end), (0, 0));
    assert_eq!(r.total.org_code, TOWN);
    assert_eq!(
        (
            r.total.pregnancies_reported,
            r.total.open_at_end,
            r.total.live_births,
            r.total.twins_deliveries
        ),
        (3, 4, 2, 1)
    );
    // May: the single birth of p10; open at its end p3 to p9 (p1 and p2
    // not yet reported, p10 delivered), p3 alone overdue.
    let may = stats::monthly_report(&t.db, &town_scope(), V1, 2025, 5).unwrap();
    assert_eq!(
        (
            may.total.live_births,
            may.total.males,
            may.total.twins_deliveries,
            may.total.open_at_end,
            may.total.overdue_at_end
        ),
        (1, 1, 0, 7, 1)
    );
});
