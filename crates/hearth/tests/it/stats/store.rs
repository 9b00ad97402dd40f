//! Statistics over pregnancies and births (sex ratio at birth, timeliness
//! and the incentive ledger, reconciliation of birth registrations, the
//! annual review list, the monthly report), the incentive settings and the
//! enforcement case register, on both backends. Pregnancies, births and
//! registrations are seeded by plain SQL here so every count is known
//! exactly; the write path is tested in `maternal_store`.

use crate::{TOWN, TestDb, V1, V2, seed_orgs, village_scope};
use chrono::NaiveDate;
use hearth_core::FieldError;
use hearth_core::org::OrgUnit;
use hearth_core::scope::Scope;
use hearth_core::srb::{SexRatio, SrbFlag};
use hearth_core::user::Role;
use hearth_store::audit::{self, AuditFilter};
use hearth_store::db::{P, Tx};
use hearth_store::enforcement::{self, CaseInput, SeizedItem};
use hearth_store::stats::{self, Period};
use hearth_store::{Db, StoreError, settings};

// ---- fixtures -----------------------------------------------------------------

const NOW: &str = "2025-01-01T00:00:00Z";
/// A third village of the town, used where a village with nothing to count
/// must still be listed.
const V3: &str = "370404100203";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn period(from: &str, to: &str) -> Period {
    Period {
        from: d(from),
        to: d(to),
    }
}

fn town_scope() -> Scope {
    Scope::for_user("u-town", "town", Role::TownStaff, TOWN, false, "127.0.0.1")
}

fn admin_scope() -> Scope {
    Scope::for_user(
        "u-admin",
        "admin",
        Role::Admin,
        "370404",
        false,
        "127.0.0.1",
    )
}

/// A supervisor without named access: statistics, no register.
fn supervisor_scope() -> Scope {
    Scope::for_user("u-sup", "sup", Role::Supervisor, TOWN, false, "127.0.0.1")
}

fn add_v3(db: &Db) {
    let u = OrgUnit::new(V3, "东村").unwrap_or_else(|e| panic!("{e}"));
    hearth_store::orgs::upsert(db, &Scope::system("test"), &[u]).unwrap_or_else(|e| panic!("{e}"));
}

fn seed(db: &Db, f: impl FnOnce(&mut Tx<'_>) -> Result<(), StoreError>) {
    db.write(f).unwrap_or_else(|e| panic!("seed: {e}"));
}

fn person(
    tx: &mut Tx<'_>,
    id: &str,
    name: &str,
    sex: i64,
    village: &str,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO person (id, resident_id, name, sex, birth_date, village_code, version,
             change_seq, created_at, updated_at, name_initials)
         VALUES ($1, NULL, $2, $3, '1995-05-05', $4, 1, 0, $5, $5, '')",
        &[P::T(id), P::T(name), P::I(sex), P::T(village), P::T(NOW)],
    )?;
    Ok(())
}

/// A pregnancy; `outcome` is `(code, date)` when it has ended.
#[allow(clippy::too_many_arguments)]
fn pregnancy(
    tx: &mut Tx<'_>,
    id: &str,
    woman: &str,
    village: &str,
    lmp: &str,
    reported_on: &str,
    timely: bool,
    reporter: &str,
    outcome: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO pregnancy (id, woman_id, village_code, lmp, reported_on, source, edd,
             timely, reported_by_name, outcome, outcome_on, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'self', $4, $6, $7, $8, $9, 1, 0, $10, $10)",
        &[
            P::T(id),
            P::T(woman),
            P::T(village),
            P::T(lmp),
            P::T(reported_on),
            P::I(i64::from(timely)),
            P::T(reporter),
            outcome.map(|o| o.0).into(),
            outcome.map(|o| o.1).into(),
            P::T(NOW),
        ],
    )?;
    Ok(())
}

/// A woman with one pregnancy of her own (a fresh woman per pregnancy).
#[allow(clippy::too_many_arguments)]
fn woman_pregnancy(
    tx: &mut Tx<'_>,
    id: &str,
    village: &str,
    lmp: &str,
    reported_on: &str,
    timely: bool,
    reporter: &str,
    outcome: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    let woman = format!("w-{id}");
    person(tx, &woman, "孕妇", 2, village)?;
    pregnancy(
        tx,
        id,
        &woman,
        village,
        lmp,
        reported_on,
        timely,
        reporter,
        outcome,
    )
}

/// A live birth and the child's person record (`{id}-c`).
#[allow(clippy::too_many_arguments)]
fn birth(
    tx: &mut Tx<'_>,
    id: &str,
    pregnancy: &str,
    mother: &str,
    village: &str,
    sex: i64,
    born_on: &str,
    order: i64,
    verified: bool,
    registration: Option<&str>,
) -> Result<(), StoreError> {
    let child = format!("{id}-c");
    person(tx, &child, "新生儿", sex, village)?;
    tx.exec(
        "INSERT INTO birth (id, pregnancy_id, mother_id, child_id, village_code, sex, born_on,
             place, birth_order, registration_id, reported_by_name, verified, version,
             change_seq, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'county_hospital', $8, $9, '专干', $10, 1, 0,
             $11, $11)",
        &[
            P::T(id),
            P::T(pregnancy),
            P::T(mother),
            P::T(&child),
            P::T(village),
            P::I(sex),
            P::T(born_on),
            P::I(order),
            registration.into(),
            P::I(i64::from(verified)),
            P::T(NOW),
        ],
    )?;
    Ok(())
}

/// A couple (wife `{id}-w` named `wife`, husband `{id}-h`) and one birth
/// registration `id` of theirs.
#[allow(clippy::too_many_arguments)]
fn registration(
    tx: &mut Tx<'_>,
    id: &str,
    wife: &str,
    village: &str,
    issued_on: &str,
    status: &str,
    review_due: &str,
    last_reviewed_on: Option<&str>,
) -> Result<(), StoreError> {
    let (w, h, c) = (format!("{id}-w"), format!("{id}-h"), format!("{id}-cp"));
    person(tx, &w, wife, 2, village)?;
    person(tx, &h, "丈夫", 1, village)?;
    tx.exec(
        "INSERT INTO couple (id, wife_id, husband_id, village_code, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, 0, $5, $5)",
        &[P::T(&c), P::T(&w), P::T(&h), P::T(village), P::T(NOW)],
    )?;
    tx.exec(
        "INSERT INTO birth_registration (id, couple_id, village_code, child_order, number,
             issued_on, status, review_due, last_reviewed_on, version, change_seq,
             created_at, updated_at)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, 1, 0, $9, $9)",
        &[
            P::T(id),
            P::T(&c),
            P::T(village),
            P::T(&format!("NO-{id}")),
            P::T(issued_on),
            P::T(status),
            P::T(review_due),
            last_reviewed_on.into(),
            P::T(NOW),
        ],
    )?;
    Ok(())
}

fn audit_count(db: &Db, entity: &str, action: &str) -> usize {
    audit::list(
        db,
        &Scope::system("test"),
        &AuditFilter {
            entity: Some(entity.into()),
            action: Some(action.into()),
            limit: 1000,
            ..AuditFilter::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .len()
}

fn fields(e: StoreError) -> Vec<(String, &'static str)> {
    match e {
        StoreError::Invalid(v) => v
            .iter()
            .map(|f: &FieldError| (f.field.clone(), f.reason.code()))
            .collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn field_err(r: Result<impl std::fmt::Debug, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => fields(e),
    }
}

fn pair(field: &str, code: &'static str) -> (String, &'static str) {
    (field.to_string(), code)
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
    seed(db, |tx| {
        for v in [V1, V2] {
            person(tx, &format!("m-{v}"), "母亲", 2, v)?;
            pregnancy(
                tx,
                &format!("g-{v}"),
                &format!("m-{v}"),
                v,
                "2023-01-01",
                "2023-02-01",
                true,
                "专干",
                Some(("live_birth", "2024-01-01")),
            )?;
        }
        let mut n = 0;
        let mut add = |tx: &mut Tx<'_>, v: &str, sex: i64, order: i64, verified: bool, on: &str| {
            n += 1;
            let on = if on.is_empty() {
                format!("2024-{:02}-{:02}", n % 12 + 1, n % 28 + 1)
            } else {
                on.to_string()
            };
            birth(
                tx,
                &format!("b{n}"),
                &format!("g-{v}"),
                &format!("m-{v}"),
                v,
                sex,
                &on,
                order,
                verified,
                None,
            )
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
    });
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

    let r = stats::srb_by_village(&t.db, &town_scope(), TOWN, year, false)
        .unwrap_or_else(|e| panic!("{e}"));
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
    let r = stats::srb_by_village(&t.db, &town_scope(), TOWN, year, true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mf(&r.villages[0].srb), (570, 460));
    assert_eq!(mf(&r.villages[0].by_order[0]), (320, 250));
    assert_eq!(mf(&r.villages[0].by_order[1]), (200, 160));
    assert_eq!(mf(&r.villages[1].srb), (16, 17));
    assert_eq!(r.villages[0].unverified, 30);

    // A village specialist: her village only, never the town.
    let r = stats::srb_by_village(&t.db, &village_scope(V2), V2, year, false)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.villages.len(), 1);
    assert_eq!(mf(&r.total.srb), (16, 14));
    assert_eq!(
        field_err(stats::srb_by_village(
            &t.db,
            &village_scope(V2),
            TOWN,
            year,
            false
        )),
        vec![pair("org_code", "out_of_scope")]
    );
    assert_eq!(
        field_err(stats::srb_by_village(
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
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mf(&r.total.srb), (5, 0));
    assert_eq!(r.total.srb.ratio, None);
});

both!(srb_by_year_lists_every_year, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    seed_births(&t.db);
    let years = stats::srb_by_year(&t.db, &town_scope(), TOWN, 2022, 2025, false)
        .unwrap_or_else(|e| panic!("{e}"));
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
    let all = stats::srb_by_year(&t.db, &town_scope(), V1, 2024, 2024, true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 1);
    assert_eq!(mf(&all[0].1), (570, 460));
    assert_eq!(
        field_err(stats::srb_by_year(
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
/// July 2025 and one on the last day of 2024. V3 has none.
fn seed_reports(db: &Db) {
    seed(db, |tx| {
        let mut n = 0;
        let mut add = |tx: &mut Tx<'_>, v: &str, who: &str, timely: bool, on: &str| {
            n += 1;
            woman_pregnancy(
                tx,
                &format!("p{n}"),
                v,
                "2024-12-01",
                on,
                timely,
                who,
                Some(("miscarriage", "2025-08-01")),
            )
        };
        for i in 0..9 {
            add(tx, V1, "张专干", true, &format!("2025-0{}-10", i % 6 + 1))?;
        }
        add(tx, V1, "张专干", false, "2025-06-30")?;
        for _ in 0..3 {
            add(tx, V1, "李专干", true, "2025-01-01")?;
        }
        for _ in 0..2 {
            add(tx, V1, "李专干", false, "2025-03-15")?;
        }
        for _ in 0..4 {
            add(tx, V2, "王专干", true, "2025-02-20")?;
        }
        add(tx, V1, "张专干", true, "2025-07-01")?;
        add(tx, V2, "王专干", false, "2024-12-31")?;
        Ok(())
    });
}

both!(timeliness_and_incentive_ledger, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_v3(&t.db);
    seed_reports(&t.db);
    let half = period("2025-01-01", "2025-06-30");
    let town = town_scope();

    let r =
        stats::timeliness_by_village(&t.db, &town, TOWN, half).unwrap_or_else(|e| panic!("{e}"));
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
    let l = stats::incentive_ledger(&t.db, &town, TOWN, half).unwrap_or_else(|e| panic!("{e}"));
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
    let cur = settings::incentives(&t.db, &town).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (cur.reward_per_timely, cur.deduction_per_late, cur.version),
        (500, 2500, 0)
    );
    assert!(matches!(
        settings::set_incentives(&t.db, &town, 0, 300, 1000),
        Err(StoreError::Forbidden)
    ));
    let set = settings::set_incentives(&t.db, &admin_scope(), 0, 300, 1000)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (set.reward_per_timely, set.deduction_per_late, set.version),
        (300, 1000, 1)
    );
    assert!(matches!(
        settings::set_incentives(&t.db, &admin_scope(), 0, 400, 1000),
        Err(StoreError::Conflict { current: 1 })
    ));
    assert_eq!(
        field_err(settings::set_incentives(
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
    let l = stats::incentive_ledger(&t.db, &town, TOWN, half).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((l.reward_per_timely, l.deduction_per_late), (300, 1000));
    let nets: Vec<i64> = l.rows.iter().map(|r| r.net_yuan).collect();
    assert_eq!(nets, vec![1700, -1100, 1200]);
    assert_eq!(l.total_net_yuan, 1800);
    // A second change from the current version is accepted.
    let set =
        settings::set_incentives(&t.db, &admin_scope(), 1, 0, 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.version, 2);
    // A village specialist's ledger is her village's.
    let l = stats::incentive_ledger(&t.db, &village_scope(V2), V2, half)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.rows.len(), 1);
    assert_eq!(l.rows[0].reporter_name, "王专干");
});

// ---- reconciliation of birth registrations ----------------------------------------

/// Month under review: June 2025 (stale means issued before 2024-06-30).
fn seed_registrations(db: &Db) {
    seed(db, |tx| {
        // R1: 13 months old, no pregnancy: stale.
        registration(
            tx,
            "r1",
            "孙丽",
            V1,
            "2024-05-01",
            "current",
            "2025-05-01",
            None,
        )?;
        // R2: as old, with a pregnancy since: not stale.
        registration(
            tx,
            "r2",
            "赵敏",
            V1,
            "2024-05-01",
            "current",
            "2025-05-01",
            None,
        )?;
        pregnancy(
            tx,
            "p-r2",
            "r2-w",
            V1,
            "2025-01-10",
            "2025-03-01",
            true,
            "专干",
            None,
        )?;
        // R3: as old; her only pregnancy ended before the issue: stale.
        registration(
            tx,
            "r3",
            "陈静",
            V1,
            "2024-04-20",
            "current",
            "2025-04-20",
            None,
        )?;
        pregnancy(
            tx,
            "p-r3",
            "r3-w",
            V1,
            "2023-01-10",
            "2023-03-01",
            true,
            "专干",
            Some(("miscarriage", "2023-04-01")),
        )?;
        // R4 in V2: stale.
        registration(
            tx,
            "r4",
            "李娜",
            V2,
            "2024-03-01",
            "current",
            "2025-03-01",
            None,
        )?;
        // R5: nine months old: not yet stale.
        registration(
            tx,
            "r5",
            "杨洋",
            V1,
            "2024-09-01",
            "current",
            "2025-09-01",
            None,
        )?;
        // R6: issued in the month.
        registration(
            tx,
            "r6",
            "刘芳",
            V1,
            "2025-06-10",
            "current",
            "2026-06-10",
            None,
        )?;
        // R7: used by a birth in the month.
        registration(
            tx,
            "r7",
            "王秀英",
            V1,
            "2024-02-01",
            "used",
            "2025-02-01",
            None,
        )?;
        pregnancy(
            tx,
            "p-r7",
            "r7-w",
            V1,
            "2024-09-15",
            "2024-10-20",
            true,
            "专干",
            Some(("live_birth", "2025-06-18")),
        )?;
        birth(
            tx,
            "b-r7",
            "p-r7",
            "r7-w",
            V1,
            1,
            "2025-06-18",
            1,
            true,
            Some("r7"),
        )?;
        // R8 in V2: cancelled, never stale.
        registration(
            tx,
            "r8",
            "周婷",
            V2,
            "2024-01-01",
            "cancelled",
            "2025-01-01",
            None,
        )?;
        // R9: stale once, but a birth since issue (mother of the two below).
        registration(
            tx,
            "r9",
            "吴芳",
            V1,
            "2023-12-01",
            "current",
            "2024-12-01",
            None,
        )?;
        // Two births in the month without a registration, by R9's wife (twins).
        pregnancy(
            tx,
            "p-r9",
            "r9-w",
            V1,
            "2024-09-20",
            "2024-10-25",
            true,
            "专干",
            Some(("live_birth", "2025-06-20")),
        )?;
        birth(
            tx,
            "b-t1",
            "p-r9",
            "r9-w",
            V1,
            2,
            "2025-06-20",
            1,
            false,
            None,
        )?;
        birth(
            tx,
            "b-t2",
            "p-r9",
            "r9-w",
            V1,
            2,
            "2025-06-20",
            1,
            false,
            None,
        )?;
        Ok(())
    });
}

both!(reconciliation_counts_and_stale_list, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    seed_registrations(&t.db);
    let r = stats::reconciliation(&t.db, &town_scope(), TOWN, 2025, 6)
        .unwrap_or_else(|e| panic!("{e}"));
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
    assert_eq!(
        stale,
        vec![("r3", "陈静", V1), ("r1", "孙丽", V1), ("r4", "李娜", V2)]
    );
    assert_eq!(r.stale[1].number, "NO-r1");
    assert_eq!(r.stale[1].issued_on, "2024-05-01");
    assert_eq!(r.stale[1].wife_id, "r1-w");
    assert_eq!(r.stale[2].village_name, "乐庄村");
    assert_eq!(audit_count(&t.db, "reconciliation", "view"), 1);

    // A month later R5 is still under 12 months; in September 2025 it is
    // stale too.
    let later = stats::reconciliation(&t.db, &town_scope(), TOWN, 2025, 9)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(later.total.stale, 4);
    assert_eq!(later.total.births, 0);

    // A village specialist sees her village only, and not the town.
    let mine = stats::reconciliation(&t.db, &village_scope(V2), V2, 2025, 6)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mine.villages.len(), 1);
    assert_eq!(mine.total.stale, 1);
    let ids: Vec<&str> = mine
        .stale
        .iter()
        .map(|s| s.registration_id.as_str())
        .collect();
    assert_eq!(ids, vec!["r4"]);
    assert_eq!(
        field_err(stats::reconciliation(
            &t.db,
            &village_scope(V2),
            TOWN,
            2025,
            6
        )),
        vec![pair("org_code", "out_of_scope")]
    );
    assert_eq!(
        field_err(stats::reconciliation(&t.db, &town_scope(), V1, 2025, 13)),
        vec![pair("month", "out_of_range")]
    );

    // Without the register: the counts, no names, nothing audited.
    let before = audit_count(&t.db, "reconciliation", "view");
    let sup = stats::reconciliation(&t.db, &supervisor_scope(), TOWN, 2025, 6)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sup.total.stale, 3);
    assert!(sup.stale.is_empty());
    assert_eq!(audit_count(&t.db, "reconciliation", "view"), before);
});

both!(annual_review_list, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    seed(&t.db, |tx| {
        // Due in 2025, not reviewed yet.
        registration(
            tx,
            "ra",
            "孙丽",
            V1,
            "2024-03-01",
            "current",
            "2025-03-01",
            None,
        )?;
        // Reviewed in 2025 (its next review moved to 2026).
        registration(
            tx,
            "rb",
            "赵敏",
            V1,
            "2024-02-01",
            "current",
            "2026-02-10",
            Some("2025-02-10"),
        )?;
        // First review in 2026.
        registration(
            tx,
            "rc",
            "陈静",
            V1,
            "2025-05-01",
            "current",
            "2026-05-01",
            None,
        )?;
        // Due in 2025 but cancelled: no review.
        registration(
            tx,
            "rd",
            "李娜",
            V2,
            "2024-07-01",
            "cancelled",
            "2025-07-01",
            None,
        )?;
        // Reviewed in 2024, due again in 2025.
        registration(
            tx,
            "re",
            "杨洋",
            V2,
            "2023-06-01",
            "current",
            "2025-06-01",
            Some("2024-06-01"),
        )?;
        Ok(())
    });
    let town = town_scope();
    let list = |f: Option<bool>| -> Vec<(String, bool)> {
        stats::annual_review(&t.db, &town, TOWN, 2025, f)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|r| (r.registration_id, r.reviewed))
            .collect()
    };
    let s = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
        v.iter().map(|(a, b)| (a.to_string(), *b)).collect()
    };
    assert_eq!(list(None), s(&[("ra", false), ("rb", true), ("re", false)]));
    assert_eq!(list(Some(true)), s(&[("rb", true)]));
    assert_eq!(list(Some(false)), s(&[("ra", false), ("re", false)]));
    let all =
        stats::annual_review(&t.db, &town, TOWN, 2025, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all[0].wife_name, "孙丽");
    assert_eq!(all[0].village_name, "万年闸村");
    assert_eq!(all[0].status.code(), "current");
    assert_eq!(all[1].last_reviewed_on.as_deref(), Some("2025-02-10"));
    assert_eq!(audit_count(&t.db, "annual_review", "view"), 4);
    // Next year: rb and rc are due, ra and re (never reviewed) are not.
    let next: Vec<String> = stats::annual_review(&t.db, &town, TOWN, 2026, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|r| r.registration_id)
        .collect();
    assert_eq!(next, vec!["rb", "rc"]);
    // A village specialist's list is her village's.
    let v2: Vec<String> = stats::annual_review(&t.db, &village_scope(V2), V2, 2025, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|r| r.registration_id)
        .collect();
    assert_eq!(v2, vec!["re"]);
    // Without the register: an empty list, not audited.
    let before = audit_count(&t.db, "annual_review", "view");
    assert!(
        stats::annual_review(&t.db, &supervisor_scope(), TOWN, 2025, None)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    assert_eq!(audit_count(&t.db, "annual_review", "view"), before);
});

// ---- the monthly report -------------------------------------------------------------

both!(monthly_report_numbers, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    add_v3(&t.db);
    seed(&t.db, |tx| {
        let wp = woman_pregnancy;
        // Reported in June: one timely and open, one late and miscarried.
        wp(tx, "p1", V1, "2025-04-01", "2025-06-05", true, "专干", None)?;
        wp(
            tx,
            "p2",
            V1,
            "2025-01-10",
            "2025-06-20",
            false,
            "专干",
            Some(("miscarriage", "2025-06-25")),
        )?;
        // Open since 2024 and past 44 weeks by 30 June.
        wp(tx, "p3", V1, "2024-07-01", "2024-09-01", true, "专干", None)?;
        // Twins born in June, one verified.
        wp(
            tx,
            "p4",
            V1,
            "2024-09-10",
            "2024-10-01",
            true,
            "专干",
            Some(("live_birth", "2025-06-12")),
        )?;
        birth(tx, "b4a", "p4", "w-p4", V1, 1, "2025-06-12", 1, true, None)?;
        birth(tx, "b4b", "p4", "w-p4", V1, 2, "2025-06-12", 1, false, None)?;
        // Delivered in July: still open at the end of June, not overdue.
        wp(
            tx,
            "p5",
            V1,
            "2024-10-01",
            "2024-11-01",
            true,
            "专干",
            Some(("live_birth", "2025-07-02")),
        )?;
        wp(
            tx,
            "p6",
            V1,
            "2024-10-01",
            "2024-11-01",
            true,
            "专干",
            Some(("stillbirth", "2025-06-03")),
        )?;
        wp(
            tx,
            "p7",
            V1,
            "2025-03-01",
            "2025-04-01",
            true,
            "专干",
            Some(("induced_termination", "2025-06-15")),
        )?;
        wp(
            tx,
            "p8",
            V1,
            "2025-03-01",
            "2025-04-01",
            true,
            "专干",
            Some(("moved_out", "2025-06-01")),
        )?;
        wp(
            tx,
            "p9",
            V1,
            "2025-03-01",
            "2025-04-01",
            true,
            "专干",
            Some(("lost", "2025-06-30")),
        )?;
        // Born in May: not June's.
        wp(
            tx,
            "p10",
            V1,
            "2024-08-20",
            "2024-09-20",
            true,
            "专干",
            Some(("live_birth", "2025-05-30")),
        )?;
        birth(
            tx,
            "b10",
            "p10",
            "w-p10",
            V1,
            1,
            "2025-05-30",
            2,
            true,
            None,
        )?;
        // The verified twin boy died on 28 June.
        tx.exec(
            "INSERT INTO infant_death (id, child_id, birth_id, village_code, died_on, age_days,
                 cause, reported_by_name, version, change_seq, created_at, updated_at)
             VALUES ('d1', 'b4a-c', 'b4a', $1, '2025-06-28', 16, 'asphyxia', '专干', 1, 0,
                 $2, $2)",
            &[P::T(V1), P::T(NOW)],
        )?;
        // V2: one late report in June, open.
        wp(
            tx,
            "p11",
            V2,
            "2025-02-01",
            "2025-06-10",
            false,
            "专干",
            None,
        )?;
        Ok(())
    });
    let r = stats::monthly_report(&t.db, &town_scope(), TOWN, 2025, 6)
        .unwrap_or_else(|e| panic!("{e}"));
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
    let may =
        stats::monthly_report(&t.db, &town_scope(), V1, 2025, 5).unwrap_or_else(|e| panic!("{e}"));
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

// ---- the enforcement case register ----------------------------------------------

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
    let staff_id = crate::kit::http::add_user(db, "staff", Role::TownStaff, TOWN);
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
    assert!(!enforcement::has_grant(db, &staff).unwrap_or_else(|e| panic!("{e}")));
    assert!(enforcement::has_grant(db, &admin).unwrap_or_else(|e| panic!("{e}")));
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
    enforcement::set_grant(db, &admin, &staff_id, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(enforcement::has_grant(db, &staff).unwrap_or_else(|e| panic!("{e}")));
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
        field_err(enforcement::create_case(db, &staff, None, &bad)),
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
        field_err(enforcement::create_case(db, &staff, None, &outside)),
        vec![pair("description", "too_long")]
    );
    assert_eq!(
        field_err(enforcement::create_case(
            db,
            &staff,
            None,
            &case_input("370404200", &[])
        )),
        vec![pair("org_code", "out_of_scope")]
    );
    assert_eq!(
        field_err(enforcement::create_case(
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
    let c =
        enforcement::create_case(db, &staff, Some(&id), &input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.id, id);
    assert_eq!(c.org_name, "万年闸村");
    assert_eq!((c.status.code(), c.version), ("open", 1));
    assert_eq!(c.items, vec![item("B超机", 2), item("药品", 10)]);
    assert_eq!((c.penalty.clone(), c.fine_yuan), (None, None));
    let again =
        enforcement::create_case(db, &staff, Some(&id), &input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, c);
    assert_eq!(audit_count(db, "enforcement_case", "create"), 1);

    // Update replaces details and items; a stale version is a conflict.
    let mut change = case_input(V1, &[("手术器械", "1")]);
    change.kind = "非医学需要选择性别人工终止妊娠".into();
    change.status = "closed".into();
    change.penalty = "没收器械并罚款".into();
    change.fine_yuan = "50000".into();
    let u = enforcement::update_case(db, &staff, &id, 1, &change).unwrap_or_else(|e| panic!("{e}"));
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
        field_err(enforcement::update_case(db, &staff, &id, 2, &bad_items)),
        vec![pair("items[0].count", "out_of_range")]
    );
    assert!(matches!(
        enforcement::update_case(db, &staff, "no-such-case", 1, &change),
        Err(StoreError::NotFound)
    ));

    // A second, older case; the list is newest first.
    let mut older = case_input(V2, &[]);
    older.occurred_on = "2024-11-11".into();
    let o = enforcement::create_case(db, &staff, None, &older).unwrap_or_else(|e| panic!("{e}"));
    let got = enforcement::get_case(db, &staff, &id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, u);
    let list = enforcement::list_cases(db, &staff).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec![id.as_str(), o.id.as_str()]);
    assert_eq!(list[0].items, vec![item("手术器械", 1)]);
    assert!(list[1].items.is_empty());

    // A granted village specialist of V2 sees V2's case only.
    let v_id = crate::kit::http::add_user(db, "v02", Role::VillageSpecialist, V2);
    let v2 = Scope::for_user(&v_id, "v02", Role::VillageSpecialist, V2, false, "x");
    enforcement::set_grant(db, &admin, &v_id, true).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        enforcement::get_case(db, &v2, &id),
        Err(StoreError::NotFound)
    ));
    let theirs = enforcement::list_cases(db, &v2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].id, o.id);

    // Every view and list was audited (one get and two lists that answered).
    assert_eq!(audit_count(db, "enforcement_case", "view"), 3);

    // Withdrawn: refused again at once.
    enforcement::set_grant(db, &admin, &staff_id, false).unwrap_or_else(|e| panic!("{e}"));
    assert!(!enforcement::has_grant(db, &staff).unwrap_or_else(|e| panic!("{e}")));
    assert!(forbidden(
        enforcement::get_case(db, &staff, &id).map(|_| ())
    ));
});
