//! Text encodings and delimiters of CSV files as they arrive.
//!
//! Import files come from whatever machine exported them: UTF-8 with or without a byte-order
//! mark, UTF-16 from Excel's "Unicode text", Windows-1252 from older Windows tools, and `;` or a
//! tab where `,` is the decimal separator. [`detect`] settles encoding and delimiter from a
//! prefix of the file; [`Transcoder`] turns a non-UTF-8 stream into UTF-8 so that the CSV reader
//! always sees UTF-8 bytes and counts lines the same way.

use std::io::{self, Read};

use anyhow::{Result, bail};
use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many bytes at the start of a file detection looks at.
pub const SNIFF_LEN: usize = 64 * 1024;

/// Size of each of the transcoder's input and output buffers.
const TRANSCODE_BUFFER: usize = 64 * 1024;

/// How many records delimiter sniffing compares.
const SNIFF_RECORDS: usize = 20;

/// Candidate delimiters, in the order preferred when they tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Stands in the UTF-8 output for a byte sequence the source encoding cannot decode. It never
/// occurs in UTF-8, so the cell holding it fails UTF-8 validation and its row is rejected, while
/// a U+FFFD written in the file itself still reads as data.
const UNDECODABLE: u8 = 0xFF;

/// How a CSV source is read when its file does not say (from the job file).
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// An encoding label encoding_rs knows (`utf-8`, `windows-1252`, `latin1`, `utf-16le`,
    /// `shift_jis` ...); detected when absent.
    pub encoding: Option<String>,
    /// One character, or `\t` / `tab` for a tab; sniffed when absent.
    pub delimiter: Option<String>,
}

/// What a file was found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark to skip before the header.
    pub bom_len: usize,
    pub delimiter: u8,
}

/// Settles encoding and delimiter from the first bytes of a file (`whole` when that is all of
/// it). A byte-order mark wins over the `encoding` option, as in browsers: it cannot appear by
/// accident at the start of a text, and exporters write it exactly when they change encoding.
pub fn detect(prefix: &[u8], whole: bool, options: &CsvOptions) -> Result<Detected> {
    let forced = options
        .encoding
        .as_deref()
        .map(encoding_for_label)
        .transpose()?;
    let delimiter = options
        .delimiter
        .as_deref()
        .map(delimiter_for_option)
        .transpose()?;
    let (encoding, bom_len) = match Encoding::for_bom(prefix) {
        Some(found) => found,
        None => (forced.unwrap_or_else(|| detect_encoding(prefix, whole)), 0),
    };
    let text = sniff_text(&prefix[bom_len..], whole, encoding);
    Ok(Detected {
        encoding,
        bom_len,
        delimiter: delimiter.unwrap_or_else(|| sniff_delimiter(&text)),
    })
}

/// The encoding an `encoding` option names. The "replacement" encoding (labels such as
/// `iso-2022-kr`) is refused: it would turn the whole file into a single U+FFFD.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    match Encoding::for_label_no_replacement(label.trim().as_bytes()) {
        Some(encoding) => Ok(encoding),
        None => bail!(
            "unknown encoding `{label}` (expected a label such as `utf-8`, `windows-1252`, \
             `latin1`, `utf-16le`, `shift_jis`)"
        ),
    }
}

/// The delimiter byte a `delimiter` option names. The CSV reader works on bytes, so the
/// delimiter must be one ASCII character, and not one that already has a meaning in CSV.
pub fn delimiter_for_option(value: &str) -> Result<u8> {
    let byte = match value {
        "\\t" | "tab" => b'\t',
        _ => match value.as_bytes() {
            [byte] => *byte,
            _ if value.chars().count() == 1 => {
                bail!("delimiter `{value}` is not an ASCII character")
            }
            _ => bail!("delimiter `{value}` is not one character (use `\\t` or `tab` for a tab)"),
        },
    };
    if matches!(byte, b'"' | b'\n' | b'\r') {
        bail!("delimiter `{value}` cannot be a quote or a line break");
    }
    Ok(byte)
}

/// The encoding of a file without a byte-order mark: UTF-16 by its zero bytes, UTF-8 when the
/// bytes are (mostly) UTF-8, else chardetng's guess among legacy encodings.
fn detect_encoding(prefix: &[u8], whole: bool) -> &'static Encoding {
    if let Some(utf16) = utf16_by_zero_bytes(prefix) {
        return utf16;
    }
    let complete = complete_lines(prefix, whole);
    if mostly_utf8(complete) {
        return UTF_8;
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(complete, whole);
    let guess = detector.guess(None, Utf8Detection::Deny);
    // Delimiters and quotes are found on ASCII bytes; only an ASCII-compatible guess keeps
    // them where they are.
    if guess.is_ascii_compatible() {
        guess
    } else {
        WINDOWS_1252
    }
}

/// UTF-16 without a byte-order mark. CSV text is mostly ASCII, which UTF-16 stores with a zero
/// high byte, while UTF-8 and single-byte text next to never hold a zero byte.
fn utf16_by_zero_bytes(prefix: &[u8]) -> Option<&'static Encoding> {
    let units = prefix.len() / 2;
    if units < 2 || !prefix.contains(&0) {
        return None;
    }
    let (mut even, mut odd) = (0, 0);
    for pair in prefix.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    if odd * 2 >= units && even * 10 <= odd {
        Some(UTF_16LE)
    } else if even * 2 >= units && odd * 10 <= even {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// UTF-8 when the bytes are valid UTF-8, or when valid multi-byte characters outnumber the
/// invalid sequences: a UTF-8 file with one corrupt cell should lose that row, not have every
/// accented name turned into mojibake by a legacy-encoding guess.
fn mostly_utf8(bytes: &[u8]) -> bool {
    if std::str::from_utf8(bytes).is_ok() {
        return true;
    }
    let (mut multibyte, mut invalid) = (0, 0);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    multibyte > invalid
}

/// The prefix up to its last line break, so that a character or line cut at the end of the
/// prefix is not judged. Only for ASCII-compatible bytes.
fn complete_lines(prefix: &[u8], whole: bool) -> &[u8] {
    match prefix.iter().rposition(|&b| b == b'\n') {
        Some(end) if !whole => &prefix[..=end],
        _ => prefix,
    }
}

/// The prefix as text for delimiter sniffing, without a last line that may be cut short.
fn sniff_text(prefix: &[u8], whole: bool, encoding: &'static Encoding) -> String {
    let (text, _) = encoding.decode_without_bom_handling(prefix);
    match text.rfind('\n') {
        Some(end) if !whole => text[..=end].to_string(),
        _ => text.into_owned(),
    }
}

/// The delimiter the first records agree on. Among the candidates that split the header into
/// more than one column: the one whose header column count most following records share, then
/// the one giving more columns, then the earlier in [`DELIMITERS`]. `,` when none splits it.
pub fn sniff_delimiter(text: &str) -> u8 {
    let counts = field_counts(text);
    let Some((header, rows)) = counts.split_first() else {
        return b',';
    };
    (0..DELIMITERS.len())
        .filter(|&d| header[d] > 1)
        .max_by_key(|&d| {
            let agreeing = rows.iter().filter(|row| row[d] == header[d]).count();
            (agreeing, header[d], usize::MAX - d)
        })
        .map_or(b',', |d| DELIMITERS[d])
}

/// Column counts per candidate delimiter for the first records, counting delimiters outside
/// quotes only, so that a quoted `,` or line break does not count. Blank lines are skipped, as
/// the CSV reader skips them.
fn field_counts(text: &str) -> Vec<[usize; DELIMITERS.len()]> {
    let mut records = Vec::new();
    let mut current = [1; DELIMITERS.len()];
    let mut blank = true;
    let mut quoted = false;
    for byte in text.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                if !blank {
                    records.push(current);
                    if records.len() == SNIFF_RECORDS {
                        return records;
                    }
                }
                current = [1; DELIMITERS.len()];
                blank = true;
                continue;
            }
            b'\r' => continue,
            _ if !quoted => {
                if let Some(d) = DELIMITERS.iter().position(|&c| c == byte) {
                    current[d] += 1;
                }
            }
            _ => {}
        }
        blank = false;
    }
    if !blank {
        records.push(current);
    }
    records
}

/// A reader that decodes a legacy or UTF-16 byte stream into UTF-8, one buffer at a time.
/// Line breaks map one to one, so line numbers counted on the output are the file's.
pub struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    input_start: usize,
    input_end: usize,
    input_done: bool,
    finished: bool,
    output: Box<[u8]>,
    output_start: usize,
    output_end: usize,
}

impl<R: Read> Transcoder<R> {
    /// Decodes `inner`, which must be positioned after any byte-order mark.
    pub fn new(inner: R, encoding: &'static Encoding) -> Transcoder<R> {
        Transcoder {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; TRANSCODE_BUFFER].into_boxed_slice(),
            input_start: 0,
            input_end: 0,
            input_done: false,
            finished: false,
            output: vec![0; TRANSCODE_BUFFER].into_boxed_slice(),
            output_start: 0,
            output_end: 0,
        }
    }

    /// Decodes until some output is ready or the input is used up.
    fn refill(&mut self) -> io::Result<()> {
        self.output_start = 0;
        self.output_end = 0;
        while self.output_end == 0 && !self.finished {
            if self.input_start == self.input_end && !self.input_done {
                let read = read_retrying(&mut self.inner, &mut self.input)?;
                (self.input_start, self.input_end) = (0, read);
                self.input_done = read == 0;
            }
            // One byte of the output is kept free for an `UNDECODABLE` marker.
            let room = self.output.len() - 1;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.input_start..self.input_end],
                &mut self.output[..room],
                self.input_done,
            );
            self.input_start += read;
            self.output_end = written;
            match result {
                DecoderResult::InputEmpty => self.finished = self.input_done,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => {
                    self.output[written] = UNDECODABLE;
                    self.output_end += 1;
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.output_start == self.output_end {
            self.refill()?;
        }
        let ready = &self.output[self.output_start..self.output_end];
        let n = ready.len().min(buf.len());
        buf[..n].copy_from_slice(&ready[..n]);
        self.output_start += n;
        Ok(n)
    }
}

fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(bytes: &[u8]) -> Detected {
        detect(bytes, true, &CsvOptions::default()).expect("detects")
    }

    fn transcode(bytes: &[u8], encoding: &'static Encoding) -> Vec<u8> {
        let mut out = Vec::new();
        Transcoder::new(bytes, encoding)
            .read_to_end(&mut out)
            .expect("reads");
        out
    }

    #[test]
    fn byte_order_marks_name_the_encoding() {
        let utf8 = detected(b"\xEF\xBB\xBFa;b\n1;2\n");
        assert_eq!(
            (utf8.encoding, utf8.bom_len, utf8.delimiter),
            (UTF_8, 3, b';')
        );
        let le = detected(b"\xFF\xFEa\0,\0b\0\n\0");
        assert_eq!((le.encoding, le.bom_len, le.delimiter), (UTF_16LE, 2, b','));
        let be = detected(b"\xFE\xFF\0a\0\t\0b\0\n");
        assert_eq!(
            (be.encoding, be.bom_len, be.delimiter),
            (UTF_16BE, 2, b'\t')
        );
    }

    #[test]
    fn utf16_without_a_mark_is_told_by_its_zero_bytes() {
        assert_eq!(
            detected(b"a\0,\0b\0\n\x001\0,\x002\0\n\0").encoding,
            UTF_16LE
        );
        assert_eq!(
            detected(b"\0a\0,\0b\0\n\x001\0,\x002\0\n").encoding,
            UTF_16BE
        );
        assert_eq!(detected(b"a,b\n1,x\0y\n").encoding, UTF_8);
    }

    #[test]
    fn legacy_bytes_are_guessed_and_mostly_utf8_stays_utf8() {
        assert_eq!(
            detected(b"name\nJos\xE9 M\xFCller \x80\n").encoding,
            WINDOWS_1252
        );
        assert_eq!(detected("name\nJosé\nMüller\n".as_bytes()).encoding, UTF_8);
        let mut bytes = "name\nJosé\nMüller\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"bad \xFF\n");
        assert_eq!(detected(&bytes).encoding, UTF_8);
    }

    #[test]
    fn a_byte_order_mark_wins_over_the_option() {
        let options = CsvOptions {
            encoding: Some("windows-1252".into()),
            delimiter: None,
        };
        let found = detect(b"\xFF\xFEa\0\n\0", true, &options).expect("detects");
        assert_eq!(found.encoding, UTF_16LE);
        let forced = detect(b"a\n\xC3\xA9\n", true, &options).expect("detects");
        assert_eq!(forced.encoding, WINDOWS_1252);
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(encoding_for_label(" Latin1 ").expect("known"), WINDOWS_1252);
        assert_eq!(
            encoding_for_label("shift_jis").expect("known").name(),
            "Shift_JIS"
        );
        let unknown = encoding_for_label("klingon").expect_err("unknown");
        assert!(unknown.to_string().contains("`klingon`"), "{unknown}");
        assert!(encoding_for_label("iso-2022-kr").is_err());
        assert_eq!(delimiter_for_option("\\t").expect("tab"), b'\t');
        assert_eq!(delimiter_for_option("tab").expect("tab"), b'\t');
        assert_eq!(delimiter_for_option("\t").expect("tab"), b'\t');
        assert_eq!(delimiter_for_option(";").expect("semicolon"), b';');
        for bad in ["", ";;", "é", "\""] {
            let err = delimiter_for_option(bad).expect_err("refused");
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn sniffing_prefers_the_consistent_split() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter("a\tb\n\"x,y;z\"\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("name,notes\nA,\"x;\ny;z\"\nB,c\n"), b',');
        assert_eq!(sniff_delimiter("single\nvalue\n"), b',');
        assert_eq!(sniff_delimiter(""), b',');
    }

    #[test]
    fn a_cut_last_line_is_not_sniffed() {
        let text = "a;b\n1;2\n3,4,5,6,7";
        let found = detect(text.as_bytes(), false, &CsvOptions::default()).expect("detects");
        assert_eq!(found.delimiter, b';');
    }

    #[test]
    fn transcoding_marks_undecodable_bytes() {
        assert_eq!(
            transcode(b"caf\xE9 \x80\n", WINDOWS_1252),
            "café €\n".as_bytes()
        );
        assert_eq!(transcode(b"a\0\n\0", UTF_16LE), b"a\n");
        // An unpaired surrogate, then an odd last byte.
        assert_eq!(transcode(b"\x00\xD8a\0b", UTF_16LE), b"\xFFa\xFF");
    }

    #[test]
    fn transcoding_survives_small_reads() {
        let text = "é€ü\n".repeat(10_000);
        let source: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(source.len() > TRANSCODE_BUFFER);
        let mut reader = Transcoder::new(source.as_slice(), UTF_16BE);
        let mut out = Vec::new();
        let mut chunk = [0; 7];
        loop {
            let n = reader.read(&mut chunk).expect("reads");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(String::from_utf8(out).expect("utf-8"), text);
    }
}
