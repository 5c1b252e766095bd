//! Every way of reaching the next page, and where each one stops.

use super::*;
use crate::source::http::test_server::{Request, Response};

fn param(request: &Request, name: &str) -> Option<String> {
    request.param(name).map(str::to_string)
}

fn number(request: &Request, name: &str) -> u64 {
    request
        .param(name)
        .map_or(0, |v| v.parse().expect("a number"))
}

#[test]
fn offset_pages_until_an_empty_one() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| {
        let offset = number(request, "offset");
        let limit = number(request, "limit");
        Response::json(&id_records(
            (offset + 1..=offset + limit).filter(|id| *id <= 5),
        ))
    });
    let config = config(&server, "[pagination]\ntype = \"offset\"\nlimit = 2\n");
    let mut source = open(&config, &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3", "4", "5"]);
    let offsets: Vec<_> = server
        .requests()
        .iter()
        .map(|r| param(r, "offset"))
        .collect();
    let want = ["0", "2", "4", "5"].map(|o| Some(o.to_string()));
    assert_eq!(offsets, want);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.param("limit") == Some("2"))
    );
    assert_eq!((source.pages_fetched(), source.records_read()), (4, 5));
    let lines: Vec<u64> = items.iter().flatten().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [1, 2, 3, 4, 5],
        "lines number records over the whole run"
    );
}

#[test]
fn page_numbers_start_where_configured_and_send_the_size() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| {
        let page = number(request, "p");
        match page {
            0 => Response::json(&id_records([1, 2])),
            1 => Response::json(&id_records([3])),
            _ => Response::json("[]"),
        }
    });
    let extra = "[pagination]\ntype = \"page\"\npage_param = \"p\"\nstart = 0\n\
                 size_param = \"per\"\nsize = 2\n";
    let mut source = open(&config(&server, extra), &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3"]);
    let pages: Vec<_> = server.requests().iter().map(|r| param(r, "p")).collect();
    assert_eq!(pages, ["0", "1", "2"].map(|p| Some(p.to_string())));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.param("per") == Some("2"))
    );
}

#[test]
fn body_cursor_is_sent_back_and_the_base_query_kept() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("cursor") {
        None => Response::json(r#"{"items": [{"id": 1}], "meta": {"next": "c2"}}"#),
        Some("c2") => Response::json(r#"{"items": [{"id": 2}], "meta": {"next": 3}}"#),
        Some("3") => Response::json(r#"{"items": [{"id": 3}], "meta": {"next": null}}"#),
        Some(other) => Response::new(400).body(format!("unknown cursor {other}")),
    });
    let mut config = config(
        &server,
        "records_path = \"items\"\n[pagination]\ntype = \"cursor\"\n\
         cursor_path = \"meta.next\"\ncursor_param = \"cursor\"\n",
    );
    config.url.push_str("?kind=web");
    let mut source = open(&config, &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3"]);
    let cursors: Vec<_> = server
        .requests()
        .iter()
        .map(|r| param(r, "cursor"))
        .collect();
    assert_eq!(cursors, [None, Some("c2".into()), Some("3".into())]);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.param("kind") == Some("web"))
    );
}

#[test]
fn header_cursor_is_sent_back_until_the_header_is_gone() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| match request.param("after") {
        None => Response::json(&id_records([1, 2])).header("X-Next-Cursor", "abc"),
        Some("abc") => Response::json(&id_records([3])).header("X-Next-Cursor", ""),
        Some(_) => Response::new(400),
    });
    let extra = "[pagination]\ntype = \"header_cursor\"\nheader = \"X-Next-Cursor\"\n\
                 param = \"after\"\n";
    let mut source = open(&config(&server, extra), &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3"]);
    assert_eq!(
        server.requests().len(),
        2,
        "an empty header ends the listing"
    );
}

#[test]
fn next_url_header_is_followed_relative_or_absolute() {
    let rt = runtime();
    let absolute = Arc::new(Mutex::new(String::new()));
    let third = Arc::clone(&absolute);
    let server = TestServer::start(rt.handle(), move |request| match request.path.as_str() {
        "/leads" => Response::json(&id_records([1])).header("X-Next", "/leads/2?token=t2"),
        "/leads/2" => {
            let next = third.lock().expect("url").clone();
            Response::json(&id_records([2])).header("X-Next", &next)
        }
        "/leads/3" => Response::json(&id_records([3])),
        _ => Response::new(404),
    });
    *absolute.lock().expect("url") = server.url("/leads/3");
    let extra = "[pagination]\ntype = \"next_url_header\"\nheader = \"X-Next\"\n";
    let mut source = open(&config(&server, extra), &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3"]);
    let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/leads", "/leads/2", "/leads/3"]);
    assert_eq!(server.requests()[1].param("token"), Some("t2"));
}

#[test]
fn link_header_rel_next_is_followed() {
    let rt = runtime();
    let base = Arc::new(Mutex::new(String::new()));
    let shared = Arc::clone(&base);
    let server = TestServer::start(rt.handle(), move |request| {
        let base = shared.lock().expect("url").clone();
        let page = number(request, "page").max(1);
        let first = format!("<{base}?page=1>; rel=\"first\"");
        match page {
            1 | 2 => {
                let link = format!("{first}, <{base}?page={}>; rel=\"next\"", page + 1);
                Response::json(&id_records([page])).header("Link", &link)
            }
            _ => Response::json(&id_records([page])).header("Link", &first),
        }
    });
    *base.lock().expect("url") = server.url("/leads");
    let mut source = open(&config(&server, "[pagination]\ntype = \"link\"\n"), &rt);
    let items = drain(&mut source).expect("reads");
    assert_eq!(cells(&source, &items, "id"), ["1", "2", "3"]);
    let pages: Vec<_> = server.requests().iter().map(|r| param(r, "page")).collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
}

#[test]
fn a_cursor_that_comes_back_stops_the_listing() {
    let rt = runtime();
    let server = TestServer::start(rt.handle(), |request| {
        let id = request.seen as u64 + 1;
        let body = format!(r#"{{"items": [{{"id": {id}}}], "next": "same"}}"#);
        Response::json(&body)
    });
    let extra = "records_path = \"items\"\n[pagination]\ntype = \"cursor\"\n\
                 cursor_path = \"next\"\ncursor_param = \"cursor\"\n";
    let mut source = open(&config(&server, extra), &rt);
    let items = drain(&mut source).expect("stops without an error");
    assert_eq!(cells(&source, &items, "id"), ["1", "2"]);
    assert_eq!(
        server.requests().len(),
        2,
        "the repeated cursor is not fetched again"
    );
    assert!(source.next_record().expect("still over").is_none());
}
