//! The fields a mapping can fill, and the value type each expects.

use super::config::FieldType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    LeadTitle,
    LeadValue,
    LeadCurrency,
    LeadExpectedCloseDate,
    LeadLabels,
    LeadOwner,
    PersonName,
    PersonEmail,
    PersonPhone,
    OrganizationName,
    OrganizationWebsite,
    OrganizationAddress,
    Custom(String),
}

/// Every built-in target, for messages that list what is allowed.
pub const BUILT_IN: &[&str] = &[
    "lead.title",
    "lead.value",
    "lead.currency",
    "lead.expected_close_date",
    "lead.labels",
    "lead.owner",
    "person.name",
    "person.email",
    "person.phone",
    "organization.name",
    "organization.website",
    "organization.address",
];

impl Target {
    pub fn parse(name: &str) -> Result<Target, String> {
        Ok(match name {
            "lead.title" => Target::LeadTitle,
            "lead.value" => Target::LeadValue,
            "lead.currency" => Target::LeadCurrency,
            "lead.expected_close_date" => Target::LeadExpectedCloseDate,
            "lead.labels" => Target::LeadLabels,
            "lead.owner" => Target::LeadOwner,
            "person.name" => Target::PersonName,
            "person.email" => Target::PersonEmail,
            "person.phone" => Target::PersonPhone,
            "organization.name" => Target::OrganizationName,
            "organization.website" => Target::OrganizationWebsite,
            "organization.address" => Target::OrganizationAddress,
            _ => match name.strip_prefix("custom.") {
                Some(key) if is_custom_key(key) => Target::Custom(key.to_string()),
                Some(key) => {
                    return Err(format!(
                        "custom field name `{key}` must be letters, digits and `_`, starting with a letter"
                    ));
                }
                None => {
                    return Err(format!(
                        "unknown target field `{name}` (expected one of {}, or `custom.<name>`)",
                        BUILT_IN.join(", ")
                    ));
                }
            },
        })
    }

    /// The types a field may declare for this target; the first is the default.
    pub fn allowed_types(&self) -> &'static [FieldType] {
        use FieldType::*;
        match self {
            Target::PersonEmail => &[Email, JsonContacts],
            Target::PersonPhone => &[Phone, JsonContacts],
            Target::LeadValue => &[Number],
            Target::LeadExpectedCloseDate => &[Date],
            Target::LeadLabels => &[List],
            Target::Custom(_) => &[Text, Number, Integer, Bool, Date, List, Email, Phone],
            _ => &[Text],
        }
    }
}

fn is_custom_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
