//! Organizations: matched by web domain, then by normalized name.

use serde::Serialize;

use super::keys::{KeyHash, OrganizationKey, RowKeys, key_hash, non_empty_hash};
use super::{DedupCounts, FastMap, HashedMap};
use crate::model::{Id, LeadDraft};

/// Every key of a batch, for one lookup in the store.
#[derive(Debug, Default)]
pub struct OrganizationKeys {
    pub domains: Vec<String>,
    pub name_keys: Vec<String>,
}

/// An organization the run can match, in the store or created earlier in the run: what
/// matching needs of it, its keys' hashes and which fields it has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExistingOrganization {
    pub id: Id,
    pub name_hash: Option<KeyHash>,
    pub domain_hash: Option<KeyHash>,
    pub has_website: bool,
    pub has_address: bool,
}

impl ExistingOrganization {
    /// An organization as the store keeps it.
    pub fn stored(
        id: Id,
        name_key: &str,
        domain: Option<&str>,
        website: Option<&str>,
        address: Option<&str>,
    ) -> ExistingOrganization {
        ExistingOrganization {
            id,
            name_hash: non_empty_hash(name_key),
            domain_hash: domain.map(key_hash),
            has_website: website.is_some(),
            has_address: address.is_some(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOrganization {
    pub id: Id,
    pub name: String,
    pub name_key: String,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    #[serde(skip)]
    pub name_hash: Option<KeyHash>,
    #[serde(skip)]
    pub domain_hash: Option<KeyHash>,
}

/// Fields to fill on an existing organization; only fields it has empty are ever set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganizationFill {
    pub id: Id,
    pub domain: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    #[serde(skip)]
    pub domain_hash: Option<KeyHash>,
}

impl OrganizationFill {
    fn new(id: Id) -> OrganizationFill {
        OrganizationFill {
            id,
            domain: None,
            website: None,
            address: None,
            domain_hash: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.domain.is_none() && self.website.is_none() && self.address.is_none()
    }
}

#[derive(Debug, Default)]
pub struct OrganizationPlan {
    /// The organization each row links to.
    pub per_row: Vec<Option<Id>>,
    pub created: Vec<NewOrganization>,
    pub filled: Vec<OrganizationFill>,
}

/// The batch's domains and name keys, each once, to look up in the store.
pub fn organization_keys(keys: &[&RowKeys]) -> OrganizationKeys {
    let mut batch = OrganizationKeys::default();
    for key in keys.iter().filter_map(|k| k.organization.as_ref()) {
        batch.domains.extend(key.domain.clone());
        batch.name_keys.push(key.name_key.clone());
    }
    batch.domains.sort_unstable();
    batch.domains.dedup();
    batch.name_keys.sort_unstable();
    batch.name_keys.dedup();
    batch
}

/// The organizations known while resolving a batch: from the store and created so far.
#[derive(Default)]
struct Known {
    records: FastMap<Id, Record>,
    by_domain: HashedMap<Id>,
    by_name: HashedMap<Id>,
}

struct Record {
    domain: Option<KeyHash>,
    has_website: bool,
    has_address: bool,
    created: Option<usize>,
}

impl Known {
    fn insert(&mut self, id: Id, name: Option<KeyHash>, record: Record) {
        if let Some(domain) = record.domain {
            self.by_domain.entry(domain).or_insert(id);
        }
        if let Some(name) = name {
            self.by_name.entry(name).or_insert(id);
        }
        self.records.insert(id, record);
    }

    /// The organization with the same name key, unless both have a domain and they differ:
    /// "Acme" at acme.de and "Acme" at acme.com are two companies.
    fn by_name_compatible(&self, key: &OrganizationKey) -> Option<Id> {
        let id = *self.by_name.get(&key.name_hash?)?;
        let known_domain = self.records.get(&id).and_then(|r| r.domain);
        match (known_domain, key.domain_hash) {
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
    keys: &[&RowKeys],
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
            domain: org.domain_hash,
            has_website: org.has_website,
            has_address: org.has_address,
            created: None,
        };
        known.insert(org.id, org.name_hash, record);
    }
    let mut plan = OrganizationPlan::default();
    let mut fills: FastMap<Id, OrganizationFill> = FastMap::default();
    for ((draft, keys), current) in drafts.iter().zip(keys).zip(current) {
        let (Some(org), Some(key)) = (&draft.organization, &keys.organization) else {
            plan.per_row.push(None);
            continue;
        };
        let by_domain = key
            .domain_hash
            .and_then(|d| known.by_domain.get(&d))
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
                let offer = Offer {
                    domain: key
                        .domain
                        .as_deref()
                        .zip(key.domain_hash)
                        .filter(|(_, hash)| !known.by_domain.contains_key(hash)),
                    website: org.website.as_deref(),
                    address: org.address.as_deref(),
                };
                fill(&mut known, &mut plan, &mut fills, id, offer);
                id
            }
            None => {
                counts.organizations_created += 1;
                let id = Id::new();
                let record = Record {
                    domain: key.domain_hash,
                    has_website: org.website.is_some(),
                    has_address: org.address.is_some(),
                    created: Some(plan.created.len()),
                };
                plan.created.push(NewOrganization {
                    id,
                    name: org.name.clone(),
                    name_key: key.name_key.clone(),
                    domain: key.domain.clone(),
                    website: org.website.clone(),
                    address: org.address.clone(),
                    name_hash: key.name_hash,
                    domain_hash: key.domain_hash,
                });
                known.insert(id, key.name_hash, record);
                id
            }
        };
        plan.per_row.push(Some(id));
    }
    plan.filled = fills.into_values().collect();
    plan.filled.sort_by_key(|f| f.id);
    plan
}

/// What a row offers to fill in the organization it matched.
struct Offer<'a> {
    /// The domain, if no organization is known by it yet, with its hash.
    domain: Option<(&'a str, KeyHash)>,
    website: Option<&'a str>,
    address: Option<&'a str>,
}

/// Fills what the matched organization lacks; never overwrites a value it has.
fn fill(
    known: &mut Known,
    plan: &mut OrganizationPlan,
    fills: &mut FastMap<Id, OrganizationFill>,
    id: Id,
    offer: Offer<'_>,
) {
    let Some(record) = known.records.get_mut(&id) else {
        return;
    };
    let mut change = OrganizationFill::new(id);
    if let (None, Some((domain, hash))) = (record.domain, offer.domain) {
        record.domain = Some(hash);
        change.domain = Some(domain.to_string());
        change.domain_hash = Some(hash);
    }
    if let (false, Some(website)) = (record.has_website, offer.website) {
        record.has_website = true;
        change.website = Some(website.to_string());
    }
    if let (false, Some(address)) = (record.has_address, offer.address) {
        record.has_address = true;
        change.address = Some(address.to_string());
    }
    if change.is_empty() {
        return;
    }
    if let Some(domain) = change.domain_hash {
        known.by_domain.insert(domain, id);
    }
    match record.created {
        Some(index) => {
            let created = &mut plan.created[index];
            if created.domain.is_none() {
                created.domain = change.domain;
                created.domain_hash = change.domain_hash;
            }
            created.website = created.website.take().or(change.website);
            created.address = created.address.take().or(change.address);
        }
        None => {
            let entry = fills.entry(id).or_insert_with(|| OrganizationFill::new(id));
            if entry.domain.is_none() {
                entry.domain = change.domain;
                entry.domain_hash = change.domain_hash;
            }
            entry.website = entry.website.take().or(change.website);
            entry.address = entry.address.take().or(change.address);
        }
    }
}
