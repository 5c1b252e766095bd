//! Plain data shared by the stages: what a mapped row looks like before it meets the store.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

/// The label of an email address or phone number, as DOMAIN.md lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ContactLabel {
    #[default]
    Work,
    Home,
    Mobile,
    Other,
}

impl ContactLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactLabel::Work => "work",
            ContactLabel::Home => "home",
            ContactLabel::Mobile => "mobile",
            ContactLabel::Other => "other",
        }
    }

    /// Reads a label as source systems write it; anything unknown is `other`.
    pub fn parse_loose(raw: &str) -> ContactLabel {
        match raw.trim().to_ascii_lowercase().as_str() {
            "work" | "office" | "business" => ContactLabel::Work,
            "home" | "personal" => ContactLabel::Home,
            "mobile" | "cell" | "cellphone" => ContactLabel::Mobile,
            _ => ContactLabel::Other,
        }
    }
}

/// One normalized email address or E.164 phone number with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub value: String,
    pub label: ContactLabel,
}

/// A monetary amount; a lead has both parts or neither.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Money {
    pub amount: f64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

/// A person as one row describes it. The first email and phone are the primary ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PersonDraft {
    pub name: String,
    pub emails: Vec<Contact>,
    pub phones: Vec<Contact>,
}

/// An organization as one row describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrganizationDraft {
    pub name: String,
    pub website: Option<String>,
    pub address: Option<String>,
}

/// A lead as one row describes it, after mapping and typed parsing; nothing resolved yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeadDraft {
    pub title: String,
    pub value: Option<Money>,
    pub expected_close_date: Option<NaiveDate>,
    pub labels: Vec<String>,
    pub owner: Option<String>,
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    pub person: Option<PersonDraft>,
    pub organization: Option<OrganizationDraft>,
}

impl LeadDraft {
    /// A stable fingerprint of everything the row says, used to tell an unchanged re-import
    /// from an updated one (and as the lead's key when the source has no id column).
    pub fn fingerprint(&self) -> String {
        thread_local! {
            // Every row is fingerprinted: its JSON goes to a buffer each mapping thread
            // keeps, rather than to one allocated, grown and freed per row.
            static JSON: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        JSON.with_borrow_mut(|json| {
            json.clear();
            serde_json::to_writer(&mut *json, self)
                .expect("a lead draft always serializes to JSON");
            blake3::hash(json).to_hex()[..32].to_string()
        })
    }
}

/// The id of a stored record: a UUID, time-ordered (v7) so that new rows append to indexes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Id(pub uuid::Uuid);

impl Id {
    pub fn new() -> Id {
        Id(uuid::Uuid::now_v7())
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl std::str::FromStr for Id {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Id, uuid::Error> {
        uuid::Uuid::parse_str(text.trim()).map(Id)
    }
}
