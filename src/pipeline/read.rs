//! The read side of a run: records are read and mapped in batches on a thread of their own,
//! mapping spread over all cores, while the store writes the previous batch.

use anyhow::Result;
use rayon::prelude::*;
use tokio::sync::mpsc;

use super::priority;
use super::progress::{InputChanged, Progress, RecordHash, SourcePosition};
use crate::dedup::{RowKeys, identity_hash};
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
    /// The hash of the lead's identity, its source and key, to tell in-file duplicates.
    pub identity: u128,
    pub draft: LeadDraft,
    /// What matching compares of the row's person and organization.
    pub keys: RowKeys,
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
    /// Where the source stands after this batch.
    pub position: SourcePosition,
    /// Records a stopped run already committed, read again only to learn their keys.
    pub replay: bool,
}

/// Reads every source in turn and sends its batches; stops early when the receiver is gone
/// (the run was stopped). The first `progress.sources[i].records` records of source `i`
/// are sent as replay batches, and their hash must match the recorded one. Runs on a
/// thread of its own, below normal priority as the mapping threads are (see `priority`).
pub fn read_sources(
    sources: &mut [OpenSource],
    batch_size: usize,
    progress: &Progress,
    sender: mpsc::Sender<Result<Batch>>,
) {
    priority::lower_current_thread();
    let mappers = match priority::mapping_threads() {
        Ok(mappers) => mappers,
        Err(err) => {
            let _ = sender.blocking_send(Err(err));
            return;
        }
    };
    for (index, source) in sources.iter_mut().enumerate() {
        let done = &progress.sources[index];
        let mut position = SourcePosition {
            records: 0,
            hash: String::new(),
            ..done.clone()
        };
        let mut hash = RecordHash::default();
        loop {
            let replaying = position.records < done.records;
            let limit = if replaying {
                batch_size.min((done.records - position.records) as usize)
            } else {
                batch_size
            };
            let read = read_batch(index, source, limit, &mut position, &mut hash, &mappers);
            let batch = match read {
                Ok(Some(mut batch)) => {
                    batch.replay = replaying;
                    if replaying && position.records == done.records && position.hash != done.hash {
                        Err(InputChanged {
                            name: done.name.clone(),
                            records: done.records,
                        }
                        .into())
                    } else {
                        Ok(batch)
                    }
                }
                Ok(None) if replaying => Err(InputChanged {
                    name: done.name.clone(),
                    records: done.records,
                }
                .into()),
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

fn read_batch(
    index: usize,
    source: &mut OpenSource,
    limit: usize,
    position: &mut SourcePosition,
    hash: &mut RecordHash,
    mappers: &rayon::ThreadPool,
) -> Result<Option<Batch>> {
    let mut records = Vec::with_capacity(limit);
    while records.len() < limit {
        match source.reader.next_record()? {
            Some(record) => {
                match &record {
                    Ok(good) => {
                        hash.add(good.cells.iter());
                        position.line = good.line;
                    }
                    Err(bad) => {
                        hash.add(bad.cells.iter());
                        position.line = bad.line;
                    }
                }
                records.push(record);
            }
            None => break,
        }
    }
    if records.is_empty() {
        return Ok(None);
    }
    position.records += records.len() as u64;
    position.hash = hash.hex();
    let name = source.spec.name.as_str();
    let mapping = &source.mapping;
    let key_index = source.key_index;
    let results: Vec<Result<MappedRow, Reject>> = mappers.install(|| {
        records
            .into_par_iter()
            .map(|record| match record {
                Ok(record) => map_record(name, mapping, key_index, record),
                Err(bad) => Err(unreadable(name, bad)),
            })
            .collect()
    });
    let mut batch = Batch {
        source: index,
        rows: Vec::with_capacity(results.len()),
        rejects: Vec::new(),
        rows_read: results.len() as u64,
        cursor: source.reader.high_water().map(str::to_string),
        pages: source.reader.pages(),
        position: position.clone(),
        replay: false,
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
                identity: identity_hash(source, &source_key),
                source_key,
                fingerprint,
                keys: RowKeys::of(&draft),
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
