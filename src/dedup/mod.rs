//! Deduplication: link each row's person and organization to one that already exists (in
//! the store, or earlier in the file) instead of creating a duplicate.
//!
//! Pure: each row's keys are worked out as it is mapped ([`RowKeys`]); the pipeline asks
//! the store, or the run's own records ([`RunIndex`]), for the candidates that share a key
//! with the batch, and these functions decide, row by row, in file order. Organizations are
//! resolved first because a person matches by name only within the same organization.

mod hashed;
mod keys;
mod organizations;
mod persons;
mod run_index;

use serde::Serialize;

pub use hashed::{FastMap, FastSet, HashedMap, HashedSet};
pub use keys::{RowKeys, identity_hash, key_hash, name_in_organization};
pub use organizations::{
    ExistingOrganization, NewOrganization, OrganizationFill, OrganizationKeys, OrganizationPlan,
    organization_keys, resolve_organizations,
};
pub use persons::{
    ExistingPerson, Holds, NewContact, NewPerson, PersonKeys, PersonMatches, PersonPlan,
    person_keys, resolve_persons,
};
pub use run_index::RunIndex;

/// Every dedup decision, counted by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DedupCounts {
    pub persons_created: u64,
    pub persons_matched_by_email: u64,
    pub persons_matched_by_phone: u64,
    pub persons_matched_by_name_and_organization: u64,
    /// An updated lead whose person matched nothing else keeps the person it had.
    pub persons_matched_by_lead: u64,
    pub organizations_created: u64,
    pub organizations_matched_by_domain: u64,
    pub organizations_matched_by_name: u64,
    pub organizations_matched_by_lead: u64,
}

impl DedupCounts {
    pub fn persons_matched(&self) -> u64 {
        self.persons_matched_by_email
            + self.persons_matched_by_phone
            + self.persons_matched_by_name_and_organization
            + self.persons_matched_by_lead
    }

    pub fn organizations_matched(&self) -> u64 {
        self.organizations_matched_by_domain
            + self.organizations_matched_by_name
            + self.organizations_matched_by_lead
    }

    pub fn add(&mut self, other: &DedupCounts) {
        self.persons_created += other.persons_created;
        self.persons_matched_by_email += other.persons_matched_by_email;
        self.persons_matched_by_phone += other.persons_matched_by_phone;
        self.persons_matched_by_name_and_organization +=
            other.persons_matched_by_name_and_organization;
        self.persons_matched_by_lead += other.persons_matched_by_lead;
        self.organizations_created += other.organizations_created;
        self.organizations_matched_by_domain += other.organizations_matched_by_domain;
        self.organizations_matched_by_name += other.organizations_matched_by_name;
        self.organizations_matched_by_lead += other.organizations_matched_by_lead;
    }
}

#[cfg(test)]
mod tests;
