//! SQLite batch writes with bound parameters. A statement takes a multi-row `VALUES` list,
//! so SQLite reads each value straight from its bind; a JSON parameter would be parsed
//! again for every field read out of it, which is most of a bulk load's time. Values are
//! bound where they already are, on the connection sqlx holds locked for us (see `raw`).
//! Rows go in the order given, all in the caller's transaction.

use chrono::{Datelike, NaiveDate};
use sqlx::sqlite::SqliteConnection;

use super::raw::{Locked, Statement, Value};
use crate::model::Id;

/// A statement over a `VALUES` list: `template` holds `{values}` where the list goes, and
/// each row brings `width` values. Placeholders are anonymous: SQLite looks a numbered one
/// up by a linear search, which makes a long list quadratic. Values every row shares are
/// bound again for each, which costs no copy.
pub(crate) struct ValuesStatement {
    pub template: &'static str,
    pub width: usize,
}

/// The values of the rows of one statement, in order.
pub(crate) struct Binds<'a>(Vec<Value<'a>>);

impl<'a> Binds<'a> {
    pub fn add(&mut self, value: impl Into<Value<'a>>) {
        self.0.push(value.into());
    }
}

/// Rows per statement, largest first; a batch is cut into statements of these sizes, each
/// prepared once per call. A statement of many rows opens its tables once for all of them.
/// 256 rows of the widest table stay far below SQLite's 32,766 parameters.
const CHUNKS: [usize; 4] = [256, 32, 4, 1];

impl ValuesStatement {
    /// The SQL for `rows` rows.
    fn sql(&self, rows: usize) -> String {
        let row = format!("({})", vec!["?"; self.width].join(", "));
        self.template
            .replace("{values}", &vec![row.as_str(); rows].join(", "))
    }

    /// Runs the statement over all of `rows`.
    pub async fn execute<'a, T>(
        &self,
        conn: &mut SqliteConnection,
        rows: &'a [T],
        row: impl Fn(&mut Binds<'a>, &'a T),
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut handle = conn.lock_handle().await?;
        let locked = Locked::new(&mut handle);
        let mut prepared: [Option<Statement<'_>>; CHUNKS.len()] = Default::default();
        let mut binds = Binds(Vec::with_capacity(CHUNKS[0] * self.width));
        let mut rest = rows;
        while !rest.is_empty() {
            let (slot, size) = CHUNKS
                .into_iter()
                .enumerate()
                .find(|&(_, size)| size <= rest.len())
                .expect("the smallest chunk is one row");
            let (chunk, after) = rest.split_at(size);
            binds.0.clear();
            for item in chunk {
                row(&mut binds, item);
            }
            let statement = match &mut prepared[slot] {
                Some(statement) => statement,
                unprepared => unprepared.insert(locked.prepare(&self.sql(size))?),
            };
            statement.run(&binds.0)?;
            rest = after;
        }
        Ok(())
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Self {
        Value::Text(text)
    }
}

impl From<String> for Value<'_> {
    fn from(text: String) -> Self {
        Value::OwnedText(text)
    }
}

impl From<Id> for Value<'_> {
    fn from(id: Id) -> Self {
        Value::Id(*id.0.as_bytes())
    }
}

impl From<bool> for Value<'_> {
    fn from(flag: bool) -> Self {
        Value::Integer(i64::from(flag))
    }
}

impl From<f64> for Value<'_> {
    fn from(number: f64) -> Self {
        Value::Real(number)
    }
}

/// A date as sqlx writes one to SQLite: `YYYY-MM-DD` (`%F`). For four-digit years that is
/// the date's `Display`, which writes it without reading a format for every row.
impl From<NaiveDate> for Value<'_> {
    fn from(date: NaiveDate) -> Self {
        let text = if (0..=9999).contains(&date.year()) {
            date.to_string()
        } else {
            date.format("%F").to_string()
        };
        Value::OwnedText(text)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_sqlx_writes_them() {
        for (y, m, d) in [
            (2027, 2, 20),
            (1900, 1, 1),
            (33, 12, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-5, 3, 4),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            let sqlx = date.format("%F").to_string();
            assert_eq!(Value::from(date), Value::OwnedText(sqlx), "{date:?}");
        }
    }

    #[test]
    fn lists_one_tuple_per_row() {
        let statement = ValuesStatement {
            template: "INSERT INTO t (a, b) VALUES {values}",
            width: 2,
        };
        assert_eq!(
            statement.sql(3),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)"
        );
    }

    #[test]
    fn values_are_stored_as_sqlx_stores_them() {
        let date = NaiveDate::from_ymd_opt(2027, 2, 3).expect("a date");
        assert_eq!(Value::from(date), Value::OwnedText("2027-02-03".into()));
        assert_eq!(Value::from(true), Value::Integer(1));
        assert_eq!(Value::from(None::<&str>), Value::Null);
        let id = Id::new();
        assert_eq!(Value::from(Some(id)), Value::Id(*id.0.as_bytes()));
    }

    async fn memory() -> SqliteConnection {
        use sqlx::Connection;
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        sqlx::raw_sql(
            "CREATE TABLE t (id BLOB PRIMARY KEY, name TEXT NOT NULL, day TEXT, amount REAL, flag INTEGER)",
        )
        .execute(&mut conn)
        .await
        .expect("a table");
        conn
    }

    const INSERT: ValuesStatement = ValuesStatement {
        template: "INSERT INTO t (id, name, day, amount, flag) VALUES {values}",
        width: 5,
    };

    struct Row {
        id: Id,
        name: String,
        day: Option<NaiveDate>,
        amount: Option<f64>,
    }

    fn rows(count: usize) -> Vec<Row> {
        (0..count)
            .map(|i| Row {
                id: Id::new(),
                name: format!("row {i}"),
                day: (i % 2 == 0)
                    .then(|| NaiveDate::from_ymd_opt(2027, 1, 1 + (i % 28) as u32))
                    .flatten(),
                amount: (i % 3 == 0).then_some(i as f64 / 4.0),
            })
            .collect()
    }

    fn bind<'a>(binds: &mut Binds<'a>, row: &'a Row) {
        binds.add(row.id);
        binds.add(row.name.as_str());
        binds.add(row.day);
        binds.add(row.amount);
        binds.add(row.name.len().is_multiple_of(2));
    }

    /// A row of `t` as sqlx reads it back.
    type StoredRow = (Id, String, Option<NaiveDate>, Option<f64>, bool);

    #[tokio::test]
    async fn every_row_is_stored_as_sqlx_reads_it() {
        let mut conn = memory().await;
        // Every statement size, and a remainder of each.
        let written = rows(256 + 2 * 32 + 3 * 4 + 1);
        INSERT
            .execute(&mut conn, &written, bind)
            .await
            .expect("the rows go in");
        let read: Vec<StoredRow> =
            sqlx::query_as("SELECT id, name, day, amount, flag FROM t ORDER BY rowid")
                .fetch_all(&mut conn)
                .await
                .expect("the rows read back");
        assert_eq!(read.len(), written.len());
        for (row, (id, name, day, amount, flag)) in written.iter().zip(read) {
            assert_eq!(
                (id, &name, day, amount),
                (row.id, &row.name, row.day, row.amount)
            );
            assert_eq!(flag, row.name.len().is_multiple_of(2));
        }
    }

    #[tokio::test]
    async fn a_constraint_failure_is_reported_as_sqlx_reports_it() {
        let mut conn = memory().await;
        let mut written = rows(3);
        written[2].id = written[0].id;
        let err = INSERT
            .execute(&mut conn, &written, bind)
            .await
            .expect_err("the same id twice");
        let sqlx::Error::Database(db) = &err else {
            panic!("a database error, not {err}");
        };
        assert_eq!(db.code().as_deref(), Some("1555"));
        assert!(
            db.message().contains("UNIQUE constraint failed: t.id"),
            "{err}"
        );
        assert!(crate::store::StoreError::from(err).is_unique_violation());
    }
}
