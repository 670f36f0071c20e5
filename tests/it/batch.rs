//! Batched creation gives every user its guest, and refuses a batch as a whole.

use service::testing::UserFactory;
use service::{Error, MAX_BATCH_SIZE};

use crate::support::{by_id, database, email, row_counts};

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
