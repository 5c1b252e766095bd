//! Conditions and formula fields in CEL, over leads and deals.
//!
//! A **condition** decides whether a conversion rule applies to a lead; a **formula** computes a
//! field of a deal. Both are [CEL](https://github.com/google/cel-spec) expressions, compiled
//! once ([`Condition::compile`], [`Formula::compile`]) and evaluated on every record.
//! Compiling also checks every variable and field the expression names, so a typo fails the
//! job up front instead of the rule silently never matching.
//!
//! # What a condition can read
//!
//! | Name | CEL type | Notes |
//! |---|---|---|
//! | `lead.id`, `lead.title`, `lead.origin` | string | `origin`: `import`, `api`, `manual`, `web_form`, ... |
//! | `lead.value` | double or null | `lead.value > 5000` compares with an int fine |
//! | `lead.currency`, `lead.owner`, `lead.source` | string or null | `source`: the source it was imported from |
//! | `lead.labels` | list of strings | `"hot" in lead.labels` |
//! | `lead.expected_close_date` | timestamp or null | midnight UTC of the day: `lead.expected_close_date < date("2025-07-01")` |
//! | `lead.created_at` | timestamp | |
//! | `lead.age_days` | int | whole days from `created_at` to the evaluation's `now`, never negative |
//! | `lead.custom` | map | `lead.custom.region`; whole numbers are ints, others doubles |
//! | `lead.has_email`, `lead.has_phone` | bool | the lead's person has at least one |
//! | `lead.archived` | bool | |
//! | `person.name` | string | `person` is null when the lead has no person |
//! | `person.emails`, `person.phones` | list of strings | normalized, primary first |
//! | `organization.name` | string | `organization` is null when the lead has none |
//! | `organization.domain`, `organization.website` | string or null | |
//!
//! # What a formula can read
//!
//! `deal.title`, `deal.status` (`open`, `won`, `lost`), `deal.pipeline`, `deal.stage` (names)
//! are strings; `deal.value` a double or null, `deal.probability` an int (percent) or null;
//! `deal.currency` and `deal.owner` strings or null; `deal.labels` a list of strings;
//! `deal.custom` a map; `deal.expected_close_date` a timestamp or null; `deal.products` a list
//! of maps with `name`, `quantity`, `unit_price` and `discount` (percent), all but `name`
//! doubles. A formula yields a number, a string, a bool or null. Example, the weighted value:
//! `deal.value * double(deal.probability) / 100.0`.
//!
//! # Functions
//!
//! The CEL standard library (`size`, `contains`, `startsWith`, `endsWith`, `matches`,
//! `timestamp`, `duration`, `has`, `all`, `exists`, `map`, `filter`, ...), the `strings`
//! extension (`lowerAscii`, `trim`, `split`, `replace`, ...), the `lists` extension and the
//! `math` extension (`math.round`, `math.greatest`, ...), and `date("YYYY-MM-DD")`, midnight
//! UTC of that day.
//!
//! # Missing values
//!
//! An absent value is `null`, and CEL does not order null against numbers: on a lead without a
//! value, `lead.value > 100` is an evaluation error for that lead (saying a value is null), not
//! `false`. Write `lead.value != null && lead.value > 100`; `&&` and `||` skip the side that
//! cannot change the result, so the comparison is never reached. The same goes for `person` and
//! `organization`: `organization != null && organization.domain == "acme.com"`. A custom field
//! the lead lacks is a missing key, not null: test it with `has(lead.custom.region)`. On the
//! records themselves `has()` is true for every field in the tables, null or not, so test
//! those with `!= null`.
//!
//! Arithmetic does not mix ints and doubles: `deal.value * double(deal.probability)`.

mod check;
mod condition;
mod custom;
mod error;
mod facts;
mod formula;
mod program;
mod schema;
mod values;
mod view;

#[cfg(test)]
mod tests;

pub use condition::Condition;
pub use error::{ExprError, Position, SyntaxError, UnknownName};
pub use facts::{
    DealFacts, LeadFacts, OrganizationFacts, PersonFacts, ProductFacts, products_total,
};
pub use formula::Formula;
