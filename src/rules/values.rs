//! Facts as CEL values. Strings are borrowed from the facts, not copied: a rule runs over every
//! lead of the inbox, and most of what it could read it never does.

use std::collections::HashMap;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelTimestamp,
    CelUInt,
};
use cel::common::value::Val;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde_json::{Map, Value};

/// A CEL value that may borrow from facts living for `'a`.
pub(super) type Boxed<'a> = Box<dyn Val + 'a>;

pub(super) fn null<'a>() -> Boxed<'a> {
    Box::new(CelNull)
}

pub(super) fn string(text: &str) -> Boxed<'_> {
    Box::new(CelString::from(text))
}

pub(super) fn optional_string(text: &Option<String>) -> Boxed<'_> {
    text.as_deref().map_or_else(null, string)
}

pub(super) fn strings(texts: &[String]) -> Boxed<'_> {
    let items: Vec<Boxed<'_>> = texts.iter().map(|text| string(text)).collect();
    Box::new(CelList::from(items))
}

pub(super) fn boolean<'a>(value: bool) -> Boxed<'a> {
    Box::new(CelBool::from(value))
}

pub(super) fn int<'a>(value: i64) -> Boxed<'a> {
    Box::new(CelInt::from(value))
}

pub(super) fn optional_int<'a>(value: Option<i64>) -> Boxed<'a> {
    value.map_or_else(null, int)
}

pub(super) fn double<'a>(value: f64) -> Boxed<'a> {
    Box::new(CelDouble::from(value))
}

pub(super) fn optional_double<'a>(value: Option<f64>) -> Boxed<'a> {
    value.map_or_else(null, double)
}

pub(super) fn timestamp<'a>(at: DateTime<Utc>) -> Boxed<'a> {
    Box::new(CelTimestamp::from(at.fixed_offset()))
}

/// A date is a timestamp at midnight UTC, so that it compares with `date("...")`,
/// `timestamp("...")` and other dates, and has `getFullYear()`, `getMonth()` and the like.
pub(super) fn optional_date<'a>(date: Option<NaiveDate>) -> Boxed<'a> {
    date.map_or_else(null, |date| {
        Box::new(CelTimestamp::from(midnight_utc(date)))
    })
}

pub(super) fn midnight_utc(date: NaiveDate) -> DateTime<FixedOffset> {
    date.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .fixed_offset()
}

/// A JSON object as a CEL map: whole numbers become `int` (or `uint` past `i64`), others
/// `double`; CEL compares the two freely, but does not mix them in arithmetic.
pub(super) fn object(fields: &Map<String, Value>) -> Boxed<'_> {
    let entries: HashMap<CelMapKey<'_>, Boxed<'_>> = fields
        .iter()
        .map(|(key, value)| (CelMapKey::from(key.as_str()), json(value)))
        .collect();
    Box::new(CelMap::from(entries))
}

pub(super) fn json(value: &Value) -> Boxed<'_> {
    match value {
        Value::Null => null(),
        Value::Bool(value) => boolean(*value),
        Value::Number(number) => match (number.as_i64(), number.as_u64()) {
            (Some(value), _) => int(value),
            (None, Some(value)) => Box::new(CelUInt::from(value)),
            (None, None) => double(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => string(text),
        Value::Array(items) => {
            let items: Vec<Boxed<'_>> = items.iter().map(json).collect();
            Box::new(CelList::from(items))
        }
        Value::Object(fields) => object(fields),
    }
}
