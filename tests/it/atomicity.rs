//! A user and its guest are written together or not at all.

use entity::user;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait,
    TransactionTrait,
};
use service::testing::UserFactory;

use crate::support::{by_id, database, email, row_counts};

/// Makes every guest insert fail for real: the table is gone.
async fn break_guest_inserts<C: ConnectionTrait>(db: &C) {
    db.execute_unprepared("DROP TABLE guests").await.unwrap();
}

async fn user_count<C: ConnectionTrait>(db: &C) -> u64 {
    user::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn a_failing_guest_insert_leaves_no_user_behind() {
    let db = database().await;
    break_guest_inserts(&*db).await;

    let result = service::create_user(&*db, email("doomed@example.com")).await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(user_count(&*db).await, 0);
}

#[tokio::test]
async fn outside_a_transaction_the_hook_cannot_undo_the_user() {
    // Why the service always passes a transaction: `ActiveModel::insert` opens none.
    let db = database().await;
    break_guest_inserts(&*db).await;

    let result = user::ActiveModel {
        email: Set("orphan@example.com".to_owned()),
        ..Default::default()
    }
    .insert(&*db)
    .await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(user_count(&*db).await, 1);
}

#[tokio::test]
async fn work_inside_a_callers_transaction_that_rolls_back_leaves_nothing() {
    let db = database().await;
    let txn = db.begin().await.unwrap();
    let account = service::create_user(&txn, email("rolled@example.com"))
        .await
        .unwrap();
    service::onboard_host(&txn, &by_id(&account)).await.unwrap();
    UserFactory::new()
        .host()
        .create_many(&txn, 3)
        .await
        .unwrap();
    assert_eq!(row_counts(&txn).await, (4, 4, 4));
    txn.rollback().await.unwrap();

    assert_eq!(row_counts(&*db).await, (0, 0, 0));
}

#[tokio::test]
async fn work_inside_a_callers_transaction_is_kept_when_it_commits() {
    let db = database().await;
    let txn = db.begin().await.unwrap();
    UserFactory::new().host().create(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(row_counts(&*db).await, (1, 1, 1));
}
