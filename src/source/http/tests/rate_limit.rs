//! The client-side rate limit, on a fake clock: nothing waits for real.

use std::num::NonZeroU32;

use governor::{Quota, RateLimiter};

use super::*;
use crate::source::http::config::RateLimitConfig;
use crate::source::http::test_server::Response;
use crate::source::http::throttle::gate;

#[test]
fn limiter_decisions_follow_the_rate_and_burst() {
    let clock = FakeRelativeClock::default();
    let config = RateLimitConfig {
        requests_per_minute: Some(6),
        burst: Some(2),
        ..RateLimitConfig::default()
    };
    let limiter = gate(&config, clock.clone()).expect("a limiter");
    assert_eq!(limiter.wait_time(), None);
    assert_eq!(limiter.wait_time(), None, "a burst of 2");
    assert_eq!(limiter.wait_time(), Some(Duration::from_secs(10)));
    clock.advance(Duration::from_secs(9));
    assert_eq!(limiter.wait_time(), Some(Duration::from_secs(1)));
    clock.advance(Duration::from_secs(1));
    assert_eq!(limiter.wait_time(), None);
}

#[test]
fn governor_agrees_with_the_quota_we_build() {
    let clock = FakeRelativeClock::default();
    let per_second = RateLimitConfig {
        requests_per_second: Some(4),
        ..RateLimitConfig::default()
    };
    let ours = gate(&per_second, clock.clone()).expect("a limiter");
    let quota = Quota::per_second(NonZeroU32::new(4).expect("4")).allow_burst(NonZeroU32::MIN);
    let theirs = RateLimiter::direct_with_clock(quota, clock.clone());
    for _ in 0..6 {
        assert_eq!(ours.wait_time().is_none(), theirs.check().is_ok());
        clock.advance(Duration::from_millis(100));
    }
}

#[test]
fn pages_wait_for_the_limiter() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1" | "2" | "3") => Response::json(&id_records([1])),
        _ => Response::json("[]"),
    });
    let extra = "[pagination]\ntype = \"page\"\n[rate_limit]\nrequests_per_second = 2\n";
    let config = config(&server, extra);
    let waits = Arc::new(Waits::default());
    let limiter = gate(
        config.rate_limit.as_ref().expect("rate"),
        waits.clock.clone(),
    );
    let pacing = Pacing {
        sleep: waits.clone(),
        gate: limiter,
    };
    let handle = rt.handle().clone();
    let mut source = HttpSource::open_with(&config, None, handle, &env, pacing).expect("opens");
    assert_eq!(drain(&mut source).expect("reads").len(), 3);
    assert_eq!(server.requests().len(), 4);
    assert_eq!(waits.taken(), vec![Duration::from_millis(500); 3]);
}
