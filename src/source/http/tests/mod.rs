//! Tests of the HTTP source against real servers on 127.0.0.1. No test waits for real, except
//! the one that makes a request time out.

mod auth;
mod config;
mod paginate;
mod rate_limit;
mod records;
mod retry;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::FakeRelativeClock;
use tokio::runtime::Runtime;

use super::HttpSource;
use super::client::Pacing;
use super::config::HttpSourceConfig;
use super::test_server::TestServer;
use super::throttle::{Gate, Sleep};
use crate::source::{BadRecord, Record};

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A source named `leads` on `server`'s `/leads`; `extra` is more TOML (keys, then tables).
fn config(server: &TestServer, extra: &str) -> HttpSourceConfig {
    let url = server.url("/leads");
    let text = format!("name = \"leads\"\nmapping = \"m.toml\"\nurl = \"{url}\"\n{extra}");
    toml::from_str(&text).unwrap_or_else(|err| panic!("config: {err}\n{text}"))
}

/// Records every wait instead of waiting, and moves a fake clock by it.
#[derive(Default)]
struct Waits {
    waits: Mutex<Vec<Duration>>,
    clock: FakeRelativeClock,
}

impl Waits {
    fn taken(&self) -> Vec<Duration> {
        self.waits.lock().expect("waits").clone()
    }
}

impl Sleep for Waits {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.waits.lock().expect("waits").push(duration);
        self.clock.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// Variables the tests' sources read, in place of the process environment.
const ENV: &[(&str, &str)] = &[
    ("TEST_BEARER_TOKEN", "tok-bearer-5ecret"),
    ("TEST_API_KEY", "key-5ecret-42"),
    ("TEST_USER", "Aladdin"),
    ("TEST_PASSWORD", "open sesame"),
];

fn env(name: &str) -> Result<String, std::env::VarError> {
    ENV.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
        .ok_or(std::env::VarError::NotPresent)
}

/// Opens `config` with recorded waits and the test environment.
fn open_with(
    config: &HttpSourceConfig,
    cursor: Option<String>,
    runtime: &Runtime,
    gate: Option<Box<dyn Gate>>,
) -> (anyhow::Result<HttpSource>, Arc<Waits>) {
    let waits = Arc::new(Waits::default());
    let pacing = Pacing {
        sleep: waits.clone(),
        gate,
    };
    let source = HttpSource::open_with(config, cursor, runtime.handle().clone(), &env, pacing);
    (source, waits)
}

fn open(config: &HttpSourceConfig, runtime: &Runtime) -> HttpSource {
    open_with(config, None, runtime, None)
        .0
        .unwrap_or_else(|err| panic!("opens: {err:#}"))
}

/// Every remaining record; `Err` when the listing broke.
fn drain(source: &mut HttpSource) -> anyhow::Result<Vec<Result<Record, BadRecord>>> {
    let mut items = Vec::new();
    while let Some(item) = source.next_record()? {
        items.push(item);
    }
    Ok(items)
}

/// The `column` cell of every good record.
fn cells(source: &HttpSource, items: &[Result<Record, BadRecord>], column: &str) -> Vec<String> {
    let at = source
        .header()
        .iter()
        .position(|name| name == column)
        .unwrap_or_else(|| panic!("`{column}` in {:?}", source.header()));
    items
        .iter()
        .flatten()
        .map(|record| record.cells[at].to_string())
        .collect()
}

/// A JSON array of records `{"id": n}` for `ids`.
fn id_records(ids: impl IntoIterator<Item = u64>) -> String {
    let records: Vec<String> = ids
        .into_iter()
        .map(|id| format!("{{\"id\": {id}}}"))
        .collect();
    format!("[{}]", records.join(","))
}
