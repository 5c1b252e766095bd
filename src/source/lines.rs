//! Where lines start in a stream, whatever ends them (LF, CR LF, or a bare CR, mixed as
//! they come), so that a record can be dated by the line it starts on.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that notes the offset of every line start in the bytes that pass through it.
pub struct LineCounting<R> {
    inner: R,
    offset: u64,
    last_was_cr: bool,
    /// Line starts not yet behind the last offset asked about.
    starts: VecDeque<u64>,
    /// Line starts already behind it.
    passed: u64,
}

impl<R> LineCounting<R> {
    pub fn new(inner: R) -> LineCounting<R> {
        LineCounting {
            inner,
            offset: 0,
            last_was_cr: false,
            starts: VecDeque::new(),
            passed: 0,
        }
    }

    /// The 1-based line holding the byte at `offset`. Offsets asked about must not go back.
    pub fn line_of(&mut self, offset: u64) -> u64 {
        while self.starts.front().is_some_and(|&start| start <= offset) {
            self.starts.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }

    fn note(&mut self, bytes: &[u8]) {
        for at in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            let offset = self.offset + at as u64;
            let crlf =
                bytes[at] == b'\n' && self.last_was_cr && self.starts.back() == Some(&offset);
            if crlf {
                // The LF of a CR LF: the line starts after it, not after the CR.
                *self.starts.back_mut().expect("the CR's line start") = offset + 1;
            } else {
                self.starts.push_back(offset + 1);
            }
            self.last_was_cr = bytes[at] == b'\r';
        }
        if let Some(&last) = bytes.last() {
            // A CR at the very end of a read may meet its LF in the next one.
            self.last_was_cr = last == b'\r';
        }
        self.offset += bytes.len() as u64;
    }
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.note(&buf[..n]);
        Ok(n)
    }
}

/// Line breaks inside a record's cells (quoted cells may hold them); CR LF counts once.
pub fn breaks_in(cells: &csv::ByteRecord) -> u64 {
    // Almost every record has none: one vectorized search over all its bytes says so.
    if memchr::memchr2(b'\r', b'\n', cells.as_slice()).is_none() {
        return 0;
    }
    let mut breaks = 0;
    for cell in cells {
        let mut previous_cr = false;
        for &byte in cell {
            if byte == b'\r' || (byte == b'\n' && !previous_cr) {
                breaks += 1;
            }
            previous_cr = byte == b'\r';
        }
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]], offsets: &[u64]) -> Vec<u64> {
        let mut counting = LineCounting::new(io::empty());
        for chunk in chunks {
            counting.note(chunk);
        }
        offsets.iter().map(|&o| counting.line_of(o)).collect()
    }

    #[test]
    fn every_kind_of_line_end_starts_a_line() {
        // a\n b\r\n c\r d
        let text: &[u8] = b"a\nb\r\nc\rd";
        assert_eq!(
            lines(&[text], &[0, 1, 2, 3, 4, 5, 6, 7]),
            [1, 1, 2, 2, 2, 3, 3, 4]
        );
    }

    #[test]
    fn a_cr_lf_split_between_reads_is_one_line_end() {
        assert_eq!(lines(&[b"a\r", b"\nb"], &[3]), [2]);
        assert_eq!(lines(&[b"a\r", b"\rb"], &[3]), [3]);
    }

    #[test]
    fn breaks_in_cells_count_cr_lf_once() {
        let record = csv::ByteRecord::from(vec!["a\r\nb", "c\rd\ne"]);
        assert_eq!(breaks_in(&record), 3);
    }
}
