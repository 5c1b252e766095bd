//! The run index: every match key of the persons and organizations one run has written, kept
//! in memory. When the store held no persons, organizations or leads as the run began, the
//! index knows everything the store knows, so a batch's candidates come from it instead of
//! from lookups in the database: an initial load then spends the database's time on writes.
//!
//! Keys are kept as 128-bit hashes to hold millions in little memory.

use super::{
    ExistingOrganization, ExistingPerson, FastMap, HashedMap, OrganizationKeys, OrganizationPlan,
    PersonKeys, PersonMatches, PersonPlan,
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

/// A person the run created: its organization, and its name key's hash to index it by
/// name once it has one.
#[derive(Debug, Clone, Copy)]
struct KnownPerson {
    organization: Option<Id>,
    /// As bytes: a `u128` field would align the entry to 16 and make it 64 bytes, not 49;
    /// a million persons make that difference 16 MB.
    name: [u8; 16],
}

fn hash(parts: &[&[u8]]) -> u128 {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(part).update(b"\0");
    }
    let bytes = hasher.finalize();
    u128::from_le_bytes(
        bytes.as_bytes()[..16]
            .try_into()
            .expect("blake3 hashes are 32 bytes"),
    )
}

fn text(value: &str) -> u128 {
    hash(&[value.as_bytes()])
}

fn name_in_organization(name_key_hash: u128, organization: Id) -> u128 {
    hash(&[&name_key_hash.to_le_bytes(), organization.0.as_bytes()])
}

impl RunIndex {
    /// The organizations that share a domain or name key with the batch, as the store
    /// would return them.
    pub fn find_organizations(&self, keys: &OrganizationKeys) -> Vec<ExistingOrganization> {
        let by_domain = keys
            .domains
            .iter()
            .filter_map(|d| self.organizations_by_domain.get(&text(d)));
        let by_name = keys
            .name_keys
            .iter()
            .filter_map(|n| self.organizations_by_name.get(&text(n)));
        let mut ids: Vec<Id> = by_domain.chain(by_name).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ids.iter()
            .filter_map(|id| self.organizations.get(id).cloned())
            .collect()
    }

    /// The persons that share an email, phone, or name within an organization with the batch.
    pub fn find_persons(&self, keys: &PersonKeys) -> PersonMatches {
        let person = |id: &Id| ExistingPerson {
            id: *id,
            organization_id: self.persons.get(id).and_then(|p| p.organization),
        };
        let mut matches = PersonMatches::default();
        for email in &keys.emails {
            if let Some(id) = self.persons_by_email.get(&text(email)) {
                matches.by_email.insert(email.clone(), person(id));
            }
        }
        for phone in &keys.phones {
            if let Some(id) = self.persons_by_phone.get(&text(phone)) {
                matches.by_phone.insert(phone.clone(), person(id));
            }
        }
        for (name_key, organization) in &keys.names_in_organizations {
            let key = name_in_organization(text(name_key), *organization);
            if let Some(id) = self.persons_by_name.get(&key) {
                matches
                    .by_name_in_organization
                    .insert((name_key.clone(), *organization), person(id));
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
                name_key: org.name_key.clone(),
                domain: org.domain.clone(),
                website: org.website.clone(),
                address: org.address.clone(),
            };
            self.index_organization(&record);
            self.organizations.insert(org.id, record);
        }
        for fill in &organizations.filled {
            let Some(record) = self.organizations.get_mut(&fill.id) else {
                continue;
            };
            record.domain = record.domain.take().or_else(|| fill.domain.clone());
            record.website = record.website.take().or_else(|| fill.website.clone());
            record.address = record.address.take().or_else(|| fill.address.clone());
            let record = record.clone();
            self.index_organization(&record);
        }
        for person in &persons.created {
            let name = text(&person.name_key);
            let known = KnownPerson {
                organization: person.organization_id,
                name: name.to_le_bytes(),
            };
            self.persons.insert(person.id, known);
            if let Some(org) = person
                .organization_id
                .filter(|_| !person.name_key.is_empty())
            {
                self.persons_by_name
                    .entry(name_in_organization(name, org))
                    .or_insert(person.id);
            }
        }
        // A name of only punctuation has an empty key, which would match every other one.
        let no_name = text("").to_le_bytes();
        for (person, organization) in &persons.organization_set {
            // Every person the index can have matched, the run created.
            let Some(known) = self.persons.get_mut(person) else {
                continue;
            };
            if known.organization.is_none() {
                known.organization = Some(*organization);
                if known.name != no_name {
                    let name = u128::from_le_bytes(known.name);
                    let key = name_in_organization(name, *organization);
                    self.persons_by_name.entry(key).or_insert(*person);
                }
            }
        }
        for email in &persons.emails {
            self.persons_by_email
                .entry(text(&email.value))
                .or_insert(email.person_id);
        }
        for phone in &persons.phones {
            self.persons_by_phone
                .entry(text(&phone.value))
                .or_insert(phone.person_id);
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
        if let Some(domain) = &record.domain {
            self.organizations_by_domain
                .entry(text(domain))
                .or_insert(record.id);
        }
        if !record.name_key.is_empty() {
            self.organizations_by_name
                .entry(text(&record.name_key))
                .or_insert(record.id);
        }
    }
}
