//! Hearth's storage: one code path over SQLite (embedded default) and
//! PostgreSQL (scale-out), picked from the database URL. Owns the schema and
//! its migrations, the access-scope filter on every personal-data query, the
//! version check on every update, the change sequence and the audit trail.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod bulk;
pub mod db;
pub mod enforcement;
pub mod error;
pub mod follow_up;
pub mod migrate;
pub mod orgs;
pub mod pregnancy;
pub mod register;
mod scoped;
pub mod search;
pub mod settings;
pub mod stats;
pub mod users;

pub use db::{Backend, Db};
pub use error::StoreError;

/// A new UUIDv7 primary key as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Opens the database at `url`, brings its schema up to date and fills any
/// derived column a migration had to leave empty (the pinyin initials of
/// names; one indexed query when there is nothing to fill).
pub fn open_and_migrate(url: &str) -> Result<Db, StoreError> {
    let db = Db::open(url)?;
    migrate::migrate(&db)?;
    search::backfill_initials(&db)?;
    Ok(db)
}
