//! SQLite batch writes with bound parameters. A statement takes a multi-row `VALUES` list,
//! so SQLite reads each value straight from its bind; a JSON parameter would be parsed
//! again for every field read out of it, which is most of a bulk load's time.
//!
//! Lists come in a few fixed sizes, so each size is prepared once and then found in the
//! connection's statement cache whatever the batch size.

use sqlx::encode::Encode;
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, Sqlite, Type};

/// Rows per statement, largest first; a batch is cut into statements of these sizes.
/// 256 rows of the widest table stay far below SQLite's 32,766 parameters.
const CHUNKS: [usize; 4] = [256, 32, 4, 1];

/// A statement over a `VALUES` list: `template` holds `{values}` where the list goes, and
/// each row brings `width` values. Placeholders are anonymous: SQLite looks a numbered one
/// up by a linear search, which makes a long list quadratic. Values every row shares are
/// bound again for each, as an `Arc<str>` so that costs no copy.
pub(crate) struct ValuesStatement {
    pub template: &'static str,
    pub width: usize,
}

/// The binds of one statement, in order.
pub(crate) struct Binds(SqliteArguments);

impl Binds {
    pub fn add<'q, T: Encode<'q, Sqlite> + Type<Sqlite> + 'q>(&mut self, value: T) {
        // Encoding into SQLite's own values cannot fail for the types the store binds.
        self.0.add(value).expect("a store value encodes for SQLite");
    }
}

impl ValuesStatement {
    /// The SQL for `rows` rows.
    fn sql(&self, rows: usize) -> String {
        let row = format!("({})", vec!["?"; self.width].join(", "));
        self.template
            .replace("{values}", &vec![row.as_str(); rows].join(", "))
    }

    /// Runs the statement over all of `rows`.
    pub async fn execute<T>(
        &self,
        conn: &mut SqliteConnection,
        rows: &[T],
        row: impl Fn(&mut Binds, &T),
    ) -> Result<(), sqlx::Error> {
        let mut rest = rows;
        while !rest.is_empty() {
            let size = CHUNKS
                .into_iter()
                .find(|&size| size <= rest.len())
                .expect("the smallest chunk is one row");
            let (chunk, after) = rest.split_at(size);
            let mut binds = Binds(SqliteArguments::default());
            binds.0.reserve(size * self.width, 0);
            for item in chunk {
                row(&mut binds, item);
            }
            sqlx::query_with(AssertSqlSafe(self.sql(size)), binds.0)
                .execute(&mut *conn)
                .await?;
            rest = after;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
