//! What the service crate costs over the SQL it stands for.
//!
//! `cargo run --release -p bench -- [--database-url URL] [--n N] [--rounds R]` runs every phase
//! through the service and as raw SQL through sqlx, each time on a freshly migrated database,
//! and prints one JSON object per line on stdout and a table on stderr.

mod cpu;
mod fixture;
mod latency;
mod phases;
mod raw;
mod report;
mod settings;
mod statements;
mod target;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use serde_json::Value;

use crate::phases::Phase;
use crate::report::Measurement;
use crate::statements::StatementCounter;
use crate::target::Target;

/// Service vs raw sqlx, phase by phase.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// A `postgres://` server URL (each phase and side gets a database of its own there, dropped
    /// afterwards) or a `sqlite:` file path (fresh files are made beside it and removed).
    /// Default: SQLite files in a temporary directory.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Users per phase.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    n: usize,
    /// Rounds: each runs every phase on both sides, the side that goes first alternating.
    #[arg(long, value_name = "R", default_value_t = 3)]
    rounds: usize,
    /// Only these phases (comma-separated), to profile or re-measure one; default: all.
    #[arg(long, value_name = "PHASE", value_delimiter = ',')]
    phases: Vec<Phase>,
    /// How many lookups, onboardings, duplicate onboardings and deletions a phase times (at
    /// most N/10 onboardings).
    #[arg(long, value_name = "K", default_value_t = 1000)]
    sample: usize,
    /// Only this side (service, raw, single, http): to profile one, e.g. under callgrind.
    #[arg(long, value_name = "SIDE")]
    side: Option<String>,
    /// How long each run of a concurrent phase (mixed, http_show, http_create) lasts.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    seconds: u64,
    /// The `accounts` binary the HTTP phases serve with. Default: the one beside this binary
    /// (`cargo build --release -p accounts -p bench` builds both).
    #[arg(long, value_name = "PATH")]
    accounts: Option<std::path::PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(
        args.n >= 10,
        "--n must be at least 10: every 10th user is a host"
    );
    ensure!(args.rounds >= 1, "--rounds must be at least 1");
    ensure!(args.sample >= 1, "--sample must be at least 1");
    // One thread drives every operation in turn: a second worker thread would only add
    // cross-thread wake-ups to both sides' timings on a 2-core machine.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(&args))
}

async fn run(args: &Args) -> Result<()> {
    let target = Target::new(args.database_url.as_deref()).await?;
    let accounts = match &args.accounts {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("cannot find this binary")?
            .with_file_name("accounts"),
    };
    let chosen = |phase: Phase| args.phases.is_empty() || args.phases.contains(&phase);
    // Said once and plainly, not as a failure in the middle of the run: the other phases
    // are still measured.
    let http = [Phase::HttpShow, Phase::HttpCreate];
    let http_unavailable = if http.iter().any(|&phase| chosen(phase)) {
        phases::http_unavailable(&accounts)
    } else {
        None
    };
    if let Some(why) = &http_unavailable {
        eprintln!("skipping http_show and http_create: {why}");
        report::emit(&serde_json::json!({ "skipped": ["http_show", "http_create"], "why": why }))?;
    }
    let run = Run {
        n: args.n,
        sample: args.sample,
        duration: std::time::Duration::from_secs(args.seconds.max(1)),
        accounts,
    };
    let mut settings: Option<Value> = None;
    let mut measurements = Vec::new();
    for round in 0..args.rounds {
        for phase in Phase::ALL {
            if !chosen(phase) || (http.contains(&phase) && http_unavailable.is_some()) {
                continue;
            }
            for &side in phase.sides(round) {
                // One connection for everything is only a design of its own on SQLite.
                if side == phases::Side::Single && target.backend() != "sqlite" {
                    continue;
                }
                if args.side.as_deref().is_some_and(|only| only != side.name()) {
                    continue;
                }
                let measurement = measure(&target, phase, side, round, &run, &mut settings)
                    .await
                    .with_context(|| {
                        format!("{} {} round {}", phase.name(), side.name(), round + 1)
                    })?;
                report::progress(&measurement);
                report::emit(&measurement)?;
                measurements.push(measurement);
            }
        }
    }
    let ratios = report::ratios(target.backend(), &measurements);
    for ratio in &ratios {
        report::emit(ratio)?;
    }
    eprintln!("{}", report::table(&ratios, &measurements));
    target.close().await
}

/// What every run shares.
struct Run {
    n: usize,
    sample: usize,
    duration: std::time::Duration,
    accounts: std::path::PathBuf,
}

/// One timed run of `phase` on `side`, on a database of its own.
async fn measure(
    target: &Target,
    phase: Phase,
    side: phases::Side,
    round: usize,
    run: &Run,
    settings: &mut Option<Value>,
) -> Result<Measurement> {
    let n = run.n;
    let label = format!("{}-{}-r{}", phase.name(), side.name(), round + 1);
    let mut fresh = target.fresh(&label).await?;
    let result = async {
        // Both sides run on this connection's pool, so one reading covers both; reading it on
        // every database also proves that each one got the settings printed first.
        let current = settings::read(&fresh.db).await?;
        match settings {
            Some(first) => ensure!(
                *first == current,
                "settings changed: {first} then {current}"
            ),
            None => {
                report::emit(&current)?;
                *settings = Some(current);
            }
        }
        let counter = StatementCounter::attach(&mut fresh.db);
        let env = phases::Env {
            db: &fresh.db,
            url: &fresh.url,
            counter: &counter,
            n,
            sample: run.sample,
            duration: run.duration,
            accounts: &run.accounts,
        };
        phases::run(phase, side, &env).await
    }
    .await;
    target.dispose(fresh).await?;
    Ok(Measurement::new(
        target.backend(),
        phase,
        side,
        round + 1,
        n,
        result?,
    ))
}
