//! Every wait is bounded: behind a lock another session holds, an operation fails as busy
//! within the retry budget instead of waiting until the lock is released.
//!
//! A second connection holds the lock, as another program would: a row lock (`SELECT … FOR
//! UPDATE`) and, where reads would wait too, a table lock (`LOCK TABLE` on PostgreSQL, `LOCK
//! TABLES` on MySQL). On SQLite, a write transaction holds the write lock; readers never wait
//! there (WAL).

use std::time::{Duration, Instant};

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, TransactionTrait,
};
use service::testing::{TestDatabase, UserFactory};
use service::{Account, Error, RETRY_BUDGET, Timeouts, UserRef};

use super::pooled;
use crate::support::{by_id, email};

/// The lock wait of the connections under test: short, so that the tests are.
const LOCK_WAIT: Duration = Duration::from_secs(1);
/// What a wait may take beyond what was asked: scheduling on a loaded 2-core machine.
const SLACK: Duration = Duration::from_secs(3);

/// A pool on `db` whose statements wait for a lock at most `lock_wait`.
async fn impatient(db: &TestDatabase, lock_wait: Duration) -> DatabaseConnection {
    let timeouts = Timeouts {
        lock_wait,
        statement: Duration::from_secs(30),
    };
    let mut options = service::connect_options_with(db.url(), timeouts);
    options.max_connections(4);
    service::connect_with(options).await.unwrap()
}

/// Another session's transaction holding the write lock on `account`'s user row (SQLite: the
/// database's write lock).
pub(crate) async fn hold_row_lock(
    db: &TestDatabase,
    account: &Account,
) -> (DatabaseConnection, DatabaseTransaction) {
    let (holder, txn) = super::another_session(db).await;
    let lock = match holder.get_database_backend() {
        DatabaseBackend::Sqlite => "UPDATE users SET updated_at = updated_at".to_owned(),
        backend => {
            let id = match backend {
                DatabaseBackend::Postgres => format!("'{}'", account.user.id),
                _ => format!("x'{}'", account.user.id.simple()),
            };
            format!("SELECT id FROM users WHERE id = {id} FOR UPDATE")
        }
    };
    txn.execute_unprepared(&lock).await.unwrap();
    (holder, txn)
}

/// Runs `op`, which must fail as busy, and returns how long it took.
async fn busy_after<T: std::fmt::Debug>(op: impl Future<Output = service::Result<T>>) -> Duration {
    let start = Instant::now();
    let result = op.await;
    let took = start.elapsed();
    assert!(
        matches!(result, Err(Error::Busy(_))),
        "{result:?} after {took:?}"
    );
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_behind_a_row_lock_fails_as_busy_within_the_retry_budget() {
    let db = pooled(2).await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let (_holder, txn) = hold_row_lock(&db, &account).await;
    let pool = impatient(&db, LOCK_WAIT).await;

    let took = busy_after(service::change_email(
        &pool,
        &by_id(&account),
        email("new@example.com"),
    ))
    .await;
    // It waited for the lock, and tried again while another wait fitted in the budget.
    assert!(took >= LOCK_WAIT * 2, "{took:?}");
    assert!(took <= RETRY_BUDGET + SLACK, "{took:?}");
    let took = busy_after(service::delete_user(&pool, &by_id(&account))).await;
    assert!(took <= RETRY_BUDGET + SLACK, "{took:?}");

    // Released, the same operation goes through: nothing was left behind by the busy ones.
    txn.rollback().await.unwrap();
    service::change_email(&pool, &by_id(&account), email("new@example.com"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_default_timeouts_a_locked_write_gives_up_within_the_retry_budget() {
    let db = pooled(2).await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let (_holder, _txn) = hold_row_lock(&db, &account).await;
    let pool = impatient(&db, Timeouts::DEFAULT.lock_wait).await;

    let took = busy_after(service::change_email(
        &pool,
        &by_id(&account),
        email("new@example.com"),
    ))
    .await;
    assert!(took >= Timeouts::DEFAULT.lock_wait, "{took:?}");
    assert!(took <= RETRY_BUDGET + SLACK, "{took:?}");
    println!("longest wait with the default timeouts: {took:?} (budget {RETRY_BUDGET:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_behind_a_table_lock_fail_as_busy_instead_of_waiting() {
    let db = pooled(2).await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Sqlite {
        // In WAL mode a reader never waits for the writer: nothing to bound. Shown, not assumed.
        let (_holder, _txn) = hold_row_lock(&db, &account).await;
        let pool = impatient(&db, LOCK_WAIT).await;
        service::find_user(&pool, &by_id(&account)).await.unwrap();
        service::check_invariants(&pool).await.unwrap();
        return;
    }
    let holder = db.connect_again(1).await.unwrap();
    let _txn = match backend {
        DatabaseBackend::Postgres => {
            let txn = holder.begin().await.unwrap();
            txn.execute_unprepared("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
                .await
                .unwrap();
            Some(txn)
        }
        // A session's table locks: the pool's one connection keeps them until it ends.
        _ => {
            holder
                .execute_unprepared("LOCK TABLES users WRITE, guests WRITE, hosts WRITE")
                .await
                .unwrap();
            None
        }
    };
    let pool = impatient(&db, LOCK_WAIT).await;
    let user = UserRef::Id(account.user.id);
    for took in [
        busy_after(service::find_user(&pool, &user)).await,
        busy_after(service::list_users(&pool, None, service::PageSize::DEFAULT)).await,
        busy_after(service::check_invariants(&pool)).await,
    ] {
        assert!(took >= LOCK_WAIT && took <= LOCK_WAIT + SLACK, "{took:?}");
    }
    if backend == DatabaseBackend::MySql {
        holder.execute_unprepared("UNLOCK TABLES").await.unwrap();
    }
}
