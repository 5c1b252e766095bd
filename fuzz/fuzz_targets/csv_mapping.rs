//! CSV bytes -> `CsvSource` (every record) -> the generic mapping, as an import runs them.
//!
//! The first byte picks the CSV options (detected, or a forced encoding or delimiter); the
//! rest is the file. The mapping is compiled against the file's own header, as `import`
//! does; when that header does not fit the mapping, the records are mapped with the generic
//! header instead, so that odd files still reach `Mapping::apply`.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use leadsync::mapping::config::MappingConfig;
use leadsync::mapping::{self, MapContext, Mapping};
use leadsync::source::{CsvOptions, CsvSource};
use libfuzzer_sys::fuzz_target;

const GENERIC_HEADER: [&str; 13] = [
    "lead_id",
    "title",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "website",
    "value",
    "currency",
    "expected_close_date",
    "labels",
    "owner",
];

struct Setup {
    config: MappingConfig,
    context: MapContext,
    generic: Mapping,
    path: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mappings/generic.toml");
        let (config, problems) = mapping::load(&file).expect("the generic mapping loads");
        assert!(problems.is_empty(), "{problems:?}");
        let context = MapContext {
            default_region: Some("US".to_string()),
        };
        let header: Vec<String> = GENERIC_HEADER.iter().map(|c| c.to_string()).collect();
        let generic = mapping::compile("generic", &config, &header, &context)
            .expect("the generic mapping compiles against its own header");
        // One file per process, rewritten for every input: libFuzzer forks and parallel
        // jobs are separate processes.
        let path = std::env::temp_dir().join(format!("leadsync-fuzz-{}.csv", std::process::id()));
        Setup {
            config,
            context,
            generic,
            path,
        }
    })
}

fn options(selector: u8) -> CsvOptions {
    let (encoding, delimiter) = match selector % 8 {
        1 => (Some("utf-8"), None),
        2 => (Some("windows-1252"), None),
        3 => (Some("utf-16le"), None),
        4 => (Some("shift_jis"), None),
        5 => (None, Some(";")),
        6 => (None, Some("\\t")),
        _ => (None, None),
    };
    CsvOptions {
        encoding: encoding.map(str::to_string),
        delimiter: delimiter.map(str::to_string),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let setup = setup();
    std::fs::write(&setup.path, bytes).expect("the fuzz input file is writable");
    let Ok(mut source) = CsvSource::open(&setup.path, &options(selector)) else {
        return;
    };
    let compiled = mapping::compile("generic", &setup.config, source.header(), &setup.context);
    let mapping = compiled.as_ref().unwrap_or(&setup.generic);
    // Line numbers hold whatever ends the lines (regressions/csv_mapping/ holds bare CR and
    // mixed line ends).
    let mut last_line = 0;
    while let Ok(Some(record)) = source.next_record() {
        let line = match record {
            Ok(record) => {
                if let Ok(draft) = mapping.apply(&record.cells) {
                    assert!(!draft.title.is_empty(), "a mapped lead has a title");
                    let _ = draft.fingerprint();
                }
                record.line
            }
            Err(bad) => bad.line,
        };
        assert!(
            line >= 2,
            "the header is line 1, a record starts after it: {line}"
        );
        assert!(
            line > last_line,
            "line numbers go forward: {line} after {last_line}"
        );
        last_line = line;
    }
});
