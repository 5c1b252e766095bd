//! Waiting: the client-side rate limit and the sleeps between retries. Both the clock and the
//! sleep are injected so that tests can check every wait without waiting.

use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use super::config::RateLimitConfig;

/// Sleeps; `tokio::time::sleep` outside tests.
pub(super) trait Sleep: Send + Sync {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

pub(super) struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A rate limiter's decision for the next request.
pub(super) trait Gate: Send + Sync {
    /// `None` when a request may go now (and counts it); else how long to wait before asking
    /// again.
    fn wait_time(&self) -> Option<Duration>;
}

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

impl<C> Gate for Limiter<C>
where
    C: Clock + Send + Sync,
    C::Instant: Send + Sync,
{
    fn wait_time(&self) -> Option<Duration> {
        self.check()
            .err()
            .map(|not_until| not_until.wait_time_from(self.clock().now()))
    }
}

/// The limiter for `config` on `clock`; `None` when the configuration asks for no requests
/// at all (which [`super::HttpSourceConfig::check`] reports).
pub(super) fn gate<C>(config: &RateLimitConfig, clock: C) -> Option<Box<dyn Gate>>
where
    C: Clock + Send + Sync + 'static,
    C::Instant: Send + Sync,
{
    let quota = match (config.requests_per_second, config.requests_per_minute) {
        (Some(n), _) => Quota::per_second(NonZeroU32::new(n)?),
        (None, Some(n)) => Quota::per_minute(NonZeroU32::new(n)?),
        (None, None) => return None,
    };
    let burst = NonZeroU32::new(config.burst.unwrap_or(1))?;
    Some(Box::new(Limiter::direct_with_clock(
        quota.allow_burst(burst),
        clock,
    )))
}

/// The limiter for `config` on the real clock.
pub(super) fn real_gate(config: &RateLimitConfig) -> Option<Box<dyn Gate>> {
    gate(config, DefaultClock::default())
}

/// Waits until `gate` lets a request go.
pub(super) async fn until_ready(gate: &dyn Gate, sleep: &dyn Sleep) {
    while let Some(wait) = gate.wait_time() {
        sleep.sleep(wait).await;
    }
}
