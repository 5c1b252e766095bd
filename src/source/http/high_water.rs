//! The incremental cursor: the highest value of one field among the records read.

use std::cmp::Ordering;

use super::records::Fields;

pub(super) struct HighWater {
    field: String,
    /// Starts at the stored cursor, so that a run that reads nothing (or only older records
    /// from an API that ignores the parameter) never moves it back.
    value: Option<String>,
}

impl HighWater {
    pub fn new(field: &str, stored: Option<String>) -> HighWater {
        HighWater {
            field: field.to_string(),
            value: stored,
        }
    }

    /// The record's cursor value, if it has a non-empty one.
    pub fn value_in(&self, fields: &Fields) -> Option<String> {
        fields
            .iter()
            .find(|(name, value)| *name == self.field && !value.is_empty())
            .map(|(_, value)| value.clone())
    }

    pub fn observe(&mut self, value: String) {
        let higher = match &self.value {
            Some(current) => compare(&value, current) == Ordering::Greater,
            None => true,
        };
        if higher {
            self.value = Some(value);
        }
    }

    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// As numbers when both are numbers (`9` < `10`), else as text (ISO 8601 timestamps in one
/// zone sort as text).
fn compare(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_as_numbers_and_text_as_text() {
        assert_eq!(compare("9", "10"), Ordering::Less);
        assert_eq!(compare("10.5", "10"), Ordering::Greater);
        assert_eq!(
            compare("2024-05-02T00:00:00Z", "2024-04-30T23:59:59Z"),
            Ordering::Greater
        );
        assert_eq!(compare("b", "10"), Ordering::Greater);
    }

    #[test]
    fn keeps_the_highest_and_starts_at_the_stored_cursor() {
        let mut mark = HighWater::new("n", Some("5".into()));
        mark.observe("3".into());
        assert_eq!(mark.value(), Some("5"));
        mark.observe("12".into());
        mark.observe("7".into());
        assert_eq!(mark.value(), Some("12"));
    }
}
