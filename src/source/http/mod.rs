//! HTTP API sources: paginated, authenticated, rate-limited.
//!
//! ```text
//!   paginate ──► client ──► records ──► header ──► Record / BadRecord
//!   next URL     auth, rate  body to     cells in
//!                limit,      fields      header order
//!                retries
//! ```
//!
//! - [`config`]: what the job file says ([`HttpSourceConfig`]); `check.rs` what serde cannot.
//! - `source.rs`: [`HttpSource`], the synchronous face the pipeline reads from.
//! - `client.rs`: one page request, with `auth.rs` (secrets from the environment, masked in
//!   every message), `throttle.rs` (rate limit, injectable waits) and `retry.rs` (backoff).
//! - `paginate.rs`: which URL comes next, and the guard against going round in circles.
//! - `records.rs`: a JSON, NDJSON or CSV body as records; `header.rs` lays them out.
//! - `high_water.rs`: the incremental cursor.

mod auth;
mod check;
mod client;
pub mod config;
mod header;
mod high_water;
mod paginate;
mod records;
mod retry;
mod source;
mod throttle;

#[cfg(test)]
pub mod test_server;
#[cfg(test)]
mod tests;

pub use config::HttpSourceConfig;
pub use source::HttpSource;

/// A configured URL fit to print: a password in it is masked.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(url) => auth::redact(&url, None),
        Err(_) => url.to_string(),
    }
}
