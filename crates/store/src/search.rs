//! Person search (人员查询): one box that takes a resident ID, a mobile
//! number, a household number, pinyin initials (`zxm` → 张晓梅) or the
//! start of a name, always inside the caller's scope. Hits show masked ID
//! numbers and phones only; the full value of one field of one person is
//! shown by [`reveal`], which is audited as such. A search writes one audit
//! entry saying what kind of search it was — never the text searched for,
//! which may be a full ID number.
//!
//! Prefix searches are index ranges, `col >= $lo AND col < $hi` with `$hi`
//! the prefix whose last character is incremented (LIKE would be
//! case-insensitive on SQLite and skip the index); the column is compared
//! by code point on both backends ([`Backend::text_range_collate`]).
//!
//! [`Backend::text_range_collate`]: crate::db::Backend::text_range_collate

use crate::Db;
use crate::audit::{self, Action};
use crate::db::{P, Row, Tx};
use crate::error::StoreError;
use crate::scoped::{require, sex_at};
use hearth_core::Reason;
use hearth_core::household::parse_household_number;
use hearth_core::id_number::{ResidentId, mask_id};
use hearth_core::name::{fold_dot, is_han};
use hearth_core::person::Sex;
use hearth_core::phone::{MobilePhone, mask_phone};
use hearth_core::pinyin::initials;
use hearth_core::scope::{Permission, Scope};
use serde::Serialize;

/// Hits per page when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 20;
/// The most hits one page may hold.
pub const MAX_LIMIT: i64 = 100;
/// Matches are counted up to this many; `total` never exceeds it.
pub const TOTAL_CAP: i64 = 1000;
/// The longest search text accepted, in characters.
pub const MAX_TEXT: usize = 40;

/// A search as typed into the search box.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// What to look for; its shape decides the kind of search.
    pub text: String,
    /// Narrows the search to one village (still inside the scope).
    pub village_code: Option<String>,
    /// Hits per page: 20 when zero or negative, at most 100.
    pub limit: i64,
    pub offset: i64,
}

/// One person found, as a list shows it: masked ID number and phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: String,
    pub masked_resident_id: String,
    pub masked_phone: Option<String>,
    pub village_code: String,
    pub household_id: Option<String>,
    pub household_number: Option<String>,
}

/// A page of hits, ordered by name then id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Matches in all pages, counted up to [`TOTAL_CAP`].
    pub total: i64,
    /// What the text was taken for: `resident_id`, `phone`,
    /// `household_number`, `initials` or `name`.
    pub kind: &'static str,
}

/// What the search text was taken for, with the value to match.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    ResidentId(String),
    Phone(String),
    HouseholdNumber(String),
    /// Lower-case initials prefix: `[lo, hi)`.
    Initials(String, String),
    /// Name prefix: `[lo, hi)`.
    Name(String, String),
}

impl Term {
    fn kind(&self) -> &'static str {
        match self {
            Term::ResidentId(_) => "resident_id",
            Term::Phone(_) => "phone",
            Term::HouseholdNumber(_) => "household_number",
            Term::Initials(..) => "initials",
            Term::Name(..) => "name",
        }
    }
}

/// Folds full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ) to ASCII.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        other => other,
    }
}

/// The smallest string greater than every string starting with `prefix`:
/// the prefix with its last character incremented (a character that cannot
/// be incremented is dropped and the one before it incremented). `None` when
/// there is no such string (empty, or only U+10FFFF).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000; // skip the surrogates, which are not characters
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A prefix term `[prefix, upper bound)`.
fn range(prefix: String, make: fn(String, String) -> Term) -> Result<Term, Reason> {
    let hi = prefix_upper_bound(&prefix).ok_or(Reason::BadCharacter)?;
    Ok(make(prefix, hi))
}

/// Decides what the search text is:
/// - 18 characters of digits ending in a digit or X, or 15 digits: a
///   resident ID, normalised (and checked) by core;
/// - 11 digits starting with 1: a mobile number;
/// - other digits, letters and dashes with at least one digit: a household
///   number;
/// - letters only: pinyin initials, lower-cased;
/// - Han characters (and the middle dot): the start of a name.
///
/// Spaces inside the text are ignored, full-width digits and letters are
/// folded to ASCII.
fn classify(text: &str) -> Result<Term, Reason> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Reason::TooLong { max: MAX_TEXT });
    }
    let folded: String = t
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| fold_dot(fold_width(c)))
        .collect();
    // Numbers are often typed in groups: 138 1234 5678, 138-1234-5678.
    let compact: String = folded.chars().filter(|c| *c != '-').collect();
    let b = compact.as_bytes();
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let id_shaped = match b.len() {
        18 => all_digits(&b[..17]) && matches!(b[17], b'0'..=b'9' | b'X' | b'x'),
        15 => all_digits(b),
        _ => false,
    };
    if id_shaped {
        return ResidentId::parse(&compact).map(|id| Term::ResidentId(id.as_str().to_string()));
    }
    if b.len() == 11 && b[0] == b'1' && all_digits(b) {
        return MobilePhone::parse(&compact).map(|p| Term::Phone(p.as_str().to_string()));
    }
    if folded.bytes().all(|c| c.is_ascii_alphabetic()) {
        return range(folded.to_ascii_lowercase(), Term::Initials);
    }
    if folded
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && folded.bytes().any(|c| c.is_ascii_digit())
    {
        return parse_household_number(&folded).map(Term::HouseholdNumber);
    }
    if folded.chars().all(|c| is_han(c) || c == '·') && folded.chars().any(is_han) {
        return range(folded, Term::Name);
    }
    Err(Reason::BadCharacter)
}

/// Finds persons in the scope matching the search text; see [`classify`]
/// for how the text is read. Requires the right to read the register. The
/// search is audited once (action `view`, entity `person_search`, detail
/// the kind of search); the hits are not, since they show no full ID
/// number or phone.
pub fn search_persons(db: &Db, scope: &Scope, q: &SearchQuery) -> Result<SearchPage, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let term = classify(&q.text).map_err(|r| StoreError::field("q", r))?;
    let limit = if q.limit <= 0 {
        DEFAULT_LIMIT
    } else {
        q.limit.min(MAX_LIMIT)
    };
    let offset = q.offset.max(0);
    let village = q
        .village_code
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    db.write(|tx| {
        let (hits, total) = find(tx, scope, &term, village, limit, offset)?;
        audit::record(
            tx,
            scope,
            Action::View,
            "person_search",
            None,
            Some(term.kind()),
        )?;
        Ok(SearchPage {
            hits,
            total,
            kind: term.kind(),
        })
    })
}

/// A hit as [`find`] reads it. A newborn without a resident ID yet (NULL)
/// shows the mask of an empty one.
fn hit_from(r: &Row) -> Result<SearchHit, StoreError> {
    Ok(SearchHit {
        id: r.text(0)?,
        name: r.text(1)?,
        sex: sex_at(r, 2)?,
        birth_date: r.text(3)?,
        masked_resident_id: mask_id(&r.opt_text(4)?.unwrap_or_default()),
        masked_phone: r.opt_text(5)?.map(|p| mask_phone(&p)),
        village_code: r.text(6)?,
        household_id: r.opt_text(7)?,
        household_number: r.opt_text(8)?,
    })
}

/// One page of matches and their capped count. The SQL is shared; only the
/// matching predicate depends on the kind of search.
fn find(
    tx: &mut Tx<'_>,
    scope: &Scope,
    term: &Term,
    village: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SearchHit>, i64), StoreError> {
    let c = tx.backend().text_range_collate();
    let (lo, hi) = scope.code_range();
    let mut params: Vec<P<'_>> = vec![P::T(&lo), P::T(&hi), village.into()];
    let pred = match term {
        Term::ResidentId(v) => {
            params.push(P::T(v));
            "p.resident_id = $4".to_string()
        }
        Term::Phone(v) => {
            params.push(P::T(v));
            "p.phone = $4".to_string()
        }
        Term::HouseholdNumber(v) => {
            params.push(P::T(v));
            "h.number = $4".to_string()
        }
        Term::Initials(from, to) => {
            params.extend([P::T(from), P::T(to)]);
            format!("p.name_initials{c} >= $4 AND p.name_initials{c} < $5")
        }
        Term::Name(from, to) => {
            params.extend([P::T(from), P::T(to)]);
            format!("p.name{c} >= $4 AND p.name{c} < $5")
        }
    };
    // An initials prefix is far more selective than a town's or county's
    // village range, which SQLite would otherwise pick (see index_hint).
    let hint = match term {
        Term::Initials(..) => tx.backend().index_hint("person_name_initials"),
        _ => String::new(),
    };
    let from = format!(
        "FROM person p{hint}
         LEFT JOIN household h ON h.id = p.household_id
             AND h.village_code >= $1 AND h.village_code < $2
         WHERE p.village_code >= $1 AND p.village_code < $2
           AND (CAST($3 AS TEXT) IS NULL OR p.village_code = $3)
           AND {pred}"
    );
    let n = params.len();
    let total = {
        let mut ps = params.clone();
        ps.push(P::I(TOTAL_CAP));
        tx.query_one(
            &format!(
                "SELECT COUNT(*) FROM (SELECT 1 AS one {from} LIMIT ${}) capped",
                n + 1
            ),
            &ps,
        )?
        .int(0)?
    };
    if total == 0 {
        return Ok((Vec::new(), 0));
    }
    params.extend([P::I(limit), P::I(offset)]);
    let hits = tx
        .query(
            &format!(
                "SELECT p.id, p.name, p.sex, p.birth_date, p.resident_id, p.phone,
                     p.village_code, p.household_id, h.number
                 {from}
                 ORDER BY p.name{c}, p.id
                 LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            &params,
        )?
        .iter()
        .map(hit_from)
        .collect::<Result<_, _>>()?;
    Ok((hits, total))
}

/// A field whose full value [`reveal`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealField {
    ResidentId,
    Phone,
}

impl RevealField {
    /// The stable code, written as the audit entry's detail.
    pub fn code(self) -> &'static str {
        match self {
            RevealField::ResidentId => "resident_id",
            RevealField::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Result<RevealField, Reason> {
        match s.trim() {
            "" => Err(Reason::Required),
            "resident_id" => Ok(RevealField::ResidentId),
            "phone" => Ok(RevealField::Phone),
            _ => Err(Reason::UnknownValue {
                allowed: "resident_id/phone",
            }),
        }
    }
}

/// Shows the full resident ID or phone of one person in the scope, and
/// audits it (action `reveal`, entity `person`, detail the field). A person
/// outside the scope, a missing person and a person without a phone are
/// all `NotFound`, and nothing is revealed or audited.
pub fn reveal(
    db: &Db,
    scope: &Scope,
    person_id: &str,
    field: RevealField,
) -> Result<String, StoreError> {
    require(scope, Permission::ReadRegister)?;
    let (lo, hi) = scope.code_range();
    let col = match field {
        RevealField::ResidentId => "resident_id",
        RevealField::Phone => "phone",
    };
    db.write(|tx| {
        let value = tx
            .query_opt(
                &format!(
                    "SELECT {col} FROM person
                     WHERE id = $1 AND village_code >= $2 AND village_code < $3"
                ),
                &[P::T(person_id), P::T(&lo), P::T(&hi)],
            )?
            .map(|r| r.opt_text(0))
            .transpose()?
            .flatten()
            .ok_or(StoreError::NotFound)?;
        audit::record(
            tx,
            scope,
            Action::Reveal,
            "person",
            Some(person_id),
            Some(field.code()),
        )?;
        Ok(value)
    })
}

/// Rows read, then written, per backfill batch.
const BACKFILL_BATCH: i64 = 1000;

/// Fills `person.name_initials` where it is empty (rows written before
/// migration 0002, or after a migration that resets it), walking the empty
/// rows by id in batches: each read in a read transaction, its updates in
/// one write transaction (one `UPDATE … FROM (VALUES …)`). A derived
/// column, so neither the version nor the change sequence moves, and
/// nothing is audited. When nothing is empty this is one indexed query in a
/// read transaction. Names without any initials (no character with a
/// reading) stay empty and are looked at again next time. Returns the
/// number of rows filled.
pub fn backfill_initials(db: &Db) -> Result<u64, StoreError> {
    let mut after = String::new();
    let mut filled = 0u64;
    loop {
        // Read in a read transaction, so that the common case (nothing to
        // fill) never queues behind a writer such as a running import.
        let rows = db.read(|tx| {
            let c = tx.backend().text_range_collate();
            tx.query(
                &format!(
                    "SELECT id, name FROM person WHERE name_initials{c} = '' AND id > $1
                     ORDER BY id LIMIT $2"
                ),
                &[P::T(&after), P::I(BACKFILL_BATCH)],
            )
        })?;
        let mut todo: Vec<(String, String, String)> = Vec::with_capacity(rows.len());
        for r in &rows {
            let name = r.text(1)?;
            let i = initials(&name);
            if !i.is_empty() {
                todo.push((r.text(0)?, i, name));
            }
        }
        if !todo.is_empty() {
            if filled == 0 {
                // Once after migration 0002; a county takes a minute or so.
                tracing::info!("filling the pinyin initials of existing names");
            }
            let values: Vec<String> = (0..todo.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let params: Vec<P<'_>> = todo
                .iter()
                .flat_map(|(id, i, name)| [P::T(id), P::T(i), P::T(name)])
                .collect();
            // A row renamed since it was read keeps what its writer set.
            // (No `name_initials = ''` test here: SQLite would take it as
            // the way in and scan the VALUES for every empty row.)
            filled += db.write(|tx| {
                tx.exec(
                    &format!(
                        "UPDATE person SET name_initials = v.column2
                         FROM (VALUES {}) AS v
                         WHERE person.id = v.column1 AND person.name = v.column3",
                        values.join(", ")
                    ),
                    &params,
                )
            })?;
        }
        match rows.last() {
            Some(r) if rows.len() >= BACKFILL_BATCH as usize => after = r.text(0)?,
            _ => break,
        }
    }
    if filled > 0 {
        tracing::info!(filled, "name initials backfilled");
    }
    Ok(filled)
}
