//! Sources: stream raw records (line number + cells) out of input files.
//!
//! A source never holds more than one record; a record it cannot decode is handed on as a
//! [`BadRecord`] so that the run rejects that row and goes on.

mod csv_file;
pub mod decode;
pub mod http;
mod lines;
pub mod sheet;

pub use csv_file::CsvSource;
pub use decode::CsvOptions;
pub use http::HttpSource;
pub use sheet::{SheetOptions, SheetSource};

use csv::StringRecord;

/// One record as read, before mapping.
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based line in the file where the record starts (the header is line 1).
    pub line: u64,
    pub cells: StringRecord,
}

/// A record that could not be read as the header says, with what was readable of it.
#[derive(Debug, Clone)]
pub struct BadRecord {
    pub line: u64,
    pub cells: Vec<String>,
    pub reason: String,
}

/// An open source of any kind, read the same way by the pipeline.
pub enum SourceReader {
    Csv(Box<CsvSource>),
    Sheet(SheetSource),
    Http(Box<HttpSource>),
}

impl SourceReader {
    pub fn header(&self) -> &[String] {
        match self {
            SourceReader::Csv(csv) => csv.header(),
            SourceReader::Sheet(sheet) => sheet.header(),
            SourceReader::Http(http) => http.header(),
        }
    }

    /// The next record: `Ok(Ok)` a good one, `Ok(Err)` a row to reject, `Err` the source
    /// broke off.
    pub fn next_record(&mut self) -> anyhow::Result<Option<Result<Record, BadRecord>>> {
        match self {
            SourceReader::Csv(csv) => csv.next_record(),
            SourceReader::Sheet(sheet) => sheet.next_record(),
            SourceReader::Http(http) => http.next_record(),
        }
    }

    /// What was found out about the input while opening it, for the summary: the CSV
    /// encoding and delimiter, the sheet.
    pub fn details(&self) -> Vec<(&'static str, String)> {
        match self {
            SourceReader::Csv(csv) => vec![
                ("encoding", csv.encoding().to_string()),
                ("delimiter", delimiter_name(csv.delimiter())),
            ],
            SourceReader::Sheet(sheet) => vec![("sheet", sheet.sheet().to_string())],
            SourceReader::Http(http) => vec![("pages", http.pages_fetched().to_string())],
        }
    }

    /// The incremental cursor reached so far: the highest value of the source's cursor
    /// field among the records read. Only HTTP sources have one.
    pub fn high_water(&self) -> Option<&str> {
        match self {
            SourceReader::Http(http) => http.high_water(),
            _ => None,
        }
    }

    /// Pages fetched so far, for sources that have pages.
    pub fn pages(&self) -> Option<u64> {
        match self {
            SourceReader::Http(http) => Some(http.pages_fetched()),
            _ => None,
        }
    }
}

fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_string(),
        other => char::from(other).to_string(),
    }
}
