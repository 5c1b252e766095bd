//! Reverting a run, in one transaction: conflicts are found first; a dry run, or a run with
//! conflicts and no `force`, rolls everything back after counting what it would do.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Row};

use super::{Conflict, RevertReport};
use crate::model::Id;
use crate::store::deals::LeadRecord;
use crate::store::journal::process_is_gone;
use crate::store::sql::id_from_text;
use crate::store::{Store, StoreError, Tx, on_conn};

#[derive(Debug, Clone, Copy, Default)]
pub struct RevertOptions {
    pub dry_run: bool,
    /// Revert also records changed since, and leave only those still in use.
    pub force: bool,
}

/// A lead's fields as the run found them.
#[derive(Deserialize)]
struct LeadBefore {
    title: String,
    person_id: Option<Id>,
    organization_id: Option<Id>,
    value: Option<f64>,
    currency: Option<String>,
    expected_close_date: Option<NaiveDate>,
    labels: Vec<String>,
    owner: Option<String>,
    fingerprint: Option<String>,
    custom_fields: serde_json::Value,
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct PersonBefore {
    organization_id: Option<Id>,
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct OrganizationBefore {
    domain: Option<String>,
    website: Option<String>,
    address: Option<String>,
    updated_at: DateTime<Utc>,
}

/// Why a revert cannot start at all.
#[derive(Debug, thiserror::Error)]
pub enum RevertError {
    #[error("run `{0}` does not exist")]
    UnknownRun(Id),
    #[error("run `{0}` is still running; wait for it to end (or stop it) and revert it then")]
    Running(Id),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RevertError {
    fn from(err: sqlx::Error) -> Self {
        RevertError::Store(StoreError::Query(err))
    }
}

impl Store {
    /// Reverts run `id` (see the module docs).
    pub async fn revert_run(
        &self,
        id: Id,
        options: RevertOptions,
    ) -> Result<RevertReport, RevertError> {
        // Decided before the transaction: SQLite's one connection is the transaction's then.
        if let Some(run) = self.show_run(id).await?
            && run.status == "running"
            && !process_is_gone(run.pid, run.host.as_deref())
        {
            return Err(RevertError::Running(id));
        }
        let mut tx = self.begin().await?;
        let row: Option<(String, String)> = on_conn!(&mut tx, |conn| {
            sqlx::query_as("SELECT kind, status FROM import_runs WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some((kind, status)) = row else {
            return Err(RevertError::UnknownRun(id));
        };
        let mut report = RevertReport {
            run: Some(id),
            kind: kind.clone(),
            dry_run: options.dry_run,
            ..Default::default()
        };
        if status == "reverted" {
            report.already_reverted = true;
            tx.rollback().await?;
            return Ok(report);
        }
        // An import run may have converted leads by the job's rules: those go first.
        tx.find_conversion_conflicts(id, &mut report).await?;
        if kind == "import" {
            tx.find_import_conflicts(id, &mut report).await?;
        }
        let hold = !report.conflicts.is_empty() && !options.force;
        if !hold {
            tx.undo_conversions(id, options.force, &mut report).await?;
            if kind == "import" {
                tx.undo_import(id, &mut report).await?;
            }
            on_conn!(&mut tx, |conn| {
                sqlx::query("UPDATE import_runs SET status = 'reverted', finished_at = COALESCE(finished_at, $1) WHERE id = $2")
                    .bind(Utc::now())
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            });
        }
        if !hold {
            // Forced: what changed since was reverted all the same; what is in use stays.
            for conflict in &mut report.conflicts {
                conflict.overridden = conflict.reason.starts_with("changed since");
            }
        }
        if options.dry_run || hold {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
            report.applied = true;
        }
        Ok(report)
    }
}

/// A saved record read back; one that does not read is a store error like any bad column.
fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|err| StoreError::Query(sqlx::Error::Decode(err.into())))
}

/// Ids (as text) of the rows a query returns in its first column.
macro_rules! ids {
    ($tx:expr, $sql:expr, $run:expr) => {{
        let sql = AssertSqlSafe($sql);
        let rows: Vec<String> = on_conn!($tx, |conn| {
            sqlx::query(sql)
                .bind($run)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|row| row.try_get::<Id, _>(0).map(|id| id.to_string()))
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows
    }};
}

/// Rows `(id, before)` the run saved for one kind of record that still exists.
macro_rules! befores {
    ($tx:expr, $entity:literal, $table:literal, $run:expr) => {{
        let sql = concat!(
            "SELECT c.entity_id, c.before FROM run_changes c JOIN ",
            $table,
            " t ON t.id = c.entity_id WHERE c.run_id = $1 AND c.entity = '",
            $entity,
            "'"
        );
        let rows: Vec<(Id, serde_json::Value)> = on_conn!($tx, |conn| {
            sqlx::query(sql)
                .bind($run)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|row| {
                    Ok((
                        row.try_get::<Id, _>(0)?,
                        row.try_get::<Json<serde_json::Value>, _>(1)?.0,
                    ))
                })
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows
    }};
}

/// A person or organization still used by records of other runs.
const PERSON_IN_USE: &str = "(EXISTS (SELECT 1 FROM leads l WHERE l.person_id = p.id AND (l.origin_id IS NULL OR l.origin_id <> $1) \
         AND NOT EXISTS (SELECT 1 FROM run_changes rc WHERE rc.run_id = $1 AND rc.entity = 'lead' AND rc.entity_id = l.id)) \
     OR EXISTS (SELECT 1 FROM deals d WHERE d.person_id = p.id AND NOT EXISTS \
         (SELECT 1 FROM conversions c WHERE c.deal_id = d.id AND c.run_id = $1)) \
     OR EXISTS (SELECT 1 FROM deal_participants dp WHERE dp.person_id = p.id) \
     OR EXISTS (SELECT 1 FROM person_emails e WHERE e.person_id = p.id AND (e.created_by_run IS NULL OR e.created_by_run <> $1)) \
     OR EXISTS (SELECT 1 FROM person_phones f WHERE f.person_id = p.id AND (f.created_by_run IS NULL OR f.created_by_run <> $1)))";
/// An organization is in use by a lead or deal of another run, or by any person that stays
/// (one of another run, or one of this run that is itself still in use).
fn organization_in_use() -> String {
    format!(
        "(EXISTS (SELECT 1 FROM leads l WHERE l.organization_id = o.id AND (l.origin_id IS NULL OR l.origin_id <> $1) \
             AND NOT EXISTS (SELECT 1 FROM run_changes rc WHERE rc.run_id = $1 AND rc.entity = 'lead' AND rc.entity_id = l.id)) \
         OR EXISTS (SELECT 1 FROM persons p WHERE p.organization_id = o.id AND (p.created_by_run IS NULL \
             OR p.created_by_run <> $1 OR {PERSON_IN_USE})) \
         OR EXISTS (SELECT 1 FROM deals d WHERE d.organization_id = o.id AND NOT EXISTS \
             (SELECT 1 FROM conversions c WHERE c.deal_id = d.id AND c.run_id = $1)))"
    )
}

impl Tx {
    async fn find_import_conflicts(
        &mut self,
        run: Id,
        report: &mut RevertReport,
    ) -> Result<(), StoreError> {
        let mut add = |entity: &str, ids: Vec<String>, reason: &str| {
            report.conflicts.extend(ids.into_iter().map(|id| Conflict {
                entity: entity.to_string(),
                id,
                reason: reason.to_string(),
                overridden: false,
            }));
        };
        let changed = "changed since the run";
        add(
            "lead",
            ids!(
                self,
                "SELECT id FROM leads WHERE origin_id = $1 AND updated_at > created_at".to_string(),
                run
            ),
            changed,
        );
        for (entity, table) in [
            ("lead", "leads"),
            ("person", "persons"),
            ("organization", "organizations"),
        ] {
            let sql = format!(
                "SELECT c.entity_id FROM run_changes c JOIN {table} t ON t.id = c.entity_id \
                 WHERE c.run_id = $1 AND c.entity = '{entity}' AND t.updated_at > c.changed_at"
            );
            add(entity, ids!(self, sql, run), changed);
        }
        let gone = "converted into a deal since the run; revert that conversion first";
        add(
            "lead",
            ids!(
                self,
                "SELECT c.entity_id FROM run_changes c WHERE c.run_id = $1 AND c.entity = 'lead' \
             AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = c.entity_id) \
             AND c.entity_id NOT IN (SELECT lead_id FROM conversions WHERE run_id = $1)"
                    .to_string(),
                run
            ),
            gone,
        );
        let origin = format!("{} = $1", id_from_text(self, "lead ->> 'origin_id'"));
        add(
            "lead",
            ids!(
                self,
                format!(
                    "SELECT lead_id FROM conversions WHERE {origin} \
             AND (run_id IS NULL OR run_id <> $1)"
                ),
                run
            ),
            gone,
        );
        let used = "still used by records of other runs";
        add(
            "person",
            ids!(
                self,
                format!(
                    "SELECT p.id FROM persons p WHERE p.created_by_run = $1 AND {PERSON_IN_USE}"
                ),
                run
            ),
            used,
        );
        add(
            "organization",
            ids!(
                self,
                format!(
                    "SELECT o.id FROM organizations o WHERE o.created_by_run = $1 AND {}",
                    organization_in_use()
                ),
                run
            ),
            used,
        );
        Ok(())
    }

    async fn undo_import(&mut self, run: Id, report: &mut RevertReport) -> Result<(), StoreError> {
        for (id, before) in befores!(self, "lead", "leads", run) {
            let before: LeadBefore = decode(before)?;
            on_conn!(self, |conn| {
                sqlx::query(
                    "UPDATE leads SET title = $1, person_id = $2, organization_id = $3, value = $4, currency = $5, \
                     expected_close_date = $6, labels = $7, owner = $8, fingerprint = $9, custom_fields = $10, \
                     updated_at = $11 WHERE id = $12",
                )
                .bind(&before.title)
                .bind(before.person_id)
                .bind(before.organization_id)
                .bind(before.value)
                .bind(&before.currency)
                .bind(before.expected_close_date)
                .bind(Json(&before.labels))
                .bind(&before.owner)
                .bind(&before.fingerprint)
                .bind(Json(&before.custom_fields))
                .bind(before.updated_at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            });
            report.leads_restored += 1;
        }
        for (id, before) in befores!(self, "person", "persons", run) {
            let before: PersonBefore = decode(before)?;
            on_conn!(self, |conn| {
                sqlx::query(
                    "UPDATE persons SET organization_id = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(before.organization_id)
                .bind(before.updated_at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            });
            report.persons_restored += 1;
        }
        for (id, before) in befores!(self, "organization", "organizations", run) {
            let before: OrganizationBefore = decode(before)?;
            on_conn!(self, |conn| {
                sqlx::query(
                    "UPDATE organizations SET domain = $1, website = $2, address = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(&before.domain)
                .bind(&before.website)
                .bind(&before.address)
                .bind(before.updated_at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            });
            report.organizations_restored += 1;
        }
        report.leads_deleted += self
            .execute_for(run, "DELETE FROM leads WHERE origin_id = $1".into())
            .await?;
        report.contacts_deleted += self
            .execute_for(
                run,
                "DELETE FROM person_emails WHERE created_by_run = $1".into(),
            )
            .await?;
        report.contacts_deleted += self
            .execute_for(
                run,
                "DELETE FROM person_phones WHERE created_by_run = $1".into(),
            )
            .await?;
        report.persons_deleted += self
            .execute_for(run, format!("DELETE FROM persons WHERE id IN (SELECT p.id FROM persons p WHERE p.created_by_run = $1 AND NOT {PERSON_IN_USE})"))
            .await?;
        report.organizations_deleted += self
            .execute_for(run, format!("DELETE FROM organizations WHERE id IN (SELECT o.id FROM organizations o WHERE o.created_by_run = $1 AND NOT {})", organization_in_use()))
            .await?;
        // The next run reads the source from the start again.
        self.execute_for(run, "DELETE FROM source_cursors WHERE run_id = $1".into())
            .await?;
        Ok(())
    }

    async fn find_conversion_conflicts(
        &mut self,
        run: Id,
        report: &mut RevertReport,
    ) -> Result<(), StoreError> {
        let changed = ids!(
            self,
            "SELECT d.id FROM conversions c JOIN deals d ON d.id = c.deal_id WHERE c.run_id = $1 \
             AND (d.status <> 'open' OR (SELECT COUNT(*) FROM deal_changes x WHERE x.deal_id = d.id) > 1)"
                .to_string(),
            run
        );
        report
            .conflicts
            .extend(changed.into_iter().map(|id| Conflict {
                entity: "deal".to_string(),
                id,
                reason: "changed since the conversion (moved, won or lost)".to_string(),
                overridden: false,
            }));
        Ok(())
    }

    async fn undo_conversions(
        &mut self,
        run: Id,
        force: bool,
        report: &mut RevertReport,
    ) -> Result<(), StoreError> {
        let unchanged = if force {
            ""
        } else {
            " AND d.status = 'open' AND (SELECT COUNT(*) FROM deal_changes x WHERE x.deal_id = d.id) <= 1"
        };
        let sql = format!(
            "SELECT c.deal_id, c.lead FROM conversions c JOIN deals d ON d.id = c.deal_id WHERE c.run_id = $1{unchanged}"
        );
        let conversions: Vec<(Id, serde_json::Value)> = on_conn!(self, |conn| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(run)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|row| {
                    Ok((
                        row.try_get::<Id, _>(0)?,
                        row.try_get::<Json<serde_json::Value>, _>(1)?.0,
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        for (deal, lead) in conversions {
            let lead: LeadRecord = decode(lead)?;
            on_conn!(self, |conn| {
                sqlx::query("DELETE FROM conversions WHERE deal_id = $1")
                    .bind(deal)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM deals WHERE id = $1")
                    .bind(deal)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "INSERT INTO leads (id, title, person_id, organization_id, value, currency, expected_close_date, \
                     labels, owner, origin, origin_id, source_name, source_key, fingerprint, custom_fields, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                )
                .bind(lead.id)
                .bind(&lead.title)
                .bind(lead.person_id)
                .bind(lead.organization_id)
                .bind(lead.value)
                .bind(&lead.currency)
                .bind(lead.expected_close_date)
                .bind(Json(&lead.labels))
                .bind(&lead.owner)
                .bind(&lead.origin)
                .bind(lead.origin_id)
                .bind(&lead.source_name)
                .bind(&lead.source_key)
                .bind(&lead.fingerprint)
                .bind(Json(&lead.custom_fields))
                .bind(lead.created_at)
                .bind(lead.updated_at)
                .execute(&mut *conn)
                .await?;
            });
            report.deals_deleted += 1;
            report.leads_returned += 1;
        }
        Ok(())
    }

    /// Runs a statement with the run as `$1`; returns the rows it touched.
    async fn execute_for(&mut self, run: Id, sql: String) -> Result<u64, StoreError> {
        Ok(on_conn!(self, |conn| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(run)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }))
    }
}
