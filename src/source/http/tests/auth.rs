//! Credentials reach the server, and never a message.

use super::*;
use crate::source::http::test_server::{Request, Response};

const BEARER: &str = "[auth]\ntype = \"bearer\"\ntoken_env = \"TEST_BEARER_TOKEN\"\n";
const TOKEN: &str = "tok-bearer-5ecret";
const KEY: &str = "key-5ecret-42";

/// Answers one record to requests that `authorized` accepts, else 401 echoing the credentials.
fn guarded(rt: &Runtime, authorized: fn(&Request) -> bool) -> TestServer {
    TestServer::start(rt.handle(), move |request| {
        if authorized(request) {
            Response::json(&id_records([1]))
        } else {
            let sent = request.header("authorization").unwrap_or_default();
            Response::new(401).body(format!("denied: {sent}"))
        }
    })
}

#[test]
fn bearer_token_is_sent_and_kept_out_of_messages() {
    let rt = runtime();
    let server = guarded(&rt, |r| {
        r.header("authorization") == Some("Bearer tok-bearer-5ecret")
    });
    let mut source = open(&config(&server, BEARER), &rt);
    assert_eq!(drain(&mut source).expect("reads").len(), 1);
    let debug = format!("{source:?}");
    assert!(
        debug.contains("TEST_BEARER_TOKEN") && !debug.contains(TOKEN),
        "{debug}"
    );

    let refusing = guarded(&rt, |_| false);
    let err = open_with(&config(&refusing, BEARER), None, &rt, None)
        .0
        .expect_err("401");
    let err = format!("{err:#} {err:?}");
    assert!(
        err.contains("401 Unauthorized (check `auth` and its variables)"),
        "{err}"
    );
    assert!(
        err.contains("REDACTED"),
        "the echoed token is masked: {err}"
    );
    assert!(!err.contains(TOKEN), "{err}");
}

#[test]
fn api_key_header_is_sent() {
    let rt = runtime();
    let server = guarded(&rt, |r| r.header("x-api-key") == Some("key-5ecret-42"));
    let extra =
        "[auth]\ntype = \"api_key\"\nheader = \"X-Api-Key\"\nvalue_env = \"TEST_API_KEY\"\n";
    let mut source = open(&config(&server, extra), &rt);
    assert_eq!(drain(&mut source).expect("reads").len(), 1);
    assert!(!format!("{source:?}").contains(KEY));
}

#[test]
fn api_key_query_param_is_sent_and_masked_in_urls() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| {
        match (request.param("api_key"), request.param("page")) {
            (Some("key-5ecret-42"), Some("1")) => Response::json(&id_records([1])),
            (Some("key-5ecret-42"), _) => Response::new(500).body("api_key=key-5ecret-42 broke"),
            _ => Response::new(403),
        }
    });
    let extra = "[auth]\ntype = \"api_key\"\nquery_param = \"api_key\"\nvalue_env = \"TEST_API_KEY\"\n\
                 [pagination]\ntype = \"page\"\n[retry]\nmax_retries = 1\n";
    let mut config = config(&server, extra);
    config.url.push_str("?api_key=pasted");
    let (source, _) = open_with(&config, None, &rt, None);
    let mut source = source.expect("opens");
    assert_eq!(source.describe(), server.url("/leads?api_key=REDACTED"));
    source
        .next_record()
        .expect("reads")
        .expect("one")
        .expect("good");
    let err = format!("{:#}", source.next_record().expect_err("page 2 fails"));
    assert!(err.contains("page=2&api_key=REDACTED`"), "{err}");
    assert!(
        !err.contains(KEY) && !format!("{source:?}").contains(KEY),
        "{err}"
    );
    let sent: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.param("api_key").map(String::from))
        .collect();
    assert_eq!(
        sent,
        vec![Some(KEY.to_string()); 3],
        "the key replaces the pasted one"
    );
}

#[test]
fn basic_auth_is_sent() {
    let rt = runtime();
    let server = guarded(&rt, |r| {
        r.header("authorization") == Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    });
    let extra =
        "[auth]\ntype = \"basic\"\nuser_env = \"TEST_USER\"\npassword_env = \"TEST_PASSWORD\"\n";
    let mut source = open(&config(&server, extra), &rt);
    assert_eq!(drain(&mut source).expect("reads").len(), 1);
    assert!(!format!("{source:?}").contains("open sesame"));
}

#[test]
fn a_missing_variable_is_named_before_any_request() {
    let rt = runtime();
    let server = guarded(&rt, |_| true);
    let extra = "[auth]\ntype = \"bearer\"\ntoken_env = \"LEADSYNC_TEST_UNSET_TOKEN_7F3A\"\n";
    let err = HttpSource::open(&config(&server, extra), None, rt.handle().clone())
        .expect_err("missing variable");
    assert_eq!(
        err.to_string(),
        "environment variable `LEADSYNC_TEST_UNSET_TOKEN_7F3A` (named by `auth.token_env`) is not set"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn redirects_are_followed_only_within_the_origin() {
    let rt = runtime();
    let elsewhere = guarded(&rt, |_| true);
    let target = elsewhere.url("/leads");
    let server = TestServer::start(rt.handle(), move |request| match request.path.as_str() {
        "/leads" => Response::new(302).header("Location", "/v2/leads"),
        "/v2/leads" if request.header("authorization").is_some() => {
            Response::new(307).header("Location", &target)
        }
        _ => Response::new(404),
    });
    let err = open_with(&config(&server, BEARER), None, &rt, None)
        .0
        .expect_err("refused");
    let err = format!("{err:#}");
    assert!(err.contains("redirects to `http://127.0.0.1:"), "{err}");
    assert!(err.contains("another origin"), "{err}");
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/leads", "/v2/leads"],
        "the same-origin redirect is followed"
    );
    assert!(elsewhere.requests().is_empty());
}
