//! What serde reads from a job file's `[[pipelines]]`, `[[rules]]` and `[[formulas]]`.

use serde::Deserialize;

/// A sales pipeline: an ordered list of stages. Created or updated in the store by
/// `import` and `convert`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    pub name: String,
    /// The pipeline a conversion lands in when it names none. Without any `default = true`
    /// the first pipeline of the job is the default.
    #[serde(default)]
    pub default: bool,
    /// In order; a deal starts in the first unless a rule names another.
    pub stages: Vec<StageConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    pub name: String,
    /// Default win probability of a deal in this stage, in percent (0 to 100).
    pub probability: u8,
}

/// A conversion rule: leads whose condition holds become deals. Rules are tried in order;
/// the first that matches converts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    /// A CEL expression over `lead`, `person` and `organization`, for example
    /// `lead.value >= 10000.0 && "hot" in lead.labels`.
    pub when: String,
    /// Target pipeline; the default pipeline when absent.
    pub pipeline: Option<String>,
    /// Target stage; the first stage of the pipeline when absent.
    pub stage: Option<String>,
    /// Owner of the deal; the lead's owner when absent.
    pub owner: Option<String>,
    /// Labels added to the lead's own.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Products attached to the deal; the deal's value is then their total.
    #[serde(default)]
    pub products: Vec<ProductConfig>,
    /// Currency of the products' total when the lead has none.
    pub currency: Option<String>,
    /// Emails of persons (already in the store) who take part in the deal.
    #[serde(default)]
    pub participants: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductConfig {
    pub name: String,
    #[serde(default = "one")]
    pub quantity: f64,
    pub unit_price: f64,
    /// In percent (0 to 100).
    #[serde(default)]
    pub discount: f64,
}

fn one() -> f64 {
    1.0
}

/// A formula field: a value computed from the deal (a CEL expression over `deal`), kept
/// current whenever the deal changes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormulaConfig {
    pub name: String,
    pub expression: String,
}
