//! Batched creation gives every user its guest, and the chosen ones their host, and refuses a
//! batch as a whole.

use sea_orm::{ConnectionTrait, DatabaseBackend};
use service::testing::UserFactory;
use service::{Error, MAX_BATCH_SIZE, NewAccount};

use crate::reliability::assert_invariants;
use crate::support::{by_id, database, email, record_statements, row_counts};

#[tokio::test]
async fn every_user_of_a_batch_gets_exactly_its_guest() {
    let db = database().await;
    let emails: Vec<_> = (0..50)
        .map(|n| email(&format!("Batch{n}@Example.com")))
        .collect();
    let accounts = service::create_users(&*db, &emails).await.unwrap();
    assert_eq!(row_counts(&*db).await, (50, 50, 0));
    for account in &accounts {
        assert_eq!(
            service::find_user(&*db, &by_id(account)).await.unwrap(),
            *account
        );
    }
    assert_eq!(accounts[7].user.email, "batch7@example.com");
}

#[tokio::test]
async fn a_batch_with_a_taken_address_writes_nothing() {
    let db = database().await;
    let existing = UserFactory::new().create(&*db).await.unwrap();
    let emails = [email("new@example.com"), email(&existing.user.email)];
    let result = service::create_users(&*db, &emails).await;
    assert!(matches!(result, Err(Error::EmailTaken)), "{result:?}");
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
}

#[tokio::test]
async fn a_batch_that_repeats_an_address_in_another_case_writes_nothing() {
    let db = database().await;
    let emails = [email("twice@example.com"), email("TWICE@example.com")];
    let result = service::create_users(&*db, &emails).await;
    assert!(matches!(result, Err(Error::EmailTaken)), "{result:?}");
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

#[tokio::test]
async fn a_batch_larger_than_the_limit_is_refused_before_any_write() {
    let db = database().await;
    let emails: Vec<_> = (0..=MAX_BATCH_SIZE)
        .map(|n| email(&format!("big{n}@example.com")))
        .collect();
    let result = service::create_users(&*db, &emails).await;
    assert!(matches!(result, Err(Error::BatchTooLarge(n)) if n == MAX_BATCH_SIZE + 1));
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

/// `count` accounts numbered from 0, every `hosts_every`-th one (from number 0) a host.
fn new_accounts(prefix: &str, count: u64, hosts_every: Option<u64>) -> Vec<NewAccount> {
    (0..count)
        .map(|n| NewAccount {
            email: email(&format!("{prefix}{n}@example.com")),
            host: hosts_every.is_some_and(|k| n % k == 0),
        })
        .collect()
}

#[tokio::test]
async fn a_batch_with_hosts_commits_its_users_guests_and_hosts_together_in_three_inserts() {
    let mut db = database().await;
    let statements = record_statements(&mut db);
    let batch = new_accounts("Host", 50, Some(7));
    let accounts = service::create_accounts(&*db, &batch).await.unwrap();
    let sql = statements.take();
    let inserts = sql.iter().filter(|s| s.trim_start().starts_with("INSERT"));
    assert_eq!(inserts.count(), 3, "{sql:#?}");

    assert_eq!(row_counts(&*db).await, (50, 50, 8));
    for (new, account) in batch.iter().zip(&accounts) {
        assert_eq!(account.user.email, new.email.as_str());
        assert_eq!(account.host.is_some(), new.host, "{}", new.email.as_str());
        // The hosts of a batch share its creation time, as its users do.
        if let Some(host) = &account.host {
            assert_eq!(host.user_id, account.user.id);
            assert_eq!(host.created_at, account.user.created_at);
            assert_eq!(host.updated_at, account.user.created_at);
        }
        assert_eq!(
            service::find_user(&*db, &by_id(account)).await.unwrap(),
            *account
        );
    }
    assert_invariants(&*db).await;
}

#[tokio::test]
async fn a_batch_of_accounts_without_hosts_is_still_two_inserts() {
    let mut db = database().await;
    let statements = record_statements(&mut db);
    let accounts = service::create_accounts(&*db, &new_accounts("plain", 10, None))
        .await
        .unwrap();
    assert!(accounts.iter().all(|account| account.host.is_none()));
    let sql = statements.take();
    let inserts = sql.iter().filter(|s| s.trim_start().starts_with("INSERT"));
    assert_eq!(inserts.count(), 2, "{sql:#?}");
    assert_eq!(row_counts(&*db).await, (10, 10, 0));
}

#[tokio::test]
async fn a_batch_whose_hosts_insert_fails_writes_no_user_guest_or_host() {
    let db = database().await;
    UserFactory::new().host().create(&*db).await.unwrap();
    refuse_hosts(&*db).await;

    // The users' and the guests' INSERTs succeeded inside the transaction before the hosts'
    // failed.
    let batch = new_accounts("refused", 50, Some(7));
    let result = service::create_accounts(&*db, &batch).await;
    assert!(
        matches!(&result, Err(Error::Database(err)) if err.to_string().contains("no hosts")),
        "{result:?}"
    );
    assert_eq!(row_counts(&*db).await, (1, 1, 1));

    // Nothing was left half-written to get in the way once the fault is gone.
    allow_hosts(&*db).await;
    service::create_accounts(&*db, &batch).await.unwrap();
    assert_eq!(row_counts(&*db).await, (51, 51, 9));
    assert_invariants(&*db).await;
}

#[tokio::test]
async fn a_batch_with_hosts_and_a_taken_address_writes_nothing() {
    let db = database().await;
    let existing = UserFactory::new().create(&*db).await.unwrap();
    let mut batch = new_accounts("taken", 20, Some(3));
    batch[5].email = email(&existing.user.email);
    let result = service::create_accounts(&*db, &batch).await;
    assert!(matches!(result, Err(Error::EmailTaken)), "{result:?}");
    assert_eq!(row_counts(&*db).await, (1, 1, 0));
}

#[tokio::test]
async fn a_batch_of_accounts_larger_than_the_limit_is_refused_before_any_write() {
    let db = database().await;
    let batch = new_accounts("big", MAX_BATCH_SIZE as u64 + 1, Some(2));
    let result = service::create_accounts(&*db, &batch).await;
    assert!(matches!(result, Err(Error::BatchTooLarge(n)) if n == MAX_BATCH_SIZE + 1));
    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

/// Makes every `INSERT` into `hosts` fail with "no hosts", by a trigger in the database's own
/// language: the last statement of a batch then fails after the others have written.
async fn refuse_hosts<C: ConnectionTrait>(db: &C) {
    let statements: &[&str] = match db.get_database_backend() {
        DatabaseBackend::Postgres => &[
            "CREATE FUNCTION no_hosts() RETURNS trigger LANGUAGE plpgsql \
             AS $$ BEGIN RAISE EXCEPTION 'no hosts'; END $$",
            "CREATE TRIGGER no_hosts BEFORE INSERT ON hosts FOR EACH ROW \
             EXECUTE FUNCTION no_hosts()",
        ],
        DatabaseBackend::MySql => &[
            "CREATE TRIGGER no_hosts BEFORE INSERT ON hosts FOR EACH ROW \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no hosts'",
        ],
        _ => &["CREATE TRIGGER no_hosts BEFORE INSERT ON hosts \
             BEGIN SELECT RAISE(ABORT, 'no hosts'); END"],
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
}

async fn allow_hosts<C: ConnectionTrait>(db: &C) {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => "DROP TRIGGER no_hosts ON hosts",
        _ => "DROP TRIGGER no_hosts",
    };
    db.execute_unprepared(sql).await.unwrap();
}
