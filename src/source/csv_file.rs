//! Delimited text files, read record by record in whatever encoding they arrive.
//!
//! UTF-8 files, the common case, are parsed straight from their bytes; only other encodings go
//! through a [`Transcoder`] into UTF-8 first.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use csv::{ByteRecord, StringRecord};
use encoding_rs::{Encoding, UTF_8};

use super::decode::{self, CsvOptions, SNIFF_LEN, Transcoder};
use super::lines::{LineCounting, breaks_in};
use super::{BadRecord, Record};

/// The longest cell a record may have.
pub const MAX_CELL_BYTES: usize = 1 << 20;

pub struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<LineCounting<Input>>,
    header: Vec<String>,
    encoding: &'static Encoding,
    delimiter: u8,
    buffer: ByteRecord,
    /// The line the previous record (or the header) ended on: the next starts after it.
    last_line: u64,
}

/// The file's bytes as UTF-8: as they are, or decoded from another encoding.
enum Input {
    Utf8(BufReader<File>),
    Decoded(Transcoder<File>),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Utf8(reader) => reader.read(buf),
            Input::Decoded(reader) => reader.read(buf),
        }
    }
}

impl CsvSource {
    /// Opens the file, settles its encoding and delimiter (from `options`, else from its first
    /// bytes) and reads its header line.
    pub fn open(path: &Path, options: &CsvOptions) -> Result<CsvSource> {
        let shown = path.display();
        let mut file = File::open(path).with_context(|| format!("cannot open `{shown}`"))?;
        let (prefix, whole) =
            read_prefix(&mut file).with_context(|| format!("cannot read `{shown}`"))?;
        let detected = decode::detect(&prefix, whole, options)
            .with_context(|| format!("csv options for `{shown}`"))?;
        let bom_len = u64::try_from(detected.bom_len).expect("a byte-order mark is 2 or 3 bytes");
        file.seek(SeekFrom::Start(bom_len))
            .with_context(|| format!("cannot read `{shown}`"))?;
        let input = if detected.encoding == UTF_8 {
            Input::Utf8(BufReader::with_capacity(1 << 20, file))
        } else {
            Input::Decoded(Transcoder::new(file, detected.encoding))
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .delimiter(detected.delimiter)
            .from_reader(LineCounting::new(input));
        let header = reader
            .byte_headers()
            .with_context(|| format!("cannot read the header of `{shown}`"))?;
        let header = header_names(header, detected.encoding)
            .with_context(|| format!("the header of `{shown}` is not readable"))?;
        let header_end = reader.position().byte();
        let last_line = reader.get_mut().line_of(header_end.saturating_sub(1));
        if header.iter().all(String::is_empty) {
            if header.len() > 1 {
                bail!("`{shown}` has a header line with no column names");
            }
            bail!("`{shown}` has no header line (the file is empty)");
        }
        Ok(CsvSource {
            path: path.to_path_buf(),
            reader,
            header,
            encoding: detected.encoding,
            delimiter: detected.delimiter,
            buffer: ByteRecord::new(),
            last_line,
        })
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The encoding the file is read in, by its encoding_rs name (`UTF-8`, `windows-1252`,
    /// `UTF-16LE` ...).
    pub fn encoding(&self) -> &'static str {
        self.encoding.name()
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
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
        let line = self.record_line();
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
            // No CRM field holds a megabyte; such a cell is a broken export, and storing it
            // would cost the database many times its size.
            Ok(cells) if cells.iter().any(|cell| cell.len() > MAX_CELL_BYTES) => {
                let i = cells
                    .iter()
                    .position(|cell| cell.len() > MAX_CELL_BYTES)
                    .expect("a long cell was found");
                Err(BadRecord {
                    line,
                    reason: format!(
                        "cell {} is {} bytes long, more than the {MAX_CELL_BYTES} a field may hold",
                        i + 1,
                        cells[i].len()
                    ),
                    cells: cells.iter().map(str::to_string).collect(),
                })
            }
            // PostgreSQL cannot store a NUL character in text; no CRM field needs one.
            Ok(cells) if memchr::memchr(0, cells.as_byte_record().as_slice()).is_none() => {
                Ok(Record { line, cells })
            }
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
                reason: format!(
                    "cell {} is not valid {}",
                    err.utf8_error().field() + 1,
                    self.encoding.name()
                ),
                cells: self
                    .buffer
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect(),
            }),
        };
        Ok(Some(record))
    }

    /// The line where the record just read starts: the line of its last byte (its line
    /// end, or its last character at the end of the file), less the line breaks inside its
    /// cells. Whatever ends the lines, and however many blank lines come before it.
    /// A file cut inside a quoted cell ends its last record with a break that is the cell's,
    /// not a line end; the record still starts after the line the previous one ended on.
    fn record_line(&mut self) -> u64 {
        let end = self.reader.position().byte();
        let last = self.reader.get_mut().line_of(end.saturating_sub(1));
        let start = last
            .saturating_sub(breaks_in(&self.buffer))
            .max(self.last_line + 1);
        self.last_line = last;
        start
    }
}

/// The first bytes of the file for detection, and whether they are all of it.
fn read_prefix(file: &mut File) -> io::Result<(Vec<u8>, bool)> {
    let mut prefix = Vec::with_capacity(SNIFF_LEN);
    file.take(SNIFF_LEN as u64).read_to_end(&mut prefix)?;
    let whole = prefix.len() < SNIFF_LEN;
    Ok((prefix, whole))
}

/// Header names, trimmed. The header names the columns, so a cell that cannot be decoded
/// fails the file, not a row.
fn header_names(header: &ByteRecord, encoding: &'static Encoding) -> Result<Vec<String>> {
    header
        .iter()
        .enumerate()
        .map(|(i, cell)| match std::str::from_utf8(cell) {
            Ok(text) => Ok(text.trim().to_string()),
            Err(_) => bail!("header cell {} is not valid {}", i + 1, encoding.name()),
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
        let source = CsvSource::open(file.path(), &CsvOptions::default()).expect("opens");
        (file, source)
    }

    fn fixture(name: &str, options: &CsvOptions) -> CsvSource {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/csv/encodings")
            .join(name);
        CsvSource::open(&path, options).expect("opens")
    }

    fn options(encoding: Option<&str>, delimiter: Option<&str>) -> CsvOptions {
        CsvOptions {
            encoding: encoding.map(str::to_string),
            delimiter: delimiter.map(str::to_string),
        }
    }

    /// Every record left: good ones as (line, cells), rejected ones as (line, reason).
    fn drain(source: &mut CsvSource) -> Vec<(u64, Result<Vec<String>, String>)> {
        let mut out = Vec::new();
        while let Some(record) = source.next_record().expect("io") {
            out.push(match record {
                Ok(r) => (r.line, Ok(r.cells.iter().map(str::to_string).collect())),
                Err(bad) => (bad.line, Err(bad.reason)),
            });
        }
        out
    }

    fn good(line: u64, cells: &[&str]) -> (u64, Result<Vec<String>, String>) {
        (line, Ok(cells.iter().map(|c| c.to_string()).collect()))
    }

    fn bad(line: u64, reason: &str) -> (u64, Result<Vec<String>, String>) {
        (line, Err(reason.to_string()))
    }

    #[test]
    fn reads_lines_and_rejects_ragged_rows() {
        let (_file, mut source) = source(b"\xEF\xBB\xBFa,b\n1,2\n\"multi\nline\",3\n4\n5,6\n");
        assert_eq!(source.header(), ["a", "b"]);
        assert_eq!(
            drain(&mut source),
            [
                good(2, &["1", "2"]),
                good(3, &["multi\nline", "3"]),
                bad(5, "row has 1 cells, the header has 2"),
                good(6, &["5", "6"]),
            ]
        );
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
        assert_eq!(drain(&mut source), [good(3, &["3", "4"])]);
    }

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        for (content, lines) in [
            ("a,b\n1,2\n\n\n3,4\n5,6", [2, 5, 6]),
            ("a,b\r\n1,2\r\n\r\n3,4\r\n5,6\r\n", [2, 4, 5]),
            ("a,b\r\n\"x\r\ny\",2\r\n3,\"4\n\n\"\r\n5,6", [2, 4, 7]),
            ("a,b\n\"x\r\ny\",2\n\n3,4\n5,6\n", [2, 5, 6]),
        ] {
            let (_file, mut source) = source(content.as_bytes());
            let found: Vec<u64> = drain(&mut source).iter().map(|(line, _)| *line).collect();
            assert_eq!(found, lines, "{content:?}");
        }
    }

    #[test]
    fn windows_1252_is_detected_and_decoded() {
        let mut source = fixture("windows1252.csv", &CsvOptions::default());
        assert_eq!(
            (source.encoding(), source.delimiter()),
            ("windows-1252", b',')
        );
        assert_eq!(source.header(), ["name", "city", "price"]);
        assert_eq!(
            drain(&mut source),
            [
                good(2, &["José", "Zürich", "5 €"]),
                good(3, &["Renée", "Köln", "10 €"]),
            ]
        );
    }

    #[test]
    fn utf8_with_a_mark_drops_the_mark() {
        let mut source = fixture("utf8_bom.csv", &CsvOptions::default());
        assert_eq!(source.encoding(), "UTF-8");
        assert_eq!(source.header(), ["name", "city"]);
        assert_eq!(drain(&mut source), [good(2, &["Zoë", "Malmö"])]);
    }

    #[test]
    fn utf16_with_a_mark_keeps_line_numbers_across_quoted_line_breaks() {
        for (name, encoding, line_end) in [
            ("utf16le_bom.csv", "UTF-16LE", "\r\n"),
            ("utf16be_bom.csv", "UTF-16BE", "\n"),
        ] {
            let mut source = fixture(name, &CsvOptions::default());
            assert_eq!(
                (source.encoding(), source.delimiter()),
                (encoding, b','),
                "{name}"
            );
            assert_eq!(source.header(), ["name", "notes"], "{name}");
            assert_eq!(
                drain(&mut source),
                [
                    good(2, &["Anna", &format!("first{line_end}second")]),
                    good(4, &["Björn", "plain"]),
                ],
                "{name}"
            );
        }
    }

    #[test]
    fn delimiters_are_sniffed() {
        for (name, delimiter, row) in [
            ("semicolon.csv", b';', ["Anna", "1,50"]),
            ("tab.tsv", b'\t', ["Anna", "a, b; c"]),
            ("pipe.csv", b'|', ["Anna", "x;y"]),
        ] {
            let mut source = fixture(name, &CsvOptions::default());
            assert_eq!(source.delimiter(), delimiter, "{name}");
            assert_eq!(source.header().len(), 2, "{name}");
            assert_eq!(drain(&mut source)[0], good(2, &row), "{name}");
        }
    }

    #[test]
    fn a_forced_delimiter_wins_over_sniffing() {
        let mut source = fixture("semicolon.csv", &options(None, Some(",")));
        assert_eq!(source.delimiter(), b',');
        assert_eq!(source.header(), ["name;amount"]);
        assert_eq!(
            drain(&mut source)[0],
            bad(2, "row has 2 cells, the header has 1")
        );
        let source = fixture("tab.tsv", &options(None, Some("tab")));
        assert_eq!(source.header(), ["name", "note"]);
    }

    #[test]
    fn a_forced_encoding_wins_over_detection() {
        let mut source = fixture("windows1252.csv", &options(Some("utf-8"), None));
        assert_eq!(source.encoding(), "UTF-8");
        assert_eq!(
            drain(&mut source),
            [
                bad(2, "cell 1 is not valid UTF-8"),
                bad(3, "cell 1 is not valid UTF-8"),
            ]
        );
        let mut source = fixture("utf8_invalid_row.csv", &options(Some("latin1"), None));
        assert_eq!(source.encoding(), "windows-1252");
        assert_eq!(drain(&mut source)[0], good(2, &["JosÃ©", "ZÃ¼rich"]));
    }

    #[test]
    fn shift_jis_is_decoded_before_it_is_split() {
        let mut source = fixture("shift_jis_pipe.csv", &options(Some("shift_jis"), None));
        assert_eq!((source.encoding(), source.delimiter()), ("Shift_JIS", b'|'));
        assert_eq!(
            drain(&mut source),
            [good(2, &["ポール", "ぽーる"]), good(3, &["Ann", "あん"])]
        );
    }

    #[test]
    fn an_unknown_encoding_names_the_label_and_the_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/csv/encodings/pipe.csv");
        let err = CsvSource::open(&path, &options(Some("ebcdic-42"), None))
            .err()
            .expect("unknown label");
        let message = format!("{err:#}");
        assert!(message.contains("`ebcdic-42`"), "{message}");
        assert!(message.contains("pipe.csv"), "{message}");
    }

    #[test]
    fn ragged_rows_are_rejected_by_line() {
        let mut source = fixture("ragged_semicolon.csv", &CsvOptions::default());
        assert_eq!(source.delimiter(), b';');
        assert_eq!(
            drain(&mut source),
            [
                good(2, &["1", "2", "3"]),
                bad(3, "row has 2 cells, the header has 3"),
                bad(4, "row has 4 cells, the header has 3"),
                good(5, &["10", "11", "12"]),
            ]
        );
    }

    #[test]
    fn invalid_utf8_rejects_only_its_row() {
        let mut source = fixture("utf8_invalid_row.csv", &CsvOptions::default());
        assert_eq!(source.encoding(), "UTF-8");
        assert_eq!(
            drain(&mut source),
            [
                good(2, &["José", "Zürich"]),
                good(3, &["Müller", "Köln"]),
                bad(4, "cell 2 is not valid UTF-8"),
                good(5, &["Zoë", "Malmö"]),
            ]
        );
    }

    #[test]
    fn a_corrupt_cell_past_the_detected_prefix_rejects_only_its_row() {
        let mut content = "name,city\n".to_string();
        content.push_str(&"José,Zürich\n".repeat(SNIFF_LEN / 10));
        let mut content = content.into_bytes();
        content.extend_from_slice(b"bad,\xFF\nlast,row\n");
        let rows = SNIFF_LEN as u64 / 10;
        let (_file, mut source) = source(&content);
        assert_eq!(source.encoding(), "UTF-8");
        let records = drain(&mut source);
        assert_eq!(records.len() as u64, rows + 2);
        assert_eq!(
            records[records.len() - 2],
            bad(rows + 2, "cell 2 is not valid UTF-8")
        );
        assert_eq!(records[records.len() - 1], good(rows + 3, &["last", "row"]));
    }

    #[test]
    fn undecodable_utf16_rejects_only_its_row() {
        let mut content = b"\xFF\xFE".to_vec();
        for unit in "a,b\n1,".encode_utf16() {
            content.extend_from_slice(&unit.to_le_bytes());
        }
        content.extend_from_slice(b"\x00\xD8"); // an unpaired surrogate
        for unit in "\n\"x\ny\",2\n3,4\n".encode_utf16() {
            content.extend_from_slice(&unit.to_le_bytes());
        }
        let (_file, mut source) = source(&content);
        assert_eq!(
            drain(&mut source),
            [
                bad(2, "cell 2 is not valid UTF-16LE"),
                good(3, &["x\ny", "2"]),
                good(5, &["3", "4"]),
            ]
        );
    }

    #[test]
    fn long_legacy_files_keep_line_numbers_across_buffers() {
        let mut content = "name;note\n".to_string();
        for i in 0..5_000 {
            content.push_str(&format!("Zoë {i};\"two\nlines €\"\n"));
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&content);
        assert!(!unmappable);
        let (_file, mut source) = source(&bytes);
        assert_eq!(
            (source.encoding(), source.delimiter()),
            ("windows-1252", b';')
        );
        let records = drain(&mut source);
        assert_eq!(records.len(), 5_000);
        assert_eq!(
            records[4_999],
            good(2 + 2 * 4_999, &["Zoë 4999", "two\nlines €"])
        );
    }
}
