//! The SQL of an import batch: look up what the batch may match, then write the plan.
//! Every statement is multi-row and runs inside the batch's transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row};

use super::{StoreError, Tx, on_conn};
use crate::dedup::{
    ExistingOrganization, ExistingPerson, NewContact, NewOrganization, NewPerson, OrganizationFill,
    PersonKeys, PersonMatches,
};
use crate::model::{Id, LeadDraft};

/// Binds per statement stay under SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_BINDS: usize = 30_000;

fn rows_per_statement(columns: usize) -> usize {
    MAX_BINDS / columns
}

/// A stored lead as far as an import needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLead {
    pub id: Id,
    pub fingerprint: String,
}

/// A lead to insert or update, with its resolved links.
pub struct LeadWrite<'a> {
    pub id: Id,
    pub draft: &'a LeadDraft,
    pub person_id: Option<Id>,
    pub organization_id: Option<Id>,
    pub source_key: &'a str,
    pub fingerprint: &'a str,
}

impl Tx {
    /// The leads of `source` whose keys are among `keys`.
    pub async fn find_leads(
        &mut self,
        source: &str,
        keys: &[&str],
    ) -> Result<HashMap<String, StoredLead>, StoreError> {
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(rows_per_statement(1)) {
            on_conn!(self, |conn| {
                let mut query = QueryBuilder::new(
                    "SELECT id, source_key, fingerprint FROM leads WHERE source_name = ",
                );
                query.push_bind(source).push(" AND source_key IN (");
                let mut list = query.separated(", ");
                for key in chunk {
                    list.push_bind(*key);
                }
                query.push(")");
                for row in query.build().fetch_all(&mut *conn).await? {
                    let lead = StoredLead {
                        id: row.try_get("id")?,
                        fingerprint: row.try_get("fingerprint")?,
                    };
                    found.insert(row.try_get("source_key")?, lead);
                }
            });
        }
        Ok(found)
    }

    /// The keys of `source` whose leads were converted to deals (and left the inbox).
    pub async fn find_converted(
        &mut self,
        source: &str,
        keys: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in keys.chunks(rows_per_statement(1)) {
            on_conn!(self, |conn| {
                let mut query =
                    QueryBuilder::new("SELECT source_key FROM conversions WHERE source_name = ");
                query.push_bind(source).push(" AND source_key IN (");
                let mut list = query.separated(", ");
                for key in chunk {
                    list.push_bind(*key);
                }
                query.push(")");
                for row in query.build().fetch_all(&mut *conn).await? {
                    found.insert(row.try_get("source_key")?);
                }
            });
        }
        Ok(found)
    }

    /// Organizations whose domain or name key is among the given ones.
    pub async fn find_organizations(
        &mut self,
        domains: &[String],
        name_keys: &[String],
    ) -> Result<Vec<ExistingOrganization>, StoreError> {
        let mut found: HashMap<Id, ExistingOrganization> = HashMap::new();
        for (column, values) in [("domain", domains), ("name_key", name_keys)] {
            for chunk in values.chunks(rows_per_statement(1)) {
                on_conn!(self, |conn| {
                    let mut query = QueryBuilder::new(
                        "SELECT id, name_key, domain, website, address FROM organizations WHERE ",
                    );
                    query.push(column).push(" IN (");
                    let mut list = query.separated(", ");
                    for value in chunk {
                        list.push_bind(value.as_str());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut *conn).await? {
                        let org = ExistingOrganization {
                            id: row.try_get("id")?,
                            name_key: row.try_get("name_key")?,
                            domain: row.try_get("domain")?,
                            website: row.try_get("website")?,
                            address: row.try_get("address")?,
                        };
                        found.insert(org.id, org);
                    }
                });
            }
        }
        Ok(found.into_values().collect())
    }

    /// Persons that share an email, a phone, or a name within an organization with the batch.
    /// Where several share a phone or a name, the oldest wins.
    pub async fn find_persons(&mut self, keys: &PersonKeys) -> Result<PersonMatches, StoreError> {
        let mut matches = PersonMatches::default();
        let contact_queries = [
            (
                "SELECT c.email AS k, p.id, p.organization_id FROM person_emails c JOIN persons p ON p.id = c.person_id WHERE c.email IN (",
                &keys.emails,
                &mut matches.by_email,
            ),
            (
                "SELECT c.phone AS k, p.id, p.organization_id FROM person_phones c JOIN persons p ON p.id = c.person_id WHERE c.phone IN (",
                &keys.phones,
                &mut matches.by_phone,
            ),
        ];
        for (sql, values, into) in contact_queries {
            for chunk in values.chunks(rows_per_statement(1)) {
                on_conn!(self, |conn| {
                    let mut query = QueryBuilder::new(sql);
                    let mut list = query.separated(", ");
                    for value in chunk {
                        list.push_bind(value.as_str());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut *conn).await? {
                        let person = ExistingPerson {
                            id: row.try_get("id")?,
                            organization_id: row.try_get("organization_id")?,
                        };
                        keep_oldest(into.entry(row.try_get("k")?), person);
                    }
                });
            }
        }
        for chunk in keys.names_in_organizations.chunks(rows_per_statement(2)) {
            on_conn!(self, |conn| {
                // A join against the keys (not a row-value IN, which SQLite answers with a
                // full scan) so that each key is one index lookup.
                let mut query = QueryBuilder::new("WITH k (name_key, organization_id) AS (VALUES ");
                let mut list = query.separated(", ");
                for (name_key, organization) in chunk {
                    list.push("(");
                    list.push_bind_unseparated(name_key.as_str());
                    list.push_unseparated(", ");
                    list.push_bind_unseparated(*organization);
                    list.push_unseparated(")");
                }
                query.push(
                    ") SELECT p.id, p.name_key, p.organization_id FROM k JOIN persons p \
                     ON p.organization_id = k.organization_id AND p.name_key = k.name_key",
                );
                for row in query.build().fetch_all(&mut *conn).await? {
                    let organization: Id = row.try_get("organization_id")?;
                    let person = ExistingPerson {
                        id: row.try_get("id")?,
                        organization_id: Some(organization),
                    };
                    keep_oldest(
                        matches
                            .by_name_in_organization
                            .entry((row.try_get("name_key")?, organization)),
                        person,
                    );
                }
            });
        }
        Ok(matches)
    }

    pub async fn insert_organizations(
        &mut self,
        orgs: &[NewOrganization],
        run: Id,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for chunk in orgs.chunks(rows_per_statement(9)) {
            on_conn!(self, |conn| {
                let mut query = QueryBuilder::new(
                    "INSERT INTO organizations (id, name, name_key, domain, website, address, created_by_run, created_at, updated_at) ",
                );
                query.push_values(chunk, |mut row, org| {
                    row.push_bind(org.id)
                        .push_bind(org.name.as_str())
                        .push_bind(org.name_key.as_str())
                        .push_bind(org.domain.as_deref())
                        .push_bind(org.website.as_deref())
                        .push_bind(org.address.as_deref())
                        .push_bind(run)
                        .push_bind(now)
                        .push_bind(now);
                });
                query.build().execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Sets only the fields an organization has empty (COALESCE keeps what is there).
    pub async fn fill_organizations(
        &mut self,
        fills: &[OrganizationFill],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for fill in fills {
            on_conn!(self, |conn| {
                sqlx::query(
                    "UPDATE organizations SET domain = COALESCE(domain, $1), website = COALESCE(website, $2), \
                     address = COALESCE(address, $3), updated_at = $4 WHERE id = $5",
                )
                .bind(fill.domain.as_deref())
                .bind(fill.website.as_deref())
                .bind(fill.address.as_deref())
                .bind(now)
                .bind(fill.id)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }

    pub async fn insert_persons(
        &mut self,
        persons: &[NewPerson],
        run: Id,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for chunk in persons.chunks(rows_per_statement(7)) {
            on_conn!(self, |conn| {
                let mut query = QueryBuilder::new(
                    "INSERT INTO persons (id, name, name_key, organization_id, created_by_run, created_at, updated_at) ",
                );
                query.push_values(chunk, |mut row, person| {
                    row.push_bind(person.id)
                        .push_bind(person.name.as_str())
                        .push_bind(person.name_key.as_str())
                        .push_bind(person.organization_id)
                        .push_bind(run)
                        .push_bind(now)
                        .push_bind(now);
                });
                query.build().execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Links matched persons that had no organization to the row's.
    pub async fn set_person_organizations(
        &mut self,
        links: &[(Id, Id)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for (person, organization) in links {
            on_conn!(self, |conn| {
                sqlx::query(
                    "UPDATE persons SET organization_id = $1, updated_at = $2 WHERE id = $3 AND organization_id IS NULL",
                )
                .bind(*organization)
                .bind(now)
                .bind(*person)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }

    /// Adds emails or phones; one already known (to this person, or an email to anyone) is
    /// left as it is.
    pub async fn insert_contacts(
        &mut self,
        kind: ContactKind,
        contacts: &[NewContact],
    ) -> Result<(), StoreError> {
        let head = match kind {
            ContactKind::Email => {
                "INSERT INTO person_emails (person_id, email, label, is_primary) "
            }
            ContactKind::Phone => {
                "INSERT INTO person_phones (person_id, phone, label, is_primary) "
            }
        };
        for chunk in contacts.chunks(rows_per_statement(4)) {
            on_conn!(self, |conn| {
                let mut query = QueryBuilder::new(head);
                query.push_values(chunk, |mut row, contact| {
                    row.push_bind(contact.person_id)
                        .push_bind(contact.value.as_str())
                        .push_bind(contact.label.as_str())
                        .push_bind(contact.primary);
                });
                query.push(" ON CONFLICT DO NOTHING");
                query.build().execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    pub async fn insert_leads(
        &mut self,
        leads: &[LeadWrite<'_>],
        source: &str,
        run: Id,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for chunk in leads.chunks(rows_per_statement(17)) {
            on_conn!(self, |conn| {
                let mut query = QueryBuilder::new(
                    "INSERT INTO leads (id, title, person_id, organization_id, value, currency, expected_close_date, \
                     labels, owner, origin, origin_id, source_name, source_key, fingerprint, custom_fields, created_at, updated_at) ",
                );
                query.push_values(chunk, |mut row, lead| {
                    let draft = lead.draft;
                    row.push_bind(lead.id)
                        .push_bind(draft.title.as_str())
                        .push_bind(lead.person_id)
                        .push_bind(lead.organization_id)
                        .push_bind(draft.value.as_ref().map(|v| v.amount))
                        .push_bind(draft.value.as_ref().map(|v| v.currency.as_str()))
                        .push_bind(draft.expected_close_date)
                        .push_bind(Json(&draft.labels))
                        .push_bind(draft.owner.as_deref())
                        .push_bind("import")
                        .push_bind(run)
                        .push_bind(source)
                        .push_bind(lead.source_key)
                        .push_bind(lead.fingerprint)
                        .push_bind(Json(&draft.custom_fields))
                        .push_bind(now)
                        .push_bind(now);
                });
                query.build().execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Rewrites leads whose source record changed since the last import.
    pub async fn update_leads(
        &mut self,
        leads: &[LeadWrite<'_>],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for lead in leads {
            let draft = lead.draft;
            on_conn!(self, |conn| {
                sqlx::query(
                    "UPDATE leads SET title = $1, person_id = $2, organization_id = $3, value = $4, currency = $5, \
                     expected_close_date = $6, labels = $7, owner = $8, fingerprint = $9, custom_fields = $10, \
                     updated_at = $11 WHERE id = $12",
                )
                .bind(draft.title.as_str())
                .bind(lead.person_id)
                .bind(lead.organization_id)
                .bind(draft.value.as_ref().map(|v| v.amount))
                .bind(draft.value.as_ref().map(|v| v.currency.as_str()))
                .bind(draft.expected_close_date)
                .bind(Json(&draft.labels))
                .bind(draft.owner.as_deref())
                .bind(lead.fingerprint)
                .bind(Json(&draft.custom_fields))
                .bind(now)
                .bind(lead.id)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }
}

/// Where several stored persons share a key, the oldest (ids are time-ordered) wins, so the
/// choice does not depend on the order rows come back in.
fn keep_oldest<K>(
    entry: std::collections::hash_map::Entry<'_, K, ExistingPerson>,
    person: ExistingPerson,
) {
    let current = entry.or_insert(person);
    if person.id < current.id {
        *current = person;
    }
}

#[derive(Debug, Clone, Copy)]
pub enum ContactKind {
    Email,
    Phone,
}
