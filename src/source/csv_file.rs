//! Comma-separated files, read record by record.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use csv::{ByteRecord, StringRecord};

use super::{BadRecord, Record};

pub struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    header: Vec<String>,
    buffer: ByteRecord,
}

impl CsvSource {
    /// Opens the file and reads its header line.
    pub fn open(path: &Path) -> Result<CsvSource> {
        let file = File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(BufReader::with_capacity(1 << 20, file));
        let header = reader
            .byte_headers()
            .with_context(|| format!("cannot read the header of `{}`", path.display()))?
            .clone();
        let header = header_names(&header)
            .with_context(|| format!("the header of `{}` is not readable", path.display()))?;
        if header.iter().all(String::is_empty) {
            bail!(
                "`{}` has no header line (the file is empty)",
                path.display()
            );
        }
        Ok(CsvSource {
            path: path.to_path_buf(),
            reader,
            header,
            buffer: ByteRecord::new(),
        })
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next record: `Ok(Ok)` a good one, `Ok(Err)` a row to reject, `Err` the file broke.
    pub fn next_record(&mut self) -> Result<Option<Result<Record, BadRecord>>> {
        let more = self
            .reader
            .read_byte_record(&mut self.buffer)
            .with_context(|| format!("cannot read `{}`", self.path.display()))?;
        if !more {
            return Ok(None);
        }
        let line = self.buffer.position().map_or(0, |p| p.line());
        let record = match StringRecord::from_byte_record(self.buffer.clone()) {
            Ok(cells) if cells.len() != self.header.len() => Err(BadRecord {
                line,
                reason: format!(
                    "row has {} cells, the header has {}",
                    cells.len(),
                    self.header.len()
                ),
                cells: cells.iter().map(str::to_string).collect(),
            }),
            // PostgreSQL cannot store a NUL character in text; no CRM field needs one.
            Ok(cells) => match cells.iter().position(|cell| cell.contains('\0')) {
                Some(i) => Err(BadRecord {
                    line,
                    reason: format!("cell {} contains a NUL byte", i + 1),
                    cells: cells.iter().map(|c| c.replace('\0', "")).collect(),
                }),
                None => Ok(Record { line, cells }),
            },
            Err(err) => Err(BadRecord {
                line,
                reason: format!("cell {} is not valid UTF-8", err.utf8_error().field() + 1),
                cells: self
                    .buffer
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect(),
            }),
        };
        Ok(Some(record))
    }
}

/// Header names, trimmed, with a UTF-8 byte-order mark dropped from the first.
fn header_names(header: &ByteRecord) -> Result<Vec<String>> {
    header
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let cell = if i == 0 {
                cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
            } else {
                cell
            };
            let text = std::str::from_utf8(cell)
                .with_context(|| format!("header cell {} is not valid UTF-8", i + 1))?;
            Ok(text.trim().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn source(content: &[u8]) -> (tempfile::NamedTempFile, CsvSource) {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(content).expect("write");
        let source = CsvSource::open(file.path()).expect("opens");
        (file, source)
    }

    #[test]
    fn reads_lines_and_rejects_ragged_rows() {
        let (_file, mut source) = source(b"\xEF\xBB\xBFa,b\n1,2\n\"multi\nline\",3\n4\n5,6\n");
        assert_eq!(source.header(), ["a", "b"]);
        let first = source
            .next_record()
            .expect("io")
            .expect("some")
            .expect("good");
        assert_eq!((first.line, &first.cells[1]), (2, "2"));
        let second = source
            .next_record()
            .expect("io")
            .expect("some")
            .expect("good");
        assert_eq!((second.line, &second.cells[0]), (3, "multi\nline"));
        let ragged = source
            .next_record()
            .expect("io")
            .expect("some")
            .expect_err("ragged");
        assert_eq!(ragged.line, 5);
        assert!(ragged.reason.contains("1 cells"), "{}", ragged.reason);
        let last = source
            .next_record()
            .expect("io")
            .expect("some")
            .expect("good");
        assert_eq!(last.line, 6);
        assert!(source.next_record().expect("io").is_none());
    }

    #[test]
    fn a_nul_byte_rejects_only_its_row() {
        let (_file, mut source) = source(b"a,b\n1,x\x00y\n3,4\n");
        let bad = source
            .next_record()
            .expect("io")
            .expect("some")
            .expect_err("nul");
        assert_eq!(
            (bad.line, bad.reason.as_str()),
            (2, "cell 2 contains a NUL byte")
        );
        assert_eq!(bad.cells, ["1", "xy"]);
        assert!(source.next_record().expect("io").expect("some").is_ok());
    }

    #[test]
    fn invalid_utf8_rejects_only_its_row() {
        let (_file, mut source) = source(b"a,b\n1,\xFF\n3,4\n");
        let bad = source
            .next_record()
            .expect("io")
            .expect("some")
            .expect_err("bad utf8");
        assert_eq!(bad.reason, "cell 2 is not valid UTF-8");
        assert!(source.next_record().expect("io").expect("some").is_ok());
    }
}
