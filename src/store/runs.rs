//! The import-run journal: every run is recorded with its status and counts.

use chrono::Utc;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;

use super::{Store, StoreError, Tx, on_conn, on_pool};
use crate::model::Id;

/// SQL condition: the store holds persons, organizations, leads or conversions.
pub(super) const HOLDS_RECORDS: &str = "(EXISTS (SELECT 1 FROM persons) OR EXISTS (SELECT 1 FROM organizations) \
     OR EXISTS (SELECT 1 FROM leads) OR EXISTS (SELECT 1 FROM conversions))";

/// SQL condition: a run other than `$1` is recorded as running.
pub(super) const OTHER_RUN_ACTIVE: &str =
    "EXISTS (SELECT 1 FROM import_runs WHERE status = 'running' AND id <> $1)";

/// SQL condition: a run other than `$1` is running, or has ended since `$1` began. Either
/// may have written records that run `$1` has not seen, even one that began and ended
/// between two of its batches.
const OTHER_RUN_SINCE: &str = "EXISTS (SELECT 1 FROM import_runs o WHERE o.id <> $1 \
     AND (o.status = 'running' OR o.finished_at >= (SELECT r.started_at FROM import_runs r WHERE r.id = $1)))";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    Interrupted,
    Reverted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Reverted => "reverted",
        }
    }
}

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Loads sources into the inbox (and applies the job's rules after).
    Import,
    /// Converts leads into deals, by rules or by hand.
    Convert,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Import => "import",
            RunKind::Convert => "convert",
        }
    }
}

impl Store {
    /// Records the start of a run and returns its id.
    pub async fn start_run(
        &self,
        kind: RunKind,
        job_name: &str,
        config_hash: &str,
    ) -> Result<Id, StoreError> {
        let mut tx = match self {
            Store::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        };
        let id = tx.start_run(kind, job_name, config_hash).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether the store holds no persons, organizations, leads or conversions at all.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let sql = format!("SELECT CASE WHEN {HOLDS_RECORDS} THEN 1 ELSE 0 END");
        let any: i32 = on_pool!(self, |pool| sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(pool)
            .await?);
        Ok(any == 0)
    }

    /// Records how a run ended, with its counts.
    pub async fn finish_run(
        &self,
        id: Id,
        status: RunStatus,
        counts: &serde_json::Value,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE import_runs SET status = $1, finished_at = $2, counts = $3 WHERE id = $4",
            )
            .bind(status.as_str())
            .bind(Utc::now())
            .bind(Json(counts))
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl Store {
    /// Brings PostgreSQL's table statistics up to date after a large load, so that the
    /// queries that follow (conversion pages, lookups of the next run) get index plans
    /// rather than waiting for autovacuum. SQLite needs nothing.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        if let Store::Postgres(pool) = self {
            sqlx::query("ANALYZE leads, persons, organizations, person_emails, person_phones")
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}

impl Tx {
    /// Records the start of a run in this transaction (a dry run's, which rolls back).
    pub async fn start_run(
        &mut self,
        kind: RunKind,
        job_name: &str,
        config_hash: &str,
    ) -> Result<Id, StoreError> {
        let id = Id::new();
        on_conn!(self, |conn| {
            sqlx::query(
                "INSERT INTO import_runs (id, kind, job_name, config_hash, started_at, status, pid, host) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(kind.as_str())
            .bind(job_name)
            .bind(config_hash)
            .bind(Utc::now())
            .bind(RunStatus::Running.as_str())
            .bind(i64::from(std::process::id()))
            .bind(super::journal::host_name())
            .execute(&mut *conn)
            .await?;
        });
        Ok(id)
    }

    /// Whether another run is running, or has ended since `run` began: what `run` knows of
    /// the store from its own records alone may then be out of date.
    pub async fn other_runs_since_start(&mut self, run: Id) -> Result<bool, StoreError> {
        let sql = format!("SELECT CASE WHEN {OTHER_RUN_SINCE} THEN 1 ELSE 0 END");
        let any: i32 = on_conn!(self, |conn| sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(run)
            .fetch_one(&mut *conn)
            .await?);
        Ok(any == 1)
    }
}
