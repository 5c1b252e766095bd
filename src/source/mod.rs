//! Sources: stream raw records (line number + cells) out of input files.
//!
//! A source never holds more than one record; a record it cannot decode is handed on as a
//! [`BadRecord`] so that the run rejects that row and goes on.

mod csv_file;
pub mod decode;
pub mod http;
pub mod sheet;

pub use csv_file::CsvSource;

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
