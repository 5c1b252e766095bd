//! The read side of a run: records are read and mapped in batches on a thread of their own,
//! mapping spread over all cores, while the store writes the previous batch.

use anyhow::Result;
use rayon::prelude::*;
use tokio::sync::mpsc;

use crate::job::OpenSource;
use crate::mapping::Mapping;
use crate::model::LeadDraft;
use crate::report::Reject;
use crate::source::{BadRecord, Record};

/// A mapped row on its way to the store.
#[derive(Debug)]
pub struct MappedRow {
    pub line: u64,
    /// The lead's identity within its source: the key column, else the fingerprint.
    pub source_key: String,
    pub fingerprint: String,
    pub draft: LeadDraft,
}

/// One batch of a source: the rows that mapped, and the ones refused.
#[derive(Debug)]
pub struct Batch {
    pub source: usize,
    pub rows: Vec<MappedRow>,
    pub rejects: Vec<Reject>,
    pub rows_read: u64,
    /// The source's incremental cursor once this batch is in (HTTP sources that keep one).
    pub cursor: Option<String>,
    /// Pages the source has fetched so far, for sources that have pages.
    pub pages: Option<u64>,
}

/// Reads every source in turn and sends its batches; stops early when the receiver is gone
/// (the run was stopped). Runs on a blocking thread.
pub fn read_sources(
    sources: &mut [OpenSource],
    batch_size: usize,
    sender: mpsc::Sender<Result<Batch>>,
) {
    for (index, source) in sources.iter_mut().enumerate() {
        loop {
            let batch = match read_batch(index, source, batch_size) {
                Ok(Some(batch)) => Ok(batch),
                Ok(None) => break,
                Err(err) => Err(err),
            };
            let failed = batch.is_err();
            if sender.blocking_send(batch).is_err() || failed {
                return;
            }
        }
    }
}

fn read_batch(index: usize, source: &mut OpenSource, batch_size: usize) -> Result<Option<Batch>> {
    let mut records = Vec::with_capacity(batch_size);
    while records.len() < batch_size {
        match source.reader.next_record()? {
            Some(record) => records.push(record),
            None => break,
        }
    }
    if records.is_empty() {
        return Ok(None);
    }
    let name = source.spec.name.as_str();
    let mapping = &source.mapping;
    let key_index = source.key_index;
    let results: Vec<Result<MappedRow, Reject>> = records
        .into_par_iter()
        .map(|record| match record {
            Ok(record) => map_record(name, mapping, key_index, record),
            Err(bad) => Err(unreadable(name, bad)),
        })
        .collect();
    let mut batch = Batch {
        source: index,
        rows: Vec::with_capacity(results.len()),
        rejects: Vec::new(),
        rows_read: results.len() as u64,
        cursor: source.reader.high_water().map(str::to_string),
        pages: source.reader.pages(),
    };
    for result in results {
        match result {
            Ok(row) => batch.rows.push(row),
            Err(reject) => batch.rejects.push(reject),
        }
    }
    Ok(Some(batch))
}

fn map_record(
    source: &str,
    mapping: &Mapping,
    key_index: Option<usize>,
    record: Record,
) -> Result<MappedRow, Reject> {
    match mapping.apply(&record.cells) {
        Ok(draft) => {
            let fingerprint = draft.fingerprint();
            let key = key_index
                .and_then(|i| record.cells.get(i))
                .map(str::trim)
                .unwrap_or("");
            // A record without its key still has an identity: its content.
            let source_key = if key.is_empty() {
                format!("#{fingerprint}")
            } else {
                key.to_string()
            };
            Ok(MappedRow {
                line: record.line,
                source_key,
                fingerprint,
                draft,
            })
        }
        Err(err) => Err(Reject {
            source: source.to_string(),
            line: record.line,
            field: err.field,
            reason: err.reason,
            cells: record.cells.iter().map(str::to_string).collect(),
        }),
    }
}

fn unreadable(source: &str, bad: BadRecord) -> Reject {
    Reject {
        source: source.to_string(),
        line: bad.line,
        field: String::new(),
        reason: bad.reason,
        cells: bad.cells,
    }
}
