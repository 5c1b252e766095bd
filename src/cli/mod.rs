//! The command line: clap types as plain data (doc comments are the `--help`), and one
//! file per subcommand with its `run`.

mod convert;
mod deals;
mod import;
mod leads;
mod outcome;
mod pipelines;
mod runs;
mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use outcome::Failure;

/// Batch import of leads into a CRM's leads inbox: CSV, spreadsheets and HTTP APIs ->
/// mapping -> dedup -> inbox -> deals, by rules or by hand.
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
    /// Apply a job's conversion rules to the leads inbox: qualified leads become deals.
    Convert(ConvertArgs),
    /// Look at the leads inbox; convert, archive and unarchive leads by hand.
    #[command(subcommand)]
    Leads(LeadsCommand),
    /// Look at the sales pipelines and their stages.
    #[command(subcommand)]
    Pipelines(PipelinesCommand),
    /// Look at deals; move them through stages, mark them won or lost.
    #[command(subcommand)]
    Deals(DealsCommand),
    /// The run journal: every import and conversion, its counts, and reverting one.
    #[command(subcommand)]
    Runs(RunsCommand),
}

/// Where the store is. Without it: the job's `database_url`, else `sqlite://leadsync.db`.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` (`import` and `convert` create it if missing) or
    /// `postgres://USER@HOST/DB`.
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
    /// Read incremental HTTP sources from the start, ignoring their stored cursors.
    #[arg(long)]
    pub full_refresh: bool,
    /// Run the whole import, rules included, in one transaction and roll it back: the
    /// summary and rejects file are the real run's, the store is left as it was.
    #[arg(long)]
    pub dry_run: bool,
    /// Start over even when the job's last run stopped early and could go on from where
    /// it stopped (the default).
    #[arg(long)]
    pub restart: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The job file (TOML) with the [[pipelines]] and [[rules]].
    pub job: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// List which leads would convert by which rule into which stage, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON document with the counts instead of the summary.
    #[arg(long)]
    pub json: bool,
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
        /// List the archived leads instead.
        #[arg(long)]
        archived: bool,
    },
    /// Convert leads into deals: the given ones, or every lead a condition selects.
    ///
    /// The deal lands in `--stage` of `--pipeline`, else the pipeline's first stage, else
    /// the first stage of the default pipeline.
    Convert {
        /// Lead ids (UUIDs).
        #[arg(required_unless_present = "condition", conflicts_with = "condition")]
        ids: Vec<String>,
        /// A CEL condition over `lead`, `person` and `organization` selecting the leads,
        /// e.g. `lead.value >= 5000.0 && "hot" in lead.labels`.
        #[arg(long = "where", value_name = "EXPR")]
        condition: Option<String>,
        /// Target pipeline [default: the default pipeline].
        #[arg(long)]
        pipeline: Option<String>,
        /// Target stage [default: the pipeline's first].
        #[arg(long)]
        stage: Option<String>,
        /// Convert without asking (a `--where` selection asks for confirmation).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Archive leads: they stay in the store but leave the inbox and are never converted
    /// by rules.
    Archive {
        /// Lead ids (UUIDs).
        #[arg(required_unless_present = "condition", conflicts_with = "condition")]
        ids: Vec<String>,
        /// A CEL condition selecting the leads to archive.
        #[arg(long = "where", value_name = "EXPR")]
        condition: Option<String>,
        /// Why, kept with the lead.
        #[arg(long)]
        reason: Option<String>,
        /// Archive without asking (a `--where` selection asks for confirmation).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Bring archived leads back into the inbox.
    Unarchive {
        /// Lead ids (UUIDs).
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        database: DatabaseArgs,
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

#[derive(Debug, Subcommand)]
pub enum PipelinesCommand {
    /// List pipelines with their stages, probabilities and open deals.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DealsCommand {
    /// List deals, oldest first.
    List {
        /// Only deals in this pipeline.
        #[arg(long)]
        pipeline: Option<String>,
        /// Only deals with this status.
        #[arg(long, value_parser = ["open", "won", "lost"])]
        status: Option<String>,
        /// At most this many deals.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a deal with its participants, products, formula fields and change log.
    Show {
        /// The deal's id (a UUID).
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move an open deal to another stage of its pipeline.
    Move {
        id: String,
        /// The stage's name.
        #[arg(long)]
        stage: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Mark an open deal won.
    Won {
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Mark an open deal lost, with the reason.
    Lost {
        id: String,
        /// Why the deal was lost.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List {
        /// At most this many runs.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a run with its counts and where each source stood.
    Show {
        /// The run's id (a UUID).
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Undo a run: delete what it created and restore what it changed. Records changed
    /// since are reported and nothing changes, unless `--force`. Reverting a conversion
    /// run removes its deals and puts the leads back into the inbox.
    Revert {
        /// The run's id (a UUID).
        id: String,
        /// Say what would be undone, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Revert also records changed since the run (records still used by other runs'
        /// records are kept).
        #[arg(long)]
        force: bool,
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
        Command::Convert(args) => convert::run(args).await,
        Command::Leads(command) => leads::run(command).await,
        Command::Pipelines(command) => pipelines::run(command).await,
        Command::Deals(command) => deals::run(command).await,
        Command::Runs(command) => runs::run(command).await,
    }
}

/// Picks the database URL: the command line or environment, else the job, else the default.
fn database_url(args: &DatabaseArgs, job: Option<&crate::job::Job>) -> String {
    args.database_url
        .clone()
        .or_else(|| job.and_then(|j| j.database_url.clone()))
        .unwrap_or_else(|| crate::store::DEFAULT_DATABASE_URL.to_string())
}
