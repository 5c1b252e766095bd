//! What serde reads from a job file.

use serde::Deserialize;

use crate::convert::config::{FormulaConfig, PipelineConfig, RuleConfig};
use crate::source::http::HttpSourceConfig;

#[derive(Debug, Clone, Deserialize)]
pub struct JobConfig {
    /// Shown in summaries and recorded on the run; defaults to the job file's name.
    pub name: Option<String>,
    /// Store URL (`sqlite://file.db`, `postgres://...`). `--database-url` and
    /// `LEADSYNC_DATABASE_URL` take precedence. Keep passwords out of it: PostgreSQL reads
    /// `PGPASSWORD` from the environment.
    pub database_url: Option<String>,
    /// How many rows may be rejected before the run stops: a count (`50`) or a share of the
    /// rows read (`"2%"`). Default 100.
    pub max_errors: Option<toml::Value>,
    /// Rows per transaction. Default 10,000.
    pub batch_size: Option<usize>,
    #[serde(default)]
    pub dedup: DedupConfig,
    /// Parsed one by one so that every bad source is reported.
    #[serde(default)]
    pub sources: Vec<toml::Value>,
    /// Sales pipelines that conversions land in.
    #[serde(default)]
    pub pipelines: Vec<PipelineConfig>,
    /// Conversion rules, tried in order after each import and by `leadsync convert`.
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// Formula fields computed on every deal.
    #[serde(default)]
    pub formulas: Vec<FormulaConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DedupConfig {
    /// ISO 3166 region (`US`, `DE`, `ID`) for phone numbers written without a country code.
    pub default_region: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SourceConfig {
    Csv(CsvSourceConfig),
    /// XLSX, XLSM, XLSB, XLS or ODS, read with calamine.
    #[serde(alias = "spreadsheet", alias = "xls", alias = "ods")]
    Xlsx(SheetSourceConfig),
    /// A remote API: JSON, NDJSON or CSV pages.
    Http(Box<HttpSourceConfig>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvSourceConfig {
    /// Identifies the source; a lead's identity is (source name, source key).
    pub name: String,
    /// The file, relative to the job file.
    pub path: String,
    /// The mapping file, relative to the job file.
    pub mapping: String,
    /// The column that identifies a record across imports. Without it a record's key is a
    /// hash of its mapped values, so an edited row becomes a new lead.
    pub key: Option<String>,
    /// The text encoding (`utf-8`, `windows-1252`, `utf-16le`, `shift_jis`, ...). Detected
    /// when absent: a byte-order mark, else valid UTF-8, else a statistical guess.
    pub encoding: Option<String>,
    /// The field delimiter: one character, or `tab`. Sniffed among `,` `;` tab `|` when
    /// absent.
    pub delimiter: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetSourceConfig {
    /// Identifies the source; with `sheets`, each sheet is a source named `NAME/SHEET`.
    pub name: String,
    /// The workbook, relative to the job file.
    pub path: String,
    /// The mapping file, relative to the job file.
    pub mapping: String,
    /// The column that identifies a record across imports.
    pub key: Option<String>,
    /// The sheet to read; the first when absent.
    pub sheet: Option<String>,
    /// Several sheets of the same layout, each read as a source of its own.
    pub sheets: Option<Vec<String>>,
    /// The row (1-based) that holds the column names; rows above it are ignored. Default 1.
    pub header_row: Option<u32>,
}
