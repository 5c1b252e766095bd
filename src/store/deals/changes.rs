//! What happens to a deal after it is created: it moves through stages and is won or lost.
//! Every change writes one change-log entry per field, and the formula fields are
//! recomputed in the same transaction.

use chrono::Utc;
use sqlx::Row;
use sqlx::types::Json;

use super::{Author, DealError, PRODUCTS, ProductRow, product};
use crate::model::Id;
use crate::rules::DealFacts;
use crate::store::{Tx, on_conn};

/// How a deal closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    Won,
    Lost { reason: String },
}

/// One field's change, for the log.
struct Change {
    field: &'static str,
    old: Option<String>,
    new: Option<String>,
}

type Formulas<'a> = &'a dyn Fn(&DealFacts) -> serde_json::Map<String, serde_json::Value>;

impl Tx {
    /// Moves an open deal to another stage of its pipeline; the probability becomes the
    /// stage's.
    pub async fn move_deal(
        &mut self,
        id: Id,
        stage: &str,
        author: &Author,
        formulas: Formulas<'_>,
    ) -> Result<(), DealError> {
        let facts = self.open_deal(id).await?;
        let target = self.stage_of(&facts.pipeline, Some(stage)).await?;
        if target.stage == facts.stage {
            return Ok(());
        }
        let changes = vec![
            Change {
                field: "stage",
                old: Some(facts.stage.clone()),
                new: Some(target.stage.clone()),
            },
            Change {
                field: "probability",
                old: facts.probability.map(|p| p.to_string()),
                new: Some(target.probability.to_string()),
            },
        ];
        on_conn!(self, |conn| {
            sqlx::query(
                "UPDATE deals SET stage_id = $1, probability = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(target.stage_id)
            .bind(target.probability)
            .bind(Utc::now())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        });
        self.after_change(id, &changes, author, formulas).await
    }

    /// Closes an open deal as won or lost (a lost deal with its reason).
    pub async fn close_deal(
        &mut self,
        id: Id,
        closing: &Closing,
        author: &Author,
        formulas: Formulas<'_>,
    ) -> Result<(), DealError> {
        self.open_deal(id).await?;
        let now = Utc::now();
        let (status, reason) = match closing {
            Closing::Won => ("won", None),
            Closing::Lost { reason } => ("lost", Some(reason.as_str())),
        };
        let mut changes = vec![Change {
            field: "status",
            old: Some("open".to_string()),
            new: Some(status.to_string()),
        }];
        if let Some(reason) = reason {
            changes.push(Change {
                field: "lost_reason",
                old: None,
                new: Some(reason.to_string()),
            });
        }
        on_conn!(self, |conn| {
            sqlx::query(
                "UPDATE deals SET status = $1, lost_reason = $2, won_at = $3, lost_at = $4, updated_at = $5 \
                 WHERE id = $6",
            )
            .bind(status)
            .bind(reason)
            .bind((status == "won").then_some(now))
            .bind((status == "lost").then_some(now))
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        });
        self.after_change(id, &changes, author, formulas).await
    }

    /// The facts of a deal that must be open.
    async fn open_deal(&mut self, id: Id) -> Result<DealFacts, DealError> {
        let facts = self.deal_facts(id).await?;
        if facts.status != "open" {
            return Err(DealError::Closed {
                id,
                status: facts.status,
            });
        }
        Ok(facts)
    }

    /// A deal as formulas see it.
    pub async fn deal_facts(&mut self, id: Id) -> Result<DealFacts, DealError> {
        let sql = "SELECT d.title, d.value, d.currency, d.probability, d.status, p.name AS pipeline, \
                   s.name AS stage, d.labels, d.owner, d.custom_fields, d.expected_close_date \
                   FROM deals d JOIN pipelines p ON p.id = d.pipeline_id JOIN stages s ON s.id = d.stage_id \
                   WHERE d.id = $1";
        on_conn!(self, |conn| {
            let Some(row) = sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await? else {
                return Err(DealError::UnknownDeal(id));
            };
            let products: Vec<ProductRow> = sqlx::query_as(PRODUCTS)
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
            Ok(DealFacts {
                title: row.try_get("title")?,
                value: row.try_get("value")?,
                currency: row.try_get("currency")?,
                probability: row.try_get::<Option<i32>, _>("probability")?.map(i64::from),
                status: row.try_get("status")?,
                pipeline: row.try_get("pipeline")?,
                stage: row.try_get("stage")?,
                labels: row.try_get::<Json<Vec<String>>, _>("labels")?.0,
                owner: row.try_get("owner")?,
                custom: row
                    .try_get::<Json<serde_json::Map<String, serde_json::Value>>, _>(
                        "custom_fields",
                    )?
                    .0,
                products: products.into_iter().map(product).collect(),
                expected_close_date: row.try_get("expected_close_date")?,
            })
        })
    }

    /// Logs the changes and brings the formula fields up to date.
    async fn after_change(
        &mut self,
        id: Id,
        changes: &[Change],
        author: &Author,
        formulas: Formulas<'_>,
    ) -> Result<(), DealError> {
        let facts = self.deal_facts(id).await?;
        let fields = formulas(&facts);
        let now = Utc::now();
        let by = author.label();
        on_conn!(self, |conn| {
            for change in changes {
                sqlx::query(
                    "INSERT INTO deal_changes (deal_id, field, old_value, new_value, changed_at, changed_by) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(change.field)
                .bind(&change.old)
                .bind(&change.new)
                .bind(now)
                .bind(&by)
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query("UPDATE deals SET formula_fields = $1 WHERE id = $2")
                .bind(Json(&fields))
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}
