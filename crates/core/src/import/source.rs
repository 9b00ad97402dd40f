//! The sources an import file is read from: a streaming CSV reader that
//! counts spreadsheet rows exactly (UTF-8, or GBK through a decoding
//! reader), and the first sheet of a workbook.

use super::*;

/// Why a cell could not even be turned into text for validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CellProblem {
    /// CSV bytes that are not UTF-8 (a file mixing encodings).
    NotUtf8,
    /// An ID number stored as a number: Excel kept only 15 digits.
    NumericId,
}

impl CellProblem {
    pub(super) fn message(self, lang: Lang) -> String {
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
pub(super) enum Next {
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
pub(super) struct BreakCounter {
    breaks: u64,
    prev_cr: bool,
}

impl BreakCounter {
    #[inline]
    pub(super) fn feed(&mut self, b: u8) -> bool {
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

    pub(super) fn count(bytes: &[u8]) -> u64 {
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
pub(super) struct CsvSource {
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
    pub(super) fn new(input: Box<dyn Read + Send>) -> Self {
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

    pub(super) fn current_row(&self) -> usize {
        usize::try_from(self.lines.breaks.saturating_sub(self.embedded) + 1).unwrap_or(usize::MAX)
    }

    pub(super) fn next(&mut self) -> Next {
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

    pub(super) fn field(&self, i: usize) -> &[u8] {
        if !self.valid || i >= self.nfields {
            return &[];
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.out.get(start..self.ends[i]).unwrap_or(&[])
    }

    pub(super) fn is_blank(&self) -> bool {
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
pub(super) struct SheetSource {
    range: Range<Data>,
    /// The spreadsheet row number of the range's first row.
    first_row: usize,
    /// The range-relative index of the current and of the next row.
    cur: usize,
    next: usize,
}

impl SheetSource {
    pub(super) fn next(&mut self) -> Next {
        if self.next >= self.range.height() {
            return Next::End;
        }
        self.cur = self.next;
        self.next += 1;
        Next::Row(self.first_row + self.cur)
    }

    pub(super) fn cell(&self, c: usize) -> Option<&Data> {
        self.range.get((self.cur, c))
    }

    pub(super) fn is_blank(&self) -> bool {
        (0..self.range.width()).all(|c| match self.cell(c) {
            None | Some(Data::Empty) => true,
            Some(Data::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        })
    }
}

/// Writes a cell as the text a user would see, for the column `kind`.
pub(super) fn cell_text(
    cell: &Data,
    kind: Option<usize>,
    out: &mut String,
) -> Result<(), CellProblem> {
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

pub(super) enum Source {
    Csv(Box<CsvSource>),
    Sheet(SheetSource),
}

impl Source {
    pub(super) fn next(&mut self) -> Next {
        match self {
            Source::Csv(s) => s.next(),
            Source::Sheet(s) => s.next(),
        }
    }

    pub(super) fn is_blank(&self) -> bool {
        match self {
            Source::Csv(s) => s.is_blank(),
            Source::Sheet(s) => s.is_blank(),
        }
    }

    pub(super) fn width(&self) -> usize {
        match self {
            Source::Csv(s) => s.nfields,
            Source::Sheet(s) => s.range.width(),
        }
    }

    /// Appends the text of cell `c` of the current row, read for `kind`.
    pub(super) fn fill(
        &self,
        kind: Option<usize>,
        c: usize,
        out: &mut String,
    ) -> Result<(), CellProblem> {
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
pub(super) struct Gb18030Reader<R> {
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
    pub(super) fn new(inner: R) -> Self {
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
pub(super) fn csv_source<R: Read + Send + 'static>(mut r: R) -> Result<CsvSource, FileError> {
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
pub(super) fn first_sheet<W, RS>(rs: RS, format: &'static str) -> Result<SheetSource, FileError>
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
