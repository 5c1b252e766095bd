//! Before-images: each record a run changes is saved once, as it was before the run's first
//! change, in the transaction of that change.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use sqlx::types::Json;

use super::Entity;
use crate::model::Id;
use crate::store::sql::id_in_json;
use crate::store::{StoreError, Tx, on_conn};

/// The fields a revert puts back, per kind of record (JSON object arguments, the same for
/// SQLite's `json_object` and PostgreSQL's `jsonb_build_object`).
fn fields(entity: Entity, sqlite: bool) -> String {
    let json = |column: &str| {
        if sqlite {
            format!("'{column}', json({column})")
        } else {
            format!("'{column}', {column}")
        }
    };
    // SQLite's JSON holds no BLOB: an id goes in as its hex digits, which parse as a UUID.
    let id = |column: &str| {
        if sqlite {
            format!("'{column}', nullif(lower(hex({column})), '')")
        } else {
            format!("'{column}', {column}")
        }
    };
    match entity {
        Entity::Lead => format!(
            "'title', title, {}, {}, 'value', value, \
             'currency', currency, 'expected_close_date', expected_close_date, {}, 'owner', owner, \
             'fingerprint', fingerprint, {}, 'updated_at', updated_at",
            id("person_id"),
            id("organization_id"),
            json("labels"),
            json("custom_fields")
        ),
        Entity::Person => format!("{}, 'updated_at', updated_at", id("organization_id")),
        Entity::Organization => {
            "'domain', domain, 'website', website, 'address', address, 'updated_at', updated_at"
                .to_string()
        }
    }
}

pub(super) fn table(entity: Entity) -> &'static str {
    match entity {
        Entity::Lead => "leads",
        Entity::Person => "persons",
        Entity::Organization => "organizations",
    }
}

impl Tx {
    /// Saves these records as they are now, unless the run saved them before (then only the
    /// time of its latest change moves on, so that its own later changes are not taken for
    /// someone else's).
    pub async fn snapshot(
        &mut self,
        run: Id,
        entity: Entity,
        ids: &[Id],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let object = match self {
            Tx::Sqlite(_) => format!("json_object({})", fields(entity, true)),
            Tx::Postgres(_) => format!("jsonb_build_object({})", fields(entity, false)),
        };
        let ids_in = id_in_json(self, "id", 1);
        let sql = format!(
            "INSERT INTO run_changes (run_id, entity, entity_id, before, changed_at) \
             SELECT $2, '{}', id, {object}, $3 FROM {} WHERE {ids_in} \
             ON CONFLICT (run_id, entity, entity_id) DO UPDATE SET changed_at = excluded.changed_at",
            entity.as_str(),
            table(entity)
        );
        on_conn!(self, |conn| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(Json(ids))
                .bind(run)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}
