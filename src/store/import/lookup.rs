//! Lookups: the stored leads, persons and organizations that share a key with a batch.

use std::collections::hash_map::Entry;

use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Row};

use super::{StoredLead, StoredLeads, in_json};
use crate::dedup::{
    ExistingOrganization, ExistingPerson, PersonKeys, PersonMatches, key_hash, name_in_organization,
};
use crate::model::Id;
use crate::store::sql::id_from_text;
use crate::store::{StoreError, Tx, on_conn};

impl Tx {
    /// What the store knows of these keys of `source`: the leads in the inbox, and the keys
    /// whose leads were converted to deals (and left the inbox), in one round trip.
    pub async fn find_leads(
        &mut self,
        source: &str,
        keys: &[&str],
    ) -> Result<StoredLeads, StoreError> {
        let sql = format!(
            "SELECT source_key, id, fingerprint, person_id, organization_id, 0 AS converted FROM leads \
             WHERE source_name = $1 AND {} \
             UNION ALL SELECT source_key, NULL, NULL, NULL, NULL, 1 FROM conversions \
             WHERE source_name = $1 AND {}",
            in_json(self, "source_key", 2),
            in_json(self, "source_key", 2)
        );
        let mut found = StoredLeads::default();
        on_conn!(self, |conn| {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(source)
                .bind(Json(keys))
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                let key: String = row.try_get("source_key")?;
                if row.try_get::<i32, _>("converted")? == 1 {
                    found.converted.insert(key);
                    continue;
                }
                let lead = StoredLead {
                    id: row.try_get("id")?,
                    fingerprint: row.try_get("fingerprint")?,
                    person_id: row.try_get("person_id")?,
                    organization_id: row.try_get("organization_id")?,
                };
                found.inbox.insert(key, lead);
            }
        });
        Ok(found)
    }

    /// Organizations whose domain or name key is among the given ones.
    pub async fn find_organizations(
        &mut self,
        domains: &[String],
        name_keys: &[String],
    ) -> Result<Vec<ExistingOrganization>, StoreError> {
        let (by_domain, by_name) = (in_json(self, "domain", 1), in_json(self, "name_key", 2));
        let sql = format!(
            "SELECT id, name_key, domain, website, address FROM organizations WHERE {by_domain} \
             UNION SELECT id, name_key, domain, website, address FROM organizations WHERE {by_name}"
        );
        let mut found = Vec::new();
        on_conn!(self, |conn| {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(Json(domains))
                .bind(Json(name_keys))
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                found.push(ExistingOrganization::stored(
                    row.try_get("id")?,
                    row.try_get("name_key")?,
                    row.try_get("domain")?,
                    row.try_get("website")?,
                    row.try_get("address")?,
                ));
            }
        });
        Ok(found)
    }

    /// Persons that share an email, a phone, or a name within an organization with the batch.
    pub async fn find_persons(&mut self, keys: &PersonKeys) -> Result<PersonMatches, StoreError> {
        let by_contact = |table: &str, column: &str| {
            let condition = in_json(self, &format!("c.{column}"), 1);
            format!(
                "SELECT c.{column} AS k, p.id, p.organization_id FROM {table} c JOIN persons p ON p.id = c.person_id \
                 WHERE {condition}"
            )
        };
        // Name keys and organizations travel as one JSON array of [name_key, organization]
        // pairs; each pair is one index lookup (a row-value IN would scan on SQLite).
        let pairs_in = match self {
            Tx::Sqlite(_) => "json_each($1)",
            Tx::Postgres(_) => "jsonb_array_elements($1)",
        };
        let by_name = format!(
            "WITH k AS (SELECT value ->> 0 AS name_key, {} AS organization_id FROM {pairs_in}) \
             SELECT p.id, p.name_key, p.organization_id FROM k \
             JOIN persons p ON p.organization_id = k.organization_id AND p.name_key = k.name_key",
            id_from_text(self, "value ->> 1")
        );
        let pairs: Vec<(&str, String)> = keys
            .names_in_organizations
            .iter()
            .map(|(name, org)| (name.as_str(), org.to_string()))
            .collect();
        let mut matches = PersonMatches::default();
        let contact_queries = [
            (
                by_contact("person_emails", "email"),
                &keys.emails,
                &mut matches.by_email,
            ),
            (
                by_contact("person_phones", "phone"),
                &keys.phones,
                &mut matches.by_phone,
            ),
        ];
        for (sql, values, into) in contact_queries {
            on_conn!(self, |conn| {
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(Json(values))
                    .fetch_all(&mut *conn)
                    .await?;
                for row in rows {
                    let person = ExistingPerson {
                        id: row.try_get("id")?,
                        organization_id: row.try_get("organization_id")?,
                        holds: None,
                    };
                    keep_oldest(into.entry(key_hash(row.try_get::<&str, _>("k")?)), person);
                }
            });
        }
        on_conn!(self, |conn| {
            let rows = sqlx::query(AssertSqlSafe(by_name))
                .bind(Json(&pairs))
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                let organization: Id = row.try_get("organization_id")?;
                let person = ExistingPerson {
                    id: row.try_get("id")?,
                    organization_id: Some(organization),
                    holds: None,
                };
                let name = key_hash(row.try_get::<&str, _>("name_key")?);
                keep_oldest(
                    matches
                        .by_name_in_organization
                        .entry(name_in_organization(name, organization)),
                    person,
                );
            }
        });
        Ok(matches)
    }
}

/// Where several stored persons share a key, the oldest (ids are time-ordered) wins, so the
/// choice does not depend on the order rows come back in.
fn keep_oldest<K>(entry: Entry<'_, K, ExistingPerson>, person: ExistingPerson) {
    let current = entry.or_insert(person);
    if person.id < current.id {
        *current = person;
    }
}
