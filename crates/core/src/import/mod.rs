//! Reading and validating a persons import file (人口导入): a CSV or Excel
//! workbook with one person per row. This is the pure part — no database:
//! the [`Reader`] opens the file, checks the header and yields one
//! [`Outcome`] per data row, either a validated [`ImportRow`] or every
//! [`RowError`] of that row.
//!
//! # The file layout
//!
//! Row 1 of the spreadsheet is the header row; every later row is one
//! person. Headers are in Chinese, the English aliases are accepted too
//! (case-insensitively); columns may come in any order; header cells are
//! trimmed, a UTF-8 byte-order mark and a trailing `*` (a "required" mark)
//! are ignored, and unknown extra columns are ignored.
//!
//! | header     | alias              | required | maps to                                   |
//! |------------|--------------------|----------|-------------------------------------------|
//! | 姓名       | `name`             | yes      | `PersonInput.name`                        |
//! | 身份证号   | `resident_id`      | yes      | `PersonInput.resident_id`                 |
//! | 性别       | `sex`              | no       | `PersonInput.sex`                         |
//! | 出生日期   | `birth_date`       | no       | `PersonInput.birth_date`                  |
//! | 联系电话   | `phone`            | no       | `PersonInput.phone`                       |
//! | 婚姻状况   | `marital_status`   | no       | `PersonInput.marital_status`              |
//! | 村代码     | `village_code`     | yes      | `PersonInput.village_code`                |
//! | 户编号     | `household_number` | no (but required if 与户主关系 is given) | household number |
//! | 与户主关系 | `relation`         | no       | `PersonInput.relation`                    |
//! | 住址       | `address`          | no       | household address (at most 100 characters) |
//!
//! The same table is available to code as [`COLUMNS`].
//!
//! # Formats
//!
//! The format is taken from the file name's extension:
//!
//! * `.csv` — read as a stream in constant memory whatever the file size.
//!   UTF-8 with or without a byte-order mark, or GBK/GB18030 (what Excel on
//!   Chinese Windows saves): when the first 64 KiB are not valid UTF-8 the
//!   file is decoded as GB18030. UTF-16 ("Unicode text") is refused.
//! * `.xlsx` / `.xls` — the first worksheet, read with calamine. Numbers
//!   with an integral value are written without `.0` (so a phone or village
//!   code typed as a number works), date cells become `YYYY-MM-DD`; an ID
//!   number typed as a number is refused, since Excel keeps only 15
//!   significant digits of it.
//!
//! Completely blank rows are skipped, but row numbers in reports are always
//! those the user sees in the spreadsheet (header = row 1, first data row =
//! row 2), even around blank rows and cells spanning several lines.
//!
//! # Per-row validation
//!
//! Every error of a row is collected: the person fields through
//! [`PersonInput::validate`], the household number through
//! [`parse_household_number`], 与户主关系 without 户编号, an address over 100
//! characters, a village code the importer may not use (`village_check`),
//! and an ID number already seen on an earlier row of the same file.

use crate::error::{Lang, Reason};
use crate::household::parse_household_number;
use crate::id_number::ResidentId;
use crate::person::{PersonInput, ValidPerson, field};
use calamine::{Data, Range};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek};
use std::path::Path;

/// One column of the documented import layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The Chinese header, also used to name the column in error reports.
    pub header: &'static str,
    /// The accepted English alias (matched case-insensitively).
    pub alias: &'static str,
    pub required: bool,
}

// Indices into `COLUMNS`.
const NAME: usize = 0;
const RESIDENT_ID: usize = 1;
const SEX: usize = 2;
const BIRTH_DATE: usize = 3;
const PHONE: usize = 4;
const MARITAL_STATUS: usize = 5;
const VILLAGE_CODE: usize = 6;
const HOUSEHOLD_NUMBER: usize = 7;
const RELATION: usize = 8;
const ADDRESS: usize = 9;
const NCOLS: usize = 10;

const fn col(header: &'static str, alias: &'static str, required: bool) -> Column {
    Column {
        header,
        alias,
        required,
    }
}

const COLUMN_TABLE: [Column; NCOLS] = [
    col("姓名", "name", true),
    col("身份证号", "resident_id", true),
    col("性别", "sex", false),
    col("出生日期", "birth_date", false),
    col("联系电话", "phone", false),
    col("婚姻状况", "marital_status", false),
    col("村代码", "village_code", true),
    col("户编号", "household_number", false),
    col("与户主关系", "relation", false),
    col("住址", "address", false),
];

/// The documented columns, in the order of the template.
pub const COLUMNS: &[Column] = &COLUMN_TABLE;

/// The longest household address accepted, in characters.
const MAX_ADDRESS_CHARS: usize = 100;
/// How much of a CSV file is inspected to guess its encoding.
const SNIFF_BYTES: usize = 64 * 1024;
/// A CSV row longer than this is reported and skipped (bounds memory).
const MAX_ROW_BYTES: usize = 1024 * 1024;
/// A CSV row with more fields than this is reported and skipped.
const MAX_FIELDS: usize = 16 * 1024;

/// A data row that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    /// The spreadsheet row number (the header is row 1).
    pub row: usize,
    pub person: ValidPerson,
    /// The validated 户编号, if given.
    pub household_number: Option<String>,
    /// The trimmed 住址 (empty when not given).
    pub address: String,
}

/// One problem found in a data row, as shown in the import report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The spreadsheet row number (the header is row 1).
    pub row: usize,
    /// The Chinese header of the column, e.g. `身份证号`; empty when the
    /// problem concerns the whole row.
    pub column: String,
    /// A stable code: [`Reason::code`], or for a whole-row problem
    /// [`FileError::code`].
    pub code: String,
    /// The message in the importer's language.
    pub message: String,
}

/// What a data row turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Row(ImportRow),
    Errors(Vec<RowError>),
}

/// Why a file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("the file cannot be read: {0}")]
    Unreadable(#[from] io::Error),
    /// The extension is not one of `.csv`, `.xlsx`, `.xls`.
    #[error("unsupported file type {0:?}: upload a .csv, .xlsx or .xls file")]
    UnknownFormat(String),
    /// The content does not match the format its extension claims.
    #[error("the file cannot be read as {format}: {detail}")]
    Malformed {
        format: &'static str,
        detail: String,
    },
    /// No header row: the file is empty or holds only blank rows.
    #[error("the file is empty: there is no header row")]
    Empty,
    /// A text encoding other than UTF-8 or GBK/GB18030.
    #[error("unsupported text encoding ({0}): save the file as CSV in UTF-8 or GBK")]
    BadEncoding(&'static str),
    /// Required columns are missing; their Chinese headers.
    #[error("missing required column(s): {}", with_aliases(.0))]
    MissingColumns(Vec<&'static str>),
    /// A column appears twice (for instance both 姓名 and `name`).
    #[error("the column {0} appears more than once")]
    DuplicateColumn(&'static str),
}

fn with_aliases(headers: &[&'static str]) -> String {
    let named: Vec<String> = headers
        .iter()
        .map(|h| match COLUMNS.iter().find(|c| c.header == *h) {
            Some(c) => format!("{} ({})", c.header, c.alias),
            None => (*h).to_string(),
        })
        .collect();
    named.join(", ")
}

impl FileError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Unreadable(_) => "unreadable",
            FileError::UnknownFormat(_) => "unknown_format",
            FileError::Malformed { .. } => "malformed",
            FileError::Empty => "empty",
            FileError::BadEncoding(_) => "bad_encoding",
            FileError::MissingColumns(_) => "missing_columns",
            FileError::DuplicateColumn(_) => "duplicate_column",
        }
    }

    /// The message a user reads, in their language.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            FileError::Unreadable(e) => format!("无法读取文件：{e}"),
            FileError::UnknownFormat(ext) => {
                format!("不支持的文件类型“{ext}”，请上传 .csv、.xlsx 或 .xls 文件")
            }
            FileError::Malformed { format, .. } => {
                format!("无法按 {format} 格式读取文件，文件可能已损坏，或扩展名与内容不符")
            }
            FileError::Empty => "文件是空的，没有表头行".into(),
            FileError::BadEncoding(enc) => {
                format!("不支持的文字编码（{enc}），请另存为 UTF-8 或 GBK 编码的 CSV 文件")
            }
            FileError::MissingColumns(cols) => format!("缺少必填列：{}", cols.join("、")),
            FileError::DuplicateColumn(h) => format!("列“{h}”出现了不止一次"),
        }
    }
}

mod source;
use source::*;

/// The lower-cased extension of a file name, without the dot.
fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The column a header cell names, if any.
fn match_header(cell: &str) -> Option<usize> {
    let t = cell.trim_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    let t = t.trim_end_matches(['*', '＊']).trim_end();
    COLUMNS
        .iter()
        .position(|c| c.header == t || c.alias.eq_ignore_ascii_case(t))
}

/// The column of a [`crate::FieldError`] raised by [`PersonInput::validate`].
fn column_of_field(f: &str) -> Option<usize> {
    match f {
        field::NAME => Some(NAME),
        field::RESIDENT_ID => Some(RESIDENT_ID),
        field::SEX => Some(SEX),
        field::BIRTH_DATE => Some(BIRTH_DATE),
        field::PHONE => Some(PHONE),
        field::MARITAL_STATUS => Some(MARITAL_STATUS),
        field::VILLAGE_CODE => Some(VILLAGE_CODE),
        field::RELATION => Some(RELATION),
        _ => None,
    }
}

/// A resident ID in 8 bytes: its first 17 digits (the check character
/// follows from them).
fn id_key(id: &ResidentId) -> Option<u64> {
    let b = id.as_str().as_bytes().get(..17)?;
    b.iter().try_fold(0u64, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u64::from(d - b'0'))
    })
}

/// The streaming reader of an import file.
pub struct Reader {
    source: Source,
    /// For each documented column, its index in the file, if present.
    map: [Option<usize>; NCOLS],
    /// Buffers reused from row to row.
    input: PersonInput,
    household: String,
    address: String,
    /// Resident IDs seen so far (first 17 digits) and their first row.
    seen: HashMap<u64, usize>,
    done: bool,
}

impl Reader {
    /// Opens a file, taking its format from the extension, and checks the
    /// header row.
    pub fn open(path: &Path) -> Result<Reader, FileError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let source = match ext.as_str() {
            "csv" => Source::Csv(Box::new(csv_source(std::fs::File::open(path)?)?)),
            "xlsx" => {
                let f = BufReader::new(std::fs::File::open(path)?);
                Source::Sheet(first_sheet::<calamine::Xlsx<_>, _>(f, "XLSX")?)
            }
            "xls" => {
                let f = BufReader::new(std::fs::File::open(path)?);
                Source::Sheet(first_sheet::<calamine::Xls<_>, _>(f, "XLS")?)
            }
            _ => return Err(FileError::UnknownFormat(ext)),
        };
        Self::with_source(source)
    }

    /// For uploads: the file's bytes and its name (the format is taken from
    /// the name's extension).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Reader, FileError> {
        let ext = extension(name);
        let source = match ext.as_str() {
            "csv" => Source::Csv(Box::new(csv_source(Cursor::new(bytes))?)),
            "xlsx" => Source::Sheet(first_sheet::<calamine::Xlsx<_>, _>(
                Cursor::new(bytes),
                "XLSX",
            )?),
            "xls" => Source::Sheet(first_sheet::<calamine::Xls<_>, _>(
                Cursor::new(bytes),
                "XLS",
            )?),
            _ => return Err(FileError::UnknownFormat(ext)),
        };
        Self::with_source(source)
    }

    /// Reads the header row (the first row that is not blank) and maps the
    /// documented columns.
    fn with_source(mut source: Source) -> Result<Reader, FileError> {
        loop {
            match source.next() {
                Next::End => return Err(FileError::Empty),
                Next::Failed(_, e) => return Err(FileError::Unreadable(e)),
                Next::TooLong(_) => {
                    return Err(FileError::Malformed {
                        format: "CSV",
                        detail: "the header row is too long".into(),
                    });
                }
                Next::Row(_) if source.is_blank() => {}
                Next::Row(_) => break,
            }
        }
        let mut map = [None; NCOLS];
        let mut cell = String::new();
        for c in 0..source.width() {
            cell.clear();
            // A header cell that is not text simply matches no column.
            if source.fill(None, c, &mut cell).is_err() {
                continue;
            }
            if let Some(k) = match_header(&cell) {
                if map[k].is_some() {
                    return Err(FileError::DuplicateColumn(COLUMNS[k].header));
                }
                map[k] = Some(c);
            }
        }
        let missing: Vec<&'static str> = COLUMNS
            .iter()
            .zip(map.iter())
            .filter(|(col, m)| col.required && m.is_none())
            .map(|(col, _)| col.header)
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing));
        }
        Ok(Reader {
            source,
            map,
            input: PersonInput::default(),
            household: String::new(),
            address: String::new(),
            seen: HashMap::new(),
            done: false,
        })
    }

    /// Reads the next data row, skipping completely blank rows, and
    /// validates it; `None` at the end of the file.
    ///
    /// `village_check(code)` is called with each well-formed village code and
    /// returns `Some(reason)` when the code is unknown or outside the
    /// importer's scope ([`Reason::UnknownOrg`] / [`Reason::OutOfScope`]);
    /// the reason is reported against 村代码.
    pub fn next_outcome(
        &mut self,
        today: NaiveDate,
        lang: Lang,
        village_check: &dyn Fn(&str) -> Option<Reason>,
    ) -> Option<Outcome> {
        if self.done {
            return None;
        }
        loop {
            match self.source.next() {
                Next::End => {
                    self.done = true;
                    return None;
                }
                Next::Failed(row, e) => {
                    self.done = true;
                    let err = FileError::Unreadable(e);
                    return Some(Outcome::Errors(vec![RowError {
                        row,
                        column: String::new(),
                        code: err.code().into(),
                        message: err.message(lang),
                    }]));
                }
                Next::TooLong(row) => {
                    let message = match lang {
                        Lang::Zh => "这一行太长（超过 1 MiB 或 16384 列），已跳过".into(),
                        Lang::En => {
                            "this row is too long (over 1 MiB or 16384 columns) and was skipped"
                                .into()
                        }
                    };
                    return Some(Outcome::Errors(vec![RowError {
                        row,
                        column: String::new(),
                        code: Reason::TooLong { max: MAX_ROW_BYTES }.code().into(),
                        message,
                    }]));
                }
                Next::Row(row) => {
                    if self.source.is_blank() {
                        continue;
                    }
                    return Some(self.validate_row(row, today, lang, village_check));
                }
            }
        }
    }

    fn validate_row(
        &mut self,
        row: usize,
        today: NaiveDate,
        lang: Lang,
        village_check: &dyn Fn(&str) -> Option<Reason>,
    ) -> Outcome {
        let mut errors: Vec<RowError> = Vec::new();
        let err = |k: usize, code: &str, message: String| RowError {
            row,
            column: COLUMNS[k].header.to_string(),
            code: code.to_string(),
            message,
        };

        // Copy the cells into the reused buffers.
        let mut problem = [false; NCOLS];
        for (k, &src) in self.map.iter().enumerate() {
            let slot = match k {
                NAME => &mut self.input.name,
                RESIDENT_ID => &mut self.input.resident_id,
                SEX => &mut self.input.sex,
                BIRTH_DATE => &mut self.input.birth_date,
                PHONE => &mut self.input.phone,
                MARITAL_STATUS => &mut self.input.marital_status,
                VILLAGE_CODE => &mut self.input.village_code,
                RELATION => &mut self.input.relation,
                HOUSEHOLD_NUMBER => &mut self.household,
                _ => &mut self.address,
            };
            slot.clear();
            let Some(c) = src else { continue };
            if let Err(p) = self.source.fill(Some(k), c, slot) {
                slot.clear();
                problem[k] = true;
                errors.push(err(k, Reason::BadCharacter.code(), p.message(lang)));
            }
        }

        // The person's own fields.
        let mut bad = problem;
        let person = match self.input.validate(today) {
            Ok(p) => Some(p),
            Err(field_errors) => {
                for fe in field_errors {
                    match column_of_field(&fe.field) {
                        // Already reported: the cell could not be read.
                        Some(k) if problem[k] => {}
                        Some(k) => {
                            bad[k] = true;
                            errors.push(err(k, fe.reason.code(), fe.reason.message(lang)));
                        }
                        None => errors.push(RowError {
                            row,
                            column: String::new(),
                            code: fe.reason.code().into(),
                            message: format!("{}: {}", fe.field, fe.reason.message(lang)),
                        }),
                    }
                }
                None
            }
        };

        // The household number, required when a relation is given.
        let number = self.household.trim();
        let household_number = if number.is_empty() {
            if !problem[HOUSEHOLD_NUMBER] && !self.input.relation.trim().is_empty() {
                let r = Reason::Required;
                errors.push(err(HOUSEHOLD_NUMBER, r.code(), r.message(lang)));
            }
            None
        } else {
            match parse_household_number(number) {
                Ok(n) => Some(n),
                Err(r) => {
                    errors.push(err(HOUSEHOLD_NUMBER, r.code(), r.message(lang)));
                    None
                }
            }
        };

        let address = self.address.trim();
        if address.chars().count() > MAX_ADDRESS_CHARS {
            let r = Reason::TooLong {
                max: MAX_ADDRESS_CHARS,
            };
            errors.push(err(ADDRESS, r.code(), r.message(lang)));
        }

        // A well-formed village code the importer may not use.
        let village = self.input.village_code.trim();
        if !bad[VILLAGE_CODE]
            && !village.is_empty()
            && let Some(r) = village_check(village)
        {
            errors.push(err(VILLAGE_CODE, r.code(), r.message(lang)));
        }

        // The same ID number on an earlier row of this file.
        let key = match &person {
            Some(p) => id_key(&p.resident_id),
            None if !bad[RESIDENT_ID] => ResidentId::parse_on(&self.input.resident_id, today)
                .ok()
                .and_then(|id| id_key(&id)),
            None => None,
        };
        if let Some(key) = key {
            match self.seen.entry(key) {
                Entry::Occupied(first) => {
                    let first = *first.get();
                    let message = match lang {
                        Lang::Zh => format!("与本文件第 {first} 行的身份证号重复"),
                        Lang::En => format!("duplicates the ID number on row {first} of this file"),
                    };
                    errors.push(err(RESIDENT_ID, Reason::Duplicate.code(), message));
                }
                Entry::Vacant(v) => {
                    v.insert(row);
                }
            }
        }

        match person {
            Some(person) if errors.is_empty() => Outcome::Row(ImportRow {
                row,
                person,
                household_number,
                address: address.to_string(),
            }),
            _ => {
                // Report in the order of the documented columns.
                errors.sort_by_key(|e| {
                    COLUMNS
                        .iter()
                        .position(|c| c.header == e.column)
                        .map_or(0, |k| k + 1)
                });
                Outcome::Errors(errors)
            }
        }
    }
}

/// The errors of an import as a JSON array of `{row, column, code, message}`.
pub fn report_json(errors: &[RowError]) -> String {
    serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())
}

/// A CSV template for users to download: the header row and one synthetic
/// example row. It starts with a UTF-8 byte-order mark so that Excel on
/// Chinese Windows opens it with the right encoding, and uses CRLF line
/// ends.
pub fn template_csv() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
    let example = [
        "张晓梅",
        "11010519491231002X",
        "女",
        "1949-12-31",
        "13800000000",
        "初婚",
        "370404100201",
        "0001",
        "户主",
        "示例村一组 1 号",
    ];
    format!("\u{feff}{}\r\n{}\r\n", header.join(","), example.join(","))
}

#[cfg(test)]
mod tests;
