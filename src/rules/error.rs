//! Why an expression did not compile or could not be evaluated.
//!
//! Every message is complete on its own; the caller prefixes the rule's name and the job file.

use std::fmt;

use cel::ExecutionError;

/// A problem with a condition or a formula.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    /// The text does not parse (every complaint of the parser, in order).
    #[error("{}", join(.0))]
    Syntax(Vec<SyntaxError>),
    /// The text parses but names variables or fields that do not exist.
    #[error("{}", join(.0))]
    Unknown(Vec<UnknownName>),
    /// A condition evaluated to something other than `true` or `false`.
    #[error("the condition yields a `{got}`, not a bool")]
    NotBool { got: String },
    /// A formula evaluated to something that cannot be stored as a field value.
    #[error("the formula yields a `{got}`; a formula yields a number, a string, a bool or null")]
    NotScalar { got: String },
    /// The text is too long or nests too many operators to parse and evaluate safely
    /// (the parser and evaluator recurse on each operator).
    #[error("the expression is too large ({what}); split it into several rules or simplify it")]
    TooLarge { what: String },
    /// Evaluation failed on these facts, e.g. a comparison with a null value.
    #[error("evaluation failed: {message}")]
    Eval { message: String },
}

/// Where in an expression's text: line and column, both from 1, the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One complaint of the parser.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// `None` when the parser gave up without saying where.
    pub position: Option<Position>,
    pub message: String,
}

/// A variable or field the expression names that does not exist.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownName {
    pub name: String,
    /// The variable whose field this is (`lead` for `lead.valeu`); `None` for a variable.
    pub of: Option<String>,
    pub position: Position,
    /// The closest known name, when one is close enough to be a likely typo.
    pub suggestion: Option<&'static str>,
    /// Every name that would have been accepted there.
    pub known: Vec<&'static str>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(position) => write!(f, "syntax error at {position}: {}", self.message),
            None => write!(f, "syntax error: {}", self.message),
        }
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self.known.iter().map(|name| format!("`{name}`"));
        let known = known.collect::<Vec<_>>().join(", ");
        match &self.of {
            None => write!(f, "unknown variable `{}` at {}", self.name, self.position)?,
            Some(of) => write!(f, "unknown field `{of}.{}` at {}", self.name, self.position)?,
        }
        if let Some(suggestion) = self.suggestion {
            write!(f, ", did you mean `{suggestion}`?")?;
        }
        match &self.of {
            None => write!(f, " (variables: {known})"),
            Some(of) => write!(f, " (fields of `{of}`: {known})"),
        }
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    let items = items.iter().map(T::to_string);
    items.collect::<Vec<_>>().join("; ")
}

/// The line and column of a byte offset into `text`.
pub(super) fn position_at(text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

impl From<cel::ParseErrors> for ExprError {
    fn from(errors: cel::ParseErrors) -> ExprError {
        let errors = errors.errors.into_iter().map(|error| {
            let (line, column) = error.pos;
            let position = (line > 0 && column > 0).then(|| Position {
                line: line.unsigned_abs(),
                column: column.unsigned_abs(),
            });
            let message = error
                .msg
                .strip_prefix("Syntax error: ")
                .unwrap_or(&error.msg);
            SyntaxError {
                position,
                message: message.to_string(),
            }
        });
        ExprError::Syntax(errors.collect())
    }
}

impl From<ExecutionError> for ExprError {
    /// Keeps CEL's message and, for the two mistakes rules make most, says what to write instead.
    fn from(error: ExecutionError) -> ExprError {
        let message = match &error {
            ExecutionError::NoSuchKey(key) => {
                format!("no such key `{key}`; test for it first with `has(...)`")
            }
            ExecutionError::NoSuchOverload(overload)
                if overload.argument_types().iter().any(|t| t == "null_type") =>
            {
                format!("{error}: a value is null; test for it first, e.g. `x != null && ...`")
            }
            _ => error.to_string(),
        };
        ExprError::Eval { message }
    }
}
