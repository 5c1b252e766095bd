//! Applying the rules to the inbox, a page of leads at a time: each page's leads are read,
//! a rule chosen for each (pure), and the chosen ones converted in the page's transaction.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::Utc;

use super::{Apply, ConversionSetup, ConvertSummary, PlannedConversion, RuleCount};
use crate::model::Id;
use crate::rules::DealFacts;
use crate::store::deals::{Author, ConvertOrder, Converted, Placement};
use crate::store::{Store, Tx};

/// Leads read and converted per transaction.
const PAGE: u32 = 1000;

/// Applies the rules to every lead in the inbox, one transaction per page. The pipelines
/// and formulas of the setup must have been synced to the store (a dry run does not need
/// it: it only chooses).
pub async fn apply_rules(
    store: &Store,
    setup: &ConversionSetup,
    apply: Apply,
) -> Result<ConvertSummary> {
    let mut pass = Pass::new(setup, apply);
    loop {
        let mut tx = store.begin().await?;
        let more = pass.page(&mut tx).await;
        match more {
            Ok(true) if apply != Apply::DryRun => tx.commit().await?,
            _ => tx.rollback().await?,
        }
        if !more? {
            break;
        }
    }
    Ok(pass.finish())
}

/// Applies the rules within one transaction the caller owns: a dry-run import, which
/// converts for real, lists what it converted, and rolls everything back.
pub async fn apply_rules_in(
    tx: &mut Tx,
    setup: &ConversionSetup,
    run: Id,
) -> Result<ConvertSummary> {
    let mut pass = Pass::new(setup, Apply::Run(run));
    pass.summary.dry_run = true;
    while pass.page(tx).await? {}
    Ok(pass.finish())
}

/// One pass of the rules over the inbox.
struct Pass<'a> {
    setup: &'a ConversionSetup,
    apply: Apply,
    summary: ConvertSummary,
    placements: HashMap<(String, String), Placement>,
    after: Option<Id>,
    started: Instant,
}

impl<'a> Pass<'a> {
    fn new(setup: &'a ConversionSetup, apply: Apply) -> Pass<'a> {
        let by_rule = setup
            .rules
            .iter()
            .map(|r| RuleCount {
                rule: r.name.clone(),
                converted: 0,
            })
            .collect();
        Pass {
            setup,
            apply,
            summary: ConvertSummary {
                dry_run: apply == Apply::DryRun,
                by_rule,
                ..Default::default()
            },
            placements: HashMap::new(),
            after: None,
            started: Instant::now(),
        }
    }

    fn finish(mut self) -> ConvertSummary {
        self.summary.elapsed_seconds = self.started.elapsed().as_secs_f64();
        self.summary
    }

    /// Reads the next page of leads, chooses and (unless dry) converts; `false` when the
    /// inbox has no more leads.
    async fn page(&mut self, tx: &mut Tx) -> Result<bool> {
        let page = tx
            .lead_facts_page(self.after, PAGE, false)
            .await
            .context("cannot read the leads inbox")?;
        let Some((last, _)) = page.last() else {
            return Ok(false);
        };
        self.after = Some(*last);
        let now = Utc::now();
        let mut chosen: Vec<(Id, usize)> = Vec::new();
        for (id, facts) in &page {
            self.summary.leads_considered += 1;
            let choice = self.setup.choose(facts, now);
            for (rule, err) in &choice.errors {
                self.summary.rule_errors += 1;
                tracing::info!(lead = %id, rule = %rule, error = %err, "rule could not be evaluated on this lead");
            }
            let Some(rule) = choice.rule else { continue };
            let index = self.setup.rules.iter().position(|r| std::ptr::eq(r, rule));
            chosen.push((*id, index.expect("the rule is one of the setup's")));
            if self.summary.dry_run {
                self.summary.planned.push(PlannedConversion {
                    lead_id: id.to_string(),
                    title: facts.title.clone(),
                    rule: rule.name.clone(),
                    pipeline: rule.pipeline.clone(),
                    stage: rule.stage.clone(),
                });
            }
        }
        match self.apply {
            Apply::DryRun => {
                for (_, rule) in chosen {
                    self.summary.by_rule[rule].converted += 1;
                    self.summary.leads_converted += 1;
                }
            }
            Apply::Run(run) => self.convert(tx, run, &chosen).await?,
        }
        tracing::info!(
            considered = self.summary.leads_considered,
            converted = self.summary.leads_converted,
            "page of leads done"
        );
        Ok(true)
    }

    async fn convert(&mut self, tx: &mut Tx, run: Id, chosen: &[(Id, usize)]) -> Result<()> {
        let setup = self.setup;
        let formulas = |deal: &DealFacts| setup.formulas.evaluate(deal);
        // Each rule's stage and author, looked up once.
        let mut targets: Vec<Option<(Placement, Author)>> = vec![None; setup.rules.len()];
        for (_, index) in chosen {
            if targets[*index].is_some() {
                continue;
            }
            let rule = &setup.rules[*index];
            let key = (rule.pipeline.clone(), rule.stage.clone());
            let placement = match self.placements.get(&key) {
                Some(placement) => placement.clone(),
                None => {
                    let placement = tx
                        .stage_of(&rule.pipeline, Some(&rule.stage))
                        .await
                        .with_context(|| format!("rule `{}`", rule.name))?;
                    self.placements.insert(key, placement.clone());
                    placement
                }
            };
            let author = Author::Rule {
                rule: rule.name.clone(),
                run,
            };
            targets[*index] = Some((placement, author));
        }
        let orders: Vec<ConvertOrder> = chosen
            .iter()
            .map(|(lead, index)| {
                let rule = &setup.rules[*index];
                let (placement, author) = targets[*index].as_ref().expect("looked up above");
                ConvertOrder {
                    lead: *lead,
                    placement,
                    author,
                    run: Some(run),
                    owner: rule.owner.as_deref(),
                    labels: &rule.labels,
                    products: &rule.products,
                    currency: rule.currency.as_deref(),
                    participants: &rule.participants,
                }
            })
            .collect();
        let outcomes = tx
            .convert_leads(&orders, &formulas)
            .await
            .context("cannot convert the page of leads")?;
        for ((_, index), outcome) in chosen.iter().zip(outcomes) {
            match outcome {
                Converted::Deal(_) => {
                    self.summary.by_rule[*index].converted += 1;
                    self.summary.leads_converted += 1;
                }
                Converted::NotInInbox | Converted::Archived => {
                    self.summary.leads_already_converted += 1
                }
            }
        }
        Ok(())
    }
}
