//! The run journal beyond start and finish: where a run stands (committed with each batch,
//! so a killed run can be resumed), which runs can be resumed, and listing runs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::types::Json;

use super::{Store, StoreError, Tx, on_conn, on_pool};
use crate::model::Id;

/// A run as `leadsync runs list` and `runs show` report it.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: Id,
    pub kind: String,
    pub job_name: String,
    pub config_hash: String,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: serde_json::Value,
    /// Where each source stood at the last committed batch.
    pub progress: Option<serde_json::Value>,
    pub pid: Option<i64>,
    pub host: Option<String>,
}

/// A run that stopped before its end and can go on from its last committed batch.
#[derive(Debug, Clone)]
pub struct Resumable {
    pub id: Id,
    /// The run's status and process as found, so that taking it up can check that no one
    /// else did in between.
    pub status: String,
    pub pid: Option<i64>,
    pub counts: serde_json::Value,
    pub progress: serde_json::Value,
}

/// This machine's name, to tell a run of a process here from one elsewhere.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Whether the process that started a run is gone: only decidable for a process of this
/// machine (on Linux, by its `/proc` entry). Elsewhere the run counts as alive.
pub fn process_is_gone(pid: Option<i64>, host: Option<&str>) -> bool {
    let here = host_name();
    match (pid, host) {
        (Some(pid), Some(host)) if host == here && std::path::Path::new("/proc/self").exists() => {
            pid != i64::from(std::process::id())
                && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
    }
}

const RUN_COLUMNS: &str = "SELECT id, kind, job_name, config_hash, status, started_at, finished_at, counts, \
     progress, pid, host FROM import_runs";

macro_rules! run_view {
    ($row:expr) => {
        RunView {
            id: $row.try_get("id")?,
            kind: $row.try_get("kind")?,
            job_name: $row.try_get("job_name")?,
            config_hash: $row.try_get("config_hash")?,
            status: $row.try_get("status")?,
            started_at: $row.try_get("started_at")?,
            finished_at: $row.try_get("finished_at")?,
            counts: $row.try_get::<Json<serde_json::Value>, _>("counts")?.0,
            progress: $row
                .try_get::<Option<Json<serde_json::Value>>, _>("progress")?
                .map(|p| p.0),
            pid: $row.try_get::<Option<i64>, _>("pid")?,
            host: $row.try_get("host")?,
        }
    };
}

impl Store {
    /// The latest runs, newest first.
    pub async fn list_runs(&self, limit: u32) -> Result<Vec<RunView>, StoreError> {
        let sql = format!("{RUN_COLUMNS} ORDER BY started_at DESC, id DESC LIMIT $1");
        let mut runs = Vec::new();
        on_pool!(self, |pool| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            for row in rows {
                runs.push(run_view!(row));
            }
        });
        Ok(runs)
    }

    pub async fn show_run(&self, id: Id) -> Result<Option<RunView>, StoreError> {
        let sql = format!("{RUN_COLUMNS} WHERE id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(row) => Some(run_view!(row)),
                None => None,
            })
        })
    }

    /// The job's latest import run, if it stopped before its end with the same job and
    /// mapping files (an interrupted run, or a running one whose process is gone) and has
    /// committed at least one batch. Stopped runs that committed nothing are marked failed
    /// on the way, so that the run before them can be found.
    pub async fn resumable_run(
        &self,
        job_name: &str,
        config_hash: &str,
    ) -> Result<Option<Resumable>, StoreError> {
        let sql = format!(
            "{RUN_COLUMNS} WHERE kind = 'import' AND job_name = $1 ORDER BY started_at DESC, id DESC LIMIT 20"
        );
        let mut runs = Vec::new();
        on_pool!(self, |pool| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(job_name)
                .fetch_all(pool)
                .await?;
            for row in rows {
                runs.push(run_view!(row));
            }
        });
        for run in runs {
            let stopped = run.status == "interrupted"
                || (run.status == "running" && process_is_gone(run.pid, run.host.as_deref()));
            if !stopped {
                return Ok(None);
            }
            match run.progress {
                Some(progress) if run.config_hash == config_hash => {
                    return Ok(Some(Resumable {
                        id: run.id,
                        status: run.status,
                        pid: run.pid,
                        counts: run.counts,
                        progress,
                    }));
                }
                Some(_) => return Ok(None),
                None => self.abandon_run(run.id).await?,
            }
        }
        Ok(None)
    }

    /// Takes a stopped run up again in this process, unless another process did so since
    /// it was found; `false` then.
    pub async fn claim_run(&self, run: &Resumable) -> Result<bool, StoreError> {
        let claimed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE import_runs SET status = 'running', finished_at = NULL, pid = $1, host = $2 \
                 WHERE id = $3 AND status = $4 AND pid IS NOT DISTINCT FROM $5",
            )
            .bind(i64::from(std::process::id()))
            .bind(host_name())
            .bind(run.id)
            .bind(&run.status)
            .bind(run.pid)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(claimed == 1)
    }

    /// Marks a stopped run as one that will not be resumed (its job is starting over).
    pub async fn abandon_run(&self, id: Id) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE import_runs SET status = 'failed', finished_at = $1 WHERE id = $2 AND status <> 'succeeded'",
            )
            .bind(Utc::now())
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl Tx {
    /// Records, with the batch that got there, the run's counts so far and where each
    /// source stands.
    pub async fn checkpoint(
        &mut self,
        run: Id,
        counts: &serde_json::Value,
        progress: &serde_json::Value,
    ) -> Result<(), StoreError> {
        on_conn!(self, |conn| {
            sqlx::query("UPDATE import_runs SET counts = $1, progress = $2 WHERE id = $3")
                .bind(Json(counts))
                .bind(Json(progress))
                .bind(run)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}
