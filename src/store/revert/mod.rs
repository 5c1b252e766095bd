//! Taking a run back. An import run records, before its first change to a lead, person or
//! organization, what the record was (`snapshot`); records it created carry its id. A
//! revert (`undo`) deletes what the run created and restores what it changed, unless
//! something changed those records since: then it reports them and changes nothing,
//! unless forced. A conversion run's deals are removed and its leads put back.

mod snapshot;
mod undo;

use serde::Serialize;

use crate::model::Id;

pub use undo::{RevertError, RevertOptions};

/// The kinds of record a run's changes are recorded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Lead,
    Person,
    Organization,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Lead => "lead",
            Entity::Person => "person",
            Entity::Organization => "organization",
        }
    }
}

/// What a revert did, or (dry, or held back by conflicts) would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RevertReport {
    pub run: Option<Id>,
    pub kind: String,
    /// Whether the store was changed: not in a dry run, not when conflicts held it back.
    pub applied: bool,
    pub dry_run: bool,
    /// The run had been reverted before: nothing to do.
    pub already_reverted: bool,
    pub leads_deleted: u64,
    pub leads_restored: u64,
    pub persons_deleted: u64,
    pub persons_restored: u64,
    pub organizations_deleted: u64,
    pub organizations_restored: u64,
    pub contacts_deleted: u64,
    pub deals_deleted: u64,
    /// Converted leads put back into the inbox.
    pub leads_returned: u64,
    /// Records changed since the run, or still used by records of other runs.
    pub conflicts: Vec<Conflict>,
}

/// A record the revert would not touch without `--force`, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub entity: String,
    pub id: String,
    pub reason: String,
    /// Reverted anyway (`--force`); records still in use are kept even then.
    pub overridden: bool,
}
