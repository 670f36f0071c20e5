//! `load_all` and `load_one`: users with their guest and host, all at once or one by id.

use anyhow::{Context, Result, bail, ensure};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use service::{Account, Listed, UserRef};
use uuid::Uuid;

use super::{Side, Stopwatch, Timed};
use crate::fixture::{self, Counts};
use crate::raw::RawDb;
use crate::statements::StatementCounter;

/// All N users in one statement: through the service's stream, raw in one `SELECT` fetched
/// whole.
pub async fn all(
    side: Side,
    db: &DatabaseConnection,
    counter: &StatementCounter,
    n: usize,
) -> Result<Timed> {
    let users = fixture::users(db, n).await?;
    let host_count = fixture::hosts(db, &users).await?;
    let (accounts, timed) = match side {
        Side::Service => {
            let clock = Stopwatch::start(counter.get());
            let mut accounts = Vec::with_capacity(n);
            let mut listing = service::stream_users(db, None)
                .await
                .context("service::stream_users")?;
            while let Some(listed) = listing.next().await {
                match listed.context("service::stream_users")? {
                    Listed::Account(account) => accounts.push(account),
                    Listed::Broken(broken) => bail!("user {} is broken", broken.user.id),
                }
            }
            drop(listing);
            let timed = clock.stop(n, counter.get());
            (accounts, timed)
        }
        // `phases::run` gives this phase no other side.
        _ => {
            let mut raw = RawDb::new(db)?;
            let clock = Stopwatch::start(raw.statements());
            let accounts = raw.load_all().await.context("raw load_all")?;
            let timed = clock.stop(n, raw.statements());
            (accounts, timed)
        }
    };
    ensure!(
        accounts.len() == n,
        "loaded {} users of {n}",
        accounts.len()
    );
    check(&accounts, &users, host_count)?;
    Counts::new(n, n, host_count).expect(db).await?;
    Ok(timed)
}

/// `sample` lookups by id, spread over all users (hosts among them).
pub async fn one(
    side: Side,
    db: &DatabaseConnection,
    counter: &StatementCounter,
    n: usize,
    sample: usize,
) -> Result<Timed> {
    let users = fixture::users(db, n).await?;
    let host_count = fixture::hosts(db, &users).await?;
    // A stride prime to most N scatters the lookups over the id index instead of walking it.
    let picks: Vec<usize> = (0..sample).map(|i| (i * 7919) % n).collect();
    let ids: Vec<Uuid> = picks.iter().map(|&i| users[i]).collect();
    let mut accounts = Vec::with_capacity(ids.len());
    let timed = match side {
        Side::Service => {
            let clock = Stopwatch::start(counter.get());
            for &id in &ids {
                accounts.push(
                    service::find_user(db, &UserRef::Id(id))
                        .await
                        .context("service::find_user")?,
                );
            }
            clock.stop(ids.len(), counter.get())
        }
        // `phases::run` gives this phase no other side.
        _ => {
            let mut raw = RawDb::new(db)?;
            let clock = Stopwatch::start(raw.statements());
            for &id in &ids {
                accounts.push(raw.find_user(id).await.context("raw find_user")?);
            }
            clock.stop(ids.len(), raw.statements())
        }
    };
    let expected_hosts = picks.iter().filter(|&&i| fixture::is_host(i)).count();
    check(&accounts, &ids, expected_hosts)?;
    Counts::new(n, n, host_count).expect(db).await?;
    Ok(timed)
}

/// `accounts` are the users `ids` in that order, each with its own guest, `hosts` of them with
/// their own host.
fn check(accounts: &[Account], ids: &[Uuid], hosts: usize) -> Result<()> {
    ensure!(accounts.len() == ids.len(), "wrong number of accounts");
    let mut found_hosts = 0;
    for (account, &id) in accounts.iter().zip(ids) {
        ensure!(
            account.user.id == id,
            "expected user {id}, got {}",
            account.user.id
        );
        ensure!(account.guest.user_id == id, "user {id} has another's guest");
        if let Some(host) = &account.host {
            ensure!(host.user_id == id, "user {id} has another's host");
            found_hosts += 1;
        }
    }
    ensure!(
        found_hosts == hosts,
        "found {found_hosts} hosts, expected {hosts}"
    );
    Ok(())
}
