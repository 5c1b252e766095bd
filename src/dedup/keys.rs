//! Match keys: what matching compares, worked out once per row where rows are mapped, on
//! every core. Matching itself must go row by row in file order, on one thread; there it
//! only looks up and compares 128-bit hashes of these keys, and copies no text.

use std::sync::LazyLock;

use xxhash_rust::xxh3::{xxh3_64_with_seed, xxh3_128_with_seed};

use crate::model::{Id, LeadDraft};
use crate::normalize;

/// A key's 128-bit hash: no two keys of a load share one. Keys live only in memory, for
/// one process, so the hash is the fast xxh3 rather than a cryptographic one, seeded per
/// process so that no file can be written to make two keys collide.
pub type KeyHash = u128;

static SEED: LazyLock<u64> = LazyLock::new(|| fastrand::u64(..));

/// The hash of a normalized key (an email, a domain, a name key).
pub fn key_hash(key: &str) -> KeyHash {
    xxh3_128_with_seed(key.as_bytes(), *SEED)
}

/// The hash of a lead's identity, its source and key: the run remembers millions of them,
/// to tell in-file duplicates, in little memory. Each source hashes its keys with a seed of
/// its own, so ("a", "bc") and ("ab", "c") are two identities.
pub fn identity_hash(source: &str, key: &str) -> KeyHash {
    let seed = *SEED;
    xxh3_128_with_seed(
        key.as_bytes(),
        seed ^ xxh3_64_with_seed(source.as_bytes(), seed),
    )
}

/// The key of a person's name within an organization: a name matches only there.
pub fn name_in_organization(name: KeyHash, organization: Id) -> KeyHash {
    // The name's hash is evenly spread, and multiplying the id by an odd constant is a
    // bijection: two pairs share a key only when both parts are equal, or by the chance
    // that two hashes collide.
    name ^ organization
        .0
        .as_u128()
        .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
}

/// The keys of one row's organization and person.
#[derive(Debug, Clone, Default)]
pub struct RowKeys {
    pub organization: Option<OrganizationKey>,
    pub person: Option<PersonKey>,
}

/// An organization is known by its web domain, then by its name key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationKey {
    pub domain: Option<String>,
    pub name_key: String,
    pub domain_hash: Option<KeyHash>,
    /// `None` for a name of only punctuation: its empty key would match every other one.
    pub name_hash: Option<KeyHash>,
}

/// A person is known by an email, then a phone, then a name within an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKey {
    pub name_key: String,
    /// `None` for a name of only punctuation, as for organizations.
    pub name_hash: Option<KeyHash>,
    /// The hashes of the person's emails and phones, in the row's order.
    pub emails: Vec<KeyHash>,
    pub phones: Vec<KeyHash>,
}

impl RowKeys {
    pub fn of(draft: &LeadDraft) -> RowKeys {
        RowKeys {
            organization: organization_key(draft),
            person: draft.person.as_ref().map(|person| {
                let name_key = normalize::person_name_key(&person.name);
                PersonKey {
                    name_hash: non_empty_hash(&name_key),
                    name_key,
                    emails: person.emails.iter().map(|e| key_hash(&e.value)).collect(),
                    phones: person.phones.iter().map(|p| key_hash(&p.value)).collect(),
                }
            }),
        }
    }
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
    let name_key = normalize::org_name_key(&organization.name);
    Some(OrganizationKey {
        domain_hash: domain.as_deref().map(key_hash),
        domain,
        name_hash: non_empty_hash(&name_key),
        name_key,
    })
}

/// The hash of a name key, unless it is empty: a name of only punctuation matches nothing.
pub(super) fn non_empty_hash(key: &str) -> Option<KeyHash> {
    (!key.is_empty()).then(|| key_hash(key))
}
