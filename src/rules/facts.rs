//! What a rule can see: plain data the store fills, one struct per record.
//!
//! The names here are the names users write in expressions (see the table in [`super`]), so a
//! field renamed here is a breaking change for every job file.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A lead of the inbox, with its person and organization, as a condition sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadFacts {
    pub id: String,
    pub title: String,
    /// The amount; `currency` is set exactly when this is.
    pub value: Option<f64>,
    pub currency: Option<String>,
    pub labels: Vec<String>,
    pub owner: Option<String>,
    /// How the lead entered the inbox: `import`, `api`, `manual`, `web_form`, ...
    pub origin: String,
    /// The name of the source it was imported from, if any.
    pub source: Option<String>,
    pub expected_close_date: Option<NaiveDate>,
    pub custom: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub archived: bool,
    pub person: Option<PersonFacts>,
    pub organization: Option<OrganizationFacts>,
}

/// The person a lead is linked to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonFacts {
    pub name: String,
    /// Normalized addresses, primary first.
    pub emails: Vec<String>,
    /// E.164 numbers, primary first.
    pub phones: Vec<String>,
}

/// The organization a lead is linked to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganizationFacts {
    pub name: String,
    /// The registrable web domain, e.g. `acme.com`.
    pub domain: Option<String>,
    pub website: Option<String>,
}

/// A deal, as a formula field sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DealFacts {
    pub title: String,
    /// When the deal has products, the store sets this to [`products_total`] of them.
    pub value: Option<f64>,
    pub currency: Option<String>,
    /// Win probability in percent, 0 to 100.
    pub probability: Option<i64>,
    /// `open`, `won` or `lost`.
    pub status: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The stage's name.
    pub stage: String,
    pub labels: Vec<String>,
    pub owner: Option<String>,
    pub custom: Map<String, Value>,
    pub products: Vec<ProductFacts>,
    pub expected_close_date: Option<NaiveDate>,
}

/// One product line of a deal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductFacts {
    pub name: String,
    pub quantity: f64,
    pub unit_price: f64,
    /// Percent off the line, 0 to 100.
    pub discount: f64,
}

impl ProductFacts {
    /// What the line is worth: quantity times unit price, less the discount. Not rounded, so
    /// that a total of many lines is rounded once.
    pub fn line_total(&self) -> f64 {
        self.quantity * self.unit_price * (1.0 - self.discount / 100.0)
    }
}

/// The value of a deal that has products: the sum of its lines, rounded to cents.
pub fn products_total(products: &[ProductFacts]) -> f64 {
    let total: f64 = products.iter().map(ProductFacts::line_total).sum();
    (total * 100.0).round() / 100.0
}
