//! What the configuration accepts, and every problem `check` reports.

use super::*;

fn parse(text: &str) -> Result<HttpSourceConfig, toml::de::Error> {
    toml::from_str(&format!("name = \"s\"\nmapping = \"m.toml\"\n{text}"))
}

#[test]
fn a_full_configuration_reads_and_checks_clean() {
    let config = parse(
        r#"
        key = "id"
        url = "https://api.example.test/leads"
        method = "POST"
        body = '{"status": "open"}'
        format = "json"
        records_path = "data.items"
        columns = ["id", "email"]
        timeout_seconds = 10
        [pagination]
        type = "offset"
        limit = 100
        [auth]
        type = "api_key"
        query_param = "api_key"
        value_env = "LEADS_KEY"
        [rate_limit]
        requests_per_minute = 120
        burst = 5
        [retry]
        max_retries = 3
        [incremental]
        cursor_field = "updated_at"
        "#,
    )
    .expect("parses");
    assert_eq!(config.check(), Vec::<String>::new());
    assert_eq!(
        config.retry.max_backoff_ms, 30_000,
        "unset retry fields keep defaults"
    );
    let incremental = config.incremental.expect("incremental");
    assert_eq!(incremental.param, "since");
}

#[test]
fn unknown_keys_are_refused() {
    let err = parse("url = \"http://x.test\"\nrecord_path = \"a\"\n").expect_err("typo");
    assert!(err.message().contains("record_path"), "{err}");
    let text = "url = \"http://x.test\"\n[pagination]\ntype = \"page\"\nsize = 5\nlimit = 2\n";
    let err = parse(text).expect_err("limit is not a page field");
    assert!(err.message().contains("limit"), "{err}");
}

#[test]
fn check_reports_every_problem() {
    let config = parse(
        r#"
        url = "ftp://x.test/leads"
        body = "{not json"
        format = "csv"
        records_path = "data..items"
        columns = []
        timeout_seconds = 0
        [pagination]
        type = "page"
        size = 0
        [auth]
        type = "api_key"
        value_env = ""
        [rate_limit]
        burst = 0
        [retry]
        initial_backoff_ms = 5000
        max_backoff_ms = 100
        [incremental]
        cursor_field = "id"
        param = "page"
        "#,
    )
    .expect("parses");
    let problems = config.check();
    let expected = [
        "`url` has scheme `ftp`",
        "`body` is sent only with",
        "`body` is not valid JSON",
        "`records_path` (`data..items`) applies only to",
        "`records_path` (`data..items`) has an empty key",
        "`columns` is empty",
        "`timeout_seconds` is `0`",
        "`pagination.size` must be at least 1",
        "needs one of `header`, `query_param`",
        "`auth.value_env` is empty",
        "`rate_limit` needs one of",
        "`rate_limit.burst` must be at least 1",
        "`retry.initial_backoff_ms` (5000) is more than",
        "`incremental.param` (`page`) is also a pagination parameter",
    ];
    for want in expected {
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "{want}: {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn open_refuses_a_configuration_with_problems() {
    let rt = runtime();
    let config = parse("url = \"http://127.0.0.1:9/x\"\nformat = \"ndjson\"\n[pagination]\ntype = \"cursor\"\ncursor_path = \"n\"\ncursor_param = \"c\"\n")
        .expect("parses");
    let err = open_with(&config, None, &rt, None).0.expect_err("refused");
    assert!(
        err.to_string().contains("needs `format = \"json\"`"),
        "{err}"
    );
}
