//! The rejects file: every refused row with its source, line, field and reason, followed by
//! the row's original cells, so it can be fixed and imported again.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One refused row.
#[derive(Debug, Clone)]
pub struct Reject {
    pub source: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
    pub cells: Vec<String>,
}

/// How far the rejects file had got: its length and the rows in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejectMark {
    pub bytes: u64,
    pub written: u64,
}

/// Writes rejects as CSV; the file is only created when the first reject arrives.
pub struct RejectWriter {
    path: PathBuf,
    header: Vec<String>,
    writer: Option<csv::Writer<BufWriter<File>>>,
    written: u64,
}

const META_COLUMNS: [&str; 4] = ["_source", "_line", "_field", "_reason"];

impl RejectWriter {
    /// `header` is the union of the sources' columns, so every source's cells line up.
    /// A rejects file left by an earlier run is removed, so the file on disk always belongs
    /// to the latest run. Any other file at that path is left alone and the run refuses to
    /// start, so a mistyped `--rejects` cannot destroy an input.
    pub fn new(path: &Path, header: Vec<String>) -> Result<RejectWriter> {
        let shown = path.display();
        if let Ok(file) = File::open(path) {
            let mut first_line = String::new();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut first_line)
                .with_context(|| format!("cannot read `{shown}`"))?;
            if !first_line.starts_with(&META_COLUMNS.join(",")) {
                anyhow::bail!(
                    "`{shown}` exists and is not a rejects file; choose another path with --rejects"
                );
            }
            std::fs::remove_file(path).with_context(|| format!("cannot replace `{shown}`"))?;
        }
        Ok(RejectWriter {
            path: path.to_path_buf(),
            header,
            writer: None,
            written: 0,
        })
    }

    /// Goes on with the rejects file of a stopped run: what its last committed batch had
    /// written is kept, anything after is cut off.
    pub fn resume(
        path: &Path,
        header: Vec<String>,
        bytes: u64,
        written: u64,
    ) -> Result<RejectWriter> {
        let mut writer = RejectWriter {
            path: path.to_path_buf(),
            header,
            writer: None,
            written: 0,
        };
        if bytes == 0 {
            return RejectWriter::new(path, writer.header);
        }
        // Only the file the stopped run wrote is cut back: a rejects file at least as long
        // as the run had got.
        let shown = path.display();
        let found = std::fs::metadata(path)
            .with_context(|| format!("the rejects file `{shown}` of the stopped run is gone"))?;
        let mut first_line = String::new();
        let file = File::open(path).with_context(|| format!("cannot read `{shown}`"))?;
        std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut first_line)
            .with_context(|| format!("cannot read `{shown}`"))?;
        if !first_line.starts_with(&META_COLUMNS.join(",")) || found.len() < bytes {
            anyhow::bail!("`{shown}` is not the rejects file the stopped run wrote");
        }
        writer.truncate(RejectMark { bytes, written })?;
        Ok(writer)
    }

    /// Where the file stands now (everything written is flushed).
    pub fn mark(&mut self) -> Result<RejectMark> {
        self.finish()?;
        let bytes = match &self.writer {
            Some(_) => std::fs::metadata(&self.path)
                .with_context(|| format!("cannot read `{}`", self.path.display()))?
                .len(),
            None => 0,
        };
        Ok(RejectMark {
            bytes,
            written: self.written,
        })
    }

    /// Cuts the file back to a mark: the rejects of a batch that did not commit go.
    pub fn truncate(&mut self, mark: RejectMark) -> Result<()> {
        self.writer = None;
        self.written = mark.written;
        if mark.bytes == 0 {
            if std::fs::exists(&self.path).unwrap_or(false) {
                std::fs::remove_file(&self.path)
                    .with_context(|| format!("cannot remove `{}`", self.path.display()))?;
            }
            return Ok(());
        }
        let shown = self.path.display();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .with_context(|| format!("cannot open the rejects file `{shown}` to go on with it"))?;
        file.set_len(mark.bytes)
            .with_context(|| format!("cannot cut `{shown}` back"))?;
        drop(file);
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .with_context(|| format!("cannot open `{shown}`"))?;
        self.writer = Some(
            csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(BufWriter::new(file)),
        );
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes a reject; `columns` are the names of the reject's cells in its source.
    pub fn write(&mut self, reject: &Reject, columns: &[String]) -> Result<()> {
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let file = File::create(&self.path).with_context(|| {
                    format!("cannot create the rejects file `{}`", self.path.display())
                })?;
                let mut writer = csv::WriterBuilder::new()
                    .flexible(true)
                    .from_writer(BufWriter::new(file));
                let header = META_COLUMNS
                    .iter()
                    .map(|c| c.to_string())
                    .chain(self.header.iter().cloned());
                writer.write_record(header.collect::<Vec<_>>())?;
                self.writer.insert(writer)
            }
        };
        let mut record: Vec<String> = vec![
            escape_formula(&reject.source),
            reject.line.to_string(),
            escape_formula(&reject.field),
            escape_formula(&reject.reason),
        ];
        for column in &self.header {
            let cell = columns
                .iter()
                .position(|c| c == column)
                .and_then(|i| reject.cells.get(i))
                .map_or("", String::as_str);
            record.push(escape_formula(cell));
        }
        // A ragged row has cells beyond the header; keep them rather than lose them.
        record.extend(
            reject
                .cells
                .iter()
                .skip(columns.len())
                .map(|c| escape_formula(c)),
        );
        writer
            .write_record(&record)
            .with_context(|| format!("cannot write `{}`", self.path.display()))?;
        self.written += 1;
        Ok(())
    }

    pub fn finish(&mut self) -> Result<()> {
        if let Some(writer) = &mut self.writer {
            writer
                .flush()
                .with_context(|| format!("cannot write `{}`", self.path.display()))?;
        }
        Ok(())
    }
}

/// Spreadsheets run cells that start with `=`, `+`, `-` or `@` as formulas; a leading
/// apostrophe makes them plain text (the OWASP advice for CSV injection).
pub fn escape_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(escape_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(escape_formula("+1 415"), "'+1 415");
        assert_eq!(escape_formula("plain"), "plain");
        assert_eq!(escape_formula(""), "");
    }

    #[test]
    fn only_an_old_rejects_file_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("leads.csv");
        std::fs::write(&input, "id,name\n1,Ada\n").expect("write");
        let err = RejectWriter::new(&input, vec![]).err().expect("refused");
        assert!(err.to_string().contains("is not a rejects file"), "{err}");
        assert!(input.exists(), "the input is untouched");
        let old = dir.path().join("old.rejects.csv");
        std::fs::write(&old, "_source,_line,_field,_reason,a\n").expect("write");
        RejectWriter::new(&old, vec![]).expect("replaced");
        assert!(!old.exists(), "the earlier run's rejects are gone");
    }

    #[test]
    fn writes_meta_then_original_columns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rejects.csv");
        let header = vec!["a".to_string(), "b".to_string()];
        let mut writer = RejectWriter::new(&path, header.clone()).expect("writer");
        assert!(!path.exists(), "no rejects, no file");
        let reject = Reject {
            source: "s".into(),
            line: 7,
            field: "person.email".into(),
            reason: "email `@x` has no local part".into(),
            cells: vec!["@x".into(), "2".into(), "extra".into()],
        };
        writer.write(&reject, &header).expect("write");
        writer.finish().expect("flush");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            "_source,_line,_field,_reason,a,b\ns,7,person.email,email `@x` has no local part,'@x,2,extra\n"
        );
    }
}
