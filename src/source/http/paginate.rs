//! Which URL comes next. Pure: it looks at the page just read and answers.

use std::collections::HashSet;

use anyhow::{Result, bail};
use reqwest::Url;
use reqwest::header::{HeaderMap, LINK};
use serde_json::Value;

use super::client::set_params;
use super::config::PaginationConfig;
use super::records::lookup;

/// What the paginator sees of a page it was asked about.
pub(super) struct PageView<'a> {
    /// The URL the paginator gave for this page.
    pub url: &'a Url,
    pub headers: &'a HeaderMap,
    /// The body, for a JSON source.
    pub json: Option<&'a Value>,
    /// How many records the page held (good and bad).
    pub records: usize,
}

/// The answer after a page.
#[derive(Debug, PartialEq)]
pub(super) enum Next {
    Page(Url),
    Done,
    /// The API pointed at a page already read: it goes round in circles, or marks its end
    /// that way. Everything it served has been read, so the caller stops with a warning.
    Repeated(Url),
}

pub(super) struct Paginator {
    base: Url,
    config: PaginationConfig,
    /// The offset or the page number of the last page.
    position: u64,
    seen: HashSet<Url>,
}

impl Paginator {
    pub fn new(base: Url, config: PaginationConfig) -> Paginator {
        let position = match &config {
            PaginationConfig::Page { start, .. } => *start,
            _ => 0,
        };
        Paginator {
            base,
            config,
            position,
            seen: HashSet::new(),
        }
    }

    /// The first page's URL.
    pub fn first(&mut self) -> Url {
        let url = self.numbered().unwrap_or_else(|| self.base.clone());
        self.seen.insert(url.clone());
        url
    }

    /// The page after `last`. An empty page ends every kind of listing.
    pub fn next(&mut self, last: &PageView) -> Result<Next> {
        if last.records == 0 {
            return Ok(Next::Done);
        }
        let next = match &self.config {
            PaginationConfig::None => None,
            PaginationConfig::Offset { .. } => {
                self.position += last.records as u64;
                self.numbered()
            }
            PaginationConfig::Page { .. } => {
                self.position += 1;
                self.numbered()
            }
            PaginationConfig::Cursor {
                cursor_path,
                cursor_param,
            } => body_cursor(last.json, cursor_path)?
                .map(|cursor| set_params(&self.base, &[(cursor_param, &cursor)])),
            PaginationConfig::HeaderCursor { header, param } => header_text(last.headers, header)?
                .map(|cursor| set_params(&self.base, &[(param, &cursor)])),
            PaginationConfig::NextUrlHeader { header } => {
                match header_text(last.headers, header)? {
                    Some(next) => Some(self.resolve(last.url, &next)?),
                    None => None,
                }
            }
            PaginationConfig::Link => match link_next(last.headers) {
                Some(next) => Some(self.resolve(last.url, &next)?),
                None => None,
            },
        };
        Ok(match next {
            None => Next::Done,
            Some(url) if !self.seen.insert(url.clone()) => Next::Repeated(url),
            Some(url) => Next::Page(url),
        })
    }

    /// The URL at `position`, for offset and page numbering.
    fn numbered(&self) -> Option<Url> {
        let position = self.position.to_string();
        match &self.config {
            PaginationConfig::Offset {
                offset_param,
                limit_param,
                limit,
            } => Some(set_params(
                &self.base,
                &[(offset_param, &position), (limit_param, &limit.to_string())],
            )),
            PaginationConfig::Page {
                page_param,
                size_param,
                size,
                ..
            } => {
                let size = size.map(|size| size.to_string());
                let mut params = vec![(page_param.as_str(), position.as_str())];
                if let (Some(param), Some(size)) = (size_param, &size) {
                    params.push((param, size));
                }
                Some(set_params(&self.base, &params))
            }
            _ => None,
        }
    }

    /// A next-page URL from the API, relative to the page it came with. Credentials go only
    /// to the configured origin, so a link elsewhere stops the run.
    fn resolve(&self, page: &Url, next: &str) -> Result<Url> {
        let Ok(url) = page.join(next) else {
            bail!("the next-page URL the API sent is not a valid URL");
        };
        if url.origin() != self.base.origin() {
            bail!(
                "the API's next page is on `{}`, not on `{}` as `url` is; credentials are not \
                 sent elsewhere",
                url.origin().ascii_serialization(),
                self.base.origin().ascii_serialization()
            );
        }
        Ok(url)
    }
}

/// The cursor at `path` in the body; missing, `null` or `""` ends the listing.
fn body_cursor(json: Option<&Value>, path: &str) -> Result<Option<String>> {
    match json.and_then(|body| lookup(body, path)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => bail!("the cursor at `{path}` is not a string or number but `{other}`"),
    }
}

/// A header's value; missing or empty ends the listing.
fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let Ok(text) = value.to_str() else {
        bail!("the `{name}` header is not ASCII text");
    };
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// The target of the first `rel="next"` link in the `Link` headers (RFC 8288).
pub(super) fn link_next(headers: &HeaderMap) -> Option<String> {
    let values = headers.get_all(LINK).into_iter();
    let texts = values.filter_map(|value| value.to_str().ok());
    texts
        .flat_map(|text| split_outside(text, ','))
        .find_map(|link| {
            let mut parts = split_outside(link, ';').into_iter();
            let target = parts.next()?.trim().strip_prefix('<')?.strip_suffix('>')?;
            let is_next = parts.any(|param| {
                let Some((name, value)) = param.split_once('=') else {
                    return false;
                };
                let value = value.trim().trim_matches('"');
                name.trim().eq_ignore_ascii_case("rel")
                    && value
                        .split_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            });
            is_next.then(|| target.to_string())
        })
}

/// `text` split at `separator` where it is neither inside `<...>` nor inside quotes.
fn split_outside(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut in_angle, mut in_quote, mut escaped) = (0, false, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quote => escaped = true,
            '"' if !in_angle => in_quote = !in_quote,
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            c if c == separator && !in_angle && !in_quote => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect("header"));
        }
        map
    }

    #[test]
    fn link_header_finds_next_among_others() {
        let map = headers(&[(
            "link",
            r#"<https://api.test/leads?page=1>; rel="prev first", <https://api.test/leads?a=1,2&page=3>; title="x, y"; rel="next""#,
        )]);
        assert_eq!(
            link_next(&map).as_deref(),
            Some("https://api.test/leads?a=1,2&page=3")
        );
        let map = headers(&[("link", "</leads?page=2>; REL=next")]);
        assert_eq!(link_next(&map).as_deref(), Some("/leads?page=2"));
        let map = headers(&[("link", r#"<https://api.test/leads?page=9>; rel="last""#)]);
        assert_eq!(link_next(&map), None);
    }

    #[test]
    fn next_links_to_another_origin_are_refused() {
        let base = Url::parse("http://127.0.0.1:9/leads").expect("url");
        let mut pages = Paginator::new(base.clone(), PaginationConfig::Link);
        let first = pages.first();
        let map = headers(&[("link", r#"<http://evil.test/leads?page=2>; rel="next""#)]);
        let view = PageView {
            url: &first,
            headers: &map,
            json: None,
            records: 3,
        };
        let err = pages.next(&view).expect_err("other origin");
        assert!(err.to_string().contains("http://evil.test"), "{err}");
    }

    #[test]
    fn offset_grows_by_the_records_read() {
        let base = Url::parse("http://127.0.0.1:9/leads?kind=web").expect("url");
        let config = PaginationConfig::Offset {
            offset_param: "skip".into(),
            limit_param: "take".into(),
            limit: 100,
        };
        let mut pages = Paginator::new(base, config);
        let first = pages.first();
        assert_eq!(first.query(), Some("kind=web&skip=0&take=100"));
        let empty = HeaderMap::new();
        let view = |url, records| PageView {
            url,
            headers: &empty,
            json: None,
            records,
        };
        let Next::Page(second) = pages.next(&view(&first, 40)).expect("next") else {
            panic!("a second page");
        };
        assert_eq!(second.query(), Some("kind=web&skip=40&take=100"));
        assert_eq!(pages.next(&view(&second, 0)).expect("next"), Next::Done);
    }
}
