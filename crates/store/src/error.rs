//! The store's one error type: what a caller (page, API, CLI) must
//! distinguish — not found, a stale version, invalid input, no permission —
//! and database failures whose text is logged, never shown.

use hearth_core::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist, or lies outside the caller's scope (the
    /// two are deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// The caller edited a stale version; `current` is the version now held.
    #[error("version conflict: the record is now at version {current}")]
    Conflict { current: i64 },
    /// Input failed validation; each field with its reason.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The caller's role does not allow this action at all.
    #[error("not permitted")]
    Forbidden,
    /// The database could not be reached or failed.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A trial transaction was rolled back on purpose (internal).
    #[error("rolled back")]
    RolledBack,
    /// A database error.
    #[error("database error: {0}")]
    Db(String),
}

impl StoreError {
    pub fn field(field: &str, reason: hearth_core::Reason) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, reason)])
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        if e.is_closed() {
            return StoreError::Unavailable(e.to_string());
        }
        // The server's own message says what went wrong; the bare Display does not.
        match e.as_db_error() {
            Some(db) => StoreError::Db(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Db(e.to_string()),
        }
    }
}
