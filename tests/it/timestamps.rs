//! `created_at` is set once; `updated_at` moves on every update; both read back unchanged.

use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use service::testing::UserFactory;

use crate::support::{by_id, database, email};

#[tokio::test]
async fn a_new_user_and_its_guest_share_their_creation_time() {
    let db = database().await;
    let before = entity::clock::now();
    let account = UserFactory::new().create(&*db).await.unwrap();
    let after = entity::clock::now();

    assert!(before <= account.user.created_at && account.user.created_at <= after);
    assert_eq!(account.user.updated_at, account.user.created_at);
    assert_eq!(account.guest.created_at, account.user.created_at);
    assert_eq!(account.guest.updated_at, account.user.created_at);
}

#[tokio::test]
async fn timestamps_read_back_equal_to_what_was_written() {
    let db = database().await;
    let account = UserFactory::new().host().create(&*db).await.unwrap();
    let stored = service::find_user(&*db, &by_id(&account)).await.unwrap();
    assert_eq!(stored, account);
}

#[tokio::test]
async fn an_update_moves_updated_at_and_never_created_at() {
    let db = database().await;
    let account = UserFactory::new().create(&*db).await.unwrap();
    let mut latest = account.user.clone();
    for n in 0..3 {
        let changed =
            service::change_email(&*db, &by_id(&account), email(&format!("n{n}@example.com")))
                .await
                .unwrap();
        assert!(changed.user.updated_at > latest.updated_at);
        assert_eq!(changed.user.created_at, account.user.created_at);
        latest = changed.user;
    }

    // Even an update that asks to rewrite `created_at` leaves it alone.
    let mut am = latest.clone().into_active_model();
    am.created_at = Set(latest.created_at - chrono::TimeDelta::days(1));
    let updated = am.update(&*db).await.unwrap();
    assert_eq!(updated.created_at, account.user.created_at);
    assert!(updated.updated_at > latest.updated_at);
    let stored = user::Entity::find_by_id(account.user.id)
        .one(&*db)
        .await
        .unwrap();
    assert_eq!(stored, Some(updated));
}
