//! `leadsync import JOB`: run the pipeline and report.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::outcome::{json_text, print};
use super::{Failure, ImportArgs, database_url};
use crate::job::Job;
use crate::pipeline::{self, ImportOptions, InputChanged};
use crate::report::Summary;
use crate::store::Store;

pub async fn run(args: ImportArgs) -> Result<(), Failure> {
    let job = Job::load(&args.job).map_err(|errors| Failure::Usage(errors.to_string()))?;
    let store = Store::connect(&database_url(&args.database, Some(&job))).await?;
    let mut options = ImportOptions {
        rejects_path: args
            .rejects
            .clone()
            .unwrap_or_else(|| default_rejects_path(&job.name, args.dry_run)),
        progress: std::io::stderr().is_terminal(),
        resume: !args.restart && !args.dry_run,
        dry_run: args.dry_run,
    };
    let mut summary = import(&job, &store, &args, &options).await;
    if let Err(Failure::Job(err)) = &summary
        && let Some(changed) = err.downcast_ref::<InputChanged>()
    {
        // The stopped run read something else: its work stands, this run starts over.
        eprintln!("note: {changed}; starting the run over");
        options.resume = false;
        summary = import(&job, &store, &args, &options).await;
    }
    store.close().await;
    let summary = summary?;
    print(&if args.json {
        json_text(&summary)?
    } else {
        summary.to_string()
    })?;
    match &summary.error {
        Some(error) => Err(Failure::Job(anyhow::anyhow!("{error}"))),
        None => Ok(()),
    }
}

/// Opens the sources (incremental ones from their stored cursors) and runs the import.
async fn import(
    job: &Job,
    store: &Store,
    args: &ImportArgs,
    options: &ImportOptions,
) -> Result<Summary, Failure> {
    let cursors = if args.full_refresh {
        Default::default()
    } else {
        store.source_cursors().await?
    };
    // HTTP sources fetch their first page on opening, blocking on the runtime.
    let sources = tokio::task::block_in_place(|| job.open_sources(&cursors))
        .map_err(|errors| Failure::Usage(errors.to_string()))?;
    Ok(pipeline::import(job, sources, store, options).await?)
}

/// `<job name>.rejects.csv` in the current folder, with the name made safe as a file name;
/// a dry run's own `<job name>.dry-run.rejects.csv`, so that it never replaces the file of a
/// run that may still be resumed.
fn default_rejects_path(job: &str, dry_run: bool) -> PathBuf {
    let safe: String = job
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kind = if dry_run { ".dry-run" } else { "" };
    PathBuf::from(format!(
        "{}{kind}.rejects.csv",
        safe.trim_start_matches('.')
    ))
}
