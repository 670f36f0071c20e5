use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use service::{DatabaseConnection, Email, MAX_BATCH_SIZE, UserRef};

use super::printed;
use crate::cli::Seed;
use crate::exit::Failure;
use crate::output::Output;

/// Creates users in batches through the service's batched path (two statements per batch, each
/// user with its guest), then onboards every K-th one as a host.
pub async fn run(db: &DatabaseConnection, seed: &Seed, out: &mut Output) -> Result<(), Failure> {
    let progress = progress_bar(seed.users);
    // Addresses unique to this run, so that seeding twice does not collide.
    let run = uuid::Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 8..];
    let mut created: u64 = 0;
    let mut hosts: u64 = 0;
    while created < seed.users {
        let batch = (seed.users - created).min(MAX_BATCH_SIZE as u64);
        let emails = (created..created + batch)
            .map(|n| Email::parse(&format!("seed{n}.{run}@example.com")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(service::Error::from)?;
        let accounts = service::create_users(db, &emails)
            .await
            .context("cannot create users")?;
        for (n, account) in (created..).zip(&accounts) {
            if seed.hosts_every.is_some_and(|k| n % k == 0) {
                service::onboard_host(db, &UserRef::Id(account.user.id))
                    .await
                    .context("cannot onboard a host")?;
                hosts += 1;
            }
        }
        created += batch;
        progress.set_position(created);
    }
    progress.finish_and_clear();
    printed(out.seeded(created, hosts))
}

/// A bar on a terminal; nothing when stderr is a pipe or a file.
fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} users  eta {eta}") {
        bar.set_style(style);
    }
    bar
}
