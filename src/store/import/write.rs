//! Writes: the organizations, persons, contacts and leads a batch creates or changes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;

use super::values::ValuesStatement;
use super::{Column, LeadWrite, Rows, json_rows};
use crate::dedup::{NewContact, NewOrganization, NewPerson, OrganizationFill};
use crate::model::Id;
use crate::store::{StoreError, Tx, on_conn};

#[derive(Debug, Clone, Copy)]
pub enum ContactKind {
    Email,
    Phone,
}

const ORGANIZATION: &[Column] = &[
    ("id", "uuid"),
    ("name", "text"),
    ("name_key", "text"),
    ("domain", "text"),
    ("website", "text"),
    ("address", "text"),
];
const ORGANIZATION_FILL: &[Column] = &[
    ("id", "uuid"),
    ("domain", "text"),
    ("website", "text"),
    ("address", "text"),
];
const PERSON: &[Column] = &[
    ("id", "uuid"),
    ("name", "text"),
    ("name_key", "text"),
    ("organization_id", "uuid"),
];
const PERSON_LINK: &[Column] = &[("person_id", "uuid"), ("organization_id", "uuid")];
const CONTACT: &[Column] = &[
    ("person_id", "uuid"),
    ("value", "text"),
    ("label", "text"),
    ("is_primary", "boolean"),
];
const LEAD: &[Column] = &[
    ("id", "uuid"),
    ("title", "text"),
    ("person_id", "uuid"),
    ("organization_id", "uuid"),
    ("value", "double precision"),
    ("currency", "text"),
    ("expected_close_date", "date"),
    ("labels", "jsonb"),
    ("owner", "text"),
    ("source_key", "text"),
    ("fingerprint", "text"),
    ("custom_fields", "jsonb"),
];

/// A lead as it travels in the JSON parameter.
#[derive(Serialize)]
struct LeadRow<'a> {
    id: Id,
    title: &'a str,
    person_id: Option<Id>,
    organization_id: Option<Id>,
    value: Option<f64>,
    currency: Option<&'a str>,
    expected_close_date: Option<NaiveDate>,
    labels: &'a [String],
    owner: Option<&'a str>,
    source_key: &'a str,
    fingerprint: &'a str,
    custom_fields: &'a BTreeMap<String, serde_json::Value>,
}

fn lead_rows<'a>(leads: &'a [LeadWrite<'a>]) -> Vec<LeadRow<'a>> {
    leads
        .iter()
        .map(|lead| {
            let draft = lead.draft;
            LeadRow {
                id: lead.id,
                title: &draft.title,
                person_id: lead.person_id,
                organization_id: lead.organization_id,
                value: draft.value.as_ref().map(|v| v.amount),
                currency: draft.value.as_ref().map(|v| v.currency.as_str()),
                expected_close_date: draft.expected_close_date,
                labels: &draft.labels,
                owner: draft.owner.as_deref(),
                source_key: lead.source_key,
                fingerprint: lead.fingerprint,
                custom_fields: &draft.custom_fields,
            }
        })
        .collect()
}

/// The binds that follow the rows parameter.
enum Extra {
    Run(Id),
    Now(DateTime<Utc>),
    NowAndRun(DateTime<Utc>, Id),
}

#[derive(Serialize)]
struct PersonLink {
    person_id: Id,
    organization_id: Id,
}

/// The statement that adds emails or phones on SQLite: an offered primary is kept only where
/// the person has none yet, and a contact already known is left as it is. `WHERE true`
/// tells SQLite's parser that ON CONFLICT is the upsert clause.
macro_rules! contact_statement {
    ($table:literal, $column:literal) => {
        ValuesStatement {
            template: concat!(
                "INSERT INTO ", $table, " (created_by_run, person_id, ", $column, ", label, is_primary) ",
                "SELECT column1, column2, column3, column4, CASE WHEN column5 AND NOT EXISTS (SELECT 1 FROM ",
                $table, " t WHERE t.person_id = j.column2 AND t.is_primary) THEN TRUE ELSE FALSE END ",
                "FROM (VALUES {values}) AS j WHERE true ON CONFLICT DO NOTHING"
            ),
            width: 5,
        }
    };
}

/// The same, where the plan's primaries are final: the store need not look for a
/// person's primary, a lookup per row that a bulk load, whose partial indexes are set
/// aside, would make in the table itself.
macro_rules! final_contact_statement {
    ($table:literal, $column:literal) => {
        ValuesStatement {
            template: concat!(
                "INSERT INTO ",
                $table,
                " (created_by_run, person_id, ",
                $column,
                ", label, is_primary) ",
                "VALUES {values} ON CONFLICT DO NOTHING"
            ),
            width: 5,
        }
    };
}

/// A time every row of a statement shares, as sqlx writes times to SQLite.
fn shared_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// JSON text of a value the store keeps as JSON (labels, custom fields).
fn json_text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("labels and custom fields serialize to JSON")
}

impl Tx {
    /// Runs `sql` with the rows as `$1`, then the binds of `extra` as `$2`, `$3`.
    async fn execute_rows<T: Serialize>(
        &mut self,
        sql: String,
        rows: &[T],
        extra: Extra,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        on_conn!(self, |conn| {
            let query = sqlx::query(AssertSqlSafe(sql)).bind(Json(Rows(rows)));
            let query = match extra {
                Extra::Run(run) => query.bind(run),
                Extra::Now(now) => query.bind(now),
                Extra::NowAndRun(now, run) => query.bind(now).bind(run),
            };
            query.execute(&mut *conn).await?;
        });
        Ok(())
    }

    pub async fn insert_organizations(
        &mut self,
        orgs: &[NewOrganization],
        run: Id,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if let Tx::Sqlite(tx) = self {
            const STATEMENT: ValuesStatement = ValuesStatement {
                template: "INSERT INTO organizations (created_by_run, created_at, updated_at, id, name, \
                           name_key, domain, website, address) VALUES {values}",
                width: 9,
            };
            let now = shared_time(now);
            let now = now.as_str();
            STATEMENT
                .execute(tx, orgs, move |binds, org| {
                    binds.add(run);
                    binds.add(now);
                    binds.add(now);
                    binds.add(org.id);
                    binds.add(org.name.as_str());
                    binds.add(org.name_key.as_str());
                    binds.add(org.domain.as_deref());
                    binds.add(org.website.as_deref());
                    binds.add(org.address.as_deref());
                })
                .await?;
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO organizations (id, name, name_key, domain, website, address, created_by_run, created_at, updated_at) \
             SELECT id, name, name_key, domain, website, address, $3, $2, $2 FROM ({}) AS j",
            json_rows(self, ORGANIZATION)
        );
        self.execute_rows(sql, orgs, Extra::NowAndRun(now, run))
            .await
    }

    /// Sets only the fields an organization has empty (COALESCE keeps what is there).
    pub async fn fill_organizations(
        &mut self,
        fills: &[OrganizationFill],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE organizations SET domain = COALESCE(organizations.domain, j.domain), \
             website = COALESCE(organizations.website, j.website), \
             address = COALESCE(organizations.address, j.address), updated_at = $2 \
             FROM ({}) AS j WHERE organizations.id = j.id",
            json_rows(self, ORGANIZATION_FILL)
        );
        self.execute_rows(sql, fills, Extra::Now(now)).await
    }

    pub async fn insert_persons(
        &mut self,
        persons: &[NewPerson],
        run: Id,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if let Tx::Sqlite(tx) = self {
            const STATEMENT: ValuesStatement = ValuesStatement {
                template: "INSERT INTO persons (created_by_run, created_at, updated_at, id, name, \
                           name_key, organization_id) VALUES {values}",
                width: 7,
            };
            let now = shared_time(now);
            let now = now.as_str();
            STATEMENT
                .execute(tx, persons, move |binds, person| {
                    binds.add(run);
                    binds.add(now);
                    binds.add(now);
                    binds.add(person.id);
                    binds.add(person.name.as_str());
                    binds.add(person.name_key.as_str());
                    binds.add(person.organization_id);
                })
                .await?;
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO persons (id, name, name_key, organization_id, created_by_run, created_at, updated_at) \
             SELECT id, name, name_key, organization_id, $3, $2, $2 FROM ({}) AS j",
            json_rows(self, PERSON)
        );
        self.execute_rows(sql, persons, Extra::NowAndRun(now, run))
            .await
    }

    /// Links matched persons that had no organization to the row's.
    pub async fn set_person_organizations(
        &mut self,
        links: &[(Id, Id)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let links: Vec<PersonLink> = links
            .iter()
            .map(|&(person_id, organization_id)| PersonLink {
                person_id,
                organization_id,
            })
            .collect();
        let sql = format!(
            "UPDATE persons SET organization_id = j.organization_id, updated_at = $2 \
             FROM ({}) AS j WHERE persons.id = j.person_id AND persons.organization_id IS NULL",
            json_rows(self, PERSON_LINK)
        );
        self.execute_rows(sql, &links, Extra::Now(now)).await
    }

    /// Adds emails or phones; one already known (to this person, or an email to anyone) is
    /// left as it is. Unless `primaries_final`, a contact's primary flag is an offer, kept
    /// only where the person has no primary yet; PostgreSQL always checks, which costs it
    /// little with its partial indexes in place.
    pub async fn insert_contacts(
        &mut self,
        kind: ContactKind,
        contacts: &[NewContact],
        primaries_final: bool,
        run: Id,
    ) -> Result<(), StoreError> {
        if let Tx::Sqlite(tx) = self {
            // The same statement as below, over bound values.
            const EMAILS: ValuesStatement = contact_statement!("person_emails", "email");
            const PHONES: ValuesStatement = contact_statement!("person_phones", "phone");
            const FINAL_EMAILS: ValuesStatement =
                final_contact_statement!("person_emails", "email");
            const FINAL_PHONES: ValuesStatement =
                final_contact_statement!("person_phones", "phone");
            let statement = match (kind, primaries_final) {
                (ContactKind::Email, false) => &EMAILS,
                (ContactKind::Phone, false) => &PHONES,
                (ContactKind::Email, true) => &FINAL_EMAILS,
                (ContactKind::Phone, true) => &FINAL_PHONES,
            };
            statement
                .execute(tx, contacts, move |binds, contact| {
                    binds.add(run);
                    binds.add(contact.person_id);
                    binds.add(contact.value.as_str());
                    binds.add(contact.label.as_str());
                    binds.add(contact.primary);
                })
                .await?;
            return Ok(());
        }
        let (table, column) = match kind {
            ContactKind::Email => ("person_emails", "email"),
            ContactKind::Phone => ("person_phones", "phone"),
        };
        // An offered primary is kept only where the person has none yet.
        let sql = format!(
            "INSERT INTO {table} (person_id, {column}, label, is_primary, created_by_run) \
             SELECT person_id, value, label, CASE WHEN is_primary AND NOT EXISTS \
             (SELECT 1 FROM {table} t WHERE t.person_id = j.person_id AND t.is_primary) THEN TRUE ELSE FALSE END, $2 \
             FROM ({}) AS j WHERE true ON CONFLICT DO NOTHING",
            json_rows(self, CONTACT)
        );
        self.execute_rows(sql, contacts, Extra::Run(run)).await
    }

    pub async fn insert_leads(
        &mut self,
        leads: &[LeadWrite<'_>],
        source: &str,
        run: Id,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if leads.is_empty() {
            return Ok(());
        }
        if let Tx::Sqlite(tx) = self {
            const STATEMENT: ValuesStatement = ValuesStatement {
                template: "INSERT INTO leads (origin_id, source_name, created_at, updated_at, id, title, \
                           person_id, organization_id, value, currency, expected_close_date, labels, owner, \
                           source_key, fingerprint, custom_fields) VALUES {values}",
                width: 16,
            };
            let now = shared_time(now);
            let now = now.as_str();
            STATEMENT
                .execute(tx, leads, move |binds, lead| {
                    let draft = lead.draft;
                    binds.add(run);
                    binds.add(source);
                    binds.add(now);
                    binds.add(now);
                    binds.add(lead.id);
                    binds.add(draft.title.as_str());
                    binds.add(lead.person_id);
                    binds.add(lead.organization_id);
                    binds.add(draft.value.as_ref().map(|v| v.amount));
                    binds.add(draft.value.as_ref().map(|v| v.currency.as_str()));
                    binds.add(draft.expected_close_date);
                    binds.add(json_text(&draft.labels));
                    binds.add(draft.owner.as_deref());
                    binds.add(lead.source_key);
                    binds.add(lead.fingerprint);
                    binds.add(json_text(&draft.custom_fields));
                })
                .await?;
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO leads (id, title, person_id, organization_id, value, currency, expected_close_date, labels, \
             owner, origin, origin_id, source_name, source_key, fingerprint, custom_fields, created_at, updated_at) \
             SELECT id, title, person_id, organization_id, value, currency, expected_close_date, labels, owner, \
             'import', $3, $4, source_key, fingerprint, custom_fields, $2, $2 FROM ({}) AS j",
            json_rows(self, LEAD)
        );
        let rows = lead_rows(leads);
        on_conn!(self, |conn| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(Json(Rows(&rows)))
                .bind(now)
                .bind(run)
                .bind(source)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Rewrites leads whose source record changed since the last import.
    pub async fn update_leads(
        &mut self,
        leads: &[LeadWrite<'_>],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE leads SET title = j.title, person_id = j.person_id, organization_id = j.organization_id, \
             value = j.value, currency = j.currency, expected_close_date = j.expected_close_date, labels = j.labels, \
             owner = j.owner, fingerprint = j.fingerprint, custom_fields = j.custom_fields, updated_at = $2 \
             FROM ({}) AS j WHERE leads.id = j.id",
            json_rows(self, LEAD)
        );
        self.execute_rows(sql, &lead_rows(leads), Extra::Now(now))
            .await
    }
}
