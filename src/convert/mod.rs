//! The convert stage: qualified leads become deals in a pipeline, by the job's rules or
//! by hand, following the lead/deal model of DOMAIN.md.
//!
//! Rules are chosen for a page of leads at a time (`setup`, pure), then each page is
//! converted in one transaction (`store::deals`). A dry run chooses the same way and
//! writes nothing.

mod apply;
pub mod config;
mod manual;
mod setup;

use serde::Serialize;

pub use apply::{apply_rules, apply_rules_in};
pub use manual::{ManualOutcome, convert_by_hand, select_leads};
pub use setup::{ConversionSetup, Formulas, Rule};

use crate::model::Id;

/// What a conversion pass did (or, dry, would do).
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize)]
#[serde(default)]
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

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RuleCount {
    pub rule: String,
    pub converted: u64,
}

/// One lead a dry run would convert, and where to.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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
        const SHOWN: usize = 50;
        for planned in self.planned.iter().take(SHOWN) {
            writeln!(
                f,
                "    {}  {}  rule `{}` -> {} / {}",
                planned.lead_id, planned.title, planned.rule, planned.pipeline, planned.stage
            )?;
        }
        if self.planned.len() > SHOWN {
            writeln!(
                f,
                "    ... and {} more (--json lists them all)",
                self.planned.len() - SHOWN
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
