//! Reading the TOML configuration files (jobs and mappings) so that every problem is reported
//! at once: a syntax error with its line and column, and every key the file has that the
//! configuration does not know, not only the first (where serde alone would stop).

use serde::de::DeserializeOwned;

/// Parses `text` as TOML; the error names the line and column.
pub fn parse(text: &str) -> Result<toml::Table, String> {
    text.parse::<toml::Table>()
        .map_err(|err| describe(text, &err))
}

/// Reads `T` out of a TOML value, with every problem: each unknown key (named with its
/// path) and the first value serde could not read. Unknown keys alone still give a `T`, so
/// the caller can go on checking the rest.
pub fn read<T: DeserializeOwned>(value: toml::Value) -> (Option<T>, Vec<String>) {
    let mut problems = Vec::new();
    let result: Result<T, toml::de::Error> =
        serde_ignored::deserialize(value, |path| problems.push(format!("unknown key `{path}`")));
    match result {
        Ok(parsed) => (Some(parsed), problems),
        Err(err) => {
            problems.push(err.message().trim_end_matches('.').to_string());
            (None, problems)
        }
    }
}

/// A TOML error as one line that says where: ``line 3, column 1: invalid type ...``.
fn describe(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim_end_matches('.');
    let Some(span) = err.span() else {
        return message.to_string();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Config {
        #[allow(dead_code)]
        name: String,
        #[serde(default)]
        #[allow(dead_code)]
        inner: Inner,
    }

    #[derive(Debug, Default, serde::Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        size: Option<u32>,
    }

    #[test]
    fn every_unknown_key_is_named() {
        let table = parse("name = \"x\"\nnmae = 1\n[inner]\nsize = 2\nsise = 3\n").expect("toml");
        let (config, problems) = read::<Config>(toml::Value::Table(table));
        assert!(config.is_some(), "unknown keys alone still give a config");
        assert_eq!(problems, ["unknown key `inner.sise`", "unknown key `nmae`"]);
        let (config, problems) =
            read::<Config>(toml::Value::Table(parse("nam = 1").expect("toml")));
        assert!(config.is_none());
        assert_eq!(problems, ["unknown key `nam`", "missing field `name`"]);
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse("name = \"x\"\nsize = = 2\n").expect_err("bad toml");
        assert!(err.starts_with("line 2, column 8:"), "{err}");
    }
}
