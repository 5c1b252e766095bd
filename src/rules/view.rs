//! Facts as CEL records read field by field: a field's value is built only when an expression
//! reads it, so `lead.value > 100` costs the same on a lead with fifty custom fields as on one
//! with none.

use std::collections::HashMap;

use cel::ExecutionError;
use cel::common::traits::Indexer;
use cel::common::types::{CelList, CelMap, CelMapKey, CelString, Type};
use cel::common::value::{CowVal, Val};
use chrono::{DateTime, Utc};

use super::custom::CustomFields;
use super::facts::{DealFacts, LeadFacts, OrganizationFacts, PersonFacts, ProductFacts};
use super::values::{
    Boxed, boolean, double, int, optional_date, optional_double, optional_int, optional_string,
    string, strings, timestamp,
};

/// A kind of record: its CEL type and how to build each of its fields.
pub(super) trait Fields: std::fmt::Debug + Send + Sync + Clone {
    fn cel_type() -> &'static Type;

    /// The field `name`, or `None` when the record has no such field; the names answered are
    /// those of the record's [`Schema`](super::schema::Schema).
    fn field<'v>(&self, name: &str) -> Option<Boxed<'v>>
    where
        Self: 'v;
}

/// A record CEL can select fields of, `lead.title`, `lead["title"]` and `has(lead.title)`.
#[derive(Debug, Clone)]
pub(super) struct Record<T>(pub T);

impl<T: Fields> Indexer for Record<T> {
    fn get<'b, 'v>(&'b self, key: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let Some(name) = key.downcast_ref::<CelString>().map(CelString::inner) else {
            return Err(ExecutionError::UnexpectedType {
                got: key.get_type().name().to_string(),
                want: "string".to_string(),
            });
        };
        let field = self.0.field(name).map(CowVal::Owned);
        field.ok_or_else(|| ExecutionError::no_such_key(name))
    }

    fn steal<'v>(self: Box<Self>, key: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(key).map(CowVal::into_owned)
    }
}

impl<T: Fields> Val for Record<T> {
    fn get_type(&self) -> &Type {
        T::cel_type()
    }

    fn cel_type() -> &'static Type {
        T::cel_type()
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }
}

static LEAD_TYPE: Type = Type::new_struct_type("lead");
static PERSON_TYPE: Type = Type::new_struct_type("person");
static ORGANIZATION_TYPE: Type = Type::new_struct_type("organization");
static DEAL_TYPE: Type = Type::new_struct_type("deal");

/// A lead as of `now`, which its age depends on.
#[derive(Debug, Clone, Copy)]
pub(super) struct LeadView<'a> {
    pub facts: &'a LeadFacts,
    /// Whole days since the lead was created; 0 for a lead created after `now`.
    pub age_days: i64,
}

impl<'a> LeadView<'a> {
    pub fn new(facts: &'a LeadFacts, now: DateTime<Utc>) -> LeadView<'a> {
        let age_days = (now - facts.created_at).num_days().max(0);
        LeadView { facts, age_days }
    }
}

impl Fields for LeadView<'_> {
    fn cel_type() -> &'static Type {
        &LEAD_TYPE
    }

    fn field<'v>(&self, name: &str) -> Option<Boxed<'v>>
    where
        Self: 'v,
    {
        let lead = self.facts;
        let person = lead.person.as_ref();
        Some(match name {
            "id" => string(&lead.id),
            "title" => string(&lead.title),
            "value" => optional_double(lead.value),
            "currency" => optional_string(&lead.currency),
            "labels" => strings(&lead.labels),
            "owner" => optional_string(&lead.owner),
            "origin" => string(&lead.origin),
            "source" => optional_string(&lead.source),
            "expected_close_date" => optional_date(lead.expected_close_date),
            "custom" => Box::new(CustomFields::new(&lead.custom)),
            "created_at" => timestamp(lead.created_at),
            "age_days" => int(self.age_days),
            "has_email" => boolean(person.is_some_and(|person| !person.emails.is_empty())),
            "has_phone" => boolean(person.is_some_and(|person| !person.phones.is_empty())),
            "archived" => boolean(lead.archived),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct PersonView<'a>(pub &'a PersonFacts);

impl Fields for PersonView<'_> {
    fn cel_type() -> &'static Type {
        &PERSON_TYPE
    }

    fn field<'v>(&self, name: &str) -> Option<Boxed<'v>>
    where
        Self: 'v,
    {
        let person = self.0;
        Some(match name {
            "name" => string(&person.name),
            "emails" => strings(&person.emails),
            "phones" => strings(&person.phones),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct OrganizationView<'a>(pub &'a OrganizationFacts);

impl Fields for OrganizationView<'_> {
    fn cel_type() -> &'static Type {
        &ORGANIZATION_TYPE
    }

    fn field<'v>(&self, name: &str) -> Option<Boxed<'v>>
    where
        Self: 'v,
    {
        let organization = self.0;
        Some(match name {
            "name" => string(&organization.name),
            "domain" => optional_string(&organization.domain),
            "website" => optional_string(&organization.website),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct DealView<'a>(pub &'a DealFacts);

impl Fields for DealView<'_> {
    fn cel_type() -> &'static Type {
        &DEAL_TYPE
    }

    fn field<'v>(&self, name: &str) -> Option<Boxed<'v>>
    where
        Self: 'v,
    {
        let deal = self.0;
        Some(match name {
            "title" => string(&deal.title),
            "value" => optional_double(deal.value),
            "currency" => optional_string(&deal.currency),
            "probability" => optional_int(deal.probability),
            "status" => string(&deal.status),
            "pipeline" => string(&deal.pipeline),
            "stage" => string(&deal.stage),
            "labels" => strings(&deal.labels),
            "owner" => optional_string(&deal.owner),
            "custom" => Box::new(CustomFields::new(&deal.custom)),
            "products" => products(&deal.products),
            "expected_close_date" => optional_date(deal.expected_close_date),
            _ => return None,
        })
    }
}

/// Products as a list of plain maps, so that `map`, `filter` and `exists` work on them.
fn products(products: &[ProductFacts]) -> Boxed<'_> {
    let items: Vec<Boxed<'_>> = products.iter().map(product).collect();
    Box::new(CelList::from(items))
}

fn product(product: &ProductFacts) -> Boxed<'_> {
    let entries = [
        ("name", string(&product.name)),
        ("quantity", double(product.quantity)),
        ("unit_price", double(product.unit_price)),
        ("discount", double(product.discount)),
    ];
    let entries = entries
        .into_iter()
        .map(|(key, value)| (CelMapKey::from(key), value));
    Box::new(CelMap::from(entries.collect::<HashMap<_, _>>()))
}
