//! `bulk_create`: N users with their guests through `service::create_users`, a batch at a time.

use anyhow::{Context, Result, bail};
use sea_orm::DatabaseConnection;
use service::MAX_BATCH_SIZE;

use super::{Side, Stopwatch, Timed};
use crate::fixture::{self, Counts};
use crate::statements::StatementCounter;

pub async fn run(
    side: Side,
    db: &DatabaseConnection,
    counter: &StatementCounter,
    n: usize,
) -> Result<Timed> {
    if side == Side::Raw {
        bail!("bulk_create is compared with create, not with raw SQL");
    }
    let emails = fixture::emails(n)?;
    let clock = Stopwatch::start(counter.get());
    for batch in emails.chunks(MAX_BATCH_SIZE) {
        service::create_users(db, batch)
            .await
            .context("service::create_users")?;
    }
    let timed = clock.stop(n, counter.get());
    Counts::new(n, n, 0).expect(db).await?;
    Ok(timed)
}
