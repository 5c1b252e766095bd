//! The leads of the inbox as conversion rules see them, a page at a time.

use std::collections::HashMap;

use sqlx::types::Json;
use sqlx::{AssertSqlSafe, QueryBuilder, Row};

use crate::model::Id;
use crate::rules::{LeadFacts, OrganizationFacts, PersonFacts};
use crate::store::sql::json_ids;
use crate::store::{StoreError, Tx, on_conn};

const FACT_COLUMNS: &str = "SELECT l.id, l.title, l.value, l.currency, l.labels, l.owner, l.origin, \
     l.source_name, l.expected_close_date, l.custom_fields, l.created_at, l.archived_at, l.person_id, \
     p.name AS person_name, o.name AS organization_name, o.domain, o.website \
     FROM leads l LEFT JOIN persons p ON p.id = l.person_id \
     LEFT JOIN organizations o ON o.id = l.organization_id";

impl Tx {
    /// Up to `limit` leads after `after` in id order (ids grow with time), with their
    /// person's emails and phones and their organization. Archived leads only when
    /// `archived` is set.
    pub async fn lead_facts_page(
        &mut self,
        after: Option<Id>,
        limit: u32,
        archived: bool,
    ) -> Result<Vec<(Id, LeadFacts)>, StoreError> {
        let mut page = Vec::new();
        let mut person_of: Vec<Option<Id>> = Vec::new();
        on_conn!(self, |conn| {
            let mut query = QueryBuilder::new(FACT_COLUMNS);
            query.push(" WHERE 1 = 1");
            if !archived {
                query.push(" AND l.archived_at IS NULL");
            }
            if let Some(after) = after {
                query.push(" AND l.id > ").push_bind(after);
            }
            query
                .push(" ORDER BY l.id LIMIT ")
                .push_bind(i64::from(limit));
            for row in query.build().fetch_all(&mut *conn).await? {
                let id: Id = row.try_get("id")?;
                let person_name: Option<String> = row.try_get("person_name")?;
                let organization_name: Option<String> = row.try_get("organization_name")?;
                person_of.push(row.try_get("person_id")?);
                let facts = LeadFacts {
                    id: id.to_string(),
                    title: row.try_get("title")?,
                    value: row.try_get("value")?,
                    currency: row.try_get("currency")?,
                    labels: row.try_get::<Json<Vec<String>>, _>("labels")?.0,
                    owner: row.try_get("owner")?,
                    origin: row.try_get("origin")?,
                    source: row.try_get("source_name")?,
                    expected_close_date: row.try_get("expected_close_date")?,
                    custom: row
                        .try_get::<Json<serde_json::Map<String, serde_json::Value>>, _>(
                            "custom_fields",
                        )?
                        .0,
                    created_at: row.try_get("created_at")?,
                    archived: row
                        .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>("archived_at")?
                        .is_some(),
                    person: person_name.map(|name| PersonFacts {
                        name,
                        emails: Vec::new(),
                        phones: Vec::new(),
                    }),
                    organization: organization_name
                        .map(|name| -> Result<_, sqlx::Error> {
                            Ok(OrganizationFacts {
                                name,
                                domain: row.try_get("domain")?,
                                website: row.try_get("website")?,
                            })
                        })
                        .transpose()?,
                };
                page.push((id, facts));
            }
        });
        let persons: Vec<Id> = person_of.iter().flatten().copied().collect();
        if persons.is_empty() {
            return Ok(page);
        }
        let contacts = self.person_contacts(&persons).await?;
        for ((_, facts), person) in page.iter_mut().zip(person_of) {
            if let (Some(facts), Some(person)) = (facts.person.as_mut(), person)
                && let Some((emails, phones)) = contacts.get(&person)
            {
                facts.emails.clone_from(emails);
                facts.phones.clone_from(phones);
            }
        }
        Ok(page)
    }

    /// Emails and phones of these persons, primary first.
    async fn person_contacts(
        &mut self,
        persons: &[Id],
    ) -> Result<HashMap<Id, (Vec<String>, Vec<String>)>, StoreError> {
        let ids = json_ids(self, 1);
        let sql = format!(
            "SELECT person_id, email AS contact, 0 AS is_phone, is_primary FROM person_emails WHERE person_id IN ({ids}) \
             UNION ALL SELECT person_id, phone, 1, is_primary FROM person_phones WHERE person_id IN ({ids}) \
             ORDER BY 1, 3, 4 DESC, 2"
        );
        let mut contacts: HashMap<Id, (Vec<String>, Vec<String>)> = HashMap::new();
        on_conn!(self, |conn| {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(Json(persons))
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                let entry = contacts.entry(row.try_get("person_id")?).or_default();
                let contact: String = row.try_get("contact")?;
                if row.try_get::<i32, _>("is_phone")? == 1 {
                    entry.1.push(contact);
                } else {
                    entry.0.push(contact);
                }
            }
        });
        Ok(contacts)
    }
}
