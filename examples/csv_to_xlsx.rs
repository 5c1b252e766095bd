//! Writes a CSV file as a one-sheet XLSX workbook the way a spreadsheet user would have it:
//! numbers as number cells, `YYYY-MM-DD` dates as date cells with a date format, everything
//! else as text. `bench/sources.sh` uses it to import the same leads from a sheet and from
//! a CSV file.
//!
//! ```text
//! cargo run --release --example csv_to_xlsx -- target/bench/leads-100000.csv leads.xlsx
//! ```
//!
//! A cell becomes a number only when it is written like one with no leading zero
//! (`1200`, `-3.5`, `0.25`), so ids such as `007` and phone numbers stay text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: csv_to_xlsx INPUT.csv OUTPUT.xlsx");
        return ExitCode::from(2);
    };
    match convert(&PathBuf::from(input), &PathBuf::from(output)) {
        Ok(rows) => {
            println!("{rows} rows written to `{output}`");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("csv_to_xlsx: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Writes every row of `input` (header included) to the first sheet of `output`; returns
/// the number of data rows.
fn convert(input: &PathBuf, output: &PathBuf) -> Result<u32> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(input)
        .with_context(|| format!("cannot open `{}`", input.display()))?;
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Leads")?;
    let mut row_number: u32 = 0;
    for record in reader.records() {
        let record = record.with_context(|| format!("cannot read `{}`", input.display()))?;
        for (column, text) in record.iter().enumerate() {
            let column = u16::try_from(column).context("more than 65535 columns")?;
            // The header row stays text whatever it looks like.
            if row_number == 0 {
                sheet.write_string(0, column, text)?;
            } else {
                write_cell(sheet, row_number, column, text, &date_format)?;
            }
        }
        row_number += 1;
        if row_number > 1_048_575 {
            bail!("`{}` has more rows than a sheet holds", input.display());
        }
    }
    workbook
        .save(output)
        .with_context(|| format!("cannot write `{}`", output.display()))?;
    Ok(row_number.saturating_sub(1))
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    text: &str,
    date_format: &Format,
) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    if let Some(date) = iso_date(text) {
        sheet.write_date_with_format(row, column, &date, date_format)?;
    } else if let Some(number) = plain_number(text) {
        sheet.write_number(row, column, number)?;
    } else {
        sheet.write_string(row, column, text)?;
    }
    Ok(())
}

/// `YYYY-MM-DD` as an Excel date, when it is a real day.
fn iso_date(text: &str) -> Option<ExcelDateTime> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    let year = text[0..4].parse().ok()?;
    let month = text[5..7].parse().ok()?;
    let day = text[8..10].parse().ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// `-12`, `1200`, `0.25`, `1234.5`: digits with at most one point, no leading zero, no
/// more digits than a double keeps exactly.
fn plain_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let valid = !whole.is_empty()
        && all_digits(whole)
        && all_digits(fraction)
        && (whole == "0" || !whole.starts_with('0'))
        && !(digits.contains('.') && fraction.is_empty())
        && whole.len() + fraction.len() <= 15;
    if valid { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_a_sheet_would_keep_as_numbers() {
        assert_eq!(plain_number("1200"), Some(1200.0));
        assert_eq!(plain_number("1234.5"), Some(1234.5));
        assert_eq!(plain_number("-3.25"), Some(-3.25));
        assert_eq!(plain_number("0.25"), Some(0.25));
        for text in [
            "007",
            "1.",
            ".5",
            "1,200",
            "+1 415 555 0100",
            "L0000001",
            "",
            "-",
        ] {
            assert_eq!(plain_number(text), None, "{text}");
        }
    }

    #[test]
    fn only_real_iso_days_are_dates() {
        assert!(iso_date("2027-03-04").is_some());
        for text in ["2027-02-30", "2027-3-04", "03/04/2027", "2027-03-04T10:00"] {
            assert!(iso_date(text).is_none(), "{text}");
        }
    }
}
