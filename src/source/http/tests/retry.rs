//! Retries on busy or broken servers, and the errors when they do not recover.

use super::*;
use crate::source::http::test_server::Response;

const FAST: &str = "[retry]\nmax_retries = 2\ninitial_backoff_ms = 40\nmax_backoff_ms = 100\n";

/// A server that answers `failure` to the first `failures` requests, then one record.
fn failing_then_ok(rt: &Runtime, failures: usize, failure: Response) -> TestServer {
    TestServer::start(rt.handle(), move |request| {
        if request.seen < failures {
            failure.clone()
        } else {
            Response::json(&id_records([1]))
        }
    })
}

#[test]
fn too_many_requests_waits_as_retry_after_says() {
    let rt = runtime();
    let server = failing_then_ok(&rt, 1, Response::new(429).header("Retry-After", "7"));
    let (source, waits) = open_with(&config(&server, FAST), None, &rt, None);
    let mut source = source.expect("opens after a retry");
    assert_eq!(drain(&mut source).expect("reads").len(), 1);
    assert_eq!(waits.taken(), [Duration::from_secs(7)]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn too_many_requests_without_retry_after_backs_off() {
    let rt = runtime();
    let server = failing_then_ok(&rt, 2, Response::new(429));
    let (source, waits) = open_with(&config(&server, FAST), None, &rt, None);
    source.expect("opens after two retries");
    let waits = waits.taken();
    assert_eq!(waits.len(), 2);
    assert!(waits[0] <= Duration::from_millis(40), "{waits:?}");
    assert!(waits[1] <= Duration::from_millis(80), "{waits:?}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_server_error_is_retried() {
    let rt = runtime();
    let server = failing_then_ok(&rt, 1, Response::new(500).body("boom"));
    let (source, waits) = open_with(&config(&server, FAST), None, &rt, None);
    let mut source = source.expect("opens after a retry");
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1"]);
    assert_eq!(waits.taken().len(), 1);
}

#[test]
fn exhausted_retries_fail_with_status_url_and_attempts() {
    let rt = runtime();
    let server = failing_then_ok(&rt, usize::MAX, Response::new(503));
    let err = open_with(&config(&server, FAST), None, &rt, None)
        .0
        .expect_err("fails");
    let err = format!("{err:#}");
    let want = format!(
        "page 1: GET `{}` failed 3 times, the last with status 503 Service Unavailable",
        server.url("/leads")
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(
        err.contains("retry.max_retries"),
        "says what to change: {err}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_client_error_fails_at_once_with_a_snippet() {
    let rt = runtime();
    let server = failing_then_ok(&rt, 1, Response::new(404).body("no\n  such   list"));
    let (source, waits) = open_with(&config(&server, FAST), None, &rt, None);
    let err = format!("{:#}", source.expect_err("fails"));
    assert!(
        err.ends_with("answered 404 Not Found (check `url`): no such list"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(waits.taken().is_empty());
}

#[test]
fn a_timeout_is_retried_then_fails() {
    let rt = runtime();
    let slow = Response::json("[]").delay(Duration::from_secs(3));
    let server = failing_then_ok(&rt, usize::MAX, slow);
    let extra = format!("timeout_seconds = 0.2\n{}", FAST.replace("2\n", "1\n"));
    let started = std::time::Instant::now();
    let err = open_with(&config(&server, &extra), None, &rt, None)
        .0
        .expect_err("times out");
    let err = format!("{err:#}");
    assert!(
        err.contains("failed 2 times, the last with no answer within 200ms"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the client gave up on its own"
    );
}

#[test]
fn a_refused_connection_is_retried_then_fails() {
    let rt = runtime();
    let server = failing_then_ok(&rt, 0, Response::new(200));
    let mut config = config(&server, FAST);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    config.url = format!("http://{}/leads", closed.local_addr().expect("address"));
    drop(closed);
    let (source, waits) = open_with(&config, None, &rt, None);
    let err = format!("{:#}", source.expect_err("fails"));
    assert!(err.contains("failed 3 times"), "{err}");
    assert_eq!(waits.taken().len(), 2);
}
