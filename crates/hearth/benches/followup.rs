//! Follow-up service benchmarks on the county demo with 12 months of
//! visits: monthly coverage of the whole county by village (the store
//! against the raw SQL giving the same numbers, in the same run), a
//! worker's work list from the store, and recording a visit through the
//! store. Run: `cargo bench -p hearth --bench followup` (BENCH_PERSONS,
//! default 1,000,000; BENCH_BACKENDS=sqlite,postgres; BENCH_PG_URL, default
//! the local server; BENCH_MONTHS, default 12; BENCH_REPS, default 7). The
//! SQLite database is kept under bench/out/ and reused (bench/followup.sh
//! serves it).

use chrono::{Months, NaiveDate};
use hearth_core::follow_up::{VisitInput, YearMonth};
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_demo::DemoConfig;
use hearth_store::db::P;
use hearth_store::follow_up::{self, CoverageBy};
use hearth_store::{Db, StoreError};
use std::collections::HashMap;
use std::time::Instant;

fn env_or(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_string())
}

fn die(msg: impl std::fmt::Debug) -> ! {
    eprintln!("bench failed: {msg:?}");
    std::process::exit(1)
}

/// Median, 99th percentile and maximum of timings in milliseconds.
fn summary(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    if ms.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), ms[ms.len() - 1])
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = Instant::now();
    let out = f();
    (out, t0.elapsed().as_secs_f64() * 1000.0)
}

/// The database of a backend: the cached SQLite file, or a fresh
/// PostgreSQL database.
fn target(backend: &str, persons: usize, months: u32) -> (String, bool) {
    if backend == "sqlite" {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/out");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("followup-county-{persons}-{months}m.db"));
        let exists = path.exists();
        return (format!("sqlite://{}", path.display()), exists);
    }
    let admin = env_or(
        "BENCH_PG_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let name = "hearth_bench_followup";
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| die(e));
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap_or_else(|e| die(e));
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| die(e));
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    (format!("{base}/{name}"), false)
}

fn count(db: &Db, sql: &str, params: &[P<'_>]) -> i64 {
    db.read(|tx| tx.query_one(sql, params)?.int(0))
        .unwrap_or_else(|e| die(e))
}

/// The month's monthly contacts by village, written by hand: the women due
/// (15–49 on the first of the month, or pregnant during it), those visited
/// in the month, and those visited only in the month after (late). Every
/// default rule allows every mode.
const RAW_COVERAGE: &str = "SELECT p.village_code, COUNT(*),
        SUM(CASE WHEN EXISTS (SELECT 1 FROM visit v WHERE v.person_id = p.id
                              AND v.visited_on >= $3 AND v.visited_on <= $4) THEN 1 ELSE 0 END),
        SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM visit v WHERE v.person_id = p.id
                                  AND v.visited_on >= $3 AND v.visited_on <= $4)
                  AND EXISTS (SELECT 1 FROM visit v WHERE v.person_id = p.id
                              AND v.visited_on > $4 AND v.visited_on <= $5) THEN 1 ELSE 0 END)
    FROM person p
    WHERE p.village_code >= $1 AND p.village_code < $2 AND p.sex = 2
      AND ((p.birth_date > $6 AND p.birth_date <= $7)
           OR EXISTS (SELECT 1 FROM pregnancy g WHERE g.woman_id = p.id AND g.lmp <= $4
                      AND (g.outcome_on IS NULL OR g.outcome_on >= $3)))
    GROUP BY p.village_code
    ORDER BY p.village_code";

type Counts = HashMap<String, (i64, i64, i64)>;

fn raw_coverage(db: &Db, month: YearMonth) -> Counts {
    let (f, l) = (month.first_day(), month.last_day());
    let len = (l - f).num_days() + 1;
    let lt = l + chrono::Duration::days(len);
    let back = |y: u32| f.checked_sub_months(Months::new(12 * y)).unwrap_or(f);
    let s = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let (fs, ls, lts, ba, bb) = (s(f), s(l), s(lt), s(back(50)), s(back(15)));
    db.read(|tx| {
        tx.query(
            RAW_COVERAGE,
            &[
                P::T("370404"),
                P::T("370405"),
                P::T(&fs),
                P::T(&ls),
                P::T(&lts),
                P::T(&ba),
                P::T(&bb),
            ],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, (r.int(1)?, r.int(2)?, r.int(3)?))))
        .collect::<Result<_, StoreError>>()
    })
    .unwrap_or_else(|e| die(e))
}

fn main() {
    let persons: usize = env_or("BENCH_PERSONS", "1000000")
        .parse()
        .unwrap_or(1_000_000);
    let months: u32 = env_or("BENCH_MONTHS", "12").parse().unwrap_or(12);
    let reps: usize = env_or("BENCH_REPS", "7").parse().unwrap_or(7);
    let backends = env_or("BENCH_BACKENDS", "sqlite,postgres");
    let today = hearth_core::dates::today();
    println!(
        "machine: {} cores; persons: {persons}; months of visits: {months}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let hash = hearth_core::user::hash_password("hearth-demo").unwrap_or_default();
    for backend in backends.split(',').map(str::trim).filter(|b| !b.is_empty()) {
        println!("--- {backend}");
        let (url, cached) = target(backend, persons, months);
        let db = hearth_store::open_and_migrate(&url).unwrap_or_else(|e| die(e));
        if !cached || !hearth_store::bulk::has_persons(&db).unwrap_or(false) {
            let cfg = DemoConfig {
                persons,
                seed: 1,
                today,
                followup_months: months,
            };
            let (stats, ms) = timed(|| {
                hearth_demo::load_demo(&db, &cfg, &hash, &mut |_| {}).unwrap_or_else(|e| die(e))
            });
            println!(
                "demo load: {:.1} s ({} persons, {} visits, {} contacts, {} needs, {} zones)",
                ms / 1000.0,
                stats.persons,
                stats.visits,
                stats.visit_contacts,
                stats.needs,
                stats.zones
            );
        } else {
            println!("reusing {url}");
        }
        let month = YearMonth::of(today).prev();
        let (f, _) = (month.first_day(), month.last_day());
        let back = |y: u32| f.checked_sub_months(Months::new(12 * y)).unwrap_or(f);
        let (ba, bb) = (back(50).to_string(), back(15).to_string());
        println!(
            "data: {} persons, {} women 15-49, {} visits, {} visit contacts, {} workers",
            count(&db, "SELECT COUNT(*) FROM person", &[]),
            count(
                &db,
                "SELECT COUNT(*) FROM person WHERE sex = 2 AND birth_date > $1 AND birth_date <= $2",
                &[P::T(&ba), P::T(&bb)]
            ),
            count(&db, "SELECT COUNT(*) FROM visit", &[]),
            count(&db, "SELECT COUNT(*) FROM visit_contact", &[]),
            count(
                &db,
                "SELECT COUNT(*) FROM app_user WHERE role = 'follow_up_worker'",
                &[]
            ),
        );

        // Coverage of last month for the county, by village.
        let admin = Scope::for_user(
            "u-bench",
            "admin",
            Role::Admin,
            "370404",
            false,
            "127.0.0.1",
        );
        let mut store_ms = Vec::new();
        let mut raw_ms = Vec::new();
        let mut last = None;
        let mut raw = Counts::new();
        for _ in 0..reps {
            let (r, ms) = timed(|| {
                follow_up::coverage(&db, &admin, "370404", month, CoverageBy::Village, today)
                    .unwrap_or_else(|e| die(e))
            });
            store_ms.push(ms);
            last = Some(r);
            let (r, ms) = timed(|| raw_coverage(&db, month));
            raw_ms.push(ms);
            raw = r;
        }
        let Some(report) = last else {
            die("no coverage")
        };
        let mut mismatches = 0;
        for row in &report.rows {
            let want = raw.get(&row.key).copied().unwrap_or((0, 0, 0));
            if (row.due, row.on_time, row.late) != want {
                mismatches += 1;
                if mismatches <= 3 {
                    eprintln!(
                        "mismatch {}: store {:?} raw {want:?}",
                        row.key,
                        (row.due, row.on_time, row.late)
                    );
                }
            }
        }
        let (sm, _, sx) = summary(store_ms);
        let (rm, _, rx) = summary(raw_ms);
        println!(
            "coverage {month}, 370404 by village ({} villages, {} due, {:.1} % on time, {} mismatches against raw): store median {sm:.0} ms max {sx:.0} ms; raw SQL median {rm:.0} ms max {rx:.0} ms; ratio {:.2}",
            report.rows.len(),
            report.total.due,
            report.total.coverage.unwrap_or(0.0) * 100.0,
            mismatches,
            sm / rm.max(0.001)
        );

        // Workers: their ids and scopes, and one assigned woman each.
        let workers: Vec<(String, String, String, String)> = db
            .read(|tx| {
                tx.query(
                    "SELECT u.id, u.username, u.org_code,
                                (SELECT a.person_id FROM follow_up_assignment a
                                 WHERE a.worker_id = u.id ORDER BY a.person_id LIMIT 1)
                         FROM app_user u WHERE u.role = 'follow_up_worker'
                         ORDER BY u.username LIMIT 200",
                    &[],
                )?
                .iter()
                .filter_map(|r| {
                    let first = match r.opt_text(3) {
                        Ok(Some(p)) => p,
                        Ok(None) => return None,
                        Err(e) => return Some(Err(e)),
                    };
                    Some((|| Ok((r.text(0)?, r.text(1)?, r.text(2)?, first)))())
                })
                .collect::<Result<_, StoreError>>()
            })
            .unwrap_or_else(|e| die(e));
        if workers.is_empty() {
            die("no workers");
        }
        let scope = |w: &(String, String, String, String)| {
            Scope::for_user(&w.0, &w.1, Role::FollowUpWorker, &w.2, false, "127.0.0.1")
        };
        let calls = 400;
        let mut ms = Vec::with_capacity(calls);
        let mut items = 0usize;
        for i in 0..calls {
            let w = &workers[i % workers.len()];
            let s = scope(w);
            let (l, t) =
                timed(|| follow_up::work_list(&db, &s, None, today).unwrap_or_else(|e| die(e)));
            items += l.due_today.total + l.this_week.total + l.overdue.total;
            ms.push(t);
        }
        let (m, p99, mx) = summary(ms);
        println!(
            "work list ({} workers, {calls} calls, {:.0} items a list): median {m:.1} ms p99 {p99:.1} ms max {mx:.1} ms",
            workers.len(),
            items as f64 / calls as f64
        );

        let mut ms = Vec::with_capacity(calls);
        for i in 0..calls {
            let w = &workers[i % workers.len()];
            let s = scope(w);
            let input = VisitInput {
                person_id: w.3.clone(),
                visited_on: today.format("%Y-%m-%d").to_string(),
                mode: if i % 3 == 0 { "phone" } else { "home" }.to_string(),
                topics: vec!["policy_law".to_string()],
                findings: "基准测试随访".to_string(),
                ..VisitInput::default()
            };
            let cid = uuid::Uuid::now_v7().to_string();
            let (_, t) = timed(|| {
                follow_up::record_visit(&db, &s, Some(&cid), &input, today)
                    .unwrap_or_else(|e| die(e))
            });
            ms.push(t);
        }
        let (m, p99, mx) = summary(ms);
        println!(
            "record a visit ({calls} visits): median {m:.1} ms p99 {p99:.1} ms max {mx:.1} ms"
        );
        // The benchmark's own visits are removed so reruns see the demo.
        let _ = db.write(|tx| {
            tx.exec(
                "DELETE FROM visit_contact WHERE visit_id IN (SELECT id FROM visit WHERE findings = '基准测试随访')",
                &[],
            )?;
            tx.exec("DELETE FROM visit WHERE findings = '基准测试随访'", &[])?;
            Ok(())
        });
    }
}
