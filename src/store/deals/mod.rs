//! The deal side of the store: pipelines and stages, converting a lead into a deal, the
//! changes a deal goes through (each written to its change log), and reading deals back.

mod changes;
mod convert;
mod facts;
mod pipelines;
mod read;

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::model::Id;

pub use changes::Closing;
pub use convert::{ConvertOrder, Converted, LeadRecord, Product};
pub use pipelines::{PipelineView, StageView};
pub use read::{DealChange, DealDetail, DealFilter, DealSummary};

/// Where a deal sits: a stage of a pipeline, with the stage's default probability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub pipeline_id: i64,
    pub pipeline: String,
    pub stage_id: i64,
    pub stage: String,
    pub probability: i32,
}

/// Who made a change, as the change log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// A conversion rule, during a run.
    Rule { rule: String, run: Id },
    /// A run outside any rule (formula fields, say).
    Run(Id),
    /// Someone at the command line.
    CommandLine,
}

impl Author {
    /// The `changed_by` text: `rule:NAME run:ID`, `run:ID` or `command line`.
    pub fn label(&self) -> String {
        match self {
            Author::Rule { rule, run } => format!("rule:{rule} run:{run}"),
            Author::Run(run) => format!("run:{run}"),
            Author::CommandLine => "command line".to_string(),
        }
    }

    /// How the creation entry phrases it: "by rule `R`" or "by hand".
    fn how(&self) -> String {
        match self {
            Author::Rule { rule, .. } => format!("by rule `{rule}`"),
            Author::Run(run) => format!("by run {run}"),
            Author::CommandLine => "by hand".to_string(),
        }
    }
}

/// What can go wrong with a deal operation, beyond the database itself.
#[derive(Debug, thiserror::Error)]
pub enum DealError {
    #[error(
        "there are no pipelines yet: declare [[pipelines]] in a job file and run \
         `leadsync convert JOB` (or `leadsync import JOB`) to create them"
    )]
    NoPipelines,
    #[error("pipeline `{name}` does not exist; the pipelines are: {known}")]
    UnknownPipeline { name: String, known: String },
    #[error("stage `{stage}` is not in pipeline `{pipeline}`; its stages are: {known}")]
    UnknownStage {
        stage: String,
        pipeline: String,
        known: String,
    },
    #[error("pipeline `{0}` has no stages")]
    EmptyPipeline(String),
    #[error("deal `{0}` does not exist")]
    UnknownDeal(Id),
    #[error("deal `{id}` is already {status}; only open deals change stage or close")]
    Closed { id: Id, status: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DealError {
    fn from(err: sqlx::Error) -> Self {
        DealError::Store(StoreError::Query(err))
    }
}

/// A deal's products, in the order they were added.
const PRODUCTS: &str =
    "SELECT name, quantity, unit_price, discount FROM deal_products WHERE deal_id = $1 ORDER BY id";

/// One row of [`PRODUCTS`]: name, quantity, unit price, discount.
type ProductRow = (String, f64, f64, f64);

fn product((name, quantity, unit_price, discount): ProductRow) -> crate::rules::ProductFacts {
    crate::rules::ProductFacts {
        name,
        quantity,
        unit_price,
        discount,
    }
}

/// Names joined for a message: `a`, `b`, `c`.
fn listed(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
