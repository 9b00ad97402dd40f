//! Person import (人员导入): a file's rows validated on a reader thread,
//! staged through the bulk lane into temporary tables, and merged into the
//! register with set-based SQL shared by both backends, in one transaction
//! (a dry run is the same transaction rolled back). The resident ID is the
//! natural key, so re-importing a file creates no duplicates.

use super::writer::{BulkWriter, seq_expr};
use crate::audit::{self, Action};
use crate::db::{P, Tx};
use crate::error::StoreError;
use crate::{Db, new_id, orgs};
use hearth_core::Lang;
use hearth_core::Reason;
use hearth_core::dates::{fmt_date, now_utc};
use hearth_core::import::{ImportRow, Outcome, Reader, RowError};
use hearth_core::pinyin::initials;
use hearth_core::scope::{Permission, Scope};
use std::collections::{HashMap, HashSet};

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub dry_run: bool,
    /// Data rows read (blank rows not counted).
    pub rows: u64,
    pub valid: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub households_created: u64,
    pub errors: Vec<RowError>,
}

/// Rows handed from the reading thread to the writer at a time.
const STAGE_BATCH: usize = 2048;

/// One validated row, ready to stage.
struct StagedRow {
    row_no: i64,
    resident_id: String,
    name: String,
    name_initials: String,
    sex: i64,
    birth_date: String,
    phone: Option<String>,
    marital_status: Option<&'static str>,
    village_code: String,
    household_number: Option<String>,
    relation: Option<&'static str>,
    address: String,
    person_id: String,
    household_id: Option<String>,
}

impl StagedRow {
    /// Gives the row its new person id and its household's id (one new id
    /// per household number and village in the file).
    fn new(r: ImportRow, households: &mut HashMap<(String, String), FileHousehold>) -> StagedRow {
        let p = r.person;
        let village_code = p.village_code.as_str().to_string();
        let row_no = i64::try_from(r.row).unwrap_or(i64::MAX);
        let household_id = r.household_number.as_ref().map(|n| {
            let h = households
                .entry((village_code.clone(), n.clone()))
                .or_insert_with(|| FileHousehold {
                    id: new_id(),
                    address: String::new(),
                    first_row: row_no,
                    has_head: false,
                });
            if h.address.is_empty() && !r.address.is_empty() {
                h.address.clone_from(&r.address);
            }
            h.has_head |= p.relation == Some(hearth_core::person::Relation::Head);
            h.id.clone()
        });
        StagedRow {
            row_no,
            resident_id: p.resident_id.as_str().to_string(),
            name_initials: initials(p.name.as_str()),
            name: p.name.as_str().to_string(),
            sex: p.sex.code(),
            birth_date: fmt_date(p.birth_date),
            phone: p.phone.map(|x| x.as_str().to_string()),
            marital_status: p.marital_status.map(|m| m.code()),
            village_code,
            household_number: r.household_number,
            relation: p.relation.map(|x| x.code()),
            address: r.address,
            person_id: new_id(),
            household_id,
        }
    }
}

/// A household named in the file (by village and number): the id it gets
/// if new, its address (the first non-empty one), the row it first appears
/// on, and whether the file names its head.
struct FileHousehold {
    id: String,
    address: String,
    first_row: i64,
    has_head: bool,
}

enum Staged {
    Row(Box<StagedRow>),
    Errors(Vec<RowError>),
    /// Sent once, after the last row: every household the file names.
    Households(Vec<((String, String), FileHousehold)>),
}

const HOUSEHOLD_STAGE_DDL: &str = "CREATE TEMP TABLE import_household (
    id           TEXT NOT NULL,
    village_code TEXT NOT NULL,
    number       TEXT NOT NULL,
    address      TEXT NOT NULL,
    first_row    BIGINT NOT NULL,
    has_head     BIGINT NOT NULL
)";

const STAGE_DDL: &str = "CREATE TEMP TABLE import_stage (
    row_no           BIGINT NOT NULL,
    resident_id      TEXT NOT NULL,
    name             TEXT NOT NULL,
    sex              BIGINT NOT NULL,
    birth_date       TEXT NOT NULL,
    phone            TEXT,
    marital_status   TEXT,
    village_code     TEXT NOT NULL,
    household_number TEXT,
    relation         TEXT,
    address          TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    household_id     TEXT,
    name_initials    TEXT NOT NULL
)";

/// Imports persons from a file reader. Every row is validated; valid rows
/// are written in one transaction (all or nothing); a dry run goes through
/// the very same steps and rolls back. The resident ID is the natural key:
/// a known person is updated where the file differs and left alone where it
/// does not, so re-importing a file creates no duplicates. A row naming a
/// person registered outside the importer's area is refused.
pub fn import_persons(
    db: &Db,
    scope: &Scope,
    reader: &mut Reader,
    today: chrono::NaiveDate,
    lang: Lang,
    dry_run: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary, StoreError> {
    if !scope.can(Permission::WriteRegister) {
        return Err(StoreError::Forbidden);
    }
    let run = |tx: &mut Tx<'_>| import_in(tx, scope, reader, today, lang, dry_run, progress);
    if dry_run {
        // The trial rolls everything back, so its audit entry is written on
        // its own: a dry run reads the register too (it tells whether an ID
        // number is registered elsewhere).
        let sum = db.trial(run)?;
        db.write(|tx| record_import(tx, scope, &sum))?;
        Ok(sum)
    } else {
        db.write(run)
    }
}

fn import_in(
    tx: &mut Tx<'_>,
    scope: &Scope,
    reader: &mut Reader,
    today: chrono::NaiveDate,
    lang: Lang,
    dry_run: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary, StoreError> {
    let mut sum = ImportSummary {
        dry_run,
        ..ImportSummary::default()
    };
    let in_scope: HashSet<String> = orgs::villages_in_scope(tx, scope)?.into_iter().collect();
    let all: HashSet<String> = tx
        .query("SELECT code FROM org_unit WHERE level = 'village'", &[])?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?;
    let check = |code: &str| -> Option<Reason> {
        if in_scope.contains(code) {
            None
        } else if all.contains(code) {
            Some(Reason::OutOfScope)
        } else {
            Some(Reason::UnknownOrg)
        }
    };
    let range = scope.code_range();
    let started = std::time::Instant::now();
    // Reading and validating runs on its own thread, feeding the database
    // writer through a bounded channel: the two halves overlap on two cores
    // and memory stays bounded by the channel, not by the file.
    let (send, recv) = std::sync::mpsc::sync_channel::<Vec<Staged>>(8);
    let outcome = std::thread::scope(|s| -> Result<Merge, StoreError> {
        let check = &check;
        s.spawn(move || {
            let mut households: HashMap<(String, String), FileHousehold> = HashMap::new();
            let mut batch = Vec::with_capacity(STAGE_BATCH);
            while let Some(outcome) = reader.next_outcome(today, lang, check) {
                batch.push(match outcome {
                    Outcome::Errors(errs) => Staged::Errors(errs),
                    Outcome::Row(r) => Staged::Row(Box::new(StagedRow::new(r, &mut households))),
                });
                if batch.len() == STAGE_BATCH
                    && send
                        .send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(STAGE_BATCH),
                        ))
                        .is_err()
                {
                    return; // the writer stopped on an error
                }
            }
            // In file order: the new ids are time-ordered, so the inserts append.
            let mut households: Vec<_> = households.into_iter().collect();
            households.sort_by_key(|(_, h)| h.first_row);
            batch.push(Staged::Households(households));
            let _ = send.send(batch);
        });
        let mut feed = |f: &mut dyn FnMut(StagedRow) -> Result<(), StoreError>| {
            let mut households = Vec::new();
            for batch in recv.iter() {
                for staged in batch {
                    match staged {
                        Staged::Errors(errs) => sum.errors.extend(errs),
                        Staged::Row(r) => {
                            sum.valid += 1;
                            f(*r)?;
                        }
                        Staged::Households(h) => {
                            households = h;
                            continue;
                        }
                    }
                    sum.rows += 1;
                    if sum.rows.is_multiple_of(10_000) {
                        progress(sum.rows);
                    }
                }
            }
            Ok(households)
        };
        merge_staged(tx, &range, &mut feed)
    })?;
    progress(sum.rows);
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "import merged");
    for (row, _) in &outcome.foreign {
        sum.valid -= 1;
        sum.errors.push(RowError {
            row: usize::try_from(*row).unwrap_or(0),
            column: "身份证号".into(),
            code: Reason::OutOfScope.code().into(),
            message: Reason::OutOfScope.message(lang),
        });
    }
    sum.errors.sort_by_key(|e| e.row);
    sum.created = outcome.created;
    sum.updated = outcome.updated;
    sum.unchanged = sum.valid.saturating_sub(outcome.created + outcome.updated);
    sum.households_created = outcome.households_created;
    if !dry_run {
        record_import(tx, scope, &sum)?;
    }
    Ok(sum)
}

fn record_import(tx: &mut Tx<'_>, scope: &Scope, sum: &ImportSummary) -> Result<(), StoreError> {
    audit::record(
        tx,
        scope,
        Action::Import,
        "person",
        None,
        Some(&format!(
            "rows {} valid {} created {} updated {} errors {}{}",
            sum.rows,
            sum.valid,
            sum.created,
            sum.updated,
            sum.errors.len(),
            if sum.dry_run { " (dry run)" } else { "" }
        )),
    )
}

/// What merging staged rows into the register did.
#[derive(Default)]
struct Merge {
    created: u64,
    updated: u64,
    households_created: u64,
    /// Rows naming a person registered outside the importer's area: (row, resident ID).
    foreign: Vec<(i64, String)>,
}

/// Streams the staged rows into a callback; returns the file's households.
type Feed<'a> = dyn FnMut(
        &mut dyn FnMut(StagedRow) -> Result<(), StoreError>,
    ) -> Result<Vec<((String, String), FileHousehold)>, StoreError>
    + 'a;

/// The upsert rule shared by both backends: a known resident ID is updated
/// only when it lies inside the importer's area ($lo, $hi) and the file
/// says something new; optional fields the file leaves empty keep their
/// stored value.
fn person_conflict_clause(lo: usize, hi: usize) -> String {
    format!(
        "ON CONFLICT (resident_id) DO UPDATE SET
             name = excluded.name,
             name_initials = excluded.name_initials,
             sex = excluded.sex,
             birth_date = excluded.birth_date,
             phone = COALESCE(excluded.phone, person.phone),
             marital_status = COALESCE(excluded.marital_status, person.marital_status),
             household_id = COALESCE(excluded.household_id, person.household_id),
             relation = COALESCE(excluded.relation, person.relation),
             village_code = excluded.village_code,
             version = person.version + 1,
             change_seq = excluded.change_seq,
             updated_at = excluded.updated_at
         WHERE person.village_code >= ${lo} AND person.village_code < ${hi}
           AND (person.name IS DISTINCT FROM excluded.name
             OR person.village_code IS DISTINCT FROM excluded.village_code
             OR COALESCE(excluded.phone, person.phone) IS DISTINCT FROM person.phone
             OR COALESCE(excluded.marital_status, person.marital_status) IS DISTINCT FROM person.marital_status
             OR COALESCE(excluded.household_id, person.household_id) IS DISTINCT FROM person.household_id
             OR COALESCE(excluded.relation, person.relation) IS DISTINCT FROM person.relation)"
    )
}

/// Points a household at its head (the member whose relation is 户主);
/// shared by both backends, each adding the households it touched.
const SET_HEAD: &str = "UPDATE household SET head_person_id =
         (SELECT p.id FROM person p WHERE p.household_id = household.id AND p.relation = 'head'
          ORDER BY p.id LIMIT 1)";

/// Stages the rows through each backend's fast lane (a prepared-statement
/// loop on SQLite, `COPY` on PostgreSQL) into a temporary table, then merges
/// them into the register with set-based SQL shared by both backends.
/// (Per-row upserts on SQLite measured 3× slower: each one pays for a
/// statement journal.)
fn merge_staged(
    tx: &mut Tx<'_>,
    (lo, hi): &(String, String),
    feed: &mut Feed<'_>,
) -> Result<Merge, StoreError> {
    let mut m = Merge::default();
    tx.batch("DROP TABLE IF EXISTS import_stage")?;
    tx.batch(STAGE_DDL)?;
    let mut max_row = 0i64;
    let households;
    {
        let mut w = BulkWriter::open(
            tx,
            "import_stage",
            &[
                "row_no",
                "resident_id",
                "name",
                "sex",
                "birth_date",
                "phone",
                "marital_status",
                "village_code",
                "household_number",
                "relation",
                "address",
                "person_id",
                "household_id",
                "name_initials",
            ],
            false,
        )?;
        households = feed(&mut |r: StagedRow| {
            max_row = max_row.max(r.row_no);
            w.row(&[
                P::I(r.row_no),
                P::T(&r.resident_id),
                P::T(&r.name),
                P::I(r.sex),
                P::T(&r.birth_date),
                (&r.phone).into(),
                r.marital_status.into(),
                P::T(&r.village_code),
                (&r.household_number).into(),
                r.relation.into(),
                P::T(&r.address),
                P::T(&r.person_id),
                (&r.household_id).into(),
                P::T(&r.name_initials),
            ])
        })?;
        w.finish()?;
    }
    // The file's households, one row each (no grouping of the staged rows).
    tx.batch("DROP TABLE IF EXISTS import_household")?;
    tx.batch(HOUSEHOLD_STAGE_DDL)?;
    {
        let mut w = BulkWriter::open(
            tx,
            "import_household",
            &[
                "id",
                "village_code",
                "number",
                "address",
                "first_row",
                "has_head",
            ],
            false,
        )?;
        for ((village, number), h) in &households {
            w.row(&[
                P::T(&h.id),
                P::T(village),
                P::T(number),
                P::T(&h.address),
                P::I(h.first_row),
                h.has_head.into(),
            ])?;
        }
        w.finish()?;
    }
    drop(households);
    // A resident ID already registered outside the importer's area.
    m.foreign = tx
        .query(
            "SELECT s.row_no, s.resident_id FROM import_stage s
             JOIN person p ON p.resident_id = s.resident_id
             WHERE p.village_code < $1 OR p.village_code >= $2 ORDER BY s.row_no",
            &[P::T(lo), P::T(hi)],
        )?
        .iter()
        .map(|r| Ok((r.int(0)?, r.text(1)?)))
        .collect::<Result<_, StoreError>>()?;
    if !m.foreign.is_empty() {
        tx.exec(
            "DELETE FROM import_stage WHERE resident_id IN
                 (SELECT p.resident_id FROM person p WHERE p.village_code < $1 OR p.village_code >= $2)",
            &[P::T(lo), P::T(hi)],
        )?;
    }
    let existing = tx
        .query_one(
            "SELECT COUNT(*) FROM import_stage s JOIN person p ON p.resident_id = s.resident_id
             WHERE p.village_code >= $1 AND p.village_code < $2",
            &[P::T(lo), P::T(hi)],
        )?
        .int(0)?;
    let now = now_utc();
    // Change sequence for the set-based inserts, persons' range first.
    let p_seq = seq_expr(tx, "s.row_no", max_row)?;
    let hh_seq = seq_expr(tx, "first_row", max_row)?;
    m.households_created = tx.exec(
        &format!(
            "INSERT INTO household (id, village_code, number, address, version, change_seq,
                 created_at, updated_at)
             SELECT id, village_code, number, address, 1, {hh_seq}, $1, $1
             FROM import_household WHERE true
             ON CONFLICT (village_code, number) DO NOTHING"
        ),
        &[P::T(&now)],
    )?;
    let affected = tx.exec(
        &format!(
            "INSERT INTO person (id, resident_id, name, sex, birth_date, phone, marital_status,
                 household_id, relation, village_code, version, change_seq, created_at, updated_at,
                 name_initials)
             SELECT s.person_id, s.resident_id, s.name, s.sex, s.birth_date, s.phone,
                 s.marital_status, h.id, s.relation, s.village_code, 1, {p_seq}, $1, $1,
                 s.name_initials
             FROM import_stage s
             LEFT JOIN household h ON h.village_code = s.village_code AND h.number = s.household_number
             WHERE true
             {}",
            person_conflict_clause(2, 3)
        ),
        &[P::T(&now), P::T(lo), P::T(hi)],
    )?;
    let staged = tx
        .query_one("SELECT COUNT(*) FROM import_stage", &[])?
        .int(0)?;
    m.created = u64::try_from(staged - existing).unwrap_or(0);
    m.updated = affected.saturating_sub(m.created);
    tx.exec(
        &format!(
            "{SET_HEAD} WHERE id IN (SELECT h.id FROM import_household ih
                 JOIN household h ON h.village_code = ih.village_code AND h.number = ih.number
                 WHERE ih.has_head = 1)"
        ),
        &[],
    )?;
    tx.batch("DROP TABLE import_stage")?;
    tx.batch("DROP TABLE import_household")?;
    Ok(m)
}
