//! The run summary. It reconciles: rows read = leads created + updated + unchanged + skipped
//! because converted + merged in-file duplicates + rejected.

use std::fmt;

use serde::Serialize;

use crate::convert::ConvertSummary;
use crate::dedup::DedupCounts;
use crate::model::Id;

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Summary {
    pub job: String,
    pub run_id: Option<Id>,
    pub database: String,
    /// `succeeded`, or `failed` when the error budget was spent or the run broke off.
    pub status: String,
    /// A dry run: everything was written in a transaction that was rolled back.
    pub dry_run: bool,
    /// The run went on from where an earlier attempt of it had committed.
    pub resumed: bool,
    pub rows_read: u64,
    pub leads_created: u64,
    pub leads_updated: u64,
    pub leads_unchanged: u64,
    /// Rows whose lead was converted to a deal: it does not come back into the inbox.
    pub leads_skipped_converted: u64,
    /// Rows whose lead already appeared earlier in this run (same source key).
    pub rows_merged_duplicates: u64,
    pub rows_rejected: u64,
    /// Leads the job's rules converted into deals after loading.
    pub leads_converted: u64,
    /// What the rules did, per rule; absent when the job has no rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion: Option<ConvertSummary>,
    pub persons_matched: u64,
    pub organizations_matched: u64,
    #[serde(flatten)]
    pub dedup: DedupCounts,
    pub elapsed_seconds: f64,
    pub rows_per_second: f64,
    pub rejects_file: Option<String>,
    pub sources: Vec<SourceSummary>,
    /// Why the run stopped, when it did not succeed (the command line prints it on stderr).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SourceSummary {
    pub name: String,
    pub path: String,
    /// What was detected while opening the source: CSV encoding and delimiter, the sheet.
    pub details: std::collections::BTreeMap<String, String>,
    pub rows_read: u64,
    pub rows_rejected: u64,
}

impl Summary {
    /// Whether every row read is accounted for exactly once.
    pub fn reconciles(&self) -> bool {
        self.rows_read
            == self.leads_created
                + self.leads_updated
                + self.leads_unchanged
                + self.leads_skipped_converted
                + self.rows_merged_duplicates
                + self.rows_rejected
    }

    /// Fills the derived figures once the run is over; `rows_before` are rows an earlier,
    /// stopped attempt of the run had read (they are not part of this attempt's rate).
    pub fn finish(&mut self, elapsed: std::time::Duration, rows_before: u64) {
        self.persons_matched = self.dedup.persons_matched();
        self.organizations_matched = self.dedup.organizations_matched();
        self.elapsed_seconds = elapsed.as_secs_f64();
        self.rows_per_second = if self.elapsed_seconds > 0.0 {
            ((self.rows_read - rows_before) as f64 / self.elapsed_seconds).round()
        } else {
            0.0
        };
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.dedup;
        let how = match (self.dry_run, self.resumed) {
            (true, _) => " (dry run: nothing was written)",
            (false, true) => " (resumed where it had stopped)",
            _ => "",
        };
        writeln!(
            f,
            "import `{}` into {}{how}: {} in {:.2} s ({} rows/s)",
            self.job, self.database, self.status, self.elapsed_seconds, self.rows_per_second
        )?;
        if let Some(run) = self.run_id {
            writeln!(f, "  run                    {run}")?;
        }
        for source in self.sources.iter().filter(|s| !s.details.is_empty()) {
            let details: Vec<String> = source
                .details
                .iter()
                .map(|(k, v)| format!("{k} `{v}`"))
                .collect();
            writeln!(f, "  source {:<15} {}", source.name, details.join(", "))?;
        }
        writeln!(f, "  rows read              {:>9}", self.rows_read)?;
        writeln!(f, "    leads created        {:>9}", self.leads_created)?;
        writeln!(f, "    leads updated        {:>9}", self.leads_updated)?;
        writeln!(f, "    leads unchanged      {:>9}", self.leads_unchanged)?;
        writeln!(
            f,
            "    already converted    {:>9}",
            self.leads_skipped_converted
        )?;
        writeln!(
            f,
            "    in-file duplicates   {:>9}",
            self.rows_merged_duplicates
        )?;
        write!(f, "    rejected             {:>9}", self.rows_rejected)?;
        match &self.rejects_file {
            Some(path) if self.rows_rejected > 0 => writeln!(f, "  (see `{path}`)")?,
            _ => writeln!(f)?,
        }
        writeln!(
            f,
            "  persons                {:>9} created, {} matched (email {}, phone {}, name+organization {})",
            d.persons_created,
            self.persons_matched,
            d.persons_matched_by_email,
            d.persons_matched_by_phone,
            d.persons_matched_by_name_and_organization
        )?;
        writeln!(
            f,
            "  organizations          {:>9} created, {} matched (domain {}, name {})",
            d.organizations_created,
            self.organizations_matched,
            d.organizations_matched_by_domain,
            d.organizations_matched_by_name
        )?;
        if let Some(conversion) = &self.conversion {
            write!(f, "{conversion}")?;
        }
        Ok(())
    }
}
