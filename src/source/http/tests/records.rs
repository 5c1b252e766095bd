//! Bodies in each format, the header, bad records and broken pages.

use super::*;
use crate::source::http::test_server::Response;

const PAGED: &str = "[pagination]\ntype = \"page\"\n";

#[test]
fn records_path_finds_nested_records_and_learns_a_dotted_header() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1") => Response::json(
            r#"{"data": {"items": [
                {"id": 1, "email": "a@x.test", "company": {"name": "Acme"}, "tags": ["x"]},
                {"id": 2, "email": null, "phone": "+4712345678"}
            ]}}"#,
        ),
        _ => Response::json(r#"{"data": {"items": []}}"#),
    });
    let extra = format!("records_path = \"data.items\"\n{PAGED}");
    let mut source = open(&config(&server, &extra), &rt);
    let mut header = source.header().to_vec();
    header.sort();
    assert_eq!(header, ["company.name", "email", "id", "phone", "tags"]);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "company.name"), ["Acme", ""]);
    assert_eq!(cells(&source, &items, "email"), ["a@x.test", ""]);
    assert_eq!(cells(&source, &items, "tags"), [r#"["x"]"#, ""]);
    assert_eq!(cells(&source, &items, "phone"), ["", "+4712345678"]);
}

#[test]
fn configured_columns_fix_the_header_order() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |_| {
        Response::json(r#"[{"id": 1, "email": "a@x.test", "extra": "left out"}]"#)
    });
    let mut source = open(
        &config(&server, "columns = [\"email\", \"id\", \"fax\"]\n"),
        &rt,
    );
    assert_eq!(source.header(), ["email", "id", "fax"]);
    let record = source
        .next_record()
        .expect("reads")
        .expect("one")
        .expect("good");
    assert_eq!(
        record.cells,
        csv::StringRecord::from(vec!["a@x.test", "1", ""])
    );
}

#[test]
fn ndjson_bad_line_is_a_bad_record_naming_page_and_index() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |_| {
        Response::new(200).body("{\"id\": 1}\n{\"id\": 2\n\n{\"id\": 3}\n")
    });
    let mut source = open(&config(&server, "format = \"ndjson\"\n"), &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "3"]);
    let bad = items[1].as_ref().expect_err("bad line");
    assert_eq!(bad.line, 2);
    assert_eq!(bad.cells, ["{\"id\": 2"]);
    let at = format!(
        "page 1 (`{}`) record 2: line 2 of the body",
        server.url("/leads")
    );
    assert!(bad.reason.starts_with(&at), "{}", bad.reason);
}

#[test]
fn csv_bodies_are_read_page_by_page() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1") => Response::new(200).body("id,email\n1,a@x.test\n2,b@x.test\n"),
        Some("2") => Response::new(200).body("email,id\nc@x.test,3\nragged\n"),
        _ => Response::new(200).body("id,email\n"),
    });
    let extra = format!("format = \"csv\"\n{PAGED}");
    let mut source = open(&config(&server, &extra), &rt);
    assert_eq!(source.header(), ["id", "email"]);
    let items = drain(&mut source).expect("reads");
    assert_eq!(
        cells(&source, &items, "email"),
        ["a@x.test", "b@x.test", "c@x.test"]
    );
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3"]);
    let bad = items[3].as_ref().expect_err("ragged");
    assert_eq!(bad.line, 4);
    assert!(
        bad.reason
            .ends_with("record 2: row has 1 cells, the header has 2"),
        "{}",
        bad.reason
    );
    assert_eq!(source.pages_fetched(), 3);
}

#[test]
fn a_record_that_is_not_an_object_is_a_bad_record() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1") => Response::json(r#"[{"id": 1}, "oops"]"#),
        Some("2") => Response::json(r#"[{"id": 3}, {"id": "x\u0000y"}]"#),
        _ => Response::json("[]"),
    });
    let mut source = open(&config(&server, PAGED), &rt);
    let items = drain(&mut source).expect("reads");
    let bad: Vec<&BadRecord> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(bad.len(), 2);
    assert_eq!(
        (bad[0].line, bad[0].cells.as_slice()),
        (2, ["\"oops\"".to_string()].as_slice())
    );
    let page_one = server.url("/leads?page=1");
    let want = format!("page 1 (`{page_one}`) record 2: the record is a string, not a JSON object");
    assert_eq!(bad[0].reason, want);
    assert_eq!(
        (bad[1].line, bad[1].cells.as_slice()),
        (4, ["xy".to_string()].as_slice())
    );
    assert!(
        bad[1]
            .reason
            .ends_with("record 2: cell 1 contains a NUL byte"),
        "{}",
        bad[1].reason
    );
    assert_eq!(cells(&source, &items, "id"), ["1", "3"]);
    assert_eq!(source.records_read(), 4);
}

#[test]
fn invalid_json_on_page_two_fails_naming_the_page() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1") => Response::json(&id_records([1, 2])),
        _ => Response::json(r#"[{"id": 3}, {"id": "#),
    });
    let mut source = open(&config(&server, PAGED), &rt);
    let first = drain_until_error(&mut source);
    assert_eq!(first.0, 2, "page 1 is read whole, nothing of page 2");
    let err = first.1;
    let want = format!(
        "page 2 (`{}`): the body is not valid JSON",
        server.url("/leads?page=2")
    );
    assert!(err.starts_with(&want), "{err}");
    assert_eq!(source.records_read(), 2);
}

/// Reads until the listing breaks: the records read, and the error.
fn drain_until_error(source: &mut HttpSource) -> (usize, String) {
    let mut read = 0;
    loop {
        match source.next_record() {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("the listing should break after {read} records"),
            Err(err) => return (read, format!("{err:#}")),
        }
    }
}

#[test]
fn a_first_page_that_is_not_json_fails_open() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |_| Response::new(200).body("<html>hi</html>"));
    let err = open_with(&config(&server, ""), None, &rt, None)
        .0
        .expect_err("not json");
    let err = format!("{err:#}");
    assert!(err.starts_with("page 1 (`http://127.0.0.1:"), "{err}");
    assert!(err.contains("the body is not valid JSON"), "{err}");
}

#[test]
fn post_sends_the_body_as_json_with_every_page() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1") => Response::json(&id_records([1])),
        _ => Response::json("[]"),
    });
    let extra = format!("method = \"POST\"\n[body]\nstatus = \"open\"\nlimit = 2\n{PAGED}");
    let mut source = open(&config(&server, &extra), &rt);
    assert_eq!(drain(&mut source).expect("reads").len(), 1);
    for request in server.requests() {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json body");
        assert_eq!(body, serde_json::json!({"status": "open", "limit": 2}));
    }
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn incremental_sends_the_stored_cursor_and_tracks_the_highest() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("page") {
        Some("1") => Response::json(
            r#"[{"id": 1, "updated_at": "2024-03-05T10:00:00Z"},
                {"id": 2, "updated_at": "2024-03-09T08:00:00Z"}]"#,
        ),
        Some("2") => Response::json(
            r#"[{"id": 3, "updated_at": "2024-03-07T00:00:00Z"}, {"id": 4, "updated_at": null}]"#,
        ),
        _ => Response::json("[]"),
    });
    let extra = format!(
        "columns = [\"id\", \"updated_at\"]\n[incremental]\ncursor_field = \"updated_at\"\n{PAGED}"
    );
    let stored = Some("2024-03-01T00:00:00Z".to_string());
    let (source, _) = open_with(&config(&server, &extra), stored, &rt, None);
    let mut source = source.expect("opens");
    assert_eq!(
        source.high_water(),
        Some("2024-03-01T00:00:00Z"),
        "nothing handed out yet"
    );
    source
        .next_record()
        .expect("reads")
        .expect("one")
        .expect("good");
    assert_eq!(source.high_water(), Some("2024-03-05T10:00:00Z"));
    drain(&mut source).expect("reads");
    assert_eq!(source.high_water(), Some("2024-03-09T08:00:00Z"));
    let since: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.param("since").map(str::to_string))
        .collect();
    assert_eq!(since, vec![Some("2024-03-01T00:00:00Z".to_string()); 3]);
}

#[test]
fn without_a_stored_cursor_no_since_is_sent() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |_| Response::json(r#"[{"n": 9}, {"n": 10}]"#));
    let extra = "columns = [\"n\"]\n[incremental]\ncursor_field = \"n\"\nparam = \"from\"\n";
    let mut source = open(&config(&server, extra), &rt);
    drain(&mut source).expect("reads");
    assert_eq!(
        source.high_water(),
        Some("10"),
        "numbers compare as numbers"
    );
    assert_eq!(server.requests()[0].param("from"), None);
}
