//! The job file: which sources to read with which mappings, into which store, within which
//! error budget. [`Job::load`] checks the file; [`Job::open_sources`] opens every source and
//! compiles its mapping against the file's header. Both report every problem at once.

mod budget;
pub mod config;

use std::path::{Path, PathBuf};

pub use budget::ErrorBudget;
use config::{JobConfig, SourceConfig};

use crate::config_file;
use crate::mapping::{self, MapContext, Mapping};
use crate::source::CsvSource;

pub const DEFAULT_BATCH_SIZE: usize = 5000;

/// A checked job file.
#[derive(Debug, Clone)]
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
}

#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: String,
    pub path: PathBuf,
    pub mapping_path: PathBuf,
    pub key_column: Option<String>,
}

/// A source opened and its mapping compiled, ready to stream.
pub struct OpenSource {
    pub spec: SourceSpec,
    pub reader: CsvSource,
    pub mapping: Mapping,
    /// Index of the key column in the header.
    pub key_index: Option<usize>,
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
            let (source, problems) = config_file::read::<SourceConfig>(raw.clone());
            errors.extend(
                problems
                    .into_iter()
                    .map(|p| format!("job `{shown}`: sources[{i}]: {p}")),
            );
            match source {
                Some(SourceConfig::Csv(csv)) => {
                    if sources.iter().any(|s| s.name == csv.name) {
                        errors.push(format!(
                            "job `{shown}`: sources[{i}]: name `{}` is used twice",
                            csv.name
                        ));
                    }
                    sources.push(SourceSpec {
                        name: csv.name,
                        path: base.join(csv.path),
                        mapping_path: base.join(csv.mapping),
                        key_column: csv.key,
                    });
                }
                None => {}
            }
        }
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
        };
        Ok((job, errors))
    }

    /// Opens every source and compiles its mapping against the source's header.
    pub fn open_sources(&self) -> Result<Vec<OpenSource>, JobErrors> {
        let mut errors = Vec::new();
        let mut opened = Vec::new();
        for spec in &self.sources {
            let prefix = format!("source `{}`", spec.name);
            let reader = CsvSource::open(&spec.path).map_err(|err| format!("{prefix}: {err:#}"));
            let config = mapping::load(&spec.mapping_path);
            let (reader, config) = match (reader, config) {
                (Ok(reader), Ok((config, problems))) => {
                    errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")));
                    (reader, config)
                }
                (reader, config) => {
                    errors.extend(reader.err());
                    errors.extend(config.err().unwrap_or_default());
                    continue;
                }
            };
            let name = config
                .name
                .clone()
                .unwrap_or_else(|| file_stem(&spec.mapping_path));
            let key_index = match &spec.key_column {
                Some(key) => match reader.header().iter().position(|c| c == key) {
                    Some(index) if reader.header().iter().filter(|c| *c == key).count() > 1 => {
                        errors.push(format!(
                            "{prefix}: key column `{key}` appears more than once in the header of `{}`",
                            spec.path.display()
                        ));
                        Some(index)
                    }
                    Some(index) => Some(index),
                    None => {
                        errors.push(format!(
                            "{prefix}: key column `{key}` is not in the header of `{}`",
                            spec.path.display()
                        ));
                        None
                    }
                },
                None => None,
            };
            match mapping::compile(&name, &config, reader.header(), &self.map_context) {
                Ok(mapping) => opened.push(OpenSource {
                    spec: spec.clone(),
                    reader,
                    mapping,
                    key_index,
                }),
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")))
                }
            }
        }
        if errors.is_empty() {
            Ok(opened)
        } else {
            Err(JobErrors(errors))
        }
    }
}

fn file_stem(path: &Path) -> String {
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
