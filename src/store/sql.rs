//! SQL text shared by the store's modules: batch data travels as one JSON parameter per
//! statement, read back as rows or as a list of keys.

use super::Tx;

/// A column read out of a JSON row: its name and its PostgreSQL type.
pub(crate) type Column = (&'static str, &'static str);

/// A `SELECT` that turns the JSON array of objects in parameter `$1` into typed rows.
pub(crate) fn json_rows(tx: &Tx, columns: &[Column]) -> String {
    match tx {
        Tx::Sqlite(_) => {
            let fields: Vec<String> = columns
                .iter()
                .map(|(name, ty)| match *ty {
                    // `->` keeps JSON as JSON text; `->>` unwraps scalars.
                    "jsonb" => format!("value -> '{name}' AS {name}"),
                    "uuid" => {
                        let text = format!("value ->> '{name}'");
                        format!("{} AS {name}", id_from_text(tx, &text))
                    }
                    _ => format!("value ->> '{name}' AS {name}"),
                })
                .collect();
            format!("SELECT {} FROM json_each($1)", fields.join(", "))
        }
        Tx::Postgres(_) => {
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let types: Vec<String> = columns
                .iter()
                .map(|(name, ty)| format!("{name} {ty}"))
                .collect();
            format!(
                "SELECT {} FROM jsonb_to_recordset($1) AS j({})",
                names.join(", "),
                types.join(", ")
            )
        }
    }
}

/// The id that the SQL expression `text` gives as UUID text (with or without hyphens), as
/// the store keeps ids: its 16 bytes in SQLite, a `uuid` in PostgreSQL.
pub(crate) fn id_from_text(tx: &Tx, text: &str) -> String {
    match tx {
        Tx::Sqlite(_) => format!("unhex({text}, '-')"),
        Tx::Postgres(_) => format!("({text})::uuid"),
    }
}

/// A `SELECT` of the strings in the JSON array of parameter `$n`.
fn json_texts(tx: &Tx, n: usize) -> String {
    match tx {
        Tx::Sqlite(_) => format!("SELECT value FROM json_each(${n})"),
        Tx::Postgres(_) => format!("SELECT jsonb_array_elements_text(${n})"),
    }
}

/// A `SELECT` of the ids in the JSON array of parameter `$n`, as the store keeps them.
pub(crate) fn json_ids(tx: &Tx, n: usize) -> String {
    match tx {
        Tx::Sqlite(_) => format!("SELECT {} FROM json_each(${n})", id_from_text(tx, "value")),
        Tx::Postgres(_) => format!(
            "SELECT {}",
            id_from_text(tx, &format!("jsonb_array_elements_text(${n})"))
        ),
    }
}

/// The condition "`column` is one of the values the `SELECT` `list` gives". PostgreSQL gets
/// an array (`= ANY`), whose size its planner knows, so it picks the index; given a
/// set-returning function it guesses 100 rows and may scan the table instead.
fn one_of(tx: &Tx, column: &str, list: &str) -> String {
    match tx {
        Tx::Sqlite(_) => format!("{column} IN ({list})"),
        Tx::Postgres(_) => format!("{column} = ANY(ARRAY({list}))"),
    }
}

/// The condition "`column` is one of the ids of the JSON array in parameter `$n`".
pub(crate) fn id_in_json(tx: &Tx, column: &str, n: usize) -> String {
    one_of(tx, column, &json_ids(tx, n))
}

/// The condition "`column` is one of the strings of the JSON array in parameter `$n`".
pub(super) fn in_json(tx: &Tx, column: &str, n: usize) -> String {
    one_of(tx, column, &json_texts(tx, n))
}
