//! Incremental cursors of HTTP sources, saved with the batch that reached them.

use std::collections::HashMap;

use chrono::Utc;

use super::{Store, StoreError, Tx, on_conn, on_pool};
use crate::model::Id;

impl Store {
    /// The stored cursor of every incremental source, by source name.
    pub async fn source_cursors(&self) -> Result<HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT source_name, cursor_value FROM source_cursors")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }
}

impl Tx {
    /// Records how far `source` has been read, in the transaction of the batch that got
    /// there: a batch that rolls back takes its cursor with it.
    pub async fn save_cursor(
        &mut self,
        source: &str,
        cursor: &str,
        run: Id,
    ) -> Result<(), StoreError> {
        on_conn!(self, |conn| {
            sqlx::query(
                "INSERT INTO source_cursors (source_name, cursor_value, run_id, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (source_name) DO UPDATE SET \
                 cursor_value = excluded.cursor_value, run_id = excluded.run_id, updated_at = excluded.updated_at",
            )
            .bind(source)
            .bind(cursor)
            .bind(run)
            .bind(Utc::now())
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }
}
