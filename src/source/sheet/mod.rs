//! Spreadsheets (XLSX, XLSM, XLSB, XLS, ODS) read with calamine, one worksheet row at a time.
//!
//! Cells become the text a person would type for them (see `cell.rs`), so that the mapping
//! stage treats a sheet like a CSV file: numbers without float noise, dates as ISO
//! `YYYY-MM-DD` whatever the cell's display format.

mod cell;
mod rows;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use calamine::{Data, Reader, open_workbook_auto};
use csv::StringRecord;

use super::{BadRecord, Record};
use rows::{Row, Rows};

/// Which worksheet to read and where its header is.
#[derive(Debug, Clone, Default)]
pub struct SheetOptions {
    /// The worksheet by name; the first one when absent.
    pub sheet: Option<String>,
    /// 1-based row of the header (default 1); the rows above it are ignored.
    pub header_row: Option<u32>,
}

pub struct SheetSource {
    path: PathBuf,
    sheet: String,
    header: Vec<String>,
    rows: Rows,
}

impl SheetSource {
    /// Opens the workbook, picks the worksheet and reads its header row.
    pub fn open(path: &Path, options: &SheetOptions) -> Result<SheetSource> {
        let header_row = options.header_row.unwrap_or(1);
        if header_row == 0 {
            bail!(
                "`{}`: header row 0 is not a row, rows are numbered from 1",
                path.display()
            );
        }
        let workbook = open_workbook_auto(path)
            .with_context(|| format!("cannot open spreadsheet `{}`", path.display()))?;
        let sheet = pick_sheet(path, &workbook.sheet_names(), options.sheet.as_deref())?;
        let rows = Rows::open(workbook, &sheet)
            .with_context(|| format!("cannot read sheet `{sheet}` of `{}`", path.display()))?;
        let mut source = SheetSource {
            path: path.to_path_buf(),
            sheet,
            header: Vec::new(),
            rows,
        };
        source.header = source.read_header(header_row)?;
        Ok(source)
    }

    /// The names of the worksheets, in workbook order.
    pub fn sheet_names(path: &Path) -> Result<Vec<String>> {
        let workbook = open_workbook_auto(path)
            .with_context(|| format!("cannot open spreadsheet `{}`", path.display()))?;
        Ok(workbook.sheet_names())
    }

    /// The worksheet being read.
    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// The trimmed header cells, up to the last non-empty one.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next non-empty row: `Ok(Ok)` a good one, `Ok(Err)` a row to reject, `Err` the
    /// file broke.
    pub fn next_record(&mut self) -> Result<Option<Result<Record, BadRecord>>> {
        while let Some(row) = self.next_row()? {
            let texts: Vec<String> = row.cells.iter().map(cell::text).collect();
            if texts.iter().any(|text| !text.is_empty()) {
                return Ok(Some(self.record(&row, texts)));
            }
        }
        Ok(None)
    }

    fn next_row(&mut self) -> Result<Option<Row>> {
        self.rows.next().with_context(|| {
            format!(
                "cannot read sheet `{}` of `{}`",
                self.sheet,
                self.path.display()
            )
        })
    }

    /// Skips to `header_row` and returns its trimmed cells, up to the last non-empty one.
    fn read_header(&mut self, header_row: u32) -> Result<Vec<String>> {
        let mut last = 0;
        let row = loop {
            match self.next_row()? {
                Some(row) if row.index + 1 < header_row => last = row.index + 1,
                Some(row) if row.index + 1 == header_row => break row,
                Some(_) => bail!(
                    "sheet `{}` of `{}`: header row {header_row} is empty",
                    self.sheet,
                    self.path.display()
                ),
                None if last == 0 => bail!(
                    "sheet `{}` of `{}` is empty: no header row {header_row}",
                    self.sheet,
                    self.path.display()
                ),
                None => bail!(
                    "sheet `{}` of `{}` has no header row {header_row}: its last row is {last}",
                    self.sheet,
                    self.path.display()
                ),
            }
        };
        if let Some(reason) = self.error_cell(&row) {
            bail!("`{}`: {reason} in the header row", self.path.display());
        }
        let mut header: Vec<String> = row
            .cells
            .iter()
            .map(|value| cell::text(value).trim().to_string())
            .collect();
        let width = header
            .iter()
            .rposition(|name| !name.is_empty())
            .map_or(0, |last| last + 1);
        if width == 0 {
            bail!(
                "sheet `{}` of `{}`: header row {header_row} is empty",
                self.sheet,
                self.path.display()
            );
        }
        header.truncate(width);
        Ok(header)
    }

    /// A record padded to the header width, or the reason to reject the row.
    fn record(&self, row: &Row, mut texts: Vec<String>) -> Result<Record, BadRecord> {
        let line = u64::from(row.index) + 1;
        let width = self.header.len();
        let reason = self.reject_reason(row, &texts);
        if texts.len() < width {
            texts.resize(width, String::new());
        }
        match reason {
            Some(reason) => Err(BadRecord {
                line,
                cells: texts.iter().map(|text| text.replace('\0', "")).collect(),
                reason,
            }),
            None => {
                texts.truncate(width);
                Ok(Record {
                    line,
                    cells: StringRecord::from(texts),
                })
            }
        }
    }

    /// Why the row cannot be imported as it is, if it cannot.
    fn reject_reason(&self, row: &Row, texts: &[String]) -> Option<String> {
        let line = row.index + 1;
        if let Some(reason) = self.error_cell(row) {
            return Some(reason);
        }
        // PostgreSQL cannot store a NUL character in text; no CRM field needs one.
        if let Some(column) = texts.iter().position(|text| text.contains('\0')) {
            return Some(format!(
                "sheet `{}` cell {}{line} contains a NUL character",
                self.sheet,
                column_at(column)
            ));
        }
        let width = self.header.len();
        let beyond = texts.iter().skip(width).position(|text| !text.is_empty())?;
        Some(format!(
            "row {line} has a value in column {} beyond the header",
            column_at(width + beyond)
        ))
    }

    /// Names the first error cell (`#DIV/0!`, `#N/A`...) of the row, in A1 notation.
    fn error_cell(&self, row: &Row) -> Option<String> {
        row.cells
            .iter()
            .enumerate()
            .find_map(|(column, value)| match value {
                Data::Error(error) => Some(format!(
                    "sheet `{}` cell {}{}: error value {error}",
                    self.sheet,
                    column_at(column),
                    row.index + 1
                )),
                _ => None,
            })
    }
}

/// The A1-notation letters of a position in a row's cells.
fn column_at(index: usize) -> String {
    cell::column_name(u32::try_from(index).expect("a row has fewer than 2^32 columns"))
}

/// The sheet asked for, or the first one; an unknown name lists the sheets there are.
fn pick_sheet(path: &Path, names: &[String], wanted: Option<&str>) -> Result<String> {
    let Some(wanted) = wanted else {
        return names
            .first()
            .cloned()
            .with_context(|| format!("spreadsheet `{}` has no sheets", path.display()));
    };
    if names.iter().any(|name| name == wanted) {
        return Ok(wanted.to_string());
    }
    let known: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    bail!(
        "spreadsheet `{}` has no sheet `{wanted}` (its sheets: {})",
        path.display(),
        known.join(", ")
    )
}
