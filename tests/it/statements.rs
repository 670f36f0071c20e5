//! Statement counts, so that an N+1 regression fails a test. Counts, never timings.

use futures_util::TryStreamExt;
use sea_orm::ConnectionTrait;
use service::testing::UserFactory;
use service::{PageSize, UserRef};

use crate::support::{by_id, database, email, record_statements};

fn count(statements: &[String], prefix: &str) -> usize {
    statements
        .iter()
        .filter(|sql| sql.trim_start().to_ascii_uppercase().starts_with(prefix))
        .count()
}

#[tokio::test]
async fn finding_a_user_with_guest_and_host_is_one_statement() {
    let mut db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    let statements = record_statements(&mut db);

    service::find_user(&*db, &by_id(&account)).await.unwrap();
    assert_eq!(statements.take().len(), 1);
    service::find_user(&*db, &UserRef::Email(email(&account.user.email)))
        .await
        .unwrap();
    assert_eq!(statements.take().len(), 1);
}

#[tokio::test]
async fn a_page_of_users_is_one_statement_whatever_its_size() {
    let mut db = database().await;
    UserFactory::new().create_many(&*db, 30).await.unwrap();
    UserFactory::new()
        .host()
        .create_many(&*db, 10)
        .await
        .unwrap();
    let statements = record_statements(&mut db);

    for size in [1, 5, 40, 1000] {
        let page = service::list_users(&*db, None, PageSize::new(size).unwrap())
            .await
            .unwrap();
        assert_eq!(page.accounts.len() as u64, size.min(40));
        assert_eq!(statements.take().len(), 1, "page size {size}");
    }
}

#[tokio::test]
async fn streaming_every_user_is_one_statement_whatever_their_number() {
    let mut db = database().await;
    UserFactory::new().create_many(&*db, 30).await.unwrap();
    UserFactory::new()
        .host()
        .create_many(&*db, 10)
        .await
        .unwrap();
    let statements = record_statements(&mut db);

    let listed: Vec<_> = service::stream_users(&*db, None)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 40);
    let sql = statements.take();
    assert_eq!(sql.len(), 1, "{sql:#?}");
    assert_eq!(count(&sql, "SELECT"), 1, "{sql:#?}");
}

#[tokio::test]
async fn creating_a_user_is_two_inserts_and_no_read_back_where_returning_exists() {
    let mut db = database().await;
    let statements = record_statements(&mut db);

    service::create_user(&*db, email("count@example.com"))
        .await
        .unwrap();
    let sql = statements.take();
    assert_eq!(count(&sql, "INSERT"), 2, "{sql:#?}");
    // MySQL has no RETURNING: SeaORM reads the inserted user back by primary key.
    let reads = if db.support_returning() { 0 } else { 1 };
    assert_eq!(count(&sql, "SELECT"), reads, "{sql:#?}");
}

#[tokio::test]
async fn a_batch_of_users_is_two_inserts_whatever_its_size() {
    let mut db = database().await;
    let statements = record_statements(&mut db);

    for (batch, size) in [(0, 1), (1, 10), (2, 1000)] {
        let emails: Vec<_> = (0..size)
            .map(|n| email(&format!("b{batch}-{n}@example.com")))
            .collect();
        let accounts = service::create_users(&*db, &emails).await.unwrap();
        assert_eq!(accounts.len(), size);
        let sql = statements.take();
        assert_eq!(count(&sql, "INSERT"), 2, "batch of {size}");
        assert_eq!(count(&sql, "SELECT"), 0, "batch of {size}");
    }
}
