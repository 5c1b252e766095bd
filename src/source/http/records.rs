//! A response body turned into records: flat lists of (name, text) fields.

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value};

use super::config::BodyFormat;

/// A record's fields, nested objects flattened to dotted names (`company.name`).
pub(super) type Fields = Vec<(String, String)>;

/// A record that could not be read, with what was readable of it.
#[derive(Debug, PartialEq)]
pub(super) struct Unreadable {
    pub reason: String,
    pub cells: Vec<String>,
}

/// One page's records, in order.
pub(super) struct ParsedPage {
    pub items: Vec<Result<Fields, Unreadable>>,
    /// A JSON body without its records, for a cursor in it.
    pub json: Option<Value>,
}

/// Reads a whole body. `Err` when the body as a whole is unreadable (not JSON at all, no
/// array where `records_path` says): nothing of such a page is used.
pub(super) fn parse_page(
    format: BodyFormat,
    records_path: Option<&str>,
    body: &[u8],
) -> Result<ParsedPage> {
    match format {
        BodyFormat::Json => parse_json(records_path, body),
        BodyFormat::Ndjson => Ok(ParsedPage {
            items: parse_ndjson(body),
            json: None,
        }),
        BodyFormat::Csv => Ok(ParsedPage {
            items: parse_csv(body)?,
            json: None,
        }),
    }
}

fn parse_json(records_path: Option<&str>, body: &[u8]) -> Result<ParsedPage> {
    let mut json: Value =
        serde_json::from_slice(body).map_err(|err| anyhow!("the body is not valid JSON: {err}"))?;
    let records = match records_path {
        None => match &mut json {
            Value::Array(records) => std::mem::take(records),
            Value::Object(_) => {
                bail!(
                    "the body is a JSON object; set `records_path` to where the records are in it"
                )
            }
            other => bail!("the body is {}, not an array of records", kind(other)),
        },
        Some(path) => match lookup_mut(&mut json, path) {
            None => bail!("the body has nothing at `records_path` (`{path}`)"),
            Some(Value::Null) => Vec::new(),
            Some(Value::Array(records)) => std::mem::take(records),
            Some(other) => bail!(
                "`records_path` (`{path}`) holds {}, not an array",
                kind(other)
            ),
        },
    };
    let items = records.into_iter().map(object_fields).collect();
    Ok(ParsedPage {
        items,
        json: Some(json),
    })
}

/// One object per line; blank lines are skipped and a bad line is one bad record.
fn parse_ndjson(body: &[u8]) -> Vec<Result<Fields, Unreadable>> {
    body.split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.trim_ascii().is_empty())
        .map(|(i, line)| match serde_json::from_slice::<Value>(line) {
            Ok(value) => object_fields(value),
            Err(err) => Err(Unreadable {
                reason: format!("line {} of the body is not valid JSON: {err}", i + 1),
                cells: vec![String::from_utf8_lossy(line.trim_ascii()).into_owned()],
            }),
        })
        .collect()
}

/// A header line, then records; a row of the wrong width is one bad record.
fn parse_csv(body: &[u8]) -> Result<Vec<Result<Fields, Unreadable>>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(body);
    let header = csv_header(reader.byte_headers()?)?;
    let mut items = Vec::new();
    for row in reader.byte_records() {
        let row = row.map_err(|err| anyhow!("the body is not readable CSV: {err}"))?;
        let cells: Vec<Result<&str, _>> = row.iter().map(std::str::from_utf8).collect();
        let item = if let Some(i) = cells.iter().position(Result::is_err) {
            Err(format!("cell {} is not valid UTF-8", i + 1))
        } else if cells.len() != header.len() {
            Err(format!(
                "row has {} cells, the header has {}",
                cells.len(),
                header.len()
            ))
        } else {
            let cells = cells.into_iter().flatten().map(str::to_string);
            Ok(header.iter().cloned().zip(cells).collect())
        };
        items.push(item.map_err(|reason| {
            Unreadable {
                reason,
                cells: row
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect(),
            }
        }));
    }
    Ok(items)
}

fn csv_header(header: &csv::ByteRecord) -> Result<Vec<String>> {
    header
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let cell = if i == 0 {
                cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
            } else {
                cell
            };
            let text = std::str::from_utf8(cell)
                .map_err(|_| anyhow!("header cell {} of the body is not valid UTF-8", i + 1))?;
            Ok(text.trim().to_string())
        })
        .collect()
}

/// An object's fields, or why the value is not a record.
fn object_fields(value: Value) -> Result<Fields, Unreadable> {
    match value {
        Value::Object(object) => {
            let mut fields = Vec::with_capacity(object.len());
            flatten("", object, &mut fields);
            Ok(fields)
        }
        other => Err(Unreadable {
            reason: format!("the record is {}, not a JSON object", kind(&other)),
            cells: vec![other.to_string()],
        }),
    }
}

/// Nested objects become dotted names; arrays stay JSON text; `null` becomes empty.
fn flatten(prefix: &str, object: Map<String, Value>, fields: &mut Fields) {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten(&name, inner, fields),
            Value::Null => fields.push((name, String::new())),
            Value::String(text) => fields.push((name, text)),
            other => fields.push((name, other.to_string())),
        }
    }
}

/// The value at a dotted path of object keys.
pub(super) fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |value, key| value.get(key))
}

fn lookup_mut<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.')
        .try_fold(value, |value, key| value.get_mut(key))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(items: &[Result<Fields, Unreadable>], i: usize) -> &Fields {
        items[i].as_ref().expect("a record")
    }

    #[test]
    fn nested_objects_flatten_and_other_values_become_text() {
        let body = br#"[{"id": 7, "company": {"name": "Acme", "address": {"city": "Oslo"}},
            "tags": ["a", "b"], "fax": null, "vip": true}]"#;
        let page = parse_page(BodyFormat::Json, None, body).expect("json");
        let mut got = fields(&page.items, 0).clone();
        got.sort();
        let want = [
            ("company.address.city", "Oslo"),
            ("company.name", "Acme"),
            ("fax", ""),
            ("id", "7"),
            ("tags", r#"["a","b"]"#),
            ("vip", "true"),
        ];
        let want: Fields = want
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn records_path_finds_the_array_and_keeps_the_rest() {
        let body = br#"{"data": {"items": [{"id": 1}, 5]}, "meta": {"next": "c2"}}"#;
        let page = parse_page(BodyFormat::Json, Some("data.items"), body).expect("json");
        assert_eq!(fields(&page.items, 0), &vec![("id".into(), "1".into())]);
        let bad = page.items[1].as_ref().expect_err("not an object");
        assert_eq!(bad.reason, "the record is a number, not a JSON object");
        let json = page.json.expect("body kept");
        assert_eq!(lookup(&json, "meta.next"), Some(&Value::from("c2")));
        let null = br#"{"data": {"items": null}}"#;
        let page = parse_page(BodyFormat::Json, Some("data.items"), null).expect("json");
        assert!(page.items.is_empty());
        let err = parse_page(BodyFormat::Json, Some("data.rows"), body).err();
        let err = err.expect("missing path").to_string();
        assert_eq!(err, "the body has nothing at `records_path` (`data.rows`)");
    }

    #[test]
    fn an_object_body_without_records_path_says_what_to_set() {
        let err = parse_page(BodyFormat::Json, None, br#"{"items": []}"#).err();
        assert!(
            err.expect("object")
                .to_string()
                .contains("set `records_path`")
        );
        let err = parse_page(BodyFormat::Json, None, b"<html>").err();
        assert!(
            err.expect("html")
                .to_string()
                .starts_with("the body is not valid JSON")
        );
    }

    #[test]
    fn ndjson_skips_blank_lines_and_rejects_bad_ones() {
        let body = b"{\"id\": 1}\r\n\n{oops\n[1]\n{\"id\": 2}";
        let page = parse_page(BodyFormat::Ndjson, None, body).expect("ndjson");
        assert_eq!(page.items.len(), 4);
        assert_eq!(fields(&page.items, 0), &vec![("id".into(), "1".into())]);
        let bad = page.items[1].as_ref().expect_err("bad line");
        assert!(
            bad.reason.starts_with("line 3 of the body"),
            "{}",
            bad.reason
        );
        assert_eq!(bad.cells, ["{oops"]);
        assert!(page.items[2].is_err(), "an array is not a record");
        assert_eq!(fields(&page.items, 3), &vec![("id".into(), "2".into())]);
    }

    #[test]
    fn csv_rows_pair_with_the_header() {
        let body = b"\xEF\xBB\xBFid, email\n1,a@x.test\n2\n3,\xFF\n";
        let page = parse_page(BodyFormat::Csv, None, body).expect("csv");
        let want: Fields = vec![
            ("id".into(), "1".into()),
            ("email".into(), "a@x.test".into()),
        ];
        assert_eq!(fields(&page.items, 0), &want);
        let ragged = page.items[1].as_ref().expect_err("ragged");
        assert_eq!(ragged.reason, "row has 1 cells, the header has 2");
        let bad = page.items[2].as_ref().expect_err("bad utf-8");
        assert_eq!(bad.reason, "cell 2 is not valid UTF-8");
        assert!(
            parse_page(BodyFormat::Csv, None, b"")
                .expect("empty")
                .items
                .is_empty()
        );
    }
}
