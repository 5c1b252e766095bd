//! The import run: source -> mapping -> dedup -> store, batch by batch.
//!
//! A reader thread streams each source and maps its records in parallel (`read`); this
//! task takes the batches in order and writes each in one transaction (`write`). The
//! channel between them holds two batches, so memory stays bounded whatever the file size.

mod read;
mod write;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;

use crate::convert;
use crate::dedup::RunIndex;
use crate::job::{Job, OpenSource};
use crate::model::Id;
use crate::report::{RejectWriter, SourceSummary, Summary};
use crate::store::runs::{RunKind, RunStatus};
use crate::store::{Store, StoreError};

/// How many times a batch is retried when the database reports a transient conflict.
const BATCH_ATTEMPTS: u32 = 5;

pub struct ImportOptions {
    pub rejects_path: PathBuf,
    /// Draw a progress bar on stderr (only where stderr is a terminal).
    pub progress: bool,
}

/// Runs `job` into `store`. A spent error budget is a finished run with status `failed`;
/// an `Err` is a run that could not go on (unreadable file, database down).
pub async fn import(
    job: &Job,
    mut sources: Vec<OpenSource>,
    store: &Store,
    options: &ImportOptions,
) -> Result<Summary> {
    let started = Instant::now();
    let run = store
        .start_run(RunKind::Import, &job.name, &job.config_hash)
        .await?;
    tracing::info!(run = %run, job = %job.name, backend = store.backend(), "import started");
    let mut summary = Summary {
        job: job.name.clone(),
        run_id: Some(run),
        database: store.backend().to_string(),
        sources: sources
            .iter()
            .map(|s| SourceSummary {
                name: s.spec.name.clone(),
                path: s.spec.location(),
                details: s
                    .reader
                    .details()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let headers: Vec<Vec<String>> = sources.iter().map(|s| s.reader.header().to_vec()).collect();
    let mut rejects = RejectWriter::new(&options.rejects_path, union(&headers))?;
    let names: Vec<String> = sources.iter().map(|s| s.spec.name.clone()).collect();

    let (sender, mut receiver) = mpsc::channel(2);
    let batch_size = job.batch_size;
    let reader =
        tokio::task::spawn_blocking(move || read::read_sources(&mut sources, batch_size, sender));
    let progress = progress_bar(options.progress);
    let mut seen: HashSet<u128> = HashSet::new();
    // An empty store has nothing the run does not write itself: keep its keys in memory
    // and spare the database the lookups.
    let mut index = store.is_empty().await?.then(RunIndex::default);
    if index.is_some() {
        tracing::info!("the store is empty: matching against the run's own records in memory");
    }
    let mut interrupted = false;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let result: Result<()> = async {
        loop {
            // Ctrl-C is noticed between batches: the batch being written commits first.
            let batch = tokio::select! {
                biased;
                _ = &mut interrupt => {
                    interrupted = true;
                    summary.error = Some(format!(
                        "interrupted after {} rows; every batch before is committed; run the job \
                         again to import the rest (committed rows come back as unchanged)",
                        summary.rows_read
                    ));
                    break;
                }
                batch = receiver.recv() => batch,
            };
            let Some(batch) = batch else { break };
            let batch = batch?;
            let source = &names[batch.source];
            let lines = batch.rows.first().zip(batch.rows.last()).map(|(a, b)| (a.line, b.line));
            let outcome = write_with_retries(store, source, &batch, &seen, &mut index, run).await.with_context(|| {
                let (first, last) = lines.unwrap_or_default();
                format!("source `{source}`: cannot store the batch of lines {first} to {last}")
            })?;
            seen.extend(&outcome.seen);
            if let Some(index) = &mut index {
                index.absorb(&outcome.organizations, &outcome.persons);
            }
            for reject in &batch.rejects {
                rejects.write(reject, &headers[batch.source])?;
            }
            let counts = &mut summary.sources[batch.source];
            counts.rows_read += batch.rows_read;
            counts.rows_rejected += batch.rejects.len() as u64;
            summary.rows_read += batch.rows_read;
            summary.rows_rejected += batch.rejects.len() as u64;
            summary.leads_created += outcome.created;
            summary.leads_updated += outcome.updated;
            summary.leads_unchanged += outcome.unchanged;
            summary.leads_skipped_converted += outcome.skipped_converted;
            summary.rows_merged_duplicates += outcome.merged_duplicates;
            summary.dedup.add(&outcome.dedup);
            progress.inc(batch.rows_read);
            if let Some(pages) = batch.pages {
                progress.set_message(format!("{pages} pages"));
            }
            tracing::info!(source = %source, rows = batch.rows_read, rejected = batch.rejects.len(), "batch committed");
            if job.error_budget.is_spent(summary.rows_rejected, summary.rows_read) {
                summary.error = Some(format!(
                    "the error budget ({}) is spent: {} of {} rows rejected so far; the run stopped after \
                     committing the rows before; fix the rows in `{}` and run the job again",
                    job.error_budget,
                    summary.rows_rejected,
                    summary.rows_read,
                    rejects.path().display()
                ));
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(receiver);
    progress.finish_and_clear();
    reader.await.context("the reader thread panicked")?;
    // Rules see the inbox only once every source is in: a lead is judged on all its rows.
    let result = match result {
        Ok(()) if summary.error.is_none() && !interrupted => {
            convert_after_load(job, store, run, &mut summary).await
        }
        other => other,
    };
    rejects.finish()?;
    if rejects.written() > 0 {
        summary.rejects_file = Some(rejects.path().display().to_string());
    }
    summary.finish(started.elapsed());
    let status = match (&result, &summary.error) {
        _ if interrupted => RunStatus::Interrupted,
        (Ok(()), None) => RunStatus::Succeeded,
        _ => RunStatus::Failed,
    };
    summary.status = status.as_str().to_string();
    let counts = serde_json::to_value(&summary).context("the summary serializes to JSON")?;
    let recorded = store.finish_run(run, status, &counts).await;
    if let Err(err) = result {
        // The run's own failure says more than a failure to record it.
        if let Err(record_err) = recorded {
            tracing::warn!(run = %run, error = %record_err, "could not record the failed run");
        }
        return Err(err);
    }
    recorded?;
    tracing::info!(run = %run, rows = summary.rows_read, status = status.as_str(), "import finished");
    Ok(summary)
}

/// Brings the job's pipelines into the store and applies its conversion rules.
async fn convert_after_load(
    job: &Job,
    store: &Store,
    run: Id,
    summary: &mut Summary,
) -> Result<()> {
    let setup = &job.conversion;
    if setup.pipelines.is_empty() && setup.formula_configs.is_empty() {
        return Ok(());
    }
    store
        .sync_pipelines(&setup.pipelines, &setup.formula_configs)
        .await
        .context("cannot create the job's pipelines")?;
    if setup.rules.is_empty() {
        return Ok(());
    }
    let converted = convert::apply_rules(store, setup, convert::Apply::Run(run)).await?;
    summary.leads_converted = converted.leads_converted;
    summary.conversion = Some(converted);
    Ok(())
}

async fn write_with_retries(
    store: &Store,
    source: &str,
    batch: &read::Batch,
    seen: &HashSet<u128>,
    index: &mut Option<RunIndex>,
    run: Id,
) -> Result<write::BatchOutcome, StoreError> {
    let mut attempt = 1;
    loop {
        let mut tx = store.begin().await?;
        // The run index holds only this run's records: once another import writes to the
        // store too, matching goes back to the database for the rest of the run.
        if index.is_some() && tx.other_runs_active(run).await? {
            tracing::info!("another import is running: matching against the database from now on");
            *index = None;
        }
        let written = write::write_batch(&mut tx, source, &batch.rows, seen, index.as_ref(), run);
        let written = match (written.await, &batch.cursor) {
            (Ok(outcome), Some(cursor)) => {
                tx.save_cursor(source, cursor, run).await.map(|()| outcome)
            }
            (written, _) => written,
        };
        let result = match written {
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

/// Column names of all sources, each once, in order of first appearance.
fn union(headers: &[Vec<String>]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for column in headers.iter().flatten() {
        if !all.contains(column) {
            all.push(column.clone());
        }
    }
    all
}

fn progress_bar(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{spinner} {human_pos} rows  {per_sec}  {elapsed}  {msg}")
            .expect("the progress template is valid");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
