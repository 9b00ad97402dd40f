//! Schema migrations, embedded in the binary. Each migration has a portable
//! part shared by both backends and a small backend-specific part (the
//! change sequence, triggers); they run in order, each in one transaction.

use crate::db::{Backend, Db, P};
use crate::error::StoreError;

struct Migration {
    version: i64,
    name: &'static str,
    shared: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// One migration from its files: `migrations/FILE.sql` (both backends) and
/// `FILE.sqlite.sql` / `FILE.postgres.sql` (each backend's own part).
macro_rules! migration {
    ($version:literal, $name:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            shared: include_str!(concat!("../migrations/", $file, ".sql")),
            sqlite: include_str!(concat!("../migrations/", $file, ".sqlite.sql")),
            postgres: include_str!(concat!("../migrations/", $file, ".postgres.sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "register", "0001_register"),
    migration!(2, "search", "0002_search"),
    migration!(3, "auth", "0003_auth"),
    migration!(4, "code_collation", "0004_code_collation"),
    migration!(5, "audit_filters", "0005_audit_filters"),
    migration!(6, "pregnancy", "0006_pregnancy"),
    migration!(8, "follow_up", "0008_follow_up"),
];

/// Brings the schema up to date; returns the versions applied now.
pub fn migrate(db: &Db) -> Result<Vec<i64>, StoreError> {
    db.write_schema(|tx| {
        if tx.backend() == Backend::Postgres {
            // Two servers starting at once must not both migrate.
            tx.exec("SELECT pg_advisory_xact_lock(4327841)", &[])?;
        }
        tx.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )",
        )?;
        let done: Vec<i64> = tx
            .query("SELECT version FROM schema_migrations", &[])?
            .iter()
            .map(|r| r.int(0))
            .collect::<Result<_, _>>()?;
        let mut applied = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
            tx.batch(m.shared)?;
            tx.batch(match tx.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            })?;
            tx.exec(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[
                    P::I(m.version),
                    P::T(m.name),
                    P::T(&hearth_core::dates::now_utc()),
                ],
            )?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            applied.push(m.version);
        }
        Ok(applied)
    })
}

/// Every migration version this binary knows, in order.
pub fn versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

/// The highest migration version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_unique_and_in_order() {
        let v: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert!(v.windows(2).all(|w| w[0] < w[1]), "{v:?}");
        assert_eq!(v.last().copied(), Some(latest_version()));
    }
}
