//! Committing a batch: its rows, the source's incremental cursor and the run's position
//! and counts go into one transaction, retried when another writer conflicts with it.

use std::collections::HashSet;
use std::time::Duration;

use super::progress::Progress;
use super::read::Batch;
use super::write::{self, BatchOutcome};
use crate::dedup::RunIndex;
use crate::model::Id;
use crate::report::Summary;
use crate::store::{Store, StoreError, Tx};

/// How many times a batch is retried when the database reports a transient conflict.
const BATCH_ATTEMPTS: u32 = 5;

/// What the run knows besides the batch, to record where it stands.
pub struct RunState<'a> {
    pub run: Id,
    pub summary: &'a Summary,
    pub progress: &'a Progress,
}

/// Adds a committed batch to the run's counts.
pub fn tally(summary: &mut Summary, batch: &Batch, outcome: &BatchOutcome) {
    let rejected = batch.rejects.len() as u64;
    let counts = &mut summary.sources[batch.source];
    counts.rows_read += batch.rows_read;
    counts.rows_rejected += rejected;
    summary.rows_read += batch.rows_read;
    summary.rows_rejected += rejected;
    summary.leads_created += outcome.created;
    summary.leads_updated += outcome.updated;
    summary.leads_unchanged += outcome.unchanged;
    summary.leads_skipped_converted += outcome.skipped_converted;
    summary.rows_merged_duplicates += outcome.merged_duplicates;
    summary.dedup.add(&outcome.dedup);
}

/// Writes one batch in `tx`: rows, cursor, and (unless `state` is `None`, as in a dry
/// run) the run's counts and position as they will be once the batch is in.
pub async fn write_in(
    tx: &mut Tx,
    source: &str,
    batch: &Batch,
    seen: &HashSet<u128>,
    index: Option<&RunIndex>,
    state: Option<&RunState<'_>>,
    run: Id,
) -> Result<BatchOutcome, StoreError> {
    let outcome = write::write_batch(tx, source, &batch.rows, seen, index, run).await?;
    if let Some(cursor) = &batch.cursor {
        tx.save_cursor(source, cursor, run).await?;
    }
    if let Some(state) = state {
        let mut summary = state.summary.clone();
        tally(&mut summary, batch, &outcome);
        let counts = serde_json::to_value(&summary).expect("a summary serializes to JSON");
        let progress = serde_json::to_value(state.progress).expect("a position serializes");
        tx.checkpoint(state.run, &counts, &progress).await?;
    }
    Ok(outcome)
}

/// Writes and commits one batch in a transaction of its own, retrying conflicts.
pub async fn commit_batch(
    store: &Store,
    source: &str,
    batch: &Batch,
    seen: &HashSet<u128>,
    index: &mut Option<RunIndex>,
    state: &RunState<'_>,
) -> Result<BatchOutcome, StoreError> {
    let mut attempt = 1;
    loop {
        let mut tx = store.begin().await?;
        // The run index holds only this run's records: once another import writes to the
        // store too, matching goes back to the database for the rest of the run.
        if index.is_some() && tx.other_runs_active(state.run).await? {
            tracing::info!("another import is running: matching against the database from now on");
            *index = None;
        }
        let written = write_in(
            &mut tx,
            source,
            batch,
            seen,
            index.as_ref(),
            Some(state),
            state.run,
        );
        let result = match written.await {
            Ok(outcome) => tx.commit().await.map(|()| outcome),
            Err(err) => {
                tx.rollback().await.ok();
                Err(err)
            }
        };
        match result {
            Err(err)
                if (err.is_retryable() || err.is_unique_violation())
                    && attempt < BATCH_ATTEMPTS =>
            {
                // Another writer is at work: the store is no longer this run's alone.
                *index = None;
                tracing::warn!(attempt, error = %err, "batch conflicted with another writer; retrying");
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}
