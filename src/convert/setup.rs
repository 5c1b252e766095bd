//! The conversion side of a job, checked and compiled: pipelines, rules (with their
//! target stage resolved from the job's own pipelines) and formula fields. Pure: choosing
//! a rule for a lead touches no database, so a dry run and a real run choose alike.

use chrono::{DateTime, Utc};

use super::config::{FormulaConfig, PipelineConfig, ProductConfig, RuleConfig};
use crate::rules::{Condition, DealFacts, ExprError, Formula, LeadFacts, ProductFacts};

/// A compiled conversion rule and where its deals land.
#[derive(Debug)]
pub struct Rule {
    pub name: String,
    condition: Condition,
    pub pipeline: String,
    pub stage: String,
    pub owner: Option<String>,
    pub labels: Vec<String>,
    pub products: Vec<ProductFacts>,
    pub currency: Option<String>,
    pub participants: Vec<String>,
}

/// Formula fields, compiled once and evaluated whenever a deal changes.
#[derive(Debug, Default)]
pub struct Formulas(Vec<(String, Formula)>);

/// Everything the job says about conversion.
#[derive(Debug, Default)]
pub struct ConversionSetup {
    pub pipelines: Vec<PipelineConfig>,
    pub rules: Vec<Rule>,
    pub formulas: Formulas,
    pub formula_configs: Vec<FormulaConfig>,
}

impl ConversionSetup {
    /// Checks and compiles; every problem is returned, each a complete message.
    pub fn compile(
        pipelines: Vec<PipelineConfig>,
        rules: &[RuleConfig],
        formulas: Vec<FormulaConfig>,
    ) -> (ConversionSetup, Vec<String>) {
        let mut errors = check_pipelines(&pipelines);
        let (compiled_formulas, formula_errors) = Formulas::compile(&formulas);
        errors.extend(formula_errors);
        let mut compiled = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let prefix = format!("rules[{i}] `{}`", rule.name);
            if rules[..i].iter().any(|r| r.name == rule.name) {
                errors.push(format!("{prefix}: the name is used twice"));
            }
            match compile_rule(rule, &pipelines) {
                Ok(rule) => compiled.push(rule),
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")))
                }
            }
        }
        let setup = ConversionSetup {
            pipelines,
            rules: compiled,
            formulas: compiled_formulas,
            formula_configs: formulas,
        };
        (setup, errors)
    }

    /// The first rule whose condition holds for the lead. Archived leads match none. A
    /// rule that cannot be evaluated on the lead (it compares a value the lead lacks, say)
    /// does not match it; its error comes back beside the choice.
    pub fn choose(&self, lead: &LeadFacts, now: DateTime<Utc>) -> Choice<'_> {
        let mut choice = Choice::default();
        if lead.archived {
            return choice;
        }
        for rule in &self.rules {
            match rule.condition.matches(lead, now) {
                Ok(true) => {
                    choice.rule = Some(rule);
                    break;
                }
                Ok(false) => {}
                Err(err) => choice.errors.push((rule.name.as_str(), err)),
            }
        }
        choice
    }
}

/// The rule chosen for a lead, and the rules that could not be evaluated on it.
#[derive(Debug, Default)]
pub struct Choice<'a> {
    pub rule: Option<&'a Rule>,
    pub errors: Vec<(&'a str, ExprError)>,
}

impl Formulas {
    pub fn compile(formulas: &[FormulaConfig]) -> (Formulas, Vec<String>) {
        let mut compiled = Vec::new();
        let mut errors = Vec::new();
        for (i, formula) in formulas.iter().enumerate() {
            if formulas[..i].iter().any(|f| f.name == formula.name) {
                errors.push(format!(
                    "formulas[{i}] `{}`: the name is used twice",
                    formula.name
                ));
            }
            match Formula::compile(&formula.expression) {
                Ok(expr) => compiled.push((formula.name.clone(), expr)),
                Err(err) => errors.push(format!("formulas[{i}] `{}`: {err}", formula.name)),
            }
        }
        (Formulas(compiled), errors)
    }

    /// Every formula's value for the deal. A formula that fails on this deal (a missing
    /// value, say) is `null` there, and logged.
    pub fn evaluate(&self, deal: &DealFacts) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .map(|(name, formula)| {
                let value = formula.evaluate(deal).unwrap_or_else(|err| {
                    tracing::debug!(formula = %name, error = %err, "formula has no value for this deal");
                    serde_json::Value::Null
                });
                (name.clone(), value)
            })
            .collect()
    }
}

fn check_pipelines(pipelines: &[PipelineConfig]) -> Vec<String> {
    let mut errors = Vec::new();
    for (i, pipeline) in pipelines.iter().enumerate() {
        let prefix = format!("pipelines[{i}] `{}`", pipeline.name);
        if pipeline.name.trim().is_empty() {
            errors.push(format!("pipelines[{i}]: the name is empty"));
        }
        if pipelines[..i].iter().any(|p| p.name == pipeline.name) {
            errors.push(format!("{prefix}: the name is used twice"));
        }
        if pipeline.stages.is_empty() {
            errors.push(format!("{prefix}: has no stages"));
        }
        for (j, stage) in pipeline.stages.iter().enumerate() {
            if pipeline.stages[..j].iter().any(|s| s.name == stage.name) {
                errors.push(format!("{prefix}: stage `{}` is listed twice", stage.name));
            }
            if stage.probability > 100 {
                errors.push(format!(
                    "{prefix}: stage `{}`: probability `{}` is not between 0 and 100",
                    stage.name, stage.probability
                ));
            }
        }
    }
    if pipelines.iter().filter(|p| p.default).count() > 1 {
        errors.push("more than one pipeline has `default = true`".to_string());
    }
    errors
}

fn compile_rule(rule: &RuleConfig, pipelines: &[PipelineConfig]) -> Result<Rule, Vec<String>> {
    let mut errors = Vec::new();
    let condition = Condition::compile(&rule.when)
        .map_err(|err| errors.push(format!("when: {err}")))
        .ok();
    let target = target(rule, pipelines).map_err(|err| errors.push(err)).ok();
    for product in &rule.products {
        errors.extend(check_product(product));
    }
    if let Some(currency) = &rule.currency
        && !(currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase()))
    {
        errors.push(format!(
            "currency `{currency}` is not an ISO 4217 code such as `EUR`"
        ));
    }
    match (condition, target) {
        (Some(condition), Some((pipeline, stage))) if errors.is_empty() => Ok(Rule {
            name: rule.name.clone(),
            condition,
            pipeline,
            stage,
            owner: rule.owner.clone(),
            labels: rule.labels.clone(),
            products: rule
                .products
                .iter()
                .map(|p| ProductFacts {
                    name: p.name.clone(),
                    quantity: p.quantity,
                    unit_price: p.unit_price,
                    discount: p.discount,
                })
                .collect(),
            currency: rule.currency.clone(),
            participants: rule.participants.clone(),
        }),
        _ => Err(errors),
    }
}

/// The (pipeline, stage) a rule's deals land in, from the job's own pipelines: the given
/// stage, else the first stage of the given pipeline, else of the default pipeline.
fn target(rule: &RuleConfig, pipelines: &[PipelineConfig]) -> Result<(String, String), String> {
    let names = || {
        pipelines
            .iter()
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pipeline = match &rule.pipeline {
        Some(name) => pipelines.iter().find(|p| &p.name == name).ok_or_else(|| {
            format!(
                "pipeline `{name}` is not declared in [[pipelines]] (declared: {})",
                names()
            )
        })?,
        None => pipelines
            .iter()
            .find(|p| p.default)
            .or(pipelines.first())
            .ok_or("a rule needs a pipeline: declare one in [[pipelines]]")?,
    };
    let stage = match &rule.stage {
        Some(name) => pipeline
            .stages
            .iter()
            .find(|s| &s.name == name)
            .ok_or_else(|| {
                format!(
                    "stage `{name}` is not a stage of pipeline `{}` (its stages: {})",
                    pipeline.name,
                    pipeline
                        .stages
                        .iter()
                        .map(|s| format!("`{}`", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
        None => pipeline
            .stages
            .first()
            .ok_or_else(|| format!("pipeline `{}` has no stages", pipeline.name))?,
    };
    Ok((pipeline.name.clone(), stage.name.clone()))
}

fn check_product(product: &ProductConfig) -> Vec<String> {
    let mut errors = Vec::new();
    let name = &product.name;
    if !(product.quantity > 0.0 && product.quantity.is_finite()) {
        errors.push(format!(
            "product `{name}`: quantity `{}` must be above 0",
            product.quantity
        ));
    }
    if !product.unit_price.is_finite() {
        errors.push(format!(
            "product `{name}`: unit_price `{}` is not a number",
            product.unit_price
        ));
    }
    if !(0.0..=100.0).contains(&product.discount) {
        errors.push(format!(
            "product `{name}`: discount `{}` is not a percentage between 0 and 100",
            product.discount
        ));
    }
    errors
}
