//! Bulk loads into an empty store. As pgloader does, an import into an empty store sets
//! aside the secondary indexes of the tables it fills and builds each once at its end: a
//! sorted build is far cheaper than keeping random-order indexes (emails, phones, names) up
//! to date row by row; indexes whose keys arrive in order stay ([`KEPT_INDEXES`]). The run
//! does not need the others meanwhile, since it matches against its own records in memory,
//! and no other run writes while it holds the store alone. On PostgreSQL the foreign keys
//! of those tables are set aside too, and added back (each checked in one pass) at the end:
//! there every row's check is a lookup by trigger, which costs as much as the insert, where
//! SQLite turns its checks off for the batches whose references the run has checked.
//!
//! What is set aside is recorded in the same transaction (`deferred_indexes`), so a load
//! that is killed leaves the definitions behind, and whoever opens the store next builds
//! them; an import that is not a bulk load builds them before it starts.

use sqlx::{AssertSqlSafe, Row};

use super::journal::process_is_gone;
use super::runs::{HOLDS_RECORDS, OTHER_RUN_ACTIVE};
use super::{Store, StoreError, Tx, on_conn, on_pool};
use crate::model::Id;

/// The tables an import fills.
const LOADED_TABLES: &str = "'organizations', 'persons', 'person_emails', 'person_phones', 'leads'";

/// Indexes a bulk load keeps up to date: their keys, the ids of persons as they are
/// created, arrive in order, so each entry lands at the right edge of its tree, and keeping
/// them costs the load less than building them after it (about a second of a 1M-row load).
const KEPT_INDEXES: &str = "'person_emails_one_primary', 'person_phones_one_primary'";

/// What a bulk load sets aside on SQLite: the secondary indexes, each with its definition
/// and the statement that drops it.
fn sqlite_set_aside() -> String {
    format!(
        "SELECT name, sql AS definition, 'DROP INDEX \"' || name || '\"' AS drop_statement \
         FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({LOADED_TABLES}) AND name NOT IN ({KEPT_INDEXES}) ORDER BY name"
    )
}

/// What a bulk load sets aside on PostgreSQL: the secondary indexes (those that back no
/// primary key or unique constraint) and the foreign keys of the loaded tables in the
/// current schema.
fn postgres_set_aside() -> String {
    format!(
        "SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS definition, \
         format('DROP INDEX %I', c.relname) AS drop_statement \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
         WHERE t.relnamespace = current_schema()::regnamespace AND t.relname IN ({LOADED_TABLES}) \
         AND c.relname NOT IN ({KEPT_INDEXES}) AND NOT EXISTS (SELECT 1 FROM pg_constraint k \
         WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) \
         UNION ALL \
         SELECT k.conname::text, format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname, k.conname, \
         pg_get_constraintdef(k.oid)), format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, k.conname) \
         FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid \
         WHERE k.contype = 'f' AND t.relnamespace = current_schema()::regnamespace \
         AND t.relname IN ({LOADED_TABLES}) ORDER BY 1"
    )
}

/// Locks, on PostgreSQL, every table a bulk load sets something aside on: the loaded tables
/// and those their foreign keys refer to.
const POSTGRES_LOCK: &str = "LOCK TABLE organizations, persons, person_emails, person_phones, \
     leads, import_runs IN ACCESS EXCLUSIVE MODE NOWAIT";
/// PostgreSQL's error code for a lock that `NOWAIT` did not get.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// Whether an index (or, on PostgreSQL, a constraint) of this name is in the store.
const SQLITE_EXISTS: &str = "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = $1";
const POSTGRES_EXISTS: &str = "SELECT 1 FROM pg_class WHERE relname = $1 \
     AND relnamespace = current_schema()::regnamespace \
     UNION ALL SELECT 1 FROM pg_constraint WHERE conname = $1 \
     AND connamespace = current_schema()::regnamespace";

/// The connection's settings for a bulk load, for building indexes, and as `Store::open`
/// sets them (SQLite's).
const LOAD_SETTINGS: &str = "PRAGMA cache_size = -16384";
const BUILD_SETTINGS: &str =
    "PRAGMA cache_size = -4096; PRAGMA temp_store = FILE; PRAGMA threads = 2";
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
    /// Sets the loaded tables' secondary indexes (and on PostgreSQL their foreign keys)
    /// aside for `run` if the store is empty and no other run is going on, and says whether
    /// it did.
    pub async fn begin_bulk_load(&self, run: Id) -> Result<bool, StoreError> {
        // Under the writers' lock (see `Store::begin`): the checks and the drop happen
        // together, so two runs starting together cannot both decide they have the store
        // alone.
        let mut tx = self.begin().await?;
        if let Tx::Postgres(conn) = &mut tx {
            // Setting a foreign key aside locks its table and the table it refers to, each
            // as its statement comes. Taken one by one like that, the locks can deadlock
            // with a reader that holds some of them and waits for the others, say another
            // run asking whether the store is empty. Taken all at once, without waiting,
            // they cannot: a store that others are reading is not one the run has alone.
            match sqlx::query(POSTGRES_LOCK).execute(&mut **conn).await {
                Err(sqlx::Error::Database(db))
                    if db.code().as_deref() == Some(LOCK_NOT_AVAILABLE) =>
                {
                    tracing::info!("others are reading the store: not loading in bulk");
                    return Ok(false);
                }
                locked => locked?,
            };
        }
        let sql = format!(
            "SELECT CASE WHEN {HOLDS_RECORDS} OR {OTHER_RUN_ACTIVE} \
             OR EXISTS (SELECT 1 FROM deferred_indexes) THEN 0 ELSE 1 END"
        );
        let set_aside = match &tx {
            Tx::Sqlite(_) => sqlite_set_aside(),
            Tx::Postgres(_) => postgres_set_aside(),
        };
        let mut count = 0;
        on_conn!(&mut tx, |conn| {
            let alone: i32 = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(run)
                .fetch_one(&mut *conn)
                .await?;
            if alone == 0 {
                return Ok(false);
            }
            let definitions: Vec<(String, String, String)> =
                sqlx::query_as(AssertSqlSafe(set_aside))
                    .fetch_all(&mut *conn)
                    .await?;
            for (name, definition, drop_statement) in definitions {
                sqlx::query(
                    "INSERT INTO deferred_indexes (name, definition, run_id) VALUES ($1, $2, $3)",
                )
                .bind(name)
                .bind(definition)
                .bind(run)
                .execute(&mut *conn)
                .await?;
                sqlx::query(AssertSqlSafe(drop_statement))
                    .execute(&mut *conn)
                    .await?;
                count += 1;
            }
        });
        tx.commit().await?;
        if let Store::Sqlite(pool) = self {
            // Appends touch only the right edge of each tree, which a small page cache
            // holds; the memory is the run index's.
            sqlx::raw_sql(LOAD_SETTINGS).execute(pool).await?;
        }
        tracing::info!(
            set_aside = count,
            "the store is empty: loading in bulk, indexes are built at the end"
        );
        Ok(true)
    }

    /// Turns SQLite's foreign-key checks off, or back on, for the store's one connection,
    /// and says whether it did. A batch planned from the run's own records is written with
    /// them off: the plan has checked each of its references against those records
    /// (`BatchPlan::references_known`), and having SQLite look every one up again doubles
    /// the cost of an insert. As with pgloader's disabled triggers, a bulk load trusts its
    /// own checks. PostgreSQL cannot turn them off for one session; a bulk load there sets
    /// the foreign keys aside instead (see the module's documentation).
    pub async fn check_foreign_keys(&self, on: bool) -> Result<bool, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(false);
        };
        let pragma = if on {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        };
        sqlx::raw_sql(pragma).execute(pool).await?;
        Ok(true)
    }

    /// Builds the deferred indexes (and foreign keys) `which` names; returns how many.
    pub async fn build_deferred_indexes(&self, which: Deferred) -> Result<usize, StoreError> {
        let sql = "SELECT d.name, d.definition, d.run_id, r.status, r.pid, r.host \
                   FROM deferred_indexes d JOIN import_runs r ON r.id = d.run_id ORDER BY d.name";
        // A cheap read first: almost always there is nothing to build.
        let any = on_pool!(self, |pool| sqlx::query(sql)
            .fetch_optional(pool)
            .await?
            .is_some());
        if !any {
            return Ok(0);
        }
        let Store::Sqlite(pool) = self else {
            return self.build_each(which, sql).await;
        };
        // An index build sorts in memory as much as the page cache holds, then spills to
        // temporary files: a small cache and file-backed temporaries keep a build of
        // millions of entries within the memory a run is allowed. Small is also fast: with
        // 4 MiB the sorted runs fit the processor's caches, and the seven indexes of a
        // 1M-row load built in 2.0 s, against 2.9 s with 16 MiB and 3.8 s with 64 MiB.
        // Little else runs while the indexes build (a bulk load's checkpointer copying the
        // last one into the file), so the sort may take a second thread.
        sqlx::raw_sql(BUILD_SETTINGS).execute(pool).await?;
        let built = self.build_each(which, sql).await;
        sqlx::raw_sql(USUAL_SETTINGS).execute(pool).await?;
        built
    }

    /// Builds what `which` names, each index (or foreign key) in a transaction of its own:
    /// a killed build leaves the rest recorded for whoever opens the store next, and on
    /// SQLite a bulk load's checkpointer copies each built index into the file while the
    /// next one builds.
    async fn build_each(&self, which: Deferred, sql: &'static str) -> Result<usize, StoreError> {
        let mut built = 0;
        while self.build_next(which, sql).await? {
            built += 1;
        }
        if built > 0 {
            tracing::info!(
                built,
                "built the indexes (and foreign keys) a bulk load had set aside"
            );
        }
        Ok(built)
    }

    /// Builds the first of what `which` names that is still recorded; says whether there
    /// was one.
    async fn build_next(&self, which: Deferred, sql: &'static str) -> Result<bool, StoreError> {
        // Under the writers' lock, as the load's batches are: on PostgreSQL another run may
        // be loading meanwhile, and its batches wait for the build rather than deadlock
        // with it over the tables' locks.
        let mut tx = self.begin().await?;
        let exists = match &tx {
            Tx::Sqlite(_) => SQLITE_EXISTS,
            Tx::Postgres(_) => POSTGRES_EXISTS,
        };
        on_conn!(&mut tx, |conn| {
            let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
            let mut next = None;
            for row in rows {
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
                if wanted {
                    next = Some(row);
                    break;
                }
            }
            let Some(row) = next else {
                return Ok(false);
            };
            let name: String = row.try_get("name")?;
            let present: Option<i32> = sqlx::query_scalar(exists)
                .bind(&name)
                .fetch_optional(&mut *conn)
                .await?;
            if present.is_none() {
                let definition: String = row.try_get("definition")?;
                sqlx::query(AssertSqlSafe(definition))
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query("DELETE FROM deferred_indexes WHERE name = $1")
                .bind(&name)
                .execute(&mut *conn)
                .await?;
        });
        tx.commit().await?;
        Ok(true)
    }
}
