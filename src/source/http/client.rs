//! One page request: credentials, the rate limit, retries, and errors fit to print.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};

use super::auth::{Credentials, redact};
use super::config::{DEFAULT_TIMEOUT_SECONDS, HttpMethod, HttpSourceConfig};
use super::retry::{RetryPolicy, is_retryable, parse_retry_after};
use super::throttle::{Gate, Sleep, until_ready};

/// How much of an error body goes into a message.
const SNIPPET_CHARS: usize = 200;

/// A page as received.
pub(super) struct Fetched {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Where the waits come from: real ones outside tests.
pub(super) struct Pacing {
    pub sleep: Arc<dyn Sleep>,
    /// The rate limiter; `None` builds one on the real clock from the configuration.
    pub gate: Option<Box<dyn Gate>>,
}

/// Sends page requests. Holds the credentials, so it has no `Debug`.
pub(super) struct ApiClient {
    http: reqwest::Client,
    method: Method,
    body: Option<String>,
    credentials: Option<Credentials>,
    /// Query parameters sent with every request (the incremental cursor).
    fixed_params: Vec<(String, String)>,
    gate: Option<Box<dyn Gate>>,
    sleep: Arc<dyn Sleep>,
    retry: RetryPolicy,
    timeout: Duration,
    rng: fastrand::Rng,
}

/// Why one attempt failed.
enum Failure {
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    Fatal(anyhow::Error),
}

impl ApiClient {
    pub fn new(
        config: &HttpSourceConfig,
        credentials: Option<Credentials>,
        fixed_params: Vec<(String, String)>,
        pacing: Pacing,
    ) -> Result<ApiClient> {
        // reqwest is built without a default TLS provider; installing one twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let seconds = config.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        let timeout = Duration::try_from_secs_f64(seconds)
            .map_err(|_| anyhow!("`timeout_seconds` (`{seconds}`) is not a usable duration"))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("leadsync/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|err| anyhow!("cannot set up the HTTP client: {}", err.without_url()))?;
        let body = match &config.body {
            Some(serde_json::Value::String(text)) => Some(text.clone()),
            Some(value) => Some(value.to_string()),
            None => None,
        };
        let gate = pacing.gate.or_else(|| {
            config
                .rate_limit
                .as_ref()
                .and_then(super::throttle::real_gate)
        });
        Ok(ApiClient {
            http,
            method: match config.method {
                HttpMethod::Get => Method::GET,
                HttpMethod::Post => Method::POST,
            },
            body,
            credentials,
            fixed_params,
            gate,
            sleep: pacing.sleep,
            retry: RetryPolicy::new(&config.retry),
            timeout,
            rng: fastrand::Rng::new(),
        })
    }

    /// `url` fit to print, the query key masked.
    pub fn show(&self, url: &Url) -> String {
        let secret = self.credentials.as_ref().and_then(Credentials::query);
        redact(url, secret.map(|(param, _)| param))
    }

    /// The URL requested for a page: the fixed parameters and the query key set on it
    /// (replacing any the URL already has, as a next-page URL from the API may).
    pub fn request_url(&self, page_url: &Url) -> Url {
        let key = self.credentials.as_ref().and_then(Credentials::query);
        let set: Vec<(&str, &str)> = self
            .fixed_params
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .chain(key)
            .collect();
        set_params(page_url, &set)
    }

    /// Fetches a page whole, waiting for the rate limit and retrying what is worth it.
    pub async fn fetch(&mut self, page_url: &Url) -> Result<Fetched> {
        let url = self.request_url(page_url);
        let shown = self.show(&url);
        let mut retry = 0;
        loop {
            if let Some(gate) = &self.gate {
                until_ready(gate.as_ref(), self.sleep.as_ref()).await;
            }
            let (reason, retry_after) = match self.attempt(&url, &shown).await {
                Ok(page) => return Ok(page),
                Err(Failure::Fatal(err)) => return Err(err),
                Err(Failure::Retry {
                    reason,
                    retry_after,
                }) => (reason, retry_after),
            };
            if retry == self.retry.max_retries {
                bail!(
                    "{} `{shown}` failed {} times, the last with {reason}; try again later, or \
                     raise `retry.max_retries`",
                    self.method,
                    retry + 1
                );
            }
            let wait = self.retry.delay(retry, retry_after, &mut self.rng);
            tracing::warn!(
                url = %shown,
                %reason,
                retry = retry + 1,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "page request failed; retrying"
            );
            self.sleep.sleep(wait).await;
            retry += 1;
        }
    }

    async fn attempt(&self, url: &Url, shown: &str) -> Result<Fetched, Failure> {
        let mut request = self.http.request(self.method.clone(), url.clone());
        if let Some(credentials) = &self.credentials {
            request = credentials.apply(request);
        }
        if let Some(body) = &self.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|err| self.transport(err, shown))?;
        let status = response.status();
        if status.is_success() {
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|err| self.transport(err, shown))?;
            return Ok(Fetched {
                headers,
                body: body.into(),
            });
        }
        if is_retryable(status) {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, Utc::now()));
            return Err(Failure::Retry {
                reason: format!("status {status}"),
                retry_after,
            });
        }
        let body = response.text().await.unwrap_or_default();
        Err(Failure::Fatal(anyhow!(
            "{} `{shown}` answered {status}{}: {}",
            self.method,
            hint(status),
            snippet(&self.scrub(&body))
        )))
    }

    /// Connection failures and timeouts are retried; anything else (a redirect loop, a body
    /// that cannot be decoded) is not. The URL is dropped from the error: it may hold the key.
    fn transport(&self, err: reqwest::Error, shown: &str) -> Failure {
        let err = err.without_url();
        if err.is_timeout() {
            return Failure::Retry {
                reason: format!("no answer within {:?}", self.timeout),
                retry_after: None,
            };
        }
        let reason = self.scrub(&chain(&err));
        if err.is_connect() || err.is_request() || err.is_body() {
            Failure::Retry {
                reason,
                retry_after: None,
            }
        } else {
            Failure::Fatal(anyhow!("{} `{shown}` failed: {reason}", self.method))
        }
    }

    fn scrub(&self, text: &str) -> String {
        match &self.credentials {
            Some(credentials) => credentials.scrub(text),
            None => text.to_string(),
        }
    }
}

/// Redirects within the configured origin are followed (at most 10); one elsewhere is an
/// error, since reqwest would carry a key header such as `X-Api-Key` along.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let origin = attempt.previous().first().map(Url::origin);
        if origin.is_some_and(|origin| origin != attempt.url().origin()) {
            let target = attempt.url().origin().ascii_serialization();
            attempt.error(format!(
                "the server redirects to `{target}`, another origin; credentials are not sent there"
            ))
        } else if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else {
            attempt.follow()
        }
    })
}

/// `url` with each of `params` set, replacing the values it had.
pub(super) fn set_params(url: &Url, params: &[(&str, &str)]) -> Url {
    if params.is_empty() {
        return url.clone();
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !params.iter().any(|(set, _)| set == name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let mut url = url.clone();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(params.iter().copied());
    url
}

fn hint(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => " (check `auth` and its variables)",
        StatusCode::NOT_FOUND => " (check `url`)",
        _ => "",
    }
}

/// The start of an error body on one line.
fn snippet(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(SNIPPET_CHARS) {
        Some((end, _)) => format!("{}...", &line[..end]),
        None if line.is_empty() => "(empty body)".to_string(),
        None => line,
    }
}

/// An error and its causes on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("method", &self.method)
            .field("credentials", &self.credentials)
            .field("fixed_params", &self.fixed_params)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
