//! Conversion by hand: the leads someone names, or every lead a condition selects, into
//! one pipeline and stage.

use anyhow::Result;
use chrono::Utc;
use serde::Serialize;

use super::Formulas;
use crate::model::Id;
use crate::rules::{Condition, DealFacts};
use crate::store::Store;
use crate::store::deals::{Author, ConvertOrder, Converted};

/// Leads per transaction.
const CHUNK: usize = 1000;

/// What happened to each lead asked for.
#[derive(Debug, Default, Serialize)]
pub struct ManualOutcome {
    pub pipeline: String,
    pub stage: String,
    /// (lead, deal) pairs.
    pub converted: Vec<(Id, Id)>,
    /// Leads not in the inbox (converted before, or unknown ids).
    pub not_in_inbox: Vec<Id>,
    /// Archived leads, left alone: unarchive them first.
    pub archived: Vec<Id>,
}

/// The leads in the inbox (not archived) whose condition holds, with their titles. A lead
/// the condition cannot be evaluated on (it compares a value the lead lacks) is not
/// selected; the count of those comes back too.
pub async fn select_leads(
    store: &Store,
    condition: &Condition,
) -> Result<(Vec<(Id, String)>, u64)> {
    let mut selected = Vec::new();
    let mut not_evaluable = 0;
    let mut after = None;
    let now = Utc::now();
    loop {
        let mut tx = store.begin().await?;
        let page = tx.lead_facts_page(after, 1000, false).await;
        tx.rollback().await?;
        let page = page?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        for (id, facts) in page {
            match condition.matches(&facts, now) {
                Ok(true) => selected.push((id, facts.title)),
                Ok(false) => {}
                Err(err) => {
                    not_evaluable += 1;
                    tracing::info!(lead = %id, error = %err, "condition could not be evaluated on this lead");
                }
            }
        }
    }
    Ok((selected, not_evaluable))
}

/// Converts the leads into `stage` of `pipeline` (defaults as DOMAIN.md says) as the run
/// `run`, each lead all or nothing.
pub async fn convert_by_hand(
    store: &Store,
    leads: &[Id],
    pipeline: Option<&str>,
    stage: Option<&str>,
    run: Id,
) -> Result<ManualOutcome> {
    let formulas = store.stored_formulas().await?;
    let (formulas, errors) = Formulas::compile(&formulas);
    if !errors.is_empty() {
        anyhow::bail!(
            "the stored formula fields do not compile: {}",
            errors.join("; ")
        );
    }
    let evaluate = |deal: &DealFacts| formulas.evaluate(deal);
    let mut outcome = ManualOutcome::default();
    let author = Author::CommandLine;
    for chunk in leads.chunks(CHUNK) {
        let mut tx = store.begin().await?;
        let placement = tx.placement(pipeline, stage).await?;
        let orders: Vec<ConvertOrder> = chunk
            .iter()
            .map(|lead| ConvertOrder {
                lead: *lead,
                placement: &placement,
                author: &author,
                run: Some(run),
                owner: None,
                labels: &[],
                products: &[],
                currency: None,
                participants: &[],
            })
            .collect();
        let outcomes = tx.convert_leads(&orders, &evaluate).await?;
        for (lead, converted) in chunk.iter().zip(outcomes) {
            match converted {
                Converted::Deal(deal) => outcome.converted.push((*lead, deal)),
                Converted::NotInInbox => outcome.not_in_inbox.push(*lead),
                Converted::Archived => outcome.archived.push(*lead),
            }
        }
        tx.commit().await?;
        outcome.pipeline = placement.pipeline;
        outcome.stage = placement.stage;
    }
    Ok(outcome)
}
