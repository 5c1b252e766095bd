//! What serde reads from a job file.

use serde::Deserialize;

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
    /// Rows per transaction. Default 5000.
    pub batch_size: Option<usize>,
    #[serde(default)]
    pub dedup: DedupConfig,
    /// Parsed one by one so that every bad source is reported.
    #[serde(default)]
    pub sources: Vec<toml::Value>,
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
}
