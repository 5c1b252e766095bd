//! Where a run stands, committed with every batch so that a killed run can go on from its
//! last committed batch: per source the records read and a hash of them, the input's size,
//! and how far the rejects file had got.

use serde::{Deserialize, Serialize};

use crate::job::{OpenSource, SourceInput};
use crate::store::journal::Resumable;

/// The run's position, as stored on the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub sources: Vec<SourcePosition>,
    /// Length of the rejects file and rows in it at the last commit.
    pub rejects_bytes: u64,
    pub rejects_written: u64,
}

/// How far one source has been read and committed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourcePosition {
    pub name: String,
    /// Records read (good and rejected) up to the last committed batch.
    pub records: u64,
    /// Line (row, record number) of the last of them, for messages.
    pub line: u64,
    /// blake3 of every record read, so a changed input is noticed on resuming.
    pub hash: String,
    /// Size of the input file when the run began; `None` for HTTP sources.
    pub size: Option<u64>,
}

/// A rolling hash over the records of a source.
#[derive(Clone, Default)]
pub struct RecordHash {
    hasher: blake3::Hasher,
    /// Records not hashed yet. blake3 hashes a long input several blocks at a time (SIMD),
    /// but a record at a time only one block after another; the digest is the same.
    pending: Vec<u8>,
}

/// How many bytes of records wait before they are hashed.
const PENDING_BYTES: usize = 64 * 1024;

impl RecordHash {
    pub fn add(&mut self, cells: impl IntoIterator<Item = impl AsRef<[u8]>>) {
        for cell in cells {
            self.pending.extend_from_slice(cell.as_ref());
            self.pending.push(0x1f);
        }
        self.pending.push(0x1e);
        if self.pending.len() >= PENDING_BYTES {
            self.flush();
        }
    }

    pub fn hex(&mut self) -> String {
        self.flush();
        self.hasher.finalize().to_hex().to_string()
    }

    fn flush(&mut self) {
        self.hasher.update(&self.pending);
        self.pending.clear();
    }
}

/// The size of a source's input file, when it is a file.
pub fn input_size(source: &OpenSource) -> Option<u64> {
    let path = match &source.spec.input {
        SourceInput::Csv { path, .. } | SourceInput::Sheet { path, .. } => path,
        SourceInput::Http(_) => return None,
    };
    std::fs::metadata(path).map(|m| m.len()).ok()
}

/// The fresh position of every source.
pub fn start(sources: &[OpenSource]) -> Progress {
    Progress {
        sources: sources
            .iter()
            .map(|s| SourcePosition {
                name: s.spec.name.clone(),
                size: input_size(s),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Where a stopped run stood, if it can go on with these sources: the same sources, and
/// every input file the size it was. Otherwise why not.
pub fn resume_from(run: &Resumable, sources: &[OpenSource]) -> Result<Progress, String> {
    let stored: Progress = serde_json::from_value(run.progress.clone())
        .map_err(|err| format!("its recorded position is unreadable ({err})"))?;
    let fresh = start(sources);
    if stored.sources.len() != fresh.sources.len() {
        return Err("the job's sources changed".to_string());
    }
    for (old, new) in stored.sources.iter().zip(&fresh.sources) {
        if old.name != new.name {
            return Err(format!("source `{}` is not the one it read", new.name));
        }
        if old.size != new.size {
            return Err(format!(
                "the input of source `{}` changed size ({} -> {} bytes)",
                new.name,
                old.size.unwrap_or_default(),
                new.size.unwrap_or_default()
            ));
        }
    }
    // An incremental source reopens at the cursor saved with the last committed batch:
    // what it reads next is already the rest, so nothing is read again.
    let mut stored = stored;
    for (position, source) in stored.sources.iter_mut().zip(sources) {
        if source.spec.is_incremental() {
            position.records = 0;
            position.hash.clear();
        }
    }
    Ok(stored)
}

/// The input of a source differs, in the part a stopped run had read, from what it read.
#[derive(Debug, thiserror::Error)]
#[error(
    "the input of source `{name}` changed in the part already imported (records 1 to {records})"
)]
pub struct InputChanged {
    pub name: String,
    pub records: u64,
}

#[cfg(test)]
mod tests {
    use super::RecordHash;

    #[test]
    fn the_record_hash_is_blake3_of_cells_and_separators() {
        // The hash of a stopped run's records is stored; a resumed run must compute the same.
        let mut hash = RecordHash::default();
        hash.add(["a", "b"]);
        hash.add(["", "c"]);
        let expected = blake3::hash(b"a\x1fb\x1f\x1e\x1fc\x1f\x1e");
        assert_eq!(hash.hex(), expected.to_hex().to_string());
        // Hashing as it goes (here, past what waits to be hashed) changes nothing.
        let long = "x".repeat(super::PENDING_BYTES);
        let mut hash = RecordHash::default();
        hash.add(["a", "b"]);
        let first = hash.hex();
        hash.add([long.as_str()]);
        hash.add(["c"]);
        let mut whole = b"a\x1fb\x1f\x1e".to_vec();
        whole.extend_from_slice(long.as_bytes());
        whole.extend_from_slice(b"\x1f\x1e");
        assert_eq!(first, blake3::hash(&whole[..5]).to_hex().to_string());
        whole.extend_from_slice(b"c\x1f\x1e");
        assert_eq!(hash.hex(), blake3::hash(&whole).to_hex().to_string());
    }
}
