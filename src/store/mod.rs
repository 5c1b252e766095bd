//! The store: all SQL of leadsync, on SQLite (the embedded default) and PostgreSQL.
//!
//! One SQL text serves both backends wherever the dialects agree; the `on_conn!` and
//! `on_pool!` macros expand a query body once per backend, so every bind and decode is
//! typed for the database it runs on. The schema lives in `migrations/<backend>/`, applied
//! on connect.

pub mod bulk;
mod checkpoint;
mod cursors;
pub mod deals;
mod error;
mod id;
pub mod import;
pub mod journal;
pub mod leads;
pub mod revert;
pub mod runs;
pub(crate) mod sql;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{
    AssertSqlSafe, ConnectOptions, Connection, PgPool, Postgres, Sqlite, SqlitePool, Transaction,
};

pub use checkpoint::Checkpointer;
pub use error::StoreError;

/// The URL used when neither the command line, the environment nor the job names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://leadsync.db";

/// A connection pool to one of the supported databases.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Expands `$body` once per backend with `$conn` bound to the transaction's connection.
macro_rules! on_conn {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::store::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Expands `$body` once per backend with `$pool` bound to the pool.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}

pub(crate) use {on_conn, on_pool};

impl Store {
    /// Connects to `url`, creating an SQLite file if it does not exist, and brings the
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::open(url, true).await
    }

    /// Connects to a store that must exist already (for commands that only read).
    pub async fn connect_existing(url: &str) -> Result<Store, StoreError> {
        Store::open(url, false).await
    }

    async fn open(url: &str, create: bool) -> Result<Store, StoreError> {
        let shown = error::redact(url);
        let migrate_error = |source| StoreError::Migrate {
            url: shown.clone(),
            source,
        };
        let connect_error = |source| StoreError::Connect {
            url: shown.clone(),
            source,
        };
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(connect_error)?
                .create_if_missing(create)
                // Pages of 16 KiB for a new file (an existing one keeps its own): a bulk load
                // writes and syncs fewer, larger pages, and builds its indexes a fifth faster
                // than with 4 KiB.
                .page_size(16384)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL keeps the file consistent on a crash; a batch committed
                // just before a power cut may be lost, and the next run re-imports it.
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory");
            // One connection: SQLite has one writer anyway, and a connection's page cache is
            // dropped whenever another connection writes, so a single one keeps it warm.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| Box::pin(checkpoint_every(conn, WAL_CHECKPOINT_BYTES)))
                .connect_with(options)
                .await
                .map_err(connect_error)?;
            migrate_sqlite(&pool).await.map_err(migrate_error)?;
            Store::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(url).map_err(connect_error)?;
            // Every statement of a batch carries thousands of rows, so planning it afresh
            // costs nothing next to running it, while a plan cached early in a load (when
            // its tables were small) can scan a whole table per batch once they are large:
            // a 1M-row load took 105 s with cached plans and 81 s without. A URL that sets
            // the mode itself keeps its own.
            if !url.contains("plan_cache_mode") {
                options = options.options([("plan_cache_mode", "force_custom_plan")]);
            }
            // One direct attempt first: a pool that cannot connect only says it timed out,
            // where the server's own answer (refused, no such database) tells what to fix.
            let probe = options.connect().await.map_err(connect_error)?;
            probe.close().await.ok();
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(connect_error)?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .map_err(migrate_error)?;
            Store::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(shown));
        };
        // A bulk load that was killed leaves indexes (and on PostgreSQL foreign keys) to
        // build: build them first.
        store
            .build_deferred_indexes(bulk::Deferred::Abandoned)
            .await?;
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Begins a write transaction. Writers take turns: a batch's lookups then see every
    /// batch committed before it, also those of another import running at the same time.
    /// SQLite takes its write lock up front (`BEGIN IMMEDIATE`, waiting up to the busy
    /// timeout); PostgreSQL takes a transaction-scoped advisory lock for the schema.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Store::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('leadsync import ' || current_schema()))")
                    .execute(&mut *tx)
                    .await?;
                Tx::Postgres(tx)
            }
        })
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

/// How much write-ahead log SQLite gathers before it copies the log into the file and syncs
/// it: large enough that a bulk load syncs rarely, small enough to bound the log file.
const WAL_CHECKPOINT_BYTES: i64 = 64 << 20;

/// Has SQLite checkpoint every `bytes` of log, whatever the file's page size.
async fn checkpoint_every(conn: &mut SqliteConnection, bytes: i64) -> Result<(), sqlx::Error> {
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut *conn)
        .await?;
    let pages = bytes / page_size.max(512);
    sqlx::raw_sql(AssertSqlSafe(format!(
        "PRAGMA wal_autocheckpoint = {pages}"
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Brings an SQLite file's schema up to date. Two processes that open a new file at once
/// both try to create it; SQLite has no lock for that, so the one that loses (its DDL rolls
/// back) waits and tries again, and then finds the schema already there.
async fn migrate_sqlite(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    let migrator = sqlx::migrate!("migrations/sqlite");
    let mut attempt = 1;
    loop {
        match migrator.run(pool).await {
            Err(err) if attempt < 5 => {
                tracing::debug!(attempt, error = %err, "schema update raced another process; retrying");
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}
