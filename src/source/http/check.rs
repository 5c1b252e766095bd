//! What serde cannot check in an HTTP source's configuration, reported all at once.

use reqwest::Url;

use super::config::{
    AuthConfig, BodyFormat, HttpMethod, HttpSourceConfig, MAX_TIMEOUT_SECONDS, PaginationConfig,
    RateLimitConfig,
};

impl HttpSourceConfig {
    /// Every problem with this configuration, each message complete on its own; empty when
    /// the source can be opened.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push("`name` is empty".to_string());
        }
        check_url(&self.url, &mut problems);
        self.check_body(&mut problems);
        self.check_format(&mut problems);
        check_columns(self.columns.as_deref(), &mut problems);
        if let Some(timeout) = self.timeout_seconds
            && !(timeout > 0.0 && timeout <= MAX_TIMEOUT_SECONDS)
        {
            problems.push(format!(
                "`timeout_seconds` is `{timeout}`; it must be more than 0 and at most \
                 {MAX_TIMEOUT_SECONDS}"
            ));
        }
        check_pagination(&self.pagination, self.format, &mut problems);
        if let Some(auth) = &self.auth {
            check_auth(auth, &mut problems);
        }
        if let Some(rate) = &self.rate_limit {
            check_rate_limit(rate, &mut problems);
        }
        self.check_retry(&mut problems);
        self.check_incremental(&mut problems);
        problems
    }

    fn check_body(&self, problems: &mut Vec<String>) {
        let Some(body) = &self.body else { return };
        if self.method == HttpMethod::Get {
            problems.push("`body` is sent only with `method = \"POST\"`".to_string());
        }
        if let serde_json::Value::String(text) = body
            && let Err(err) = serde_json::from_str::<serde_json::Value>(text)
        {
            problems.push(format!("`body` is not valid JSON text: {err}"));
        }
    }

    fn check_format(&self, problems: &mut Vec<String>) {
        let Some(path) = &self.records_path else {
            return;
        };
        if self.format != BodyFormat::Json {
            problems.push(format!(
                "`records_path` (`{path}`) applies only to `format = \"json\"`"
            ));
        }
        check_dotted("records_path", path, problems);
    }

    fn check_retry(&self, problems: &mut Vec<String>) {
        let retry = &self.retry;
        if retry.initial_backoff_ms == 0 {
            problems.push("`retry.initial_backoff_ms` must be at least 1".to_string());
        }
        if retry.initial_backoff_ms > retry.max_backoff_ms {
            problems.push(format!(
                "`retry.initial_backoff_ms` ({}) is more than `retry.max_backoff_ms` ({})",
                retry.initial_backoff_ms, retry.max_backoff_ms
            ));
        }
    }

    fn check_incremental(&self, problems: &mut Vec<String>) {
        let Some(incremental) = &self.incremental else {
            return;
        };
        if self.columns.is_none() {
            // A run that finds nothing new has no first page to learn the header from, and
            // the mapping must still compile.
            problems.push(
                "an `incremental` source needs `columns`: a run that finds no new record has no \
                 page to learn the header from"
                    .to_string(),
            );
        }
        if incremental.cursor_field.trim().is_empty() {
            problems.push("`incremental.cursor_field` is empty".to_string());
        }
        if incremental.param.trim().is_empty() {
            problems.push("`incremental.param` is empty".to_string());
        }
        if pagination_params(&self.pagination).contains(&incremental.param.as_str()) {
            problems.push(format!(
                "`incremental.param` (`{}`) is also a pagination parameter",
                incremental.param
            ));
        }
    }
}

fn check_url(url: &str, problems: &mut Vec<String>) {
    match Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
        Ok(parsed) => problems.push(format!(
            "`url` has scheme `{}`; it must be `http` or `https`",
            parsed.scheme()
        )),
        // The URL is not shown: it may hold a key the user pasted into it.
        Err(err) => problems.push(format!("`url` is not a valid URL: {err}")),
    }
}

fn check_columns(columns: Option<&[String]>, problems: &mut Vec<String>) {
    let Some(columns) = columns else { return };
    if columns.is_empty() {
        problems.push("`columns` is empty; leave it out to learn the header".to_string());
    }
    for (i, name) in columns.iter().enumerate() {
        if columns[..i].contains(name) {
            problems.push(format!("`columns` names `{name}` twice"));
        }
    }
}

fn check_pagination(pagination: &PaginationConfig, format: BodyFormat, problems: &mut Vec<String>) {
    match pagination {
        PaginationConfig::Offset { limit: 0, .. } => {
            problems.push("`pagination.limit` must be at least 1".to_string());
        }
        PaginationConfig::Page {
            size_param, size, ..
        } => match (size_param, size) {
            (_, Some(0)) => problems.push("`pagination.size` must be at least 1".to_string()),
            (Some(_), None) | (None, Some(_)) => problems.push(
                "`pagination.size_param` and `pagination.size` go together: give both or neither"
                    .to_string(),
            ),
            _ => {}
        },
        PaginationConfig::Cursor { cursor_path, .. } => {
            if format != BodyFormat::Json {
                problems.push(
                    "`pagination.type = \"cursor\"` reads the body, so it needs `format = \"json\"`"
                        .to_string(),
                );
            }
            check_dotted("pagination.cursor_path", cursor_path, problems);
        }
        _ => {}
    }
    for param in pagination_params(pagination) {
        if param.trim().is_empty() {
            problems.push("a `pagination` parameter or header name is empty".to_string());
        }
    }
}

/// The query parameters (and header names) a pagination kind uses.
fn pagination_params(pagination: &PaginationConfig) -> Vec<&str> {
    match pagination {
        PaginationConfig::None | PaginationConfig::Link => vec![],
        PaginationConfig::Offset {
            offset_param,
            limit_param,
            ..
        } => vec![offset_param, limit_param],
        PaginationConfig::Page {
            page_param,
            size_param,
            ..
        } => std::iter::once(page_param.as_str())
            .chain(size_param.as_deref())
            .collect(),
        PaginationConfig::Cursor { cursor_param, .. } => vec![cursor_param],
        PaginationConfig::HeaderCursor { param, .. } => vec![param],
        PaginationConfig::NextUrlHeader { header } => vec![header],
    }
}

fn check_auth(auth: &AuthConfig, problems: &mut Vec<String>) {
    let names: Vec<(&str, &str)> = match auth {
        AuthConfig::Bearer { token_env } => vec![("auth.token_env", token_env)],
        AuthConfig::ApiKey {
            header,
            query_param,
            value_env,
        } => {
            match (header, query_param) {
                (Some(_), Some(_)) | (None, None) => problems.push(
                    "`auth.type = \"api_key\"` needs one of `header`, `query_param`".to_string(),
                ),
                _ => {}
            }
            vec![("auth.value_env", value_env)]
        }
        AuthConfig::Basic {
            user_env,
            password_env,
        } => vec![
            ("auth.user_env", user_env),
            ("auth.password_env", password_env),
        ],
    };
    for (field, name) in names {
        if name.trim().is_empty() {
            problems.push(format!(
                "`{field}` is empty; it names an environment variable"
            ));
        }
    }
}

fn check_rate_limit(rate: &RateLimitConfig, problems: &mut Vec<String>) {
    match (rate.requests_per_second, rate.requests_per_minute) {
        (Some(_), Some(_)) | (None, None) => problems.push(
            "`rate_limit` needs one of `requests_per_second`, `requests_per_minute`".to_string(),
        ),
        (Some(0), _) | (_, Some(0)) => {
            problems.push("`rate_limit` must allow at least 1 request".to_string())
        }
        _ => {}
    }
    if rate.burst == Some(0) {
        problems.push("`rate_limit.burst` must be at least 1".to_string());
    }
}

fn check_dotted(field: &str, path: &str, problems: &mut Vec<String>) {
    if path.split('.').any(str::is_empty) {
        problems.push(format!(
            "`{field}` (`{path}`) has an empty key; write keys joined by dots, like `data.items`"
        ));
    }
}
