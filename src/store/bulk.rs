//! Bulk loads into an empty store. As pgloader does, an import into an empty SQLite store
//! sets aside the secondary indexes of the tables it fills and builds each once at its end:
//! a sorted build is far cheaper than keeping random-order indexes (emails, phones, names)
//! up to date row by row; indexes whose keys arrive in order stay ([`KEPT_INDEXES`]). The
//! run does not need the others meanwhile, since it matches against its own records in
//! memory, and no other run writes while it holds the store alone.
//!
//! What is set aside is recorded in the same transaction (`deferred_indexes`), so a load
//! that is killed leaves the definitions behind, and whoever opens the store next builds
//! them; an import that is not a bulk load builds them before it starts.

use sqlx::{AssertSqlSafe, Row};

use super::journal::process_is_gone;
use super::runs::{HOLDS_RECORDS, OTHER_RUN_ACTIVE};
use super::{Store, StoreError};
use crate::model::Id;

/// The tables an import fills.
const LOADED_TABLES: &str = "'organizations', 'persons', 'person_emails', 'person_phones', 'leads'";

/// Indexes a bulk load keeps up to date: their keys, the ids of persons as they are
/// created, arrive in order, so each entry lands at the right edge of its tree, and keeping
/// them costs the load less than building them after it (about a second of a 1M-row load).
const KEPT_INDEXES: &str = "'person_emails_one_primary', 'person_phones_one_primary'";

/// The connection's settings for a bulk load, for building indexes, and as `Store::open`
/// sets them.
const LOAD_SETTINGS: &str = "PRAGMA cache_size = -16384";
const BUILD_SETTINGS: &str =
    "PRAGMA cache_size = -16384; PRAGMA temp_store = FILE; PRAGMA threads = 2";
const USUAL_SETTINGS: &str =
    "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA threads = 0";

/// Which deferred indexes to build.
#[derive(Debug, Clone, Copy)]
pub enum Deferred {
    /// Those of this run.
    OfRun(Id),
    /// Those of runs that no longer load: finished, or whose process is gone.
    Abandoned,
    /// All of them, a running load's too (an import that is not a bulk load needs them).
    All,
}

impl Store {
    /// Sets the loaded tables' secondary indexes aside for `run` if the store is empty and
    /// no other run is going on, and says whether it did. Only SQLite loads this way.
    pub async fn begin_bulk_load(&self, run: Id) -> Result<bool, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(false);
        };
        // BEGIN IMMEDIATE: the checks and the drop happen under the write lock, so two runs
        // starting together cannot both decide they have the store alone.
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!(
            "SELECT CASE WHEN {HOLDS_RECORDS} OR {OTHER_RUN_ACTIVE} \
             OR EXISTS (SELECT 1 FROM deferred_indexes) THEN 0 ELSE 1 END"
        );
        let alone: i32 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(run)
            .fetch_one(&mut *tx)
            .await?;
        if alone == 0 {
            return Ok(false);
        }
        let sql = format!(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({LOADED_TABLES}) AND name NOT IN ({KEPT_INDEXES}) ORDER BY name"
        );
        let indexes: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?;
        for (name, definition) in &indexes {
            sqlx::query(
                "INSERT INTO deferred_indexes (name, definition, run_id) VALUES ($1, $2, $3)",
            )
            .bind(name)
            .bind(definition)
            .bind(run)
            .execute(&mut *tx)
            .await?;
            sqlx::query(AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // Appends touch only the right edge of each tree, which a small page cache holds;
        // the memory is the run index's.
        sqlx::raw_sql(LOAD_SETTINGS).execute(pool).await?;
        tracing::info!(
            indexes = indexes.len(),
            "the store is empty: loading in bulk, indexes are built at the end"
        );
        Ok(true)
    }

    /// Turns SQLite's foreign-key checks off, or back on, for the store's one connection.
    /// A batch planned from the run's own records is written with them off: the plan has
    /// checked each of its references against those records (`BatchPlan::references_known`),
    /// and having SQLite look every one up again doubles the cost of an insert. As with
    /// pgloader's disabled triggers, a bulk load trusts its own checks. PostgreSQL keeps its
    /// checks, which cost little next to its round trips.
    pub async fn check_foreign_keys(&self, on: bool) -> Result<(), StoreError> {
        if let Store::Sqlite(pool) = self {
            let pragma = if on {
                "PRAGMA foreign_keys = ON"
            } else {
                "PRAGMA foreign_keys = OFF"
            };
            sqlx::raw_sql(pragma).execute(pool).await?;
        }
        Ok(())
    }

    /// Builds the deferred indexes `which` names, in one transaction; returns how many.
    pub async fn build_deferred_indexes(&self, which: Deferred) -> Result<usize, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(0);
        };
        let sql = "SELECT d.name, d.definition, d.run_id, r.status, r.pid, r.host \
                   FROM deferred_indexes d JOIN import_runs r ON r.id = d.run_id ORDER BY d.name";
        // A cheap read first: almost always there is nothing to build.
        if sqlx::query(sql).fetch_optional(pool).await?.is_none() {
            return Ok(0);
        }
        // An index build sorts in memory as much as the page cache holds, then spills to
        // temporary files: a small cache and file-backed temporaries keep a build of
        // millions of entries within the memory a run is allowed. Nothing else runs while
        // the indexes build, so the sort may take a second thread.
        sqlx::raw_sql(BUILD_SETTINGS).execute(pool).await?;
        let built = self.build_in_transaction(which, sql).await;
        sqlx::raw_sql(USUAL_SETTINGS).execute(pool).await?;
        built
    }

    async fn build_in_transaction(
        &self,
        which: Deferred,
        sql: &'static str,
    ) -> Result<usize, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(0);
        };
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let rows = sqlx::query(sql).fetch_all(&mut *tx).await?;
        let mut built = 0;
        for row in rows {
            let name: String = row.try_get("name")?;
            let run: Id = row.try_get("run_id")?;
            let wanted = match which {
                Deferred::All => true,
                Deferred::OfRun(id) => run == id,
                Deferred::Abandoned => {
                    let status: String = row.try_get("status")?;
                    let pid: Option<i64> = row.try_get("pid")?;
                    let host: Option<String> = row.try_get("host")?;
                    status != "running" || process_is_gone(pid, host.as_deref())
                }
            };
            if !wanted {
                continue;
            }
            let exists: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = $1",
            )
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_none() {
                let definition: String = row.try_get("definition")?;
                sqlx::query(AssertSqlSafe(definition))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM deferred_indexes WHERE name = $1")
                .bind(&name)
                .execute(&mut *tx)
                .await?;
            built += 1;
        }
        tx.commit().await?;
        if built > 0 {
            tracing::info!(
                indexes = built,
                "built the indexes a bulk load had set aside"
            );
        }
        Ok(built)
    }
}
