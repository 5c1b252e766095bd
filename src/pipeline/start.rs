//! How a run begins: fresh, as a dry run inside a transaction of its own, or going on
//! from where a stopped run of the same job had committed.

use anyhow::Result;

use super::ImportOptions;
use super::progress::{self, Progress};
use crate::job::{Job, OpenSource};
use crate::model::Id;
use crate::report::{RejectWriter, SourceSummary, Summary};
use crate::store::journal::Resumable;
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
    if let Some(stopped) = store.resumable_run(&job.name, &job.config_hash).await? {
        let resumed = match options.resume {
            true => resume(job, sources, store, options, &columns, &stopped).await?,
            false => Resume::Refused("--restart was given".to_string()),
        };
        match resumed {
            Resume::Started(start) => return Ok(*start),
            Resume::Refused(why) => {
                tracing::warn!(run = %stopped.id, "the last run stopped early and is not resumed ({why}); starting over");
                store.abandon_run(stopped.id).await?;
            }
            Resume::TakenElsewhere => {
                tracing::warn!(run = %stopped.id, "another process took up the stopped run; this one starts a run of its own");
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

/// Whether a stopped run was taken up.
enum Resume {
    Started(Box<Start>),
    /// It cannot go on (and is marked so): the reason.
    Refused(String),
    /// Another process took it up first.
    TakenElsewhere,
}

/// Takes up a stopped run where it stood, or says why it cannot be: another input,
/// unreadable counts, a rejects file that is not the one it wrote.
async fn resume(
    job: &Job,
    sources: &[OpenSource],
    store: &Store,
    options: &ImportOptions,
    columns: &[String],
    stopped: &Resumable,
) -> Result<Resume> {
    let progress = match progress::resume_from(stopped, sources) {
        Ok(progress) => progress,
        Err(why) => return Ok(Resume::Refused(why)),
    };
    let Ok(mut summary) = serde_json::from_value::<Summary>(stopped.counts.clone()) else {
        return Ok(Resume::Refused(
            "its recorded counts are unreadable".to_string(),
        ));
    };
    // Two processes may find the same stopped run: only one takes it up, and only that one
    // touches its rejects file.
    if !store.claim_run(stopped).await? {
        return Ok(Resume::TakenElsewhere);
    }
    let rejects = match RejectWriter::resume(
        &options.rejects_path,
        columns.to_vec(),
        progress.rejects_bytes,
        progress.rejects_written,
    ) {
        Ok(rejects) => rejects,
        Err(err) => return Ok(Resume::Refused(format!("{err:#}"))),
    };
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
    Ok(Resume::Started(Box::new(Start {
        run: stopped.id,
        summary,
        progress,
        rejects,
        dry: None,
    })))
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
