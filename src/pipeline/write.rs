//! The write side of a run: a batch is planned (leads classified by their identity, source
//! and key; persons and organizations deduplicated), then the plan is written, in one
//! transaction: nothing of a batch is visible unless all of it is. A plan made from the
//! run's records in memory needs no transaction, so it can be made while the previous
//! batch is being written.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, Utc};

use super::read::MappedRow;
use crate::dedup::{self, DedupCounts, HashedSet, OrganizationPlan, PersonPlan, RowKeys, RunIndex};
use crate::model::{Id, LeadDraft};
use crate::store::import::{ContactKind, LeadWrite, StoredLead, StoredLeads};
use crate::store::revert::Entity;
use crate::store::{StoreError, Tx};

/// What one batch did, applied to the run's totals only once it is committed.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped_converted: u64,
    pub merged_duplicates: u64,
    pub dedup: DedupCounts,
    /// Key hashes this batch saw, to join the run's set after commit.
    pub seen: Vec<u128>,
    /// What the batch wrote, for the run index after commit.
    pub organizations: OrganizationPlan,
    pub persons: PersonPlan,
}

/// How a row's lead relates to what the store and the run already have.
#[derive(Debug)]
enum Action {
    Create,
    Update(StoredLead),
    Unchanged,
    Converted,
    Duplicate,
}

/// Where a batch's candidates come from: the store, or the run's own records in memory
/// (the store was empty when the run began).
enum Candidates<'a> {
    Store(&'a mut Tx),
    Memory(&'a RunIndex),
}

/// What a batch will do, decided before any of it is written: each row's action, the
/// persons and organizations it links to or creates, and the id of each lead it writes.
#[derive(Debug)]
pub struct BatchPlan {
    now: DateTime<Utc>,
    /// Per row that creates or updates its lead: the row and the lead's id.
    leads: Vec<PlannedLead>,
    pub outcome: BatchOutcome,
    /// Whether every person and organization the plan links to is a record of the run, as
    /// checked against its records in memory: then no reference of the plan can dangle.
    references_known: bool,
}

impl BatchPlan {
    pub fn references_known(&self) -> bool {
        self.references_known
    }
}

#[derive(Debug)]
struct PlannedLead {
    row: usize,
    id: Id,
    create: bool,
}

/// Plans a batch against the run's records in memory, and takes what it creates into them
/// at once. No database is read, so this can run while the previous batch is being written.
pub fn plan_in_memory(
    index: &mut RunIndex,
    source: &str,
    rows: &[MappedRow],
    run_seen: &HashedSet,
) -> BatchPlan {
    let mut plan = {
        let planning = plan_with(Candidates::Memory(index), source, rows, run_seen);
        // Planning from memory never waits, so one poll finishes it.
        let mut planning = std::pin::pin!(planning);
        let mut context = Context::from_waker(Waker::noop());
        match planning.as_mut().poll(&mut context) {
            Poll::Ready(plan) => plan.expect("planning from memory reads no database"),
            Poll::Pending => unreachable!("planning from memory never waits"),
        }
    };
    let BatchOutcome {
        organizations,
        persons,
        ..
    } = &plan.outcome;
    index.absorb(organizations, persons);
    plan.references_known = index.knows_references(organizations, persons);
    plan
}

/// Plans a batch against the store: reads it, writes nothing.
pub async fn plan_batch(
    tx: &mut Tx,
    source: &str,
    rows: &[MappedRow],
    run_seen: &HashedSet,
) -> Result<BatchPlan, StoreError> {
    plan_with(Candidates::Store(tx), source, rows, run_seen).await
}

/// Decides what each row of a batch does: which rows create, update or skip their lead,
/// and which persons and organizations each links to or creates.
async fn plan_with(
    mut candidates: Candidates<'_>,
    source: &str,
    rows: &[MappedRow],
    run_seen: &HashedSet,
) -> Result<BatchPlan, StoreError> {
    let now = Utc::now();
    let mut outcome = BatchOutcome::default();
    // A row is the first of its key unless the run or this batch has seen the key before.
    let mut batch_seen = HashedSet::with_capacity_and_hasher(rows.len(), Default::default());
    let first: Vec<bool> = rows
        .iter()
        .map(|row| !run_seen.contains(&row.identity) && batch_seen.insert(row.identity))
        .collect();
    outcome.seen = batch_seen.into_iter().collect();
    let firsts: Vec<&str> = rows
        .iter()
        .zip(&first)
        .filter(|(_, first)| **first)
        .map(|(row, _)| row.source_key.as_str())
        .collect();
    let stored = match &mut candidates {
        // Nothing was stored when the run began: every lead is new or seen in this run.
        Candidates::Memory(_) => StoredLeads::default(),
        Candidates::Store(tx) => tx.find_leads(source, &firsts).await?,
    };
    let actions: Vec<Action> = rows
        .iter()
        .zip(&first)
        .map(|(row, first)| {
            if !first {
                return Action::Duplicate;
            }
            if stored.converted.contains(&row.source_key) {
                return Action::Converted;
            }
            match stored.inbox.get(&row.source_key) {
                None => Action::Create,
                Some(lead) if lead.fingerprint == row.fingerprint => Action::Unchanged,
                Some(lead) => Action::Update(lead.clone()),
            }
        })
        .collect();

    // Unchanged and converted rows are done, and so are later rows with a key already seen
    // in this run: the first row of a key is its record. The rest meet persons and
    // organizations; an updated lead keeps its person and organization when nothing else
    // matches, so that editing a record never orphans them.
    let linked: Vec<usize> = (0..rows.len())
        .filter(|&i| matches!(actions[i], Action::Create | Action::Update(_)))
        .collect();
    let drafts: Vec<&LeadDraft> = linked.iter().map(|&i| &rows[i].draft).collect();
    let keys: Vec<&RowKeys> = linked.iter().map(|&i| &rows[i].keys).collect();
    let current = |link: fn(&StoredLead) -> Option<Id>| -> Vec<Option<Id>> {
        let lead = |&i: &usize| match &actions[i] {
            Action::Update(lead) => link(lead),
            _ => None,
        };
        linked.iter().map(lead).collect()
    };

    let stored_orgs = match &mut candidates {
        Candidates::Memory(index) => index.find_organizations(&keys),
        Candidates::Store(tx) => {
            let batch = dedup::organization_keys(&keys);
            tx.find_organizations(&batch.domains, &batch.name_keys)
                .await?
        }
    };
    let current_orgs = current(|lead| lead.organization_id);
    let orgs = dedup::resolve_organizations(
        &drafts,
        &keys,
        &stored_orgs,
        &current_orgs,
        &mut outcome.dedup,
    );
    let stored_persons = match &mut candidates {
        Candidates::Memory(index) => index.find_persons(&keys, &orgs.per_row),
        Candidates::Store(tx) => {
            let batch = dedup::person_keys(&drafts, &keys, &orgs.per_row);
            tx.find_persons(&batch).await?
        }
    };
    let current_persons = current(|lead| lead.person_id);
    let persons = dedup::resolve_persons(
        &drafts,
        &keys,
        &orgs.per_row,
        stored_persons,
        &current_persons,
        &mut outcome.dedup,
    );

    let leads = linked
        .iter()
        .map(|&row| match &actions[row] {
            Action::Update(lead) => PlannedLead {
                row,
                id: lead.id,
                create: false,
            },
            _ => PlannedLead {
                row,
                id: Id::new(),
                create: true,
            },
        })
        .collect();
    for action in &actions {
        match action {
            Action::Create => outcome.created += 1,
            Action::Update(_) => outcome.updated += 1,
            Action::Unchanged => outcome.unchanged += 1,
            Action::Converted => outcome.skipped_converted += 1,
            Action::Duplicate => outcome.merged_duplicates += 1,
        }
    }
    outcome.organizations = orgs;
    outcome.persons = persons;
    Ok(BatchPlan {
        now,
        leads,
        outcome,
        references_known: false,
    })
}

/// Writes what `plan` decided for `rows`.
pub async fn apply_plan(
    tx: &mut Tx,
    source: &str,
    rows: &[MappedRow],
    plan: &BatchPlan,
    run: Id,
) -> Result<(), StoreError> {
    let now = plan.now;
    let orgs = &plan.outcome.organizations;
    let persons = &plan.outcome.persons;
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (i, lead) in plan.leads.iter().enumerate() {
        let row = &rows[lead.row];
        let write = LeadWrite {
            id: lead.id,
            draft: &row.draft,
            person_id: persons.per_row[i],
            organization_id: orgs.per_row[i],
            source_key: &row.source_key,
            fingerprint: &row.fingerprint,
        };
        if lead.create {
            creates.push(write);
        } else {
            updates.push(write);
        }
    }

    // What this run changes, it records as it was first, so the run can be reverted.
    let filled: Vec<Id> = orgs.filled.iter().map(|fill| fill.id).collect();
    let linked: Vec<Id> = persons
        .organization_set
        .iter()
        .map(|(person, _)| *person)
        .collect();
    let updated: Vec<Id> = updates.iter().map(|lead| lead.id).collect();
    tx.snapshot(run, Entity::Organization, &filled, now).await?;
    tx.snapshot(run, Entity::Person, &linked, now).await?;
    tx.snapshot(run, Entity::Lead, &updated, now).await?;

    tx.insert_organizations(&orgs.created, run, now).await?;
    tx.fill_organizations(&orgs.filled, now).await?;
    tx.insert_persons(&persons.created, run, now).await?;
    tx.set_person_organizations(&persons.organization_set, now)
        .await?;
    let primaries_final = persons.primaries_final;
    tx.insert_contacts(ContactKind::Email, &persons.emails, primaries_final, run)
        .await?;
    tx.insert_contacts(ContactKind::Phone, &persons.phones, primaries_final, run)
        .await?;
    tx.insert_leads(&creates, source, run, now).await?;
    tx.update_leads(&updates, now).await?;
    Ok(())
}
