//! `leadsync deals list|show|move|won|lost`.

use super::outcome::{json_text, print};
use super::{DatabaseArgs, DealsCommand, Failure, database_url};
use crate::convert::Formulas;
use crate::model::Id;
use crate::rules::DealFacts;
use crate::store::Store;
use crate::store::deals::{Author, Closing, DealDetail, DealFilter, DealSummary};

pub async fn run(command: DealsCommand) -> Result<(), Failure> {
    match command {
        DealsCommand::List {
            pipeline,
            status,
            limit,
            database,
            json,
        } => {
            let filter = DealFilter {
                pipeline,
                status,
                limit,
            };
            list(&filter, &database, json).await
        }
        DealsCommand::Show { id, database, json } => show(&parse_id(&id)?, &database, json).await,
        DealsCommand::Move {
            id,
            stage,
            database,
        } => change(&parse_id(&id)?, &database, Change::Move(stage)).await,
        DealsCommand::Won { id, database } => {
            change(&parse_id(&id)?, &database, Change::Close(Closing::Won)).await
        }
        DealsCommand::Lost {
            id,
            reason,
            database,
        } => {
            change(
                &parse_id(&id)?,
                &database,
                Change::Close(Closing::Lost { reason }),
            )
            .await
        }
    }
}

fn parse_id(id: &str) -> Result<Id, Failure> {
    id.parse()
        .map_err(|_| Failure::Usage(format!("deal id `{id}` is not a UUID")))
}

async fn list(filter: &DealFilter, database: &DatabaseArgs, json: bool) -> Result<(), Failure> {
    let store = Store::connect_existing(&database_url(database, None)).await?;
    let deals = store.list_deals(filter).await;
    store.close().await;
    let deals = deals?;
    if json {
        return print(&json_text(&deals)?);
    }
    let mut text: String = deals.iter().map(table_row).collect();
    text.push_str(&format!("{} deals\n", deals.len()));
    print(&text)
}

fn table_row(deal: &DealSummary) -> String {
    let value = match (&deal.value, &deal.currency) {
        (Some(amount), Some(currency)) => format!("{amount:.2} {currency}"),
        _ => String::new(),
    };
    format!(
        "{}  {:<36}  {:<24}  {:<5}  {:>14}\n",
        deal.id,
        deal.title,
        format!("{} / {}", deal.pipeline, deal.stage),
        deal.status,
        value
    )
}

async fn show(id: &Id, database: &DatabaseArgs, json: bool) -> Result<(), Failure> {
    let store = Store::connect_existing(&database_url(database, None)).await?;
    let deal = store.show_deal(*id).await;
    store.close().await;
    let Some(deal) = deal? else {
        return Err(Failure::Job(anyhow::anyhow!("no deal with id `{id}`")));
    };
    if json {
        return print(&json_text(&deal)?);
    }
    print(&detail_text(&deal))
}

fn detail_text(deal: &DealDetail) -> String {
    let s = &deal.summary;
    let mut text = format!("deal {}\n", s.id);
    let mut line = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            text.push_str(&format!("  {name:<13} {value}\n"));
        }
    };
    line("title", Some(s.title.clone()));
    line("pipeline", Some(format!("{} / {}", s.pipeline, s.stage)));
    line("status", Some(s.status.clone()));
    line("lost reason", deal.lost_reason.clone());
    line(
        "value",
        s.value
            .zip(s.currency.clone())
            .map(|(v, c)| format!("{v:.2} {c}")),
    );
    line("probability", s.probability.map(|p| format!("{p} %")));
    line("person", s.person.clone());
    line("organization", s.organization.clone());
    line("participants", Some(deal.participants.join(", ")));
    line("owner", s.owner.clone());
    line("labels", Some(s.labels.join(", ")));
    line(
        "close date",
        deal.expected_close_date.map(|d| d.to_string()),
    );
    line("from lead", deal.origin_lead_id.map(|id| id.to_string()));
    let fields = |value: &serde_json::Value| {
        value
            .as_object()
            .filter(|o| !o.is_empty())
            .map(|o| serde_json::Value::Object(o.clone()).to_string())
    };
    line("custom", fields(&deal.custom_fields));
    line("formulas", fields(&deal.formula_fields));
    for product in &deal.products {
        text.push_str(&format!(
            "  product       {} x {} at {:.2} (-{} %)\n",
            product.quantity, product.name, product.unit_price, product.discount
        ));
    }
    text.push_str("  changes\n");
    for change in &deal.changes {
        let what = match (&change.old_value, &change.new_value) {
            (Some(old), Some(new)) => format!("{}: {old} -> {new}", change.field),
            (None, Some(new)) => format!("{}: {new}", change.field),
            (Some(old), None) => format!("{}: {old} -> (none)", change.field),
            (None, None) => change.field.clone(),
        };
        text.push_str(&format!(
            "    {}  {what}  ({})\n",
            change.changed_at.to_rfc3339(),
            change.changed_by
        ));
    }
    text
}

enum Change {
    Move(String),
    Close(Closing),
}

/// Applies one change in a transaction, with the stored formula fields recomputed.
async fn change(id: &Id, database: &DatabaseArgs, change: Change) -> Result<(), Failure> {
    let store = Store::connect_existing(&database_url(database, None)).await?;
    let result = apply_change(&store, *id, &change).await;
    store.close().await;
    result?;
    let done = match change {
        Change::Move(stage) => format!("deal {id} moved to stage `{stage}`\n"),
        Change::Close(Closing::Won) => format!("deal {id} won\n"),
        Change::Close(Closing::Lost { .. }) => format!("deal {id} lost\n"),
    };
    print(&done)
}

async fn apply_change(store: &Store, id: Id, change: &Change) -> anyhow::Result<()> {
    let (formulas, errors) = Formulas::compile(&store.stored_formulas().await?);
    if !errors.is_empty() {
        anyhow::bail!(
            "the stored formula fields do not compile: {}",
            errors.join("; ")
        );
    }
    let evaluate = |deal: &DealFacts| formulas.evaluate(deal);
    let mut tx = store.begin().await?;
    let author = Author::CommandLine;
    match change {
        Change::Move(stage) => tx.move_deal(id, stage, &author, &evaluate).await?,
        Change::Close(closing) => tx.close_deal(id, closing, &author, &evaluate).await?,
    }
    tx.commit().await?;
    Ok(())
}
