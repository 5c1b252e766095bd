//! Organizations: matched by web domain, then by normalized name.

use serde::Serialize;

use super::{DedupCounts, FastMap};
use crate::model::{Id, LeadDraft};
use crate::normalize;

/// The match keys of one row's organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationKey {
    pub domain: Option<String>,
    pub name_key: String,
}

/// Every key of a batch, for one lookup in the store, plus each row's own key.
#[derive(Debug, Default)]
pub struct OrganizationKeys {
    pub per_row: Vec<Option<OrganizationKey>>,
    pub domains: Vec<String>,
    pub name_keys: Vec<String>,
}

/// An organization in the store that shares a key with the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingOrganization {
    pub id: Id,
    pub name_key: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOrganization {
    pub id: Id,
    pub name: String,
    pub name_key: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
}

/// Fields to fill on an existing organization; only fields it has empty are ever set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganizationFill {
    pub id: Id,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Default)]
pub struct OrganizationPlan {
    /// The organization each row links to.
    pub per_row: Vec<Option<Id>>,
    pub created: Vec<NewOrganization>,
    pub filled: Vec<OrganizationFill>,
}

/// The domain an organization is known by: its website's, else a work email's.
fn organization_key(draft: &LeadDraft) -> Option<OrganizationKey> {
    let organization = draft.organization.as_ref()?;
    let from_email = || {
        let emails = draft.person.iter().flat_map(|p| &p.emails);
        emails
            .filter_map(|e| normalize::email_org_domain(&e.value))
            .next()
    };
    let domain = organization
        .website
        .as_deref()
        .and_then(normalize::web_domain)
        .or_else(from_email);
    Some(OrganizationKey {
        domain,
        name_key: normalize::org_name_key(&organization.name),
    })
}

pub fn organization_keys(drafts: &[&LeadDraft]) -> OrganizationKeys {
    let per_row: Vec<Option<OrganizationKey>> =
        drafts.iter().map(|d| organization_key(d)).collect();
    let mut keys = OrganizationKeys::default();
    for key in per_row.iter().flatten() {
        keys.domains.extend(key.domain.clone());
        keys.name_keys.push(key.name_key.clone());
    }
    keys.domains.sort_unstable();
    keys.domains.dedup();
    keys.name_keys.sort_unstable();
    keys.name_keys.dedup();
    keys.per_row = per_row;
    keys
}

/// The organizations known while resolving a batch: from the store and created so far.
#[derive(Default)]
struct Known {
    records: FastMap<Id, Record>,
    by_domain: FastMap<String, Id>,
    by_name: FastMap<String, Id>,
}

struct Record {
    domain: Option<String>,
    website: Option<String>,
    address: Option<String>,
    created: Option<usize>,
}

impl Known {
    fn insert(&mut self, id: Id, name_key: &str, record: Record) {
        if let Some(domain) = &record.domain {
            self.by_domain.entry(domain.clone()).or_insert(id);
        }
        // A name of only punctuation has an empty key, which would match every other one.
        if !name_key.is_empty() {
            self.by_name.entry(name_key.to_string()).or_insert(id);
        }
        self.records.insert(id, record);
    }

    /// The organization with the same name key, unless both have a domain and they differ:
    /// "Acme" at acme.de and "Acme" at acme.com are two companies.
    fn by_name_compatible(&self, key: &OrganizationKey) -> Option<Id> {
        let id = *self.by_name.get(&key.name_key)?;
        let known_domain = self.records.get(&id).and_then(|r| r.domain.as_ref());
        match (known_domain, &key.domain) {
            (Some(a), Some(b)) if a != b => None,
            _ => Some(id),
        }
    }
}

/// Decides, row by row, which organization each row links to, creating one when nothing
/// matches and filling empty fields of the one matched. `current` is, per row, the
/// organization the row's lead already links to (for an updated lead): kept when nothing
/// else matches, rather than creating a new one.
pub fn resolve_organizations(
    drafts: &[&LeadDraft],
    keys: &OrganizationKeys,
    existing: &[ExistingOrganization],
    current: &[Option<Id>],
    counts: &mut DedupCounts,
) -> OrganizationPlan {
    let mut known = Known::default();
    // Oldest first, so that when two stored organizations share a name the oldest wins.
    let mut existing: Vec<&ExistingOrganization> = existing.iter().collect();
    existing.sort_by_key(|o| o.id);
    for org in existing {
        let record = Record {
            domain: org.domain.clone(),
            website: org.website.clone(),
            address: org.address.clone(),
            created: None,
        };
        known.insert(org.id, &org.name_key, record);
    }
    let mut plan = OrganizationPlan::default();
    let mut fills: FastMap<Id, OrganizationFill> = FastMap::default();
    for ((draft, key), current) in drafts.iter().zip(&keys.per_row).zip(current) {
        let (Some(org), Some(key)) = (&draft.organization, key) else {
            plan.per_row.push(None);
            continue;
        };
        let by_domain = key
            .domain
            .as_ref()
            .and_then(|d| known.by_domain.get(d))
            .copied();
        let matched = match by_domain {
            Some(id) => {
                counts.organizations_matched_by_domain += 1;
                Some(id)
            }
            None => match known.by_name_compatible(key) {
                Some(id) => {
                    counts.organizations_matched_by_name += 1;
                    Some(id)
                }
                None => current.inspect(|_| counts.organizations_matched_by_lead += 1),
            },
        };
        let id = match matched {
            Some(id) => {
                let domain = key
                    .domain
                    .clone()
                    .filter(|d| !known.by_domain.contains_key(d));
                fill(
                    &mut known,
                    &mut plan,
                    &mut fills,
                    id,
                    domain,
                    org.website.clone(),
                    org.address.clone(),
                );
                id
            }
            None => {
                counts.organizations_created += 1;
                let id = Id::new();
                let record = Record {
                    domain: key.domain.clone(),
                    website: org.website.clone(),
                    address: org.address.clone(),
                    created: Some(plan.created.len()),
                };
                plan.created.push(NewOrganization {
                    id,
                    name: org.name.clone(),
                    name_key: key.name_key.clone(),
                    domain: key.domain.clone(),
                    website: org.website.clone(),
                    address: org.address.clone(),
                });
                known.insert(id, &key.name_key, record);
                id
            }
        };
        plan.per_row.push(Some(id));
    }
    plan.filled = fills.into_values().collect();
    plan.filled.sort_by_key(|f| f.id);
    plan
}

/// Fills what the matched organization lacks; never overwrites a value it has.
fn fill(
    known: &mut Known,
    plan: &mut OrganizationPlan,
    fills: &mut FastMap<Id, OrganizationFill>,
    id: Id,
    domain: Option<String>,
    website: Option<String>,
    address: Option<String>,
) {
    let Some(record) = known.records.get_mut(&id) else {
        return;
    };
    let mut change = OrganizationFill {
        id,
        domain: None,
        website: None,
        address: None,
    };
    take_if_empty(&mut record.domain, domain, &mut change.domain);
    take_if_empty(&mut record.website, website, &mut change.website);
    take_if_empty(&mut record.address, address, &mut change.address);
    if change.domain.is_none() && change.website.is_none() && change.address.is_none() {
        return;
    }
    if let Some(domain) = &change.domain {
        known.by_domain.insert(domain.clone(), id);
    }
    match record.created {
        Some(index) => {
            let created = &mut plan.created[index];
            created.domain = created.domain.take().or(change.domain);
            created.website = created.website.take().or(change.website);
            created.address = created.address.take().or(change.address);
        }
        None => {
            let entry = fills.entry(id).or_insert(OrganizationFill {
                id,
                domain: None,
                website: None,
                address: None,
            });
            entry.domain = entry.domain.take().or(change.domain);
            entry.website = entry.website.take().or(change.website);
            entry.address = entry.address.take().or(change.address);
        }
    }
}

fn take_if_empty(
    current: &mut Option<String>,
    offered: Option<String>,
    changed: &mut Option<String>,
) {
    if current.is_none() && offered.is_some() {
        current.clone_from(&offered);
        *changed = offered;
    }
}
