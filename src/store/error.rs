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

/// The URL with any password replaced, for messages and logs: in the user-info part and in
/// a `password=` query parameter.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut shown = match base.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
                None => base.to_string(),
            },
            None => base.to_string(),
        },
        None => base.to_string(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => param.to_string(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://leadsync.db"), "sqlite://leadsync.db");
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=sekret"),
            "postgres://h/db?user=u&password=***"
        );
    }
}
