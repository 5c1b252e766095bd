//! The SQL of an import batch: look up what the batch may match (`lookup`), then write
//! the plan (`write`). Batch data travels as one JSON parameter per statement, so each
//! statement is small, prepared once, and the same whatever the batch size.

mod lookup;
mod write;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::Tx;
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

/// A column read out of a JSON row: its name and its PostgreSQL type.
type Column = (&'static str, &'static str);

/// A `SELECT` that turns the JSON array of objects in parameter `$1` into typed rows.
fn json_rows(tx: &Tx, columns: &[Column]) -> String {
    match tx {
        Tx::Sqlite(_) => {
            let fields: Vec<String> = columns
                .iter()
                .map(|(name, ty)| match *ty {
                    // `->` keeps JSON as JSON text; `->>` unwraps scalars.
                    "jsonb" => format!("value -> '{name}' AS {name}"),
                    _ => format!("value ->> '{name}' AS {name}"),
                })
                .collect();
            format!("SELECT {} FROM json_each($1)", fields.join(", "))
        }
        Tx::Postgres(_) => {
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let types: Vec<String> = columns
                .iter()
                .map(|(name, ty)| format!("{name} {ty}"))
                .collect();
            format!(
                "SELECT {} FROM jsonb_to_recordset($1) AS j({})",
                names.join(", "),
                types.join(", ")
            )
        }
    }
}

/// The condition "`column` is one of the strings of the JSON array in parameter `$n`".
/// PostgreSQL gets an array (`= ANY`), whose size its planner knows, so it picks the index;
/// given a set-returning function it guesses 100 rows and may scan the table instead.
fn in_json(tx: &Tx, column: &str, n: usize) -> String {
    match tx {
        Tx::Sqlite(_) => format!("{column} IN (SELECT value FROM json_each(${n}))"),
        Tx::Postgres(_) => {
            format!("{column} = ANY(ARRAY(SELECT jsonb_array_elements_text(${n})))")
        }
    }
}

/// Serializes batch rows for [`json_rows`].
#[derive(Serialize)]
struct Rows<'a, T: Serialize>(&'a [T]);
