//! Store errors, and which of them are worth retrying.

/// Why the store failed. Messages never contain a password: URLs are redacted.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL `{0}` is not supported: use sqlite://FILE or postgres://HOST/DATABASE")]
    UnsupportedUrl(String),
    #[error("cannot connect to `{url}`: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot bring the schema of `{url}` up to date: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error(transparent)]
    Query(#[from] sqlx::Error),
    #[error("stored value is not readable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Conflicts that a retry of the same transaction can resolve: PostgreSQL serialization
    /// failures and deadlocks, SQLite's busy and locked.
    pub fn is_retryable(&self) -> bool {
        let StoreError::Query(sqlx::Error::Database(db)) = self else {
            return false;
        };
        matches!(
            db.code().as_deref(),
            Some("40001" | "40P01" | "5" | "6" | "517")
        )
    }

    pub fn is_unique_violation(&self) -> bool {
        let StoreError::Query(sqlx::Error::Database(db)) = self else {
            return false;
        };
        db.is_unique_violation()
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://leadsync.db"), "sqlite://leadsync.db");
    }
}
