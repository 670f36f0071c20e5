//! `duplicate_host`: onboarding users who are hosts already; every attempt must be refused by
//! the unique index, and nothing written.

use anyhow::{Context, Result, bail};
use sea_orm::DatabaseConnection;
use service::{Error, UserRef};

use super::{Side, Stopwatch, Timed};
use crate::fixture::{self, Counts, HOST_EVERY};
use crate::raw::RawDb;
use crate::statements::StatementCounter;

pub async fn run(
    side: Side,
    db: &DatabaseConnection,
    counter: &StatementCounter,
    n: usize,
    sample: usize,
) -> Result<Timed> {
    let users = fixture::users(db, n).await?;
    let host_count = fixture::hosts(db, &users).await?;
    let targets: Vec<_> = users
        .iter()
        .copied()
        .step_by(HOST_EVERY)
        .cycle()
        .take(sample)
        .collect();
    let timed = match side {
        Side::Service => {
            let clock = Stopwatch::start(counter.get());
            for &id in &targets {
                match service::onboard_host(db, &UserRef::Id(id)).await {
                    Err(Error::AlreadyHost) => {}
                    Err(err) => return Err(err).context("service::onboard_host of a host"),
                    Ok(host) => bail!("user {} onboarded twice: {host:?}", host.user_id),
                }
            }
            clock.stop(targets.len(), counter.get())
        }
        // `phases::run` gives this phase no other side.
        _ => {
            let mut raw = RawDb::new(db)?;
            let clock = Stopwatch::start(raw.statements());
            for &id in &targets {
                match raw.onboard_host(id).await {
                    Err(err) if err.is_unique_violation() => {}
                    Err(err) => return Err(err).context("raw onboard_host of a host"),
                    Ok(host) => bail!("user {} onboarded twice: {host:?}", host.user_id),
                }
            }
            clock.stop(targets.len(), raw.statements())
        }
    };
    Counts::new(n, n, host_count).expect(db).await?;
    Ok(timed)
}
