//! Persons: matched by email, then phone, then name within the same organization.

use serde::Serialize;

use super::{DedupCounts, FastMap, FastSet};
use crate::model::{ContactLabel, Id, LeadDraft};
use crate::normalize;

/// Every key of a batch's persons, for one lookup in the store.
#[derive(Debug, Default)]
pub struct PersonKeys {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// (name key, organization) pairs: a name matches only within its organization.
    pub names_in_organizations: Vec<(String, Id)>,
}

/// A person in the store that shares a key with the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingPerson {
    pub id: Id,
    pub organization_id: Option<Id>,
}

/// What the store found for a batch's keys.
#[derive(Debug, Default)]
pub struct PersonMatches {
    pub by_email: FastMap<String, ExistingPerson>,
    pub by_phone: FastMap<String, ExistingPerson>,
    pub by_name_in_organization: FastMap<(String, Id), ExistingPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPerson {
    pub id: Id,
    pub name: String,
    pub name_key: String,
    pub organization_id: Option<Id>,
}

/// An email or phone to add to a person (new or matched).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewContact {
    pub person_id: Id,
    pub value: String,
    pub label: ContactLabel,
    #[serde(rename = "is_primary")]
    pub primary: bool,
}

#[derive(Debug, Default)]
pub struct PersonPlan {
    /// The person each row links to.
    pub per_row: Vec<Option<Id>>,
    pub created: Vec<NewPerson>,
    /// Matched persons that had no organization and get the row's.
    pub organization_set: Vec<(Id, Id)>,
    pub emails: Vec<NewContact>,
    pub phones: Vec<NewContact>,
}

pub fn person_keys(drafts: &[&LeadDraft], organizations: &[Option<Id>]) -> PersonKeys {
    let mut keys = PersonKeys::default();
    for (draft, organization) in drafts.iter().zip(organizations) {
        let Some(person) = &draft.person else {
            continue;
        };
        keys.emails
            .extend(person.emails.iter().map(|e| e.value.clone()));
        keys.phones
            .extend(person.phones.iter().map(|p| p.value.clone()));
        if let Some(organization) = organization {
            keys.names_in_organizations
                .push((normalize::person_name_key(&person.name), *organization));
        }
    }
    keys.emails.sort_unstable();
    keys.emails.dedup();
    keys.phones.sort_unstable();
    keys.phones.dedup();
    keys.names_in_organizations.sort_unstable();
    keys.names_in_organizations.dedup();
    keys
}

/// A person known while resolving the batch: its organization, the contacts seen so far,
/// and whether this batch already offered it a primary email and phone.
struct Known {
    organization_id: Option<Id>,
    created: Option<usize>,
    contacts: FastSet<String>,
    primary_email_offered: bool,
    primary_phone_offered: bool,
}

impl Known {
    fn new(organization_id: Option<Id>, created: Option<usize>) -> Known {
        Known {
            organization_id,
            created,
            contacts: FastSet::default(),
            primary_email_offered: false,
            primary_phone_offered: false,
        }
    }
}

/// Decides, row by row, which person each row links to; creates one when nothing matches,
/// adds the row's new emails and phones to the one matched, and gives it the row's
/// organization if it had none. `current` is, per row, the person the row's lead already
/// links to (for an updated lead): kept when nothing else matches.
///
/// The first email and phone a batch adds to a person are offered as primary; the store
/// keeps the offer only where the person has no primary yet.
pub fn resolve_persons(
    drafts: &[&LeadDraft],
    organizations: &[Option<Id>],
    matches: PersonMatches,
    current: &[Option<Id>],
    counts: &mut DedupCounts,
) -> PersonPlan {
    let PersonMatches {
        mut by_email,
        mut by_phone,
        mut by_name_in_organization,
    } = matches;
    let mut known: FastMap<Id, Known> = FastMap::default();
    let mut plan = PersonPlan::default();
    for ((draft, organization), current) in drafts.iter().zip(organizations).zip(current) {
        let Some(person) = &draft.person else {
            plan.per_row.push(None);
            continue;
        };
        let name_key = normalize::person_name_key(&person.name);
        // A name of only punctuation has an empty key, which would match every other one.
        let name_in_org = organization
            .filter(|_| !name_key.is_empty())
            .map(|org| (name_key.clone(), org));
        let matched = if let Some(found) = person.emails.iter().find_map(|e| by_email.get(&e.value))
        {
            counts.persons_matched_by_email += 1;
            Some(*found)
        } else if let Some(found) = person.phones.iter().find_map(|p| by_phone.get(&p.value)) {
            counts.persons_matched_by_phone += 1;
            Some(*found)
        } else if let Some(found) = name_in_org
            .as_ref()
            .and_then(|k| by_name_in_organization.get(k))
        {
            counts.persons_matched_by_name_and_organization += 1;
            Some(*found)
        } else if let Some(id) = current {
            counts.persons_matched_by_lead += 1;
            Some(ExistingPerson {
                id: *id,
                organization_id: None,
            })
        } else {
            None
        };
        let id = match matched {
            Some(existing) => {
                let entry = known
                    .entry(existing.id)
                    .or_insert_with(|| Known::new(existing.organization_id, None));
                if entry.organization_id.is_none() && organization.is_some() {
                    entry.organization_id = *organization;
                    match entry.created {
                        Some(index) => plan.created[index].organization_id = *organization,
                        None => plan
                            .organization_set
                            .extend(organization.map(|org| (existing.id, org))),
                    }
                }
                existing.id
            }
            None => {
                counts.persons_created += 1;
                let id = Id::new();
                known.insert(id, Known::new(*organization, Some(plan.created.len())));
                plan.created.push(NewPerson {
                    id,
                    name: person.name.clone(),
                    name_key: name_key.clone(),
                    organization_id: *organization,
                });
                id
            }
        };
        let entry = known
            .get_mut(&id)
            .expect("the person was registered just above");
        let organization_id = entry.organization_id;
        let this = ExistingPerson {
            id,
            organization_id,
        };
        for email in &person.emails {
            if entry.contacts.insert(email.value.clone()) {
                let primary = !std::mem::replace(&mut entry.primary_email_offered, true);
                plan.emails.push(NewContact {
                    person_id: id,
                    value: email.value.clone(),
                    label: email.label,
                    primary,
                });
            }
            by_email.entry(email.value.clone()).or_insert(this);
        }
        for phone in &person.phones {
            if entry.contacts.insert(phone.value.clone()) {
                let primary = !std::mem::replace(&mut entry.primary_phone_offered, true);
                plan.phones.push(NewContact {
                    person_id: id,
                    value: phone.value.clone(),
                    label: phone.label,
                    primary,
                });
            }
            by_phone.entry(phone.value.clone()).or_insert(this);
        }
        if let Some(org) = organization_id.filter(|_| !name_key.is_empty()) {
            by_name_in_organization
                .entry((name_key, org))
                .or_insert(this);
        }
        plan.per_row.push(Some(id));
    }
    plan
}
