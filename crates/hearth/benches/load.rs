//! Bulk-load benchmarks: demo generation into each backend against the
//! simplest raw prepared-statement loop inserting the same rows, and a
//! person import of a large CSV through the release binary (rows/s and
//! peak memory); then the pregnancy and birth statistics on the demo
//! county with its five years of history, each store function against the
//! raw SQL for the same answer in the same run. Run:
//! `cargo bench -p hearth --bench load` (BENCH_PERSONS, default 1,000,000;
//! BENCH_PG_URL, default the local server; BENCH_BACKENDS=sqlite,postgres;
//! BENCH_ONLY=load or BENCH_ONLY=stats for one part; BENCH_STATS_REPS,
//! default 15; BENCH_KEEP=1 keeps the statistics database for a look).

use chrono::{Datelike, Months, NaiveDate};
use hearth_core::id_number::ResidentId;
use hearth_core::scope::Scope;
use hearth_core::user::Role;
use hearth_demo::{DemoConfig, VillageBatch};
use hearth_store::stats::{self, Period};
use std::collections::HashMap;
use std::io::Write;
use std::process::Command;
use std::time::Instant;

fn env_or(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_string())
}

fn die(msg: impl std::fmt::Debug) -> ! {
    eprintln!("bench failed: {msg:?}");
    std::process::exit(1)
}

struct Target {
    url: String,
    cleanup: Box<dyn Fn()>,
    size: Box<dyn Fn() -> u64>,
}

fn fresh(backend: &str, tag: &str) -> Target {
    match backend {
        "sqlite" => {
            let path = std::env::temp_dir().join(format!("hearth-bench-{tag}.db"));
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{s}", path.display()));
            }
            let p1 = path.clone();
            let p2 = path.clone();
            Target {
                url: format!("sqlite://{}", path.display()),
                cleanup: Box::new(move || {
                    for s in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{s}", p1.display()));
                    }
                }),
                size: Box::new(move || {
                    ["", "-wal"]
                        .iter()
                        .map(|s| {
                            std::fs::metadata(format!("{}{s}", p2.display())).map_or(0, |m| m.len())
                        })
                        .sum()
                }),
            }
        }
        _ => {
            let admin = env_or(
                "BENCH_PG_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            );
            let name = format!("hearth_bench_{tag}");
            let mut c =
                postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| die(e));
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .unwrap_or_else(|e| die(e));
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap_or_else(|e| die(e));
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(b, _)| b)
                .to_string();
            let (a1, n1, a2, n2) = (admin.clone(), name.clone(), admin.clone(), name.clone());
            Target {
                url: format!("{base}/{name}"),
                cleanup: Box::new(move || {
                    if let Ok(mut c) = postgres::Client::connect(&a1, postgres::NoTls) {
                        let _ =
                            c.batch_execute(&format!("DROP DATABASE IF EXISTS {n1} WITH (FORCE)"));
                    }
                }),
                size: Box::new(move || {
                    postgres::Client::connect(&a2, postgres::NoTls)
                        .and_then(|mut c| c.query_one("SELECT pg_database_size($1)", &[&n2]))
                        .map_or(0, |r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0))
                }),
            }
        }
    }
}

/// Row values as plain strings/ints for the raw loop.
enum Val {
    T(String),
    I(i64),
    N,
}

fn opt(s: &Option<String>) -> Val {
    s.clone().map_or(Val::N, Val::T)
}

struct Table {
    sql_cols: &'static str,
    rows: Vec<Vec<Val>>,
}

/// The same rows the demo load writes, gathered in memory (not timed).
fn gather(cfg: &DemoConfig) -> (Vec<Table>, u64) {
    let now = "2026-11-29T00:00:00Z".to_string();
    let mut hh = Vec::new();
    let mut pp = Vec::new();
    let mut cc = Vec::new();
    let mut rr = Vec::new();
    let mut seq = 1_000i64;
    let mut s = || {
        seq += 1;
        Val::I(seq)
    };
    let _ = hearth_demo::generate(cfg, |b: VillageBatch| {
        for h in b.households {
            hh.push(vec![
                Val::T(h.id),
                Val::T(h.village_code),
                Val::T(h.number),
                Val::T(h.address),
                opt(&h.head_person_id),
                Val::I(h.flags.family_planning.into()),
                Val::I(h.flags.poor_family_planning.into()),
                Val::I(h.flags.only_child.into()),
                Val::I(h.flags.two_daughters.into()),
                Val::I(h.flags.girl_family.into()),
                Val::I(1),
                Val::T(now.clone()),
                Val::T(now.clone()),
                s(),
            ]);
        }
        for p in b.persons {
            pp.push(vec![
                Val::T(p.id),
                Val::T(p.resident_id),
                Val::T(p.name),
                Val::I(p.sex.code()),
                Val::T(p.birth_date),
                opt(&p.phone),
                p.marital_status.map_or(Val::N, |m| Val::T(m.code().into())),
                opt(&p.household_id),
                p.relation.map_or(Val::N, |r| Val::T(r.code().into())),
                Val::T(p.village_code),
                Val::I(1),
                Val::T(now.clone()),
                Val::T(now.clone()),
                s(),
            ]);
        }
        for c in b.couples {
            cc.push(vec![
                Val::T(c.id),
                Val::T(c.wife_id),
                Val::T(c.husband_id),
                opt(&c.marriage_date),
                Val::T(c.village_code),
                Val::I(1),
                Val::T(now.clone()),
                Val::T(now.clone()),
                s(),
            ]);
        }
        for r in b.registrations {
            rr.push(vec![
                Val::T(r.id),
                Val::T(r.couple_id),
                Val::T(r.village_code),
                Val::I(r.child_order),
                Val::T(r.number),
                Val::T(r.issued_on),
                Val::T(r.status.code().into()),
                opt(&r.status_reason),
                Val::T(r.review_due),
                opt(&r.last_reviewed_on),
                Val::I(1),
                Val::T(now.clone()),
                Val::T(now.clone()),
                s(),
            ]);
        }
        Ok::<(), ()>(())
    });
    let persons = pp.len() as u64;
    (
        vec![
            Table {
                sql_cols: "household (id, village_code, number, address, head_person_id, family_planning, poor_family_planning, only_child, two_daughters, girl_family, version, created_at, updated_at, change_seq)",
                rows: hh,
            },
            Table {
                sql_cols: "person (id, resident_id, name, sex, birth_date, phone, marital_status, household_id, relation, village_code, version, created_at, updated_at, change_seq)",
                rows: pp,
            },
            Table {
                sql_cols: "couple (id, wife_id, husband_id, marriage_date, village_code, version, created_at, updated_at, change_seq)",
                rows: cc,
            },
            Table {
                sql_cols: "birth_registration (id, couple_id, village_code, child_order, number, issued_on, status, status_reason, review_due, last_reviewed_on, version, created_at, updated_at, change_seq)",
                rows: rr,
            },
        ],
        persons,
    )
}

fn raw_sqlite(url: &str, tables: &[Table]) -> u64 {
    let path = url.trim_start_matches("sqlite://");
    let mut c = rusqlite::Connection::open(path).unwrap_or_else(|e| die(e));
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        .unwrap_or_else(|e| die(e));
    let tx = c.transaction().unwrap_or_else(|e| die(e));
    let mut n = 0;
    for t in tables {
        let ncols = t.rows.first().map_or(0, Vec::len);
        let marks: Vec<String> = (1..=ncols).map(|i| format!("?{i}")).collect();
        let mut st = tx
            .prepare(&format!(
                "INSERT INTO {} VALUES ({})",
                t.sql_cols,
                marks.join(",")
            ))
            .unwrap_or_else(|e| die(e));
        for r in &t.rows {
            let params: Vec<rusqlite::types::Value> = r
                .iter()
                .map(|v| match v {
                    Val::T(s) => rusqlite::types::Value::Text(s.clone()),
                    Val::I(i) => rusqlite::types::Value::Integer(*i),
                    Val::N => rusqlite::types::Value::Null,
                })
                .collect();
            st.execute(rusqlite::params_from_iter(params))
                .unwrap_or_else(|e| die(e));
            n += 1;
        }
    }
    tx.commit().unwrap_or_else(|e| die(e));
    n
}

fn raw_pg(url: &str, tables: &[Table]) -> u64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| die(e));
    let mut tx = c.transaction().unwrap_or_else(|e| die(e));
    let mut n = 0;
    for t in tables {
        let ncols = t.rows.first().map_or(0, Vec::len);
        let marks: Vec<String> = (1..=ncols).map(|i| format!("${i}")).collect();
        let st = tx
            .prepare(&format!(
                "INSERT INTO {} VALUES ({})",
                t.sql_cols,
                marks.join(",")
            ))
            .unwrap_or_else(|e| die(e));
        for r in &t.rows {
            let owned: Vec<Box<dyn postgres::types::ToSql + Sync>> = r
                .iter()
                .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
                    match v {
                        Val::T(s) => Box::new(s.clone()),
                        Val::I(i) => Box::new(*i),
                        Val::N => Box::new(Option::<String>::None),
                    }
                })
                .collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                owned.iter().map(|b| b.as_ref()).collect();
            tx.execute(&st, &refs).unwrap_or_else(|e| die(e));
            n += 1;
        }
    }
    tx.commit().unwrap_or_else(|e| die(e));
    n
}

fn write_csv(path: &std::path::Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| die(e)));
    let _ = writeln!(
        f,
        "姓名,身份证号,性别,出生日期,联系电话,婚姻状况,村代码,户编号,与户主关系,住址"
    );
    let start = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default();
    let rel = ["户主", "配偶", "子", "女"];
    let names = [
        "王秀英",
        "张建国",
        "李娜",
        "刘伟",
        "陈静",
        "杨洋",
        "赵敏",
        "孙丽",
    ];
    for i in 0..rows {
        let d = start + chrono::Duration::days((i / 800) as i64);
        let id = ResidentId::compose("370404", d, (i % 800) as u16).unwrap_or_else(|| die("id"));
        let village = 201 + (i / 2_500) % 20;
        let _ = writeln!(
            f,
            "{},{},,{},1{:010},初婚,370404100{village},{:06},{},古邵镇{}组",
            names[i % names.len()],
            id.as_str(),
            d.format("%Y-%m-%d"),
            3_000_000_000u64 + i as u64,
            i / 4,
            rel[i % 4],
            i % 9 + 1
        );
    }
}

fn main() {
    let persons: usize = env_or("BENCH_PERSONS", "1000000")
        .parse()
        .unwrap_or(1_000_000);
    let backends = env_or("BENCH_BACKENDS", "sqlite,postgres");
    let cfg = DemoConfig {
        persons,
        seed: 1,
        today: hearth_core::dates::today(),
        followup_months: 0,
    };
    println!(
        "machine: {} cores; persons: {persons}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let hash = hearth_core::user::hash_password("bench-password").unwrap_or_default();
    let only = env_or("BENCH_ONLY", "");
    if only != "stats" {
        load_and_import(&cfg, &backends, &hash);
    }
    if only != "load" {
        for backend in backends.split(',') {
            stats_bench(backend, &cfg, &hash);
        }
    }
}

/// The demo load against the raw loop, and the import, on each backend.
fn load_and_import(cfg: &DemoConfig, backends: &str, hash: &str) {
    let cfg = *cfg;
    let persons = cfg.persons;
    let (tables, n_persons) = gather(&cfg);
    let total_rows: u64 = tables.iter().map(|t| t.rows.len() as u64).sum();
    let csv = std::env::temp_dir().join("hearth-bench-import.csv");
    write_csv(&csv, persons);
    for backend in backends.split(',') {
        // Raw baseline: the same rows, one prepared INSERT per row, one transaction.
        let raw = fresh(backend, "raw");
        let db = hearth_store::open_and_migrate(&raw.url).unwrap_or_else(|e| die(e));
        hearth_store::orgs::upsert(
            &db,
            &hearth_core::scope::Scope::system("bench"),
            &hearth_demo::org_units(&cfg),
        )
        .unwrap_or_else(|e| die(e));
        drop(db);
        let t0 = Instant::now();
        let n = if backend == "sqlite" {
            raw_sqlite(&raw.url, &tables)
        } else {
            raw_pg(&raw.url, &tables)
        };
        let raw_secs = t0.elapsed().as_secs_f64();
        (raw.cleanup)();

        // Hearth: generation and load, as `hearth demo` does it.
        let t = fresh(backend, "demo");
        let db = hearth_store::open_and_migrate(&t.url).unwrap_or_else(|e| die(e));
        let t0 = Instant::now();
        let stats = hearth_demo::load_demo(&db, &cfg, hash, &mut |_| {}).unwrap_or_else(|e| die(e));
        let secs = t0.elapsed().as_secs_f64();
        drop(db);
        let rows = stats.households + stats.persons + stats.couples + stats.registrations;
        let size = (t.size)();
        (t.cleanup)();
        println!(
            "[{backend}] demo load: {} persons, {rows} rows in {secs:.2} s = {:.0} rows/s ({:.0} persons/s)",
            stats.persons,
            rows as f64 / secs,
            stats.persons as f64 / secs
        );
        println!(
            "[{backend}] raw prepared-statement loop, same {n} rows (of {total_rows}, {n_persons} persons): {raw_secs:.2} s = {:.0} rows/s; hearth/raw = {:.2}x",
            n as f64 / raw_secs,
            (rows as f64 / secs) / (n as f64 / raw_secs)
        );
        println!(
            "[{backend}] database size: {:.1} MB = {:.0} bytes/person",
            size as f64 / 1e6,
            size as f64 / stats.persons.max(1) as f64
        );

        // Import through the release binary, in its own process (peak RSS is its own).
        let t = fresh(backend, "import");
        let db = hearth_store::open_and_migrate(&t.url).unwrap_or_else(|e| die(e));
        hearth_store::orgs::upsert(
            &db,
            &hearth_core::scope::Scope::system("bench"),
            &hearth_demo::org_units(&DemoConfig {
                persons: 45_000,
                ..cfg
            }),
        )
        .unwrap_or_else(|e| die(e));
        drop(db);
        let t0 = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["import", "persons"])
            .arg(&csv)
            .args(["--db", &t.url])
            .env("HEARTH_LOG", env_or("BENCH_LOG", "warn"))
            .output()
            .unwrap_or_else(|e| die(e));
        let secs = t0.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap_or("").to_string();
        println!(
            "[{backend}] import of {persons} CSV rows: {secs:.2} s wall = {:.0} rows/s; {last}",
            persons as f64 / secs
        );
        if !out.status.success() {
            die(String::from_utf8_lossy(&out.stderr).to_string());
        }
        (t.cleanup)();
    }
    let _ = std::fs::remove_file(&csv);
}

// ---- pregnancy and birth statistics ---------------------------------------------

/// A raw connection for the baseline: the same SQL text, bound and read
/// row by row with nothing around it (no pool, no scope, no folding).
enum Raw {
    Sqlite(rusqlite::Connection),
    Pg(Box<postgres::Client>, HashMap<String, postgres::Statement>),
}

/// A raw parameter.
enum RP<'a> {
    T(&'a str),
    I(i64),
}

impl Raw {
    fn open(url: &str) -> Raw {
        if url.starts_with("sqlite://") {
            let c = rusqlite::Connection::open(url.trim_start_matches("sqlite://"))
                .unwrap_or_else(|e| die(e));
            c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA cache_size = -32000;")
                .unwrap_or_else(|e| die(e));
            Raw::Sqlite(c)
        } else {
            Raw::Pg(
                Box::new(
                    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| die(e)),
                ),
                HashMap::new(),
            )
        }
    }

    /// Runs `sql` (`$n` placeholders) and reads every row; returns the rows
    /// and the sum of the integer columns `sum_cols` (to check the answer).
    fn run(&mut self, sql: &str, params: &[RP<'_>], sum_cols: &[usize]) -> (usize, i64) {
        match self {
            Raw::Sqlite(c) => {
                let mut st = c
                    .prepare_cached(&sql.replace('$', "?"))
                    .unwrap_or_else(|e| die(e));
                let vals: Vec<rusqlite::types::Value> = params
                    .iter()
                    .map(|p| match p {
                        RP::T(s) => rusqlite::types::Value::Text((*s).to_string()),
                        RP::I(i) => rusqlite::types::Value::Integer(*i),
                    })
                    .collect();
                let n = st.column_count();
                let mut rows = st
                    .query(rusqlite::params_from_iter(vals))
                    .unwrap_or_else(|e| die(e));
                let (mut count, mut sum) = (0, 0i64);
                while let Some(r) = rows.next().unwrap_or_else(|e| die(e)) {
                    for i in 0..n {
                        let v: rusqlite::types::Value = r.get(i).unwrap_or_else(|e| die(e));
                        if sum_cols.contains(&i)
                            && let rusqlite::types::Value::Integer(x) = v
                        {
                            sum += x;
                        }
                    }
                    count += 1;
                }
                (count, sum)
            }
            Raw::Pg(c, cache) => {
                let st = match cache.get(sql) {
                    Some(s) => s.clone(),
                    None => {
                        let s = c.prepare(sql).unwrap_or_else(|e| die(e));
                        cache.insert(sql.to_string(), s.clone());
                        s
                    }
                };
                let owned: Vec<Box<dyn postgres::types::ToSql + Sync>> = params
                    .iter()
                    .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
                        match p {
                            RP::T(s) => Box::new((*s).to_string()),
                            RP::I(i) => Box::new(*i),
                        }
                    })
                    .collect();
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|b| b.as_ref()).collect();
                let rows = c.query(&st, &refs).unwrap_or_else(|e| die(e));
                let sum = rows
                    .iter()
                    .flat_map(|r| {
                        sum_cols
                            .iter()
                            .map(|&i| r.try_get::<_, Option<i64>>(i).ok().flatten().unwrap_or(0))
                    })
                    .sum();
                (rows.len(), sum)
            }
        }
    }

    fn count(&mut self, table: &str) -> i64 {
        self.run(&format!("SELECT COUNT(*) FROM {table}"), &[], &[0])
            .1
    }
}

/// Median and maximum of timings in milliseconds.
fn median_max(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let max = ms.last().copied().unwrap_or(0.0);
    let mid = ms.len() / 2;
    let median = if ms.len() % 2 == 1 {
        ms[mid]
    } else {
        (ms[mid - 1] + ms[mid]) / 2.0
    };
    (median, max)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = Instant::now();
    let out = f();
    (out, t0.elapsed().as_secs_f64() * 1000.0)
}

// The raw SQL gives the same answer as the store function: every village
// of the county by code with its name (zeros included), each statement
// written by hand as one would for a one-off report.

/// Births by village, sex and birth order over the period.
const RAW_SRB: &str = "SELECT o.code, o.name, b.sex, b.ord, b.births, b.unverified
    FROM org_unit o
    LEFT JOIN (
        SELECT village_code, sex,
            CASE WHEN birth_order >= 3 THEN 2 WHEN birth_order = 2 THEN 1 ELSE 0 END AS ord,
            COUNT(*) FILTER (WHERE verified >= $5) AS births,
            COUNT(*) FILTER (WHERE verified = 0) AS unverified
        FROM birth
        WHERE village_code >= $1 AND village_code < $2 AND born_on >= $3 AND born_on <= $4
        GROUP BY village_code, sex, ord
    ) b ON b.village_code = o.code
    WHERE o.level = 'village' AND o.code >= $1 AND o.code < $2
    ORDER BY o.code";

/// Pregnancies reported over the period and the timely ones, by village.
const RAW_TIMELINESS: &str = "SELECT o.code, o.name, t.reported, t.timely
    FROM org_unit o
    LEFT JOIN (
        SELECT village_code, COUNT(*) AS reported, COUNT(*) FILTER (WHERE timely = 1) AS timely
        FROM pregnancy
        WHERE village_code >= $1 AND village_code < $2
          AND reported_on >= $3 AND reported_on <= $4
        GROUP BY village_code
    ) t ON t.village_code = o.code
    WHERE o.level = 'village' AND o.code >= $1 AND o.code < $2
    ORDER BY o.code";

/// The month's counts by village: registrations issued, births with and
/// without a registration, registrations used.
const RAW_RECON_COUNTS: &str = "SELECT o.code, o.name, i.n, b.n, b.registered, b.unregistered, u.n
    FROM org_unit o
    LEFT JOIN (
        SELECT village_code, COUNT(*) AS n FROM birth_registration
        WHERE village_code >= $1 AND village_code < $2 AND issued_on >= $3 AND issued_on <= $4
        GROUP BY village_code
    ) i ON i.village_code = o.code
    LEFT JOIN (
        SELECT village_code, COUNT(*) AS n,
            COUNT(*) FILTER (WHERE registration_id IS NOT NULL) AS registered,
            COUNT(*) FILTER (WHERE registration_id IS NULL) AS unregistered
        FROM birth
        WHERE village_code >= $1 AND village_code < $2 AND born_on >= $3 AND born_on <= $4
        GROUP BY village_code
    ) b ON b.village_code = o.code
    LEFT JOIN (
        SELECT r.village_code, COUNT(DISTINCT r.id) AS n
        FROM birth x
        JOIN birth_registration r ON r.id = x.registration_id
        WHERE x.village_code >= $1 AND x.village_code < $2
          AND x.born_on >= $3 AND x.born_on <= $4
          AND r.village_code >= $1 AND r.village_code < $2 AND r.status = 'used'
        GROUP BY r.village_code
    ) u ON u.village_code = o.code
    WHERE o.level = 'village' AND o.code >= $1 AND o.code < $2
    ORDER BY o.code";

/// Current registrations over 12 months old with no pregnancy or birth of
/// the wife since issue, named.
const RAW_RECON_STALE: &str = "SELECT r.id, r.number, r.village_code, o.name, c.wife_id, p.name,
        r.issued_on, r.child_order
    FROM birth_registration r
    JOIN couple c ON c.id = r.couple_id
    JOIN org_unit o ON o.code = r.village_code
    LEFT JOIN person p ON p.id = c.wife_id
    WHERE r.village_code >= $1 AND r.village_code < $2
      AND r.status = 'current' AND r.issued_on < $3
      AND NOT EXISTS (SELECT 1 FROM pregnancy g WHERE g.woman_id = c.wife_id
                      AND (g.lmp >= r.issued_on OR g.reported_on >= r.issued_on))
      AND NOT EXISTS (SELECT 1 FROM birth b WHERE b.mother_id = c.wife_id
                      AND b.born_on >= r.issued_on)
    ORDER BY r.village_code, r.issued_on, r.number";

/// One measured question: the store function and the raw SQL, alternated
/// `reps` times after one warm-up each; checks both give the same answer.
fn measure(
    backend: &str,
    what: &str,
    reps: usize,
    mut store: impl FnMut() -> i64,
    mut raw: impl FnMut() -> i64,
) {
    let (a, b) = (store(), raw());
    if a != b {
        die(format!("{what}: store answers {a}, raw SQL {b}"));
    }
    let (mut s_ms, mut r_ms) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        s_ms.push(timed(&mut store).1);
        r_ms.push(timed(&mut raw).1);
    }
    let (sm, sx) = median_max(s_ms);
    let (rm, rx) = median_max(r_ms);
    let ratio = sm / rm.max(1e-9);
    let ok = if sm < 500.0 && ratio <= 2.0 {
        "meets"
    } else {
        "MISSES"
    };
    println!(
        "[{backend}] {what}: store median {sm:.1} ms (max {sx:.1}); raw SQL median {rm:.1} ms (max {rx:.1}); store/raw {ratio:.2}x; answer {a}; {ok} < 500 ms and <= 2x"
    );
}

/// The statistics on the demo county with its history.
fn stats_bench(backend: &str, cfg: &DemoConfig, hash: &str) {
    let reps: usize = env_or("BENCH_STATS_REPS", "15").parse().unwrap_or(15);
    let t = fresh(backend, "stats");
    let db = hearth_store::open_and_migrate(&t.url).unwrap_or_else(|e| die(e));
    let (loaded, load_ms) =
        timed(|| hearth_demo::load_demo(&db, cfg, hash, &mut |_| {}).unwrap_or_else(|e| die(e)));
    let mut raw = Raw::open(&t.url);
    if backend != "sqlite" {
        // A live server has statistics (autovacuum analyses a table after
        // a bulk load); the bench does not wait for it.
        raw.run("ANALYZE", &[], &[]);
    }
    let (births, pregnancies) = (raw.count("birth"), raw.count("pregnancy"));
    println!(
        "[{backend}] statistics data: {} persons, {births} births, {pregnancies} pregnancies, {} registrations (loaded in {:.1} s)",
        loaded.persons,
        loaded.registrations,
        load_ms / 1000.0
    );
    if births == 0 {
        println!("[{backend}] the demo has no birth history: statistics not measured");
        (t.cleanup)();
        return;
    }
    let county = "370404";
    let scope = Scope::for_user("bench", "bench", Role::Admin, county, false, "bench");
    let today = cfg.today;
    let (lo, hi) = (county.to_string(), format!("{county}:"));
    let back = |months: u32| {
        today
            .checked_sub_months(Months::new(months))
            .unwrap_or(today)
    };
    let day_after = |d: NaiveDate| d.succ_opt().unwrap_or(d);
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();

    // Sex ratio at birth by village over five years, verified births.
    let five = Period {
        from: day_after(back(60)),
        to: today,
    };
    let (from, to) = (fmt(five.from), fmt(five.to));
    measure(
        backend,
        "SRB by village, 5 years, county",
        reps,
        || {
            let r =
                stats::srb_by_village(&db, &scope, county, five, false).unwrap_or_else(|e| die(e));
            r.total.srb.births()
        },
        || {
            let params = [RP::T(&lo), RP::T(&hi), RP::T(&from), RP::T(&to), RP::I(1)];
            raw.run(RAW_SRB, &params, &[4]).1
        },
    );

    // Timeliness by village over the last year.
    let year = Period {
        from: day_after(back(12)),
        to: today,
    };
    let (from, to) = (fmt(year.from), fmt(year.to));
    measure(
        backend,
        "timeliness by village, 1 year, county",
        reps,
        || {
            let r =
                stats::timeliness_by_village(&db, &scope, county, year).unwrap_or_else(|e| die(e));
            r.total.reported
        },
        || {
            let params = [RP::T(&lo), RP::T(&hi), RP::T(&from), RP::T(&to)];
            raw.run(RAW_TIMELINESS, &params, &[2]).1
        },
    );

    // The monthly reconciliation of last month, with the named stale list
    // (an administrator: the list is read and its view audited).
    let month = back(1);
    let (y, m) = (month.year(), month.month());
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(month);
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(month);
    let stale_before = fmt(last.checked_sub_months(Months::new(12)).unwrap_or(last));
    let (from, to) = (fmt(first), fmt(last));
    measure(
        backend,
        &format!("monthly reconciliation {y}-{m:02}, county, with the stale list"),
        reps,
        || {
            let r = stats::reconciliation(&db, &scope, county, y, m).unwrap_or_else(|e| die(e));
            r.total.issued + r.total.births + r.total.used + r.stale.len() as i64
        },
        || {
            let range = [RP::T(&lo), RP::T(&hi), RP::T(&from), RP::T(&to)];
            let counts = raw.run(RAW_RECON_COUNTS, &range, &[2, 3, 6]).1;
            let stale = raw
                .run(
                    RAW_RECON_STALE,
                    &[RP::T(&lo), RP::T(&hi), RP::T(&stale_before)],
                    &[],
                )
                .0;
            counts + stale as i64
        },
    );
    drop(raw);
    drop(db);
    if std::env::var("BENCH_KEEP").is_ok() {
        println!("[{backend}] database kept at {}", t.url);
    } else {
        (t.cleanup)();
    }
}
