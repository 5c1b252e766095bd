//! What serde reads from a mapping file (`mappings/*.toml`). Checked and compiled into a
//! [`super::Mapping`] by [`super::compile`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::ContactLabel;

/// A mapping file: options, lookup tables and one `[[fields]]` entry per target value.
#[derive(Debug, Clone, Deserialize)]
pub struct MappingConfig {
    /// A short name shown in messages; defaults to the file name.
    pub name: Option<String>,
    /// What export this mapping reads, for people browsing `mappings/`.
    pub description: Option<String>,
    #[serde(default)]
    pub options: MappingOptions,
    /// Named tables for the `lookup` transform: source value -> replacement. The key `*`
    /// catches every value not listed; without it an unlisted value rejects the row.
    #[serde(default)]
    pub lookups: BTreeMap<String, BTreeMap<String, String>>,
    /// Parsed one by one so that every bad entry is reported, not only the first.
    #[serde(default)]
    pub fields: Vec<toml::Value>,
}

/// Settings that apply to every field unless the field overrides them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MappingOptions {
    /// Decimal separator of numbers and amounts: `.` (`1,234.56`) or `,` (`1.234,56`).
    pub decimal_separator: char,
    /// Thousands separator: `,`, `.`, a space, `'`, or empty for none.
    pub thousands_separator: String,
    /// Date formats (chrono `strftime` syntax) tried on date fields. Without any, only ISO
    /// dates (`2024-09-02`, or an RFC 3339 timestamp) are read: a date is never guessed.
    pub date_formats: Vec<String>,
    /// Currency given to an amount that carries none; without it the rule below applies.
    pub default_currency: Option<String>,
    /// What to do with an amount that has no currency and no default: reject the row, or
    /// import the lead without a value.
    pub value_without_currency: MissingCurrency,
    /// What to do with an email or phone that does not parse: reject the row, or skip it.
    pub invalid_contact: InvalidContact,
}

impl Default for MappingOptions {
    fn default() -> Self {
        MappingOptions {
            decimal_separator: '.',
            thousands_separator: ",".to_string(),
            date_formats: Vec::new(),
            default_currency: None,
            value_without_currency: MissingCurrency::Reject,
            invalid_contact: InvalidContact::Reject,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingCurrency {
    Reject,
    DropValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidContact {
    Reject,
    Skip,
}

/// One `[[fields]]` entry: where a value comes from, how it is cleaned, where it goes.
#[derive(Debug, Clone, Deserialize)]
pub struct FieldConfig {
    /// `lead.title`, `lead.value`, `lead.currency`, `lead.expected_close_date`, `lead.labels`,
    /// `lead.owner`, `person.name`, `person.email`, `person.phone`, `organization.name`,
    /// `organization.website`, `organization.address`, or `custom.<name>`.
    pub target: String,
    /// The source column the value comes from.
    pub column: Option<String>,
    /// Combines columns: `"{first_name} {last_name}"`; `{{` and `}}` are literal braces.
    pub template: Option<String>,
    /// A constant value.
    pub value: Option<String>,
    /// Used when the source value is empty.
    pub default: Option<String>,
    #[serde(default)]
    pub transforms: Vec<TransformConfig>,
    /// How to parse the value; the target decides for built-in fields.
    #[serde(rename = "type")]
    pub kind: Option<FieldType>,
    /// Date format(s) for this field, overriding `options.date_formats`.
    #[serde(default)]
    pub formats: Vec<String>,
    /// Label of an email or phone.
    pub label: Option<ContactLabel>,
    /// Reject the row when the value is empty.
    #[serde(default)]
    pub required: bool,
}

/// The cleaning steps, applied in order. A `split` turns the value into a list; the steps
/// after it apply to each element.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TransformConfig {
    Trim,
    Lower,
    Upper,
    /// Capitalize the first letter of each word.
    Title,
    /// Replace every match of a regular expression.
    Replace {
        pattern: String,
        with: String,
    },
    /// Keep the first capture group (or the whole match); no match gives an empty value.
    Extract(String),
    /// Split into a list on a separator; empty elements are dropped.
    Split(String),
    /// Replace the value through a table of `[lookups]`.
    Lookup(String),
}

/// Value types for `custom.*` fields, and the special shapes of contact columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Integer,
    Bool,
    Date,
    List,
    Email,
    Phone,
    /// A JSON array of `{"label": ..., "value": ...}` objects in one cell (emails or phones).
    JsonContacts,
}

impl FieldType {
    /// The name as written in mapping files.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::List => "list",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::JsonContacts => "json_contacts",
        }
    }
}
