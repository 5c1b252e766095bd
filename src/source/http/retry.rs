//! When to try a request again and how long to wait first.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;

use super::config::RetryConfig;

/// Capped exponential backoff with full jitter: the wait before retry `n` (0-based) is drawn
/// uniformly from `[0, min(max, initial * 2^n)]`, so that many clients that failed together
/// do not come back together. A `Retry-After` from the server wins, up to a cap.
#[derive(Debug, Clone)]
pub(super) struct RetryPolicy {
    pub max_retries: u32,
    initial: Duration,
    max: Duration,
    max_retry_after: Duration,
}

impl RetryPolicy {
    pub fn new(config: &RetryConfig) -> RetryPolicy {
        RetryPolicy {
            max_retries: config.max_retries,
            initial: Duration::from_millis(config.initial_backoff_ms),
            max: Duration::from_millis(config.max_backoff_ms),
            max_retry_after: Duration::from_secs(config.max_retry_after_seconds),
        }
    }

    /// The wait before retry `retry` (0-based), given what the server asked for.
    pub fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        match retry_after {
            Some(asked) => asked.min(self.max_retry_after),
            None => {
                let ceiling = self
                    .initial
                    .saturating_mul(2u32.saturating_pow(retry))
                    .min(self.max);
                ceiling.mul_f64(rng.f64())
            }
        }
    }
}

/// Statuses worth another try: the server is busy or broken for now.
pub(super) fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// A `Retry-After` value: seconds, or an HTTP date (a date past gives no wait).
pub(super) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (date.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(&RetryConfig {
            max_retries: 5,
            initial_backoff_ms: 100,
            max_backoff_ms: 1000,
            max_retry_after_seconds: 60,
        })
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = policy();
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 0..10 {
            let ceiling = Duration::from_millis((100u64 << retry).min(1000));
            let waits: Vec<Duration> = (0..200)
                .map(|_| policy.delay(retry, None, &mut rng))
                .collect();
            assert!(
                waits.iter().all(|w| *w <= ceiling),
                "retry {retry}: {waits:?}"
            );
            let spread = *waits.iter().max().expect("waits") - *waits.iter().min().expect("waits");
            assert!(
                spread > ceiling / 2,
                "retry {retry}: jitter spreads the waits"
            );
        }
    }

    #[test]
    fn retry_after_wins_up_to_the_cap() {
        let policy = policy();
        let mut rng = fastrand::Rng::with_seed(7);
        let asked = Some(Duration::from_secs(7));
        assert_eq!(policy.delay(0, asked, &mut rng), Duration::from_secs(7));
        let asked = Some(Duration::from_secs(3600));
        assert_eq!(policy.delay(0, asked, &mut rng), Duration::from_secs(60));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn only_busy_and_broken_statuses_are_retried() {
        assert!(is_retryable(StatusCode::TOO_MANY_REQUESTS));
        assert!(is_retryable(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_retryable(StatusCode::NOT_FOUND));
        assert!(!is_retryable(StatusCode::UNAUTHORIZED));
    }
}
