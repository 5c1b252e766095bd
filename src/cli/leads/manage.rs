//! `leadsync leads convert|archive|unarchive`: the by-hand paths, one lead or many.

use std::io::{BufRead, IsTerminal, Write};

use super::parse_ids;
use crate::cli::outcome::{json_text, print};
use crate::cli::{Failure, LeadsCommand, database_url};
use crate::convert;
use crate::model::Id;
use crate::rules::Condition;
use crate::store::Store;
use crate::store::runs::{RunKind, RunStatus};

pub async fn run(command: LeadsCommand) -> Result<(), Failure> {
    match command {
        LeadsCommand::Convert {
            ids,
            condition,
            pipeline,
            stage,
            yes,
            database,
            json,
        } => {
            let store = Store::connect_existing(&database_url(&database, None)).await?;
            let result = async {
                let Some(leads) =
                    chosen(&store, &ids, condition.as_deref(), "convert", yes).await?
                else {
                    return Ok(());
                };
                convert(&store, &leads, pipeline.as_deref(), stage.as_deref(), json).await
            }
            .await;
            store.close().await;
            result
        }
        LeadsCommand::Archive {
            ids,
            condition,
            reason,
            yes,
            database,
        } => {
            let store = Store::connect_existing(&database_url(&database, None)).await?;
            let result = async {
                let Some(leads) =
                    chosen(&store, &ids, condition.as_deref(), "archive", yes).await?
                else {
                    return Ok(());
                };
                let archived = store.archive_leads(&leads, reason.as_deref()).await?;
                print(&format!("archived {archived} of {} leads\n", leads.len()))
            }
            .await;
            store.close().await;
            result
        }
        LeadsCommand::Unarchive { ids, database } => {
            let leads = parse_ids(&ids)?;
            let store = Store::connect_existing(&database_url(&database, None)).await?;
            let restored = store.unarchive_leads(&leads).await;
            store.close().await;
            print(&format!(
                "{} of {} leads back in the inbox\n",
                restored?,
                leads.len()
            ))
        }
        LeadsCommand::List { .. } | LeadsCommand::Show { .. } => {
            unreachable!("listing and showing are handled by the caller")
        }
    }
}

/// The leads to act on: the ids given, or those the condition selects once confirmed.
/// `None` when the user declined.
async fn chosen(
    store: &Store,
    ids: &[String],
    condition: Option<&str>,
    verb: &str,
    yes: bool,
) -> Result<Option<Vec<Id>>, Failure> {
    let Some(condition) = condition else {
        return parse_ids(ids).map(Some);
    };
    let condition =
        Condition::compile(condition).map_err(|err| Failure::Usage(format!("--where: {err}")))?;
    let (selected, not_evaluable) = convert::select_leads(store, &condition).await?;
    if not_evaluable > 0 {
        eprintln!(
            "note: the condition could not be evaluated on {not_evaluable} leads (it compares a \
             value they lack; guard it, e.g. `lead.value != null && ...`); they are left out"
        );
    }
    if selected.is_empty() {
        print("no lead in the inbox matches the condition\n")?;
        return Ok(None);
    }
    if !yes && !confirm(verb, &selected)? {
        print("nothing changed\n")?;
        return Ok(None);
    }
    Ok(Some(selected.into_iter().map(|(id, _)| id).collect()))
}

/// Asks on the terminal; without one, `--yes` is required.
fn confirm(verb: &str, selected: &[(Id, String)]) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(format!(
            "{} leads match; pass --yes to {verb} them without a prompt",
            selected.len()
        )));
    }
    let mut stderr = std::io::stderr().lock();
    for (id, title) in selected.iter().take(10) {
        writeln!(stderr, "  {id}  {title}").ok();
    }
    if selected.len() > 10 {
        writeln!(stderr, "  ... and {} more", selected.len() - 10).ok();
    }
    write!(stderr, "{verb} these {} leads? [y/N] ", selected.len()).ok();
    stderr.flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|err| Failure::Job(anyhow::Error::new(err).context("cannot read the answer")))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

async fn convert(
    store: &Store,
    leads: &[Id],
    pipeline: Option<&str>,
    stage: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let run = store
        .start_run(RunKind::Convert, "leads convert", "command line")
        .await?;
    let result = convert::convert_by_hand(store, leads, pipeline, stage, run).await;
    let (status, counts) = match &result {
        Ok(outcome) => (
            RunStatus::Succeeded,
            serde_json::json!({ "leads_converted": outcome.converted.len() }),
        ),
        Err(err) => (
            RunStatus::Failed,
            serde_json::json!({ "error": format!("{err:#}") }),
        ),
    };
    store.finish_run(run, status, &counts).await?;
    let outcome = result?;
    if json {
        return print(&json_text(&outcome)?);
    }
    let mut text = format!(
        "converted {} of {} leads into {} / {}\n",
        outcome.converted.len(),
        leads.len(),
        outcome.pipeline,
        outcome.stage
    );
    for (lead, deal) in &outcome.converted {
        text.push_str(&format!("  lead {lead} -> deal {deal}\n"));
    }
    for lead in &outcome.not_in_inbox {
        text.push_str(&format!(
            "  lead {lead}: not in the inbox (converted before, or no such lead)\n"
        ));
    }
    for lead in &outcome.archived {
        text.push_str(&format!(
            "  lead {lead}: archived; `leadsync leads unarchive {lead}` first\n"
        ));
    }
    print(&text)
}
