//! Formula fields: CEL expressions over a deal whose value is stored on the deal.

use cel::Program;
use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, CelUInt};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use serde_json::Value as Json;

use super::error::ExprError;
use super::facts::DealFacts;
use super::program::{compile, evaluate};
use super::schema::FORMULA_VARIABLES;
use super::view::{DealView, Record};

/// A compiled formula: parse and check once, evaluate whenever a deal changes.
#[derive(Debug)]
pub struct Formula {
    text: String,
    program: Program,
}

impl Formula {
    /// Parses `text` and checks that every field of `deal` it names exists.
    pub fn compile(text: &str) -> Result<Formula, ExprError> {
        let program = compile(text, FORMULA_VARIABLES)?;
        Ok(Formula {
            text: text.to_string(),
            program,
        })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The formula's value for `deal`: a number, a string, a bool or null.
    pub fn evaluate(&self, deal: &DealFacts) -> Result<Json, ExprError> {
        let variables = DealVariables(Record(DealView(deal)));
        evaluate(&self.program, &variables, to_json)
    }
}

struct DealVariables<'a>(Record<DealView<'a>>);

impl VariableResolver for DealVariables<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        (variable == "deal").then_some(CowVal::Borrowed(&self.0))
    }
}

/// A scalar result as JSON. A non-finite double (a division by zero) is refused: JSON has no
/// such number, and storing `null` would hide the mistake.
fn to_json(result: &dyn Val) -> Result<Json, ExprError> {
    let not_scalar = || ExprError::NotScalar {
        got: result.get_type().name().to_string(),
    };
    if let Some(value) = result.downcast_ref::<CelDouble>() {
        return serde_json::Number::from_f64(*value.inner())
            .map(Json::Number)
            .ok_or_else(|| ExprError::Eval {
                message: format!("the formula yields `{}`, not a number", value.inner()),
            });
    }
    if let Some(value) = result.downcast_ref::<CelInt>() {
        return Ok(Json::from(*value.inner()));
    }
    if let Some(value) = result.downcast_ref::<CelUInt>() {
        return Ok(Json::from(*value.inner()));
    }
    if let Some(value) = result.downcast_ref::<CelString>() {
        return Ok(Json::from(value.inner()));
    }
    if let Some(value) = result.downcast_ref::<CelBool>() {
        return Ok(Json::from(*value.inner()));
    }
    match result.downcast_ref::<CelNull>() {
        Some(_) => Ok(Json::Null),
        None => Err(not_scalar()),
    }
}
