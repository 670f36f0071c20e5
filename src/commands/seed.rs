use std::sync::{Arc, OnceLock};

use anyhow::{Context, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use service::{DatabaseConnection, Email, MAX_BATCH_SIZE, NewAccount};

use super::printed;
use crate::cli::Seed;
use crate::exit::{Failure, INTERRUPTED};
use crate::output::Output;
use crate::signals::first_signal;

/// Creates users in batches through the service's batched path, every K-th one a host. Each
/// batch is one transaction of at most three statements (users, guests, hosts), so a batch is
/// committed whole or not at all, whenever and however the run ends.
///
/// SIGINT (Ctrl-C) and SIGTERM stop the run between batches: the batch in flight is awaited to
/// its end, never dropped, since a dropped future may or may not have committed its batch, and
/// then the summary could not say what was. The summary on stdout says what was committed
/// however the run ends (all of it, up to a signal, or up to a batch that failed); after a
/// signal the command fails with [`INTERRUPTED`].
pub async fn run(db: &DatabaseConnection, seed: &Seed, out: &mut Output) -> Result<(), Failure> {
    // Before the first batch: from here on these signals no longer end the process.
    let stop = StopRequest::listen().context("cannot listen for SIGINT and SIGTERM")?;
    let progress = progress_bar(seed.users);
    let mut seeded = Seeded::default();
    let outcome = seed_batches(db, seed, &stop, &progress, &mut seeded).await;
    progress.finish_and_clear();
    let summary = printed(out.seeded(seeded.users, seeded.hosts));
    // The run's own failure, if any, is the one to report; the summary comes before it.
    outcome.and(summary)
}

/// What a run has committed so far.
#[derive(Default)]
struct Seeded {
    users: u64,
    hosts: u64,
}

/// Creates and commits the batches one by one, counting each in `seeded` once committed, until
/// all are, one fails, or `stop` has been requested.
async fn seed_batches(
    db: &DatabaseConnection,
    seed: &Seed,
    stop: &StopRequest,
    progress: &ProgressBar,
    seeded: &mut Seeded,
) -> Result<(), Failure> {
    // Addresses unique to this run, so that seeding twice does not collide.
    let run = uuid::Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 8..];
    while seeded.users < seed.users {
        if let Some(signal) = stop.get() {
            return Err(Failure::new(
                INTERRUPTED,
                anyhow!(
                    "interrupted by {signal}: stopped after {} of {} users, \
                     each batch committed whole with its hosts",
                    seeded.users,
                    seed.users
                ),
            ));
        }
        let size = (seed.users - seeded.users).min(MAX_BATCH_SIZE as u64);
        let batch = new_accounts(seeded.users..seeded.users + size, run, seed.hosts_every)?;
        let accounts = service::create_accounts(db, &batch)
            .await
            .context("cannot create users")?;
        seeded.users += size;
        seeded.hosts += accounts.iter().filter(|a| a.host.is_some()).count() as u64;
        progress.set_position(seeded.users);
    }
    Ok(())
}

/// The accounts numbered `numbers` of run `run`: every `hosts_every`-th one (counting from the
/// run's first, number 0) a host.
fn new_accounts(
    numbers: std::ops::Range<u64>,
    run: &str,
    hosts_every: Option<u64>,
) -> Result<Vec<NewAccount>, Failure> {
    numbers
        .map(|n| {
            Ok(NewAccount {
                email: Email::parse(&format!("seed{n}.{run}@example.com"))
                    .map_err(service::Error::from)?,
                host: hosts_every.is_some_and(|k| n % k == 0),
            })
        })
        .collect()
}

/// The signal that asked the run to stop, once one has.
struct StopRequest(Arc<OnceLock<&'static str>>);

impl StopRequest {
    /// Starts listening; a task of its own records the first signal. The batch loop only looks
    /// at the record between batches, so no batch is ever cut off by a signal.
    fn listen() -> std::io::Result<Self> {
        let first = first_signal()?;
        let requested = Arc::new(OnceLock::new());
        let record = Arc::clone(&requested);
        tokio::spawn(async move {
            let _ = record.set(first.await);
        });
        Ok(Self(requested))
    }

    fn get(&self) -> Option<&'static str> {
        self.0.get().copied()
    }
}

/// A bar on a terminal; nothing when stderr is a pipe or a file.
fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = "{bar:40} {pos}/{len} users  {elapsed} elapsed  {rate}  eta {eta}";
    if let Ok(style) = ProgressStyle::with_template(template) {
        // indicatif's own `{per_sec}` prints four decimals.
        bar.set_style(style.with_key(
            "rate",
            |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{:.0} users/s", state.per_sec());
            },
        ));
    }
    bar
}
