//! Helpers shared by the tests.

use std::sync::{Arc, Mutex};

use entity::{guest, host, user};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use service::testing::TestDatabase;
use service::{Account, Email, UserRef};

/// A fresh migrated database for one test.
pub async fn database() -> TestDatabase {
    match TestDatabase::new().await {
        Ok(db) => db,
        Err(err) => panic!("cannot set up the test database: {err}"),
    }
}

pub fn email(raw: &str) -> Email {
    match raw.parse() {
        Ok(email) => email,
        Err(err) => panic!("{raw:?} should be a valid address: {err}"),
    }
}

pub fn by_id(account: &Account) -> UserRef {
    UserRef::Id(account.user.id)
}

/// The number of rows in `users`, `guests` and `hosts`.
pub async fn row_counts<C: ConnectionTrait>(db: &C) -> (u64, u64, u64) {
    let users = user::Entity::find().count(db).await;
    let guests = guest::Entity::find().count(db).await;
    let hosts = host::Entity::find().count(db).await;
    match (users, guests, hosts) {
        (Ok(users), Ok(guests), Ok(hosts)) => (users, guests, hosts),
        other => panic!("cannot count rows: {other:?}"),
    }
}

/// The SQL of every statement run on a connection since [`record_statements`].
#[derive(Clone, Default)]
pub struct Statements(Arc<Mutex<Vec<String>>>);

impl Statements {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

/// Records every statement `db` runs from now on (SeaORM's metric callback).
pub fn record_statements(db: &mut TestDatabase) -> Statements {
    let statements = Statements::default();
    let sink = statements.clone();
    db.set_metric_callback(move |info| {
        if let Ok(mut sink) = sink.0.lock() {
            sink.push(info.statement.sql.clone());
        }
    });
    statements
}

/// How many migrations the schema has.
pub fn migrations() -> usize {
    use migration::MigratorTrait;
    migration::Migrator::migrations().len()
}
