//! `leadsync runs list|show|revert`: the run journal.

use super::outcome::{json_text, print};
use super::{DatabaseArgs, Failure, RunsCommand, database_url};
use crate::model::Id;
use crate::store::Store;
use crate::store::journal::RunView;
use crate::store::revert::{RevertError, RevertOptions, RevertReport};

pub async fn run(command: RunsCommand) -> Result<(), Failure> {
    match command {
        RunsCommand::List {
            limit,
            database,
            json,
        } => {
            let store = connect(&database).await?;
            let runs = store.list_runs(limit).await;
            store.close().await;
            let runs = runs?;
            if json {
                return print(&json_text(&runs)?);
            }
            let mut text: String = runs.iter().map(list_row).collect();
            text.push_str(&format!("{} runs\n", runs.len()));
            print(&text)
        }
        RunsCommand::Show { id, database, json } => {
            let id = parse_id(&id)?;
            let store = connect(&database).await?;
            let run = store.show_run(id).await;
            store.close().await;
            let Some(run) = run? else {
                return Err(Failure::Job(anyhow::anyhow!("no run with id `{id}`")));
            };
            if json {
                return print(&json_text(&run)?);
            }
            print(&detail_text(&run))
        }
        RunsCommand::Revert {
            id,
            dry_run,
            force,
            database,
            json,
        } => {
            let id = parse_id(&id)?;
            let store = connect(&database).await?;
            let report = store.revert_run(id, RevertOptions { dry_run, force }).await;
            store.close().await;
            let report = report.map_err(|err| match err {
                RevertError::Store(err) => Failure::from(err),
                other => Failure::Job(other.into()),
            })?;
            if json {
                print(&json_text(&report)?)?;
            } else {
                print(&revert_text(&report))?;
            }
            if !report.applied && !report.dry_run && !report.already_reverted {
                return Err(Failure::Job(anyhow::anyhow!(
                    "{} records changed since the run or still in use: nothing was reverted; \
                     check them, then run again with --force to revert the rest",
                    report.conflicts.len()
                )));
            }
            Ok(())
        }
    }
}

async fn connect(database: &DatabaseArgs) -> Result<Store, Failure> {
    Ok(Store::connect_existing(&database_url(database, None)).await?)
}

fn parse_id(id: &str) -> Result<Id, Failure> {
    id.parse()
        .map_err(|_| Failure::Usage(format!("run id `{id}` is not a UUID")))
}

fn count(run: &RunView, key: &str) -> u64 {
    run.counts
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

fn list_row(run: &RunView) -> String {
    let what = match run.kind.as_str() {
        "import" => format!(
            "{} rows, {} created, {} rejected",
            count(run, "rows_read"),
            count(run, "leads_created"),
            count(run, "rows_rejected")
        ),
        _ => format!("{} converted", count(run, "leads_converted")),
    };
    format!(
        "{}  {}  {:<7} {:<12} {:<24} {what}\n",
        run.id,
        run.started_at.format("%Y-%m-%d %H:%M:%S"),
        run.kind,
        run.status,
        run.job_name
    )
}

fn detail_text(run: &RunView) -> String {
    let mut text = format!(
        "run {}\n  kind          {}\n  job           {}\n  status        {}\n  config hash   {}\n  started       {}\n",
        run.id,
        run.kind,
        run.job_name,
        run.status,
        run.config_hash,
        run.started_at.to_rfc3339()
    );
    if let Some(finished) = run.finished_at {
        text.push_str(&format!("  finished      {}\n", finished.to_rfc3339()));
    }
    if let Some(counts) = run.counts.as_object() {
        for (key, value) in counts {
            if value.is_number() {
                text.push_str(&format!("  {key:<40} {value}\n"));
            }
        }
    }
    if let Some(sources) = run
        .progress
        .as_ref()
        .and_then(|p| p.get("sources"))
        .and_then(|s| s.as_array())
    {
        for source in sources {
            text.push_str(&format!(
                "  source {} read to line {} ({} records)\n",
                source["name"].as_str().unwrap_or_default(),
                source["line"],
                source["records"]
            ));
        }
    }
    text
}

fn revert_text(report: &RevertReport) -> String {
    let run = report.run.map(|r| r.to_string()).unwrap_or_default();
    if report.already_reverted {
        return format!("run {run} was reverted before: nothing to do\n");
    }
    let state = match (report.applied, report.dry_run) {
        (true, _) => "reverted",
        (false, true) => "dry run: would revert",
        (false, false) => "not reverted (conflicts)",
    };
    let mut text = format!("{state} {} run {run}\n", report.kind);
    for (name, n) in [
        ("leads deleted", report.leads_deleted),
        ("leads restored", report.leads_restored),
        ("leads back in the inbox", report.leads_returned),
        ("deals deleted", report.deals_deleted),
        ("persons deleted", report.persons_deleted),
        ("persons restored", report.persons_restored),
        ("organizations deleted", report.organizations_deleted),
        ("organizations restored", report.organizations_restored),
        ("contacts deleted", report.contacts_deleted),
    ] {
        if n > 0 {
            text.push_str(&format!("  {name:<26} {n:>9}\n"));
        }
    }
    const SHOWN: usize = 20;
    for conflict in report.conflicts.iter().take(SHOWN) {
        let what = if conflict.overridden {
            "reverted anyway"
        } else {
            "left alone"
        };
        text.push_str(&format!(
            "  {what}: {} {}: {}\n",
            conflict.entity, conflict.id, conflict.reason
        ));
    }
    if report.conflicts.len() > SHOWN {
        text.push_str(&format!(
            "  ... and {} more (--json lists them all)\n",
            report.conflicts.len() - SHOWN
        ));
    }
    text
}
