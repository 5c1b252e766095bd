//! `leadsync convert JOB`: apply the job's conversion rules to the inbox.

use super::outcome::{json_text, print};
use super::{ConvertArgs, Failure, database_url};
use crate::convert::{self, Apply};
use crate::job::Job;
use crate::store::Store;
use crate::store::runs::{RunKind, RunStatus};

pub async fn run(args: ConvertArgs) -> Result<(), Failure> {
    let job = Job::load(&args.job).map_err(|errors| Failure::Usage(errors.to_string()))?;
    let setup = &job.conversion;
    if setup.rules.is_empty() {
        return Err(Failure::Usage(format!(
            "job `{}` has no [[rules]]: add one, e.g.\n\n[[rules]]\nname = \"big\"\nwhen = 'lead.value >= 10000.0'\npipeline = \"Sales\"",
            args.job.display()
        )));
    }
    let store = Store::connect(&database_url(&args.database, Some(&job))).await?;
    let summary = if args.dry_run {
        convert::apply_rules(&store, setup, Apply::DryRun).await
    } else {
        apply(&store, &job).await
    };
    store.close().await;
    let summary = summary?;
    if args.json {
        return print(&json_text(&summary)?);
    }
    let mut text = if args.dry_run {
        format!("convert `{}` (dry run: nothing changed)\n", job.name)
    } else {
        format!("convert `{}`: {:.2} s\n", job.name, summary.elapsed_seconds)
    };
    text.push_str(&summary.to_string());
    print(&text)
}

/// A real pass: sync the pipelines, record the run, convert.
async fn apply(store: &Store, job: &Job) -> anyhow::Result<convert::ConvertSummary> {
    let setup = &job.conversion;
    store
        .sync_pipelines(&setup.pipelines, &setup.formula_configs)
        .await?;
    let run = store
        .start_run(RunKind::Convert, &job.name, &job.config_hash)
        .await?;
    let result = convert::apply_rules(store, setup, Apply::Run(run)).await;
    let (status, counts) = match &result {
        Ok(summary) => (RunStatus::Succeeded, serde_json::to_value(summary)?),
        Err(err) => (
            RunStatus::Failed,
            serde_json::json!({ "error": format!("{err:#}") }),
        ),
    };
    store.finish_run(run, status, &counts).await?;
    result
}
