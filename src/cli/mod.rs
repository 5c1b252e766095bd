//! The command line: clap types as plain data (doc comments are the `--help`), and one
//! file per subcommand with its `run`.

mod import;
mod leads;
mod outcome;
mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use outcome::Failure;

/// Batch import of leads into a CRM's leads inbox: CSV -> mapping -> dedup -> inbox.
///
/// Exit codes: 0 success (rejected rows within the error budget), 1 the job failed
/// (error budget spent, unreadable input, database error), 2 usage or configuration error.
#[derive(Debug, Parser)]
#[command(
    name = "leadsync",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Exit codes: 0 success (rejected rows within the error budget), 1 the job failed \
                  (error budget spent, unreadable input, database error), 2 usage or \
                  configuration error.\n\nStart with `leadsync validate JOB`, then \
                  `leadsync import JOB`; see README.md for the job and mapping formats."
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); `LEADSYNC_LOG` overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import every source of a job into the leads inbox.
    Import(ImportArgs),
    /// Check a job file, its mappings and its sources' headers without writing anything.
    Validate(ValidateArgs),
    /// Look at the leads inbox.
    #[command(subcommand)]
    Leads(LeadsCommand),
}

/// Where the store is. Without it: the job's `database_url`, else `sqlite://leadsync.db`.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "LEADSYNC_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The job file (TOML).
    pub job: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Print one JSON document with the run's counts instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Where to write rejected rows [default: `JOB.rejects.csv`, named after the job].
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The job file (TOML).
    pub job: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum LeadsCommand {
    /// List leads in the inbox, oldest first.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// At most this many leads.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show one lead with its person and organization.
    Show {
        /// The lead's id (a UUID).
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Import(args) => import::run(args).await,
        Command::Validate(args) => validate::run(args),
        Command::Leads(command) => leads::run(command).await,
    }
}

/// Picks the database URL: the command line or environment, else the job, else the default.
fn database_url(args: &DatabaseArgs, job: Option<&crate::job::Job>) -> String {
    args.database_url
        .clone()
        .or_else(|| job.and_then(|j| j.database_url.clone()))
        .unwrap_or_else(|| crate::store::DEFAULT_DATABASE_URL.to_string())
}
