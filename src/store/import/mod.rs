//! The SQL of an import batch: look up what the batch may match (`lookup`), then write
//! the plan (`write`). Batch data travels as one JSON parameter per statement, so each
//! statement is small, prepared once, and the same whatever the batch size; SQLite's
//! inserts, the bulk of a load, take bound multi-row `VALUES` lists instead (`values`).

mod lookup;
mod raw;
mod values;
mod write;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::sql::{Column, in_json, json_rows};
use crate::model::{Id, LeadDraft};

pub use write::ContactKind;

/// A stored lead as far as an import needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLead {
    pub id: Id,
    pub fingerprint: String,
    pub person_id: Option<Id>,
    pub organization_id: Option<Id>,
}

/// The stored state of a batch's keys.
#[derive(Debug, Default)]
pub struct StoredLeads {
    /// Leads in the inbox, by source key.
    pub inbox: HashMap<String, StoredLead>,
    /// Keys whose leads were converted to deals.
    pub converted: HashSet<String>,
}

/// A lead to insert or update, with its resolved links.
pub struct LeadWrite<'a> {
    pub id: Id,
    pub draft: &'a LeadDraft,
    pub person_id: Option<Id>,
    pub organization_id: Option<Id>,
    pub source_key: &'a str,
    pub fingerprint: &'a str,
}

/// Serializes batch rows for [`json_rows`].
#[derive(Serialize)]
struct Rows<'a, T: Serialize>(&'a [T]);
