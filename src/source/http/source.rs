//! The HTTP source as the pipeline sees it: records one at a time, pages fetched as needed.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use reqwest::Url;
use tokio::runtime::Handle;

use super::auth::{Credentials, Env};
use super::client::{ApiClient, Pacing};
use super::config::{BodyFormat, HttpSourceConfig};
use super::header::Header;
use super::high_water::HighWater;
use super::paginate::{Next, PageView, Paginator};
use super::records::{Fields, ParsedPage, Unreadable, parse_page};
use super::throttle::TokioSleep;
use crate::source::{BadRecord, Record};

/// Reads an HTTP API's listing. Async inside; its methods block on `runtime`, so call them
/// from a blocking thread (`spawn_blocking`) or one of its own, never from async code.
pub struct HttpSource {
    name: String,
    runtime: Handle,
    client: ApiClient,
    pages: Paginator,
    format: BodyFormat,
    records_path: Option<String>,
    header: Header,
    /// The current page's records not yet handed out.
    pending: VecDeque<Pending>,
    /// `None` once the listing is over.
    next_page: Option<Url>,
    high_water: Option<HighWater>,
    shown: String,
    pages_fetched: u64,
    records_read: u64,
    /// Records numbered so far, handed out or pending.
    numbered: u64,
}

struct Pending {
    item: Result<Record, BadRecord>,
    cursor: Option<String>,
}

/// A fetched page, read whole.
struct Page {
    number: u64,
    shown: String,
    parsed: ParsedPage,
}

impl HttpSource {
    /// Fetches the first page (to learn the header). Call from a blocking context.
    /// `stored_cursor` is the last run's [`HttpSource::high_water`], for `incremental`.
    pub fn open(
        config: &HttpSourceConfig,
        stored_cursor: Option<String>,
        runtime: Handle,
    ) -> Result<HttpSource> {
        let pacing = Pacing {
            sleep: Arc::new(TokioSleep),
            gate: None,
        };
        let env = |name: &str| std::env::var(name);
        HttpSource::open_with(config, stored_cursor, runtime, &env, pacing)
    }

    /// [`HttpSource::open`] with the environment and the waits given.
    pub(super) fn open_with(
        config: &HttpSourceConfig,
        stored_cursor: Option<String>,
        runtime: Handle,
        env: Env,
        pacing: Pacing,
    ) -> Result<HttpSource> {
        let problems = config.check();
        if !problems.is_empty() {
            bail!("{}", problems.join("; "));
        }
        let base = Url::parse(&config.url).map_err(|err| anyhow!("`url` is not valid: {err}"))?;
        let credentials = match &config.auth {
            Some(auth) => Some(Credentials::from_env(auth, env)?),
            None => None,
        };
        let fixed_params = match (&config.incremental, &stored_cursor) {
            (Some(incremental), Some(cursor)) => vec![(incremental.param.clone(), cursor.clone())],
            _ => Vec::new(),
        };
        let client = ApiClient::new(config, credentials, fixed_params, pacing)?;
        let shown = client.show(&client.request_url(&base));
        let mut pages = Paginator::new(base, config.pagination.clone());
        let mut source = HttpSource {
            name: config.name.clone(),
            runtime,
            client,
            next_page: Some(pages.first()),
            pages,
            format: config.format,
            records_path: config.records_path.clone(),
            header: Header::fixed(config.columns.clone().unwrap_or_default()),
            pending: VecDeque::new(),
            high_water: config
                .incremental
                .as_ref()
                .map(|incremental| HighWater::new(&incremental.cursor_field, stored_cursor)),
            shown,
            pages_fetched: 0,
            records_read: 0,
            numbered: 0,
        };
        let first = source.fetch()?.expect("the first page is always fetched");
        if config.columns.is_none() {
            source.header = Header::learn(&first.parsed.items);
        }
        source.queue(first);
        Ok(source)
    }

    /// The column names: `columns`, else every field of the first page's records (empty when
    /// that page was empty).
    pub fn header(&self) -> &[String] {
        self.header.names()
    }

    /// The first page's URL, fit to print (a key in it is masked).
    pub fn describe(&self) -> String {
        self.shown.clone()
    }

    /// The next record: `Ok(Ok)` a good one, `Ok(Err)` a record to reject, `Err` the listing
    /// cannot be read on (the message names the page).
    pub fn next_record(&mut self) -> Result<Option<Result<Record, BadRecord>>> {
        loop {
            if let Some(pending) = self.pending.pop_front() {
                if let (Some(mark), Some(cursor)) = (&mut self.high_water, pending.cursor) {
                    mark.observe(cursor);
                }
                self.records_read += 1;
                return Ok(Some(pending.item));
            }
            match self.fetch()? {
                Some(page) => self.queue(page),
                None => return Ok(None),
            }
        }
    }

    /// With `incremental`: the highest cursor value among the records handed out so far, or
    /// the stored cursor if none is higher. Save it once the run has succeeded.
    pub fn high_water(&self) -> Option<&str> {
        self.high_water.as_ref().and_then(HighWater::value)
    }

    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }

    /// Records handed out so far, good and bad.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// Fetches and reads the next page whole, and finds the one after it.
    fn fetch(&mut self) -> Result<Option<Page>> {
        let Some(url) = self.next_page.take() else {
            return Ok(None);
        };
        let number = self.pages_fetched + 1;
        let shown = self.client.show(&self.client.request_url(&url));
        let fetched = self
            .runtime
            .block_on(self.client.fetch(&url))
            .map_err(|err| anyhow!("page {number}: {err:#}"))?;
        let parsed = parse_page(self.format, self.records_path.as_deref(), &fetched.body)
            .map_err(|err| anyhow!("page {number} (`{shown}`): {err:#}"))?;
        let view = PageView {
            url: &url,
            headers: &fetched.headers,
            json: parsed.json.as_ref(),
            records: parsed.items.len(),
        };
        let next = self
            .pages
            .next(&view)
            .map_err(|err| anyhow!("page {number} (`{shown}`): {err:#}"))?;
        self.next_page = match next {
            Next::Page(url) => Some(url),
            Next::Done => None,
            Next::Repeated(url) => {
                tracing::warn!(
                    source = %self.name,
                    page = number,
                    next = %self.client.show(&url),
                    "the API points back at a page already read; stopping there"
                );
                None
            }
        };
        self.pages_fetched = number;
        tracing::debug!(source = %self.name, page = number, records = parsed.items.len(), "page fetched");
        Ok(Some(Page {
            number,
            shown,
            parsed,
        }))
    }

    /// Numbers a page's records and lays them out in header order.
    fn queue(&mut self, page: Page) {
        for (index, item) in page.parsed.items.into_iter().enumerate() {
            self.numbered += 1;
            let at = format!(
                "page {} (`{}`) record {}",
                page.number,
                page.shown,
                index + 1
            );
            let pending = match item {
                Ok(fields) => self.record(self.numbered, &fields, &at),
                Err(Unreadable { reason, cells }) => Pending {
                    item: Err(BadRecord {
                        line: self.numbered,
                        cells,
                        reason: format!("{at}: {reason}"),
                    }),
                    cursor: None,
                },
            };
            self.pending.push_back(pending);
        }
    }

    fn record(&mut self, line: u64, fields: &Fields, at: &str) -> Pending {
        let cells = self.header.cells(fields, &self.name);
        // PostgreSQL cannot store a NUL character in text; no CRM field needs one.
        if let Some(i) = cells.iter().position(|cell| cell.contains('\0')) {
            return Pending {
                item: Err(BadRecord {
                    line,
                    reason: format!("{at}: cell {} contains a NUL byte", i + 1),
                    cells: cells.iter().map(|c| c.replace('\0', "")).collect(),
                }),
                cursor: None,
            };
        }
        Pending {
            cursor: self
                .high_water
                .as_ref()
                .and_then(|mark| mark.value_in(fields)),
            item: Ok(Record { line, cells }),
        }
    }
}

impl fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSource")
            .field("name", &self.name)
            .field("url", &self.shown)
            .field("client", &self.client)
            .field("pages_fetched", &self.pages_fetched)
            .field("records_read", &self.records_read)
            .field("high_water", &self.high_water())
            .finish_non_exhaustive()
    }
}
