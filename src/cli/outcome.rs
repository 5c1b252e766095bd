//! How a command ends: its result on stdout, or a [`Failure`] with its exit code.

use std::io::Write;

/// How a command ended, mapped to the exit code by `main`.
#[derive(Debug)]
pub enum Failure {
    /// The job could not do its work: exit 1.
    Job(anyhow::Error),
    /// The command or its configuration is wrong: exit 2.
    Usage(String),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Job(_) => 1,
            Failure::Usage(_) => 2,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Job(err) => {
                // Drivers often repeat their cause in their own message; say each thing once.
                let mut text = String::new();
                for cause in err.chain().map(ToString::to_string) {
                    if !text.contains(&cause) {
                        if !text.is_empty() {
                            text.push_str(": ");
                        }
                        text.push_str(&cause);
                    }
                }
                f.write_str(&text)
            }
            Failure::Usage(message) => f.write_str(message),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        Failure::Job(err)
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(err: crate::store::StoreError) -> Failure {
        match err {
            crate::store::StoreError::UnsupportedUrl(_) => Failure::Usage(err.to_string()),
            err => Failure::Job(err.into()),
        }
    }
}

/// Writes the result to stdout; a closed pipe (`leadsync ... | head`) is not an error.
pub(super) fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Job(
            anyhow::Error::new(err).context("cannot write to stdout"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn json_text(value: &impl serde::Serialize) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
    text.push('\n');
    Ok(text)
}
