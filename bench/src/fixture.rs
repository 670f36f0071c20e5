//! Untimed setup and checks: users made the fastest way, and row counts.

use anyhow::{Context, Result, ensure};
use entity::{clock, guest, host, user};
use sea_orm::{DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait};
use service::{Email, MAX_BATCH_SIZE};
use uuid::Uuid;

/// Every `HOST_EVERY`-th user (the first included) is, or becomes, a host.
pub const HOST_EVERY: usize = 10;

/// `n` distinct addresses; each phase has a database of its own, so they never collide.
pub fn emails(n: usize) -> Result<Vec<Email>> {
    (0..n)
        .map(|i| Email::parse(&format!("user{i}@bench.example.com")).context("bad address"))
        .collect()
}

/// Creates `n` users with their guests in batches, and returns their ids in creation order.
pub async fn users(db: &DatabaseConnection, n: usize) -> Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(n);
    for batch in emails(n)?.chunks(MAX_BATCH_SIZE) {
        let accounts = service::create_users(db, batch)
            .await
            .context("setup: create_users")?;
        ids.extend(accounts.into_iter().map(|account| account.user.id));
    }
    Ok(ids)
}

/// The users that are hosts, by their place in creation order.
pub fn is_host(index: usize) -> bool {
    index.is_multiple_of(HOST_EVERY)
}

/// Makes every [`HOST_EVERY`]-th user a host, in batches, and returns how many.
///
/// The service onboards one user per transaction; setup only needs the rows, so it writes
/// them as `onboard_host` would (UUIDv7 id, equal timestamps), many per statement.
pub async fn hosts(db: &DatabaseConnection, users: &[Uuid]) -> Result<usize> {
    let now = clock::now();
    let hosts: Vec<host::ActiveModel> = users
        .iter()
        .step_by(HOST_EVERY)
        .map(|&user_id| {
            host::Model {
                id: Uuid::now_v7(),
                user_id,
                created_at: now,
                updated_at: now,
            }
            .into_active_model()
        })
        .collect();
    let count = hosts.len();
    for batch in hosts.chunks(MAX_BATCH_SIZE) {
        host::Entity::insert_many(batch.to_vec())
            .exec_without_returning(db)
            .await
            .context("setup: insert hosts")?;
    }
    Ok(count)
}

/// Rows in `users`, `guests` and `hosts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub guests: u64,
    pub hosts: u64,
}

impl Counts {
    pub fn new(users: usize, guests: usize, hosts: usize) -> Self {
        // usize always fits in u64 on the targets Rust supports.
        let wide = |count: usize| count as u64;
        Self {
            users: wide(users),
            guests: wide(guests),
            hosts: wide(hosts),
        }
    }

    /// Fails unless the database holds exactly `self`.
    pub async fn expect(self, db: &DatabaseConnection) -> Result<()> {
        let found = Self::of(db).await?;
        ensure!(found == self, "expected {self:?}, found {found:?}");
        Ok(())
    }

    /// Fails unless the database holds `self` or more users, each with its guest, and
    /// `self.hosts` hosts.
    pub async fn at_least(self, db: &DatabaseConnection) -> Result<()> {
        let found = Self::of(db).await?;
        ensure!(
            found.users >= self.users && found.guests == found.users && found.hosts == self.hosts,
            "expected at least {self:?}, found {found:?}"
        );
        Ok(())
    }

    async fn of(db: &DatabaseConnection) -> Result<Self> {
        Ok(Self {
            users: user::Entity::find().count(db).await?,
            guests: guest::Entity::find().count(db).await?,
            hosts: host::Entity::find().count(db).await?,
        })
    }
}
