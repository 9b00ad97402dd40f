//! The Excel workbooks the statistics and follow-up screens export: one
//! sheet with a title row, a bold header row, one row per line and a bold
//! total row; counts and amounts written as numbers, shares as
//! percentage-formatted numbers. Also the download response and the audit
//! entry every export writes first.

use crate::error::WebError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hearth_core::scope::Scope;
use hearth_store::Db;
use hearth_store::audit::{self, Action};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The xlsx media type.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell of a data row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Num(i64),
    /// A fraction shown as a percentage (`0.875` → `87.5%`).
    Pct(f64),
    Empty,
}

/// A one-sheet table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    /// The sheet's tab name (at most 31 characters, no `[]:*?/\`).
    pub name: String,
    pub title: String,
    /// A line under the title (e.g. the amounts in force); empty for none.
    pub note: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<Vec<Cell>>,
}

fn xerr(e: XlsxError) -> WebError {
    WebError::Server(format!("xlsx: {e}"))
}

/// A sheet name Excel accepts.
fn sheet_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".to_string()
    } else {
        clean
    }
}

/// The workbook's bytes.
pub(crate) fn workbook(sheet: &Sheet) -> Result<Vec<u8>, WebError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&sheet.name)).map_err(xerr)?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let pct_bold = Format::new().set_num_format("0.0%").set_bold();
    ws.write_string_with_format(0, 0, &sheet.title, &title)
        .map_err(xerr)?;
    let mut row: u32 = 1;
    if !sheet.note.is_empty() {
        ws.write_string(row, 0, &sheet.note).map_err(xerr)?;
        row += 1;
    }
    for (c, h) in sheet.headers.iter().enumerate() {
        let c = col(c)?;
        ws.write_string_with_format(row, c, h, &bold)
            .map_err(xerr)?;
        let width = h.chars().count().max(6) as f64 * 2.0 + 2.0;
        ws.set_column_width(c, width.min(40.0)).map_err(xerr)?;
    }
    row += 1;
    let mut put = |row: u32, cells: &[Cell], strong: bool| -> Result<(), WebError> {
        for (c, cell) in cells.iter().enumerate() {
            let c = col(c)?;
            match cell {
                Cell::Text(s) if strong => ws.write_string_with_format(row, c, s, &bold),
                Cell::Text(s) => ws.write_string(row, c, s),
                Cell::Num(n) if strong => ws.write_number_with_format(row, c, *n as f64, &bold),
                Cell::Num(n) => ws.write_number(row, c, *n as f64),
                Cell::Pct(v) if strong => ws.write_number_with_format(row, c, *v, &pct_bold),
                Cell::Pct(v) => ws.write_number_with_format(row, c, *v, &pct),
                Cell::Empty => continue,
            }
            .map_err(xerr)?;
        }
        Ok(())
    };
    for r in &sheet.rows {
        put(row, r, false)?;
        row += 1;
    }
    if let Some(t) = &sheet.total {
        put(row, t, true)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

fn col(c: usize) -> Result<u16, WebError> {
    u16::try_from(c).map_err(|_| WebError::Server("xlsx: too many columns".into()))
}

/// Records an export of `what` (a report name) with its parameters, in its
/// own transaction, before the file leaves.
pub(crate) fn record_export(
    db: &Db,
    scope: &Scope,
    what: &str,
    detail: &str,
) -> Result<(), hearth_store::StoreError> {
    db.write(|tx| audit::record(tx, scope, Action::Export, what, None, Some(detail)))
}

/// The download: the xlsx content type and an attachment filename (ASCII
/// fallback plus the UTF-8 name).
pub(crate) fn download(bytes: Vec<u8>, ascii_name: &str, utf8_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
                    crate::register::encode(utf8_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_workbook() {
        let s = Sheet {
            name: "2026年10月".into(),
            title: "古邵镇 2026年10月".into(),
            note: String::new(),
            headers: vec!["村".into(), "数".into()],
            rows: vec![vec![
                Cell::Text("=1+1".into()),
                Cell::Num(3),
                Cell::Pct(0.5),
            ]],
            total: Some(vec![Cell::Text("合计".into()), Cell::Num(3), Cell::Empty]),
        };
        let bytes = workbook(&s).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"), "a zip file");
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(sheet_name(""), "Sheet1");
    }
}
