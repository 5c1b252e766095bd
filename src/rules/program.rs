//! The CEL environment rules are compiled and evaluated in, built once per process.

use std::sync::{Arc, LazyLock};

use cel::common::types::{CelString, CelTimestamp};
use cel::common::value::Val;
use cel::context::VariableResolver;
use cel::{Context, Env, ExecutionError, Program, Value, extensions};

use super::check::check;
use super::error::ExprError;
use super::schema::Variables;
use super::values::midnight_utc;

/// The standard library, the `strings`, `lists` and `math` extensions, and `date()`.
static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(build()));

/// The function namespaces of [`ENV`]: `math.round(x)` names a function, not a variable `math`.
pub(super) const NAMESPACES: &[&str] = &["lists", "math", "optional", "strings"];

pub(super) fn env() -> &'static Arc<Env> {
    &ENV
}

fn build() -> Env {
    let mut env = Env::stdlib();
    let declared_once = "each extension declares its functions once";
    env.add_extension(extensions::strings).expect(declared_once);
    env.add_extension(extensions::lists).expect(declared_once);
    env.add_extension(extensions::math).expect(declared_once);
    cel::add_overload!(env, fn date: (CelString) -> Result<CelTimestamp>, id = "string_to_date")
        .expect("`date` is declared once");
    env
}

/// `date("2025-06-30")`: midnight UTC of that day, the same timestamp a date field holds, so
/// that rules compare dates without spelling out `timestamp("2025-06-30T00:00:00Z")`.
fn date(text: &CelString<'_>) -> Result<CelTimestamp, ExecutionError> {
    let date = text.inner().parse::<chrono::NaiveDate>().map_err(|err| {
        let message = format!("`{}` is not a date (YYYY-MM-DD): {err}", text.inner());
        ExecutionError::function_error("date", message)
    })?;
    Ok(CelTimestamp::from(midnight_utc(date)))
}

/// Parses `text` and checks every name it uses against `variables`.
/// Limits that keep the parser's and evaluator's recursion well inside a thread's stack.
const MAX_LENGTH: usize = 4096;
const MAX_OPERATORS: usize = 100;

pub(super) fn compile(text: &str, variables: Variables) -> Result<Program, ExprError> {
    check_size(text)?;
    let program = env().compile(text)?;
    check(program.expression(), text, program.source_info(), variables)?;
    Ok(program)
}

/// Runs `program` with `variables` and hands the result to `read`, which turns it into
/// something that outlives the evaluation (the result may borrow the facts).
pub(super) fn evaluate<T>(
    program: &Program,
    variables: &dyn VariableResolver,
    read: impl FnOnce(&dyn Val) -> Result<T, ExprError>,
) -> Result<T, ExprError> {
    let mut context = Context::with_env(Arc::clone(env()));
    context.set_variable_resolver(variables);
    let result = Value::resolve_val(program.expression(), &context)?;
    read(result.as_ref())
}

/// Refuses expressions whose size alone could overflow the stack: too long, or too many
/// operators, member selections or calls (each one a level of recursion).
fn check_size(text: &str) -> Result<(), ExprError> {
    if text.len() > MAX_LENGTH {
        return Err(ExprError::TooLarge {
            what: format!("{} characters, at most {MAX_LENGTH}", text.len()),
        });
    }
    let operators = text
        .chars()
        .filter(|c| {
            matches!(
                c,
                '+' | '-'
                    | '*'
                    | '/'
                    | '%'
                    | '.'
                    | '('
                    | '['
                    | '&'
                    | '|'
                    | '?'
                    | '!'
                    | '<'
                    | '>'
                    | '='
            )
        })
        .count();
    if operators > MAX_OPERATORS * 2 {
        return Err(ExprError::TooLarge {
            what: format!("about {} operators, at most {MAX_OPERATORS}", operators / 2),
        });
    }
    Ok(())
}
