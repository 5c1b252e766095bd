//! The job file: which sources to read with which mappings, into which store, within which
//! error budget. [`Job::load`] checks the file; [`Job::open_sources`] opens every source and
//! compiles its mapping against the file's header. Both report every problem at once.

mod budget;
pub mod config;
mod sources;

use std::path::{Path, PathBuf};

pub use budget::ErrorBudget;
use config::{JobConfig, SourceConfig};
pub use sources::{OpenSource, SourceInput, SourceSpec};

use crate::config_file;
use crate::convert::ConversionSetup;
use crate::mapping::{self, MapContext};

/// Rows per transaction. Fewer, larger commits write each tree's last pages again less
/// often; a 1M-row load into a fresh SQLite file took 9.7 to 10.2 s with 10,000 rows per
/// batch, 10.4 to 10.8 s with 5,000 and 11.4 to 11.9 s with 2,500.
pub const DEFAULT_BATCH_SIZE: usize = 10_000;

/// A checked job file.
#[derive(Debug)]
pub struct Job {
    pub name: String,
    pub path: PathBuf,
    pub database_url: Option<String>,
    pub error_budget: ErrorBudget,
    pub batch_size: usize,
    pub map_context: MapContext,
    pub sources: Vec<SourceSpec>,
    /// Hash of the job file and every mapping it names, recorded on each run.
    pub config_hash: String,
    /// Pipelines, conversion rules and formula fields.
    pub conversion: ConversionSetup,
}

/// Everything wrong with a job, each message complete on its own.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct JobErrors(pub Vec<String>);

impl Job {
    /// Reads and checks a job file.
    pub fn load(path: &Path) -> Result<Job, JobErrors> {
        let (job, errors) = Job::load_partial(path)?;
        if errors.is_empty() {
            Ok(job)
        } else {
            Err(JobErrors(errors))
        }
    }

    /// Reads a job file as far as it can: the job with its sound parts, and every problem
    /// found. `Err` only when the file cannot be read or is not TOML at all.
    pub fn load_partial(path: &Path) -> Result<(Job, Vec<String>), JobErrors> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|err| JobErrors(vec![format!("job `{shown}`: cannot read it: {err}")]))?;
        let table = config_file::parse(&text)
            .map_err(|err| JobErrors(vec![format!("job `{shown}`: {err}")]))?;
        let (config, problems) = config_file::read::<JobConfig>(toml::Value::Table(table));
        let mut errors: Vec<String> = problems
            .into_iter()
            .map(|p| format!("job `{shown}`: {p}"))
            .collect();
        let Some(config) = config else {
            return Err(JobErrors(errors));
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let error_budget = match config.max_errors.as_ref().map(ErrorBudget::parse) {
            None => ErrorBudget::default(),
            Some(Ok(budget)) => budget,
            Some(Err(err)) => {
                errors.push(format!("job `{shown}`: max_errors: {err}"));
                ErrorBudget::default()
            }
        };
        if let Some(region) = &config.dedup.default_region
            && let Err(err) = mapping::check_region(region)
        {
            errors.push(format!("job `{shown}`: dedup.default_region: {err}"));
        }
        if config.batch_size == Some(0) {
            errors.push(format!("job `{shown}`: batch_size must be at least 1"));
        }
        let mut sources: Vec<SourceSpec> = Vec::new();
        for (i, raw) in config.sources.iter().enumerate() {
            let prefix = format!("job `{shown}`: sources[{i}]");
            let (source, problems) = config_file::read::<SourceConfig>(raw.clone());
            errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")));
            let Some(source) = source else { continue };
            match SourceSpec::from_config(source, base) {
                Ok(specs) => {
                    for spec in specs {
                        if sources.iter().any(|s| s.name == spec.name) {
                            errors.push(format!("{prefix}: name `{}` is used twice", spec.name));
                        }
                        sources.push(spec);
                    }
                }
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")))
                }
            }
        }
        let (conversion, problems) =
            ConversionSetup::compile(config.pipelines, &config.rules, config.formulas);
        errors.extend(problems.into_iter().map(|p| format!("job `{shown}`: {p}")));
        if config.sources.is_empty() {
            errors.push(format!("job `{shown}`: has no [[sources]]"));
        }
        let config_hash = config_hash(&text, &sources);
        let job = Job {
            name: config.name.unwrap_or_else(|| file_stem(path)),
            path: path.to_path_buf(),
            database_url: config.database_url,
            error_budget,
            batch_size: config.batch_size.unwrap_or(DEFAULT_BATCH_SIZE),
            map_context: MapContext {
                default_region: config.dedup.default_region,
            },
            sources,
            config_hash,
            conversion,
        };
        Ok((job, errors))
    }

    /// Opens every source (incremental ones from their stored cursor, by source name) and
    /// compiles its mapping against the source's header. HTTP sources fetch their first
    /// page here, so call it where blocking is allowed.
    pub fn open_sources(
        &self,
        cursors: &std::collections::HashMap<String, String>,
    ) -> Result<Vec<OpenSource>, JobErrors> {
        let mut errors = Vec::new();
        let mut opened = Vec::new();
        for spec in &self.sources {
            match spec.open(&self.map_context, cursors.get(&spec.name).cloned()) {
                Ok(source) => opened.push(source),
                Err(problems) => errors.extend(problems),
            }
        }
        if errors.is_empty() {
            Ok(opened)
        } else {
            Err(JobErrors(errors))
        }
    }
}

pub(crate) fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "job".to_string(), |s| s.to_string_lossy().into_owned())
}

fn config_hash(job_text: &str, sources: &[SourceSpec]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(job_text.as_bytes());
    for source in sources {
        hasher.update(&std::fs::read(&source.mapping_path).unwrap_or_default());
    }
    hasher.finalize().to_hex()[..16].to_string()
}
