//! Many operations at once on one database, through a pool of real connections: the
//! database's constraints and locks decide every race, and each loser gets the domain error
//! that says why, never a raw database error.

use std::time::{Duration, Instant};

use entity::user;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QuerySelect,
    TransactionTrait,
};
use service::testing::{UserFactory, race};
use service::{Account, Error, Result, UserRef};

use super::{assert_invariants, pooled};
use crate::support::{email, row_counts};

/// Connections in the pool of each test: fewer than the racers, so that some wait for one.
const CONNECTIONS: u32 = 16;
/// Operations in each race.
const RACERS: usize = 32;
/// Races run one after the other on the same database.
const ROUNDS: usize = 20;

/// `results` as (successes, losers with `expected`, anything else).
fn tally<T: std::fmt::Debug>(
    results: &[Result<T>],
    expected: fn(&Error) -> bool,
) -> (usize, usize, Vec<String>) {
    let mut won = 0;
    let mut lost = 0;
    let mut other = Vec::new();
    for result in results {
        match result {
            Ok(_) => won += 1,
            Err(err) if expected(err) => lost += 1,
            Err(err) => other.push(format!("{err:?}")),
        }
    }
    (won, lost, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_onboardings_of_one_user_at_once_make_one_host_and_thirty_one_already_host_errors()
 {
    let db = pooled(CONNECTIONS).await;
    for round in 0..ROUNDS {
        let account = UserFactory::new().create(&*db).await.unwrap();
        let by_id = UserRef::Id(account.user.id);
        let by_email = UserRef::Email(email(&account.user.email));
        let pool = db.connection().clone();
        // Half name the user by id (one INSERT), half by email (a read, then the INSERT).
        let results = race(RACERS, |i| {
            let pool = pool.clone();
            let user = if i % 2 == 0 { &by_id } else { &by_email }.clone();
            async move { service::onboard_host(&pool, &user).await }
        })
        .await;

        let (won, lost, other) = tally(&results, |err| matches!(err, Error::AlreadyHost));
        assert_eq!((won, lost), (1, RACERS - 1), "round {round}: {other:?}");
        let host = results.into_iter().find_map(Result::ok);
        let found = service::find_user(&*db, &by_id).await.unwrap();
        assert_eq!(found.host, host, "round {round}");
    }
    let rounds = ROUNDS as u64;
    assert_eq!(row_counts(&*db).await, (rounds, rounds, rounds));
    assert_invariants(&*db).await;
}

/// The address of `round` with the letters of its first five characters in the case that the
/// bits of `variant` say: 32 spellings of one address.
fn spelling(round: usize, variant: usize) -> String {
    let mut address = format!("racer{round}@example.com");
    let upper: String = address[..5]
        .chars()
        .enumerate()
        .map(|(bit, c)| {
            if variant & (1 << bit) == 0 {
                c
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    address.replace_range(..5, &upper);
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_creations_of_one_address_in_different_cases_make_one_user_with_one_guest() {
    let db = pooled(CONNECTIONS).await;
    for round in 0..ROUNDS {
        let spellings: Vec<String> = (0..RACERS).map(|v| spelling(round, v)).collect();
        assert_eq!(
            spellings
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len(),
            RACERS,
            "the spellings differ"
        );
        let pool = db.connection().clone();
        let results = race(RACERS, |i| {
            let pool = pool.clone();
            let address = email(&spellings[i]);
            async move { service::create_user(&pool, address).await }
        })
        .await;

        let (won, lost, other) = tally(&results, |err| matches!(err, Error::EmailTaken));
        assert_eq!((won, lost), (1, RACERS - 1), "round {round}: {other:?}");
        let created = results.into_iter().find_map(Result::ok).unwrap();
        assert_eq!(created.user.email, format!("racer{round}@example.com"));
        let found = service::find_user(&*db, &UserRef::Email(email(&spellings[RACERS - 1])))
            .await
            .unwrap();
        assert_eq!(found, created, "round {round}");
    }
    let rounds = ROUNDS as u64;
    assert_eq!(row_counts(&*db).await, (rounds, rounds, 0));
    assert_invariants(&*db).await;
}

/// Concurrent creations of distinct users.
const DISTINCT_USERS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_creations_of_distinct_users_at_once_all_get_their_guest() {
    let db = pooled(CONNECTIONS).await;
    let pool = db.connection().clone();
    let results = race(DISTINCT_USERS, |i| {
        let pool = pool.clone();
        let address = email(&format!("crowd{i}@example.com"));
        async move { service::create_user(&pool, address).await }
    })
    .await;

    let accounts: Vec<Account> = results
        .into_iter()
        .enumerate()
        .map(|(i, result)| result.unwrap_or_else(|err| panic!("user {i}: {err:?}")))
        .collect();
    for account in &accounts {
        let found = service::find_user(&*db, &UserRef::Id(account.user.id))
            .await
            .unwrap();
        assert_eq!(&found, account);
    }
    let users = DISTINCT_USERS as u64;
    assert_eq!(row_counts(&*db).await, (users, users, 0));
    assert_invariants(&*db).await;
}

/// Addresses shared by the operations of the churn: few, so that they collide.
const CHURN_ADDRESSES: usize = 6;
/// Operations in each round of the churn.
const CHURN_RACERS: usize = 48;
/// Rounds of the churn.
const CHURN_ROUNDS: usize = 8;

fn churn_address(n: usize) -> String {
    format!("churn{}@example.com", n % CHURN_ADDRESSES)
}

/// One operation of the churn, by number, and whether its error is one the operation may
/// give when others change the same users meanwhile.
async fn churn_operation(db: &DatabaseConnection, n: usize) -> (String, Result<()>) {
    let target = UserRef::Email(email(&churn_address(n / 5)));
    let (name, result) = match n % 5 {
        0 => (
            "create",
            service::create_user(db, email(&churn_address(n / 5)))
                .await
                .map(drop),
        ),
        1 => (
            "onboard",
            service::onboard_host(db, &target).await.map(drop),
        ),
        2 => ("offboard", service::offboard_host(db, &target).await),
        3 => (
            "change email",
            service::change_email(db, &target, email(&churn_address(n / 5 + 1)))
                .await
                .map(drop),
        ),
        _ => ("delete", service::delete_user(db, &target).await.map(drop)),
    };
    let expected = match (&result, name) {
        (Ok(()), _) => true,
        (Err(Error::EmailTaken), "create" | "change email") => true,
        (Err(Error::UserNotFound), "onboard" | "offboard" | "change email" | "delete") => true,
        (Err(Error::AlreadyHost), "onboard") => true,
        (Err(Error::NotAHost), "offboard") => true,
        // A host onboarded between the delete's removal of the host and of the user.
        (Err(Error::UserInUse), "delete") => true,
        _ => false,
    };
    let outcome = format!("{name} {}: {result:?}", target);
    (outcome, if expected { Ok(()) } else { result })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_onboarding_offboarding_renaming_and_deleting_the_same_users_at_once_keeps_the_invariants()
 {
    let db = pooled(CONNECTIONS).await;
    for round in 0..CHURN_ROUNDS {
        let pool = db.connection().clone();
        let outcomes = race(CHURN_RACERS, |i| {
            let pool = pool.clone();
            // Each round shifts which operation meets which address.
            async move { churn_operation(&pool, i + round * 7).await }
        })
        .await;
        let unexpected: Vec<&String> = outcomes
            .iter()
            .filter(|(_, result)| result.is_err())
            .map(|(outcome, _)| outcome)
            .collect();
        assert!(unexpected.is_empty(), "round {round}: {unexpected:#?}");
        assert_invariants(&*db).await;
    }
    // The churn did something: users remain or were deleted, but every one that remains is whole.
    let page = service::list_users(&*db, None, service::PageSize::new(1000).unwrap())
        .await
        .unwrap();
    assert!(page.accounts.len() <= CHURN_ADDRESSES);
}

/// How long a lock wait or busy wait lasts on each backend before the database gives up, as
/// set for one session by [`impatient`]. MariaDB counts whole seconds.
fn patience(backend: DatabaseBackend) -> Duration {
    match backend {
        DatabaseBackend::MySql => Duration::from_secs(1),
        _ => Duration::from_millis(200),
    }
}

/// A pool of one connection to `db` that gives up waiting for a lock after [`patience`]:
/// `lock_timeout` on PostgreSQL, `innodb_lock_wait_timeout` on MariaDB, the busy timeout on
/// SQLite. A session setting, so the pool has one connection, which keeps it.
async fn impatient(db: &service::testing::TestDatabase) -> DatabaseConnection {
    let pool = db.connect_again(1).await.unwrap();
    let setting = match pool.get_database_backend() {
        DatabaseBackend::Postgres => "SET lock_timeout = '200ms'",
        DatabaseBackend::MySql => "SET SESSION innodb_lock_wait_timeout = 1",
        _ => "PRAGMA busy_timeout = 200",
    };
    pool.execute_unprepared(setting).await.unwrap();
    pool
}

/// Takes the lock that keeps onboarding `user` waiting, in `holder`: the user's row on the
/// servers (a host's foreign key check must share it), SQLite's write lock.
async fn block_onboarding(holder: &sea_orm::DatabaseTransaction, user: &Account) {
    match holder.get_database_backend() {
        DatabaseBackend::Sqlite => {
            UserFactory::new().create(holder).await.unwrap();
        }
        _ => {
            user::Entity::find_by_id(user.user.id)
                .lock_exclusive()
                .one(holder)
                .await
                .unwrap()
                .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_on_a_busy_database_is_retried_then_reported_as_busy_never_as_a_raw_error() {
    let db = pooled(4).await;
    let patience = patience(db.get_database_backend());
    let account = UserFactory::new().create(&*db).await.unwrap();
    let user = UserRef::Id(account.user.id);
    let contender = impatient(&db).await;

    let holder = db.begin().await.unwrap();
    block_onboarding(&holder, &account).await;

    // Inside a caller's transaction: reported at once, since only the caller can retry.
    let txn = contender.begin().await.unwrap();
    let started = Instant::now();
    let inside = service::onboard_host(&txn, &user).await;
    let waited = started.elapsed();
    assert!(matches!(inside, Err(Error::Busy(_))), "{inside:?}");
    assert!(
        waited < patience * 2,
        "retried inside a caller's transaction: {waited:?}"
    );
    txn.rollback().await.unwrap();

    // On a pool: tried again a few times, then reported.
    let started = Instant::now();
    let pooled = service::onboard_host(&contender, &user).await;
    let waited = started.elapsed();
    assert!(matches!(pooled, Err(Error::Busy(_))), "{pooled:?}");
    assert!(waited >= patience * 2, "not retried: {waited:?}");
    assert!(
        waited < patience * 10 + Duration::from_secs(5),
        "{waited:?}"
    );

    // Once the lock is released, the same operation works, and nothing was half-written.
    holder.rollback().await.unwrap();
    service::onboard_host(&contender, &user).await.unwrap();
    assert_eq!(row_counts(&*db).await, (1, 1, 1));
    assert_invariants(&*db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_that_finds_the_database_busy_succeeds_once_the_lock_is_released() {
    let db = pooled(4).await;
    let patience = patience(db.get_database_backend());
    let account = UserFactory::new().create(&*db).await.unwrap();
    let contender = impatient(&db).await;

    let holder = db.begin().await.unwrap();
    block_onboarding(&holder, &account).await;
    // Held for longer than one try waits: only a retry can succeed.
    let hold = patience * 3 / 2;
    let release = tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        holder.commit().await.unwrap();
    });

    let started = Instant::now();
    let host = service::onboard_host(&contender, &UserRef::Id(account.user.id)).await;
    let waited = started.elapsed();
    release.await.unwrap();
    assert!(host.is_ok(), "{host:?}");
    assert!(waited >= hold, "the lock was not waited for: {waited:?}");
    assert_invariants(&*db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_race_lost_inside_a_callers_transaction_is_reported_as_busy() {
    let db = pooled(4).await;
    let first = UserFactory::new().create(&*db).await.unwrap();
    let second = UserFactory::new().create(&*db).await.unwrap();
    let backend = db.get_database_backend();

    let outcomes: Vec<Result<()>> = if backend == DatabaseBackend::Sqlite {
        // A caller's DEFERRED transaction reads, another connection commits a write, then the
        // reader writes: its snapshot is stale, SQLite refuses at once (SQLITE_BUSY_SNAPSHOT).
        let reader = db.begin().await.unwrap();
        service::find_user(&reader, &UserRef::Id(first.user.id))
            .await
            .unwrap();
        UserFactory::new().create(&*db).await.unwrap();
        let stale = service::onboard_host(&reader, &UserRef::Id(first.user.id))
            .await
            .map(drop);
        reader.rollback().await.unwrap();
        vec![stale]
    } else {
        // A deadlock: each transaction holds one user's row and wants the other's.
        let a = db.begin().await.unwrap();
        let b = db.begin().await.unwrap();
        lock(&a, &first).await.unwrap();
        lock(&b, &second).await.unwrap();
        let (from_a, from_b) = tokio::join!(
            async {
                let result = lock(&a, &second).await;
                let _ = a.rollback().await;
                result
            },
            async {
                // The foreign key check of the host wants `first`'s row.
                let result = service::onboard_host(&b, &UserRef::Id(first.user.id))
                    .await
                    .map(drop);
                let _ = b.rollback().await;
                result
            },
        );
        vec![from_a, from_b]
    };
    let busy = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(Error::Busy(_))))
        .count();
    assert_eq!(busy, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|outcome| matches!(outcome, Ok(()) | Err(Error::Busy(_)))),
        "{outcomes:?}"
    );
    // Everything was rolled back: still the two users, whole.
    let users = row_counts(&*db).await.0;
    assert!(users == 2 || (backend == DatabaseBackend::Sqlite && users == 3));
    assert_eq!(row_counts(&*db).await.2, 0);
    assert_invariants(&*db).await;
}

/// Locks `account`'s user row in `txn`.
async fn lock(txn: &sea_orm::DatabaseTransaction, account: &Account) -> Result<()> {
    user::Entity::find_by_id(account.user.id)
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(())
}
