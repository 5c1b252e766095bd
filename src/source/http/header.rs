//! The header of an HTTP source, and records laid out in its order.

use std::collections::{HashMap, HashSet};

use csv::StringRecord;

use super::records::{Fields, Unreadable};

/// The column names a mapping refers to: configured, or learned from the first page.
pub(super) struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// A learned header warns about fields met later outside it, each once; a configured
    /// one leaves them out on purpose.
    warned: Option<HashSet<String>>,
}

impl Header {
    /// The configured `columns`.
    pub fn fixed(names: Vec<String>) -> Header {
        Header::new(names, false)
    }

    fn new(names: Vec<String>, warn: bool) -> Header {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .rev()
            .collect();
        Header {
            names,
            index,
            warned: warn.then(HashSet::new),
        }
    }

    /// Every field name of the first page's records, in the order first met.
    pub fn learn(items: &[Result<Fields, Unreadable>]) -> Header {
        let mut seen = HashSet::new();
        let names = items
            .iter()
            .flatten()
            .flatten()
            .filter(|(name, _)| seen.insert(name.as_str()))
            .map(|(name, _)| name.clone())
            .collect();
        Header::new(names, true)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The record's cells in header order; a field the header lacks is left out, with a
    /// warning the first time it is met.
    pub fn cells(&mut self, fields: &Fields, source: &str) -> StringRecord {
        let mut cells = vec![""; self.names.len()];
        for (name, value) in fields {
            match self.index.get(name) {
                Some(&i) => cells[i] = value,
                None if self.warned.as_mut().is_some_and(|w| w.insert(name.clone())) => {
                    tracing::warn!(
                    source,
                    field = %name,
                    "field is not in the header learned from the first page and is left out; \
                     list it in `columns` to read it"
                    )
                }
                None => {}
            }
        }
        StringRecord::from(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn learned_header_is_the_union_in_first_seen_order() {
        let items = vec![
            Ok(fields(&[("id", "1"), ("email", "a@x.test")])),
            Err(Unreadable {
                reason: "bad".into(),
                cells: vec![],
            }),
            Ok(fields(&[("id", "2"), ("phone", "+1")])),
        ];
        let mut header = Header::learn(&items);
        assert_eq!(header.names(), ["id", "email", "phone"]);
        let cells = header.cells(&fields(&[("phone", "+2"), ("id", "3"), ("fax", "x")]), "s");
        assert_eq!(cells, StringRecord::from(vec!["3", "", "+2"]));
    }
}
