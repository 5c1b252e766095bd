//! Reading the leads inbox, for `leadsync leads list` and `leads show`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row};

use super::{Store, StoreError, on_conn, on_pool};
use crate::model::Id;

/// One lead with its person and organization names, as the inbox lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LeadSummary {
    pub id: Id,
    pub title: String,
    pub person: Option<String>,
    pub organization: Option<String>,
    pub value: Option<f64>,
    pub currency: Option<String>,
    pub expected_close_date: Option<NaiveDate>,
    pub labels: Vec<String>,
    pub owner: Option<String>,
    pub source_name: Option<String>,
    pub source_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A lead with everything it links to.
#[derive(Debug, Clone, Serialize)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub summary: LeadSummary,
    pub origin: String,
    pub origin_id: Option<Id>,
    pub custom_fields: serde_json::Value,
    pub person_emails: Vec<String>,
    pub person_phones: Vec<String>,
    pub organization_domain: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archive_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

const LEAD_COLUMNS: &str = "SELECT l.id, l.title, p.name AS person, o.name AS organization, l.value, l.currency, \
     l.expected_close_date, l.labels, l.owner, l.source_name, l.source_key, l.created_at, l.origin, l.origin_id, \
     l.custom_fields, l.archived_at, l.archive_reason, l.updated_at, l.person_id, o.domain \
     FROM leads l LEFT JOIN persons p ON p.id = l.person_id LEFT JOIN organizations o ON o.id = l.organization_id";

macro_rules! lead_summary {
    ($row:expr) => {
        LeadSummary {
            id: $row.try_get("id")?,
            title: $row.try_get("title")?,
            person: $row.try_get("person")?,
            organization: $row.try_get("organization")?,
            value: $row.try_get("value")?,
            currency: $row.try_get("currency")?,
            expected_close_date: $row.try_get("expected_close_date")?,
            labels: $row.try_get::<Json<Vec<String>>, _>("labels")?.0,
            owner: $row.try_get("owner")?,
            source_name: $row.try_get("source_name")?,
            source_key: $row.try_get("source_key")?,
            created_at: $row.try_get("created_at")?,
        }
    };
}

impl Store {
    /// Leads in the inbox (or the archived ones), oldest first, at most `limit`.
    pub async fn list_leads(
        &self,
        limit: u32,
        archived: bool,
    ) -> Result<Vec<LeadSummary>, StoreError> {
        let mut leads = Vec::new();
        let which = if archived { "IS NOT NULL" } else { "IS NULL" };
        on_pool!(self, |pool| {
            let mut query = QueryBuilder::new(LEAD_COLUMNS);
            query
                .push(format_args!(
                    " WHERE l.archived_at {which} ORDER BY l.created_at, l.id LIMIT "
                ))
                .push_bind(i64::from(limit));
            for row in query.build().fetch_all(pool).await? {
                leads.push(lead_summary!(row));
            }
        });
        Ok(leads)
    }

    pub async fn count_leads(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE archived_at IS NULL")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Archives the leads still in the inbox; returns how many were archived.
    pub async fn archive_leads(&self, ids: &[Id], reason: Option<&str>) -> Result<u64, StoreError> {
        let now = chrono::Utc::now();
        let mut tx = self.begin().await?;
        let mut archived = 0;
        on_conn!(&mut tx, |conn| {
            for id in ids {
                archived += sqlx::query(
                    "UPDATE leads SET archived_at = $1, archive_reason = $2, updated_at = $1 \
                     WHERE id = $3 AND archived_at IS NULL",
                )
                .bind(now)
                .bind(reason)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
        });
        tx.commit().await?;
        Ok(archived)
    }

    /// Brings archived leads back into the inbox; returns how many came back.
    pub async fn unarchive_leads(&self, ids: &[Id]) -> Result<u64, StoreError> {
        let now = chrono::Utc::now();
        let mut tx = self.begin().await?;
        let mut restored = 0;
        on_conn!(&mut tx, |conn| {
            for id in ids {
                restored += sqlx::query(
                    "UPDATE leads SET archived_at = NULL, archive_reason = NULL, updated_at = $1 \
                     WHERE id = $2 AND archived_at IS NOT NULL",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
        });
        tx.commit().await?;
        Ok(restored)
    }

    pub async fn show_lead(&self, id: Id) -> Result<Option<LeadDetail>, StoreError> {
        on_pool!(self, |pool| {
            let mut query = QueryBuilder::new(LEAD_COLUMNS);
            query.push(" WHERE l.id = ").push_bind(id);
            let Some(row) = query.build().fetch_optional(pool).await? else {
                return Ok(None);
            };
            let person_id: Option<Id> = row.try_get("person_id")?;
            let mut detail = LeadDetail {
                summary: lead_summary!(row),
                origin: row.try_get("origin")?,
                origin_id: row.try_get("origin_id")?,
                custom_fields: row
                    .try_get::<Json<serde_json::Value>, _>("custom_fields")?
                    .0,
                person_emails: Vec::new(),
                person_phones: Vec::new(),
                organization_domain: row.try_get("domain")?,
                archived_at: row.try_get("archived_at")?,
                archive_reason: row.try_get("archive_reason")?,
                updated_at: row.try_get("updated_at")?,
            };
            if let Some(person) = person_id {
                detail.person_emails = sqlx::query_scalar(
                    "SELECT email FROM person_emails WHERE person_id = $1 ORDER BY is_primary DESC, email",
                )
                .bind(person)
                .fetch_all(pool)
                .await?;
                detail.person_phones = sqlx::query_scalar(
                    "SELECT phone FROM person_phones WHERE person_id = $1 ORDER BY is_primary DESC, phone",
                )
                .bind(person)
                .fetch_all(pool)
                .await?;
            }
            Ok(Some(detail))
        })
    }
}
