//! Converting one lead into a deal, all or nothing, at most once.
//!
//! The lead is claimed by deleting it from the inbox (`DELETE ... RETURNING`): of two
//! conversions of the same lead, the second finds nothing to delete and converts nothing.
//! The deal, its products, participants, change log entry and the conversion record
//! (which keeps the lead as it was) are written in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::types::Json;

use super::{Author, DealError, Placement};
use crate::model::Id;
use crate::rules::{DealFacts, ProductFacts, products_total};
use crate::store::{Tx, on_conn};

/// A lead as it was in the inbox, kept on its conversion record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadRecord {
    pub id: Id,
    pub title: String,
    pub person_id: Option<Id>,
    pub organization_id: Option<Id>,
    pub value: Option<f64>,
    pub currency: Option<String>,
    pub expected_close_date: Option<NaiveDate>,
    pub labels: Vec<String>,
    pub owner: Option<String>,
    pub origin: String,
    pub origin_id: Option<Id>,
    pub source_name: Option<String>,
    pub source_key: Option<String>,
    pub fingerprint: Option<String>,
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A product line on a deal.
pub type Product = ProductFacts;

/// What to convert, where to, and what the deal gets besides the lead's fields.
pub struct ConvertOrder<'a> {
    pub lead: Id,
    pub placement: &'a Placement,
    pub author: &'a Author,
    /// The run doing it; `None` by hand.
    pub run: Option<Id>,
    /// Replaces the lead's owner when given.
    pub owner: Option<&'a str>,
    /// Added to the lead's labels.
    pub labels: &'a [String],
    pub products: &'a [Product],
    /// Currency of the products' total when the lead has none.
    pub currency: Option<&'a str>,
    /// Emails of persons who take part in the deal; unknown emails are skipped.
    pub participants: &'a [String],
}

/// How a conversion went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Converted {
    Deal(Id),
    /// Not in the inbox: converted before, or never there.
    NotInInbox,
    /// In the inbox but archived; archived leads are not converted.
    Archived,
}

const LEAD_COLUMNS: &str = "id, title, person_id, organization_id, value, currency, expected_close_date, \
     labels, owner, origin, origin_id, source_name, source_key, fingerprint, custom_fields, created_at, updated_at";

macro_rules! lead_record {
    ($row:expr) => {
        LeadRecord {
            id: $row.try_get("id")?,
            title: $row.try_get("title")?,
            person_id: $row.try_get("person_id")?,
            organization_id: $row.try_get("organization_id")?,
            value: $row.try_get("value")?,
            currency: $row.try_get("currency")?,
            expected_close_date: $row.try_get("expected_close_date")?,
            labels: $row.try_get::<Json<Vec<String>>, _>("labels")?.0,
            owner: $row.try_get("owner")?,
            origin: $row.try_get("origin")?,
            origin_id: $row.try_get("origin_id")?,
            source_name: $row.try_get("source_name")?,
            source_key: $row.try_get("source_key")?,
            fingerprint: $row.try_get("fingerprint")?,
            custom_fields: $row
                .try_get::<Json<serde_json::Value>, _>("custom_fields")?
                .0,
            created_at: $row.try_get("created_at")?,
            updated_at: $row.try_get("updated_at")?,
        }
    };
}

impl Tx {
    /// Converts a lead into a deal. `formulas` computes the deal's formula fields.
    pub async fn convert_lead(
        &mut self,
        order: &ConvertOrder<'_>,
        formulas: &dyn Fn(&DealFacts) -> serde_json::Map<String, serde_json::Value>,
    ) -> Result<Converted, DealError> {
        let Some(lead) = self.take_lead(order.lead).await? else {
            return Ok(if self.lead_is_archived(order.lead).await? {
                Converted::Archived
            } else {
                Converted::NotInInbox
            });
        };
        let deal = Id::new();
        let now = Utc::now();
        let mut labels = lead.labels.clone();
        for label in order.labels {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
        let owner = order.owner.map(str::to_string).or(lead.owner.clone());
        let (value, currency) = if order.products.is_empty() {
            (lead.value, lead.currency.clone())
        } else {
            match lead.currency.clone().or(order.currency.map(str::to_string)) {
                Some(currency) => (Some(products_total(order.products)), Some(currency)),
                // A value needs a currency: without one the products stay, the value not.
                None => (None, None),
            }
        };
        let facts = DealFacts {
            title: lead.title.clone(),
            value,
            currency: currency.clone(),
            probability: Some(i64::from(order.placement.probability)),
            status: "open".to_string(),
            pipeline: order.placement.pipeline.clone(),
            stage: order.placement.stage.clone(),
            labels: labels.clone(),
            owner: owner.clone(),
            custom: lead.custom_fields.as_object().cloned().unwrap_or_default(),
            products: order.products.to_vec(),
            expected_close_date: lead.expected_close_date,
        };
        let formula_fields = formulas(&facts);
        let created = format!("created from lead {} {}", lead.id, order.author.how());
        on_conn!(self, |conn| {
            sqlx::query(
                "INSERT INTO deals (id, title, person_id, organization_id, pipeline_id, stage_id, status, \
                 value, currency, probability, expected_close_date, labels, owner, custom_fields, \
                 origin_lead_id, formula_fields, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
            )
            .bind(deal)
            .bind(&lead.title)
            .bind(lead.person_id)
            .bind(lead.organization_id)
            .bind(order.placement.pipeline_id)
            .bind(order.placement.stage_id)
            .bind(value)
            .bind(&currency)
            .bind(order.placement.probability)
            .bind(lead.expected_close_date)
            .bind(Json(&labels))
            .bind(&owner)
            .bind(Json(&lead.custom_fields))
            .bind(lead.id)
            .bind(Json(&formula_fields))
            .bind(now)
            .execute(&mut *conn)
            .await?;
            for product in order.products {
                sqlx::query(
                    "INSERT INTO deal_products (deal_id, name, quantity, unit_price, discount) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(deal)
                .bind(&product.name)
                .bind(product.quantity)
                .bind(product.unit_price)
                .bind(product.discount)
                .execute(&mut *conn)
                .await?;
            }
            for email in order.participants {
                sqlx::query(
                    "INSERT INTO deal_participants (deal_id, person_id) \
                     SELECT $1, person_id FROM person_emails WHERE email = $2 ON CONFLICT DO NOTHING",
                )
                .bind(deal)
                .bind(email.trim().to_lowercase())
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query(
                "INSERT INTO deal_changes (deal_id, field, old_value, new_value, changed_at, changed_by) \
                 VALUES ($1, 'deal', NULL, $2, $3, $4)",
            )
            .bind(deal)
            .bind(&created)
            .bind(now)
            .bind(order.author.label())
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO conversions (lead_id, deal_id, source_name, source_key, converted_at, \
                 converted_by, lead, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(lead.id)
            .bind(deal)
            .bind(&lead.source_name)
            .bind(&lead.source_key)
            .bind(now)
            .bind(order.author.label())
            .bind(Json(&lead))
            .bind(order.run)
            .execute(&mut *conn)
            .await?;
        });
        Ok(Converted::Deal(deal))
    }

    /// Removes a lead from the inbox and returns it, unless it is archived or gone.
    async fn take_lead(&mut self, id: Id) -> Result<Option<LeadRecord>, DealError> {
        let sql = format!(
            "DELETE FROM leads WHERE id = $1 AND archived_at IS NULL RETURNING {LEAD_COLUMNS}"
        );
        on_conn!(self, |conn| {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                Some(row) => Ok(Some(lead_record!(row))),
                None => Ok(None),
            }
        })
    }

    async fn lead_is_archived(&mut self, id: Id) -> Result<bool, DealError> {
        let found: Option<i32> = on_conn!(self, |conn| {
            sqlx::query_scalar("SELECT 1 FROM leads WHERE id = $1 AND archived_at IS NOT NULL")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(found.is_some())
    }
}
