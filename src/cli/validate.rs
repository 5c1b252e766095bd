//! `leadsync validate JOB`: every problem of a job at once, nothing written.

use super::outcome::print;
use super::{Failure, ValidateArgs};
use crate::job::Job;

pub fn run(args: ValidateArgs) -> Result<(), Failure> {
    let (job, mut errors) =
        Job::load_partial(&args.job).map_err(|e| Failure::Usage(e.to_string()))?;
    // HTTP sources fetch their first page on opening, blocking on the runtime.
    let sources = match tokio::task::block_in_place(|| job.open_sources(&Default::default())) {
        Ok(sources) => sources,
        Err(more) => {
            errors.extend(more.0);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(Failure::Usage(errors.join("\n")));
    }
    let mut text = format!("job `{}` is valid: {} source(s)\n", job.name, sources.len());
    for source in &sources {
        text.push_str(&format!(
            "  {}: `{}` ({} columns) with mapping `{}`\n",
            source.spec.name,
            source.spec.location(),
            source.reader.header().len(),
            source.mapping.name
        ));
    }
    print(&text)
}
