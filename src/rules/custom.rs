//! Custom fields as a CEL map that converts only the entries an expression reads.
//!
//! A lead may carry dozens of custom fields, and `lead.custom.region == "EMEA"` reads one; a map
//! built whole would convert all of them on every lead. This one converts a value when it is
//! looked up, and its keys only when it is iterated over.

use std::sync::OnceLock;

use cel::ExecutionError;
use cel::common::traits::{Container, Indexer, Iterable, Iterator, Sizer};
use cel::common::types::{CelBool, CelDouble, CelInt, CelString, CelUInt, MAP_TYPE, Type};
use cel::common::value::{CowVal, Val};
use serde_json::{Map, Value};

use super::values::{json, object};

/// `lead.custom` or `deal.custom`: a `map` to expressions.
#[derive(Debug, Clone)]
pub(super) struct CustomFields<'a> {
    fields: &'a Map<String, Value>,
    /// The keys as CEL strings, made the first time the map is iterated over.
    keys: OnceLock<Vec<CelString<'a>>>,
}

impl<'a> CustomFields<'a> {
    pub fn new(fields: &'a Map<String, Value>) -> CustomFields<'a> {
        CustomFields {
            fields,
            keys: OnceLock::new(),
        }
    }
}

/// The entry `key` names, or `Err` with what a CEL map answers for it.
fn entry<'a>(fields: &'a Map<String, Value>, key: &dyn Val) -> Result<&'a Value, ExecutionError> {
    if let Some(key) = key.downcast_ref::<CelString>() {
        let value = fields.get(key.inner());
        return value.ok_or_else(|| ExecutionError::no_such_key(key.inner()));
    }
    let number = [
        key.downcast_ref::<CelInt>().map(|k| k.inner().to_string()),
        key.downcast_ref::<CelUInt>().map(|k| k.inner().to_string()),
        key.downcast_ref::<CelDouble>()
            .map(|k| k.inner().to_string()),
        key.downcast_ref::<CelBool>().map(|k| k.inner().to_string()),
    ];
    // Custom fields are named by strings: any other key that could name an entry names none.
    match number.into_iter().flatten().next() {
        Some(key) => Err(ExecutionError::no_such_key(&key)),
        None => Err(ExecutionError::UnexpectedType {
            got: key.get_type().name().to_string(),
            want: "map key".to_string(),
        }),
    }
}

impl Indexer for CustomFields<'_> {
    fn get<'b, 'v>(&'b self, key: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        entry(self.fields, key).map(|value| CowVal::Owned(json(value)))
    }

    fn steal<'v>(self: Box<Self>, key: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        entry(self.fields, key).map(json)
    }
}

impl Container for CustomFields<'_> {
    fn contains(&self, key: &dyn Val) -> Result<bool, ExecutionError> {
        match entry(self.fields, key) {
            Ok(_) => Ok(true),
            Err(ExecutionError::NoSuchKey(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }
}

impl Sizer for CustomFields<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(i64::try_from(self.fields.len()).unwrap_or(i64::MAX))
    }
}

impl Iterable for CustomFields<'_> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        let keys = self.keys.get_or_init(|| {
            let keys = self.fields.keys().map(|key| CelString::from(key.as_str()));
            keys.collect()
        });
        Box::new(Keys(keys.iter()))
    }
}

struct Keys<'b, 'a>(std::slice::Iter<'b, CelString<'a>>);

impl<'b, 'a: 'v, 'v> Iterator<'b, 'v> for Keys<'b, 'a> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|key| key as &(dyn Val + 'v))
    }
}

impl Val for CustomFields<'_> {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }

    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn Iterable + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }

    /// Compared whole, as a map built from every entry: comparing custom fields to a map
    /// literal is rare enough not to need a faster way.
    fn equals(&self, other: &dyn Val) -> bool {
        object(self.fields).equals(other)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }
}
