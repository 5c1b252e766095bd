//! The error budget: how many rejected rows a run tolerates.

/// A count of rows, or a share of the rows read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorBudget {
    Rows(u64),
    Percent(f64),
}

impl Default for ErrorBudget {
    fn default() -> Self {
        ErrorBudget::Rows(100)
    }
}

impl ErrorBudget {
    pub fn parse(value: &toml::Value) -> Result<ErrorBudget, String> {
        match value {
            toml::Value::Integer(n) if *n >= 0 => Ok(ErrorBudget::Rows(*n as u64)),
            toml::Value::String(text) => {
                let percent = text
                    .trim()
                    .strip_suffix('%')
                    .and_then(|n| n.trim().parse::<f64>().ok());
                match percent {
                    Some(p) if (0.0..=100.0).contains(&p) => Ok(ErrorBudget::Percent(p)),
                    _ => Err(format!("`{text}` is not a percentage like \"2%\"")),
                }
            }
            other => Err(format!(
                "`{other}` is neither a row count nor a percentage like \"2%\""
            )),
        }
    }

    /// Whether `rejected` rows out of `read` is over budget. A percentage is judged on the
    /// rows read so far, so a bad start stops a run early rather than after the whole file.
    pub fn is_spent(&self, rejected: u64, read: u64) -> bool {
        match *self {
            ErrorBudget::Rows(limit) => rejected > limit,
            ErrorBudget::Percent(p) => read > 0 && (rejected as f64) * 100.0 > p * (read as f64),
        }
    }
}

impl std::fmt::Display for ErrorBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorBudget::Rows(1) => write!(f, "1 row"),
            ErrorBudget::Rows(n) => write!(f, "{n} rows"),
            ErrorBudget::Percent(p) => write!(f, "{p}% of rows"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_percentages() {
        let rows = ErrorBudget::parse(&toml::Value::Integer(2)).expect("count");
        assert!(!rows.is_spent(2, 10) && rows.is_spent(3, 10));
        let share = ErrorBudget::parse(&toml::Value::String("10%".into())).expect("percent");
        assert!(!share.is_spent(1, 10) && share.is_spent(2, 10));
        assert!(ErrorBudget::parse(&toml::Value::String("ten".into())).is_err());
        assert!(ErrorBudget::parse(&toml::Value::Integer(-1)).is_err());
    }
}
