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

/// Why a cell could not even be turned into text for validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellProblem {
    /// CSV bytes that are not UTF-8 (a file mixing encodings).
    NotUtf8,
    /// An ID number stored as a number: Excel kept only 15 digits.
    NumericId,
}

impl CellProblem {
    fn message(self, lang: Lang) -> String {
        match (self, lang) {
            (CellProblem::NotUtf8, Lang::Zh) => {
                "含有无法识别的字符（文件编码有误？请另存为 UTF-8 编码的 CSV）".into()
            }
            (CellProblem::NotUtf8, Lang::En) => {
                "contains bytes that are not valid text (wrong encoding? save the file as CSV UTF-8)"
                    .into()
            }
            (CellProblem::NumericId, Lang::Zh) => {
                "身份证号被 Excel 存成了数字，后几位可能已经丢失；请把该列设为“文本”格式后重新录入"
                    .into()
            }
            (CellProblem::NumericId, Lang::En) => {
                "was stored by Excel as a number and may have lost digits; format the column as Text and re-enter it"
                    .into()
            }
        }
    }
}

/// What reading the next row of the source produced.
enum Next {
    /// A row, with its spreadsheet row number.
    Row(usize),
    /// A CSV row over the size limits; it was skipped.
    TooLong(usize),
    /// Reading failed; nothing more can be read.
    Failed(usize, io::Error),
    End,
}

/// Counts line breaks the way a spreadsheet does: `\r\n`, `\r` and `\n`
/// each end one line.
#[derive(Default)]
struct BreakCounter {
    breaks: u64,
    prev_cr: bool,
}

impl BreakCounter {
    #[inline]
    fn feed(&mut self, b: u8) -> bool {
        match b {
            b'\n' => {
                if !self.prev_cr {
                    self.breaks += 1;
                }
                self.prev_cr = false;
                true
            }
            b'\r' => {
                self.breaks += 1;
                self.prev_cr = true;
                true
            }
            _ => {
                self.prev_cr = false;
                false
            }
        }
    }

    fn count(bytes: &[u8]) -> u64 {
        let mut c = BreakCounter::default();
        for &b in bytes {
            c.feed(b);
        }
        c.breaks
    }
}

/// A streaming CSV source over UTF-8 bytes. It drives `csv_core` itself so
/// that it sees every byte consumed and can count spreadsheet rows exactly
/// (csv skips empty lines silently, and a quoted cell may span lines).
struct CsvSource {
    input: BufReader<Box<dyn Read + Send>>,
    core: csv_core::Reader,
    /// The current record's field bytes and field ends (relative to `out`).
    out: Vec<u8>,
    ends: Vec<usize>,
    nfields: usize,
    /// Line breaks consumed so far, and those inside quoted cells.
    lines: BreakCounter,
    embedded: u64,
    /// Whether the current record's bytes are valid (not an oversized row).
    valid: bool,
}

impl CsvSource {
    fn new(input: Box<dyn Read + Send>) -> Self {
        CsvSource {
            input: BufReader::with_capacity(64 * 1024, input),
            core: csv_core::ReaderBuilder::new().build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            nfields: 0,
            lines: BreakCounter::default(),
            embedded: 0,
            valid: false,
        }
    }

    fn current_row(&self) -> usize {
        usize::try_from(self.lines.breaks.saturating_sub(self.embedded) + 1).unwrap_or(usize::MAX)
    }

    fn next(&mut self) -> Next {
        let (mut olen, mut elen) = (0usize, 0usize);
        let mut row: Option<usize> = None;
        let mut overflow = false;
        self.nfields = 0;
        self.valid = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let at = row.unwrap_or_else(|| self.current_row());
                    return Next::Failed(at, e);
                }
            };
            let (res, nin, nout, nend) =
                self.core
                    .read_record(buf, &mut self.out[olen..], &mut self.ends[elen..]);
            for &b in &buf[..nin] {
                if !self.lines.feed(b) && row.is_none() {
                    // The first byte of the record's content: every line
                    // break before it ended a row, except those inside
                    // quoted cells of earlier records.
                    row = Some(
                        usize::try_from(self.lines.breaks.saturating_sub(self.embedded) + 1)
                            .unwrap_or(usize::MAX),
                    );
                }
            }
            self.input.consume(nin);
            olen += nout;
            elen += nend;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_ROW_BYTES {
                        // Keep parsing to find the row's end, discarding it.
                        overflow = true;
                        self.embedded += BreakCounter::count(&self.out[..olen]);
                        olen = 0;
                    } else {
                        let n = self.out.len() * 2;
                        self.out.resize(n, 0);
                    }
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        overflow = true;
                        elen = 0;
                    } else {
                        let n = self.ends.len() * 2;
                        self.ends.resize(n, 0);
                    }
                }
                csv_core::ReadRecordResult::Record => {
                    let row = row.unwrap_or_else(|| self.current_row());
                    if overflow {
                        self.embedded += BreakCounter::count(&self.out[..olen]);
                        return Next::TooLong(row);
                    }
                    self.nfields = elen;
                    self.valid = true;
                    let data = &self.out[..olen];
                    if data.iter().any(|&b| b == b'\n' || b == b'\r') {
                        for i in 0..elen {
                            self.embedded += BreakCounter::count(self.field(i));
                        }
                    }
                    return Next::Row(row);
                }
                csv_core::ReadRecordResult::End => return Next::End,
            }
        }
    }

    fn field(&self, i: usize) -> &[u8] {
        if !self.valid || i >= self.nfields {
            return &[];
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.out.get(start..self.ends[i]).unwrap_or(&[])
    }

    fn is_blank(&self) -> bool {
        let end = if self.nfields == 0 {
            0
        } else {
            self.ends[self.nfields - 1]
        };
        self.out
            .get(..end)
            .is_none_or(|d| d.iter().all(u8::is_ascii_whitespace))
    }
}

/// A worksheet held in memory by calamine.
struct SheetSource {
    range: Range<Data>,
    /// The spreadsheet row number of the range's first row.
    first_row: usize,
    /// The range-relative index of the current and of the next row.
    cur: usize,
    next: usize,
}

impl SheetSource {
    fn next(&mut self) -> Next {
        if self.next >= self.range.height() {
            return Next::End;
        }
        self.cur = self.next;
        self.next += 1;
        Next::Row(self.first_row + self.cur)
    }

    fn cell(&self, c: usize) -> Option<&Data> {
        self.range.get((self.cur, c))
    }

    fn is_blank(&self) -> bool {
        (0..self.range.width()).all(|c| match self.cell(c) {
            None | Some(Data::Empty) => true,
            Some(Data::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        })
    }
}

/// Writes a cell as the text a user would see, for the column `kind`.
fn cell_text(cell: &Data, kind: Option<usize>, out: &mut String) -> Result<(), CellProblem> {
    let numeric_id = kind == Some(RESIDENT_ID);
    match cell {
        Data::Empty => {}
        Data::String(s) => out.push_str(s),
        Data::Int(i) => {
            if numeric_id {
                return Err(CellProblem::NumericId);
            }
            let _ = write!(out, "{i}");
        }
        Data::Float(f) => {
            if numeric_id {
                return Err(CellProblem::NumericId);
            }
            if f.fract() == 0.0 && f.abs() < 1e15 {
                let _ = write!(out, "{}", *f as i64);
            } else {
                let _ = write!(out, "{f}");
            }
        }
        Data::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Data::DateTime(dt) => {
            if dt.is_datetime() {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                let _ = write!(out, "{y:04}-{m:02}-{d:02}");
            } else {
                let _ = write!(out, "{dt}");
            }
        }
        Data::DateTimeIso(s) => out.push_str(s.split('T').next().unwrap_or(s)),
        Data::DurationIso(s) => out.push_str(s),
        Data::Error(e) => {
            let _ = write!(out, "{e}");
        }
    }
    Ok(())
}

enum Source {
    Csv(Box<CsvSource>),
    Sheet(SheetSource),
}

impl Source {
    fn next(&mut self) -> Next {
        match self {
            Source::Csv(s) => s.next(),
            Source::Sheet(s) => s.next(),
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Source::Csv(s) => s.is_blank(),
            Source::Sheet(s) => s.is_blank(),
        }
    }

    fn width(&self) -> usize {
        match self {
            Source::Csv(s) => s.nfields,
            Source::Sheet(s) => s.range.width(),
        }
    }

    /// Appends the text of cell `c` of the current row, read for `kind`.
    fn fill(&self, kind: Option<usize>, c: usize, out: &mut String) -> Result<(), CellProblem> {
        match self {
            Source::Csv(s) => {
                let text = std::str::from_utf8(s.field(c)).map_err(|_| CellProblem::NotUtf8)?;
                out.push_str(text);
                Ok(())
            }
            Source::Sheet(s) => match s.cell(c) {
                Some(cell) => cell_text(cell, kind, out),
                None => Ok(()),
            },
        }
    }
}

/// Decodes a GB18030 (and so GBK and GB2312) byte stream into UTF-8 with
/// bounded buffers.
struct Gb18030Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    inbuf: Vec<u8>,
    in_start: usize,
    in_end: usize,
    in_eof: bool,
    outbuf: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> Gb18030Reader<R> {
    fn new(inner: R) -> Self {
        Gb18030Reader {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            inbuf: vec![0; 32 * 1024],
            in_start: 0,
            in_end: 0,
            in_eof: false,
            outbuf: vec![0; 64 * 1024],
            out_start: 0,
            out_end: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Gb18030Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.outbuf[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.finished || buf.is_empty() {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.in_eof {
                let n = self.inner.read(&mut self.inbuf)?;
                if n == 0 {
                    self.in_eof = true;
                }
                self.in_start = 0;
                self.in_end = n;
            }
            let (res, read, written, _) = self.decoder.decode_to_utf8(
                &self.inbuf[self.in_start..self.in_end],
                &mut self.outbuf,
                self.in_eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.in_eof && res == encoding_rs::CoderResult::InputEmpty {
                self.finished = true;
            }
        }
    }
}

/// Inspects the start of a CSV stream, picks its encoding and returns a
/// reader of UTF-8 bytes with any byte-order mark removed.
fn csv_source<R: Read + Send + 'static>(mut r: R) -> Result<CsvSource, FileError> {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    (&mut r).take(SNIFF_BYTES as u64).read_to_end(&mut prefix)?;
    if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(FileError::Malformed {
            format: "CSV",
            detail: "this is an Excel workbook; give it the .xlsx or .xls extension".into(),
        });
    }
    if prefix.starts_with(b"\xFF\xFE") || prefix.starts_with(b"\xFE\xFF") || prefix.contains(&0) {
        return Err(FileError::BadEncoding("UTF-16"));
    }
    let bom = if prefix.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let utf8 = match std::str::from_utf8(&prefix) {
        Ok(_) => true,
        // A multi-byte character cut off by the 64 KiB limit.
        Err(e) => e.error_len().is_none() && prefix.len() == SNIFF_BYTES,
    };
    let mut head = Cursor::new(prefix);
    head.set_position(bom);
    let stream = head.chain(r);
    let input: Box<dyn Read + Send> = if utf8 {
        Box::new(stream)
    } else {
        Box::new(Gb18030Reader::new(stream))
    };
    Ok(CsvSource::new(input))
}

/// Reads the first worksheet of a workbook into memory.
fn first_sheet<W, RS>(rs: RS, format: &'static str) -> Result<SheetSource, FileError>
where
    RS: Read + Seek,
    W: calamine::Reader<RS>,
    W::Error: std::fmt::Display,
{
    let malformed = |e: W::Error| FileError::Malformed {
        format,
        detail: e.to_string(),
    };
    let mut book = W::new(rs).map_err(malformed)?;
    let range = match book.worksheet_range_at(0) {
        None => return Err(FileError::Empty),
        Some(r) => r.map_err(malformed)?,
    };
    let first_row = match range.start() {
        Some((r, _)) => usize::try_from(r).unwrap_or(usize::MAX).saturating_add(1),
        None => return Err(FileError::Empty),
    };
    Ok(SheetSource {
        range,
        first_row,
        cur: 0,
        next: 0,
    })
}

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
mod tests {
    use super::*;
    use std::error::Error;

    type TestResult = Result<(), Box<dyn Error>>;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// A valid synthetic ID number.
    fn id(birth: NaiveDate, seq: u16) -> String {
        ResidentId::compose("370404", birth, seq)
            .map(|i| i.as_str().to_string())
            .unwrap_or_default()
    }

    fn check(code: &str) -> Option<Reason> {
        match code {
            "370404100299" => Some(Reason::UnknownOrg),
            "370405100201" => Some(Reason::OutOfScope),
            _ => None,
        }
    }

    fn read_all(r: &mut Reader, lang: Lang) -> Vec<Outcome> {
        let mut v = Vec::new();
        while let Some(o) = r.next_outcome(today(), lang, &check) {
            v.push(o);
        }
        v
    }

    fn csv(text: &str) -> Result<Vec<Outcome>, FileError> {
        let mut r = Reader::from_bytes("persons.csv", text.as_bytes().to_vec())?;
        Ok(read_all(&mut r, Lang::Zh))
    }

    /// (row, column, code) of every error, in order.
    fn errors(outcomes: &[Outcome]) -> Vec<(usize, String, String)> {
        outcomes
            .iter()
            .flat_map(|o| match o {
                Outcome::Errors(es) => es
                    .iter()
                    .map(|e| (e.row, e.column.clone(), e.code.clone()))
                    .collect(),
                Outcome::Row(_) => Vec::new(),
            })
            .collect()
    }

    fn rows(outcomes: &[Outcome]) -> Vec<&ImportRow> {
        outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Row(r) => Some(r),
                Outcome::Errors(_) => None,
            })
            .collect()
    }

    fn e(row: usize, column: &str, code: &str) -> (usize, String, String) {
        (row, column.to_string(), code.to_string())
    }

    #[test]
    fn columns_table() {
        assert_eq!(COLUMNS.len(), NCOLS);
        assert_eq!(COLUMNS[RESIDENT_ID].header, "身份证号");
        assert_eq!(COLUMNS[HOUSEHOLD_NUMBER].alias, "household_number");
        let required: Vec<_> = COLUMNS
            .iter()
            .filter(|c| c.required)
            .map(|c| c.header)
            .collect();
        assert_eq!(required, vec!["姓名", "身份证号", "村代码"]);
    }

    #[test]
    fn bom_and_shuffled_chinese_headers() -> TestResult {
        let text = "\u{feff}村代码, 身份证号 ,姓名,备注,户编号,与户主关系,性别,住址\n\
                    370404100201,11010519491231002x,张晓梅,随便写,0001,户主,女, 光明路 1 号 \n";
        let out = csv(text)?;
        assert_eq!(out.len(), 1);
        let r = rows(&out);
        assert_eq!(r.len(), 1, "{out:?}");
        let r = r[0];
        assert_eq!(r.row, 2);
        assert_eq!(r.person.name.as_str(), "张晓梅");
        assert_eq!(r.person.resident_id.as_str(), "11010519491231002X");
        assert_eq!(r.person.village_code.as_str(), "370404100201");
        assert_eq!(r.person.sex, crate::person::Sex::Female);
        assert_eq!(r.person.relation, Some(crate::person::Relation::Head));
        assert_eq!(r.household_number.as_deref(), Some("0001"));
        assert_eq!(r.address, "光明路 1 号");
        Ok(())
    }

    #[test]
    fn english_aliases() -> TestResult {
        let text = format!(
            "Village_Code,NAME,resident_id,phone,marital_status,birth_date,Household_Number,relation,address,sex\r\n\
             370404100201,李建国,{},138 1234 5678,已婚,1980-05-05,12-3,配偶,,男\r\n",
            id(date(1980, 5, 5), 101)
        );
        let out = csv(&text)?;
        let r = rows(&out);
        assert_eq!(r.len(), 1, "{out:?}");
        assert_eq!(r[0].row, 2);
        assert_eq!(
            r[0].person.phone.as_ref().map(|p| p.as_str()),
            Some("13812345678")
        );
        assert_eq!(
            r[0].person.marital_status,
            Some(crate::person::MaritalStatus::FirstMarriage)
        );
        assert_eq!(r[0].household_number.as_deref(), Some("12-3"));
        assert_eq!(r[0].address, "");
        Ok(())
    }

    #[test]
    fn missing_required_columns_are_named() {
        let err = csv("姓名,性别\n张三,男\n").err();
        match &err {
            Some(FileError::MissingColumns(cols)) => assert_eq!(cols, &vec!["身份证号", "村代码"]),
            other => panic!("expected MissingColumns, got {other:?}"),
        }
        let err = err.map(|e| (e.message(Lang::Zh), e.message(Lang::En), e.code()));
        let (zh, en, code) = err.unwrap_or_default();
        assert!(zh.contains("身份证号") && zh.contains("村代码"), "{zh}");
        assert!(en.contains("村代码 (village_code)"), "{en}");
        assert_eq!(code, "missing_columns");
    }

    #[test]
    fn file_level_errors() {
        let code = |r: Result<Reader, FileError>| r.err().map(|e| e.code());
        assert_eq!(
            code(Reader::from_bytes("a.txt", b"x".to_vec())),
            Some("unknown_format")
        );
        assert_eq!(
            code(Reader::from_bytes("noext", Vec::new())),
            Some("unknown_format")
        );
        assert_eq!(code(Reader::from_bytes("a.csv", Vec::new())), Some("empty"));
        assert_eq!(
            code(Reader::from_bytes("a.CSV", b"\n\r\n,, ,\n".to_vec())),
            Some("empty")
        );
        assert_eq!(
            code(Reader::from_bytes(
                "a.csv",
                b"name,\xE5\xA7\x93\xE5\x90\x8D,x\n".to_vec()
            )),
            Some("duplicate_column")
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("姓名".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            code(Reader::from_bytes("a.csv", utf16)),
            Some("bad_encoding")
        );
        assert_eq!(
            code(Reader::from_bytes("a.csv", b"PK\x03\x04rest".to_vec())),
            Some("malformed")
        );
        assert_eq!(
            code(Reader::from_bytes("a.xlsx", b"not a zip".to_vec())),
            Some("malformed")
        );
        assert_eq!(
            code(Reader::from_bytes("a.xls", b"not a workbook".to_vec())),
            Some("malformed")
        );
        let missing = std::env::temp_dir().join("hearth-import-does-not-exist.csv");
        assert_eq!(code(Reader::open(&missing)), Some("unreadable"));
        let e = FileError::Empty;
        assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
    }

    #[test]
    fn bad_rows_are_reported_with_row_and_column() -> TestResult {
        let a = id(date(1985, 3, 1), 102); // female
        let male = id(date(1990, 7, 7), 13);
        let c = id(date(2001, 1, 2), 24);
        let lines = [
            "姓名,身份证号,性别,联系电话,村代码,户编号,与户主关系,住址".to_string(),
            format!("王芳,{a},女,13900001111,370404100201,0001,户主,"), // 2 ok
            "赵六,110105194912310021,,,370404100201,,,".to_string(),    // 3 checksum
            format!("孙七,{male},女,,370404100201,,,"),                 // 4 sex
            format!("周八,{c},,12345,370404100201,,,"),                 // 5 phone
            format!("吴九,{},,,370404100299,,,", id(date(1970, 1, 1), 35)), // 6 village
            ",,,,,,,".to_string(),                                      // 7 blank
            String::new(),                                              // 8 empty line
            format!("郑十,{a},,,370404100201,,,"),                      // 9 duplicate of 2
            format!("钱一,{},,,370404100201,,配偶,", id(date(1972, 2, 2), 46)), // 10
            format!(
                "冯二,{},,,370405100201,0002,,\"光明路\n1 号\"",
                id(date(1973, 3, 3), 57)
            ), // 11 (two lines), out of scope
            format!("陈三,{},,bad,370404100201,,,", id(date(1974, 4, 4), 68)), // 12 phone
            "   ".to_string(),                                          // 13 blank
            format!("褚四,{},,,370404100201,0003,子,", id(date(2010, 4, 4), 79)), // 14 ok
        ];
        let expected = vec![
            e(3, "身份证号", "bad_checksum"),
            e(4, "性别", "sex_mismatch"),
            e(5, "联系电话", "bad_phone"),
            e(6, "村代码", "unknown_org"),
            e(9, "身份证号", "duplicate"),
            e(10, "户编号", "required"),
            e(11, "村代码", "out_of_scope"),
            e(12, "联系电话", "bad_phone"),
        ];
        for (eol, trailing) in [("\n", "\n"), ("\r\n", "\r\n"), ("\r\n", ""), ("\r", "")] {
            let text = lines.join(eol) + trailing;
            let out = csv(&text)?;
            assert_eq!(errors(&out), expected, "line ends {eol:?}");
            let ok: Vec<usize> = rows(&out).iter().map(|r| r.row).collect();
            assert_eq!(ok, vec![2, 14], "line ends {eol:?}");
            assert_eq!(out.len(), 10);
        }
        // The duplicate's message names the first row, in both languages.
        let text = lines.join("\n");
        let mut r = Reader::from_bytes("p.csv", text.clone().into_bytes())?;
        let zh = read_all(&mut r, Lang::Zh);
        let mut r = Reader::from_bytes("p.csv", text.into_bytes())?;
        let en = read_all(&mut r, Lang::En);
        let dup = |o: &[Outcome]| -> Vec<String> {
            o.iter()
                .flat_map(|o| match o {
                    Outcome::Errors(es) => es.clone(),
                    Outcome::Row(_) => Vec::new(),
                })
                .filter(|e| e.code == "duplicate")
                .map(|e| e.message)
                .collect()
        };
        assert_eq!(dup(&zh), vec!["与本文件第 2 行的身份证号重复".to_string()]);
        assert_eq!(
            dup(&en),
            vec!["duplicates the ID number on row 2 of this file".to_string()]
        );
        Ok(())
    }

    #[test]
    fn all_errors_of_a_row_are_collected() -> TestResult {
        let text = format!(
            "姓名,身份证号,出生日期,联系电话,村代码,户编号,与户主关系,住址\n\
             Tom,{},1990-01-01,123,370404100299,一,邻居,{}\n\
             李四,{},,,3704041002,,,\n",
            id(date(1985, 3, 1), 102),
            "长".repeat(101),
            id(date(1985, 3, 1), 102),
        );
        let out = csv(&text)?;
        assert_eq!(
            errors(&out),
            vec![
                e(2, "姓名", "bad_name"),
                e(2, "出生日期", "birth_date_mismatch"),
                e(2, "联系电话", "bad_phone"),
                e(2, "村代码", "unknown_org"),
                e(2, "户编号", "bad_character"),
                e(2, "与户主关系", "unknown_value"),
                e(2, "住址", "too_long"),
                // The ID of a row with other errors still counts as seen.
                e(3, "身份证号", "duplicate"),
                e(3, "村代码", "bad_org_code"),
            ]
        );
        Ok(())
    }

    #[test]
    fn gbk_csv_is_decoded() -> TestResult {
        let text = format!(
            "姓名,身份证号,村代码,住址,婚姻状况\r\n张晓梅,11010519491231002X,370404100201,山东省枣庄市峄城区,丧偶\r\n\
             欧阳·娜,{},370404100201,“东关”街 €,未婚\r\n",
            id(date(1999, 9, 9), 2)
        );
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        let mut r = Reader::from_bytes("gbk.csv", bytes.into_owned())?;
        let out = read_all(&mut r, Lang::Zh);
        let r = rows(&out);
        assert_eq!(r.len(), 2, "{out:?}");
        assert_eq!(r[0].person.name.as_str(), "张晓梅");
        assert_eq!(r[0].address, "山东省枣庄市峄城区");
        assert_eq!(r[1].person.name.as_str(), "欧阳·娜");
        assert_eq!(r[1].address, "“东关”街 €");
        assert_eq!(r[1].row, 3);

        // Plain GBK (a strict subset) and a file larger than the sniffed
        // prefix, so decoding crosses buffer boundaries.
        let mut big = String::from("姓名,身份证号,村代码,住址\n");
        for i in 0..3000u16 {
            let _ = writeln!(
                big,
                "张晓梅,{},370404100201,第{i}号院",
                id(date(1960, 1, 1) + chrono::Duration::days(i64::from(i)), 1)
            );
        }
        let (bytes, _, _) = encoding_rs::GBK.encode(&big);
        assert!(bytes.len() > SNIFF_BYTES);
        let mut r = Reader::from_bytes("gbk.csv", bytes.into_owned())?;
        let out = read_all(&mut r, Lang::Zh);
        let r = rows(&out);
        assert_eq!(r.len(), 3000);
        assert_eq!(r[2999].address, "第2999号院");
        assert_eq!(r[2999].row, 3001);
        Ok(())
    }

    #[test]
    fn invalid_utf8_cell_in_a_utf8_file() -> TestResult {
        // Enough blank rows that the GBK bytes come after the sniffed prefix.
        let blank = ",,\n";
        let blanks = SNIFF_BYTES / blank.len() + 1;
        let mut bytes = "姓名,身份证号,村代码\n".as_bytes().to_vec();
        bytes.extend_from_slice(blank.repeat(blanks).as_bytes());
        bytes.extend_from_slice(b"\xD5\xC5,"); // 张 in GBK
        bytes.extend_from_slice(id(date(1999, 9, 9), 2).as_bytes());
        bytes.extend_from_slice(
            ",370404100201\n张晓梅,11010519491231002X,370404100201\n".as_bytes(),
        );
        let mut r = Reader::from_bytes("mixed.csv", bytes)?;
        let out = read_all(&mut r, Lang::En);
        assert_eq!(errors(&out), vec![e(blanks + 2, "姓名", "bad_character")]);
        let ok: Vec<usize> = rows(&out).iter().map(|r| r.row).collect();
        assert_eq!(ok, vec![blanks + 3]);
        Ok(())
    }

    #[test]
    fn xlsx_fixture() -> TestResult {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let headers = [
            "身份证号",
            "姓名",
            "联系电话",
            "出生日期",
            "村代码",
            "户编号",
            "与户主关系",
            "备注",
        ];
        for (c, h) in (0u16..).zip(headers) {
            sheet.write_string(0, c, h)?;
        }
        let dates = Format::new().set_num_format("yyyy-mm-dd");
        // Row 2: ID as text, phone and village code as numbers, a real date.
        sheet.write_string(1, 0, "11010519491231002X")?;
        sheet.write_string(1, 1, "张晓梅")?;
        sheet.write_number(1, 2, 13812345678.0)?;
        sheet.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(1949, 12, 31)?, &dates)?;
        sheet.write_number(1, 4, 370404100201.0)?;
        sheet.write_string(1, 5, "0007")?;
        sheet.write_string(1, 6, "户主")?;
        sheet.write_number(1, 7, 1.5)?;
        // Row 3 left blank; row 4: the ID typed as a number.
        sheet.write_number(3, 0, 110105194912310000.0)?;
        sheet.write_string(3, 1, "李四")?;
        sheet.write_string(3, 4, "370404100201")?;
        // Row 5: a text date that disagrees with the ID.
        sheet.write_string(4, 0, id(date(1980, 5, 5), 101))?;
        sheet.write_string(4, 1, "王五")?;
        sheet.write_string(4, 3, "1980-05-06")?;
        sheet.write_string(4, 4, "370404100201")?;
        let bytes = book.save_to_buffer()?;

        let mut r = Reader::from_bytes("人口.XLSX", bytes.clone())?;
        let out = read_all(&mut r, Lang::Zh);
        let ok = rows(&out);
        assert_eq!(ok.len(), 1, "{out:?}");
        assert_eq!(ok[0].row, 2);
        assert_eq!(ok[0].person.resident_id.as_str(), "11010519491231002X");
        assert_eq!(
            ok[0].person.phone.as_ref().map(|p| p.as_str()),
            Some("13812345678")
        );
        assert_eq!(ok[0].person.birth_date, date(1949, 12, 31));
        assert_eq!(ok[0].person.village_code.as_str(), "370404100201");
        assert_eq!(ok[0].household_number.as_deref(), Some("0007"));
        assert_eq!(
            errors(&out),
            vec![
                e(4, "身份证号", "bad_character"),
                e(5, "出生日期", "birth_date_mismatch"),
            ]
        );

        // The same workbook through a file on disk.
        let path = temp_path("xlsx");
        std::fs::write(&path, &bytes)?;
        let read = Reader::open(&path).map(|mut r| read_all(&mut r, Lang::Zh));
        let _ = std::fs::remove_file(&path);
        assert_eq!(read?, out);
        Ok(())
    }

    #[test]
    fn oversized_row_is_skipped() -> TestResult {
        let text = format!(
            "姓名,身份证号,村代码\n{},x,y\n张晓梅,11010519491231002X,370404100201\n",
            "长".repeat(MAX_ROW_BYTES / 2)
        );
        let out = csv(&text)?;
        assert_eq!(errors(&out), vec![e(2, "", "too_long")]);
        assert_eq!(
            rows(&out).iter().map(|r| r.row).collect::<Vec<_>>(),
            vec![3]
        );
        Ok(())
    }

    #[test]
    fn report_json_shape() -> TestResult {
        let errs = vec![
            RowError {
                row: 3,
                column: "身份证号".into(),
                code: "bad_checksum".into(),
                message: "校验码错误，请核对号码".into(),
            },
            RowError {
                row: 7,
                column: String::new(),
                code: "too_long".into(),
                message: "x\"y".into(),
            },
        ];
        let v: serde_json::Value = serde_json::from_str(&report_json(&errs))?;
        assert_eq!(
            v,
            serde_json::json!([
                {"row": 3, "column": "身份证号", "code": "bad_checksum", "message": "校验码错误，请核对号码"},
                {"row": 7, "column": "", "code": "too_long", "message": "x\"y"},
            ])
        );
        assert_eq!(report_json(&[]), "[]");
        Ok(())
    }

    #[test]
    fn template_is_valid() -> TestResult {
        let t = template_csv();
        let header = t
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or("");
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
        assert_eq!(header, names.join(","));
        let mut r = Reader::from_bytes("template.csv", t.into_bytes())?;
        let out = read_all(&mut r, Lang::Zh);
        let ok = rows(&out);
        assert_eq!(out.len(), 1);
        assert_eq!(ok.len(), 1, "{out:?}");
        assert_eq!(ok[0].person.resident_id.as_str(), "11010519491231002X");
        assert_eq!(ok[0].person.village_code.as_str(), "370404100201");
        Ok(())
    }

    #[test]
    fn reader_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Reader>();
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_csv_never_panics(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            gbk in proptest::prelude::any::<bool>(),
        ) {
            let mut bytes = "姓名,身份证号,村代码,户编号,与户主关系\n".as_bytes().to_vec();
            if gbk {
                bytes.extend_from_slice(b"\xD5\xC5");
            }
            bytes.extend_from_slice(&body);
            if let Ok(mut r) = Reader::from_bytes("f.csv", bytes) {
                let mut last = 1;
                while let Some(o) = r.next_outcome(today(), Lang::En, &check) {
                    let row = match &o {
                        Outcome::Row(r) => r.row,
                        Outcome::Errors(es) => es.first().map_or(0, |e| e.row),
                    };
                    proptest::prop_assert!(row > last);
                    last = row;
                }
            }
        }
    }

    fn temp_path(ext: &str) -> std::path::PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        std::env::temp_dir().join(format!(
            "hearth-import-{}-{nanos}-{}.{ext}",
            std::process::id(),
            fastrand::u64(..)
        ))
    }

    /// Throughput of reading and validating a 200 000-row CSV file:
    /// `cargo test --release -p hearth-core import -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput_200k_rows() -> TestResult {
        use std::io::Write as _;
        const N: usize = 200_000;
        let path = temp_path("csv");
        {
            let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
            writeln!(
                w,
                "姓名,身份证号,性别,出生日期,联系电话,婚姻状况,村代码,户编号,与户主关系,住址"
            )?;
            let names = ["张晓梅", "李建国", "王芳", "欧阳·娜", "赵德柱", "陈静"];
            let first = date(1950, 1, 1);
            for i in 0..N {
                let days = i64::try_from(i % 18_000).unwrap_or_default();
                let seq = u16::try_from(i / 18_000).unwrap_or_default();
                let birth = first + chrono::Duration::days(days);
                let rid = ResidentId::compose("370404", birth, seq).ok_or("compose failed")?;
                writeln!(
                    w,
                    "{},{},{},{},138{:08},初婚,370404100201,{:04},户主,峄城区光明路 {} 号",
                    names[i % names.len()],
                    rid,
                    rid.sex().label_zh(),
                    birth.format("%Y-%m-%d"),
                    i,
                    i / 4,
                    i
                )?;
            }
            w.flush()?;
        }
        let size = std::fs::metadata(&path)?.len();
        let started = std::time::Instant::now();
        let result = (|| -> Result<(usize, usize), FileError> {
            let mut r = Reader::open(&path)?;
            let (mut ok, mut bad) = (0, 0);
            let known = |_: &str| -> Option<Reason> { None };
            while let Some(o) = r.next_outcome(today(), Lang::Zh, &known) {
                match o {
                    Outcome::Row(_) => ok += 1,
                    Outcome::Errors(_) => bad += 1,
                }
            }
            Ok((ok, bad))
        })();
        let elapsed = started.elapsed();
        let _ = std::fs::remove_file(&path);
        let (ok, bad) = result?;
        let rate = N as f64 / elapsed.as_secs_f64();
        println!(
            "import: {N} rows ({:.1} MB) read and validated in {:.3} s: {rate:.0} rows/s",
            size as f64 / 1e6,
            elapsed.as_secs_f64()
        );
        assert_eq!((ok, bad), (N, 0));
        Ok(())
    }
}
