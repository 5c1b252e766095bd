//! `leadsync pipelines list`.

use super::outcome::{json_text, print};
use super::{Failure, PipelinesCommand, database_url};
use crate::store::Store;

pub async fn run(command: PipelinesCommand) -> Result<(), Failure> {
    let PipelinesCommand::List { database, json } = command;
    let store = Store::connect_existing(&database_url(&database, None)).await?;
    let pipelines = store.list_pipelines().await;
    store.close().await;
    let pipelines = pipelines?;
    if json {
        return print(&json_text(&pipelines)?);
    }
    if pipelines.is_empty() {
        return print(
            "no pipelines yet: declare [[pipelines]] in a job file and run `leadsync convert JOB`\n",
        );
    }
    let mut text = String::new();
    for pipeline in &pipelines {
        let default = if pipeline.is_default {
            " (default)"
        } else {
            ""
        };
        text.push_str(&format!("{}{default}\n", pipeline.name));
        for (position, stage) in pipeline.stages.iter().enumerate() {
            text.push_str(&format!(
                "  {}. {:<24} {:>3} %  {} open deals\n",
                position + 1,
                stage.name,
                stage.probability,
                stage.open_deals
            ));
        }
    }
    print(&text)
}
