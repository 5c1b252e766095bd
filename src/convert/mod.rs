//! The convert stage: qualified leads become deals in a pipeline, by the job's rules or
//! by hand, following the lead/deal model of DOMAIN.md.
//!
//! Rules are chosen for a page of leads at a time (`setup`, pure), then each page is
//! converted in one transaction (`store::deals`). A dry run chooses the same way and
//! writes nothing.

pub mod config;
mod manual;
mod setup;

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::Utc;
use serde::Serialize;

pub use manual::{ManualOutcome, convert_by_hand, select_leads};
pub use setup::{ConversionSetup, Formulas, Rule};

use crate::model::Id;
use crate::store::Store;
use crate::store::deals::{Author, ConvertOrder, Converted, Placement};

/// Leads read and converted per transaction.
const PAGE: u32 = 1000;

/// What a conversion pass did (or, dry, would do).
#[derive(Debug, Default, Clone, Serialize)]
pub struct ConvertSummary {
    /// Whether this was a dry run: then nothing was written, and `planned` lists the leads.
    pub dry_run: bool,
    pub leads_considered: u64,
    pub leads_converted: u64,
    /// Per rule, in the job's order.
    pub by_rule: Vec<RuleCount>,
    /// Leads another conversion took first.
    pub leads_already_converted: u64,
    /// Times a rule could not be evaluated on a lead (it compared a value the lead lacks,
    /// say) and so did not match it; `-v` logs each with the lead's id.
    pub rule_errors: u64,
    /// In a dry run, every lead that would convert; empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planned: Vec<PlannedConversion>,
    pub elapsed_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    pub rule: String,
    pub converted: u64,
}

/// One lead a dry run would convert, and where to.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedConversion {
    pub lead_id: String,
    pub title: String,
    pub rule: String,
    pub pipeline: String,
    pub stage: String,
}

/// Whether a pass writes, and as which run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    /// Choose and report; write nothing.
    DryRun,
    /// Convert, recording the deals' origin as this run.
    Run(Id),
}

/// Applies the rules to every lead in the inbox. The pipelines and formulas of the setup
/// must have been synced to the store (a dry run does not need it).
pub async fn apply_rules(
    store: &Store,
    setup: &ConversionSetup,
    apply: Apply,
) -> Result<ConvertSummary> {
    let started = Instant::now();
    let mut summary = ConvertSummary {
        dry_run: apply == Apply::DryRun,
        by_rule: setup
            .rules
            .iter()
            .map(|r| RuleCount {
                rule: r.name.clone(),
                converted: 0,
            })
            .collect(),
        ..Default::default()
    };
    let mut placements: HashMap<(String, String), Placement> = HashMap::new();
    let mut after = None;
    loop {
        let page = store
            .lead_facts_page(after, PAGE, false)
            .await
            .context("cannot read the leads inbox")?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        let now = Utc::now();
        let mut chosen: Vec<(Id, usize)> = Vec::new();
        for (id, facts) in &page {
            summary.leads_considered += 1;
            let choice = setup.choose(facts, now);
            for (rule, err) in &choice.errors {
                summary.rule_errors += 1;
                tracing::info!(lead = %id, rule = %rule, error = %err, "rule could not be evaluated on this lead");
            }
            let Some(rule) = choice.rule else { continue };
            let index = setup.rules.iter().position(|r| std::ptr::eq(r, rule));
            chosen.push((*id, index.expect("the rule is one of the setup's")));
            if apply == Apply::DryRun {
                summary.planned.push(PlannedConversion {
                    lead_id: id.to_string(),
                    title: facts.title.clone(),
                    rule: rule.name.clone(),
                    pipeline: rule.pipeline.clone(),
                    stage: rule.stage.clone(),
                });
            }
        }
        let Apply::Run(run) = apply else {
            for (_, rule) in chosen {
                summary.by_rule[rule].converted += 1;
                summary.leads_converted += 1;
            }
            continue;
        };
        convert_page(store, setup, run, &chosen, &mut placements, &mut summary).await?;
        tracing::info!(
            considered = summary.leads_considered,
            converted = summary.leads_converted,
            "page converted"
        );
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

async fn convert_page(
    store: &Store,
    setup: &ConversionSetup,
    run: Id,
    chosen: &[(Id, usize)],
    placements: &mut HashMap<(String, String), Placement>,
    summary: &mut ConvertSummary,
) -> Result<()> {
    if chosen.is_empty() {
        return Ok(());
    }
    let formulas = |deal: &crate::rules::DealFacts| setup.formulas.evaluate(deal);
    let mut tx = store.begin().await?;
    let mut converted = vec![0u64; setup.rules.len()];
    let mut taken = 0;
    for (lead, index) in chosen {
        let rule = &setup.rules[*index];
        let key = (rule.pipeline.clone(), rule.stage.clone());
        let placement = match placements.get(&key) {
            Some(placement) => placement.clone(),
            None => {
                let placement = tx
                    .stage_of(&rule.pipeline, Some(&rule.stage))
                    .await
                    .with_context(|| format!("rule `{}`", rule.name))?;
                placements.insert(key, placement.clone());
                placement
            }
        };
        let author = Author::Rule {
            rule: rule.name.clone(),
            run,
        };
        let order = ConvertOrder {
            lead: *lead,
            placement: &placement,
            author: &author,
            run: Some(run),
            owner: rule.owner.as_deref(),
            labels: &rule.labels,
            products: &rule.products,
            currency: rule.currency.as_deref(),
            participants: &rule.participants,
        };
        match tx
            .convert_lead(&order, &formulas)
            .await
            .with_context(|| format!("cannot convert lead {lead} by rule `{}`", rule.name))?
        {
            Converted::Deal(_) => converted[*index] += 1,
            Converted::NotInInbox | Converted::Archived => taken += 1,
        }
    }
    tx.commit().await?;
    for (count, total) in converted.iter().zip(&mut summary.by_rule) {
        total.converted += count;
        summary.leads_converted += count;
    }
    summary.leads_already_converted += taken;
    Ok(())
}

impl std::fmt::Display for ConvertSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.dry_run {
            "to convert"
        } else {
            "converted"
        };
        writeln!(
            f,
            "  leads {verb:<16} {:>9} of {} in the inbox",
            self.leads_converted, self.leads_considered
        )?;
        for rule in &self.by_rule {
            let name = format!("`{}`", rule.rule);
            writeln!(f, "    rule {name:<15} {:>9}", rule.converted)?;
        }
        if self.leads_already_converted > 0 {
            writeln!(
                f,
                "    taken by another run {:>9}",
                self.leads_already_converted
            )?;
        }
        if self.rule_errors > 0 {
            writeln!(
                f,
                "    rules not evaluable  {:>9}  (they did not match; run with -v to see why)",
                self.rule_errors
            )?;
        }
        Ok(())
    }
}
