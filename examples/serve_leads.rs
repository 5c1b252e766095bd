//! Serves the rows of a CSV file as a paginated JSON API on 127.0.0.1, for benchmarking the
//! HTTP source (`bench/sources.sh`).
//!
//! ```text
//! cargo run --release --example serve_leads -- target/bench/leads-100000.csv
//! ```
//!
//! It prints `127.0.0.1:PORT` on stdout once it listens, then answers
//! `GET /leads?offset=N&limit=M` with a JSON array of records: one object per row, keyed by
//! the header, numbers as JSON numbers, empty cells as `null`. A page past the end is `[]`.
//! `limit` defaults to 1000 and is capped at 10000.
//!
//! Each request is logged on stderr as `request SECONDS offset=N records=M`, SECONDS counted
//! from the first request, so that the request rate can be measured on the server side.
//! It serves until it is killed. One request per connection (`Connection: close`).

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{Map, Number, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const DEFAULT_LIMIT: usize = 1000;
const MAX_LIMIT: usize = 10_000;

/// The records as JSON text, one object each, and when the first request came.
struct Listing {
    records: Vec<String>,
    first_request: OnceLock<Instant>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [csv] = args.as_slice() else {
        eprintln!("usage: serve_leads LEADS.csv");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("serve_leads: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(Path::new(csv))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("serve_leads: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(csv: &Path) -> Result<()> {
    let listing = Arc::new(Listing {
        records: load(csv)?,
        first_request: OnceLock::new(),
    });
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1")?;
    println!("{}", listener.local_addr()?);
    eprintln!(
        "serving {} records of `{}`",
        listing.records.len(),
        csv.display()
    );
    loop {
        let (stream, _) = listener.accept().await.context("accept")?;
        let listing = Arc::clone(&listing);
        tokio::spawn(async move {
            if let Err(err) = answer(stream, &listing).await {
                eprintln!("connection: {err}");
            }
        });
    }
}

/// Every row of the CSV file as a JSON object's text.
fn load(csv: &Path) -> Result<Vec<String>> {
    let mut reader =
        csv::Reader::from_path(csv).with_context(|| format!("cannot open `{}`", csv.display()))?;
    let header = reader.headers()?.clone();
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("cannot read `{}`", csv.display()))?;
        let object: Map<String, Value> = header
            .iter()
            .zip(row.iter())
            .map(|(name, text)| (name.to_string(), json_value(text)))
            .collect();
        records.push(Value::Object(object).to_string());
    }
    Ok(records)
}

/// `null` for an empty cell, a number for a plain number (`1200`, `99.5`), else a string.
fn json_value(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !text.starts_with('0');
    if plain {
        if let Ok(whole) = text.parse::<i64>() {
            return Value::Number(whole.into());
        }
        if let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(number);
        }
    }
    Value::String(text.to_string())
}

async fn answer(mut stream: TcpStream, listing: &Listing) -> std::io::Result<()> {
    let Some(target) = read_target(&mut stream).await? else {
        return Ok(());
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let (status, body) = if path == "/leads" {
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| *key == name)
                .and_then(|(_, value)| value.parse::<usize>().ok())
        };
        let offset = param("offset").unwrap_or(0);
        let limit = param("limit").unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
        let start = offset.min(listing.records.len());
        let end = offset.saturating_add(limit).min(listing.records.len());
        let page = &listing.records[start..end];
        let since = listing.first_request.get_or_init(Instant::now).elapsed();
        eprintln!(
            "request {:.6} offset={offset} records={}",
            since.as_secs_f64(),
            page.len()
        );
        ("200 OK", format!("[{}]", page.join(",")))
    } else {
        ("404 Not Found", "{\"error\":\"not found\"}".to_string())
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// The request target (`/leads?offset=0&limit=1000`) once the request head is in; a GET
/// has no body to wait for.
async fn read_target(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or_default();
    Ok(Some(target.to_string()))
}
