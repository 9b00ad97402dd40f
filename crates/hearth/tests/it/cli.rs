//! The `hearth` binary as an operator runs it: demo build and reuse,
//! imports that are all-or-nothing even when killed.

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn hearth() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hearth"));
    c.env_remove("HEARTH_DATABASE_URL")
        .env("HEARTH_LOG", "warn");
    c
}

fn count(url: &str, sql: &str) -> i64 {
    let db = hearth_store::Db::open(url).unwrap_or_else(|e| panic!("{e}"));
    db.read(|tx| Ok(tx.query_one(sql, &[])?.int(0).unwrap()))
        .unwrap_or(-1)
}

both!(
    demo_builds_a_small_town_deterministically_and_is_reused,
    |kind| {
        let a = TestDb::new(kind);
        let out = hearth()
            .args([
                "demo",
                "--persons",
                "3000",
                "--seed",
                "7",
                "--no-serve",
                "--db",
                &a.url,
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("hearth-demo") && stdout.contains("v01"),
            "{stdout}"
        );
        let persons = count(&a.url, "SELECT COUNT(*) FROM person");
        assert!((2700..=3300).contains(&persons), "{persons}");
        assert_eq!(
            count(
                &a.url,
                "SELECT COUNT(*) FROM app_user WHERE username IN ('admin','town','clinician','supervisor','auditor','v01')"
            ),
            6
        );
        // Indexes deferred during the load are all back afterwards.
        let index_sql = if kind == Kind::Sqlite {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('person', 'household', 'couple', 'birth_registration')"
        } else {
            "SELECT COUNT(*) FROM pg_indexes WHERE tablename IN ('person', 'household', 'couple', 'birth_registration')"
        };
        let fresh = TestDb::new(kind);
        assert_eq!(count(&a.url, index_sql), count(&fresh.url, index_sql));
        assert!(count(&a.url, index_sql) >= 10);
        // Second start reuses the database.
        let out = hearth()
            .args([
                "demo",
                "--persons",
                "3000",
                "--seed",
                "7",
                "--no-serve",
                "--db",
                &a.url,
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(String::from_utf8_lossy(&out.stdout).contains("reusing"));
        assert_eq!(count(&a.url, "SELECT COUNT(*) FROM person"), persons);
        // Same seed, another database: the same people.
        let b = TestDb::new(Kind::Sqlite);
        let out = hearth()
            .args([
                "demo",
                "--persons",
                "3000",
                "--seed",
                "7",
                "--no-serve",
                "--db",
                &b.url,
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success());
        let digest = |url: &str| {
            let db = hearth_store::Db::open(url).unwrap_or_else(|e| panic!("{e}"));
            db.read(|tx| {
                Ok(tx
                    .query(
                        "SELECT resident_id, name FROM person ORDER BY resident_id",
                        &[],
                    )?
                    .iter()
                    .map(|r| format!("{}{}", r.text(0).unwrap(), r.text(1).unwrap()))
                    .collect::<Vec<_>>())
            })
            .unwrap_or_default()
        };
        assert_eq!(digest(&a.url), digest(&b.url));
    }
);

both!(user_add_and_bad_role_are_reported, |kind| {
    let t = TestDb::new(kind);
    seed_orgs(&t.db);
    let out = hearth()
        .args([
            "user",
            "add",
            "zhuanyuan",
            "--role",
            "village_specialist",
            "--org",
            V1,
            "--db",
            &t.url,
        ])
        .env("HEARTH_USER_PASSWORD", "long enough pw")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = hearth()
        .args([
            "user", "add", "x2", "--role", "boss", "--org", V1, "--db", &t.url,
        ])
        .env("HEARTH_USER_PASSWORD", "long enough pw")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    let out = hearth()
        .args([
            "user",
            "add",
            "x3",
            "--role",
            "auditor",
            "--org",
            "370404100999",
            "--db",
            &t.url,
        ])
        .env("HEARTH_USER_PASSWORD", "long enough pw")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("org_code"));
});

/// A kill in the middle of a big import leaves no partial rows.
#[test]
fn killed_import_leaves_nothing() {
    let t = TestDb::new(Kind::Sqlite);
    seed_orgs(&t.db);
    let path =
        std::env::temp_dir().join(format!("hearth-kill-{}.csv", uuid::Uuid::now_v7().simple()));
    {
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}")));
        let _ = writeln!(f, "姓名,身份证号,村代码,户编号,与户主关系");
        let start = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default();
        for i in 0..400_000u32 {
            let d = start + chrono::Duration::days(i64::from(i / 900));
            let id = hearth_core::id_number::ResidentId::compose("370404", d, (i % 900) as u16)
                .map(|x| x.as_str().to_string())
                .unwrap_or_default();
            let _ = writeln!(f, "王芳,{id},{V1},{:05},其他", i / 4);
        }
    }
    let mut child = hearth()
        .args(["import", "persons"])
        .arg(&path)
        .args(["--db", &t.url])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait until it reports having read 100,000 rows, then kill it hard.
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut saw_progress = false;
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if line.contains("100000") {
            saw_progress = true;
            break;
        }
    }
    let _ = child.kill();
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_file(&path);
    assert!(saw_progress, "the import never reported progress");
    assert!(
        !status.success(),
        "the import finished before it could be killed"
    );
    assert_eq!(count(&t.url, "SELECT COUNT(*) FROM person"), 0);
    assert_eq!(count(&t.url, "SELECT COUNT(*) FROM household"), 0);
}
