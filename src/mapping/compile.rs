//! Checks a mapping file against a source's header and builds the runtime [`Mapping`].
//! Every problem is collected, so `validate` can list them all at once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use regex::Regex;

use super::config::{FieldConfig, MappingConfig, TransformConfig};
use super::parse::{self, NumberFormat};
use super::target::Target;
use super::transform::{Template, Transform};
use super::{Field, FieldSource, Mapping};
use crate::config_file;
use crate::normalize;

/// Reads a mapping file: the mapping and the problems found in it (unknown keys), or, when
/// nothing can be read, only the problems. Every message names the file.
pub fn load(path: &Path) -> Result<(MappingConfig, Vec<String>), Vec<String>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|err| vec![format!("mapping `{shown}`: cannot read it: {err}")])?;
    let table =
        config_file::parse(&text).map_err(|err| vec![format!("mapping `{shown}`: {err}")])?;
    let (config, problems) = config_file::read::<MappingConfig>(toml::Value::Table(table));
    let problems: Vec<String> = problems
        .into_iter()
        .map(|p| format!("mapping `{shown}`: {p}"))
        .collect();
    match config {
        Some(config) => Ok((config, problems)),
        None => Err(problems),
    }
}

/// Settings from the job that mappings need.
#[derive(Debug, Clone, Default)]
pub struct MapContext {
    /// ISO 3166 region for phone numbers written without a country code.
    pub default_region: Option<String>,
}

/// Builds the runtime mapping for a source whose header is `header`.
pub fn compile(
    name: &str,
    config: &MappingConfig,
    header: &[String],
    context: &MapContext,
) -> Result<Mapping, Vec<String>> {
    let mut errors = Vec::new();
    let options = &config.options;
    let thousands = match options
        .thousands_separator
        .chars()
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => None,
        [c] if *c != options.decimal_separator => Some(*c),
        _ => {
            errors.push(format!(
                "mapping `{name}`: thousands_separator `{}` must be one character other than the decimal separator",
                options.thousands_separator
            ));
            None
        }
    };
    for format in &options.date_formats {
        if let Err(err) = parse::check_date_format(format) {
            errors.push(format!("mapping `{name}`: options.date_formats: {err}"));
        }
    }
    if let Some(currency) = &options.default_currency
        && let Err(err) = parse::currency(currency)
    {
        errors.push(format!("mapping `{name}`: options.default_currency: {err}"));
    }
    let mut columns: HashMap<String, usize> = HashMap::with_capacity(header.len());
    let mut repeated: Vec<&str> = Vec::new();
    for (i, column) in header.iter().enumerate() {
        if columns.insert(column.clone(), i).is_some() {
            repeated.push(column);
        }
    }
    let mut fields = Vec::new();
    for (i, raw) in config.fields.iter().enumerate() {
        let prefix = field_prefix(name, i, raw);
        let (field, problems) = config_file::read::<FieldConfig>(raw.clone());
        errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")));
        let Some(field) = field else { continue };
        match compile_field(&field, config, &columns, options) {
            Ok(field) => fields.push(field),
            Err(problems) => errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}"))),
        }
    }
    // A repeated header name is only a problem when a field reads it: which one is meant?
    for column in repeated {
        if fields.iter().any(|field| field.reads(column, &columns)) {
            errors.push(format!(
                "mapping `{name}`: column `{column}` appears more than once in the file's header, so it is ambiguous"
            ));
        }
    }
    if fields.is_empty() && errors.is_empty() {
        errors.push(format!("mapping `{name}`: has no [[fields]]"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Mapping {
        name: name.to_string(),
        fields,
        columns,
        number_format: NumberFormat {
            decimal: options.decimal_separator,
            thousands,
        },
        default_currency: options
            .default_currency
            .as_deref()
            .and_then(|c| parse::currency(c).ok()),
        value_without_currency: options.value_without_currency,
        invalid_contact: options.invalid_contact,
        default_region: context.default_region.clone(),
    })
}

fn field_prefix(name: &str, index: usize, raw: &toml::Value) -> String {
    match raw.get("target").and_then(toml::Value::as_str) {
        Some(target) => format!("mapping `{name}`: fields[{index}] `{target}`"),
        None => format!("mapping `{name}`: fields[{index}]"),
    }
}

fn compile_field(
    field: &FieldConfig,
    config: &MappingConfig,
    columns: &HashMap<String, usize>,
    options: &super::config::MappingOptions,
) -> Result<Field, Vec<String>> {
    let mut problems = Vec::new();
    let target = Target::parse(&field.target).map_err(|e| vec![e])?;
    let source = match (&field.column, &field.template, &field.value) {
        (Some(column), None, None) => match columns.get(column) {
            Some(&index) => FieldSource::Column(index),
            None => {
                problems.push(unknown_column(column, columns));
                FieldSource::Constant(String::new())
            }
        },
        (None, Some(text), None) => match Template::parse(text) {
            Ok(template) => {
                for column in template.columns().filter(|c| !columns.contains_key(*c)) {
                    problems.push(unknown_column(column, columns));
                }
                FieldSource::Template(template)
            }
            Err(err) => {
                problems.push(err);
                FieldSource::Constant(String::new())
            }
        },
        (None, None, Some(value)) => FieldSource::Constant(value.clone()),
        (None, None, None) if field.default.is_some() => FieldSource::Constant(String::new()),
        _ => {
            problems.push("give exactly one of `column`, `template` or `value`".to_string());
            FieldSource::Constant(String::new())
        }
    };
    let allowed = target.allowed_types();
    let kind = field.kind.unwrap_or(allowed[0]);
    if !allowed.contains(&kind) {
        problems.push(format!(
            "type `{}` does not fit this target (allowed: {})",
            kind.as_str(),
            allowed
                .iter()
                .map(|t| format!("`{}`", t.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if field.label.is_some() && !matches!(target, Target::PersonEmail | Target::PersonPhone) {
        problems.push("`label` only applies to person.email and person.phone".to_string());
    }
    let formats = if field.formats.is_empty() {
        options.date_formats.clone()
    } else {
        field.formats.clone()
    };
    for format in &field.formats {
        if let Err(err) = parse::check_date_format(format) {
            problems.push(err);
        }
    }
    let mut transforms = Vec::new();
    for transform in &field.transforms {
        match compile_transform(transform, config) {
            Ok(t) => transforms.push(t),
            Err(err) => problems.push(err),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let describe = match (&field.column, &field.template) {
        (Some(column), _) => format!("column `{column}`"),
        (_, Some(template)) => format!("template `{template}`"),
        _ => "constant".to_string(),
    };
    Ok(Field {
        target,
        name: field.target.clone(),
        describe,
        source,
        default: field.default.clone(),
        transforms,
        kind,
        formats,
        label: field.label.unwrap_or_default(),
        required: field.required,
    })
}

fn unknown_column(column: &str, columns: &HashMap<String, usize>) -> String {
    const SHOWN: usize = 30;
    let mut known: Vec<&str> = columns.keys().map(String::as_str).collect();
    known.sort_unstable();
    let listed = match known.len() {
        n if n > SHOWN => format!("{}, and {} more", known[..SHOWN].join(", "), n - SHOWN),
        _ => known.join(", "),
    };
    format!(
        "column `{column}` is not in the file's header (it has {} columns: {listed})",
        known.len()
    )
}

fn compile_transform(
    config: &TransformConfig,
    mapping: &MappingConfig,
) -> Result<Transform, String> {
    let regex = |pattern: &str| {
        Regex::new(pattern).map_err(|err| format!("regex `{pattern}` does not compile: {err}"))
    };
    Ok(match config {
        TransformConfig::Trim => Transform::Trim,
        TransformConfig::Lower => Transform::Lower,
        TransformConfig::Upper => Transform::Upper,
        TransformConfig::Title => Transform::Title,
        TransformConfig::Replace { pattern, with } => Transform::Replace {
            pattern: regex(pattern)?,
            with: with.clone(),
        },
        TransformConfig::Extract(pattern) => Transform::Extract(regex(pattern)?),
        TransformConfig::Split(separator) if separator.is_empty() => {
            return Err("`split` needs a non-empty separator".to_string());
        }
        TransformConfig::Split(separator) => Transform::Split(separator.clone()),
        TransformConfig::Lookup(name) => match mapping.lookups.get(name) {
            Some(table) => Transform::Lookup {
                name: name.clone(),
                table: Arc::new(table.clone()),
            },
            None => return Err(format!("lookup table `{name}` is not defined in [lookups]")),
        },
    })
}

/// Checks the job-level phone region.
pub fn check_region(region: &str) -> Result<(), String> {
    normalize::region(region).map_err(|err| err.to_string())
}
