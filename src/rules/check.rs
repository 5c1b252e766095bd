//! The static check: every variable and field an expression names must exist.
//!
//! CEL itself only finds `lead.valeu` when it evaluates it, on the first lead, which for a rule
//! run nightly means a silent no-op. Walking the parsed tree instead reports every unknown name
//! at once, with where it is and what was meant, before any lead is read.

use cel::IdedExpr;
use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, LiteralValue, SelectExpr, SourceInfo, operators,
};

use super::error::{ExprError, UnknownName, position_at};
use super::program::NAMESPACES;
use super::schema::{Shape, Variables};

/// Identifiers that name types, as in `type(x) == string`.
const TYPE_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "int",
    "list",
    "map",
    "null_type",
    "optional_type",
    "string",
    "type",
    "uint",
];

/// Checks the names `expr` uses against `variables`; `text` is what `expr` was parsed from.
pub(super) fn check(
    expr: &IdedExpr,
    text: &str,
    source: &SourceInfo,
    variables: Variables,
) -> Result<(), ExprError> {
    let mut checker = Checker {
        text,
        source,
        variables,
        locals: Vec::new(),
        unknown: Vec::new(),
    };
    checker.shape(expr);
    if checker.unknown.is_empty() {
        Ok(())
    } else {
        Err(ExprError::Unknown(checker.unknown))
    }
}

struct Checker<'e> {
    text: &'e str,
    source: &'e SourceInfo,
    variables: Variables,
    /// The variables comprehensions bind around the node being checked, innermost last.
    locals: Vec<(&'e str, Shape)>,
    unknown: Vec<UnknownName>,
}

impl<'e> Checker<'e> {
    /// Checks `expr` and tells what it evaluates to, as far as its fields go.
    fn shape(&mut self, expr: &'e IdedExpr) -> Shape {
        match &expr.expr {
            Expr::Ident(name) => self.ident(expr, name),
            Expr::Select(select) => self.select(expr, select),
            Expr::Call(call) => self.call(call),
            Expr::Comprehension(comprehension) => self.comprehension(comprehension),
            Expr::List(list) => self.all(&list.elements),
            Expr::Map(map) => self.entries(&map.entries),
            Expr::Struct(fields) => self.entries(&fields.entries),
            Expr::Literal(_) | Expr::Unspecified => Shape::Unknown,
        }
    }

    fn all(&mut self, exprs: &'e [IdedExpr]) -> Shape {
        for expr in exprs {
            self.shape(expr);
        }
        Shape::Unknown
    }

    fn entries(&mut self, entries: &'e [cel::common::ast::IdedEntryExpr]) -> Shape {
        for entry in entries {
            match &entry.expr {
                EntryExpr::MapEntry(entry) => {
                    self.shape(&entry.key);
                    self.shape(&entry.value);
                }
                EntryExpr::StructField(field) => {
                    self.shape(&field.value);
                }
            }
        }
        Shape::Unknown
    }

    fn ident(&mut self, expr: &IdedExpr, name: &str) -> Shape {
        if let Some((_, shape)) = self.locals.iter().rev().find(|(local, _)| *local == name) {
            return *shape;
        }
        if let Some((_, schema)) = self
            .variables
            .iter()
            .find(|(variable, _)| *variable == name)
        {
            return Shape::Record(schema);
        }
        if !TYPE_NAMES.contains(&name) {
            let known: Vec<&'static str> = self.variables.iter().map(|(v, _)| *v).collect();
            self.unknown.push(UnknownName {
                name: name.to_string(),
                of: None,
                position: position_at(self.text, self.offset(expr)),
                suggestion: closest(name, &known),
                known,
            });
        }
        Shape::Unknown
    }

    fn select(&mut self, expr: &IdedExpr, select: &'e SelectExpr) -> Shape {
        let operand = self.shape(&select.operand);
        self.field(operand, &select.operand, expr, &select.field)
    }

    /// `field` of a value of shape `operand`; `at` is the node whose text names the field.
    fn field(&mut self, operand: Shape, of: &IdedExpr, at: &IdedExpr, field: &str) -> Shape {
        let Shape::Record(schema) = operand else {
            return Shape::Unknown;
        };
        if let Some(known) = schema.field(field) {
            return known.shape;
        }
        let known: Vec<&'static str> = schema.names().collect();
        let of = match &of.expr {
            Expr::Ident(name) => name.clone(),
            _ => schema.type_name.to_string(),
        };
        let start = self.offset(at);
        let found = self.text.get(start..).and_then(|rest| rest.find(field));
        self.unknown.push(UnknownName {
            name: field.to_string(),
            of: Some(of),
            position: position_at(self.text, start + found.unwrap_or(0)),
            suggestion: closest(field, &known),
            known,
        });
        Shape::Unknown
    }

    fn call(&mut self, call: &'e CallExpr) -> Shape {
        if let Some(target) = &call.target {
            let namespace = matches!(&target.expr, Expr::Ident(name)
                if NAMESPACES.contains(&name.as_str()) && !self.is_local(name));
            if !namespace {
                self.shape(target);
            }
        }
        let shapes: Vec<Shape> = call.args.iter().map(|arg| self.shape(arg)).collect();
        let indexing = [
            operators::INDEX,
            operators::OPT_INDEX,
            operators::OPT_SELECT,
        ];
        if call.target.is_some() || !indexing.contains(&call.func_name.as_str()) {
            return Shape::Unknown;
        }
        match (shapes.first(), call.args.get(1).map(|key| (key, &key.expr))) {
            (Some(Shape::ListOf(schema)), _) => Shape::Record(schema),
            (Some(record), Some((key, Expr::Literal(LiteralValue::String(name))))) => {
                self.field(*record, &call.args[0], key, name.inner())
            }
            _ => Shape::Unknown,
        }
    }

    fn comprehension(&mut self, comprehension: &'e ComprehensionExpr) -> Shape {
        let range = self.shape(&comprehension.iter_range);
        self.shape(&comprehension.accu_init);
        let element = match range {
            Shape::ListOf(schema) => Shape::Record(schema),
            _ => Shape::Unknown,
        };
        let depth = self.locals.len();
        // With two variables, the first is the index (or key) and the second the element.
        match &comprehension.iter_var2 {
            None => self.locals.push((&comprehension.iter_var, element)),
            Some(second) => {
                self.locals.push((&comprehension.iter_var, Shape::Unknown));
                self.locals.push((second, element));
            }
        }
        self.locals.push((&comprehension.accu_var, Shape::Unknown));
        self.shape(&comprehension.loop_cond);
        self.shape(&comprehension.loop_step);
        self.shape(&comprehension.result);
        self.locals.truncate(depth);
        Shape::Unknown
    }

    fn is_local(&self, name: &str) -> bool {
        self.locals.iter().any(|(local, _)| *local == name)
    }

    /// The byte offset where the parser saw `expr` begin.
    fn offset(&self, expr: &IdedExpr) -> usize {
        let offset = self
            .source
            .offset_for(expr.id)
            .map_or(0, |(start, _)| start);
        usize::try_from(offset).unwrap_or(0)
    }
}

/// The known name `name` is most likely a typo of: at most one edit away for short names,
/// two for longer ones (a swap of two letters counts as one).
fn closest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let limit = if name.chars().count() <= 4 { 1 } else { 2 };
    let distances = known
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate));
    let (distance, best) = distances.min_by_key(|(distance, _)| *distance)?;
    (distance <= limit).then_some(best)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![(0..=b.len()).collect::<Vec<usize>>()];
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (rows[i - 1][j] + 1)
                .min(row[j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(rows[i - 2][j - 2] + 1);
            }
        }
        rows.push(row);
    }
    rows[a.len()][b.len()]
}
