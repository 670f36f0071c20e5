//! What a caller is told is what happened: no operation reports a failure for a write that
//! committed, counted over many races of writes that undo each other.
//!
//! On MySQL, `ActiveModel::insert` reads an inserted row back in a second statement; outside a
//! transaction, a concurrent delete between the two made a committed onboarding come back as
//! an error. The counts below catch any such lie: every reported success and failure is
//! matched against the rows that are left.

use service::testing::{UserFactory, race};
use service::{Error, Result, UserRef};

use super::{assert_invariants, pooled};
use crate::support::row_counts;

/// Processes' worth of concurrent operations on one user, half of each kind.
const RACERS: usize = 8;
/// Races, one after the other.
const ROUNDS: usize = 30;

/// The outcome of one racer, by kind of operation.
#[derive(Debug)]
enum Outcome {
    Onboard(Result<()>),
    Undo(Result<()>),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_onboardings_and_offboardings_report_exactly_the_hosts_they_committed() {
    let db = pooled(RACERS as u32).await;
    let (mut onboarded, mut offboarded) = (0, 0);
    for round in 0..ROUNDS {
        let account = UserFactory::new().create(&*db).await.unwrap();
        let user = UserRef::Id(account.user.id);
        let pool = db.connection().clone();
        let outcomes = race(RACERS, |i| {
            let (pool, user) = (pool.clone(), user.clone());
            async move {
                if i % 2 == 0 {
                    Outcome::Onboard(service::onboard_host(&pool, &user).await.map(drop))
                } else {
                    Outcome::Undo(service::offboard_host(&pool, &user).await)
                }
            }
        })
        .await;

        let (mut on, mut off) = (0_i64, 0_i64);
        for outcome in &outcomes {
            match outcome {
                Outcome::Onboard(Ok(())) => on += 1,
                Outcome::Undo(Ok(())) => off += 1,
                Outcome::Onboard(Err(Error::AlreadyHost)) | Outcome::Undo(Err(Error::NotAHost)) => {
                }
                other => panic!("round {round}: an answer that is not a domain outcome: {other:?}"),
            }
        }
        // Each success changed the host count by one, and the database applied them one by
        // one: what is left is exactly what the answers add up to.
        let left = i64::from(
            service::find_user(&*db, &user)
                .await
                .unwrap()
                .host
                .is_some(),
        );
        assert_eq!(on - off, left, "round {round}: {outcomes:?}");
        onboarded += on;
        offboarded += off;
    }
    let (users, guests, hosts) = row_counts(&*db).await;
    assert_eq!((users, guests), (ROUNDS as u64, ROUNDS as u64));
    assert_eq!(onboarded - offboarded, hosts as i64);
    // Not vacuous: both kinds won often.
    assert!(
        onboarded >= ROUNDS as i64 && offboarded > 0,
        "{onboarded} {offboarded}"
    );
    assert_invariants(&*db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_deletions_and_onboardings_report_exactly_what_they_committed() {
    let db = pooled(RACERS as u32).await;
    let mut deleted_total = 0;
    for round in 0..ROUNDS {
        let account = UserFactory::new().create(&*db).await.unwrap();
        let user = UserRef::Id(account.user.id);
        let pool = db.connection().clone();
        let outcomes = race(RACERS, |i| {
            let (pool, user) = (pool.clone(), user.clone());
            async move {
                if i % 2 == 0 {
                    Outcome::Onboard(service::onboard_host(&pool, &user).await.map(drop))
                } else {
                    Outcome::Undo(service::delete_user(&pool, &user).await.map(drop))
                }
            }
        })
        .await;

        let (mut on, mut deleted) = (0, 0);
        for outcome in &outcomes {
            match outcome {
                Outcome::Onboard(Ok(())) => on += 1,
                Outcome::Undo(Ok(())) => deleted += 1,
                Outcome::Onboard(Err(Error::AlreadyHost | Error::UserNotFound))
                | Outcome::Undo(Err(Error::UserNotFound | Error::UserInUse)) => {}
                other => panic!("round {round}: an answer that is not a domain outcome: {other:?}"),
            }
        }
        let found = service::find_user(&*db, &user).await;
        match found {
            // No deletion succeeded, so no host was removed: the onboardings that said so made
            // the one host there is.
            Ok(found) => {
                assert_eq!(deleted, 0, "round {round}: {outcomes:?}");
                assert_eq!(
                    on,
                    u64::from(found.host.is_some()),
                    "round {round}: {outcomes:?}"
                );
            }
            Err(Error::UserNotFound) => {
                assert_eq!(deleted, 1, "round {round}: {outcomes:?}");
                assert!(on <= 1, "round {round}: {outcomes:?}");
            }
            Err(other) => panic!("round {round}: {other:?}"),
        }
        deleted_total += deleted;
    }
    let (users, guests, _) = row_counts(&*db).await;
    assert_eq!(users, ROUNDS as u64 - deleted_total);
    assert_eq!(guests, users);
    assert!(deleted_total > 0, "no deletion ever won");
    assert_invariants(&*db).await;
}

/// Runs `accounts` with `args` on the database at `url`, as a process of its own.
fn spawn(url: &str, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_accounts"))
        .args(args)
        .env("DATABASE_URL", url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_onboard_and_offboard_processes_exit_zero_exactly_as_often_as_they_committed() {
    const PROCESSES: usize = 4;
    const PROCESS_ROUNDS: usize = 5;
    let db = pooled(2).await;
    for round in 0..PROCESS_ROUNDS {
        let account = UserFactory::new().create(&*db).await.unwrap();
        let id = account.user.id.to_string();
        let children: Vec<_> = (0..PROCESSES * 2)
            .map(|i| {
                let command = if i % 2 == 0 { "onboard" } else { "offboard" };
                (command, spawn(db.url(), &["host", command, &id]))
            })
            .collect();
        let (mut on, mut off) = (0_i64, 0_i64);
        for (command, child) in children {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            match (command, output.status.code()) {
                ("onboard", Some(0)) => on += 1,
                ("offboard", Some(0)) => off += 1,
                // Already a host (4), not a host (3): answers about the data, not failures.
                ("onboard", Some(4)) | ("offboard", Some(3)) => {}
                other => panic!("round {round}: {other:?}: {stderr}"),
            }
        }
        let left = i64::from(
            service::find_user(&*db, &UserRef::Id(account.user.id))
                .await
                .unwrap()
                .host
                .is_some(),
        );
        assert_eq!(on - off, left, "round {round}");
    }
    assert_invariants(&*db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_racing_deletions_of_one_user_exactly_one_reports_that_it_deleted_it() {
    let db = pooled(RACERS as u32).await;
    for round in 0..ROUNDS {
        let account = UserFactory::new().host().create(&*db).await.unwrap();
        // By address and by id: the address is read first, in the deletion's transaction.
        let by_email = UserRef::Email(account.user.email.parse().unwrap());
        let by_id = UserRef::Id(account.user.id);
        let pool = db.connection().clone();
        let results = race(RACERS, |i| {
            let pool = pool.clone();
            let user = if i % 2 == 0 { &by_email } else { &by_id }.clone();
            async move { service::delete_user(&pool, &user).await }
        })
        .await;
        let deleted: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(deleted.len(), 1, "round {round}: {results:?}");
        assert_eq!(deleted[0], &account.user, "round {round}");
        for result in &results {
            assert!(
                matches!(result, Ok(_) | Err(Error::UserNotFound)),
                "round {round}: {result:?}"
            );
        }
    }
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}
