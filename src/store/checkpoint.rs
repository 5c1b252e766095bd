//! Checkpoints on a connection of their own during a bulk load. In WAL mode every page is
//! written twice: to the log at commit, then into the file at a checkpoint, which also syncs
//! both to disk. Left to SQLite, the commit that crosses the log's size limit does that
//! copy and those syncs itself, and a bulk load's commits spent about a quarter of their
//! time on them. Here a second connection copies the log as it grows, while the writer
//! goes on.

use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::{Store, StoreError, WAL_CHECKPOINT_BYTES, checkpoint_every};

/// How often the log is copied into the file while a load writes.
const EVERY: Duration = Duration::from_millis(50);

/// The log's length at which the writer is made to start it over (RESTART). A RESTART holds
/// the write lock while it copies the last frames and syncs the file, and the load's next
/// `BEGIN` waits for it: at 64 MiB (the store's usual limit) the `BEGIN`s of a 1M-row load,
/// which writes some 900 MiB of log, waited 2 to 2.7 s in all; at 256 MiB, 0.6 to 0.8 s. The
/// log then grows to a few hundred MiB on disk during a load, and is emptied at its end.
const RESTART_BYTES: i64 = 256 << 20;

/// How long a checkpoint that needs the write lock (RESTART) waits for it, or for readers,
/// before it copies what it can without them; the load's own commits wait far longer.
const LOCK_WAIT: Duration = Duration::from_millis(100);

/// A task checkpointing in the background; [`Checkpointer::finish`] stops it. Dropped
/// without `finish` (the run failed on its way), it stops the task; the store's connection
/// then checkpoints only at its next connect or when the process ends.
pub struct Checkpointer {
    stop: Arc<Notify>,
    task: Option<JoinHandle<()>>,
}

impl Store {
    /// Starts checkpointing on a connection of its own, and stops the store's connection
    /// from checkpointing itself (until the pool replaces it, after 30 minutes, when the new
    /// connection checkpoints by itself again). Only SQLite has checkpoints.
    pub async fn start_checkpointer(&self) -> Result<Option<Checkpointer>, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Ok(None);
        };
        let options = pool
            .connect_options()
            .as_ref()
            .clone()
            .busy_timeout(LOCK_WAIT);
        let mut conn = options.connect().await?;
        sqlx::raw_sql("PRAGMA wal_autocheckpoint = 0")
            .execute(pool)
            .await?;
        let stop = Arc::new(Notify::new());
        let stopped = Arc::clone(&stop);
        let pool = pool.clone();
        let task = tokio::spawn(async move {
            if let Err(err) = copy_until(&mut conn, &stopped).await {
                // The load goes on, and its commits checkpoint by themselves again.
                tracing::warn!(error = %err, "background checkpoints failed; the load checkpoints as it commits");
                if let Err(err) = checkpoint_by_itself(&pool).await {
                    tracing::warn!(error = %err, "cannot have the store checkpoint by itself again");
                }
            }
            conn.close().await.ok();
        });
        Ok(Some(Checkpointer {
            stop,
            task: Some(task),
        }))
    }
}

async fn checkpoint_by_itself(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    checkpoint_every(&mut conn, WAL_CHECKPOINT_BYTES).await
}

/// Copies what the log holds into the file every [`EVERY`], until `stop` is notified.
/// PASSIVE copies what it can without waiting for, or blocking, the writer. The writer
/// starts the log over only when it finds all of it copied, which a log that grows with
/// every commit may never be: once it holds [`RESTART_BYTES`], RESTART takes the
/// write lock between two commits (waiting at most [`LOCK_WAIT`]), copies the rest, and
/// so has the next commit start the log over. A RESTART that could not get the lock
/// copies what it can, like PASSIVE, and is tried again at the next tick.
async fn copy_until(conn: &mut SqliteConnection, stop: &Notify) -> Result<(), sqlx::Error> {
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut *conn)
        .await?;
    let limit = RESTART_BYTES / page_size.max(512);
    let mut restart = false;
    loop {
        tokio::select! {
            _ = stop.notified() => return Ok(()),
            _ = tokio::time::sleep(EVERY) => {}
        }
        let mode = if restart { "RESTART" } else { "PASSIVE" };
        // (blocked, pages in the log, pages copied)
        let (blocked, logged, _): (i64, i64, i64) =
            sqlx::query_as(AssertSqlSafe(format!("PRAGMA wal_checkpoint({mode})")))
                .fetch_one(&mut *conn)
                .await?;
        // The log's length stays as it was until the next commit starts it over: right
        // after a RESTART that went through, it says nothing about the log to come.
        let restarted = restart && blocked == 0;
        restart = logged >= limit && !restarted;
    }
}

impl Checkpointer {
    /// Stops the background checkpoints, and has the store checkpoint by itself again.
    pub async fn finish(mut self, store: &Store) -> Result<(), StoreError> {
        self.stop.notify_one();
        if let Some(task) = self.task.take() {
            task.await.ok();
        }
        if let Store::Sqlite(pool) = store {
            checkpoint_by_itself(pool).await?;
        }
        Ok(())
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn autocheckpoint(store: &Store) -> i64 {
        let Store::Sqlite(pool) = store else {
            unreachable!("an SQLite store")
        };
        sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(pool)
            .await
            .expect("the setting")
    }

    #[tokio::test]
    async fn the_log_reaches_the_file_while_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("store.db");
        let store = Store::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("a new store");
        let Store::Sqlite(pool) = &store else {
            unreachable!("an SQLite store")
        };
        let before = std::fs::metadata(&file).expect("the file").len();
        let checkpointer = store
            .start_checkpointer()
            .await
            .expect("checkpoints start")
            .expect("SQLite has checkpoints");
        assert_eq!(
            autocheckpoint(&store).await,
            0,
            "the writer no longer copies"
        );
        sqlx::raw_sql(
            "CREATE TABLE filler (text TEXT); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) \
             INSERT INTO filler SELECT hex(randomblob(1000)) FROM n",
        )
        .execute(pool)
        .await
        .expect("rows go in");
        // Only a checkpoint writes to the file itself in WAL mode.
        let mut grown = false;
        for _ in 0..50 {
            tokio::time::sleep(EVERY).await;
            grown = std::fs::metadata(&file).expect("the file").len() > before;
            if grown {
                break;
            }
        }
        assert!(
            grown,
            "the background checkpoints copied the log into the file"
        );
        checkpointer.finish(&store).await.expect("checkpoints stop");
        assert_eq!(
            autocheckpoint(&store).await,
            WAL_CHECKPOINT_BYTES / 16384,
            "the writer copies again"
        );
    }
}
