//! Mapping: declarative files that turn a source record into a typed [`LeadDraft`].
//!
//! A mapping is compiled once per source against the file's header ([`compile`]), then
//! [`Mapping::apply`] runs on every record: pure, no I/O, so it runs in parallel.

mod compile;
pub mod config;
pub mod parse;
pub mod target;
pub mod transform;

use std::collections::HashMap;
use std::collections::HashSet;

use csv::StringRecord;

pub use compile::{MapContext, check_region, compile, load};
use config::{FieldType, InvalidContact, MissingCurrency};
use parse::NumberFormat;
use target::Target;
use transform::{Template, Transform, Value};

use crate::model::{Contact, ContactLabel, LeadDraft, Money, OrganizationDraft, PersonDraft};
use crate::normalize;

/// A compiled mapping, ready to apply to records of one source.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    fields: Vec<Field>,
    columns: HashMap<String, usize>,
    number_format: NumberFormat,
    default_currency: Option<String>,
    value_without_currency: MissingCurrency,
    invalid_contact: InvalidContact,
    default_region: Option<String>,
}

#[derive(Debug, Clone)]
struct Field {
    target: Target,
    name: String,
    describe: String,
    source: FieldSource,
    default: Option<String>,
    transforms: Vec<Transform>,
    kind: FieldType,
    formats: Vec<String>,
    label: ContactLabel,
    required: bool,
}

impl Field {
    /// Whether this field reads the named column.
    fn reads(&self, column: &str, columns: &HashMap<String, usize>) -> bool {
        match &self.source {
            FieldSource::Column(index) => columns.get(column) == Some(index),
            FieldSource::Template(template) => template.columns().any(|c| c == column),
            FieldSource::Constant(_) => false,
        }
    }
}

#[derive(Debug, Clone)]
enum FieldSource {
    Column(usize),
    Template(Template),
    Constant(String),
}

/// Why a record could not become a lead: the target field (or `lead`) and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub field: String,
    pub reason: String,
}

impl RowError {
    fn new(field: &str, reason: impl Into<String>) -> RowError {
        RowError {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

/// The parts of a lead collected field by field, checked as a whole at the end.
#[derive(Default)]
struct Collected {
    lead: LeadDraft,
    amount: Option<f64>,
    amount_currency: Option<String>,
    currency: Option<String>,
    person: PersonDraft,
    organization: OrganizationDraft,
}

impl Mapping {
    /// Maps one record to a lead draft, or says which field is wrong and why.
    pub fn apply(&self, record: &StringRecord) -> Result<LeadDraft, RowError> {
        let mut collected = Collected::default();
        for field in &self.fields {
            let value = self.field_value(field, record)?;
            if value.is_empty() {
                if field.required {
                    let reason = format!("required value is empty ({})", field.describe);
                    return Err(RowError::new(&field.name, reason));
                }
                continue;
            }
            self.assign(field, value, &mut collected)
                .map_err(|reason| {
                    RowError::new(&field.name, format!("{} ({})", reason, field.describe))
                })?;
        }
        self.finish(collected)
    }

    fn field_value(&self, field: &Field, record: &StringRecord) -> Result<Value, RowError> {
        let raw = match &field.source {
            FieldSource::Column(index) => record.get(*index).unwrap_or("").to_string(),
            FieldSource::Template(template) => template.render(|name| {
                self.columns
                    .get(name)
                    .and_then(|&i| record.get(i))
                    .unwrap_or("")
            }),
            FieldSource::Constant(value) => value.clone(),
        };
        let mut value = match &field.default {
            Some(default) if raw.trim().is_empty() => Value::Text(default.clone()),
            _ => Value::Text(raw),
        };
        for transform in &field.transforms {
            value = transform
                .apply(value)
                .map_err(|reason| RowError::new(&field.name, reason))?;
        }
        Ok(value)
    }

    fn assign(&self, field: &Field, value: Value, into: &mut Collected) -> Result<(), String> {
        match &field.target {
            Target::LeadTitle => into.lead.title = into_text(value),
            Target::LeadOwner => into.lead.owner = Some(into_text(value)),
            Target::LeadValue => {
                let (amount, currency) = parse::money(&into_text(value), self.number_format)?;
                into.amount = Some(amount);
                into.amount_currency = currency;
            }
            Target::LeadCurrency => into.currency = Some(parse::currency(&into_text(value))?),
            Target::LeadExpectedCloseDate => {
                into.lead.expected_close_date =
                    Some(parse::date(&into_text(value), &field.formats)?);
            }
            Target::LeadLabels => {
                push_unique(&mut into.lead.labels, value.into_items(), String::as_str);
            }
            Target::PersonName => into.person.name = into_text(value),
            Target::PersonEmail => {
                let contacts = self.contacts(field, value, normalize::email)?;
                push_unique(&mut into.person.emails, contacts, |c| c.value.as_str());
            }
            Target::PersonPhone => {
                let region = self.default_region.as_deref();
                let contacts = self.contacts(field, value, |raw| normalize::phone(raw, region))?;
                push_unique(&mut into.person.phones, contacts, |c| c.value.as_str());
            }
            Target::OrganizationName => into.organization.name = into_text(value),
            Target::OrganizationWebsite => into.organization.website = Some(into_text(value)),
            Target::OrganizationAddress => into.organization.address = Some(into_text(value)),
            Target::Custom(key) => {
                let typed = self.custom_value(field, value)?;
                into.lead.custom_fields.insert(key.clone(), typed);
            }
        }
        Ok(())
    }

    /// Reads emails or phones: one per list element, or a JSON array of labelled values.
    fn contacts<E: std::fmt::Display>(
        &self,
        field: &Field,
        value: Value,
        normalize: impl Fn(&str) -> Result<String, E>,
    ) -> Result<Vec<Contact>, String> {
        let labelled: Vec<(String, ContactLabel)> = if field.kind == FieldType::JsonContacts {
            json_contacts(&value.into_items().join(""))?
        } else {
            value
                .into_items()
                .into_iter()
                .map(|raw| (raw, field.label))
                .collect()
        };
        let mut contacts = Vec::with_capacity(labelled.len());
        for (raw, label) in labelled {
            match normalize(&raw) {
                Ok(value) => contacts.push(Contact { value, label }),
                Err(err) if self.invalid_contact == InvalidContact::Reject => {
                    return Err(err.to_string());
                }
                Err(_) => {}
            }
        }
        Ok(contacts)
    }

    fn custom_value(&self, field: &Field, value: Value) -> Result<serde_json::Value, String> {
        use serde_json::Value as Json;
        let text = || value.clone().into_items().join(" ");
        Ok(match field.kind {
            FieldType::Number => Json::from(parse::number(&text(), self.number_format)?),
            FieldType::Integer => Json::from(parse::integer(&text(), self.number_format)?),
            FieldType::Bool => Json::from(parse::boolean(&text())?),
            FieldType::Date => Json::from(parse::date(&text(), &field.formats)?.to_string()),
            FieldType::List => Json::from(value.into_items()),
            FieldType::Email => Json::from(normalize::email(&text()).map_err(|e| e.to_string())?),
            FieldType::Phone => {
                let region = self.default_region.as_deref();
                Json::from(normalize::phone(&text(), region).map_err(|e| e.to_string())?)
            }
            FieldType::Text | FieldType::JsonContacts => Json::from(text().trim()),
        })
    }

    /// Applies the whole-lead rules of DOMAIN.md once every field is in.
    fn finish(&self, mut c: Collected) -> Result<LeadDraft, RowError> {
        if let (Some(written), Some(column)) = (&c.amount_currency, &c.currency)
            && written != column
        {
            let reason = format!(
                "the amount is written in {written} but lead.currency says `{column}`; which is it?"
            );
            return Err(RowError::new("lead.currency", reason));
        }
        let currency = c
            .amount_currency
            .or(c.currency)
            .or_else(|| self.default_currency.clone());
        c.lead.value = match (c.amount, currency) {
            (Some(amount), Some(currency)) => Some(Money { amount, currency }),
            (Some(amount), None) => match self.value_without_currency {
                MissingCurrency::DropValue => None,
                MissingCurrency::Reject => {
                    let reason = format!(
                        "value `{amount}` has no currency; map `lead.currency` or set options.default_currency"
                    );
                    return Err(RowError::new("lead.value", reason));
                }
            },
            // A currency alone means nothing: a lead has a value and currency, or neither.
            (None, _) => None,
        };
        let has_person_details = !c.person.emails.is_empty() || !c.person.phones.is_empty();
        if !c.person.name.is_empty() || has_person_details {
            if c.person.name.is_empty() {
                let reason = "the person has an email or phone but no name; map `person.name`";
                return Err(RowError::new("person.name", reason));
            }
            c.lead.person = Some(c.person);
        }
        let has_org_details = c.organization.website.is_some() || c.organization.address.is_some();
        if !c.organization.name.is_empty() {
            c.lead.organization = Some(c.organization);
        } else if has_org_details && c.lead.person.is_none() {
            let reason = "the organization has a website or address but no name";
            return Err(RowError::new("organization.name", reason));
        }
        if c.lead.person.is_none() && c.lead.organization.is_none() {
            let reason = "a lead needs a person or an organization, and this row has neither";
            return Err(RowError::new("lead", reason));
        }
        if c.lead.title.is_empty() {
            return Err(RowError::new(
                "lead.title",
                "a lead needs a title, and it is empty",
            ));
        }
        Ok(c.lead)
    }
}

/// A value as one trimmed text: a list's items joined by spaces. Taking the value, the text
/// is trimmed where it is, not copied.
fn into_text(value: Value) -> String {
    match value {
        Value::Text(mut text) => {
            trim_in_place(&mut text);
            text
        }
        Value::List(items) => items.join(" "),
    }
}

/// Trims `text` without copying it.
fn trim_in_place(text: &mut String) {
    let end = text.trim_end().len();
    text.truncate(end);
    let start = text.len() - text.trim_start().len();
    if start > 0 {
        text.drain(..start);
    }
}

/// Below this many, a list is searched rather than hashed: most cells hold one or two
/// labels, emails or phones, and a set per cell would cost more than it saves.
const SEARCHED_LIST: usize = 16;

/// Appends the items whose key the list does not hold yet, in order. A cell of many items
/// stays linear: past a few, a set of keys tells the new ones.
fn push_unique<T>(into: &mut Vec<T>, items: Vec<T>, key: impl Fn(&T) -> &str) {
    if into.len() + items.len() <= SEARCHED_LIST {
        for item in items {
            if !into.iter().any(|known| key(known) == key(&item)) {
                into.push(item);
            }
        }
        return;
    }
    let mut known: HashSet<String> = into.iter().map(|item| key(item).to_string()).collect();
    for item in items {
        if known.insert(key(&item).to_string()) {
            into.push(item);
        }
    }
}

/// Reads `[{"label": "work", "value": "a@b.c"}, ...]` as written by some CRMs' exports.
fn json_contacts(text: &str) -> Result<Vec<(String, ContactLabel)>, String> {
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        label: String,
        value: String,
    }
    let entries: Vec<Entry> = serde_json::from_str(text)
        .map_err(|err| format!("`{text}` is not a JSON array of {{label, value}}: {err}"))?;
    Ok(entries
        .into_iter()
        .filter(|e| !e.value.trim().is_empty())
        .map(|e| (e.value, ContactLabel::parse_loose(&e.label)))
        .collect())
}

#[cfg(test)]
mod tests;
