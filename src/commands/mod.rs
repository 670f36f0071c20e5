//! One module per command group; each parses its arguments into service types and calls the
//! service.

mod check;
mod host;
mod migrate;
mod seed;
mod serve;
mod user;

use std::sync::Arc;

use anyhow::Context;
use service::{Email, Pools, UserRef};

use crate::cli::{Cli, Command};
use crate::database::Target;
use crate::exit::Failure;
use crate::output::Output;

pub async fn run(cli: Cli) -> Result<(), Failure> {
    let mut target = Target::new(cli.database_url, cli.lock_timeout, cli.statement_timeout);
    target.announce_in_logs = matches!(cli.command, Command::Serve(_));
    let mut out = Output::new(cli.json);
    let server_config = match &cli.command {
        Command::Serve(serve) => Some(serve::config(serve)?),
        _ => None,
    };
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
    // Reads go to a replica when one will do; writes, and every other command, to `db`.
    let cluster = match target.cluster(&db, &cli.replicas).await {
        Ok(cluster) => cluster,
        Err(failure) => {
            let _ = db.close().await;
            return Err(failure);
        }
    };
    // A server reads a SQLite file on a read-only pool beside the one writer.
    let readers = match &cli.command {
        Command::Serve(_) => Some(serve::pools(&db, &target).await),
        _ => None,
    };
    let cluster = Arc::new(match &readers {
        Some(pools) => cluster.reading_from(pools),
        None => cluster,
    });
    let result = match cli.command {
        Command::Migrate(command) => migrate::run(&db, &target, command, &mut out).await,
        Command::User(command) => user::run(&cluster, command, &mut out).await,
        Command::Host(command) => host::run(&db, command, &mut out).await,
        Command::Seed(seed) => seed::run(&db, &seed, &mut out).await,
        Command::Check => check::run(&cluster, &missing, &mut out).await,
        Command::Serve(serve) => match server_config {
            Some(config) => serve::run(Arc::clone(&cluster), &serve, config).await,
            None => Ok(()),
        },
        Command::Completions { .. } => Ok(()),
    };
    // Closed, not dropped: SQLite folds its log back into the database file when the last
    // connection closes, so that `accounts.db` alone holds the data (a copy of it is whole).
    // What closing fails with changes nothing of what the command did.
    // A server's connections still open after its grace period may hold the cluster: their
    // pools close when the process ends.
    if let Some(pools) = readers.filter(Pools::has_readers_of_its_own) {
        let _ = pools.reader().clone().close().await;
    }
    if let Ok(cluster) = Arc::try_unwrap(cluster) {
        cluster.close().await;
    }
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
