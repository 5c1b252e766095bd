//! Reading deals back, for `leadsync deals list` and `deals show`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row};

use super::{PRODUCTS, ProductRow, product};
use crate::model::Id;
use crate::rules::ProductFacts;
use crate::store::{Store, StoreError, on_pool};

/// A deal as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DealSummary {
    pub id: Id,
    pub title: String,
    pub pipeline: String,
    pub stage: String,
    pub status: String,
    pub value: Option<f64>,
    pub currency: Option<String>,
    pub probability: Option<i32>,
    pub person: Option<String>,
    pub organization: Option<String>,
    pub owner: Option<String>,
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A deal with everything it links to and its change log.
#[derive(Debug, Clone, Serialize)]
pub struct DealDetail {
    #[serde(flatten)]
    pub summary: DealSummary,
    pub lost_reason: Option<String>,
    pub won_at: Option<DateTime<Utc>>,
    pub lost_at: Option<DateTime<Utc>>,
    pub expected_close_date: Option<NaiveDate>,
    pub custom_fields: serde_json::Value,
    pub formula_fields: serde_json::Value,
    pub origin_lead_id: Option<Id>,
    pub participants: Vec<String>,
    pub products: Vec<ProductFacts>,
    pub changes: Vec<DealChange>,
}

/// One change-log entry.
#[derive(Debug, Clone, Serialize)]
pub struct DealChange {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

const DEAL_COLUMNS: &str = "SELECT d.id, d.title, pl.name AS pipeline, s.name AS stage, d.status, d.value, \
     d.currency, d.probability, pe.name AS person, o.name AS organization, d.owner, d.labels, d.created_at, \
     d.lost_reason, d.won_at, d.lost_at, d.expected_close_date, d.custom_fields, d.formula_fields, \
     d.origin_lead_id FROM deals d JOIN pipelines pl ON pl.id = d.pipeline_id \
     JOIN stages s ON s.id = d.stage_id LEFT JOIN persons pe ON pe.id = d.person_id \
     LEFT JOIN organizations o ON o.id = d.organization_id";

macro_rules! deal_summary {
    ($row:expr) => {
        DealSummary {
            id: $row.try_get("id")?,
            title: $row.try_get("title")?,
            pipeline: $row.try_get("pipeline")?,
            stage: $row.try_get("stage")?,
            status: $row.try_get("status")?,
            value: $row.try_get("value")?,
            currency: $row.try_get("currency")?,
            probability: $row.try_get("probability")?,
            person: $row.try_get("person")?,
            organization: $row.try_get("organization")?,
            owner: $row.try_get("owner")?,
            labels: $row.try_get::<Json<Vec<String>>, _>("labels")?.0,
            created_at: $row.try_get("created_at")?,
        }
    };
}

/// Which deals to list.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub pipeline: Option<String>,
    pub status: Option<String>,
    pub limit: u32,
}

impl Store {
    /// Deals, oldest first, filtered by pipeline and status.
    pub async fn list_deals(&self, filter: &DealFilter) -> Result<Vec<DealSummary>, StoreError> {
        let mut deals = Vec::new();
        on_pool!(self, |pool| {
            let mut query = QueryBuilder::new(DEAL_COLUMNS);
            query.push(" WHERE 1 = 1");
            if let Some(pipeline) = &filter.pipeline {
                query.push(" AND pl.name = ").push_bind(pipeline);
            }
            if let Some(status) = &filter.status {
                query.push(" AND d.status = ").push_bind(status);
            }
            query
                .push(" ORDER BY d.created_at, d.id LIMIT ")
                .push_bind(i64::from(filter.limit));
            for row in query.build().fetch_all(pool).await? {
                deals.push(deal_summary!(row));
            }
        });
        Ok(deals)
    }

    pub async fn count_deals(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM deals")
                .fetch_one(pool)
                .await?
        }))
    }

    /// One deal with its participants, products and change log (oldest change first).
    pub async fn show_deal(&self, id: Id) -> Result<Option<DealDetail>, StoreError> {
        on_pool!(self, |pool| {
            let mut query = QueryBuilder::new(DEAL_COLUMNS);
            query.push(" WHERE d.id = ").push_bind(id);
            let Some(row) = query.build().fetch_optional(pool).await? else {
                return Ok(None);
            };
            let participants = sqlx::query_scalar(
                "SELECT p.name FROM deal_participants dp JOIN persons p ON p.id = dp.person_id \
                 WHERE dp.deal_id = $1 ORDER BY p.name",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let products: Vec<ProductRow> =
                sqlx::query_as(PRODUCTS).bind(id).fetch_all(pool).await?;
            let changes = sqlx::query(
                "SELECT field, old_value, new_value, changed_at, changed_by FROM deal_changes \
                 WHERE deal_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|change| {
                Ok(DealChange {
                    field: change.try_get("field")?,
                    old_value: change.try_get("old_value")?,
                    new_value: change.try_get("new_value")?,
                    changed_at: change.try_get("changed_at")?,
                    changed_by: change.try_get("changed_by")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
            Ok(Some(DealDetail {
                summary: deal_summary!(row),
                lost_reason: row.try_get("lost_reason")?,
                won_at: row.try_get("won_at")?,
                lost_at: row.try_get("lost_at")?,
                expected_close_date: row.try_get("expected_close_date")?,
                custom_fields: row
                    .try_get::<Json<serde_json::Value>, _>("custom_fields")?
                    .0,
                formula_fields: row
                    .try_get::<Json<serde_json::Value>, _>("formula_fields")?
                    .0,
                origin_lead_id: row.try_get("origin_lead_id")?,
                participants,
                products: products.into_iter().map(product).collect(),
                changes,
            }))
        })
    }
}
