//! The sources of a job: what each `[[sources]]` entry names (`SourceSpec`), and opening it
//! with its mapping compiled against the header it really has (`OpenSource`).

use std::path::{Path, PathBuf};

use super::config::SourceConfig;
use super::file_stem;
use crate::mapping::{self, MapContext, Mapping};
use crate::source::http::HttpSourceConfig;
use crate::source::{
    CsvOptions, CsvSource, HttpSource, SheetOptions, SheetSource, SourceReader, decode,
};

/// One source of a job, checked.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: String,
    pub mapping_path: PathBuf,
    pub key_column: Option<String>,
    pub input: SourceInput,
}

/// Where a source's records come from.
#[derive(Debug, Clone)]
pub enum SourceInput {
    Csv {
        path: PathBuf,
        options: CsvOptions,
    },
    Sheet {
        path: PathBuf,
        options: SheetOptions,
    },
    Http(Box<HttpSourceConfig>),
}

/// A source opened and its mapping compiled, ready to stream.
pub struct OpenSource {
    pub spec: SourceSpec,
    pub reader: SourceReader,
    pub mapping: Mapping,
    /// Index of the key column in the header.
    pub key_index: Option<usize>,
}

impl SourceSpec {
    /// The specs of one `[[sources]]` entry (paths relative to the job file's folder), or
    /// every problem with it.
    pub fn from_config(config: SourceConfig, base: &Path) -> Result<Vec<SourceSpec>, Vec<String>> {
        match config {
            SourceConfig::Csv(csv) => {
                let mut errors = Vec::new();
                if let Some(label) = &csv.encoding
                    && let Err(err) = decode::encoding_for_label(label)
                {
                    errors.push(format!("encoding: {err:#}"));
                }
                if let Some(delimiter) = &csv.delimiter
                    && let Err(err) = decode::delimiter_for_option(delimiter)
                {
                    errors.push(format!("delimiter: {err:#}"));
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                Ok(vec![SourceSpec {
                    name: csv.name,
                    mapping_path: base.join(csv.mapping),
                    key_column: csv.key,
                    input: SourceInput::Csv {
                        path: base.join(csv.path),
                        options: CsvOptions {
                            encoding: csv.encoding,
                            delimiter: csv.delimiter,
                        },
                    },
                }])
            }
            SourceConfig::Xlsx(sheet) => {
                if sheet.sheet.is_some() && sheet.sheets.is_some() {
                    return Err(vec!["give `sheet` or `sheets`, not both".to_string()]);
                }
                if sheet.header_row == Some(0) {
                    return Err(vec!["header_row counts from 1".to_string()]);
                }
                let path = base.join(&sheet.path);
                let spec = |name: String, which: Option<String>| SourceSpec {
                    name,
                    mapping_path: base.join(&sheet.mapping),
                    key_column: sheet.key.clone(),
                    input: SourceInput::Sheet {
                        path: path.clone(),
                        options: SheetOptions {
                            sheet: which,
                            header_row: sheet.header_row,
                        },
                    },
                };
                Ok(match &sheet.sheets {
                    Some(sheets) if sheets.is_empty() => {
                        return Err(vec!["`sheets` is empty".to_string()]);
                    }
                    Some(sheets) => sheets
                        .iter()
                        .map(|s| spec(format!("{}/{s}", sheet.name), Some(s.clone())))
                        .collect(),
                    None => vec![spec(sheet.name.clone(), sheet.sheet.clone())],
                })
            }
            SourceConfig::Http(http) => {
                let problems = http.check();
                if !problems.is_empty() {
                    return Err(problems);
                }
                Ok(vec![SourceSpec {
                    name: http.name.clone(),
                    mapping_path: base.join(&http.mapping),
                    key_column: http.key.clone(),
                    input: SourceInput::Http(http),
                }])
            }
        }
    }

    /// The file or URL, as messages show it.
    pub fn location(&self) -> String {
        match &self.input {
            SourceInput::Csv { path, .. } => path.display().to_string(),
            SourceInput::Sheet { path, options } => match &options.sheet {
                Some(sheet) => format!("{}#{sheet}", path.display()),
                None => path.display().to_string(),
            },
            SourceInput::Http(http) => crate::source::http::redacted(&http.url),
        }
    }

    /// Whether the source keeps an incremental cursor in the store.
    pub fn is_incremental(&self) -> bool {
        matches!(&self.input, SourceInput::Http(http) if http.incremental.is_some())
    }

    fn open_reader(&self, cursor: Option<String>) -> anyhow::Result<SourceReader> {
        match &self.input {
            SourceInput::Csv { path, options } => {
                CsvSource::open(path, options).map(|csv| SourceReader::Csv(Box::new(csv)))
            }
            SourceInput::Sheet { path, options } => {
                SheetSource::open(path, options).map(SourceReader::Sheet)
            }
            // Called from a blocking thread: the source drives its requests on the runtime.
            SourceInput::Http(http) => {
                HttpSource::open(http, cursor, tokio::runtime::Handle::try_current()?)
                    .map(|source| SourceReader::Http(Box::new(source)))
            }
        }
    }

    /// Opens the source (an incremental one from `cursor`) and compiles its mapping
    /// against the header; every problem is returned, each naming the source.
    pub fn open(
        &self,
        context: &MapContext,
        cursor: Option<String>,
    ) -> Result<OpenSource, Vec<String>> {
        let prefix = format!("source `{}`", self.name);
        let reader = self
            .open_reader(cursor)
            .map_err(|err| format!("{prefix}: {err:#}"));
        let mut errors = Vec::new();
        let (reader, config) = match (reader, mapping::load(&self.mapping_path)) {
            (Ok(reader), Ok((config, problems))) => {
                errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")));
                (reader, config)
            }
            (reader, config) => {
                errors.extend(reader.err());
                errors.extend(config.err().unwrap_or_default());
                return Err(errors);
            }
        };
        let name = config
            .name
            .clone()
            .unwrap_or_else(|| file_stem(&self.mapping_path));
        let header = reader.header();
        let key_index = self.key_column.as_ref().and_then(|key| {
            let found = header.iter().position(|c| c == key);
            let problem = match (found, header.iter().filter(|c| *c == key).count()) {
                (None, _) => Some("is not in"),
                (Some(_), n) if n > 1 => Some("appears more than once in"),
                _ => None,
            };
            if let Some(problem) = problem {
                errors.push(format!(
                    "{prefix}: key column `{key}` {problem} the header of `{}`",
                    self.location()
                ));
            }
            found
        });
        match mapping::compile(&name, &config, header, context) {
            Ok(mapping) if errors.is_empty() => Ok(OpenSource {
                spec: self.clone(),
                reader,
                mapping,
                key_index,
            }),
            Ok(_) => Err(errors),
            Err(problems) => {
                errors.extend(problems.into_iter().map(|p| format!("{prefix}: {p}")));
                Err(errors)
            }
        }
    }
}
