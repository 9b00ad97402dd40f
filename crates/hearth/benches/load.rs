//! Bulk-load benchmarks: demo generation into each backend against the
//! simplest raw prepared-statement loop inserting the same rows, and a
//! person import of a large CSV through the release binary (rows/s and
//! peak memory). Run: `cargo bench -p hearth --bench load`
//! (BENCH_PERSONS, default 1,000,000; BENCH_PG_URL, default the local
//! server; BENCH_BACKENDS=sqlite,postgres).

use hearth_core::demo::{self, DemoConfig, VillageBatch};
use hearth_core::id_number::ResidentId;
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
    let _ = demo::generate(cfg, |b: VillageBatch| {
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
    };
    println!(
        "machine: {} cores; persons: {persons}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let hash = hearth_core::user::hash_password("bench-password").unwrap_or_default();
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
            &demo::org_units(&cfg),
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
        let stats =
            hearth_store::bulk::load_demo(&db, &cfg, &hash, &mut |_| {}).unwrap_or_else(|e| die(e));
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
            &demo::org_units(&DemoConfig {
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
