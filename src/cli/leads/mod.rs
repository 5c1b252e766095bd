//! `leadsync leads list|show`: read the inbox; `leads convert|archive|unarchive`: act on
//! leads by hand (`manage`).

mod manage;

use super::outcome::{json_text, print};
use super::{DatabaseArgs, Failure, LeadsCommand, database_url};
use crate::model::Id;
use crate::store::Store;
use crate::store::leads::LeadSummary;

pub async fn run(command: LeadsCommand) -> Result<(), Failure> {
    match command {
        LeadsCommand::List {
            database,
            json,
            limit,
            archived,
        } => list(&database, json, limit, archived).await,
        LeadsCommand::Show { id, database, json } => show(&id, &database, json).await,
        command => manage::run(command).await,
    }
}

/// Lead ids from the command line.
fn parse_ids(ids: &[String]) -> Result<Vec<Id>, Failure> {
    ids.iter()
        .map(|id| {
            id.parse()
                .map_err(|_| Failure::Usage(format!("lead id `{id}` is not a UUID")))
        })
        .collect()
}

async fn list(
    database: &DatabaseArgs,
    json: bool,
    limit: u32,
    archived: bool,
) -> Result<(), Failure> {
    let store = Store::connect_existing(&database_url(database, None)).await?;
    let leads = store.list_leads(limit, archived).await?;
    let total = store.count_leads().await?;
    store.close().await;
    if json {
        return print(&json_text(&leads)?);
    }
    let mut text = String::new();
    for lead in &leads {
        text.push_str(&table_row(lead));
    }
    if archived {
        text.push_str(&format!("{} archived leads\n", leads.len()));
    } else {
        text.push_str(&format!(
            "{} of {} leads in the inbox\n",
            leads.len(),
            total
        ));
    }
    print(&text)
}

fn table_row(lead: &LeadSummary) -> String {
    let value = match (&lead.value, &lead.currency) {
        (Some(amount), Some(currency)) => format!("{amount:.2} {currency}"),
        _ => String::new(),
    };
    let linked = match (&lead.person, &lead.organization) {
        (Some(person), Some(org)) => format!("{person} ({org})"),
        (Some(person), None) => person.clone(),
        (None, Some(org)) => org.clone(),
        (None, None) => String::new(),
    };
    format!(
        "{}  {:<40}  {:<36}  {:>14}\n",
        lead.id,
        clip(&lead.title, 40),
        clip(&linked, 36),
        value
    )
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width - 1).collect();
    clipped.push('…');
    clipped
}

async fn show(id: &str, database: &DatabaseArgs, json: bool) -> Result<(), Failure> {
    let [id] = parse_ids(&[id.to_string()])?[..] else {
        unreachable!("one id in, one id out")
    };
    let store = Store::connect_existing(&database_url(database, None)).await?;
    let lead = store.show_lead(id).await?;
    store.close().await;
    let Some(lead) = lead else {
        return Err(Failure::Job(anyhow::anyhow!("no lead with id `{id}`")));
    };
    if json {
        return print(&json_text(&lead)?);
    }
    let s = &lead.summary;
    let mut text = format!("lead {}\n  title        {}\n", s.id, s.title);
    let mut line = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            text.push_str(&format!("  {name:<12} {value}\n"));
        }
    };
    line("person", s.person.clone());
    line("emails", Some(lead.person_emails.join(", ")));
    line("phones", Some(lead.person_phones.join(", ")));
    line("organization", s.organization.clone());
    line("domain", lead.organization_domain.clone());
    line(
        "value",
        s.value
            .zip(s.currency.clone())
            .map(|(v, c)| format!("{v:.2} {c}")),
    );
    line("close date", s.expected_close_date.map(|d| d.to_string()));
    line("labels", Some(s.labels.join(", ")));
    line("owner", s.owner.clone());
    line(
        "source",
        s.source_name
            .clone()
            .map(|n| format!("{n} / {}", s.source_key.clone().unwrap_or_default())),
    );
    line(
        "origin",
        Some(format!(
            "{} (run {})",
            lead.origin,
            lead.origin_id.map(|i| i.to_string()).unwrap_or_default()
        )),
    );
    let custom = lead.custom_fields.as_object().filter(|o| !o.is_empty());
    line(
        "custom",
        custom.map(|o| serde_json::Value::Object(o.clone()).to_string()),
    );
    line(
        "archived",
        lead.archived_at.map(|t| match &lead.archive_reason {
            Some(reason) => format!("{} ({reason})", t.to_rfc3339()),
            None => t.to_rfc3339(),
        }),
    );
    line("created", Some(s.created_at.to_rfc3339()));
    line("updated", Some(lead.updated_at.to_rfc3339()));
    print(&text)
}
