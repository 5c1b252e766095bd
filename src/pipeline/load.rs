//! Loading the batches into the store, in order, each in a transaction of its own.
//!
//! When the run matches against its own records in memory (the store was empty when it
//! began), batch N+1 is planned on this task while batch N commits on a task of its own:
//! matching and writing overlap. Batches still commit one after the other, and a batch's
//! commit is always waited for before the loop goes on or ends.

use std::future::Future;
use std::pin::Pin;

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::commit::{self, RunState};
use super::progress::Progress;
use super::read::Batch;
use super::write::{self, BatchOutcome, BatchPlan};
use crate::dedup::{HashedSet, RunIndex};
use crate::job::Job;
use crate::model::Id;
use crate::report::{RejectMark, RejectWriter, Summary};
use crate::store::{Store, StoreError, Tx};

/// Everything the load loop reads and updates.
pub struct Load<'a> {
    pub job: &'a Job,
    pub store: &'a Store,
    pub run: Id,
    pub names: &'a [String],
    pub headers: &'a [Vec<String>],
    pub summary: &'a mut Summary,
    pub progress: &'a mut Progress,
    pub rejects: &'a mut RejectWriter,
    /// A dry run's transaction: everything goes into it.
    pub dry: Option<&'a mut Tx>,
    /// The run's own records, while it is alone in a store that was empty.
    pub index: Option<RunIndex>,
    /// Hashes of the lead identities the run has met, to tell in-file duplicates.
    pub seen: HashedSet,
    pub bar: &'a ProgressBar,
    /// Set when Ctrl-C stopped the load.
    pub interrupted: bool,
    /// Whether SQLite checks foreign keys, as it does unless a batch whose references
    /// the run has checked itself is being written (see `Store::check_foreign_keys`).
    pub foreign_keys_checked: bool,
}

/// A planned batch committing on a task of its own.
struct InFlight {
    task: JoinHandle<(Batch, BatchPlan, Result<bool, StoreError>)>,
    /// The rejects file before the batch's rejects, to cut it back if the batch fails.
    mark: RejectMark,
}

impl Load<'_> {
    /// Takes batches until the reader is done, the error budget is spent, or Ctrl-C.
    pub async fn run<F: Future>(
        &mut self,
        receiver: &mut mpsc::Receiver<Result<Batch>>,
        interrupt: Pin<&mut F>,
    ) -> Result<()> {
        let loaded = self.take_batches(receiver, interrupt).await;
        // However the load ended, the store checks every reference again.
        let restored = self.check_foreign_keys(true).await;
        loaded.and(restored.map_err(anyhow::Error::from))
    }

    async fn take_batches<F: Future>(
        &mut self,
        receiver: &mut mpsc::Receiver<Result<Batch>>,
        mut interrupt: Pin<&mut F>,
    ) -> Result<()> {
        let mut in_flight: Option<InFlight> = None;
        loop {
            // Ctrl-C is noticed between batches: the batch being written commits first.
            let next = tokio::select! {
                biased;
                _ = interrupt.as_mut() => {
                    self.interrupted = true;
                    self.summary.error = Some(super::interrupted_message(self.progress));
                    None
                }
                batch = receiver.recv() => batch,
            };
            let mut planned = match &next {
                Some(Ok(batch)) if !batch.replay => self.plan_in_memory(batch),
                _ => None,
            };
            if let Some(flight) = in_flight.take() {
                if let Some(Refused { batch, plan, mark }) = self.land(flight).await? {
                    // Another run writes or wrote to the store: both plans knew only this
                    // run's records. Both batches are matched against the store instead.
                    tracing::info!(
                        "another run has written to the store: matching against the database from now on"
                    );
                    self.index = None;
                    if let Some(next_plan) = planned.take() {
                        self.forget(&next_plan);
                    }
                    self.forget(&plan);
                    self.commit_from_store(&batch, mark).await?;
                }
                if self.budget_spent() {
                    break;
                }
            }
            let Some(batch) = next else { break };
            let batch = batch?;
            if batch.replay {
                // Committed before: only the keys matter, to tell in-file duplicates.
                self.seen.extend(batch.rows.iter().map(|row| row.identity));
                continue;
            }
            let mark = self.write_rejects(&batch)?;
            match planned {
                Some(plan) => {
                    self.check_foreign_keys(!plan.references_known()).await?;
                    in_flight = Some(self.spawn_commit(batch, plan, mark));
                }
                None => {
                    self.commit_from_store(&batch, mark).await?;
                    if self.budget_spent() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Plans `batch` from the run's records in memory, if it has them, and takes the plan
    /// into them at once: the next batch is planned before this one commits.
    fn plan_in_memory(&mut self, batch: &Batch) -> Option<BatchPlan> {
        let index = self.index.as_mut()?;
        let source = &self.names[batch.source];
        let plan = write::plan_in_memory(index, source, &batch.rows, &self.seen);
        self.seen.extend(&plan.outcome.seen);
        Some(plan)
    }

    /// Takes back the keys of a plan that will not be written.
    fn forget(&mut self, plan: &BatchPlan) {
        for key in &plan.outcome.seen {
            self.seen.remove(key);
        }
    }

    /// Writes the batch's rejects and moves the source's position past it; returns where
    /// the rejects file stood before.
    fn write_rejects(&mut self, batch: &Batch) -> Result<RejectMark> {
        let mark = self.rejects.mark()?;
        for reject in &batch.rejects {
            self.rejects.write(reject, &self.headers[batch.source])?;
        }
        let after = self.rejects.mark()?;
        self.progress.sources[batch.source] = batch.position.clone();
        self.progress.rejects_bytes = after.bytes;
        self.progress.rejects_written = after.written;
        Ok(mark)
    }

    /// Starts committing a batch planned from memory on a task of its own.
    fn spawn_commit(&self, batch: Batch, plan: BatchPlan, mark: RejectMark) -> InFlight {
        let state = RunState {
            run: self.run,
            summary: self.summary,
            progress: self.progress,
        };
        let checkpoint = state.after(&batch, &plan.outcome);
        let store = self.store.clone();
        let source = self.names[batch.source].clone();
        let run = self.run;
        let task = tokio::spawn(async move {
            let result =
                commit::commit_planned(&store, &source, &batch, &plan, &checkpoint, run).await;
            (batch, plan, result)
        });
        InFlight { task, mark }
    }

    /// Waits for a batch committing on its own task; gives it back if it was refused.
    async fn land(&mut self, flight: InFlight) -> Result<Option<Refused>> {
        let (batch, plan, result) = flight.task.await.context("a batch's commit panicked")?;
        match result {
            Ok(true) => {
                self.committed(&batch, &plan.outcome);
                Ok(None)
            }
            Ok(false) => Ok(Some(Refused {
                batch,
                plan,
                mark: flight.mark,
            })),
            Err(err) => Err(self.failed(&batch, flight.mark, err)),
        }
    }

    /// Has the store check foreign keys, or not. Changing it makes SQLite prepare its
    /// statements again, so it changes only when it must, between commits.
    async fn check_foreign_keys(&mut self, on: bool) -> Result<(), StoreError> {
        if self.foreign_keys_checked != on {
            let switched = self.store.check_foreign_keys(on).await?;
            self.foreign_keys_checked = on;
            // PostgreSQL cannot switch them for a session; a bulk load there sets its
            // foreign keys aside instead (see `store::bulk`).
            if !switched {
                return Ok(());
            }
            if on {
                tracing::info!("foreign-key checks are on again");
            } else {
                tracing::info!(
                    "writing without foreign-key checks: the run checked each batch's references"
                );
            }
        }
        Ok(())
    }

    /// Matches a batch against the store, commits it (in the dry run's transaction, when
    /// there is one) and counts it.
    async fn commit_from_store(&mut self, batch: &Batch, mark: RejectMark) -> Result<()> {
        self.check_foreign_keys(true).await?;
        let source = &self.names[batch.source];
        let state = RunState {
            run: self.run,
            summary: self.summary,
            progress: self.progress,
        };
        let written = match &mut self.dry {
            Some(tx) => commit::write_in(tx, source, batch, &self.seen, None, self.run).await,
            None => commit::commit_batch(self.store, source, batch, &self.seen, &state).await,
        };
        let outcome = written.map_err(|err| self.failed(batch, mark, err))?;
        self.seen.extend(&outcome.seen);
        self.committed(batch, &outcome);
        Ok(())
    }

    /// Cuts the batch's rejects back out and says which lines could not be stored.
    fn failed(&mut self, batch: &Batch, mark: RejectMark, err: StoreError) -> anyhow::Error {
        if let Err(truncate) = self.rejects.truncate(mark) {
            return truncate;
        }
        let source = &self.names[batch.source];
        let (first, last) = (batch.rows.first(), batch.rows.last());
        let lines = first
            .zip(last)
            .map(|(a, b)| (a.line, b.line))
            .unwrap_or_default();
        anyhow::Error::new(err).context(format!(
            "source `{source}`: cannot store the batch of lines {} to {}",
            lines.0, lines.1
        ))
    }

    /// Counts a committed batch.
    fn committed(&mut self, batch: &Batch, outcome: &BatchOutcome) {
        commit::tally(self.summary, batch, outcome);
        self.bar.inc(batch.rows_read);
        if let Some(pages) = batch.pages {
            self.bar.set_message(format!("{pages} pages"));
        }
        let source = &self.names[batch.source];
        tracing::info!(source = %source, rows = batch.rows_read, rejected = batch.rejects.len(), "batch committed");
    }

    /// Whether the error budget is spent; if so the summary says what to do.
    fn budget_spent(&mut self) -> bool {
        let budget = &self.job.error_budget;
        if !budget.is_spent(self.summary.rows_rejected, self.summary.rows_read) {
            return false;
        }
        self.summary.error = Some(format!(
            "the error budget ({budget}) is spent: {} of {} rows rejected so far; the run stopped after \
             committing the rows before; fix the rows in `{}` and run the job again",
            self.summary.rows_rejected,
            self.summary.rows_read,
            self.rejects.path().display()
        ));
        true
    }
}

/// A planned batch that was not written: another run writes, or wrote, to the store too.
struct Refused {
    batch: Batch,
    plan: BatchPlan,
    mark: RejectMark,
}
