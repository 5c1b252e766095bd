//! Converting one lead into a deal, all or nothing, at most once.
//!
//! The lead is claimed by deleting it from the inbox (`DELETE ... RETURNING`): of two
//! conversions of the same lead, the second finds nothing to delete and converts nothing.
//! The deal, its products, participants, change log entry and the conversion record
//! (which keeps the lead as it was) are written in the same transaction. A page of leads
//! converts with one statement per table, the rows travelling as one JSON parameter.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::types::Json;

use super::{Author, DealError, Placement};
use crate::model::Id;
use crate::rules::{DealFacts, ProductFacts, products_total};
use crate::store::sql::{Column, id_in_json, json_rows};
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

/// A deal as it travels in the JSON parameter.
#[derive(Serialize)]
struct DealRow<'a> {
    id: Id,
    title: &'a str,
    person_id: Option<Id>,
    organization_id: Option<Id>,
    pipeline_id: i64,
    stage_id: i64,
    value: Option<f64>,
    currency: Option<String>,
    probability: i32,
    expected_close_date: Option<NaiveDate>,
    labels: Vec<String>,
    owner: Option<String>,
    custom_fields: &'a serde_json::Value,
    origin_lead_id: Id,
    formula_fields: serde_json::Map<String, serde_json::Value>,
    /// The change-log entry and conversion record of the deal.
    created: String,
    changed_by: String,
    lead: &'a LeadRecord,
    source_name: Option<&'a str>,
    source_key: Option<&'a str>,
    run_id: Option<Id>,
}

const DEAL: &[Column] = &[
    ("id", "uuid"),
    ("title", "text"),
    ("person_id", "uuid"),
    ("organization_id", "uuid"),
    ("pipeline_id", "bigint"),
    ("stage_id", "bigint"),
    ("value", "double precision"),
    ("currency", "text"),
    ("probability", "integer"),
    ("expected_close_date", "date"),
    ("labels", "jsonb"),
    ("owner", "text"),
    ("custom_fields", "jsonb"),
    ("origin_lead_id", "uuid"),
    ("formula_fields", "jsonb"),
];
const CHANGE: &[Column] = &[("id", "uuid"), ("created", "text"), ("changed_by", "text")];
const CONVERSION: &[Column] = &[
    ("origin_lead_id", "uuid"),
    ("id", "uuid"),
    ("source_name", "text"),
    ("source_key", "text"),
    ("changed_by", "text"),
    ("lead", "jsonb"),
    ("run_id", "uuid"),
];

#[derive(Serialize)]
struct ProductRow<'a> {
    deal_id: Id,
    name: &'a str,
    quantity: f64,
    unit_price: f64,
    discount: f64,
}

const PRODUCT: &[Column] = &[
    ("deal_id", "uuid"),
    ("name", "text"),
    ("quantity", "double precision"),
    ("unit_price", "double precision"),
    ("discount", "double precision"),
];

#[derive(Serialize)]
struct ParticipantRow {
    deal_id: Id,
    email: String,
}

const PARTICIPANT: &[Column] = &[("deal_id", "uuid"), ("email", "text")];

type Formulas<'a> = &'a dyn Fn(&DealFacts) -> serde_json::Map<String, serde_json::Value>;

impl Tx {
    /// Converts a lead into a deal. `formulas` computes the deal's formula fields.
    pub async fn convert_lead(
        &mut self,
        order: &ConvertOrder<'_>,
        formulas: Formulas<'_>,
    ) -> Result<Converted, DealError> {
        let mut converted = self
            .convert_leads(std::slice::from_ref(order), formulas)
            .await?;
        Ok(converted.remove(0))
    }

    /// Converts leads into deals, each as its order says; one outcome per order, in order.
    pub async fn convert_leads(
        &mut self,
        orders: &[ConvertOrder<'_>],
        formulas: Formulas<'_>,
    ) -> Result<Vec<Converted>, DealError> {
        let ids: Vec<Id> = orders.iter().map(|order| order.lead).collect();
        let mut taken = self.take_leads(&ids).await?;
        let missing: Vec<Id> = ids
            .iter()
            .filter(|id| !taken.contains_key(id))
            .copied()
            .collect();
        let archived = self.archived_among(&missing).await?;
        let now = Utc::now();
        let mut outcomes = Vec::with_capacity(orders.len());
        let mut leads = Vec::new();
        for order in orders {
            match taken.remove(&order.lead) {
                Some(lead) => {
                    let deal = Id::new();
                    outcomes.push(Converted::Deal(deal));
                    leads.push((order, deal, lead));
                }
                None if archived.contains(&order.lead) => outcomes.push(Converted::Archived),
                None => outcomes.push(Converted::NotInInbox),
            }
        }
        let deals: Vec<DealRow> = leads
            .iter()
            .map(|(order, deal, lead)| deal_row(order, *deal, lead, formulas))
            .collect();
        let products: Vec<ProductRow> = leads
            .iter()
            .flat_map(|(order, deal, _)| {
                order.products.iter().map(move |p| ProductRow {
                    deal_id: *deal,
                    name: &p.name,
                    quantity: p.quantity,
                    unit_price: p.unit_price,
                    discount: p.discount,
                })
            })
            .collect();
        let participants: Vec<ParticipantRow> = leads
            .iter()
            .flat_map(|(order, deal, _)| {
                order.participants.iter().map(move |email| ParticipantRow {
                    deal_id: *deal,
                    email: email.trim().to_lowercase(),
                })
            })
            .collect();
        self.insert_deal_rows(&deals, &products, &participants, now)
            .await?;
        Ok(outcomes)
    }

    async fn insert_deal_rows(
        &mut self,
        deals: &[DealRow<'_>],
        products: &[ProductRow<'_>],
        participants: &[ParticipantRow],
        now: chrono::DateTime<Utc>,
    ) -> Result<(), DealError> {
        if deals.is_empty() {
            return Ok(());
        }
        let statements = [
            (
                format!(
                    "INSERT INTO deals (id, title, person_id, organization_id, pipeline_id, stage_id, status, \
                     value, currency, probability, expected_close_date, labels, owner, custom_fields, \
                     origin_lead_id, formula_fields, created_at, updated_at) \
                     SELECT id, title, person_id, organization_id, pipeline_id, stage_id, 'open', value, currency, \
                     probability, expected_close_date, labels, owner, custom_fields, origin_lead_id, \
                     formula_fields, $2, $2 FROM ({}) AS j",
                    json_rows(self, DEAL)
                ),
                serde_json::to_value(deals),
            ),
            (
                format!(
                    "INSERT INTO deal_products (deal_id, name, quantity, unit_price, discount) \
                     SELECT deal_id, name, quantity, unit_price, discount FROM ({}) AS j WHERE $2 IS NOT NULL",
                    json_rows(self, PRODUCT)
                ),
                serde_json::to_value(products),
            ),
            (
                format!(
                    "INSERT INTO deal_participants (deal_id, person_id) SELECT j.deal_id, e.person_id \
                     FROM ({}) AS j JOIN person_emails e ON e.email = j.email WHERE $2 IS NOT NULL \
                     ON CONFLICT DO NOTHING",
                    json_rows(self, PARTICIPANT)
                ),
                serde_json::to_value(participants),
            ),
            (
                format!(
                    "INSERT INTO deal_changes (deal_id, field, old_value, new_value, changed_at, changed_by) \
                     SELECT id, 'deal', NULL, created, $2, changed_by FROM ({}) AS j",
                    json_rows(self, CHANGE)
                ),
                serde_json::to_value(deals),
            ),
            (
                format!(
                    "INSERT INTO conversions (lead_id, deal_id, source_name, source_key, converted_at, \
                     converted_by, lead, run_id) SELECT origin_lead_id, id, source_name, source_key, $2, \
                     changed_by, lead, run_id FROM ({}) AS j",
                    json_rows(self, CONVERSION)
                ),
                serde_json::to_value(deals),
            ),
        ];
        for (sql, rows) in statements {
            let rows = rows.expect("deal rows serialize to JSON");
            if rows.as_array().is_some_and(Vec::is_empty) {
                continue;
            }
            on_conn!(self, |conn| {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(Json(&rows))
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(())
    }

    /// Removes leads from the inbox and returns them, but not archived ones.
    async fn take_leads(&mut self, ids: &[Id]) -> Result<HashMap<Id, LeadRecord>, DealError> {
        let sql = format!(
            "DELETE FROM leads WHERE {} AND archived_at IS NULL RETURNING {LEAD_COLUMNS}",
            id_in_json(self, "id", 1)
        );
        let mut taken = HashMap::with_capacity(ids.len());
        on_conn!(self, |conn| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(Json(ids))
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                let lead = lead_record!(row);
                taken.insert(lead.id, lead);
            }
        });
        Ok(taken)
    }

    /// Those of these leads that sit archived in the inbox.
    async fn archived_among(&mut self, ids: &[Id]) -> Result<Vec<Id>, DealError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id FROM leads WHERE {} AND archived_at IS NOT NULL",
            id_in_json(self, "id", 1)
        );
        Ok(on_conn!(self, |conn| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(Json(ids))
                .fetch_all(&mut *conn)
                .await?
        }))
    }
}

/// The deal a lead becomes: its fields carried over, the order's owner, labels and
/// products applied, its formula fields computed.
fn deal_row<'a>(
    order: &'a ConvertOrder<'_>,
    deal: Id,
    lead: &'a LeadRecord,
    formulas: Formulas<'_>,
) -> DealRow<'a> {
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
    DealRow {
        id: deal,
        title: &lead.title,
        person_id: lead.person_id,
        organization_id: lead.organization_id,
        pipeline_id: order.placement.pipeline_id,
        stage_id: order.placement.stage_id,
        value,
        currency,
        probability: order.placement.probability,
        expected_close_date: lead.expected_close_date,
        labels,
        owner,
        custom_fields: &lead.custom_fields,
        origin_lead_id: lead.id,
        formula_fields: formulas(&facts),
        created: format!("created from lead {} {}", lead.id, order.author.how()),
        changed_by: order.author.label(),
        lead,
        source_name: lead.source_name.as_deref(),
        source_key: lead.source_key.as_deref(),
        run_id: order.run,
    }
}
