//! What serde reads for an HTTP source. The doc comments are the user documentation.

use serde::Deserialize;

/// A paginated HTTP API that lists leads, read page by page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSourceConfig {
    /// Identifies the source; a lead's identity is (source name, source key).
    pub name: String,
    /// The mapping file, relative to the job file.
    pub mapping: String,
    /// The field that identifies a record across imports (a dotted name for nested objects,
    /// `contact.id`). Without it a record's key is a hash of its mapped values, so an edited
    /// record becomes a new lead.
    pub key: Option<String>,
    /// The first page's URL (`http://` or `https://`). Query parameters written here are sent
    /// with every page that the source builds itself (not with next-page URLs the API hands
    /// out, which carry their own).
    pub url: String,
    /// `GET` (default) or `POST`.
    #[serde(default)]
    pub method: HttpMethod,
    /// The request body for `POST`, sent as JSON with every page: a string holding JSON text,
    /// or a TOML table. Pagination and `incremental` parameters still go in the query string.
    pub body: Option<serde_json::Value>,
    /// How the response body holds the records: `json` (default; an array of objects, or an
    /// object with the array at `records_path`), `ndjson` (one object per line) or `csv`
    /// (a header line, then one record per line; every page repeats the header).
    #[serde(default)]
    pub format: BodyFormat,
    /// Where the array of records is in a JSON object body, as dotted keys (`data.items`).
    /// Absent: the body itself is the array. `null` there means an empty page.
    pub records_path: Option<String>,
    /// The header (the names the mapping refers to), in order. Absent: every field of the
    /// first page's records, in the order first met (a record's own keys sorted by name).
    /// Nested objects give dotted names (`company.name`). Set it when the first page may be
    /// empty (an incremental run with nothing new) or when later pages have fields the first
    /// one lacks: those are left out, with a warning.
    pub columns: Option<Vec<String>>,
    /// How long one request may take, body included, before it is retried: more than 0, at
    /// most 3600. Default 30.
    pub timeout_seconds: Option<f64>,
    /// How to reach the next page. Default: a single page.
    #[serde(default)]
    pub pagination: PaginationConfig,
    /// Credentials, read from environment variables named here; never write a secret in the
    /// job file.
    pub auth: Option<AuthConfig>,
    /// A client-side limit on the request rate, so that the API's own limit is not hit.
    pub rate_limit: Option<RateLimitConfig>,
    /// When to try a request again.
    #[serde(default)]
    pub retry: RetryConfig,
    /// Fetch only what changed since the last run.
    pub incremental: Option<IncrementalConfig>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    #[default]
    Json,
    Ndjson,
    Csv,
}

/// How the next page is found. Every kind stops at an empty page, and at a next page whose
/// URL was already fetched (the API is going round in circles; a warning says so).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaginationConfig {
    /// One request; the body is the whole listing.
    #[default]
    None,
    /// `?offset=0&limit=100`, then `offset=100`, ...: the offset grows by the number of
    /// records each page had, so an API that caps `limit` lower still reads everything.
    Offset {
        /// Default `offset`.
        #[serde(default = "default_offset_param")]
        offset_param: String,
        /// Default `limit`.
        #[serde(default = "default_limit_param")]
        limit_param: String,
        /// Records asked for per page.
        limit: u64,
    },
    /// `?page=1`, then `page=2`, ...
    Page {
        /// Default `page`.
        #[serde(default = "default_page_param")]
        page_param: String,
        /// The first page's number. Default 1.
        #[serde(default = "default_page_start")]
        start: u64,
        /// The parameter that asks for a page size (`per_page`); with `size`.
        size_param: Option<String>,
        /// Records asked for per page; with `size_param`.
        size: Option<u64>,
    },
    /// The body names the next page's cursor (JSON only); stops when it is missing, `null`
    /// or empty.
    Cursor {
        /// Where the cursor is in the body, as dotted keys (`meta.next_cursor`).
        cursor_path: String,
        /// The query parameter that sends it back (`cursor`).
        cursor_param: String,
    },
    /// A response header names the next page's cursor; stops when it is missing or empty.
    HeaderCursor {
        /// The response header (`X-Next-Cursor`).
        header: String,
        /// The query parameter that sends it back.
        param: String,
    },
    /// A response header holds the next page's full URL; stops when it is missing or empty.
    NextUrlHeader {
        /// The response header (`X-Next-Page`).
        header: String,
    },
    /// The `Link` header's `rel="next"` URL (RFC 8288, as GitHub and many others send it).
    Link,
}

fn default_offset_param() -> String {
    "offset".to_string()
}

fn default_limit_param() -> String {
    "limit".to_string()
}

fn default_page_param() -> String {
    "page".to_string()
}

fn default_page_start() -> u64 {
    1
}

/// Where credentials come from. Each field names an environment variable; a variable that is
/// not set stops the run before the first request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The variable that holds the token.
        token_env: String,
    },
    /// A key sent in a header or in the query string (give one of `header`, `query_param`).
    ApiKey {
        /// The request header that carries the key (`X-Api-Key`).
        header: Option<String>,
        /// The query parameter that carries the key (`api_key`); it is masked in every URL
        /// the program prints.
        query_param: Option<String>,
        /// The variable that holds the key.
        value_env: String,
    },
    /// HTTP basic authentication.
    Basic {
        /// The variable that holds the user name.
        user_env: String,
        /// The variable that holds the password.
        password_env: String,
    },
}

/// Give one of `requests_per_second`, `requests_per_minute`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub requests_per_second: Option<u32>,
    pub requests_per_minute: Option<u32>,
    /// Requests that may go out back to back before the rate applies. Default 1.
    pub burst: Option<u32>,
}

/// Requests are retried on 429, on 5xx, and when the connection fails or times out, after a
/// random wait below an exponentially growing cap (or what `Retry-After` asks for).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Retries after the first attempt before the run fails. Default 5.
    pub max_retries: u32,
    /// The cap on the first wait; it doubles with each retry. Default 500.
    pub initial_backoff_ms: u64,
    /// The cap on any wait. Default 30000.
    pub max_backoff_ms: u64,
    /// The longest `Retry-After` that is honoured; a longer one is cut to this. Default 300.
    pub max_retry_after_seconds: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 5,
            initial_backoff_ms: 500,
            max_backoff_ms: 30_000,
            max_retry_after_seconds: 300,
        }
    }
}

/// The run remembers the highest `cursor_field` value it read and sends it as `param` on
/// every request of the next run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncrementalConfig {
    /// The record field that grows with each change (`updated_at`, `id`). Values compare as
    /// numbers when both are numbers, else as text (ISO 8601 timestamps compare well).
    pub cursor_field: String,
    /// The query parameter that sends it. Default `since`.
    #[serde(default = "default_since_param")]
    pub param: String,
}

fn default_since_param() -> String {
    "since".to_string()
}

pub(super) const DEFAULT_TIMEOUT_SECONDS: f64 = 30.0;
pub(super) const MAX_TIMEOUT_SECONDS: f64 = 3600.0;
