//! Persons: matched by email, then phone, then name within the same organization.

use std::collections::hash_map::Entry;

use serde::Serialize;

use super::keys::{KeyHash, RowKeys, name_in_organization};
use super::{DedupCounts, FastMap, HashedMap};
use crate::model::{Contact, ContactLabel, Id, LeadDraft};

/// Every key of a batch's persons, for one lookup in the store.
#[derive(Debug, Default)]
pub struct PersonKeys {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// (name key, organization) pairs: a name matches only within its organization.
    pub names_in_organizations: Vec<(String, Id)>,
}

/// A person that shares a key with the batch: in the store, or created earlier in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingPerson {
    pub id: Id,
    pub organization_id: Option<Id>,
    /// Whether it has an email and a phone, where that is known (a person the run created):
    /// then the plan decides which new contact is primary, not the store.
    pub holds: Option<Holds>,
}

/// Whether a person has an email and a phone; the first of each a person gets is its
/// primary, so this is also whether it has a primary one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holds {
    pub email: bool,
    pub phone: bool,
}

/// The persons found for a batch's keys, by the keys' hashes (names within an organization
/// by [`name_in_organization`]).
#[derive(Debug, Default)]
pub struct PersonMatches {
    pub by_email: HashedMap<ExistingPerson>,
    pub by_phone: HashedMap<ExistingPerson>,
    pub by_name_in_organization: HashedMap<ExistingPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPerson {
    pub id: Id,
    pub name: String,
    pub name_key: String,
    pub organization_id: Option<Id>,
    #[serde(skip)]
    pub name_hash: Option<KeyHash>,
}

/// An email or phone to add to a person (new or matched).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewContact {
    pub person_id: Id,
    pub value: String,
    pub label: ContactLabel,
    #[serde(rename = "is_primary")]
    pub primary: bool,
    #[serde(skip)]
    pub hash: KeyHash,
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
    /// Whether each contact's `primary` is final: true when every person the plan matched
    /// is known to hold what it holds (new persons hold nothing). Otherwise a primary is
    /// only offered, and the store keeps it where the person has none yet.
    pub primaries_final: bool,
}

/// The batch's emails, phones and names within organizations, each once, to look up in
/// the store.
pub fn person_keys(
    drafts: &[&LeadDraft],
    keys: &[&RowKeys],
    organizations: &[Option<Id>],
) -> PersonKeys {
    let mut batch = PersonKeys::default();
    for ((draft, keys), organization) in drafts.iter().zip(keys).zip(organizations) {
        let (Some(person), Some(key)) = (&draft.person, &keys.person) else {
            continue;
        };
        batch
            .emails
            .extend(person.emails.iter().map(|e| e.value.clone()));
        batch
            .phones
            .extend(person.phones.iter().map(|p| p.value.clone()));
        if let Some(organization) = organization {
            batch
                .names_in_organizations
                .push((key.name_key.clone(), *organization));
        }
    }
    batch.emails.sort_unstable();
    batch.emails.dedup();
    batch.phones.sort_unstable();
    batch.phones.dedup();
    batch.names_in_organizations.sort_unstable();
    batch.names_in_organizations.dedup();
    batch
}

/// A person known while resolving the batch: its organization, the phones this batch has
/// offered it, and whether it has, or this batch has offered it, a primary email and phone.
struct Known {
    organization_id: Option<Id>,
    created: Option<usize>,
    /// Hashes of the phones this batch has offered it: a person has a few.
    phones: Vec<KeyHash>,
    primary_email_offered: bool,
    primary_phone_offered: bool,
}

impl Known {
    fn new(organization_id: Option<Id>, created: Option<usize>, holds: Holds) -> Known {
        Known {
            organization_id,
            created,
            phones: Vec::new(),
            primary_email_offered: holds.email,
            primary_phone_offered: holds.phone,
        }
    }

    /// Takes in a phone offered to the person; says whether it is the first time.
    fn meets(&mut self, phone: KeyHash) -> bool {
        let new = !self.phones.contains(&phone);
        if new {
            self.phones.push(phone);
        }
        new
    }
}

/// Decides, row by row, which person each row links to; creates one when nothing matches,
/// adds the row's new emails and phones to the one matched, and gives it the row's
/// organization if it had none. `current` is, per row, the person the row's lead already
/// links to (for an updated lead): kept when nothing else matches.
///
/// The first email and phone a person gets are its primary ones. Where a matched person's
/// contacts are known ([`ExistingPerson::holds`]), the plan decides that itself
/// ([`PersonPlan::primaries_final`]); otherwise the first of each this batch adds is offered
/// as primary, and the store keeps the offer only where the person has none yet.
pub fn resolve_persons(
    drafts: &[&LeadDraft],
    keys: &[&RowKeys],
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
    // Each row may add a person, an email, a phone and a name: room for them all at once,
    // rather than tables grown and copied several times over per batch.
    let rows = drafts.len();
    by_email.reserve(rows);
    by_phone.reserve(rows);
    by_name_in_organization.reserve(rows);
    let mut known: FastMap<Id, Known> = FastMap::with_capacity_and_hasher(rows, Default::default());
    let mut plan = PersonPlan {
        primaries_final: true,
        per_row: Vec::with_capacity(rows),
        created: Vec::with_capacity(rows),
        emails: Vec::with_capacity(rows),
        phones: Vec::with_capacity(rows),
        ..PersonPlan::default()
    };
    let rows = drafts.iter().zip(keys).zip(organizations).zip(current);
    for (((draft, keys), organization), current) in rows {
        let (Some(person), Some(key)) = (&draft.person, &keys.person) else {
            plan.per_row.push(None);
            continue;
        };
        let name_in_org = organization
            .zip(key.name_hash)
            .map(|(org, name)| name_in_organization(name, org));
        let matched = if let Some(found) = key.emails.iter().find_map(|e| by_email.get(e)) {
            counts.persons_matched_by_email += 1;
            Some(*found)
        } else if let Some(found) = key.phones.iter().find_map(|p| by_phone.get(p)) {
            counts.persons_matched_by_phone += 1;
            Some(*found)
        } else if let Some(found) = name_in_org.and_then(|k| by_name_in_organization.get(&k)) {
            counts.persons_matched_by_name_and_organization += 1;
            Some(*found)
        } else if let Some(id) = current {
            counts.persons_matched_by_lead += 1;
            Some(ExistingPerson {
                id: *id,
                organization_id: None,
                holds: None,
            })
        } else {
            None
        };
        let id = match matched {
            Some(existing) => {
                let entry = known.entry(existing.id).or_insert_with(|| {
                    plan.primaries_final &= existing.holds.is_some();
                    let holds = existing.holds.unwrap_or_default();
                    Known::new(existing.organization_id, None, holds)
                });
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
                let holds = Holds::default();
                known.insert(
                    id,
                    Known::new(*organization, Some(plan.created.len()), holds),
                );
                plan.created.push(NewPerson {
                    id,
                    name: person.name.clone(),
                    name_key: key.name_key.clone(),
                    organization_id: *organization,
                    name_hash: key.name_hash,
                });
                id
            }
        };
        let entry = known
            .get_mut(&id)
            .expect("the person was registered just above");
        let this = ExistingPerson {
            id,
            organization_id: entry.organization_id,
            holds: None,
        };
        // An email is one person's: one already known stays with whoever has it, this
        // person or another.
        let emails = person.emails.iter().zip(&key.emails);
        for (email, &hash) in emails {
            if let Entry::Vacant(vacant) = by_email.entry(hash) {
                vacant.insert(this);
                let primary = !std::mem::replace(&mut entry.primary_email_offered, true);
                plan.emails.push(NewContact::of(id, email, primary, hash));
            }
        }
        // A phone may be shared (a switchboard): it is added unless this person has it.
        for (phone, &hash) in person.phones.iter().zip(&key.phones) {
            let offer = match by_phone.entry(hash) {
                Entry::Vacant(vacant) => {
                    vacant.insert(this);
                    true
                }
                Entry::Occupied(holder) if holder.get().id == id => false,
                // Another person has it; this one may have it too, from before the batch,
                // and then keeps it as it is.
                Entry::Occupied(_) => true,
            };
            if offer && entry.meets(hash) {
                let primary = !std::mem::replace(&mut entry.primary_phone_offered, true);
                plan.phones.push(NewContact::of(id, phone, primary, hash));
            }
        }
        let name = this.organization_id.zip(key.name_hash);
        if let Some((org, name)) = name {
            by_name_in_organization
                .entry(name_in_organization(name, org))
                .or_insert(this);
        }
        plan.per_row.push(Some(id));
    }
    plan
}

impl NewContact {
    fn of(person_id: Id, contact: &Contact, primary: bool, hash: KeyHash) -> NewContact {
        NewContact {
            person_id,
            value: contact.value.clone(),
            label: contact.label,
            primary,
            hash,
        }
    }
}
