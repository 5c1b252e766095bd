//! Committing a batch: its rows, the source's incremental cursor and the run's position
//! and counts go into one transaction, retried when another writer conflicts with it.

use std::time::Duration;

use serde_json::Value;

use super::progress::Progress;
use super::read::Batch;
use super::write::{self, BatchOutcome, BatchPlan};
use crate::dedup::HashedSet;
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

impl RunState<'_> {
    /// The run's counts and position as they will be once `batch` is in, as recorded in
    /// the batch's transaction.
    pub fn after(&self, batch: &Batch, outcome: &BatchOutcome) -> (Value, Value) {
        let mut summary = self.summary.clone();
        tally(&mut summary, batch, outcome);
        let counts = serde_json::to_value(&summary).expect("a summary serializes to JSON");
        let progress = serde_json::to_value(self.progress).expect("a position serializes");
        (counts, progress)
    }
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

/// Writes one batch in `tx`, matching it against the store: rows, cursor, and (unless
/// `state` is `None`, as in a dry run) the run's counts and position as they will be once
/// the batch is in.
pub async fn write_in(
    tx: &mut Tx,
    source: &str,
    batch: &Batch,
    seen: &HashedSet,
    state: Option<&RunState<'_>>,
    run: Id,
) -> Result<BatchOutcome, StoreError> {
    let plan = write::plan_batch(tx, source, &batch.rows, seen).await?;
    let checkpoint = state.map(|state| state.after(batch, &plan.outcome));
    write_plan(tx, source, batch, &plan, checkpoint.as_ref(), run).await?;
    Ok(plan.outcome)
}

/// Writes a planned batch and its cursor, and records the run's counts and position.
async fn write_plan(
    tx: &mut Tx,
    source: &str,
    batch: &Batch,
    plan: &BatchPlan,
    checkpoint: Option<&(Value, Value)>,
    run: Id,
) -> Result<(), StoreError> {
    write::apply_plan(tx, source, &batch.rows, plan, run).await?;
    if let Some(cursor) = &batch.cursor {
        tx.save_cursor(source, cursor, run).await?;
    }
    if let Some((counts, progress)) = checkpoint {
        tx.checkpoint(run, counts, progress).await?;
    }
    Ok(())
}

/// Commits `tx` if everything was written in it, and rolls it back otherwise.
async fn commit_if_written<T>(tx: Tx, written: Result<T, StoreError>) -> Result<T, StoreError> {
    match written {
        Ok(value) => tx.commit().await.map(|()| value),
        Err(err) => {
            tx.rollback().await.ok();
            Err(err)
        }
    }
}

/// Writes and commits one batch in a transaction of its own, retrying conflicts.
pub async fn commit_batch(
    store: &Store,
    source: &str,
    batch: &Batch,
    seen: &HashedSet,
    state: &RunState<'_>,
) -> Result<BatchOutcome, StoreError> {
    let mut attempt = 1;
    loop {
        let mut tx = store.begin().await?;
        let written = write_in(&mut tx, source, batch, seen, Some(state), state.run).await;
        match commit_if_written(tx, written).await {
            Err(err)
                if (err.is_retryable() || err.is_unique_violation())
                    && attempt < BATCH_ATTEMPTS =>
            {
                tracing::warn!(attempt, error = %err, "batch conflicted with another writer; retrying");
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Commits a batch planned from the run's records in memory, with the run's counts and
/// position once it is in. Says `false`, having written nothing, when another run is
/// writing to the store or has written since this one began: the plan knew only this run's
/// records, so the batch must be planned again against the store.
pub async fn commit_planned(
    store: &Store,
    source: &str,
    batch: &Batch,
    plan: &BatchPlan,
    checkpoint: &(Value, Value),
    run: Id,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    if tx.other_runs_since_start(run).await? {
        tx.rollback().await.ok();
        return Ok(false);
    }
    let written = write_plan(&mut tx, source, batch, plan, Some(checkpoint), run).await;
    match commit_if_written(tx, written).await {
        Ok(()) => Ok(true),
        Err(err) if err.is_retryable() || err.is_unique_violation() => Ok(false),
        Err(err) => Err(err),
    }
}
