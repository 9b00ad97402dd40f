//! The bulk lane itself: [`BulkWriter`] writes many rows into one table by
//! the fastest route each backend offers (a cached prepared-statement loop
//! on SQLite, `COPY … FROM STDIN` on PostgreSQL), and [`reserve_seqs`] hands
//! out change-sequence values for rows that carry `change_seq` explicitly.
//! This is one of the two places (with `db.rs`) where the backends differ.

use crate::db::{Backend, P, Tx};
use crate::error::StoreError;
use std::io::Write;

/// Writes many rows into one table inside a transaction, by the fastest
/// route each backend offers: the bulk lane of the demo load and of person
/// import. Rows that carry a change sequence get it stamped here: from a
/// reserved counter range on SQLite, from the sequence default on
/// PostgreSQL.
///
/// Open it with [`BulkWriter::open`], hand it rows with [`BulkWriter::row`]
/// (values in the order of the columns given to `open`) and end with
/// [`BulkWriter::finish`]; nothing else may use the transaction meanwhile.
pub struct BulkWriter<'t>(Lane<'t>);

/// Each backend's fast lane.
enum Lane<'t> {
    Sqlite {
        tx: &'t rusqlite::Transaction<'t>,
        stmt: rusqlite::CachedStatement<'t>,
        stamp: bool,
        next_seq: i64,
        rows: i64,
    },
    Pg {
        copy: postgres::CopyInWriter<'t>,
        line: Vec<u8>,
    },
}

impl<'t> BulkWriter<'t> {
    /// Opens a writer for `table(cols…)`. With `stamp`, the table's
    /// `change_seq` column is filled for each row as well (on PostgreSQL by
    /// the column's sequence default, so `stamp` needs that default there).
    pub fn open(
        tx: &'t mut Tx<'_>,
        table: &str,
        cols: &[&str],
        stamp: bool,
    ) -> Result<BulkWriter<'t>, StoreError> {
        match tx.backend() {
            Backend::Sqlite => {
                let tx = tx
                    .sqlite()
                    .ok_or_else(|| StoreError::Db("backend mismatch".into()))?;
                let tx: &'t rusqlite::Transaction<'t> = tx;
                let next_seq: i64 = if stamp {
                    tx.query_row(
                        "SELECT value + 1 FROM change_counter WHERE id = 1",
                        [],
                        |r| r.get(0),
                    )?
                } else {
                    0
                };
                let mut all: Vec<&str> = cols.to_vec();
                if stamp {
                    all.push("change_seq");
                }
                let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    all.join(", "),
                    marks.join(", ")
                );
                let stmt = tx.prepare_cached(&sql)?;
                Ok(BulkWriter(Lane::Sqlite {
                    tx,
                    stmt,
                    stamp,
                    next_seq,
                    rows: 0,
                }))
            }
            Backend::Postgres => {
                let tx = tx
                    .postgres()
                    .ok_or_else(|| StoreError::Db("backend mismatch".into()))?;
                let sql = format!("COPY {table} ({}) FROM STDIN", cols.join(", "));
                Ok(BulkWriter(Lane::Pg {
                    copy: tx.copy_in(&sql)?,
                    line: Vec::with_capacity(512),
                }))
            }
        }
    }

    /// Writes one row; values in the order of the columns given to `open`.
    pub fn row(&mut self, vals: &[P<'_>]) -> Result<(), StoreError> {
        match &mut self.0 {
            Lane::Sqlite {
                stmt,
                stamp,
                next_seq,
                rows,
                ..
            } => {
                for (i, v) in vals.iter().enumerate() {
                    stmt.raw_bind_parameter(i + 1, v)?;
                }
                if *stamp {
                    stmt.raw_bind_parameter(vals.len() + 1, *next_seq + *rows)?;
                }
                stmt.raw_execute()?;
                *rows += 1;
                Ok(())
            }
            Lane::Pg { copy, line } => {
                line.clear();
                for (i, v) in vals.iter().enumerate() {
                    if i > 0 {
                        line.push(b'\t');
                    }
                    match v {
                        P::Null => line.extend_from_slice(b"\\N"),
                        P::I(n) => {
                            let _ = write!(line, "{n}");
                        }
                        P::T(s) => copy_escape(line, s),
                    }
                }
                line.push(b'\n');
                copy.write_all(line)
                    .map_err(|e| StoreError::Db(format!("COPY: {e}")))
            }
        }
    }

    /// Ends the load; returns the number of rows written.
    pub fn finish(self) -> Result<u64, StoreError> {
        match self.0 {
            Lane::Sqlite {
                tx, stamp, rows, ..
            } => {
                if stamp && rows > 0 {
                    tx.execute(
                        "UPDATE change_counter SET value = value + ?1 WHERE id = 1",
                        [rows],
                    )?;
                }
                Ok(rows as u64)
            }
            Lane::Pg { copy, .. } => Ok(copy.finish()?),
        }
    }
}

/// Escapes a value for PostgreSQL's COPY text format.
fn copy_escape(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// Change-sequence values for `n` rows of the bulk lane that carry
/// `change_seq` explicitly (tables without a sequence default on
/// PostgreSQL): a reserved range of the counter on SQLite, `n` values of the
/// sequence on PostgreSQL.
pub fn reserve_seqs(tx: &mut Tx<'_>, n: usize) -> Result<Vec<i64>, StoreError> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    if n == 0 {
        return Ok(Vec::new());
    }
    match tx.backend() {
        Backend::Sqlite => {
            let base = tx.reserve_seq_sqlite(n)?;
            Ok((base..base + n).collect())
        }
        Backend::Postgres => tx
            .query(
                "SELECT nextval('change_seq') FROM generate_series(1, $1::bigint)",
                &[P::I(n)],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect(),
    }
}

/// The change-sequence expression of a set-based `INSERT … SELECT` whose
/// rows are numbered by `row_expr`, a column in `0..=max_row`, unique per
/// row: on SQLite a reserved range of the counter offset by the row number
/// (one writer at a time makes it exact), on PostgreSQL the sequence itself.
pub fn seq_expr(tx: &mut Tx<'_>, row_expr: &str, max_row: i64) -> Result<String, StoreError> {
    match tx.backend() {
        Backend::Sqlite => {
            let base = tx.reserve_seq_sqlite(max_row + 1)?;
            Ok(format!("({base} + {row_expr})"))
        }
        Backend::Postgres => Ok("nextval('change_seq')".to_string()),
    }
}
