//! Pipelines and stages: brought in line with the job file, listed, and resolved to the
//! stage a conversion lands in.

use serde::Serialize;
use sqlx::Row;

use super::{DealError, Placement, listed};
use crate::convert::config::{FormulaConfig, PipelineConfig};
use crate::store::{Store, StoreError, Tx, on_conn, on_pool};

/// A pipeline as `leadsync pipelines list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineView {
    pub name: String,
    pub is_default: bool,
    pub stages: Vec<StageView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub name: String,
    pub probability: i32,
    pub open_deals: i64,
}

impl Store {
    /// Creates or updates the job's pipelines, their stages (in the job's order) and the
    /// formula fields (when the job declares any), in one transaction. Stages the job no longer names are kept (deals
    /// may sit in them) and ordered after the named ones.
    pub async fn sync_pipelines(
        &self,
        pipelines: &[PipelineConfig],
        formulas: &[FormulaConfig],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.sync_pipelines(pipelines, formulas).await?;
        tx.commit().await
    }

    /// Every pipeline with its stages in order and how many open deals each stage holds.
    pub async fn list_pipelines(&self) -> Result<Vec<PipelineView>, StoreError> {
        let sql = "SELECT p.name AS pipeline, p.is_default, s.name AS stage, s.probability, \
                   (SELECT COUNT(*) FROM deals d WHERE d.stage_id = s.id AND d.status = 'open') AS open_deals \
                   FROM pipelines p LEFT JOIN stages s ON s.pipeline_id = p.id ORDER BY p.name, s.position";
        let mut views: Vec<PipelineView> = Vec::new();
        on_pool!(self, |pool| {
            for row in sqlx::query(sql).fetch_all(pool).await? {
                let name: String = row.try_get("pipeline")?;
                if views.last().is_none_or(|v| v.name != name) {
                    views.push(PipelineView {
                        name,
                        is_default: row.try_get("is_default")?,
                        stages: Vec::new(),
                    });
                }
                if let Some(stage) = row.try_get::<Option<String>, _>("stage")? {
                    let view = views.last_mut().expect("a pipeline was pushed above");
                    view.stages.push(StageView {
                        name: stage,
                        probability: row.try_get("probability")?,
                        open_deals: row.try_get("open_deals")?,
                    });
                }
            }
        });
        Ok(views)
    }

    /// The stored formula fields as (name, expression), in order.
    pub async fn stored_formulas(&self) -> Result<Vec<FormulaConfig>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT name, expression FROM formulas ORDER BY position")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(name, expression)| FormulaConfig { name, expression })
            .collect())
    }
}

impl Tx {
    /// Creates or updates pipelines, stages and formulas in this transaction.
    pub async fn sync_pipelines(
        &mut self,
        pipelines: &[PipelineConfig],
        formulas: &[FormulaConfig],
    ) -> Result<(), StoreError> {
        for pipeline in pipelines {
            self.sync_pipeline(pipeline).await?;
        }
        // A job that marks a default moves it there; otherwise its first pipeline becomes
        // the default only when the store has none, so one job does not take another's.
        let marked = pipelines.iter().find(|p| p.default);
        let has_default: Option<i32> = on_conn!(self, |conn| {
            sqlx::query_scalar("SELECT 1 FROM pipelines WHERE is_default = $1")
                .bind(true)
                .fetch_optional(&mut *conn)
                .await?
        });
        let default = match marked {
            Some(pipeline) => Some(pipeline),
            None if has_default.is_none() => pipelines.first(),
            None => None,
        }
        .map(|p| p.name.as_str());
        on_conn!(self, |conn| {
            if let Some(default) = default {
                sqlx::query("UPDATE pipelines SET is_default = $1 WHERE is_default = $2")
                    .bind(false)
                    .bind(true)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("UPDATE pipelines SET is_default = $1 WHERE name = $2")
                    .bind(true)
                    .bind(default)
                    .execute(&mut *conn)
                    .await?;
            }
            // The formulas are the store's: a job that declares none leaves them as they are.
            if !formulas.is_empty() {
                sqlx::query("DELETE FROM formulas")
                    .execute(&mut *conn)
                    .await?;
            }
            for (position, formula) in formulas.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO formulas (name, expression, position) VALUES ($1, $2, $3)",
                )
                .bind(&formula.name)
                .bind(&formula.expression)
                .bind(position as i32)
                .execute(&mut *conn)
                .await?;
            }
        });
        Ok(())
    }

    async fn sync_pipeline(&mut self, pipeline: &PipelineConfig) -> Result<(), StoreError> {
        on_conn!(self, |conn| {
            sqlx::query(
                "INSERT INTO pipelines (name, is_default) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&pipeline.name)
            .bind(false)
            .execute(&mut *conn)
            .await?;
            let id: i64 = sqlx::query_scalar("SELECT id FROM pipelines WHERE name = $1")
                .bind(&pipeline.name)
                .fetch_one(&mut *conn)
                .await?;
            // Move every stage out of the way (positions are unique), place the named ones,
            // then renumber the rest after them in their old order.
            sqlx::query("UPDATE stages SET position = -position - 1 WHERE pipeline_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            for (position, stage) in pipeline.stages.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO stages (pipeline_id, name, position, probability) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (pipeline_id, name) DO UPDATE SET position = excluded.position, \
                     probability = excluded.probability",
                )
                .bind(id)
                .bind(&stage.name)
                .bind(position as i32)
                .bind(i32::from(stage.probability))
                .execute(&mut *conn)
                .await?;
            }
            let stale: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM stages WHERE pipeline_id = $1 AND position < 0 ORDER BY position DESC",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            for (offset, stage) in stale.into_iter().enumerate() {
                sqlx::query("UPDATE stages SET position = $1 WHERE id = $2")
                    .bind((pipeline.stages.len() + offset) as i32)
                    .bind(stage)
                    .execute(&mut *conn)
                    .await?;
            }
        });
        Ok(())
    }

    /// Where a deal lands: the given stage of the given pipeline, else the first stage of
    /// the given pipeline, else the first stage of the default pipeline.
    pub async fn placement(
        &mut self,
        pipeline: Option<&str>,
        stage: Option<&str>,
    ) -> Result<Placement, DealError> {
        let names: Vec<(String, bool)> = on_conn!(self, |conn| {
            sqlx::query_as("SELECT name, is_default FROM pipelines ORDER BY name")
                .fetch_all(&mut *conn)
                .await?
        });
        if names.is_empty() {
            return Err(DealError::NoPipelines);
        }
        let chosen = match pipeline {
            Some(name) => names.iter().find(|(n, _)| n == name),
            None => names.iter().find(|(_, is_default)| *is_default),
        };
        let Some((pipeline, _)) = chosen else {
            return Err(DealError::UnknownPipeline {
                name: pipeline.unwrap_or("(default)").to_string(),
                known: listed(&names.into_iter().map(|(n, _)| n).collect::<Vec<_>>()),
            });
        };
        self.stage_of(pipeline, stage).await
    }

    /// A stage of a pipeline by name, or the pipeline's first stage.
    pub async fn stage_of(
        &mut self,
        pipeline: &str,
        stage: Option<&str>,
    ) -> Result<Placement, DealError> {
        let sql = "SELECT p.id AS pipeline_id, s.id AS stage_id, s.name, s.probability FROM stages s \
                   JOIN pipelines p ON p.id = s.pipeline_id WHERE p.name = $1 ORDER BY s.position";
        let stages: Vec<(i64, i64, String, i32)> = on_conn!(self, |conn| {
            sqlx::query_as(sql)
                .bind(pipeline)
                .fetch_all(&mut *conn)
                .await?
        });
        let found = match stage {
            Some(name) => stages.iter().find(|s| s.2 == name),
            None => stages.first(),
        };
        match found {
            Some((pipeline_id, stage_id, name, probability)) => Ok(Placement {
                pipeline_id: *pipeline_id,
                pipeline: pipeline.to_string(),
                stage_id: *stage_id,
                stage: name.clone(),
                probability: *probability,
            }),
            None if stages.is_empty() => Err(DealError::EmptyPipeline(pipeline.to_string())),
            None => Err(DealError::UnknownStage {
                stage: stage.unwrap_or_default().to_string(),
                pipeline: pipeline.to_string(),
                known: listed(&stages.into_iter().map(|s| s.2).collect::<Vec<_>>()),
            }),
        }
    }
}
