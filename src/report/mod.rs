//! What a run reports: the summary (human or JSON) and the rejects file.

mod rejects;
mod summary;

pub use rejects::{Reject, RejectMark, RejectWriter};
pub use summary::{SourceSummary, Summary};
