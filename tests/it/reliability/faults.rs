//! Real faults in the middle of the work: a statement the database refuses after earlier ones
//! succeeded, a connection killed inside a transaction, an operation abandoned halfway, a
//! database that cannot be reached. Each leaves all or nothing, and after each the database
//! goes on working.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::task::Poll;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, TransactionTrait};
use service::testing::{TestDatabase, UserFactory, race};
use service::{Error, UserRef};

use super::{assert_invariants, count, pooled, with_value};
use crate::support::{by_id, database, email, row_counts};

/// Creates a trigger that makes every `event` (`INSERT` or `DELETE`) on `table` fail with
/// "injected fault", in the database's own trigger language.
async fn inject_fault<C: ConnectionTrait>(db: &C, table: &str, event: &str) {
    let name = format!("fault_{}_{}", table, event.to_ascii_lowercase());
    let statements = match db.get_database_backend() {
        DatabaseBackend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql \
             AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
                .to_owned(),
            format!(
                "CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW \
                 EXECUTE FUNCTION injected_fault()"
            ),
        ],
        DatabaseBackend::MySql => vec![format!(
            "CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'"
        )],
        _ => vec![format!(
            "CREATE TRIGGER {name} BEFORE {event} ON {table} \
             BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )],
    };
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap();
    }
}

async fn remove_fault<C: ConnectionTrait>(db: &C, table: &str, event: &str) {
    let name = format!("fault_{}_{}", table, event.to_ascii_lowercase());
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => format!("DROP TRIGGER {name} ON {table}"),
        _ => format!("DROP TRIGGER {name}"),
    };
    db.execute_unprepared(&sql).await.unwrap();
}

fn is_injected(result: &Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(result, Err(Error::Database(err)) if err.to_string().contains("injected fault"))
}

#[tokio::test]
async fn a_guest_insert_refused_by_a_trigger_leaves_no_user_of_a_single_or_batched_creation() {
    let db = database().await;
    UserFactory::new().host().create(&*db).await.unwrap();
    inject_fault(&*db, "guests", "INSERT").await;

    // The user's INSERT succeeded inside the transaction before the guest's failed.
    let single = service::create_user(&*db, email("single@example.com")).await;
    assert!(is_injected(&single), "{single:?}");
    let emails: Vec<_> = (0..50)
        .map(|n| email(&format!("batch{n}@example.com")))
        .collect();
    let batch = service::create_users(&*db, &emails).await;
    assert!(is_injected(&batch), "{batch:?}");
    assert_eq!(row_counts(&*db).await, (1, 1, 1));

    // Nothing was left half-written to get in the way once the fault is gone.
    remove_fault(&*db, "guests", "INSERT").await;
    service::create_user(&*db, email("single@example.com"))
        .await
        .unwrap();
    service::create_users(&*db, &emails).await.unwrap();
    assert_eq!(row_counts(&*db).await, (52, 52, 1));
    assert_invariants(&*db).await;
}

#[tokio::test]
async fn a_delete_refused_at_its_last_statement_keeps_the_users_guest_and_host() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    inject_fault(&*db, "users", "DELETE").await;

    // The host's and the guest's DELETEs succeeded inside the transaction before the user's
    // failed.
    let deleted = service::delete_user(&*db, &by_id(&account)).await;
    assert!(is_injected(&deleted), "{deleted:?}");
    assert_eq!(row_counts(&*db).await, (1, 1, 1));
    assert_eq!(
        service::find_user(&*db, &by_id(&account)).await.unwrap(),
        account
    );

    remove_fault(&*db, "users", "DELETE").await;
    service::delete_user(&*db, &by_id(&account)).await.unwrap();
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

/// The environment variable that turns [`a_connection_killed_in_the_middle_of_a_transaction_leaves_no_partial_rows_and_the_pool_recovers`]
/// into the process to be killed, and names its database.
const CHILD_DATABASE: &str = "RELIABILITY_KILLED_CHILD_DATABASE_URL";
/// What that process prints once its transaction has written.
const CHILD_READY: &str = "killed-child: transaction open";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_in_the_middle_of_a_transaction_leaves_no_partial_rows_and_the_pool_recovers()
 {
    if let Ok(url) = std::env::var(CHILD_DATABASE) {
        return write_and_wait_to_be_killed(&url).await;
    }
    let db = pooled(4).await;
    // The pool under test has one connection: after the kill it must open a new one.
    let pool = db.connect_again(1).await.unwrap();
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => kill_a_process_with_an_open_transaction(&db).await,
        _ => {
            kill_a_callers_transaction(&db, &pool).await;
            kill_an_operations_own_transaction(&db, &pool).await;
        }
    }
    // The next operations on the pool work, and find nothing of what was killed.
    let account = service::create_user(&pool, email("killed@example.com"))
        .await
        .unwrap();
    service::onboard_host(&pool, &by_id(&account))
        .await
        .unwrap();
    assert_eq!(row_counts(&pool).await, (1, 1, 1));
    assert_invariants(&pool).await;
}

/// The id by which the server knows the session of `db`'s connection.
async fn session_id<C: ConnectionTrait>(db: &C) -> i64 {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => count(db, "SELECT CAST(pg_backend_pid() AS BIGINT)").await,
        _ => count(db, "SELECT CAST(CONNECTION_ID() AS SIGNED)").await,
    }
}

/// Ends session `id` from `admin`, a connection of its own, and waits until it is gone.
async fn kill_session(admin: &DatabaseConnection, id: i64) {
    let backend = admin.get_database_backend();
    let kill = with_value(
        backend,
        // Waits up to 5 s for the backend to exit (PostgreSQL 14+).
        "SELECT pg_terminate_backend(CAST($1 AS INTEGER), 5000)",
        "KILL CONNECTION ?",
        id.into(),
    );
    admin.execute_raw(kill).await.unwrap();
    if backend == DatabaseBackend::MySql {
        // KILL only flags the session; wait until the server has ended it.
        let gone = with_value(
            backend,
            "",
            "SELECT COUNT(*) FROM information_schema.processlist WHERE id = ?",
            id.into(),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let row = admin.query_one_raw(gone.clone()).await.unwrap().unwrap();
            if row.try_get_by_index::<i64>(0).unwrap() == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "session {id} was not killed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A caller's transaction holds a user, its guest and its host when its connection is killed:
/// its commit fails as [`Error::Unavailable`], and nothing is left.
async fn kill_a_callers_transaction(db: &TestDatabase, pool: &DatabaseConnection) {
    let txn = pool.begin().await.unwrap();
    let id = session_id(&txn).await;
    let account = service::create_user(&txn, email("doomed@example.com"))
        .await
        .unwrap();
    service::onboard_host(&txn, &by_id(&account)).await.unwrap();
    assert_eq!(row_counts(&txn).await, (1, 1, 1));

    kill_session(db.connection(), id).await;

    // The commit itself, with no statement between: a service operation here would fail as
    // `Unavailable` too, but SeaORM 2.0.4 then leaves the caller's transaction looking closed
    // (a nested BEGIN that fails still queues a ROLLBACK of one level, which sqlx counts
    // against the outer transaction), and the commit after it does nothing and succeeds.
    let commit = txn.commit().await.map_err(Error::from);
    assert!(matches!(commit, Err(Error::Unavailable(_))), "{commit:?}");
    assert_eq!(row_counts(db.connection()).await, (0, 0, 0));
}

/// The operation's own transaction has written the user and waits in the guest's INSERT (a
/// trigger sleeps there) when its connection is killed: the operation fails as
/// [`Error::Unavailable`], and the user is gone with it.
async fn kill_an_operations_own_transaction(db: &TestDatabase, pool: &DatabaseConnection) {
    let backend = db.get_database_backend();
    let (pause, running) = match backend {
        DatabaseBackend::Postgres => (
            vec![
                "CREATE FUNCTION pause() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$",
                "CREATE TRIGGER pause_guests BEFORE INSERT ON guests FOR EACH ROW \
                 EXECUTE FUNCTION pause()",
            ],
            "SELECT CAST(COALESCE(MAX(pid), 0) AS BIGINT) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'INSERT INTO \"guests\"%'",
        ),
        _ => (
            vec![
                "CREATE TRIGGER pause_guests BEFORE INSERT ON guests FOR EACH ROW \
                 SET @paused = SLEEP(30)",
            ],
            // MariaDB shows the trigger's statement being run, MySQL the INSERT.
            "SELECT CAST(COALESCE(MAX(id), 0) AS SIGNED) FROM information_schema.processlist \
             WHERE db = DATABASE() \
             AND (info LIKE 'INSERT INTO `guests`%' OR info LIKE 'SET @paused%')",
        ),
    };
    for sql in pause {
        db.execute_unprepared(sql).await.unwrap();
    }
    let operation = {
        let pool = pool.clone();
        tokio::spawn(async move { service::create_user(&pool, email("paused@example.com")).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let id = loop {
        let id = count(db.connection(), running).await;
        if id != 0 {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "the guest's INSERT never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        count(db.connection(), "SELECT COUNT(*) FROM users").await,
        0
    );

    kill_session(db.connection(), id).await;

    let killed = tokio::time::timeout(Duration::from_secs(10), operation)
        .await
        .expect("the killed operation returned")
        .unwrap();
    assert!(matches!(killed, Err(Error::Unavailable(_))), "{killed:?}");
    db.execute_unprepared(match backend {
        DatabaseBackend::Postgres => "DROP TRIGGER pause_guests ON guests",
        _ => "DROP TRIGGER pause_guests",
    })
    .await
    .unwrap();
    assert_eq!(row_counts(db.connection()).await, (0, 0, 0));
}

/// SQLite has no server to end a connection: its connection dies with its process. A copy of
/// this test binary opens a transaction on the same file, writes a user, its guest and its
/// host, and is killed (SIGKILL) while the transaction is open; the WAL then holds frames
/// that no commit ever marked.
async fn kill_a_process_with_an_open_transaction(db: &TestDatabase) {
    let test = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, path)| path);
    let test = format!(
        "{test}::a_connection_killed_in_the_middle_of_a_transaction_leaves_no_partial_rows_and_the_pool_recovers"
    );
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DATABASE, db.url())
        .env_remove(service::testing::TEST_DATABASE_URL)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(std::io::Result::ok)
            .any(|line| line.contains(CHILD_READY))
    });
    let ready = tokio::time::timeout(Duration::from_secs(30), ready).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        matches!(ready, Ok(Ok(true))),
        "the child never opened its transaction"
    );
    assert_eq!(row_counts(db.connection()).await, (0, 0, 0));
}

/// The killed process's side of [`kill_a_process_with_an_open_transaction`].
async fn write_and_wait_to_be_killed(url: &str) {
    let db = service::connect(url).await.unwrap();
    let txn = db.begin().await.unwrap();
    let account = service::create_user(&txn, email("doomed@example.com"))
        .await
        .unwrap();
    service::onboard_host(&txn, &by_id(&account)).await.unwrap();
    println!("{CHILD_READY}");
    // Killed long before this; the bound only keeps an orphan from lingering.
    tokio::time::sleep(Duration::from_secs(60)).await;
    panic!("the child was not killed");
}

/// How long an unreachable database may take to be reported: the connect timeout, and slack
/// for a loaded machine. A correctness bound (no hang), not a performance claim.
const UNREACHABLE_BOUND: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_reported_as_unavailable_within_a_bounded_time() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let directory = std::env::temp_dir().join(format!("missing-{}", uuid::Uuid::now_v7()));
    let urls = [
        format!("postgres://postgres@127.0.0.1:{port}/accounts"),
        format!("mysql://root@127.0.0.1:{port}/accounts"),
        // A file in a directory that does not exist cannot be created.
        format!("sqlite://{}/accounts.db?mode=rwc", directory.display()),
    ];
    // All at once: each may wait for the whole connect timeout.
    let outcomes = race(urls.len(), |i| {
        let url = urls[i].clone();
        async move {
            let started = Instant::now();
            let connected = service::connect(&url).await;
            (url, connected, started.elapsed())
        }
    })
    .await;
    for (url, connected, waited) in outcomes {
        assert!(
            matches!(connected, Err(Error::Unavailable(_))),
            "{url}: {connected:?}"
        );
        assert!(waited < UNREACHABLE_BOUND, "{url}: {waited:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_with_no_free_connection_reports_unavailable_instead_of_hanging() {
    let db = pooled(2).await;
    let mut options = service::connect_options(db.url());
    options
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(300));
    let pool = service::connect_with(options).await.unwrap();
    let holder = pool.begin().await.unwrap();

    let started = Instant::now();
    let starved = service::create_user(&pool, email("starved@example.com")).await;
    assert!(matches!(starved, Err(Error::Unavailable(_))), "{starved:?}");
    assert!(started.elapsed() < UNREACHABLE_BOUND);

    holder.rollback().await.unwrap();
    service::create_user(&pool, email("starved@example.com"))
        .await
        .unwrap();
    assert_eq!(row_counts(&pool).await, (1, 1, 0));
}

/// Polls `operation` until it finishes or has been suspended `suspensions` times, and then
/// drops it there, as a caller that gives up (a timeout, a closed request) does: `None` if it
/// was dropped.
async fn abandon_after<F: Future>(suspensions: usize, operation: F) -> Option<F::Output> {
    let mut operation = std::pin::pin!(operation);
    let mut suspended = 0;
    std::future::poll_fn(|cx| match operation.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending if suspended == suspensions => Poll::Ready(None),
        Poll::Pending => {
            suspended += 1;
            Poll::Pending
        }
    })
    .await
}

/// More suspensions than any operation here has: the sweep below ends well before.
const MOST_SUSPENSIONS: usize = 1000;

/// How many times a sweep that found nothing to abandon is run again.
const SWEEPS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_abandoned_at_every_await_point_leave_whole_users_or_none() {
    let db = pooled(4).await;
    // A creation abandoned at its first, second, ... suspension, until one finishes: every
    // point where a caller can give up is tried. Dropping the future drops its transaction,
    // which is then rolled back.
    //
    // Each abandoned operation runs on a connection of its own, and the checks on another:
    // sqlx's MySQL connection is not cancel-safe, and one abandoned in the middle of a
    // statement can hang for good in the pool's check on its return (sqlx 0.9), a pool slot
    // lost. What this test asserts is that no half-written data is left either way.
    //
    // On a fast local server an operation can run to its end without ever suspending (every
    // reply already there when read), leaving nothing to abandon: such a sweep is run again,
    // a bounded number of times.
    let mut abandoned_creations = 0;
    for sweep in 0..SWEEPS {
        for suspensions in 0..=MOST_SUSPENSIONS {
            let address = email(&format!("created{sweep}.{suspensions}@example.com"));
            let by_email = UserRef::Email(address.clone());
            let victim = db.connect_again(1).await.unwrap();
            let created = abandon_after(suspensions, service::create_user(&victim, address)).await;
            match (&created, service::find_user(&*db, &by_email).await) {
                // Abandoned after its COMMIT was sent: whole, as `find_user` checks.
                (None | Some(Ok(_)), Ok(_)) => {}
                (None, Err(Error::UserNotFound)) => abandoned_creations += 1,
                (created, found) => {
                    panic!("after {suspensions} suspensions: {created:?}, {found:?}")
                }
            }
            assert_invariants(&*db).await;
            if created.is_some() {
                break;
            }
            assert!(suspensions < MOST_SUSPENSIONS, "never finished");
        }
        if abandoned_creations > 0 {
            break;
        }
    }
    // The same for a deletion of a user with a guest and a host.
    let mut abandoned_deletions = 0;
    for _ in 0..SWEEPS {
        for suspensions in 0..=MOST_SUSPENSIONS {
            let account = UserFactory::new().host().create(&*db).await.unwrap();
            let victim = db.connect_again(1).await.unwrap();
            let deleted =
                abandon_after(suspensions, service::delete_user(&victim, &by_id(&account))).await;
            match (&deleted, service::find_user(&*db, &by_id(&account)).await) {
                (None, Ok(whole)) => {
                    assert_eq!(whole, account);
                    abandoned_deletions += 1;
                }
                (None | Some(Ok(_)), Err(Error::UserNotFound)) => {}
                (deleted, found) => {
                    panic!("after {suspensions} suspensions: {deleted:?}, {found:?}")
                }
            }
            assert_invariants(&*db).await;
            if deleted.is_some() {
                break;
            }
            assert!(suspensions < MOST_SUSPENSIONS, "never finished");
        }
        if abandoned_deletions > 0 {
            break;
        }
    }
    // Each was abandoned at least once, and finished when left to run.
    assert!(
        abandoned_creations > 0 && abandoned_deletions > 0,
        "{abandoned_creations} creations and {abandoned_deletions} deletions abandoned"
    );
    let (users, guests, hosts) = row_counts(&*db).await;
    assert_eq!(users, guests);
    assert!(hosts <= users);
}
