//! The one thin layer over both backends: connection pools, transactions,
//! parameters and rows, and the few dialect differences (placeholders, the
//! change sequence, bulk lanes). Business SQL is written once, in the
//! PostgreSQL `$n` placeholder style, and runs on both.

use crate::error::StoreError;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use std::borrow::Cow;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::path::PathBuf;
use std::time::Duration;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The collation clause to put after a text column compared by range
    /// (`name{c} >= $1 AND name{c} < $2`) or ordered by code point, so the
    /// range means "starts with" and matches the prefix indexes of
    /// migration 0002. SQLite compares text by code point (BINARY) already;
    /// PostgreSQL follows the database's locale unless told `COLLATE "C"`.
    pub fn text_range_collate(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        }
    }

    /// After a table in FROM: make SQLite use `index`, for a query whose
    /// selective range SQLite cannot tell from the scope's village range
    /// (without STAT4 it rates every two-sided range alike, and picks the
    /// wrong one). PostgreSQL plans from its statistics and gets nothing.
    pub fn index_hint(self, index: &str) -> String {
        match self {
            Backend::Sqlite => format!(" INDEXED BY {index}"),
            Backend::Postgres => String::new(),
        }
    }
}

/// A parameter bound to a statement.
#[derive(Debug, Clone, Copy)]
pub enum P<'a> {
    Null,
    I(i64),
    T(&'a str),
}

impl<'a> From<&'a str> for P<'a> {
    fn from(s: &'a str) -> Self {
        P::T(s)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(s: &'a String) -> Self {
        P::T(s)
    }
}
impl From<i64> for P<'_> {
    fn from(i: i64) -> Self {
        P::I(i)
    }
}
impl From<bool> for P<'_> {
    fn from(b: bool) -> Self {
        P::I(i64::from(b))
    }
}
impl<'a> From<Option<&'a str>> for P<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(P::Null, P::T)
    }
}
impl<'a> From<&'a Option<String>> for P<'a> {
    fn from(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(P::Null, P::T)
    }
}

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            P::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            P::I(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            P::T(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            P::Null => Ok(IsNull::Yes),
            P::I(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            P::T(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A value read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    I(i64),
    R(f64),
    T(String),
}

/// A row read from either backend.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<V>);

impl Row {
    fn decode_err(&self, i: usize, want: &str) -> StoreError {
        let found = match self.0.get(i) {
            None => "no such column",
            Some(V::Null) => "NULL",
            Some(V::I(_)) => "an integer",
            Some(V::R(_)) => "a real",
            Some(V::T(_)) => "text",
        };
        StoreError::Db(format!("column {i}: expected {want}, found {found}"))
    }

    /// An integer column. NULL or any other type is an error naming the
    /// column, never a silent 0.
    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.0.get(i) {
            Some(V::I(v)) => Ok(*v),
            _ => Err(self.decode_err(i, "an integer")),
        }
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.0.get(i) {
            Some(V::Null) => Ok(None),
            Some(V::I(v)) => Ok(Some(*v)),
            _ => Err(self.decode_err(i, "an integer or NULL")),
        }
    }

    /// A number column (an integer is widened; NULL is an error).
    pub fn real(&self, i: usize) -> Result<f64, StoreError> {
        match self.0.get(i) {
            Some(V::R(v)) => Ok(*v),
            Some(V::I(v)) => Ok(*v as f64),
            _ => Err(self.decode_err(i, "a number")),
        }
    }

    /// A number column that may be NULL.
    pub fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        match self.0.get(i) {
            Some(V::Null) => Ok(None),
            Some(V::R(v)) => Ok(Some(*v)),
            Some(V::I(v)) => Ok(Some(*v as f64)),
            _ => Err(self.decode_err(i, "a number or NULL")),
        }
    }

    /// A text column. NULL or a number is an error naming the column,
    /// never a silent "".
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.0.get(i) {
            Some(V::T(s)) => Ok(s.clone()),
            _ => Err(self.decode_err(i, "text")),
        }
    }

    /// A text column that may be NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.0.get(i) {
            Some(V::Null) => Ok(None),
            Some(V::T(s)) => Ok(Some(s.clone())),
            _ => Err(self.decode_err(i, "text or NULL")),
        }
    }

    /// A 0/1 flag column; any other value is an error.
    pub fn flag(&self, i: usize) -> Result<bool, StoreError> {
        match self.0.get(i) {
            Some(V::I(0)) => Ok(false),
            Some(V::I(1)) => Ok(true),
            _ => Err(self.decode_err(i, "a 0/1 flag")),
        }
    }

    /// A coded value (a core enum) read from a text column with the enum's
    /// own parser; an unknown code is an error naming the column.
    pub fn coded<T, E>(
        &self,
        i: usize,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        let s = self.text(i)?;
        parse(&s).map_err(|_| StoreError::Db(format!("column {i}: unknown code {s:?}")))
    }

    /// A coded value that may be NULL.
    pub fn opt_coded<T, E>(
        &self,
        i: usize,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, StoreError> {
        match self.opt_text(i)? {
            None => Ok(None),
            Some(s) => parse(&s)
                .map(Some)
                .map_err(|_| StoreError::Db(format!("column {i}: unknown code {s:?}"))),
        }
    }
}

/// Rewrites `$n` placeholders to SQLite's `?n`. SQL text in this crate
/// never holds a `$` inside a literal, except PostgreSQL-only DDL which
/// never reaches SQLite.
pub(crate) fn to_sqlite(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut it = sql.chars().peekable();
    while let Some(c) = it.next() {
        if c == '$' && it.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

// ---- connection managers for r2d2 ----------------------------------------

#[derive(Debug)]
pub(crate) struct SqliteManager {
    path: PathBuf,
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = rusqlite::Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        let c = rusqlite::Connection::open(&self.path)?;
        c.busy_timeout(Duration::from_secs(10))?;
        // Default 4 KiB pages: 16 KiB pages made a 1M-row import 1.2x faster
        // but the server's memory under load 1.4x larger and its tail
        // latency worse (BENCHMARKS.md); the server is the daily path.
        c.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -32000;",
        )?;
        c.set_prepared_statement_cache_capacity(128);
        Ok(c)
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        conn.execute_batch("SELECT 1")
    }

    fn has_broken(&self, _conn: &mut Self::Connection) -> bool {
        false
    }
}

/// A PostgreSQL connection with its own prepared-statement cache.
pub struct PgConn {
    client: postgres::Client,
    cache: HashMap<String, postgres::Statement>,
}

pub(crate) struct PgManager {
    url: String,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        let client = postgres::Client::connect(&self.url, postgres::NoTls)?;
        Ok(PgConn {
            client,
            cache: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        conn.client.is_closed()
    }
}

enum Pool {
    Sqlite(r2d2::Pool<SqliteManager>),
    Postgres(r2d2::Pool<PgManager>),
}

/// A handle on the database: cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Db {
    pool: std::sync::Arc<Pool>,
    url: String,
    /// SQLite has one writer at a time. Writers queue on this lock inside
    /// the process instead of in SQLite's busy handler, which sleeps and
    /// retries (milliseconds each time) and makes tail latency under load.
    write_lock: std::sync::Arc<std::sync::Mutex<()>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .finish()
    }
}

fn pool_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl Db {
    /// Opens a database from its URL: `sqlite://path` (created if missing;
    /// `sqlite:path` and a bare path also work) or `postgres://…`
    /// (`postgresql://` too). Does not run migrations.
    pub fn open(url: &str) -> Result<Db, StoreError> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let m = PgManager {
                url: url.to_string(),
            };
            Pool::Postgres(
                r2d2::Pool::builder()
                    .max_size(16)
                    .min_idle(Some(1))
                    .connection_timeout(Duration::from_secs(10))
                    .build(m)
                    .map_err(pool_err)?,
            )
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if path.is_empty() {
                return Err(StoreError::Unavailable("empty SQLite path".into()));
            }
            let m = SqliteManager {
                path: PathBuf::from(path),
            };
            Pool::Sqlite(
                r2d2::Pool::builder()
                    .max_size(8)
                    .min_idle(Some(1))
                    .connection_timeout(Duration::from_secs(10))
                    .build(m)
                    .map_err(pool_err)?,
            )
        };
        Ok(Db {
            pool: std::sync::Arc::new(pool),
            url: url.to_string(),
            write_lock: std::sync::Arc::new(std::sync::Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        match *self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password removed, for logs.
    pub fn display_url(&self) -> String {
        match self.url.split_once('@') {
            Some((head, tail)) if head.contains("://") => {
                let scheme = head.split("://").next().unwrap_or("");
                format!("{scheme}://…@{tail}")
            }
            _ => self.url.clone(),
        }
    }

    /// Runs `f` in a write transaction (SQLite: `BEGIN IMMEDIATE`, so two
    /// writers queue instead of deadlocking). Commits when `f` returns Ok,
    /// rolls back otherwise.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(true, f)
    }

    /// Runs a schema change in a write transaction. On SQLite foreign keys
    /// are off for its duration (a table rebuild drops and renames a table
    /// others refer to, SQLite's documented procedure) and are checked
    /// before the commit; on PostgreSQL it is [`Db::write`].
    pub fn write_schema<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Pool::Sqlite(p) = &*self.pool else {
            return self.run(true, f);
        };
        let _writer = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut c = p.get().map_err(pool_err)?;
        c.execute_batch("PRAGMA foreign_keys = OFF")?;
        let out = (|| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut t = Tx {
                inner: TxInner::Sqlite(tx),
            };
            let out = f(&mut t)?;
            if let Some(r) = t.query_opt("PRAGMA foreign_key_check", &[])? {
                return Err(StoreError::Db(format!(
                    "schema change breaks a foreign key in table {}",
                    r.text(0)?
                )));
            }
            t.commit()?;
            Ok(out)
        })();
        c.execute_batch("PRAGMA foreign_keys = ON")?;
        out
    }

    /// Runs `f` in a read transaction (one consistent snapshot).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(false, f)
    }

    /// Runs `f` in a write transaction and always rolls it back: a dry run
    /// that sees exactly what a real run would, and keeps nothing.
    pub fn trial<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut out = None;
        let r = self.run(true, |tx| {
            out = Some(f(tx)?);
            Err::<(), _>(StoreError::RolledBack)
        });
        match (r, out) {
            (Err(StoreError::RolledBack), Some(v)) => Ok(v),
            (Err(e), _) => Err(e),
            (Ok(()), _) => Err(StoreError::RolledBack),
        }
    }

    fn run<T>(
        &self,
        write: bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &*self.pool {
            Pool::Sqlite(p) => {
                // A panic while holding the lock leaves nothing to protect
                // (the transaction rolled back), so a poisoned lock is fine.
                let _writer = write.then(|| {
                    self.write_lock
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                });
                let mut c = p.get().map_err(pool_err)?;
                let behavior = if write {
                    rusqlite::TransactionBehavior::Immediate
                } else {
                    rusqlite::TransactionBehavior::Deferred
                };
                let tx = c.transaction_with_behavior(behavior)?;
                let mut t = Tx {
                    inner: TxInner::Sqlite(tx),
                };
                let out = f(&mut t)?;
                t.commit()?;
                Ok(out)
            }
            Pool::Postgres(p) => {
                let mut c = p.get().map_err(pool_err)?;
                let PgConn { client, cache } = &mut *c;
                let tx = client.transaction()?;
                let mut t = Tx {
                    inner: TxInner::Pg(tx, cache),
                };
                let out = f(&mut t)?;
                t.commit()?;
                Ok(out)
            }
        }
    }
}

enum TxInner<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Pg(
        postgres::Transaction<'c>,
        &'c mut HashMap<String, postgres::Statement>,
    ),
}

/// An open transaction on either backend.
pub struct Tx<'c> {
    inner: TxInner<'c>,
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> V {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => V::Null,
        ValueRef::Integer(i) => V::I(i),
        ValueRef::Real(r) => V::R(r),
        ValueRef::Text(t) | ValueRef::Blob(t) => V::T(String::from_utf8_lossy(t).into_owned()),
    }
}

fn pg_row(r: &postgres::Row) -> Result<Row, StoreError> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map_or(V::Null, V::I),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map_or(V::Null, |x| V::I(i64::from(x))),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map_or(V::Null, |x| V::I(i64::from(x))),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)?
                .map_or(V::Null, |x| V::I(i64::from(x))),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map_or(V::Null, V::R),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)?
                .map_or(V::Null, |x| V::R(f64::from(x))),
            Type::VOID => V::Null,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                r.try_get::<_, Option<String>>(i)?.map_or(V::Null, V::T)
            }
            // Business SQL casts anything else (e.g. SUM → numeric) to BIGINT.
            ref other => {
                return Err(StoreError::Db(format!(
                    "column {} has unsupported type {other}; cast it in SQL",
                    col.name()
                )));
            }
        };
        out.push(v);
    }
    Ok(Row(out))
}

fn pg_params<'a>(params: &'a [P<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl<'c> Tx<'c> {
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Pg(..) => Backend::Postgres,
        }
    }

    fn pg_stmt(
        tx: &mut postgres::Transaction<'c>,
        cache: &mut HashMap<String, postgres::Statement>,
        sql: &str,
    ) -> Result<postgres::Statement, StoreError> {
        if let Some(s) = cache.get(sql) {
            return Ok(s.clone());
        }
        let s = tx.prepare(sql)?;
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Executes a statement; returns the number of rows changed.
    pub fn exec(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64, StoreError> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => {
                let mut st = tx.prepare_cached(&to_sqlite(sql))?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            TxInner::Pg(tx, cache) => {
                let st = Self::pg_stmt(tx, cache, sql)?;
                Ok(tx.execute(&st, &pg_params(params))?)
            }
        }
    }

    /// Runs a query and returns every row.
    pub fn query(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>, StoreError> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => {
                let mut st = tx.prepare_cached(&to_sqlite(sql))?;
                let n = st.column_count();
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut v = Vec::with_capacity(n);
                    for i in 0..n {
                        v.push(sqlite_value(r.get_ref(i)?));
                    }
                    out.push(Row(v));
                }
                Ok(out)
            }
            TxInner::Pg(tx, cache) => {
                let st = Self::pg_stmt(tx, cache, sql)?;
                tx.query(&st, &pg_params(params))?
                    .iter()
                    .map(pg_row)
                    .collect()
            }
        }
    }

    /// Runs a query expected to return at most one row.
    pub fn query_opt(&mut self, sql: &str, params: &[P<'_>]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a query that returns exactly one row.
    pub fn query_one(&mut self, sql: &str, params: &[P<'_>]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Unavailable("query returned no row".into()))
    }

    /// Runs several statements of DDL (migrations).
    pub fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            TxInner::Pg(tx, cache) => {
                cache.clear();
                Ok(tx.batch_execute(sql)?)
            }
        }
    }

    /// Takes the next value of the change sequence, the monotonic counter
    /// stamped on every insert and update (for sync and incremental reports).
    /// SQLite has one writer at a time, so a counter row is exact; PostgreSQL
    /// uses a sequence so concurrent writers never queue on a hot row.
    pub fn next_seq(&mut self) -> Result<i64, StoreError> {
        match self.backend() {
            Backend::Sqlite => self.reserve_seq_sqlite(1),
            Backend::Postgres => self.query_one("SELECT nextval('change_seq')", &[])?.int(0),
        }
    }

    /// SQLite only: reserves `n` consecutive change-sequence values and
    /// returns the first (bulk loads stamp rows from it). PostgreSQL bulk
    /// paths call `nextval('change_seq')` per row inside their SQL instead.
    pub(crate) fn reserve_seq_sqlite(&mut self, n: i64) -> Result<i64, StoreError> {
        self.query_one(
            "UPDATE change_counter SET value = value + $1 WHERE id = 1 RETURNING value - $1 + 1",
            &[P::I(n.max(1))],
        )?
        .int(0)
    }

    /// Drops the secondary (non-unique, non-key) indexes of `tables` and
    /// returns the DDL that recreates them, for a bulk load into empty
    /// tables. Unique indexes stay, so constraints hold throughout.
    pub fn defer_indexes(&mut self, tables: &[&str]) -> Result<Vec<String>, StoreError> {
        let mut ddl = Vec::new();
        for table in tables {
            let rows = match self.backend() {
                Backend::Sqlite => self.query(
                    "SELECT name, sql FROM sqlite_master
                     WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL
                       AND sql NOT LIKE 'CREATE UNIQUE%'",
                    &[P::T(table)],
                )?,
                Backend::Postgres => self.query(
                    "SELECT i.relname::text, pg_get_indexdef(x.indexrelid)
                     FROM pg_index x
                     JOIN pg_class i ON i.oid = x.indexrelid
                     JOIN pg_class t ON t.oid = x.indrelid
                     WHERE t.relname = $1 AND t.relnamespace = 'public'::regnamespace
                       AND NOT x.indisunique AND NOT x.indisprimary",
                    &[P::T(table)],
                )?,
            };
            for r in rows {
                self.batch(&format!("DROP INDEX {}", r.text(0)?))?;
                ddl.push(r.text(1)?);
            }
        }
        Ok(ddl)
    }

    /// Direct access to the SQLite transaction for bulk fast lanes.
    pub(crate) fn sqlite(&mut self) -> Option<&mut rusqlite::Transaction<'c>> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Some(tx),
            TxInner::Pg(..) => None,
        }
    }

    /// Direct access to the PostgreSQL transaction for bulk fast lanes (`COPY`).
    pub(crate) fn postgres(&mut self) -> Option<&mut postgres::Transaction<'c>> {
        match &mut self.inner {
            TxInner::Pg(tx, _) => Some(tx),
            TxInner::Sqlite(_) => None,
        }
    }

    fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => Ok(tx.commit()?),
            TxInner::Pg(tx, _) => Ok(tx.commit()?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(to_sqlite("a = $1 AND b = $12"), "a = ?1 AND b = ?12");
        assert_eq!(to_sqlite("no params"), "no params");
    }
}
