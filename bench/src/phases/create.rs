//! `create`: N users one at a time, each with its guest, in a transaction of its own.

use anyhow::{Context, Result};
use sea_orm::DatabaseConnection;

use super::{Side, Stopwatch, Timed};
use crate::fixture::{self, Counts};
use crate::raw::RawDb;
use crate::statements::StatementCounter;

pub async fn run(
    side: Side,
    db: &DatabaseConnection,
    counter: &StatementCounter,
    n: usize,
) -> Result<Timed> {
    let emails = fixture::emails(n)?;
    let timed = match side {
        Side::Service => {
            let clock = Stopwatch::start(counter.get());
            for email in emails {
                service::create_user(db, email)
                    .await
                    .context("service::create_user")?;
            }
            clock.stop(n, counter.get())
        }
        // `phases::run` gives this phase no other side.
        _ => {
            let mut raw = RawDb::new(db)?;
            let clock = Stopwatch::start(raw.statements());
            for email in &emails {
                raw.create_user(email.as_str())
                    .await
                    .context("raw create_user")?;
            }
            clock.stop(n, raw.statements())
        }
    };
    Counts::new(n, n, 0).expect(db).await?;
    Ok(timed)
}
