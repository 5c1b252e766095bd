//! The import run: source -> mapping -> dedup -> store -> convert, batch by batch.
//!
//! A reader thread streams each source and maps its records in parallel (`read`); this
//! task takes the batches in order, plans each and commits it in one transaction (`load`,
//! `commit`, `write`) together with where the run stands (`progress`), so a killed run goes
//! on from its last committed batch. In a load into an empty store, the next batch is
//! planned while the last one commits. At most four batches are in memory at once (one
//! being read, one waiting in the channel, one being planned, one committing), so memory
//! stays bounded whatever the input size. A dry run writes everything in one transaction
//! and rolls it back.

mod commit;
mod load;
mod priority;
pub mod progress;
mod read;
mod start;
mod write;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;

pub use progress::InputChanged;

use crate::convert;
use crate::dedup::{HashedSet, RunIndex};
use crate::job::{Job, OpenSource};
use crate::model::Id;
use crate::report::Summary;
use crate::store::bulk::Deferred;
use crate::store::runs::RunStatus;
use crate::store::{Store, Tx};
use load::Load;
use start::Start;

/// Rows after which the store's statistics are refreshed before the rules run.
const ANALYZE_AFTER_ROWS: u64 = 10_000;

pub struct ImportOptions {
    pub rejects_path: PathBuf,
    /// Draw a progress bar on stderr (only where stderr is a terminal).
    pub progress: bool,
    /// Go on with the job's last run if it stopped before its end.
    pub resume: bool,
    /// Run everything in one transaction and roll it back.
    pub dry_run: bool,
}

/// Runs `job` into `store`. A spent error budget is a finished run with status `failed`;
/// an `Err` is a run that could not go on (unreadable input, database down, or
/// [`InputChanged`] when a stopped run's input is not what it had read).
pub async fn import(
    job: &Job,
    mut sources: Vec<OpenSource>,
    store: &Store,
    options: &ImportOptions,
) -> Result<Summary> {
    let started = Instant::now();
    let headers: Vec<Vec<String>> = sources.iter().map(|s| s.reader.header().to_vec()).collect();
    let names: Vec<String> = sources.iter().map(|s| s.spec.name.clone()).collect();
    // An empty store has nothing the run does not write itself: keep its keys in memory
    // and spare the database the lookups.
    let empty = store.is_empty().await?;
    let Start {
        run,
        mut summary,
        mut progress,
        mut rejects,
        mut dry,
    } = start::begin(job, &sources, store, options, &headers).await?;
    let index = (empty && dry.is_none()).then(RunIndex::default);
    if index.is_some() {
        tracing::info!("the store is empty: matching against the run's own records in memory");
    }
    // Alone in an empty store, the run builds the secondary indexes once at its end; any
    // other run needs them (a killed bulk load may have left them unbuilt).
    let bulk = index.is_some() && store.begin_bulk_load(run).await?;
    // Meanwhile a connection of its own copies the log into the file, so that the load's
    // commits rarely wait on that copy and its syncs.
    let checkpointer = if bulk {
        store.start_checkpointer().await?
    } else {
        None
    };
    if !bulk && dry.is_none() {
        store.build_deferred_indexes(Deferred::All).await?;
    }

    let (sender, mut receiver) = mpsc::channel(1);
    let batch_size = job.batch_size;
    let resume_at = progress.clone();
    let (sources_back, reader) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("leadsync-read".into())
        .spawn(move || {
            read::read_sources(&mut sources, batch_size, &resume_at, sender);
            let _ = sources_back.send(sources);
        })
        .context("cannot start the reader thread")?;
    let bar = progress_bar(options.progress);
    let rows_before = summary.rows_read;
    bar.inc(rows_before);
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut load = Load {
        job,
        store,
        run,
        names: &names,
        headers: &headers,
        summary: &mut summary,
        progress: &mut progress,
        rejects: &mut rejects,
        dry: dry.as_mut(),
        index,
        seen: HashedSet::default(),
        bar: &bar,
        interrupted: false,
        foreign_keys_checked: true,
    };
    let mut result = load.run(&mut receiver, interrupt.as_mut()).await;
    let mut interrupted = load.interrupted;
    // What the run kept in memory to match records and tell duplicates has served: free it
    // before the indexes are built.
    drop(load);
    drop(receiver);
    bar.finish_and_clear();
    let sources = reader.await.context("the reader thread panicked")?;
    if bulk {
        // Each index commits on its own, and the checkpointer copies it into the file
        // while the next one builds.
        let built = store.build_deferred_indexes(Deferred::OfRun(run)).await;
        let built = built.context("cannot build the indexes set aside for the bulk load");
        // The run's own failure says more than a failure to build after it.
        result = result.and(built.map(drop));
    }
    if let Some(checkpointer) = checkpointer {
        let stopped = checkpointer.finish(store).await;
        let stopped = stopped.context("cannot have the store checkpoint by itself again");
        result = result.and(stopped);
    }
    // What the sources found out while reading (pages fetched, say) is known only now.
    for (counts, source) in summary.sources.iter_mut().zip(&sources) {
        counts.details = source
            .reader
            .details()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    }
    if dry.is_none() && summary.rows_read - rows_before >= ANALYZE_AFTER_ROWS {
        store.analyze().await?;
    }
    // Rules see the inbox only once every source is in: a lead is judged on all its rows.
    let result = match result {
        Ok(()) if summary.error.is_none() && !interrupted => {
            // Ctrl-C here drops the page being converted (its transaction rolls back);
            // pages converted before stay, and the next run converts the rest.
            let converted = tokio::select! {
                biased;
                _ = &mut interrupt => None,
                result = convert_after_load(job, store, dry.as_mut(), run, &mut summary) => Some(result),
            };
            converted.unwrap_or_else(|| {
                interrupted = true;
                summary.error = Some(
                    "interrupted while applying the rules; every lead is loaded; run the job \
                     again (or `leadsync convert JOB`) to convert the rest"
                        .to_string(),
                );
                Ok(())
            })
        }
        other => other,
    };
    rejects.finish()?;
    if rejects.written() > 0 {
        summary.rejects_file = Some(rejects.path().display().to_string());
    }
    summary.finish(started.elapsed(), rows_before);
    let status = match (&result, &summary.error) {
        _ if interrupted => RunStatus::Interrupted,
        (Ok(()), None) => RunStatus::Succeeded,
        _ => RunStatus::Failed,
    };
    summary.status = status.as_str().to_string();
    if let Some(tx) = dry {
        tx.rollback().await?;
        // The run was rolled back with everything else: there is nothing to look up.
        summary.run_id = None;
        return result.map(|()| summary);
    }
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

/// Brings the job's pipelines into the store and applies its conversion rules: in the dry
/// run's transaction when there is one.
async fn convert_after_load(
    job: &Job,
    store: &Store,
    dry: Option<&mut Tx>,
    run: Id,
    summary: &mut Summary,
) -> Result<()> {
    let setup = &job.conversion;
    if setup.pipelines.is_empty() && setup.formula_configs.is_empty() {
        return Ok(());
    }
    let converted = match dry {
        Some(tx) => {
            tx.sync_pipelines(&setup.pipelines, &setup.formula_configs)
                .await?;
            if setup.rules.is_empty() {
                return Ok(());
            }
            convert::apply_rules_in(tx, setup, run).await?
        }
        None => {
            store
                .sync_pipelines(&setup.pipelines, &setup.formula_configs)
                .await
                .context("cannot create the job's pipelines")?;
            if setup.rules.is_empty() {
                return Ok(());
            }
            convert::apply_rules(store, setup, convert::Apply::Run(run)).await?
        }
    };
    summary.leads_converted = converted.leads_converted;
    summary.conversion = Some(converted);
    Ok(())
}

fn interrupted_message(progress: &progress::Progress) -> String {
    let at: Vec<String> = progress
        .sources
        .iter()
        .filter(|s| s.records > 0)
        .map(|s| format!("source `{}` up to line {}", s.name, s.line))
        .collect();
    let at = if at.is_empty() {
        "nothing was committed yet".to_string()
    } else {
        format!("committed: {}", at.join(", "))
    };
    format!("interrupted; {at}; run the same job again to go on from there")
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
