//! `accounts seed` stopped in the middle of its run, for real: killed, a batch is committed
//! whole (its users, guests and hosts) or not at all; interrupted, it finishes the batch in
//! flight and says what it committed.
//!
//! Each test runs the binary against a database of its own: a SQLite file, or a database on
//! the server that `TEST_DATABASE_URL` names. Signals are Unix's.

#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entity::user;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};
use service::MAX_BATCH_SIZE;
use service::testing::TestDatabase;

use crate::reliability::{assert_invariants, pooled};

/// Far more users than are committed before the signal: the run is always stopped mid-way.
const USERS: u64 = 20_000;
const HOSTS_EVERY: u64 = 7;
const INTERRUPTED: i32 = 130;
const SIGKILL: i32 = 9;

/// Starts `accounts seed --users 20000 --hosts-every 7` on `db`.
fn start_seeding(db: &TestDatabase) -> Child {
    Command::new(env!("CARGO_BIN_EXE_accounts"))
        .args(["seed", "--users", &USERS.to_string()])
        .args(["--hosts-every", &HOSTS_EVERY.to_string()])
        .env("DATABASE_URL", db.url())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `child` has committed at least `users` users, polling through the test's own
/// connection; fails if it ends first.
async fn wait_for_users(db: &TestDatabase, child: &mut Child, users: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let committed = user::Entity::find().count(db.connection()).await.unwrap();
        if committed >= users {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the seeding ended ({status}) before {users} users were committed");
        }
        assert!(Instant::now() < deadline, "{committed} users after 120 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What the seeding committed, read in one statement (one snapshot, even if a batch committed
/// by the killed process lands meanwhile): for each user, its number in the run (from its
/// address, `seed{n}.{run}@example.com`), its guests and its hosts.
async fn committed(db: &TestDatabase) -> Vec<(u64, i64, i64)> {
    let sql = "SELECT u.email, \
               (SELECT COUNT(*) FROM guests g WHERE g.user_id = u.id), \
               (SELECT COUNT(*) FROM hosts h WHERE h.user_id = u.id) \
               FROM users u";
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let mut users: Vec<(u64, i64, i64)> = rows
        .iter()
        .map(|row| {
            let email: String = row.try_get_by_index(0).unwrap();
            let number = email
                .strip_prefix("seed")
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(n, _)| n.parse().ok())
                .unwrap_or_else(|| panic!("{email} is not a seeded address"));
            let guests = row.try_get_by_index(1).unwrap();
            let hosts = row.try_get_by_index(2).unwrap();
            (number, guests, hosts)
        })
        .collect();
    users.sort_unstable();
    users
}

/// Asserts that the committed users are whole batches, the first ones of the run, each user
/// with its guest and exactly the due users with a host; returns how many users and hosts.
async fn assert_whole_batches(db: &TestDatabase) -> (u64, u64) {
    let users = committed(db).await;
    let count = users.len() as u64;
    assert_eq!(count % MAX_BATCH_SIZE as u64, 0, "{count} users");
    assert!(0 < count && count < USERS, "{count} users");
    for (expected, &(number, guests, hosts)) in (0..).zip(&users) {
        assert_eq!(number, expected, "users are missing before user {number}");
        assert_eq!(guests, 1, "user {number} has {guests} guests");
        let due = i64::from(number % HOSTS_EVERY == 0);
        assert_eq!(hosts, due, "user {number} has {hosts} hosts");
    }
    let hosts = count.div_ceil(HOSTS_EVERY);
    assert_invariants(db.connection()).await;
    (count, hosts)
}

#[tokio::test]
async fn a_seed_killed_mid_run_leaves_whole_batches_each_user_with_its_guest_and_due_host() {
    let db = pooled(2).await;
    let started = Instant::now();
    let mut child = start_seeding(&db);
    wait_for_users(&db, &mut child, 2 * MAX_BATCH_SIZE as u64).await;
    // SIGKILL: nothing of the process runs after it.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(SIGKILL), "{status}");

    let (users, hosts) = assert_whole_batches(&db).await;
    eprintln!(
        "killed after {users} users and {hosts} hosts, {:?} in",
        started.elapsed()
    );
}

/// Sends `signal` (`INT`, `TERM`) to a seeding run once it has committed a batch, and checks
/// that it finishes the batch in flight, then stops, says what it committed and exits 130.
async fn interrupt_mid_run(signal: &str, name: &str) {
    let db = pooled(2).await;
    let started = Instant::now();
    let mut child = start_seeding(&db);
    wait_for_users(&db, &mut child, MAX_BATCH_SIZE as u64).await;
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal}: {sent}");
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(INTERRUPTED), "{stderr}");

    let (users, hosts) = assert_whole_batches(&db).await;
    assert_eq!(stdout, format!("seeded {users} users ({hosts} hosts)\n"));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("interrupted by {name}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("after {users} of {USERS} users")),
        "{stderr}"
    );
    eprintln!(
        "{name} after {users} users and {hosts} hosts, {:?} in",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_seed_interrupted_by_sigint_finishes_its_batch_reports_what_it_committed_and_exits_130() {
    interrupt_mid_run("INT", "SIGINT").await;
}

#[tokio::test]
async fn a_seed_stopped_by_sigterm_finishes_its_batch_reports_what_it_committed_and_exits_130() {
    interrupt_mid_run("TERM", "SIGTERM").await;
}
