//! One module per command group; each parses its arguments into service types and calls the
//! service.

mod check;
mod host;
mod migrate;
mod seed;
mod serve;
mod user;

use anyhow::Context;
use service::{Email, UserRef};

use crate::cli::{Cli, Command};
use crate::database::Target;
use crate::exit::Failure;
use crate::output::Output;

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let mut target = Target::new(cli.database_url, cli.lock_timeout, cli.statement_timeout);
    target.announce_in_logs = matches!(cli.command, Command::Serve(_));
    let mut out = Output::new(cli.json);
    let (db, missing) = match &cli.command {
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "accounts", &mut std::io::stdout());
            return Ok(());
        }
        Command::Migrate(_) => (target.connect().await?, Vec::new()),
        Command::Check => target.open_to_inspect().await?,
        _ => (target.open().await?, Vec::new()),
    };
    let result = match cli.command {
        Command::Migrate(command) => migrate::run(&db, &target, command, &mut out).await,
        Command::User(command) => user::run(&db, command, &mut out).await,
        Command::Host(command) => host::run(&db, command, &mut out).await,
        Command::Seed(seed) => seed::run(&db, &seed, &mut out).await,
        Command::Check => check::run(&db, &missing, &mut out).await,
        Command::Serve(serve) => serve::run(&db, &target, &serve).await,
        Command::Completions { .. } => Ok(()),
    };
    // Closed, not dropped: SQLite folds its log back into the database file when the last
    // connection closes, so that `accounts.db` alone holds the data (a copy of it is whole).
    // What closing fails with changes nothing of what the command did.
    let _ = db.close().await;
    result
}

fn user_ref(raw: &str) -> Result<UserRef, Failure> {
    raw.parse::<UserRef>()
        .map_err(service::Error::from)
        .with_context(|| format!("{raw:?} names no user"))
        .map_err(Failure::from)
}

fn email(raw: &str) -> Result<Email, Failure> {
    Email::parse(raw)
        .map_err(service::Error::from)
        .with_context(|| format!("{raw:?} is not a usable email address"))
        .map_err(Failure::from)
}

/// Printing failed: stdout is closed or full.
fn printed(result: std::io::Result<()>) -> Result<(), Failure> {
    result
        .context("cannot write the output")
        .map_err(Failure::from)
}
