//! `accounts`: the command-line tool of the marketplace accounts. It parses arguments, calls
//! the service crate, and prints; the business rules live in the service.

mod cli;
mod commands;
mod database;
mod exit;
mod output;
mod signals;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    migration::redact_panics();
    // A DATABASE_URL in `.env` counts as if exported, as for `cargo run -p migration`.
    dotenvy::dotenv().ok();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            let _ = error.print(); // --help, --version
            return ExitCode::SUCCESS;
        }
        // Arguments that did not parse: `--json` may still be among them.
        Err(error) if std::env::args().any(|arg| arg == "--json") => {
            // clap's text up to its usage lines: the error, and what it lists (a missing
            // argument's name); a missing subcommand is reported as help text, not an error.
            let what = if error.kind()
                == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                "a subcommand is required: see --help".to_owned()
            } else {
                let text = error.to_string();
                let before_usage = text.split("\n\n").next().unwrap_or_default();
                let what = before_usage.strip_prefix("error: ").unwrap_or(before_usage);
                what.split_whitespace().collect::<Vec<_>>().join(" ")
            };
            let failure = exit::Failure::new(exit::USAGE, anyhow::anyhow!(what));
            eprintln!("{}", failure.report(true));
            return failure.exit_code();
        }
        // clap quotes the argument it could not place, which may be a URL with a password.
        Err(error) => {
            eprint!("{}", migration::redact(&error.to_string()));
            return ExitCode::from(exit::USAGE);
        }
    };
    let json = cli.json;
    let serving = matches!(cli.command, cli::Command::Serve(_));
    init_logging(cli.verbose, serving);

    // A command is one task at a time; a server uses every core.
    let mut builder = if serving {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::from(exit::OK),
        // The reader went away (`accounts user list | head`): stop quietly, as other tools do.
        Err(failure) if exit::is_broken_pipe(&failure.error) => ExitCode::from(exit::OK),
        Err(failure) => {
            eprintln!("{}", failure.report(json));
            failure.exit_code()
        }
    }
}

/// Quiet by default (warnings only; a server logs its requests, at info); `-v` turns it up;
/// `RUST_LOG` wins over both. Every line is redacted: SeaORM traces its connect options, URL
/// included.
fn init_logging(verbose: u8, serving: bool) {
    let level = match verbose + u8::from(serving) {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let terminal = std::io::stderr().is_terminal();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| migration::Redacting(std::io::stderr()));
    if serving && !terminal {
        // A server's log goes to a collector: one JSON object a line, with its request's span.
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        // Colours only for a person: a file or a pipe gets plain text.
        logs.with_ansi(terminal).init();
    }
}
