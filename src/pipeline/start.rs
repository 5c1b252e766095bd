//! How a run begins: fresh, as a dry run inside a transaction of its own, or going on
//! from where a stopped run of the same job had committed.

use anyhow::Result;

use super::ImportOptions;
use super::progress::{self, Progress};
use crate::job::{Job, OpenSource};
use crate::model::Id;
use crate::report::{RejectWriter, SourceSummary, Summary};
use crate::store::runs::RunKind;
use crate::store::{Store, Tx};

pub struct Start {
    pub run: Id,
    pub summary: Summary,
    pub progress: Progress,
    pub rejects: RejectWriter,
    /// A dry run's transaction, rolled back at the end.
    pub dry: Option<Tx>,
}

pub async fn begin(
    job: &Job,
    sources: &[OpenSource],
    store: &Store,
    options: &ImportOptions,
    headers: &[Vec<String>],
) -> Result<Start> {
    let columns = union(headers);
    if options.dry_run {
        let mut tx = store.begin().await?;
        let run = tx
            .start_run(RunKind::Import, &job.name, &job.config_hash)
            .await?;
        let mut summary = fresh_summary(job, sources, store, run);
        summary.dry_run = true;
        return Ok(Start {
            run,
            summary,
            progress: progress::start(sources),
            rejects: RejectWriter::new(&options.rejects_path, columns)?,
            dry: Some(tx),
        });
    }
    if options.resume
        && let Some(stopped) = store.resumable_run(&job.name, &job.config_hash).await?
    {
        match progress::resume_from(&stopped, sources) {
            Ok(progress) => {
                store.reopen_run(stopped.id).await?;
                let rejects = RejectWriter::resume(
                    &options.rejects_path,
                    columns,
                    progress.rejects_bytes,
                    progress.rejects_written,
                )?;
                let mut summary: Summary =
                    serde_json::from_value(stopped.counts).unwrap_or_default();
                let fresh = fresh_summary(job, sources, store, stopped.id);
                summary.job = fresh.job;
                summary.database = fresh.database;
                summary.run_id = fresh.run_id;
                summary.error = None;
                summary.resumed = true;
                if summary.sources.len() != fresh.sources.len() {
                    summary.sources = fresh.sources;
                }
                tracing::warn!(run = %stopped.id, rows = summary.rows_read, "going on with a run that stopped before its end");
                return Ok(Start {
                    run: stopped.id,
                    summary,
                    progress,
                    rejects,
                    dry: None,
                });
            }
            Err(why) => {
                tracing::warn!(run = %stopped.id, "the last run stopped early but cannot be resumed ({why}); starting over");
                store.abandon_run(stopped.id).await?;
            }
        }
    }
    let run = store
        .start_run(RunKind::Import, &job.name, &job.config_hash)
        .await?;
    Ok(Start {
        run,
        summary: fresh_summary(job, sources, store, run),
        progress: progress::start(sources),
        rejects: RejectWriter::new(&options.rejects_path, columns)?,
        dry: None,
    })
}

fn fresh_summary(job: &Job, sources: &[OpenSource], store: &Store, run: Id) -> Summary {
    Summary {
        job: job.name.clone(),
        run_id: Some(run),
        database: store.backend().to_string(),
        sources: sources
            .iter()
            .map(|s| SourceSummary {
                name: s.spec.name.clone(),
                path: s.spec.location(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
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
