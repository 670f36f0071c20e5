//! `onboard`: every 10th of N existing users becomes a host, one at a time.

use anyhow::{Context, Result};
use sea_orm::DatabaseConnection;
use service::UserRef;

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
    let hosts: Vec<_> = users
        .iter()
        .copied()
        .step_by(HOST_EVERY)
        .take(sample)
        .collect();
    let timed = match side {
        Side::Service => {
            let clock = Stopwatch::start(counter.get());
            for &id in &hosts {
                service::onboard_host(db, &UserRef::Id(id))
                    .await
                    .context("service::onboard_host")?;
            }
            clock.stop(hosts.len(), counter.get())
        }
        // `phases::run` gives this phase no other side.
        _ => {
            let mut raw = RawDb::new(db)?;
            let clock = Stopwatch::start(raw.statements());
            for &id in &hosts {
                raw.onboard_host(id).await.context("raw onboard_host")?;
            }
            clock.stop(hosts.len(), raw.statements())
        }
    };
    Counts::new(n, n, hosts.len()).expect(db).await?;
    Ok(timed)
}
