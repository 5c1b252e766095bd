//! The write side of a run: one batch, one transaction. Leads are classified by their
//! identity (source, key), persons and organizations are deduplicated, then everything is
//! written. Nothing of a batch is visible unless all of it is.

use std::collections::HashSet;

use chrono::Utc;

use super::read::MappedRow;
use crate::dedup::{self, DedupCounts, OrganizationPlan, PersonPlan, RunIndex};
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
enum Action {
    Create,
    Update(StoredLead),
    Unchanged,
    Converted,
    Duplicate,
}

/// Hash of a lead identity (source and key), so the run can remember millions of them in
/// little memory.
pub fn key_hash(source: &str, key: &str) -> u128 {
    let mut hasher = blake3::Hasher::new();
    hasher
        .update(source.as_bytes())
        .update(b"\0")
        .update(key.as_bytes());
    let hash = hasher.finalize();
    u128::from_le_bytes(
        hash.as_bytes()[..16]
            .try_into()
            .expect("blake3 hashes are 32 bytes"),
    )
}

/// Writes one batch. With a run index (the store was empty when the run began), candidates
/// come from it rather than from lookups in the store.
pub async fn write_batch(
    tx: &mut Tx,
    source: &str,
    rows: &[MappedRow],
    run_seen: &HashSet<u128>,
    index: Option<&RunIndex>,
    run: Id,
) -> Result<BatchOutcome, StoreError> {
    let now = Utc::now();
    let mut outcome = BatchOutcome::default();
    // A row is the first of its key unless the run or this batch has seen the key before.
    let mut batch_seen = HashSet::with_capacity(rows.len());
    let first: Vec<bool> = rows
        .iter()
        .map(|row| {
            let hash = key_hash(source, &row.source_key);
            !run_seen.contains(&hash) && batch_seen.insert(hash)
        })
        .collect();
    outcome.seen = batch_seen.into_iter().collect();
    let firsts: Vec<&str> = rows
        .iter()
        .zip(&first)
        .filter(|(_, first)| **first)
        .map(|(row, _)| row.source_key.as_str())
        .collect();
    let stored = match index {
        // Nothing was stored when the run began: every lead is new or seen in this run.
        Some(_) => StoredLeads::default(),
        None => tx.find_leads(source, &firsts).await?,
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
    let (linked_rows, linked_actions): (Vec<&MappedRow>, Vec<&Action>) = rows
        .iter()
        .zip(&actions)
        .filter(|(_, action)| matches!(action, Action::Create | Action::Update(_)))
        .unzip();
    let drafts: Vec<&LeadDraft> = linked_rows.iter().map(|row| &row.draft).collect();
    let current = |link: fn(&StoredLead) -> Option<Id>| -> Vec<Option<Id>> {
        let lead = |action: &&Action| match action {
            Action::Update(lead) => link(lead),
            _ => None,
        };
        linked_actions.iter().map(lead).collect()
    };

    let org_keys = dedup::organization_keys(&drafts);
    let stored_orgs = match index {
        Some(index) => index.find_organizations(&org_keys),
        None => {
            tx.find_organizations(&org_keys.domains, &org_keys.name_keys)
                .await?
        }
    };
    let current_orgs = current(|lead| lead.organization_id);
    let orgs = dedup::resolve_organizations(
        &drafts,
        &org_keys,
        &stored_orgs,
        &current_orgs,
        &mut outcome.dedup,
    );
    let person_keys = dedup::person_keys(&drafts, &orgs.per_row);
    let stored_persons = match index {
        Some(index) => index.find_persons(&person_keys),
        None => tx.find_persons(&person_keys).await?,
    };
    let current_persons = current(|lead| lead.person_id);
    let persons = dedup::resolve_persons(
        &drafts,
        &orgs.per_row,
        stored_persons,
        &current_persons,
        &mut outcome.dedup,
    );

    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (i, (row, action)) in linked_rows.iter().zip(&linked_actions).enumerate() {
        let write = |id| LeadWrite {
            id,
            draft: &row.draft,
            person_id: persons.per_row[i],
            organization_id: orgs.per_row[i],
            source_key: &row.source_key,
            fingerprint: &row.fingerprint,
        };
        match action {
            Action::Create => creates.push(write(Id::new())),
            Action::Update(lead) => updates.push(write(lead.id)),
            _ => {}
        }
    }
    for action in &actions {
        match action {
            Action::Create => outcome.created += 1,
            Action::Update(_) => outcome.updated += 1,
            Action::Unchanged => outcome.unchanged += 1,
            Action::Converted => outcome.skipped_converted += 1,
            Action::Duplicate => outcome.merged_duplicates += 1,
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
    tx.insert_contacts(ContactKind::Email, &persons.emails, run)
        .await?;
    tx.insert_contacts(ContactKind::Phone, &persons.phones, run)
        .await?;
    tx.insert_leads(&creates, source, run, now).await?;
    tx.update_leads(&updates, now).await?;
    outcome.organizations = orgs;
    outcome.persons = persons;
    Ok(outcome)
}
