//! The demo's five years of maternal history as the database holds it after
//! `load_demo`: pregnancies and their outcomes, births linked to children in
//! their mothers' households, verification, infant deaths, registrations
//! used by births, the enforcement register and its grant; both backends.

use crate::*;
use chrono::{Months, NaiveDate};
use hearth_core::demo::DemoConfig;
use hearth_store::bulk;

/// A fixed "today", so the sample (and every figure below) is the same on
/// every day the suite runs.
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

fn d(n: i64) -> String {
    (day0() - chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

fn load(t: &TestDb, c: &DemoConfig) -> bulk::LoadStats {
    bulk::load_demo(&t.db, c, "not-a-real-hash", &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn count(t: &TestDb, sql: &str, params: &[hearth_store::db::P<'_>]) -> i64 {
    t.db.read(|tx| Ok(tx.query_one(sql, params)?.i64(0)))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn zero(t: &TestDb, what: &str, sql: &str, params: &[hearth_store::db::P<'_>]) {
    assert_eq!(count(t, sql, params), 0, "{what}");
}

both!(
    history_demo_holds_five_years_of_pregnancies_and_births,
    |kind| {
        let t = TestDb::new(kind);
        let c = cfg(20_000, 11);
        let stats = load(&t, &c);
        let today = d(0);
        use hearth_store::db::P;

        // Pregnancies and births in each of the five years.
        let births = count(&t, "SELECT COUNT(*) FROM birth", &[]);
        assert_eq!(births as u64, stats.births);
        assert!(births > 400, "births {births}");
        for year in 0..5u32 {
            let to = day0() - Months::new(12 * year);
            let from = day0() - Months::new(12 * (year + 1));
            let (from, to) = (from.to_string(), to.to_string());
            let b = count(
                &t,
                "SELECT COUNT(*) FROM birth WHERE born_on > $1 AND born_on <= $2",
                &[P::T(&from), P::T(&to)],
            );
            let p = count(
                &t,
                "SELECT COUNT(*) FROM pregnancy WHERE reported_on > $1 AND reported_on <= $2",
                &[P::T(&from), P::T(&to)],
            );
            assert!(
                b > births / 10 && p > b,
                "year {year}: {b} births, {p} pregnancies"
            );
        }
        zero(
            &t,
            "births outside the five years",
            "SELECT COUNT(*) FROM birth WHERE born_on <= $1 OR born_on > $2",
            &[P::T(&d(5 * 365 + 2)), P::T(&today)],
        );

        // Every birth's child is a person in the mother's household, born that
        // day, of that sex; its pregnancy is the mother's, ended as a live birth
        // that day; its name is the person's.
        zero(
            &t,
            "birth child not matching the register",
            "SELECT COUNT(*) FROM birth b
         JOIN person c ON c.id = b.child_id
         JOIN person m ON m.id = b.mother_id
         JOIN pregnancy p ON p.id = b.pregnancy_id
         WHERE c.household_id IS NULL OR c.household_id <> m.household_id
            OR c.birth_date <> b.born_on OR c.sex <> b.sex OR b.child_name <> c.name
            OR p.woman_id <> b.mother_id OR p.outcome <> 'live_birth'
            OR p.outcome_on <> b.born_on OR m.sex <> 2",
            &[],
        );
        zero(
            &t,
            "a live birth without a birth row",
            "SELECT COUNT(*) FROM pregnancy p WHERE p.outcome = 'live_birth'
           AND NOT EXISTS (SELECT 1 FROM birth b WHERE b.pregnancy_id = p.id)",
            &[],
        );
        // Birth orders rise with the mother's births and count her older
        // children in the household.
        zero(
            &t,
            "birth order out of sequence",
            "SELECT COUNT(*) FROM birth a JOIN birth b ON a.mother_id = b.mother_id
         WHERE (a.born_on < b.born_on AND a.birth_order >= b.birth_order)
            OR (a.born_on = b.born_on AND a.id <> b.id AND a.birth_order = b.birth_order)",
            &[],
        );
        zero(
            &t,
            "birth order below the older siblings at home",
            "SELECT COUNT(*) FROM birth b JOIN person c ON c.id = b.child_id
         WHERE b.birth_order <= (SELECT COUNT(*) FROM person s
             WHERE s.household_id = c.household_id AND s.birth_date < b.born_on
               AND ((c.relation IN ('son', 'daughter') AND s.relation IN ('son', 'daughter'))
                 OR (c.relation = 'grandchild' AND s.relation = 'grandchild')))",
            &[],
        );

        // No woman has two open pregnancies, and no two of hers overlap.
        zero(
            &t,
            "two open pregnancies",
            "SELECT COUNT(*) FROM (SELECT woman_id FROM pregnancy WHERE outcome IS NULL
                               GROUP BY woman_id HAVING COUNT(*) > 1) x",
            &[],
        );
        zero(
            &t,
            "overlapping pregnancies",
            "SELECT COUNT(*) FROM pregnancy a JOIN pregnancy b
           ON a.woman_id = b.woman_id AND a.id < b.id
         WHERE a.lmp <= COALESCE(b.outcome_on, '9999-12-31')
           AND b.lmp <= COALESCE(a.outcome_on, '9999-12-31')",
            &[],
        );
        // Dates follow the rules: reported after the LMP, not in the future,
        // not more than 45 weeks after it; the outcome after the LMP and the
        // report; EDD = LMP + 280; timely = reported within 91 days.
        let rows =
            t.db.read(|tx| {
                tx.query(
                    "SELECT lmp, reported_on, edd, timely, outcome, outcome_on, source,
                        termination_record, termination_reason
                 FROM pregnancy",
                    &[],
                )
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let date =
            |s: &str| hearth_core::dates::parse_date(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        let (mut timely, mut open, mut overdue) = (0usize, 0usize, 0usize);
        let mut outcomes = std::collections::HashMap::<String, usize>::new();
        for r in &rows {
            let (lmp, rep, edd) = (date(&r.str(0)), date(&r.str(1)), date(&r.str(2)));
            assert!(lmp < rep && rep <= day0(), "{lmp} {rep}");
            assert!((rep - lmp).num_days() <= 315, "{lmp} {rep}");
            assert_eq!((edd - lmp).num_days(), 280);
            assert_eq!(r.bool(3), (rep - lmp).num_days() <= 91);
            timely += usize::from(r.bool(3));
            assert!(
                hearth_core::pregnancy::PregnancySource::parse(&r.str(6)).is_ok(),
                "{}",
                r.str(6)
            );
            match r.opt_str(4) {
                None => {
                    open += 1;
                    overdue += usize::from((day0() - lmp).num_days() >= 308);
                }
                Some(o) => {
                    let on = date(&r.opt_str(5).unwrap_or_default());
                    assert!(
                        on > lmp && on >= rep && on <= day0(),
                        "{o} {lmp} {rep} {on}"
                    );
                    if o == "induced_termination" {
                        let rec = r.opt_str(7).unwrap_or_default();
                        assert!(rec.starts_with("YC") && rec.len() == 12, "{rec}");
                        assert!(
                            hearth_core::pregnancy::TerminationReason::parse(
                                &r.opt_str(8).unwrap_or_default()
                            )
                            .is_ok()
                        );
                    }
                    *outcomes.entry(o).or_default() += 1;
                }
            }
        }
        let total = rows.len();
        let share = |k: &str| outcomes.get(k).copied().unwrap_or(0) as f64 / total as f64;
        let rate = timely as f64 / total as f64;
        assert!((0.80..=0.97).contains(&rate), "timeliness {rate}");
        assert!(
            (0.06..=0.14).contains(&share("miscarriage")),
            "{outcomes:?}"
        );
        assert!(
            (0.025..=0.08).contains(&share("induced_termination")),
            "{outcomes:?}"
        );
        assert!(share("moved_out") + share("lost") > 0.0, "{outcomes:?}");
        assert!(open > 20 && overdue >= 1, "open {open}, overdue {overdue}");
        // Pregnancies that did not end in a birth are of women 20–45.
        zero(
            &t,
            "non-live outcome outside 20–45",
            "SELECT COUNT(*) FROM pregnancy p JOIN person w ON w.id = p.woman_id
         WHERE (p.outcome IS NULL OR p.outcome <> 'live_birth')
           AND (w.sex <> 2 OR w.birth_date > $1 OR w.birth_date < $2)",
            &[P::T(&d(20 * 365 - 400)), P::T(&d(46 * 365 + 5 * 366))],
        );

        // The sex ratio at birth: designed at a male share of 0.524 (SRB ≈ 110)
        // with villages drawn ±0.02 around it. Over n births from 20 villages
        // the share's standard deviation is sqrt(0.2494/n + 0.0004/20); the
        // band is 4.5 of them, which no seed or day can leave by chance
        // (p < 1e-5), yet excludes an unweighted coin (SRB 100) once n > 2200
        // and an all-one-sex register always.
        let males = count(&t, "SELECT COUNT(*) FROM birth WHERE sex = 1", &[]);
        let n = births as f64;
        let p = males as f64 / n;
        let sd = (0.2494 / n + 0.0004 / 20.0).sqrt();
        assert!(
            (p - 0.524).abs() <= 4.5 * sd,
            "male share {p:.4} over {births} births (SRB {:.1}); band ±{:.4}",
            100.0 * p / (1.0 - p),
            4.5 * sd
        );

        // Twins: two births, one pregnancy, one day.
        let twins = count(
            &t,
            "SELECT COUNT(*) FROM (SELECT pregnancy_id FROM birth GROUP BY pregnancy_id
                               HAVING COUNT(*) = 2 AND MIN(born_on) = MAX(born_on)) x",
            &[],
        );
        let deliveries = count(&t, "SELECT COUNT(DISTINCT pregnancy_id) FROM birth", &[]);
        assert!(
            twins >= 1 && twins * 100 <= deliveries * 4,
            "{twins} twins of {deliveries}"
        );

        // Verification: every birth older than 60 days verified by both, the
        // town step after the village one and by another user; some recent
        // births not yet verified, and some verified by the village only.
        zero(
            &t,
            "old birth not verified",
            "SELECT COUNT(*) FROM birth WHERE born_on < $1 AND (verified <> 1
             OR village_verified_on IS NULL OR town_verified_on IS NULL
             OR town_verified_on < village_verified_on OR village_verified_on < born_on
             OR town_verifier_name = village_verifier_name OR town_checks IS NULL)",
            &[P::T(&d(60))],
        );
        zero(
            &t,
            "verified flag not matching the steps",
            "SELECT COUNT(*) FROM birth WHERE (verified = 1) <>
             (village_verified_on IS NOT NULL AND town_verified_on IS NOT NULL)",
            &[],
        );
        let recent_unverified = count(
            &t,
            "SELECT COUNT(*) FROM birth WHERE born_on >= $1 AND village_verified_on IS NULL",
            &[P::T(&d(45))],
        );
        assert!(recent_unverified >= 1, "no unverified recent birth");
        let village_only = count(
            &t,
            "SELECT COUNT(*) FROM birth WHERE village_verified_on IS NOT NULL AND town_verified_on IS NULL",
            &[],
        );
        assert!(village_only >= 1, "no birth verified by the village only");
        // Reporters and verifiers are the demo accounts, by id and name.
        zero(
        &t,
        "reporter or verifier not the village's and town's demo accounts",
        "SELECT COUNT(*) FROM birth b
         LEFT JOIN app_user r ON r.id = b.reported_by
         LEFT JOIN app_user v ON v.id = b.village_verified_by
         LEFT JOIN app_user tw ON tw.id = b.town_verified_by
         WHERE r.username IS NULL OR r.username <> b.reported_by_name OR r.org_code <> b.village_code
            OR (b.village_verified_on IS NOT NULL AND (v.username IS NULL OR v.id <> r.id))
            OR (b.town_verified_on IS NOT NULL AND (tw.username IS NULL OR tw.username <> 'town'))",
        &[],
    );
        zero(
        &t,
        "pregnancy reporter not the village's demo account",
        "SELECT COUNT(*) FROM pregnancy p LEFT JOIN app_user r ON r.id = p.reported_by
         WHERE r.username IS NULL OR r.username <> p.reported_by_name OR r.org_code <> p.village_code",
        &[],
    );

        // Antenatal checks: after the LMP, before the outcome, at their week.
        let checks =
            t.db.read(|tx| {
                tx.query(
                    "SELECT c.checked_on, c.gest_week, p.lmp, p.outcome_on, c.place
                 FROM antenatal_check c JOIN pregnancy p ON p.id = c.pregnancy_id",
                    &[],
                )
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(checks.len() > total * 2, "{} checks", checks.len());
        for r in &checks {
            let (on, lmp) = (date(&r.str(0)), date(&r.str(2)));
            assert!(on > lmp && on <= day0());
            assert!(r.opt_str(3).is_none_or(|o| on < date(&o)));
            assert_eq!(r.i64(1), (on - lmp).num_days() / 7);
            assert!(r.str(4).ends_with('院'), "{}", r.str(4));
        }
        let with_checks = count(
            &t,
            "SELECT COUNT(*) FROM pregnancy p WHERE p.outcome = 'live_birth' AND
           (SELECT COUNT(*) FROM antenatal_check c WHERE c.pregnancy_id = p.id) BETWEEN 3 AND 8",
            &[],
        );
        assert_eq!(with_checks, deliveries, "3–8 checks per delivery");

        // Infant deaths: under a year, of a demo birth, verified.
        let deaths = t
        .db
        .read(|tx| {
            tx.query(
                "SELECT d.died_on, d.age_days, b.born_on, d.cause, d.verified, d.child_id, b.child_id
                 FROM infant_death d JOIN birth b ON b.id = d.birth_id",
                &[],
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!deaths.is_empty(), "no infant death");
        assert_eq!(deaths.len() as u64, stats.infant_deaths);
        for r in &deaths {
            let (died, born) = (date(&r.str(0)), date(&r.str(2)));
            assert_eq!((died - born).num_days(), r.i64(1));
            assert!((0..365).contains(&r.i64(1)) && died <= day0());
            assert!(hearth_core::pregnancy::DeathCause::parse(&r.str(3)).is_ok());
            assert!(r.bool(4), "death not verified");
            assert_eq!(r.str(5), r.str(6));
        }
        assert!(
            deaths.len() as i64 * 1000 <= births * 15,
            "{} deaths of {births} births",
            deaths.len()
        );

        // Registrations: a birth's registration is the mother's and used; some
        // current ones over a year old have no pregnancy for the service visit.
        zero(
            &t,
            "birth under a registration that is not the mother's or not used",
            "SELECT COUNT(*) FROM birth b JOIN birth_registration r ON r.id = b.registration_id
         JOIN couple c ON c.id = r.couple_id
         WHERE r.status <> 'used' OR c.wife_id <> b.mother_id OR r.issued_on >= b.born_on",
            &[],
        );
        let used = count(
            &t,
            "SELECT COUNT(DISTINCT registration_id) FROM birth WHERE registration_id IS NOT NULL",
            &[],
        );
        assert!(used >= 5, "{used} births under a registration");
        let stale = count(
            &t,
            "SELECT COUNT(*) FROM birth_registration r JOIN couple c ON c.id = r.couple_id
         WHERE r.status = 'current' AND r.issued_on < $1
           AND NOT EXISTS (SELECT 1 FROM pregnancy p WHERE p.woman_id = c.wife_id
                           AND p.reported_on >= r.issued_on)",
            &[P::T(&d(366))],
        );
        assert!(stale >= 1, "no stale registration to list");
        let open_registered = count(
            &t,
            "SELECT COUNT(*) FROM pregnancy WHERE outcome IS NULL AND registration_id IS NOT NULL",
            &[],
        );
        assert!(open_registered >= 1);

        // Enforcement: 5–8 town cases over the five years, with items; the
        // town account holds the register's grant.
        let cases = count(
            &t,
            "SELECT COUNT(*) FROM enforcement_case WHERE org_code = '370404100'
           AND occurred_on > $1 AND occurred_on <= $2",
            &[P::T(&d(5 * 365 + 2)), P::T(&today)],
        );
        assert!((5..=8).contains(&cases), "{cases} cases");
        zero(
            &t,
            "case without items",
            "SELECT COUNT(*) FROM enforcement_case c
         WHERE NOT EXISTS (SELECT 1 FROM enforcement_item i WHERE i.case_id = c.id)",
            &[],
        );
        zero(
            &t,
            "closed case without a penalty",
            "SELECT COUNT(*) FROM enforcement_case WHERE status = 'closed' AND penalty IS NULL",
            &[],
        );
        let granted = count(
            &t,
            "SELECT COUNT(*) FROM enforcement_grant g JOIN app_user u ON u.id = g.user_id
         WHERE u.username = 'town'",
            &[],
        );
        assert_eq!(granted, 1);

        // The store's own lists and statistics see the history as the town's
        // staff would: the overdue list, the SRB over the five years with the
        // unverified split, and a registration listed for a service visit.
        let town = Scope::for_user("u-town", "town", Role::TownStaff, TOWN, false, "127.0.0.1");
        let overdue_list = hearth_store::pregnancy::list_pregnancies(
            &t.db,
            &town,
            &hearth_store::pregnancy::PregnancyFilter {
                overdue_only: true,
                limit: 100,
                ..Default::default()
            },
            day0(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(overdue_list.len(), overdue, "overdue list");
        assert!(
            overdue_list
                .iter()
                .all(|p| p.overdue && p.outcome.is_none())
        );
        let period = hearth_store::stats::Period {
            from: day0() - Months::new(60),
            to: day0(),
        };
        let srb = hearth_store::stats::srb_by_village(&t.db, &town, TOWN, period, true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(srb.total.srb.males + srb.total.srb.females, births);
        assert_eq!(srb.total.srb.males, males);
        assert_eq!(srb.villages.len(), 20);
        let unverified = count(&t, "SELECT COUNT(*) FROM birth WHERE verified = 0", &[]);
        assert_eq!(srb.total.unverified, unverified);
        let recon = hearth_store::stats::reconciliation(&t.db, &town, TOWN, 2026, 5)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!recon.stale.is_empty(), "no stale registration listed");
        assert!(recon.total.births > 0 && recon.total.births_registered <= recon.total.births);

        // Every new row carries version 1 and a change sequence.
        for table in [
            "pregnancy",
            "antenatal_check",
            "birth",
            "infant_death",
            "enforcement_case",
        ] {
            zero(
                &t,
                table,
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE version <> 1 OR change_seq IS NULL
                   OR change_seq < 1 OR created_at IS NULL OR updated_at IS NULL"
                ),
                &[],
            );
        }
        let dup_seq = count(
            &t,
            "SELECT COUNT(*) FROM (SELECT change_seq FROM (
             SELECT change_seq FROM pregnancy UNION ALL SELECT change_seq FROM antenatal_check
             UNION ALL SELECT change_seq FROM birth UNION ALL SELECT change_seq FROM infant_death
             UNION ALL SELECT change_seq FROM person) s GROUP BY change_seq HAVING COUNT(*) > 1) x",
            &[],
        );
        assert_eq!(dup_seq, 0, "change_seq reused");
    }
);

/// A summary of everything the history wrote, to compare two loads.
fn fingerprint(t: &TestDb) -> Vec<(String, i64)> {
    [
        ("pregnancies", "SELECT COUNT(*) FROM pregnancy"),
        (
            "open",
            "SELECT COUNT(*) FROM pregnancy WHERE outcome IS NULL",
        ),
        ("timely", "SELECT COUNT(*) FROM pregnancy WHERE timely = 1"),
        ("checks", "SELECT COUNT(*) FROM antenatal_check"),
        ("births", "SELECT COUNT(*) FROM birth"),
        ("boys", "SELECT COUNT(*) FROM birth WHERE sex = 1"),
        ("verified", "SELECT COUNT(*) FROM birth WHERE verified = 1"),
        (
            "orders",
            "SELECT CAST(COALESCE(SUM(birth_order), 0) AS BIGINT) FROM birth",
        ),
        (
            "weights",
            "SELECT CAST(COALESCE(SUM(weight_g), 0) AS BIGINT) FROM birth",
        ),
        ("deaths", "SELECT COUNT(*) FROM infant_death"),
        ("cases", "SELECT COUNT(*) FROM enforcement_case"),
        (
            "items",
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM enforcement_item",
        ),
        (
            "used",
            "SELECT COUNT(*) FROM birth_registration WHERE status = 'used'",
        ),
    ]
    .iter()
    .map(|(k, sql)| (k.to_string(), count(t, sql, &[])))
    .collect()
}

both!(history_demo_is_deterministic_by_seed, |kind| {
    let (a, b, c) = (TestDb::new(kind), TestDb::new(kind), TestDb::new(kind));
    load(&a, &cfg(4_000, 5));
    load(&b, &cfg(4_000, 5));
    load(&c, &cfg(4_000, 6));
    let (fa, fb, fc) = (fingerprint(&a), fingerprint(&b), fingerprint(&c));
    assert!(fa.iter().all(|(_, n)| *n > 0), "{fa:?}");
    assert_eq!(fa, fb);
    assert_ne!(fa, fc);
    // The same pregnancies, to the day.
    let dates = |t: &TestDb| {
        t.db.read(|tx| {
            Ok(tx
                .query(
                    "SELECT lmp, reported_on, COALESCE(outcome, '-'), COALESCE(outcome_on, '-')
                     FROM pregnancy ORDER BY lmp, reported_on, outcome, outcome_on",
                    &[],
                )?
                .iter()
                .map(|r| (r.str(0), r.str(1), r.str(2), r.str(3)))
                .collect::<Vec<_>>())
        })
        .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(dates(&a), dates(&b));
});

both!(history_user_add_grants_the_enforcement_register, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let add = |name: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
            .env_remove("HEARTH_DATABASE_URL")
            .env("HEARTH_LOG", "warn")
            .env("HEARTH_USER_PASSWORD", "a-long-password")
            .args(["user", "add", name, "--role", "town_staff", "--org", TOWN])
            .args(extra)
            .args(["--db", &t.url])
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = add("inspector", &["--enforcement"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("enforcement"));
    let out = add("clerk", &[]);
    assert!(out.status.success());
    let granted = |name: &str| {
        count(
            &t,
            "SELECT COUNT(*) FROM enforcement_grant g JOIN app_user u ON u.id = g.user_id
             WHERE u.username = $1",
            &[hearth_store::db::P::T(name)],
        )
    };
    assert_eq!(granted("inspector"), 1);
    assert_eq!(granted("clerk"), 0);
    // The grant is audited.
    let audited = count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'enforcement_grant'",
        &[],
    );
    assert_eq!(audited, 1);
});
