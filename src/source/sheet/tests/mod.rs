//! Real workbooks written into a temp folder (see [`workbooks`]), read back.

mod workbooks;

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Worksheet, XlsxError};
use tempfile::TempDir;

use super::*;
use workbooks::{set_1904, strings, write_ods, xlsx};

fn open(path: &Path, sheet: Option<&str>, header_row: Option<u32>) -> Result<SheetSource> {
    let options = SheetOptions {
        sheet: sheet.map(str::to_string),
        header_row,
    };
    SheetSource::open(path, &options)
}

fn all(source: &mut SheetSource) -> Vec<Result<Record, BadRecord>> {
    std::iter::from_fn(|| source.next_record().expect("sheet readable")).collect()
}

/// Good records as (line, cells); panics on a rejected row.
fn good(source: &mut SheetSource) -> Vec<(u64, Vec<String>)> {
    all(source)
        .into_iter()
        .map(|record| {
            let record = record.expect("a good record");
            (
                record.line,
                record.cells.iter().map(str::to_string).collect(),
            )
        })
        .collect()
}

fn row(line: u64, cells: &[&str]) -> (u64, Vec<String>) {
    (line, cells.iter().map(|cell| cell.to_string()).collect())
}

fn two_sheets(dir: &TempDir) -> PathBuf {
    xlsx(
        dir,
        "two.xlsx",
        &[
            ("Leads", |ws| strings(ws, &[&["email"], &["a@x.io"]])),
            ("Archive", |ws| strings(ws, &[&["name"], &["Old"]])),
        ],
    )
}

#[test]
fn reads_the_first_sheet_or_the_named_one() {
    let dir = TempDir::new().expect("temp dir");
    let path = two_sheets(&dir);
    let mut first = open(&path, None, None).expect("opens");
    assert_eq!(
        (first.sheet(), first.header()),
        ("Leads", &["email".to_string()][..])
    );
    assert_eq!(good(&mut first), [row(2, &["a@x.io"])]);
    let mut named = open(&path, Some("Archive"), None).expect("opens");
    assert_eq!(named.sheet(), "Archive");
    assert_eq!(good(&mut named), [row(2, &["Old"])]);
    assert_eq!(named.path(), path);
}

#[test]
fn sheet_names_are_in_workbook_order() {
    let dir = TempDir::new().expect("temp dir");
    let names = SheetSource::sheet_names(&two_sheets(&dir)).expect("names");
    assert_eq!(names, ["Leads", "Archive"]);
}

#[test]
fn an_unknown_sheet_lists_the_sheets() {
    let dir = TempDir::new().expect("temp dir");
    let err = open(&two_sheets(&dir), Some("Contacts"), None)
        .err()
        .expect("unknown sheet");
    let message = err.to_string();
    assert!(message.starts_with("spreadsheet `"), "{message}");
    assert!(
        message.ends_with("two.xlsx` has no sheet `Contacts` (its sheets: `Leads`, `Archive`)"),
        "{message}"
    );
}

#[test]
fn a_file_that_cannot_be_opened_is_named() {
    let dir = TempDir::new().expect("temp dir");
    let missing = dir.path().join("missing.xlsx");
    let err = open(&missing, None, None).err().expect("missing file");
    assert!(
        format!("{err:#}").contains("cannot open spreadsheet `"),
        "{err:#}"
    );
    assert!(format!("{err:#}").contains("missing.xlsx`"), "{err:#}");
}

#[test]
fn the_header_may_start_below_junk_rows() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "junk.xlsx",
        &[("Leads", |ws| {
            strings(
                ws,
                &[
                    &["Export of 2024-01-01", "", "", "stray"],
                    &[],
                    &[" email ", "name"],
                ],
            )?;
            ws.write_string(3, 0, "a@x.io")?;
            ws.write_string(3, 1, "Ann")?;
            Ok(())
        })],
    );
    let mut source = open(&path, None, Some(3)).expect("opens");
    assert_eq!(source.header(), ["email", "name"]);
    assert_eq!(good(&mut source), [row(4, &["a@x.io", "Ann"])]);
}

#[test]
fn an_empty_or_missing_header_row_is_an_error() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "gap.xlsx",
        &[
            ("Leads", |ws| {
                strings(ws, &[&["title"], &[], &["email"], &["a@x.io"]])
            }),
            ("Blank", |_| Ok(())),
        ],
    );
    let empty = open(&path, None, Some(2)).err().expect("row 2 is empty");
    assert!(
        format!("{empty:#}").contains("header row 2 is empty"),
        "{empty:#}"
    );
    let past = open(&path, None, Some(9))
        .err()
        .expect("row 9 is past the end");
    assert!(
        format!("{past:#}").contains("has no header row 9: its last row is 4"),
        "{past:#}"
    );
    let blank = open(&path, Some("Blank"), None)
        .err()
        .expect("nothing in the sheet");
    assert!(
        format!("{blank:#}").contains("sheet `Blank` of `"),
        "{blank:#}"
    );
    assert!(
        format!("{blank:#}").contains("is empty: no header row 1"),
        "{blank:#}"
    );
    assert!(open(&path, None, Some(0)).is_err());
}

#[test]
fn numbers_and_booleans_read_as_excel_shows_them() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "numbers.xlsx",
        &[("Leads", |ws| {
            strings(ws, &[&["a", "b", "c", "d", "e", "f"]])?;
            ws.write_number(1, 0, 0.1)?;
            ws.write_number(1, 1, 0.1 + 0.2)?;
            ws.write_number(1, 2, 42.0)?;
            ws.write_number(1, 3, 1e-7)?;
            ws.write_boolean(1, 4, true)?;
            ws.write_formula(1, 5, Formula::new("=1+1").set_result("2"))?;
            Ok(())
        })],
    );
    let mut source = open(&path, None, None).expect("opens");
    assert_eq!(
        good(&mut source),
        [row(2, &["0.1", "0.3", "42", "0.0000001", "true", "2"])]
    );
}

fn dates(ws: &mut Worksheet) -> Result<(), XlsxError> {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    strings(ws, &[&["date", "datetime", "serial"]])?;
    ws.write_datetime_with_format(1, 0, ExcelDateTime::from_ymd(2024, 2, 29)?, &date)?;
    let at = ExcelDateTime::from_ymd(2024, 3, 1)?.and_hms(9, 30, 5)?;
    ws.write_datetime_with_format(1, 1, at, &datetime)?;
    // The serial of 2024-01-01 in the 1900 system; 1904 workbooks count 1462 days fewer.
    ws.write_number_with_format(1, 2, 45_292.0, &date)?;
    Ok(())
}

#[test]
fn dates_in_the_1900_date_system() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(&dir, "dates.xlsx", &[("Leads", dates)]);
    let mut source = open(&path, None, None).expect("opens");
    assert_eq!(
        good(&mut source),
        [row(2, &["2024-02-29", "2024-03-01T09:30:05", "2024-01-01"])]
    );
}

#[test]
fn dates_in_the_1904_date_system() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(&dir, "dates.xlsx", &[("Leads", dates)]);
    let path_1904 = dir.path().join("dates_1904.xlsx");
    set_1904(&path, &path_1904);
    let mut source = open(&path_1904, None, None).expect("opens");
    // rust_xlsxwriter wrote 1900-system serials; read as 1904 they are 1462 days later.
    assert_eq!(
        good(&mut source),
        [row(2, &["2028-03-01", "2028-03-02T09:30:05", "2028-01-02"])]
    );
}

#[test]
fn empty_rows_are_skipped_and_short_rows_padded() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "ragged.xlsx",
        &[("Leads", |ws| {
            strings(
                ws,
                &[
                    &["email", "name", "phone"],
                    &["a@x.io"],
                    &[],
                    &["", "", ""],
                    &["b@x.io", "", "+1"],
                ],
            )?;
            // A formatted cell without a value, and an empty string, are not content.
            ws.write_blank(2, 1, &Format::new().set_bold())?;
            ws.write_string(3, 2, "")?;
            Ok(())
        })],
    );
    let mut source = open(&path, None, None).expect("opens");
    assert_eq!(
        good(&mut source),
        [row(2, &["a@x.io", "", ""]), row(5, &["b@x.io", "", "+1"])]
    );
}

#[test]
fn an_error_cell_rejects_its_row() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "errors.xlsx",
        &[("Leads", |ws| {
            strings(
                ws,
                &[
                    &["email", "score"],
                    &["a@x.io", "1"],
                    &["b@x.io"],
                    &["c@x.io", "3"],
                ],
            )?;
            ws.write_formula(2, 1, Formula::new("=1/0").set_result("#DIV/0!"))?;
            Ok(())
        })],
    );
    let mut source = open(&path, None, None).expect("opens");
    let records = all(&mut source);
    assert_eq!(records.len(), 3);
    let bad = records[1].as_ref().expect_err("error cell");
    assert_eq!(bad.line, 3);
    assert_eq!(bad.reason, "sheet `Leads` cell B3: error value #DIV/0!");
    assert_eq!(bad.cells, ["b@x.io", "#DIV/0!"]);
    assert_eq!(records[2].as_ref().expect("good").line, 4);
}

#[test]
fn a_value_beyond_the_header_rejects_its_row() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "wide.xlsx",
        &[("Leads", |ws| {
            strings(
                ws,
                &[
                    &["email", "name"],
                    &["a@x.io", "Ann", "", "", "", "note"],
                    &["b@x.io"],
                ],
            )
        })],
    );
    let mut source = open(&path, None, None).expect("opens");
    let records = all(&mut source);
    let bad = records[0].as_ref().expect_err("too wide");
    assert_eq!(
        bad.reason,
        "row 2 has a value in column F beyond the header"
    );
    assert_eq!(bad.cells, ["a@x.io", "Ann", "", "", "", "note"]);
    assert_eq!(records[1].as_ref().expect("good").cells, vec!["b@x.io", ""]);
}

#[test]
fn an_ods_sheet_is_read_the_same_way() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("leads.ods");
    write_ods(&path);
    let mut source = open(&path, Some("Leads"), Some(2)).expect("opens");
    assert_eq!(source.header(), ["email", "signed up", "score"]);
    assert_eq!(
        good(&mut source),
        [
            row(3, &["a@x.io", "2024-01-01", "0.3"]),
            row(5, &["b@x.io", "", ""])
        ]
    );
}

#[test]
fn a_sheet_longer_than_the_read_ahead_queue_streams_through() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "long.xlsx",
        &[("Leads", |ws| {
            ws.write_string(0, 0, "n")?;
            for n in 1..=2_000 {
                ws.write_number(n, 0, n)?;
            }
            Ok(())
        })],
    );
    let mut source = open(&path, None, None).expect("opens");
    let records = good(&mut source);
    assert_eq!(records.len(), 2_000);
    assert_eq!(records[1_999], row(2_001, &["2000"]));
    // A source dropped halfway leaves its reader no one to wait for.
    let mut early = open(&path, None, None).expect("opens");
    assert!(early.next_record().expect("readable").is_some());
    drop(early);
}

#[test]
fn a_nul_character_rejects_its_row() {
    let dir = TempDir::new().expect("temp dir");
    let path = xlsx(
        &dir,
        "nul.xlsx",
        &[("Leads", |ws| {
            strings(
                ws,
                &[&["email", "name"], &["a@x.io", "x\0y"], &["b@x.io", "Bo"]],
            )
        })],
    );
    let mut source = open(&path, None, None).expect("opens");
    let records = all(&mut source);
    let bad = records[0].as_ref().expect_err("nul");
    assert_eq!(bad.reason, "sheet `Leads` cell B2 contains a NUL character");
    assert_eq!(bad.cells, ["a@x.io", "xy"]);
    assert!(records[1].is_ok());
}
