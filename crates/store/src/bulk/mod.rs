//! The bulk lane: many rows written in one transaction by each backend's
//! fast route (a prepared-statement loop on SQLite, `COPY` on PostgreSQL)
//! behind one [`BulkWriter`], with the change sequence reserved for them
//! ([`reserve_seqs`], [`seq_expr`]). Person import ([`import_persons`])
//! stages through it; the demo loader (the `hearth-demo` crate) writes its
//! generated town through it, and asks [`is_fresh`] whether it may defer the
//! secondary indexes (`Tx::defer_indexes`) until the end.

mod import;
mod writer;

pub use import::{ImportSummary, import_persons};
pub use writer::{BulkWriter, reserve_seqs, seq_expr};

use crate::Db;
use crate::db::Tx;
use crate::error::StoreError;

/// True when the register holds no person yet: a bulk load may then drop
/// the secondary indexes and build them once at the end.
pub fn is_fresh(tx: &mut Tx<'_>) -> Result<bool, StoreError> {
    Ok(tx.query_opt("SELECT 1 FROM person LIMIT 1", &[])?.is_none())
}

/// True when the database already holds a population (a demo is reused).
pub fn has_persons(db: &Db) -> Result<bool, StoreError> {
    db.read(|tx| Ok(!is_fresh(tx)?))
}
