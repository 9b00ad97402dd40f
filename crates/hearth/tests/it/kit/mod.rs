//! The one helpers module of the integration tests: a fresh database per
//! test on either backend (`TestDb`, the `both!` macro), the server on
//! 127.0.0.1:0 (`server`), signing in and driving pages (`http`), the JSON
//! API (`api`), and seeding through store functions.

#![allow(dead_code)]

pub mod api;
pub mod http;
pub mod server;

pub use hearth_core::dates::today;
pub use hearth_core::id_number::ResidentId;
pub use hearth_core::org::OrgUnit;
pub use hearth_core::person::{PersonInput, ValidPerson};
pub use hearth_core::scope::Scope;
pub use hearth_core::user::Role;
pub use hearth_store::Db;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Pg { admin_url: String, name: String },
}

fn pg_admin_url() -> String {
    std::env::var("HEARTH_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

impl TestDb {
    pub fn new(kind: Kind) -> TestDb {
        Self::with_pg_options(kind, "")
    }

    /// A fresh database; on PostgreSQL `options` are appended to CREATE
    /// DATABASE (e.g. a Chinese ICU locale).
    pub fn with_pg_options(kind: Kind, options: &str) -> TestDb {
        let (url, cleanup) = match kind {
            Kind::Sqlite => {
                let path = std::env::temp_dir().join(format!("hearth-test-{}.db", unique()));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Kind::Postgres => {
                let admin_url = pg_admin_url();
                let name = format!("hearth_t_{}", unique());
                let mut c = postgres::Client::connect(&admin_url, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is unreachable: {e}"));
                c.batch_execute(&format!("CREATE DATABASE {name} {options}"))
                    .unwrap_or_else(|e| panic!("CREATE DATABASE failed: {e}"));
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                (format!("{base}/{name}"), Cleanup::Pg { admin_url, name })
            }
        };
        let db = hearth_store::open_and_migrate(&url).unwrap_or_else(|e| panic!("migrate: {e}"));
        TestDb { url, db, cleanup }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(p) => {
                for s in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{s}", p.display()));
                }
            }
            Cleanup::Pg { admin_url, name } => {
                // Close this test's pool first, or it reconnects while the
                // database is being dropped.
                if let Ok(dummy) = Db::open("sqlite::memory:") {
                    drop(std::mem::replace(&mut self.db, dummy));
                }
                let mut last = String::new();
                for _ in 0..5 {
                    match postgres::Client::connect(admin_url, postgres::NoTls).and_then(|mut c| {
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    }) {
                        Ok(()) => return,
                        Err(e) => last = format!("{e:?}"),
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                eprintln!("could not drop test database {name}: {last}");
            }
        }
    }
}

/// Runs a test body on both backends, as two separate tests.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                ($body)($crate::kit::Kind::Sqlite)
            }
            #[test]
            fn postgres() {
                ($body)($crate::kit::Kind::Postgres)
            }
        }
    };
}

pub const TOWN: &str = "370404100";
pub const V1: &str = "370404100201";
pub const V2: &str = "370404100202";

/// Loads a county, a town and two villages.
pub fn seed_orgs(db: &Db) {
    let units = [
        OrgUnit::new("370404", "峄城区"),
        OrgUnit::new(TOWN, "古邵镇"),
        OrgUnit::new(V1, "万年闸村"),
        OrgUnit::new(V2, "乐庄村"),
    ]
    .into_iter()
    .map(|u| u.unwrap_or_else(|e| panic!("{e}")))
    .collect::<Vec<_>>();
    hearth_store::orgs::upsert(db, &Scope::system("test"), &units)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A synthetic valid ID number.
pub fn rid(year: i32, seq: u16) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(year, 3, 14).unwrap_or_default();
    ResidentId::compose("370404", d, seq)
        .map(|i| i.as_str().to_string())
        .unwrap_or_default()
}

pub fn person(name: &str, resident_id: &str, village: &str) -> ValidPerson {
    PersonInput {
        name: name.into(),
        resident_id: resident_id.into(),
        village_code: village.into(),
        ..PersonInput::default()
    }
    .validate(today())
    .unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn village_scope(village: &str) -> Scope {
    Scope::for_user(
        "u-village",
        "v01",
        Role::VillageSpecialist,
        village,
        false,
        "127.0.0.1",
    )
}

/// A person of the given sex (`"1"` man, `"2"` woman) born on 14 March of
/// `year`, registered in `village` as head of a new household numbered
/// `seq`. `seq` must be unique within the test (it also forms the ID).
pub fn add_resident(
    db: &Db,
    village: &str,
    name: &str,
    year: i32,
    seq: u16,
    sex: &str,
) -> hearth_core::person::Person {
    let sys = Scope::system("test");
    let h = hearth_core::household::NewHousehold::validate(
        village,
        &format!("{seq:04}"),
        "测试路 1 号",
        hearth_core::household::HouseholdFlags::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let h = hearth_store::register::create_household(db, &sys, None, &h)
        .unwrap_or_else(|e| panic!("{e}"))
        .0;
    // Odd sequence numbers are men's, even ones women's.
    let n = if sex == "1" { seq * 2 + 1 } else { seq * 2 };
    let p = PersonInput {
        name: name.into(),
        resident_id: rid(year, n),
        village_code: village.into(),
        relation: "head".into(),
        ..PersonInput::default()
    }
    .validate(today())
    .unwrap_or_else(|e| panic!("{e:?}"));
    hearth_store::register::create_person(db, &sys, None, &p, Some(&h.id))
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

/// A woman of reproductive age (born 1996) in `village`; see [`add_resident`].
pub fn add_woman(db: &Db, village: &str, name: &str, seq: u16) -> hearth_core::person::Person {
    add_resident(db, village, name, 1996, seq, "2")
}

/// A household, a wife, a husband, a couple and a registration in one
/// village, made through the store.
pub(crate) struct Family {
    pub(crate) household: String,
    pub(crate) wife: String,
    pub(crate) husband: String,
    pub(crate) couple: String,
    pub(crate) registration: String,
}

pub(crate) fn family(db: &hearth_store::Db, village: &str, n: u16, number: &str) -> Family {
    let nh = hearth_core::household::NewHousehold::validate(
        village,
        number,
        "一组",
        hearth_core::household::HouseholdFlags::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let h = hearth_store::register::create_household(db, &Scope::system("test"), None, &nh)
        .unwrap_or_else(|e| panic!("{e}"))
        .0;
    let wife = hearth_store::register::create_person(
        db,
        &Scope::system("test"),
        None,
        &person("王秀兰", &rid(1992, n * 2), village),
        Some(&h.id),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .0;
    let husband = hearth_store::register::create_person(
        db,
        &Scope::system("test"),
        None,
        &person("赵建国", &rid(1990, n * 2 + 1), village),
        Some(&h.id),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .0;
    let couple = hearth_store::register::create_couple(
        db,
        &Scope::system("test"),
        &wife.id,
        &husband.id,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let new = hearth_core::registration::NewRegistration::validate(
        1,
        &format!("R-{number}"),
        "2024-01-02",
        today(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let r =
        hearth_store::register::create_registration(db, &Scope::system("test"), &couple.id, &new)
            .unwrap_or_else(|e| panic!("{e}"));
    Family {
        household: h.id,
        wife: wife.id,
        husband: husband.id,
        couple: couple.id,
        registration: r.id,
    }
}

/// The system scope seeding and checks run with.
pub fn sys() -> Scope {
    Scope::system("test")
}

/// An auditor of the county, who reads the whole audit trail.
pub fn auditor() -> Scope {
    Scope::for_user("a", "auditor", Role::Auditor, "370404", false, "x")
}

/// Runs store work from a test's async block: the PostgreSQL client
/// starts its own runtime, which must not happen on a runtime thread.
pub fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The audit trail (up to 1000 entries), as an auditor reads it.
pub fn audit_trail(db: &Db) -> Vec<hearth_store::audit::AuditEntry> {
    hearth_store::audit::list(
        db,
        &auditor(),
        &hearth_store::audit::AuditFilter {
            limit: 1000,
            ..hearth_store::audit::AuditFilter::default()
        },
    )
    .unwrap()
}

/// The date `n` days before today, as YYYY-MM-DD.
pub fn days_ago(n: i64) -> String {
    hearth_core::dates::fmt_date(today() - chrono::Duration::days(n))
}

/// An administrator of the district.
pub fn admin_scope() -> Scope {
    Scope::for_user(
        "u-admin",
        "admin",
        Role::Admin,
        "370404",
        false,
        "127.0.0.1",
    )
}

/// The audit entries of `entity` with `action`.
pub fn audit_count(db: &Db, entity: &str, action: &str) -> usize {
    hearth_store::audit::list(
        db,
        &Scope::system("test"),
        &hearth_store::audit::AuditFilter {
            entity: Some(entity.into()),
            action: Some(action.into()),
            limit: 1000,
            ..hearth_store::audit::AuditFilter::default()
        },
    )
    .unwrap()
    .len()
}

/// A store refusal as `(field, reason code)` pairs; anything else fails
/// the test.
pub fn field_errors<T: std::fmt::Debug>(
    r: Result<T, hearth_store::StoreError>,
) -> Vec<(String, &'static str)> {
    match r {
        Err(hearth_store::StoreError::Invalid(v)) => v
            .iter()
            .map(|f| (f.field.clone(), f.reason.code()))
            .collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// One `(field, reason code)` pair, as [`field_errors`] gives them.
pub fn pair(field: &str, code: &'static str) -> (String, &'static str) {
    (field.to_string(), code)
}

/// A person made through the store: a man (`sex` 1) or a woman (2) of
/// `village`, born in 1990–1999 with a resident ID no other person of the
/// test run has, in no household.
pub fn new_person(db: &Db, village: &str, name: &str, sex: u8) -> hearth_core::person::Person {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // 450 people a birth date, a new date every 450; odd sequence numbers
    // are men's, even ones women's.
    let born = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
        + chrono::Duration::days(i64::from(n / 450) % 3650);
    let seq = u16::try_from(n % 450).unwrap() * 2 + u16::from(sex == 1) + 100;
    let id = ResidentId::compose("370404", born, seq).unwrap();
    let p = PersonInput {
        name: name.into(),
        resident_id: id.as_str().into(),
        village_code: village.into(),
        ..PersonInput::default()
    }
    .validate(today())
    .unwrap();
    hearth_store::register::create_person(db, &Scope::system("test"), None, &p, None)
        .unwrap()
        .0
}
