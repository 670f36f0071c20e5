//! `delete`: users without a host, with their guests, one at a time.

use anyhow::{Context, Result};
use sea_orm::DatabaseConnection;
use service::UserRef;

use super::{Side, Stopwatch, Timed};
use crate::fixture::{self, Counts};
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
    let doomed: Vec<_> = users
        .iter()
        .enumerate()
        .filter(|&(index, _)| !fixture::is_host(index))
        .map(|(_, &id)| id)
        .take(sample)
        .collect();
    let timed = match side {
        Side::Service => {
            let clock = Stopwatch::start(counter.get());
            for &id in &doomed {
                service::delete_user(db, &UserRef::Id(id))
                    .await
                    .context("service::delete_user")?;
            }
            clock.stop(doomed.len(), counter.get())
        }
        // `phases::run` gives this phase no other side.
        _ => {
            let mut raw = RawDb::new(db)?;
            let clock = Stopwatch::start(raw.statements());
            for &id in &doomed {
                raw.delete_user(id).await.context("raw delete_user")?;
            }
            clock.stop(doomed.len(), raw.statements())
        }
    };
    let left = n - doomed.len();
    Counts::new(left, left, host_count).expect(db).await?;
    Ok(timed)
}
