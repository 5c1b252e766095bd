use clap::Parser;
use tracing_subscriber::EnvFilter;

use leadsync::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("LEADSYNC_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("the async runtime starts");
    if let Err(failure) = runtime.block_on(cli::run(cli)) {
        eprintln!("error: {failure}");
        std::process::exit(failure.exit_code());
    }
}
