//! The run index: every match key of the persons and organizations one run has written, kept
//! in memory. When the store held no persons, organizations or leads as the run began, the
//! index knows everything the store knows, so a batch's candidates come from it instead of
//! from lookups in the database: an initial load then spends the database's time on writes.
//!
//! Keys are kept as 128-bit hashes to hold millions in little memory.

use super::keys::{RowKeys, name_in_organization};
use super::{
    ExistingOrganization, ExistingPerson, FastMap, HashedMap, Holds, OrganizationPlan,
    PersonMatches, PersonPlan,
};
use crate::model::Id;

#[derive(Debug, Default)]
pub struct RunIndex {
    organizations: FastMap<Id, ExistingOrganization>,
    organizations_by_domain: HashedMap<Id>,
    organizations_by_name: HashedMap<Id>,
    persons: FastMap<Id, KnownPerson>,
    persons_by_email: HashedMap<Id>,
    persons_by_phone: HashedMap<Id>,
    persons_by_name: HashedMap<Id>,
}

/// A person the run created: its organization, its name key's hash to index it by name
/// once it has one, and whether it has an email and a phone.
#[derive(Debug, Clone, Copy)]
struct KnownPerson {
    organization: Option<Id>,
    /// As bytes: an `Option<u128>` would align the entry to 16 and make it 80 bytes, not
    /// 52; a million persons make that difference 28 MB.
    name: Option<[u8; 16]>,
    holds: Holds,
}

impl RunIndex {
    /// The organizations that share a domain or name key with the rows, as the store
    /// would return them.
    pub fn find_organizations(&self, rows: &[&RowKeys]) -> Vec<ExistingOrganization> {
        let keys = rows.iter().filter_map(|row| row.organization.as_ref());
        let mut ids: Vec<Id> = Vec::new();
        for key in keys {
            let by_domain = key
                .domain_hash
                .and_then(|d| self.organizations_by_domain.get(&d));
            let by_name = key
                .name_hash
                .and_then(|n| self.organizations_by_name.get(&n));
            ids.extend(by_domain.into_iter().chain(by_name));
        }
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .filter_map(|id| self.organizations.get(id).copied())
            .collect()
    }

    /// The persons that share an email, phone, or name within an organization with the
    /// rows, each row in `organizations[i]`.
    pub fn find_persons(&self, rows: &[&RowKeys], organizations: &[Option<Id>]) -> PersonMatches {
        let person = |id: &Id| {
            let known = self.persons.get(id);
            ExistingPerson {
                id: *id,
                organization_id: known.and_then(|p| p.organization),
                holds: known.map(|p| p.holds),
            }
        };
        let mut matches = PersonMatches::default();
        for (row, organization) in rows.iter().zip(organizations) {
            let Some(key) = &row.person else { continue };
            for email in &key.emails {
                if let Some(id) = self.persons_by_email.get(email) {
                    matches.by_email.insert(*email, person(id));
                }
            }
            for phone in &key.phones {
                if let Some(id) = self.persons_by_phone.get(phone) {
                    matches.by_phone.insert(*phone, person(id));
                }
            }
            if let Some((name, organization)) = key.name_hash.zip(*organization) {
                let key = name_in_organization(name, organization);
                if let Some(id) = self.persons_by_name.get(&key) {
                    matches.by_name_in_organization.insert(key, person(id));
                }
            }
        }
        matches
    }

    /// Takes in what a committed batch wrote. First writer of a key wins, as in the store's
    /// lookups (the oldest record).
    pub fn absorb(&mut self, organizations: &OrganizationPlan, persons: &PersonPlan) {
        for org in &organizations.created {
            let record = ExistingOrganization {
                id: org.id,
                name_hash: org.name_hash,
                domain_hash: org.domain_hash,
                has_website: org.website.is_some(),
                has_address: org.address.is_some(),
            };
            self.index_organization(&record);
            self.organizations.insert(org.id, record);
        }
        for fill in &organizations.filled {
            let Some(record) = self.organizations.get_mut(&fill.id) else {
                continue;
            };
            record.domain_hash = record.domain_hash.or(fill.domain_hash);
            record.has_website |= fill.website.is_some();
            record.has_address |= fill.address.is_some();
            let record = *record;
            self.index_organization(&record);
        }
        for person in &persons.created {
            let known = KnownPerson {
                organization: person.organization_id,
                name: person.name_hash.map(u128::to_le_bytes),
                holds: Holds::default(),
            };
            self.persons.insert(person.id, known);
            if let Some((name, org)) = person.name_hash.zip(person.organization_id) {
                self.persons_by_name
                    .entry(name_in_organization(name, org))
                    .or_insert(person.id);
            }
        }
        for (person, organization) in &persons.organization_set {
            // Every person the index can have matched, the run created.
            let Some(known) = self.persons.get_mut(person) else {
                continue;
            };
            if known.organization.is_none() {
                known.organization = Some(*organization);
                if let Some(name) = known.name {
                    let key = name_in_organization(u128::from_le_bytes(name), *organization);
                    self.persons_by_name.entry(key).or_insert(*person);
                }
            }
        }
        for email in &persons.emails {
            self.persons_by_email
                .entry(email.hash)
                .or_insert(email.person_id);
            if let Some(known) = self.persons.get_mut(&email.person_id) {
                known.holds.email = true;
            }
        }
        for phone in &persons.phones {
            self.persons_by_phone
                .entry(phone.hash)
                .or_insert(phone.person_id);
            if let Some(known) = self.persons.get_mut(&phone.person_id) {
                known.holds.phone = true;
            }
        }
    }

    /// Whether every person and organization the plans refer to is a record of the run,
    /// once the plans are absorbed: then none of their references can dangle.
    pub fn knows_references(&self, organizations: &OrganizationPlan, persons: &PersonPlan) -> bool {
        let mut organization_ids = organizations
            .per_row
            .iter()
            .flatten()
            .chain(organizations.filled.iter().map(|fill| &fill.id))
            .chain(
                persons
                    .created
                    .iter()
                    .filter_map(|p| p.organization_id.as_ref()),
            )
            .chain(persons.organization_set.iter().map(|(_, org)| org));
        let mut person_ids = persons
            .per_row
            .iter()
            .flatten()
            .chain(persons.organization_set.iter().map(|(person, _)| person))
            .chain(
                persons
                    .emails
                    .iter()
                    .chain(&persons.phones)
                    .map(|c| &c.person_id),
            );
        organization_ids.all(|id| self.organizations.contains_key(id))
            && person_ids.all(|id| self.persons.contains_key(id))
    }

    fn index_organization(&mut self, record: &ExistingOrganization) {
        if let Some(domain) = record.domain_hash {
            self.organizations_by_domain
                .entry(domain)
                .or_insert(record.id);
        }
        if let Some(name) = record.name_hash {
            self.organizations_by_name.entry(name).or_insert(record.id);
        }
    }
}
