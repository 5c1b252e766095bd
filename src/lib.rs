//! leadsync: a batch import pipeline for a CRM's leads inbox.
//!
//! ```text
//!   source ──► mapping ──► dedup ──► store ──► convert
//!   CSV, XLSX, typed lead   link to    leads inbox,   rules turn
//!   HTTP rows  drafts       persons &  persons, orgs  qualified leads
//!                           orgs                      into deals
//! ```
//!
//! - [`source`]: streams raw records (line number + cells) out of CSV files (any encoding
//!   and delimiter), spreadsheets and HTTP APIs.
//! - [`mapping`]: declarative mapping files that turn a raw record into a [`model::LeadDraft`].
//! - [`normalize`]: the canonical forms that mapping writes and dedup matches on (emails,
//!   E.164 phones, web domains, name keys).
//! - [`dedup`]: matching of persons and organizations, in the file and against the store.
//! - [`store`]: all SQL; SQLite and PostgreSQL behind one [`store::Store`], deals included.
//! - [`pipeline`]: the import run that wires the stages together, batch by batch.
//! - [`convert`]: pipelines, conversion rules and conversion by hand: leads become deals.
//! - [`rules`]: CEL conditions over leads and formula fields over deals (pure).
//! - [`model`]: the plain data that flows between the stages (lead, person and organization
//!   drafts, ids).
//! - [`job`]: the job file that names the sources, mappings, store and error budget.
//! - [`report`]: the run summary and the rejects file.
//! - [`config_file`]: reading job and mapping files, reporting every problem at once.
//! - [`cli`]: the command-line interface (clap types and one file per subcommand).

pub mod cli;
pub mod config_file;
pub mod convert;
pub mod dedup;
pub mod job;
pub mod mapping;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod source;
pub mod store;
